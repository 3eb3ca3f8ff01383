/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the kernel API differences between the kernels xtcp builds on
 * (Debian's 6.1, 6.12 and 7.x). Every #if on the kernel version lives
 * here; the rest of the module uses the xtcp_compat_* names.
 */
#ifndef XTCP_COMPAT_H
#define XTCP_COMPAT_H

#include <linux/timer.h>
#include <net/sock.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

/*
 * Which API a kernel has is found by Kbuild (module/Kbuild, xtcp_has) from
 * its headers, not from its version: stable kernels backport. It defines
 *
 *  XTCP_HAVE_ACCEPT_ARG      proto.accept() takes struct proto_accept_arg
 *                            (6.10)
 *  XTCP_HAVE_IOCTL_KARG      proto.ioctl() gets a kernel int (6.5)
 *  XTCP_HAVE_SYSCTL_SZ       register_net_sysctl_sz() exists and
 *                            register_net_sysctl() wants an array (6.6)
 *  XTCP_HAVE_NOTREFCNT_TRACKER  uncounted sockets carry a netns tracker
 *                            (6.2)
 *  XTCP_HAVE_NET_PASSIVE     they also hold a passive netns reference
 *                            (6.12.y, 6.14)
 *  XTCP_HAVE_SOCKADDR_UNSIZED  proto.connect() takes struct
 *                            sockaddr_unsized (6.19)
 *  XTCP_HAVE_RECVMSG_ADDR_LEN  proto.recvmsg() still has the int *addr_len
 *                            argument (an old API: gone in 7.x)
 *  XTCP_HAVE_SK_UID          sk_uid() replaces sock_i_uid() (about 6.17)
 */
#ifdef XTCP_HAVE_SYSCTL_SZ
#define xtcp_register_net_sysctl(net, path, table, count) \
	register_net_sysctl_sz(net, path, table, count)
#else
#define xtcp_register_net_sysctl(net, path, table, count) \
	register_net_sysctl(net, path, table)
#endif

#ifdef XTCP_HAVE_SOCKADDR_UNSIZED
#define xtcp_sockaddr sockaddr_unsized
#else
#define xtcp_sockaddr sockaddr
#endif

#ifdef XTCP_HAVE_SK_UID
#define xtcp_sk_uid(sk) sk_uid(sk)
#else
#define xtcp_sk_uid(sk) sock_i_uid(sk)
#endif

/* 6.16 renamed from_timer() to timer_container_of(). */
#ifdef timer_container_of
#define xtcp_timer_container_of(var, t, field) \
	timer_container_of(var, t, field)
#else
#define xtcp_timer_container_of(var, t, field) from_timer(var, t, field)
#endif

/* 6.2 renamed del_timer_sync() to timer_delete_sync(); 6.16 dropped the old name. */
#ifdef XTCP_HAVE_TIMER_DELETE_SYNC
#define xtcp_timer_delete_sync(t) timer_delete_sync(t)
#else
#define xtcp_timer_delete_sync(t) del_timer_sync(t)
#endif

/*
 * Turn a user socket's counted namespace reference into the uncounted kind
 * kernel sockets have, so an orphan lingering in TIME_WAIT or FIN_WAIT2 no
 * longer keeps a deleted namespace alive (Linux's TIME_WAIT minisockets
 * hold none either).
 */
static inline void xtcp_compat_drop_netns_ref(struct sock *sk)
{
	struct net *net = sock_net(sk);

	if (!sk->sk_net_refcnt)
		return;
	sk->sk_net_refcnt = 0;
	sock_inuse_add(net, -1);
	put_net_track(net, &sk->ns_tracker);
#ifdef XTCP_HAVE_NOTREFCNT_TRACKER
	__netns_tracker_alloc(net, &sk->ns_tracker, false, GFP_ATOMIC);
#endif
#ifdef XTCP_HAVE_NET_PASSIVE
	/* __sk_destruct() drops a passive reference for such sockets. */
	net_passive_inc(net);
#endif
}

#endif /* XTCP_COMPAT_H */
