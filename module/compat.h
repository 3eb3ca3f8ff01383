/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the kernel API differences between the kernels xtcp builds on
 * (Debian's 6.1 and 6.12, and newer). Every #if on the kernel version lives
 * here; the rest of the module uses the xtcp_compat_* names.
 */
#ifndef XTCP_COMPAT_H
#define XTCP_COMPAT_H

#include <linux/version.h>
#include <linux/timer.h>
#include <net/sock.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

/* 6.10 passes accept()'s flags, error and kern in struct proto_accept_arg. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define XTCP_HAVE_ACCEPT_ARG 1
#endif

/* 6.5 hands proto.ioctl a kernel int instead of a user pointer. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define XTCP_HAVE_IOCTL_KARG 1
#endif

/*
 * 6.6 made register_net_sysctl() a macro over register_net_sysctl_sz()
 * that takes ARRAY_SIZE of its argument, which a kmemdup'd table is not.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define xtcp_register_net_sysctl(net, path, table, count) \
	register_net_sysctl_sz(net, path, table, count)
#else
#define xtcp_register_net_sysctl(net, path, table, count) \
	register_net_sysctl(net, path, table)
#endif

/* 6.16 renamed from_timer() to timer_container_of(). */
#ifdef timer_container_of
#define xtcp_timer_container_of(var, t, field) \
	timer_container_of(var, t, field)
#else
#define xtcp_timer_container_of(var, t, field) from_timer(var, t, field)
#endif

/*
 * Turn a user socket's counted namespace reference into the uncounted kind
 * kernel sockets have, so an orphan lingering in TIME_WAIT or FIN_WAIT2 no
 * longer keeps a deleted namespace alive (Linux's TIME_WAIT minisockets
 * hold none either). Since 6.2 uncounted sockets carry a tracker too.
 */
static inline void xtcp_compat_drop_netns_ref(struct sock *sk)
{
	struct net *net = sock_net(sk);

	if (!sk->sk_net_refcnt)
		return;
	sk->sk_net_refcnt = 0;
	sock_inuse_add(net, -1);
	put_net_track(net, &sk->ns_tracker);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	__netns_tracker_alloc(net, &sk->ns_tracker, false, GFP_ATOMIC);
#endif
}

#endif /* XTCP_COMPAT_H */
