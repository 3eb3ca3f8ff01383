// SPDX-License-Identifier: GPL-2.0
/*
 * keepalive.c - keepalive probes (RFC 1122 §4.2.3.6) with Linux's knobs
 * and meaning: SO_KEEPALIVE turns them on; after TCP_KEEPIDLE
 * (net.xtcp.keepalive_time, 2 h) without hearing from the peer, and with
 * nothing of ours in flight, a probe goes every TCP_KEEPINTVL
 * (keepalive_intvl, 75 s); after TCP_KEEPCNT (keepalive_probes, 9)
 * unanswered ones, or once TCP_USER_TIMEOUT has passed with at least one
 * out, the connection is reset and fails with ETIMEDOUT.
 *
 * A probe is a bare ACK one below SND.UNA, which the peer must answer
 * with an ACK (RFC 9293 §3.10.7.4); any acceptable ACK clears the count
 * (input.c, shared with zero-window probes, which only run while data
 * waits, when keepalive does not probe).
 *
 * The timer is sk->sk_timer (XTCP_TIMER_LIFE), which TIME_WAIT and an
 * orphan's FIN_WAIT2 also use; they never probe, and entering them takes
 * the timer over. It is armed once, when the connection is established or
 * the option turned on, and not moved on every segment: when it fires it
 * looks at how long the peer has been quiet (@rcv_tstamp) and waits the
 * rest, or probes.
 *
 * Everything here runs with the socket locked.
 */
#include <net/tcp.h>

#include "xtcp.h"

/* States in which a connection may probe (Linux: all but the opening). */
#define XTCP_KEEPALIVE_STATES	(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | \
				 TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 | \
				 TCPF_CLOSING | TCPF_LAST_ACK)

/* The sysctls take any int, as Linux's: below one jiffy counts as one. */
static u32 xtcp_keepalive_time(const struct sock *sk)
{
	int t = xtcp_sk(sk)->keepalive_time ? :
		READ_ONCE(xtcp_pernet(sock_net(sk))->keepalive_time);

	return t > 0 ? t : 1;
}

static u32 xtcp_keepalive_intvl(const struct sock *sk)
{
	int t = xtcp_sk(sk)->keepalive_intvl ? :
		READ_ONCE(xtcp_pernet(sock_net(sk))->keepalive_intvl);

	return t > 0 ? t : 1;
}

static u8 xtcp_keepalive_probes(const struct sock *sk)
{
	return xtcp_sk(sk)->keepalive_probes ? :
	       READ_ONCE(xtcp_pernet(sock_net(sk))->keepalive_probes);
}

/**
 * xtcp_keepalive_get() - TCP_KEEPIDLE, TCP_KEEPINTVL or TCP_KEEPCNT as
 * getsockopt() reports them: the socket's, else the namespace's.
 * @sk: the socket.
 * @optname: one of the three.
 *
 * Return: seconds, or the probe count.
 */
int xtcp_keepalive_get(const struct sock *sk, int optname)
{
	switch (optname) {
	case TCP_KEEPIDLE:
		return xtcp_keepalive_time(sk) / HZ;
	case TCP_KEEPINTVL:
		return xtcp_keepalive_intvl(sk) / HZ;
	default:
		return xtcp_keepalive_probes(sk);
	}
}

/* Fire after @delay jiffies (at least one). */
static void xtcp_keepalive_arm(struct sock *sk, unsigned long delay)
{
	xtcp_timer_arm(sk, XTCP_TIMER_LIFE, jiffies + max(delay, 1UL));
}

static u32 xtcp_keepalive_idle(const struct sock *sk)
{
	return (u32)jiffies - xtcp_sk(sk)->rcv_tstamp;
}

/**
 * xtcp_keepalive_reset() - the connection was established, or TCP_KEEPIDLE
 * changed: if keepalive is on, wait what is left of the idle time.
 * @sk: the socket.
 */
void xtcp_keepalive_reset(struct sock *sk)
{
	u32 idle = xtcp_keepalive_idle(sk), when = xtcp_keepalive_time(sk);

	xtcp_assert_locked(sk);
	if (!sock_flag(sk, SOCK_KEEPOPEN) ||
	    !((1 << sk->sk_state) & XTCP_KEEPALIVE_STATES) ||
	    (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD)))
		return;
	xtcp_keepalive_arm(sk, when > idle ? when - idle : 0);
}

/**
 * xtcp_set_keepalive() - proto.keepalive: SO_KEEPALIVE is changing to @on
 * (the flag itself is set by the caller afterwards).
 * @sk: the socket.
 * @on: the new value.
 */
void xtcp_set_keepalive(struct sock *sk, int on)
{
	xtcp_assert_locked(sk);
	if (!((1 << sk->sk_state) & XTCP_KEEPALIVE_STATES))
		return;
	if (on && !sock_flag(sk, SOCK_KEEPOPEN))
		xtcp_keepalive_arm(sk, xtcp_keepalive_time(sk));
	/* Only these states use the timer for nothing else. */
	else if (!on && ((1 << sk->sk_state) &
			 (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)))
		xtcp_timer_stop(sk, XTCP_TIMER_LIFE);
}

/**
 * xtcp_keepalive_timeout() - the timer fired in a state that may probe:
 * wait on, probe, or give up.
 * @sk: the connection.
 */
void xtcp_keepalive_timeout(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 when = xtcp_keepalive_time(sk), idle, user;

	if (!sock_flag(sk, SOCK_KEEPOPEN) ||
	    !((1 << sk->sk_state) & XTCP_KEEPALIVE_STATES))
		return;
	/* Data in flight or waiting: the retransmission timer watches. */
	if (xs->snd_una != xs->snd_nxt ||
	    !skb_queue_empty(&sk->sk_write_queue)) {
		xtcp_keepalive_arm(sk, when);
		return;
	}
	idle = xtcp_keepalive_idle(sk);
	if (idle < when) {
		xtcp_keepalive_arm(sk, when - idle);
		return;
	}
	user = READ_ONCE(xs->user_timeout);
	if ((user && idle >= msecs_to_jiffies(user) && xs->probes_out) ||
	    (!user && xs->probes_out >= xtcp_keepalive_probes(sk))) {
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_ABORTONTIMEOUT);
		xtcp_send_active_reset(sk, GFP_ATOMIC);
		WRITE_ONCE(sk->sk_err, ETIMEDOUT);
		sk_error_report(sk);
		xtcp_done(sk);
		return;
	}
	xtcp_send_probe(sk);
	xtcp_inc_stat(sock_net(sk), XTCP_MIB_KEEPALIVE);
	if (xs->probes_out < U8_MAX)
		xs->probes_out++;
	xtcp_keepalive_arm(sk, xtcp_keepalive_intvl(sk));
}
