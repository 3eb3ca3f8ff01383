// SPDX-License-Identifier: GPL-2.0
/*
 * timer.c - the timers of an xtcp socket (enum xtcp_timer) and what they
 * do:
 *
 *  - rtx_timer: retransmission of SYN, SYN-ACK, FIN and data with
 *    exponential backoff (RFC 6298 §5), zero-window probes (RFC 9293
 *    §3.8.6.1), tail loss probes (tlp.c, while @tlp_armed), the end of
 *    RACK's reordering window (rack.c, while @reo_armed), another try
 *    at a FIN that could not be allocated, and giving up after
 *    syn_retries / the SYN-ACK limit / orphan_retries / retries2 /
 *    TCP_USER_TIMEOUT;
 *  - delack_timer: an ACK held back (RFC 1122 §4.2.3.2), sent unless a
 *    segment carried it first;
 *  - sk->sk_timer: the end of TIME_WAIT (2MSL) and of an orphaned
 *    FIN_WAIT2 (fin_timeout).
 *
 * A pending timer holds a socket reference (sk_reset_timer()). Handlers
 * run in softirq: they take bh_lock_sock() and, if a process owns the
 * socket, try again shortly rather than touch it (xtcp-locking.rst).
 *
 * A handler may start just as the socket's owner stops or moves its timer
 * (del_timer() cannot stop a handler that already runs, and a handler that
 * found the socket owned re-arms itself). So the socket records what each
 * timer is meant to do: a bit in timers_armed and the time in timer_due,
 * both under the socket lock. A handler acts only if its bit is set and
 * its time has come; otherwise it goes back to sleep until timer_due, or
 * does nothing at all.
 */
#include <net/tcp.h>

#include "xtcp.h"
#include "proto/timeout.h"

/* How soon a timer retries when it finds the socket owned by a process. */
#define XTCP_TIMER_RETRY	(HZ / 20)

static struct timer_list *xtcp_timer_of(struct sock *sk, enum xtcp_timer which)
{
	switch (which) {
	case XTCP_TIMER_RTX:
		return &xtcp_sk(sk)->rtx_timer;
	case XTCP_TIMER_DELACK:
		return &xtcp_sk(sk)->delack_timer;
	default:
		return &sk->sk_timer;
	}
}

/**
 * xtcp_timer_arm() - (re)start timer @which to fire at @when.
 * @sk: the socket.
 * @which: the timer.
 * @when: absolute time, in jiffies.
 *
 * Context: socket locked.
 */
void xtcp_timer_arm(struct sock *sk, enum xtcp_timer which, unsigned long when)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);
	if (which == XTCP_TIMER_RTX) {
		/* an RTO, unless tlp.c or rack.c says otherwise */
		xs->tlp_armed = 0;
		xs->reo_armed = 0;
	}
	xs->timer_due[which] = when;
	xs->timers_armed |= BIT(which);
	sk_reset_timer(sk, xtcp_timer_of(sk, which), when);
}

/**
 * xtcp_timer_stop() - cancel timer @which; a handler already running will
 * find its bit clear and do nothing.
 * @sk: the socket.
 * @which: the timer.
 *
 * Context: socket locked.
 */
void xtcp_timer_stop(struct sock *sk, enum xtcp_timer which)
{
	if (which == XTCP_TIMER_RTX) {
		xtcp_sk(sk)->tlp_armed = 0;
		xtcp_sk(sk)->reo_armed = 0;
	}
	xtcp_sk(sk)->timers_armed &= ~BIT(which);
	sk_stop_timer(sk, xtcp_timer_of(sk, which));
}

/**
 * xtcp_timer_armed() - is timer @which meant to fire?
 * @sk: the socket.
 * @which: the timer.
 *
 * Return: true if armed and not yet handled.
 */
bool xtcp_timer_armed(const struct sock *sk, enum xtcp_timer which)
{
	return xtcp_sk(sk)->timers_armed & BIT(which);
}

/*
 * The start of every handler, socket spin-locked and not owned: true if
 * the timer's work is due now (and then it is no longer armed).
 */
static bool xtcp_timer_due(struct sock *sk, enum xtcp_timer which)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xtcp_timer_armed(sk, which))
		return false;	/* stopped after it had started to fire */
	if (time_before(jiffies, xs->timer_due[which])) {
		/* moved to later meanwhile: wait for that */
		sk_reset_timer(sk, xtcp_timer_of(sk, which),
			       xs->timer_due[which]);
		return false;
	}
	xs->timers_armed &= ~BIT(which);
	return true;
}

/*
 * The frame of every handler: lock, retry later if owned, run @fn if the
 * timer is due, drop the reference the pending timer held.
 */
static void xtcp_timer_run(struct sock *sk, enum xtcp_timer which,
			   void (*fn)(struct sock *sk))
{
	bh_lock_sock(sk);
	if (sock_owned_by_user(sk))
		sk_reset_timer(sk, xtcp_timer_of(sk, which),
			       jiffies + XTCP_TIMER_RETRY);
	else if (xtcp_timer_due(sk, which))
		fn(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

static unsigned int xtcp_retry_limit(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);

	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		return xs->syn_retries ? xs->syn_retries :
					 READ_ONCE(xn->syn_retries);
	if (sock_flag(sk, SOCK_DEAD))
		return xtcp_orphan_retries(READ_ONCE(xn->orphan_retries),
					   xs->rto < XTCP_RTO_MAX);
	return READ_ONCE(xn->retries2);
}

/*
 * Linux's time-based meaning of retries1 and retries2 (its
 * retransmits_timed_out()): a connection has retransmitted "@boundary
 * times" once as much time has passed since the oldest unacknowledged
 * segment was first sent as @boundary timeouts doubling from the minimum
 * RTO would take (retries2 15: 924.6 s), whatever the real RTO was.
 * TCP_USER_TIMEOUT, when set, replaces that time.
 */
static bool xtcp_rtx_timed_out(struct sock *sk, unsigned int boundary,
			       bool user)
{
	struct sk_buff *head = skb_peek(&sk->sk_write_queue);
	u32 ms = user ? READ_ONCE(xtcp_sk(sk)->user_timeout) : 0;
	u64 limit;

	if (!head)
		return false;
	limit = ms ? msecs_to_jiffies(ms) :
		     xtcp_give_up_time(boundary, XTCP_RTO_MIN, XTCP_RTO_MAX);
	return (u64)((u32)jiffies - XTCP_SKB_CB(head)->sent_at) >= limit;
}

/* TCP_USER_TIMEOUT is set and has run out for the oldest segment unacked. */
static bool xtcp_user_timed_out(struct sock *sk)
{
	return READ_ONCE(xtcp_sk(sk)->user_timeout) &&
	       xtcp_rtx_timed_out(sk, 0, true);
}

/*
 * @when, shortened to what is left of TCP_USER_TIMEOUT counted from
 * @start (jiffies) if one is set, but at least 2 jiffies: the connection
 * then gives up when the user asked, not up to a whole backed-off timeout
 * later (Linux's tcp_clamp_rto_to_user_timeout() and
 * tcp_clamp_probe0_to_user_timeout()).
 */
static unsigned long xtcp_user_clamp(struct sock *sk, u32 start,
				     unsigned long when)
{
	u32 ms = READ_ONCE(xtcp_sk(sk)->user_timeout);
	long left;

	if (!ms)
		return when;
	left = (long)msecs_to_jiffies(ms) - (s32)((u32)jiffies - start);
	return min_t(unsigned long, when, max_t(long, left, 2));
}

static void xtcp_give_up(struct sock *sk)
{
	struct net *net = sock_net(sk);

	xtcp_inc_stat(net, XTCP_MIB_ABORTONTIMEOUT);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		xtcp_inc_stat(net, XTCP_MIB_ATTEMPTFAILS);
	WRITE_ONCE(sk->sk_err, ETIMEDOUT);
	sk_error_report(sk);
	xtcp_done(sk);
}

/*
 * One more timeout without progress: back off and wait again, no longer
 * than TCP_USER_TIMEOUT leaves of the oldest segment's time.
 */
static void xtcp_backoff_rtx(struct sock *sk)
{
	struct sk_buff *head = skb_peek(&sk->sk_write_queue);
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long when;

	xs->retransmits++;
	xs->rto = xtcp_backoff(xs->rto, 1, XTCP_RTO_MAX);
	when = xs->rto;
	if (head)
		when = xtcp_user_clamp(sk, XTCP_SKB_CB(head)->sent_at, when);
	xtcp_timer_arm(sk, XTCP_TIMER_RTX, jiffies + when);
}

/* The next zero-window probe: one backed-off RTO, within the user timeout. */
static void xtcp_arm_probe(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_timer_arm(sk, XTCP_TIMER_RTX,
		       jiffies + xtcp_user_clamp(sk, xs->probe_start, xs->rto));
}

/*
 * Nothing in flight and data waiting: the peer's window is closed. Probe
 * it (RFC 9293 §3.8.6.1). Only probes that go unanswered count towards
 * the limit (@probes_out is reset by any acceptable ACK, RFC 9293 MUST-26:
 * a receiver that keeps answering keeps the connection, however long its
 * window stays shut), but TCP_USER_TIMEOUT, counted from the first probe,
 * ends it answered or not. An orphan also gives up once its backoff
 * reached the maximum and as many probes went out, answered or not. The
 * backoff doubles up to retries2 doublings. A window open by less than
 * the next segment takes that much of it instead (xtcp_probe_with_data()).
 * All as Linux's TCP.
 */
static void xtcp_probe_timeout(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned int limit = xtcp_retry_limit(sk);
	u32 user = READ_ONCE(xs->user_timeout);

	if (!xs->probe_start)
		xs->probe_start = (u32)jiffies ? : 1;
	else if (user && (u32)jiffies - xs->probe_start >=
			 msecs_to_jiffies(user))
		goto give_up;
	if (xs->probes_out >= limit ||
	    (sock_flag(sk, SOCK_DEAD) && xs->rto >= XTCP_RTO_MAX &&
	     xs->retransmits >= limit))
		goto give_up;
	if (xtcp_probe_with_data(sk)) {
		/* data in flight: its RTO runs, the probing is over (Linux) */
		xs->probe_start = 0;
		xs->probes_out = 0;
		xs->retransmits = 0;
		xtcp_rto_reset(sk);
		xtcp_arm_rtx(sk);
		return;
	}
	xtcp_send_probe(sk);
	xtcp_inc_stat(sock_net(sk), XTCP_MIB_WINPROBE);
	xs->probes_out++;
	if (xs->retransmits < READ_ONCE(xn->retries2)) {
		xs->retransmits++;
		xs->rto = xtcp_backoff(xs->rto, 1, XTCP_RTO_MAX);
	}
	xtcp_arm_probe(sk);
	return;
give_up:
	xtcp_give_up(sk);
}

/**
 * xtcp_probe_answered() - an acceptable ACK came while we probe a zero
 * window (nothing in flight, @probe_start set). If the window now takes
 * the next segment, the probing, its backoff and its timer end (the
 * caller sends, which starts a fresh RTO); otherwise the next probe is one
 * backed-off RTO from now, as Linux's tcp_ack_probe().
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_probe_answered(struct sock *sk)
{
	struct sk_buff *head = skb_peek(&sk->sk_write_queue);
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);
	if (head && !xtcp_fits_window(sk, head)) {
		xtcp_arm_probe(sk);
		return;
	}
	xs->probe_start = 0;
	xs->retransmits = 0;
	xtcp_rto_reset(sk);
	xtcp_timer_stop(sk, XTCP_TIMER_RTX);
}

static void xtcp_retransmit_timeout(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);

	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN | TCPF_TIME_WAIT))
		return;
	if (xs->fin_wanted && !xtcp_queue_fin(sk))
		xtcp_push(sk);
	if (skb_queue_empty(&sk->sk_write_queue)) {
		if (!xs->fin_wanted)
			return;
		/* The FIN still could not be allocated: try again later. */
		if (xs->retransmits >= xtcp_retry_limit(sk))
			xtcp_give_up(sk);
		else
			xtcp_backoff_rtx(sk);
		return;
	}
	if (xs->snd_una == xs->snd_nxt) {
		xs->tlp_armed = 0;
		xs->reo_armed = 0;
		if (!xtcp_push_held(sk))
			xtcp_probe_timeout(sk);
		return;
	}
	xs->probe_start = 0;
	if (xs->reo_armed) {
		xs->reo_armed = 0;
		xtcp_rack_reo_timeout(sk);
		return;
	}
	if (xs->tlp_armed) {
		xs->tlp_armed = 0;
		xtcp_tlp_timeout(sk);
		return;
	}
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		/* syn_retries, or TCP_USER_TIMEOUT if it comes first */
		if (xs->retransmits >= xtcp_retry_limit(sk) ||
		    xtcp_user_timed_out(sk)) {
			xtcp_give_up(sk);
			return;
		}
	} else if (sock_flag(sk, SOCK_DEAD)) {
		/* orphan_retries, or TCP_USER_TIMEOUT in its place */
		if (READ_ONCE(xs->user_timeout) ? xtcp_user_timed_out(sk) :
		    xs->retransmits >= xtcp_retry_limit(sk)) {
			xtcp_give_up(sk);
			return;
		}
	} else {
		if (xtcp_rtx_timed_out(sk, xtcp_retry_limit(sk), true)) {
			xtcp_give_up(sk);
			return;
		}
		/* RFC 1122 §4.2.3.5 R1: past retries1, look for a new route. */
		if (xtcp_rtx_timed_out(sk, READ_ONCE(xn->retries1), false))
			sk_dst_reset(sk);
	}
	/* one per episode: the backoff's later expiries are the same one */
	if (!xs->retransmits)
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_TIMEOUTS);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		/* Our SYN (or SYN-ACK): the only segment there is. */
		xtcp_cc_timeout(sk);
		xs->in_recovery = true;
		xs->recover = xs->snd_nxt;
		xs->dup_acks = 0;
		xtcp_retransmit_head(sk);
	} else {
		xtcp_recovery_timeout(sk);
	}
	xtcp_backoff_rtx(sk);
}

static void xtcp_rtx_timer_fn(struct timer_list *t)
{
	struct xtcp_sock *xs = xtcp_timer_container_of(xs, t, rtx_timer);

	xtcp_timer_run(&xs->inet.sk, XTCP_TIMER_RTX, xtcp_retransmit_timeout);
}

static void xtcp_delack_timeout(struct sock *sk)
{
	if ((1 << sk->sk_state) &
	    (TCPF_CLOSE | TCPF_LISTEN | TCPF_SYN_SENT | TCPF_TIME_WAIT))
		return;
	xtcp_inc_stat(sock_net(sk), XTCP_MIB_DELAYEDACKS);
	/* An ACK waited in vain for an answer: no more pingpong (Linux). */
	xtcp_sk(sk)->quickack = 1;
	xtcp_send_ack(sk);
}

static void xtcp_delack_timer_fn(struct timer_list *t)
{
	struct xtcp_sock *xs = xtcp_timer_container_of(xs, t, delack_timer);

	xtcp_timer_run(&xs->inet.sk, XTCP_TIMER_DELACK, xtcp_delack_timeout);
}

static void xtcp_life_timeout(struct sock *sk)
{
	/* 2MSL over, or the peer never sent its FIN: forget it. */
	if (sk->sk_state == TCP_TIME_WAIT ||
	    (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD)))
		xtcp_done(sk);
	else
		xtcp_keepalive_timeout(sk);
}

static void xtcp_sk_timer_fn(struct timer_list *t)
{
	struct sock *sk = xtcp_timer_container_of(sk, t, sk_timer);

	xtcp_timer_run(sk, XTCP_TIMER_LIFE, xtcp_life_timeout);
}

/**
 * xtcp_init_timers() - set up the timers of a new socket.
 * @sk: the socket.
 */
void xtcp_init_timers(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	timer_setup(&xs->rtx_timer, xtcp_rtx_timer_fn, 0);
	timer_setup(&xs->delack_timer, xtcp_delack_timer_fn, 0);
	timer_setup(&sk->sk_timer, xtcp_sk_timer_fn, 0);
	xs->timers_armed = 0;
}

/**
 * xtcp_clear_timers() - cancel every timer, dropping their references.
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_clear_timers(struct sock *sk)
{
	int which;

	for (which = 0; which < XTCP_NR_TIMERS; which++)
		xtcp_timer_stop(sk, which);
}

/**
 * xtcp_arm_rtx() - (re)start the retransmission timer at the RTO.
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_arm_rtx(struct sock *sk)
{
	xtcp_timer_arm(sk, XTCP_TIMER_RTX, jiffies + xtcp_sk(sk)->rto);
}

/**
 * xtcp_rto_left_us() - how long until the oldest segment in flight is due
 * for its RTO, counted from its last transmission.
 * @sk: the socket.
 *
 * Context: socket locked.
 * Return: microseconds, 0 or less if due; 0 with nothing queued.
 */
s32 xtcp_rto_left_us(struct sock *sk)
{
	struct sk_buff *head = skb_peek(&sk->sk_write_queue);
	u32 due;

	if (!head)
		return 0;
	due = XTCP_SKB_CB(head)->xmit_us + jiffies_to_usecs(xtcp_sk(sk)->rto);
	return (s32)(due - xtcp_clock_us());
}

/**
 * xtcp_rearm_rto_left() - the retransmission timer back to the RTO, for
 * what is left of it (at least a jiffy), after it served a loss probe or
 * RACK's reordering window (Linux's tcp_rearm_rto()).
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_rearm_rto_left(struct sock *sk)
{
	s32 left = xtcp_rto_left_us(sk);

	xtcp_timer_arm(sk, XTCP_TIMER_RTX,
		       jiffies + max(usecs_to_jiffies(max(left, 0)), 1UL));
}

/**
 * xtcp_delay_ack() - owe the peer an ACK, to be sent within @delay unless a
 * segment carries it first (xtcp_ack_sent()). An earlier deadline stays.
 * @sk: the socket.
 * @delay: the longest wait, in jiffies.
 *
 * Context: socket locked.
 */
void xtcp_delay_ack(struct sock *sk, unsigned long delay)
{
	if (xtcp_timer_armed(sk, XTCP_TIMER_DELACK))
		return;
	xtcp_timer_arm(sk, XTCP_TIMER_DELACK, jiffies + delay);
}

/**
 * xtcp_ack_now() - in-order data of @len bytes was queued: ACK it now, or
 * let the delayed-ACK timer do it (RFC 1122 §4.2.3.2, RFC 5681 §4.2)?
 * As Linux: at once when a hole was filled or one remains, when more than
 * one full-sized segment is unacknowledged ("every second segment"), and
 * for the first XTCP_MAX_QUICKACKS segments of a connection, so that slow
 * start is not held back; unless TCP_QUICKACK is off ("pingpong": the
 * ACK rides on the answer).
 * @sk: the socket.
 * @len: payload bytes of the segment; the largest seen is the peer's MSS.
 * @hole: the segment filled a hole, or lies before one.
 *
 * Context: socket locked.
 * Return: true if an ACK should go now; otherwise one is scheduled.
 */
bool xtcp_ack_now(struct sock *sk, unsigned int len, bool hole)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 now = jiffies;

	/* After a pause longer than an RTO the peer starts slow again. */
	if (xs->last_data_rcv && now - xs->last_data_rcv > xs->rto)
		xs->quick_acks = XTCP_MAX_QUICKACKS;
	xs->last_data_rcv = now ? now : 1;
	if (len >= xs->rcv_mss)
		xs->rcv_mss = min_t(unsigned int, len, max_t(u16, xs->advmss,
							     XTCP_MIN_MSS));
	else
		xs->ack_pushed = xs->ack_pushed ? 2 : 1;
	if (hole)
		return true;
	if (xs->rcv_nxt - xs->rcv_wup > xs->rcv_mss)
		return true;
	if (xs->quick_acks && xs->quickack) {
		xs->quick_acks--;
		return true;
	}
	xtcp_delay_ack(sk, XTCP_DELACK_MIN);
	return false;
}

/**
 * xtcp_ack_sent() - a segment acknowledging RCV.NXT went out: the delayed
 * ACK, if one was owed, is no longer needed.
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_ack_sent(struct sock *sk)
{
	xtcp_sk(sk)->ack_pushed = 0;
	if (xtcp_timer_armed(sk, XTCP_TIMER_DELACK))
		xtcp_timer_stop(sk, XTCP_TIMER_DELACK);
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
	xtcp_timer_stop(sk, XTCP_TIMER_RTX);
	xtcp_timer_stop(sk, XTCP_TIMER_DELACK);
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
 *
 * Context: socket locked.
 */
void xtcp_restart_time_wait(struct sock *sk)
{
	xtcp_timer_arm(sk, XTCP_TIMER_LIFE, jiffies + XTCP_TIMEWAIT_LEN);
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

	xtcp_timer_arm(sk, XTCP_TIMER_LIFE,
		       jiffies + xtcp_fin_wait2_time(tmo, xs->rto));
	xtcp_orphan_wait(sk);
}

/**
 * xtcp_rtt_sample_us() - one RTT measurement of @m_us microseconds, from
 * a segment's send time or from a timestamp echo (RFC 7323 §4): update
 * the lowest RTT, SRTT, RTTVAR and the RTO (RFC 6298 §2).
 * @sk: the socket.
 * @m_us: the measurement.
 */
void xtcp_rtt_sample_us(struct sock *sk, u32 m_us)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->min_rtt_us || m_us < xs->min_rtt_us)
		xs->min_rtt_us = m_us;
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
		/* never measured: the handshake's RTO, or §5.7's after it */
		xs->rto = (1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV) ?
			  XTCP_RTO_INIT : XTCP_RTO_FALLBACK;
		return;
	}
	xs->rto = usecs_to_jiffies(xtcp_rto_from(xs->srtt_us, xs->rttvar_us,
						 jiffies_to_usecs(XTCP_RTO_MIN),
						 jiffies_to_usecs(XTCP_RTO_MAX)));
}
