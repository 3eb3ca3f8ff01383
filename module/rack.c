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
 * again by the next ACK, or by the RTO or loss probe if none comes (no
 * reordering timer yet).
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
	u32 now, reo, left = xs->retrans_out;
	bool waiting = false, no_wait;
	struct sk_buff *skb;
	u8 mode;

	xtcp_assert_locked(sk);
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
		if (xtcp_rack_remaining(now, cb->xmit_us, xs->rack_rtt_us,
					reo) > 0) {
			waiting = true;
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
	/* one still within its window: the next ACK looks again */
	xs->rack_advanced = waiting;
}
