// SPDX-License-Identifier: GPL-2.0
/*
 * rack.c - RACK (RFC 8985) on the write queue: loss detection by time.
 * A segment sent before one that has been delivered, and not delivered
 * itself within an RTT and a reordering window of its transmission, is
 * lost. It applies to first transmissions, next to RFC 6675's DupThresh
 * rule (sack.c), and to retransmissions, which that rule never sees lost.
 * Without it, a lost retransmission waited for the retransmission timer,
 * 200 ms at least, while the rest of the window drained, and so did a
 * flight's lost tail once a loss probe (tlp.c) had been SACKed: one
 * SACKed segment above a hole is not DupThresh. On by default, as in
 * Linux (net.xtcp.recovery's XTCP_RACK_LOSS_DETECTION); the rules
 * themselves are in proto/rack.c.
 *
 * State: struct xtcp_sock @rack_* and every write-queue segment's
 * @xmit_us; socket lock, like the scoreboard. Cost: the walk looks at
 * segments in flight below the newest delivered one, and beyond it only
 * until it has seen every retransmission still out (@retrans_out); it
 * runs only on ACKs that delivered something sent later than anything
 * delivered before, or while a segment found sent before that is still
 * within its reordering window. A segment still within it is looked at
 * again by the next ACK, or when its window ends if no ACK comes first:
 * the retransmission timer waits for that instead of the RTO, if it is
 * sooner (@reo_armed, RFC 8985 §6.3).
 */
#include <net/tcp.h>

#include "xtcp.h"
#include "proto/rack.h"

/**
 * xtcp_rack_advance() - the segment @cb describes was just delivered
 * (SACKed, or acknowledged without having been SACKed): remember it if
 * its transmission is the latest delivered so far (RFC 8985 §6.2 step 2).
 * @sk: the socket.
 * @cb: the segment.
 * @now_us: xtcp_clock_us() now.
 *
 * A retransmitted segment delivered sooner after its retransmission than
 * the lowest RTT is taken for its original's delivery: it says nothing
 * about when the retransmission went.
 *
 * Context: socket locked.
 */
void xtcp_rack_advance(struct sock *sk, const struct xtcp_skb_cb *cb,
		       u32 now_us)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 rtt = now_us - cb->xmit_us;

	xtcp_assert_locked(sk);
	if (cb->retransmitted && rtt < xs->min_rtt_us)
		return;
	if (xs->rack_valid &&
	    !xtcp_rack_sent_after(cb->xmit_us, cb->end_seq, xs->rack_xmit_us,
				  xs->rack_end_seq))
		return;
	xs->rack_xmit_us = cb->xmit_us;
	xs->rack_end_seq = cb->end_seq;
	xs->rack_rtt_us = rtt;
	xs->rack_valid = true;
	xs->rack_advanced = true;
}

/**
 * xtcp_rack_detect_loss() - RFC 8985 §6.2 steps 4-5: a segment in flight,
 * not SACKed, sent before the latest delivered one and overdue by the
 * reordering window is lost. A first transmission is marked lost; a
 * retransmission loses its retransmitted mark but keeps its lost one
 * (LostRetransmit). Either way xtcp_retransmit_lost() sends it (again)
 * as the window allows, and a lost segment starts fast recovery.
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_rack_detect_loss(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 now, reo, left = xs->retrans_out, wait = U32_MAX;
	bool waiting = false, no_wait;
	s32 remaining;
	struct sk_buff *skb;
	u8 mode;

	xtcp_assert_locked(sk);
	xs->rack_wait_us = 0;
	if (!xs->rack_advanced)
		return;
	xs->rack_advanced = false;
	mode = READ_ONCE(xtcp_pernet(sock_net(sk))->recovery);
	/*
	 * Without SACK the only delivery seen is the cumulative ACK's, and
	 * NewReno marks the losses (sack.c), as in Linux, which runs RACK
	 * for SACK connections only.
	 */
	if (!(mode & XTCP_RACK_LOSS_DETECTION) || !xs->sack_ok)
		return;
	now = xtcp_clock_us();
	no_wait = xs->in_recovery ||
		  (!(mode & XTCP_RACK_NO_DUPTHRESH) &&
		   xs->sacked_out >= xs->reordering);
	reo = xtcp_rack_reo_wnd(xs->min_rtt_us, xs->srtt_us >> 3,
				xs->reord_seen, no_wait);
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (!xtcp_seq_before(cb->seq, xs->snd_nxt))
			break;
		/* past the newest delivered, only retransmissions went before */
		if (!left && !xtcp_seq_before(cb->seq, xs->rack_end_seq))
			break;
		if (cb->sacked || (cb->lost && !cb->rexmit))
			continue;	/* delivered, or marked and waiting */
		if (cb->rexmit)
			left--;
		if (!xtcp_rack_sent_after(xs->rack_xmit_us, xs->rack_end_seq,
					  cb->xmit_us, cb->end_seq))
			continue;
		remaining = xtcp_rack_remaining(now, cb->xmit_us,
						xs->rack_rtt_us, reo);
		if (remaining > 0) {
			waiting = true;
			wait = min_t(u32, wait, remaining);
			continue;
		}
		if (cb->rexmit) {
			/* still marked lost (xtcp_retransmit_skb()) */
			cb->rexmit = 0;
			if (!WARN_ON_ONCE(!xs->retrans_out))
				xs->retrans_out--;
			xtcp_inc_stat(sock_net(sk), XTCP_MIB_LOSTRETRANSMIT);
		} else {
			cb->lost = 1;
			xs->lost_out++;
		}
	}
	/* one still within its window: the next ACK looks again, or the timer */
	xs->rack_advanced = waiting;
	if (waiting)
		xs->rack_wait_us = wait;
}

/*
 * Slack after a reordering window: the timer fires on a jiffy, and a
 * segment found a hair short of overdue would need another (as Linux's
 * TCP_TIMEOUT_MIN).
 */
#define XTCP_REO_SLACK	2

/**
 * xtcp_rack_arm_reo() - after an ACK was processed and the retransmission
 * timer set for it: if a segment sent before the newest delivered one is
 * still within its reordering window, let the timer wait for the end of
 * that window instead, when that comes before the RTO (RFC 8985 §6.3).
 * Otherwise, when no further ACK came, the segment would wait for the RTO,
 * whose window starts from one segment.
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_rack_arm_reo(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long when;

	xtcp_assert_locked(sk);
	if (!xs->rack_wait_us || xs->snd_una == xs->snd_nxt)
		return;
	when = jiffies + usecs_to_jiffies(xs->rack_wait_us) + XTCP_REO_SLACK;
	if (xtcp_timer_armed(sk, XTCP_TIMER_RTX) && !xs->reo_armed &&
	    !xs->tlp_armed &&
	    time_before_eq(xs->timer_due[XTCP_TIMER_RTX], when))
		return;		/* the RTO comes first, and marks them all */
	xtcp_timer_arm(sk, XTCP_TIMER_RTX, when);
	xs->reo_armed = 1;
}

/**
 * xtcp_rack_reo_timeout() - the reordering window of a segment sent before
 * the newest delivered one has ended, and no ACK came since: look for
 * losses again, and repair what is found lost by fast recovery, as an ACK
 * would have (RFC 8985 §6.3; Linux's tcp_rack_reo_timeout()). Then the
 * timer goes back to the RTO, or waits for the next window.
 * @sk: the socket.
 *
 * Context: socket locked, from the retransmission timer.
 */
void xtcp_rack_reo_timeout(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 lost = xs->lost_out, retrans = xs->retrans_out;

	xtcp_assert_locked(sk);
	xs->rack_advanced = true;	/* the time moved on, if nothing else */
	xtcp_rack_detect_loss(sk);
	if (xs->lost_out != lost || xs->retrans_out != retrans)
		xtcp_recovery_marked(sk);
	if (!xtcp_timer_armed(sk, XTCP_TIMER_RTX))
		xtcp_rearm_rto_left(sk);
	xtcp_rack_arm_reo(sk);
}
