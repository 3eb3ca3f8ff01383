// SPDX-License-Identifier: GPL-2.0
/*
 * connect.c - active open (connect()) and disconnect(), the way back to
 * CLOSE that generic inet code uses after a failed connect, for
 * connect(AF_UNSPEC) and for shutdown() of a listener or connecting socket.
 *
 * Both run with the socket locked by the caller (inet_stream_connect(),
 * inet_shutdown()).
 */
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp.h>

#include "xtcp.h"

/* Pick the source address and path MTU for @daddr:@dport. */
static int xtcp_route_connect(struct sock *sk, __be32 daddr, __be16 dport)
{
	struct inet_sock *inet = inet_sk(sk);
	struct flowi4 fl4;
	struct rtable *rt;

	rt = ip_route_output_ports(sock_net(sk), &fl4, sk, daddr,
				   inet->inet_saddr, dport, inet->inet_sport,
				   sk->sk_protocol, ip_sock_rt_tos(sk),
				   sk->sk_bound_dev_if);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}
	if (!inet->inet_saddr)
		inet->inet_saddr = fl4.saddr;
	if (!inet->inet_rcv_saddr)
		inet->inet_rcv_saddr = inet->inet_saddr;
	xtcp_sk(sk)->pmtu_cookie = dst_mtu(&rt->dst);
	xtcp_sk(sk)->advmss = xtcp_route_mss(sk, dst_mtu(&rt->dst));
	ip_rt_put(rt);
	return 0;
}

/**
 * xtcp_connect() - proto.connect: route, pick a port, enter the
 * connection table and send the SYN (RFC 9293 §3.10.1).
 * @sk: the socket, in CLOSE.
 * @uaddr: the peer's address, a struct sockaddr_in.
 * @addr_len: length of @uaddr.
 *
 * Context: process, socket locked (inet_stream_connect()).
 * Return: 0 with the SYN on its way, or a negative errno.
 */
int xtcp_connect(struct sock *sk, struct xtcp_sockaddr *uaddr, int addr_len)
{
	struct sockaddr_in *usin = (struct sockaddr_in *)uaddr;
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 iss;
	int err;

	if (addr_len < sizeof(*usin))
		return -EINVAL;
	if (usin->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	err = xtcp_route_connect(sk, usin->sin_addr.s_addr, usin->sin_port);
	if (err)
		return err;
	inet->inet_daddr = usin->sin_addr.s_addr;
	inet->inet_dport = usin->sin_port;
	xtcp_event(sk, XTCP_EV_CONNECT);
	err = xtcp_hash_connect(sk, &iss);
	if (err < 0) {
		xtcp_set_state(sk, TCP_CLOSE);
		inet->inet_daddr = 0;
		inet->inet_dport = 0;
		return err;
	}
	if (!err)	/* else above a TIME_WAIT's sequence space */
		iss = xtcp_new_isn(inet->inet_saddr, inet->inet_daddr,
				   inet->inet_sport, inet->inet_dport);
	xtcp_reset_sequence_space(xs, iss);
	atomic_set(&inet->inet_id, get_random_u16());
	xtcp_ts_connect(sk);
	/* RFC 7323 §2.2: offer our shift; it counts if the SYN-ACK has one. */
	xs->wscale_ok = !!READ_ONCE(xtcp_pernet(sock_net(sk))->window_scaling);
	xs->rcv_wscale = xs->wscale_ok ? xtcp_choose_wscale(sk) : 0;
	sk_dst_reset(sk);
	err = xtcp_queue_control(sk, TCPHDR_SYN);
	if (err) {
		xtcp_set_state(sk, TCP_CLOSE);
		return err;
	}
	xtcp_inc_stat(sock_net(sk), XTCP_MIB_ACTIVEOPENS);
	xtcp_push(sk);
	return 0;
}

/**
 * xtcp_disconnect() - proto.disconnect: abort whatever the socket was
 * doing (a RST if it was synchronized) and make it a fresh, unconnected
 * socket that may connect or listen again. Keeps a port pinned by bind().
 * @sk: the socket.
 * @flags: not used.
 *
 * Context: process, socket locked.
 * Return: 0.
 */
int xtcp_disconnect(struct sock *sk, int flags)
{
	struct inet_sock *inet = inet_sk(sk);
	int old = sk->sk_state;

	if (old == TCP_LISTEN) {
		xtcp_set_state(sk, TCP_CLOSE);
		xtcp_listen_stop(sk);
	} else if ((1 << old) & (TCPF_ESTABLISHED | TCPF_SYN_RECV |
				 TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 |
				 TCPF_CLOSE_WAIT | TCPF_CLOSING |
				 TCPF_LAST_ACK)) {
		xtcp_send_active_reset(sk, gfp_any());
		WRITE_ONCE(sk->sk_err, ECONNRESET);
	}
	xtcp_set_state(sk, TCP_CLOSE);
	xtcp_clear_timers(sk);
	xtcp_purge_queues(sk);

	inet->inet_dport = 0;
	inet->inet_daddr = 0;
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK)) {
		inet->inet_saddr = 0;
		inet->inet_rcv_saddr = 0;
	}
	if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
		inet->inet_sport = 0;
	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
	xtcp_reset_sequence_space(xtcp_sk(sk), 0);
	sk_dst_reset(sk);
	sk_error_report(sk);
	return 0;
}
