// SPDX-License-Identifier: GPL-2.0
/*
 * timer.c - the two timers of an xtcp socket and what they do:
 *
 *  - rtx_timer: retransmission of SYN, SYN-ACK, FIN and data with
 *    exponential backoff (RFC 6298 §5), zero-window probes, and giving up
 *    after syn_retries / the SYN-ACK limit / orphan_retries / retries2;
 *  - sk->sk_timer: the end of TIME_WAIT (2MSL) and of an orphaned
 *    FIN_WAIT2 (fin_timeout).
 *
 * A pending timer holds a socket reference (sk_reset_timer()). Handlers
 * run in softirq: they take bh_lock_sock() and, if a process owns the
 * socket, try again shortly rather than touch it (xtcp-locking.rst).
 */
#include <net/tcp.h>

#include "xtcp.h"
#include "proto/timeout.h"

/* How soon a timer retries when it finds the socket owned by a process. */
#define XTCP_TIMER_RETRY	(HZ / 20)

static unsigned int xtcp_retry_limit(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->is_child && xs->listener && sk->sk_state == TCP_SYN_RECV) {
		u8 cnt = xtcp_sk(xs->listener)->syn_retries;

		return cnt ? cnt : XTCP_SYNACK_RETRIES;
	}
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		return xs->syn_retries ? xs->syn_retries :
					 READ_ONCE(xn->syn_retries);
	if (sock_flag(sk, SOCK_DEAD))
		return xtcp_orphan_retries(READ_ONCE(xn->orphan_retries),
					   xs->rto < XTCP_RTO_MAX);
	return XTCP_RETRIES2;
}

static void xtcp_give_up(struct sock *sk)
{
	struct net *net = sock_net(sk);

	xtcp_inc_stat(net, XTCP_MIB_TIMEOUTS);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		xtcp_inc_stat(net, XTCP_MIB_ATTEMPTFAILS);
	WRITE_ONCE(sk->sk_err, ETIMEDOUT);
	sk_error_report(sk);
	xtcp_done(sk);
}

static void xtcp_retransmit_timeout(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN | TCPF_TIME_WAIT))
		return;
	skb = skb_peek(&sk->sk_write_queue);
	if (!skb)
		return;
	if (xs->retransmits >= xtcp_retry_limit(sk)) {
		xtcp_give_up(sk);
		return;
	}
	if (xs->snd_una == xs->snd_nxt) {
		/* Nothing in flight, data waiting: the window is closed. */
		xtcp_send_probe(sk);
	} else {
		/* Resend the rest as partial ACKs arrive (RFC 6582 §3.2). */
		xs->in_recovery = true;
		xs->recover = xs->snd_nxt;
		xs->dup_acks = 0;
		xtcp_retransmit_head(sk);
	}
	xs->retransmits++;
	xs->rto = xtcp_backoff(xs->rto, 1, XTCP_RTO_MAX);
	xtcp_arm_rtx(sk);
}

static void xtcp_rtx_timer_fn(struct timer_list *t)
{
	struct xtcp_sock *xs = xtcp_timer_container_of(xs, t, rtx_timer);
	struct sock *sk = &xs->inet.sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk))
		sk_reset_timer(sk, t, jiffies + XTCP_TIMER_RETRY);
	else
		xtcp_retransmit_timeout(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

static void xtcp_sk_timer_fn(struct timer_list *t)
{
	struct sock *sk = xtcp_timer_container_of(sk, t, sk_timer);

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		sk_reset_timer(sk, t, jiffies + XTCP_TIMER_RETRY);
	} else if (sk->sk_state == TCP_TIME_WAIT ||
		   (sk->sk_state == TCP_FIN_WAIT2 &&
		    sock_flag(sk, SOCK_DEAD))) {
		/* 2MSL over, or the peer never sent its FIN: forget it. */
		xtcp_done(sk);
	}
	bh_unlock_sock(sk);
	sock_put(sk);
}

/** xtcp_init_timers() - set up both timers of a new socket. */
void xtcp_init_timers(struct sock *sk)
{
	timer_setup(&xtcp_sk(sk)->rtx_timer, xtcp_rtx_timer_fn, 0);
	timer_setup(&sk->sk_timer, xtcp_sk_timer_fn, 0);
}

/** xtcp_clear_timers() - cancel both timers, dropping their references. */
void xtcp_clear_timers(struct sock *sk)
{
	sk_stop_timer(sk, &xtcp_sk(sk)->rtx_timer);
	sk_stop_timer(sk, &sk->sk_timer);
}

/** xtcp_arm_rtx() - (re)start the retransmission timer at the RTO. */
void xtcp_arm_rtx(struct sock *sk)
{
	sk_reset_timer(sk, &xtcp_sk(sk)->rtx_timer,
		       jiffies + xtcp_sk(sk)->rto);
}

/**
 * xtcp_enter_time_wait() - start 2MSL for a socket that just entered
 * TIME_WAIT; above net.xtcp.max_tw_buckets the connection skips TIME_WAIT
 * and closes at once, as Linux's TCP does.
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_enter_time_wait(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	if (atomic_read(&xn->tw_count) > READ_ONCE(xn->max_tw_buckets)) {
		net_info_ratelimited("xtcp: TIME_WAIT bucket table overflow\n");
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_TIMEWAITOVERFLOW);
		xtcp_done(sk);
		return;
	}
	sk_stop_timer(sk, &xtcp_sk(sk)->rtx_timer);
	xtcp_restart_time_wait(sk);
	if (sock_flag(sk, SOCK_DEAD))
		xtcp_orphan_wait(sk);
}

/**
 * xtcp_restart_time_wait() - (re)start 2MSL, also for a retransmitted FIN
 * arriving in TIME_WAIT (RFC 9293 §3.10.7.4). That connection already has
 * its bucket: max_tw_buckets, even if lowered since, does not end it
 * (tcp_timewait_state_process() only reschedules as well).
 * @sk: the socket, in TIME_WAIT.
 */
void xtcp_restart_time_wait(struct sock *sk)
{
	sk_reset_timer(sk, &sk->sk_timer, jiffies + XTCP_TIMEWAIT_LEN);
}

/**
 * xtcp_arm_fin_wait2() - bound the life of an orphan waiting in FIN_WAIT2
 * for the peer's FIN: TCP_LINGER2 or net.xtcp.fin_timeout, at least 3.5
 * RTOs. Also ends its counting as an orphan (xtcp_orphan_wait()).
 * @sk: the orphan, in FIN_WAIT2.
 *
 * Context: socket locked.
 */
void xtcp_arm_fin_wait2(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int tmo = xs->linger2 > 0 ? xs->linger2 :
		  READ_ONCE(xtcp_pernet(sock_net(sk))->fin_timeout);

	sk_reset_timer(sk, &sk->sk_timer,
		       jiffies + xtcp_fin_wait2_time(tmo, xs->rto));
	xtcp_orphan_wait(sk);
}

/**
 * xtcp_rtt_sample() - an ACK covered a segment first sent at @sent_at and
 * never retransmitted (Karn's rule): update SRTT, RTTVAR and the RTO.
 * @sk: the socket.
 * @sent_at: jiffies of the segment's transmission.
 */
void xtcp_rtt_sample(struct sock *sk, u32 sent_at)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 m_us = jiffies_to_usecs((u32)jiffies - sent_at);

	xtcp_rtt_update(&xs->srtt_us, &xs->rttvar_us, m_us);
	xtcp_rto_reset(sk);
}

/**
 * xtcp_rto_reset() - new data was acknowledged: undo the backoff (RFC 6298
 * §5.7 keeps it only until then) by recomputing the RTO from the estimate,
 * which the acknowledgment may just have refreshed.
 * @sk: the socket.
 */
void xtcp_rto_reset(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->srtt_us) {
		xs->rto = XTCP_RTO_INIT;
		return;
	}
	xs->rto = usecs_to_jiffies(xtcp_rto_from(xs->srtt_us, xs->rttvar_us,
						 jiffies_to_usecs(XTCP_RTO_MIN),
						 jiffies_to_usecs(XTCP_RTO_MAX)));
}
