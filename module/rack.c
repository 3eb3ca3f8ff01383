// SPDX-License-Identifier: GPL-2.0
/*
 * rack.c - RACK (RFC 8985) on the write queue: loss detection by time.
 * A segment sent before one that has been delivered, and not delivered
 * itself within an RTT and a reordering window of its transmission, is
 * lost. xtcp applies the rule to retransmissions: RFC 6675's marking
 * (sack.c) never sees a retransmission lost, so without this a lost
 * retransmission waited for the retransmission timer, 200 ms at least,
 * while the rest of the window drained. The rules themselves are in
 * proto/rack.c.
 *
 * State: struct xtcp_sock @rack_* and every write-queue segment's
 * @xmit_us; socket lock, like the scoreboard. Cost: the walk looks at
 * segments in flight only until it has seen every retransmission still
 * out (@retrans_out), and runs only on ACKs that delivered something sent
 * later than anything delivered before, or while a retransmission found
 * sent before that is still within its reordering window.
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
 * xtcp_rack_lost_retrans() - RFC 8985 §6.2 steps 4-5 for the
 * retransmissions in flight: one sent before the latest delivered
 * segment and overdue by the reordering window is lost as well. It
 * loses its retransmitted mark but keeps its lost one, so that
 * xtcp_retransmit_lost() sends it again as the window allows.
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_rack_lost_retrans(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 now, reo, left = xs->retrans_out;
	bool waiting = false;
	struct sk_buff *skb;

	xtcp_assert_locked(sk);
	if (!xs->rack_advanced)
		return;
	xs->rack_advanced = false;
	if (!left)
		return;
	now = xtcp_clock_us();
	reo = xtcp_rack_reo_wnd(xs->min_rtt_us, xs->srtt_us >> 3,
				xs->reord_seen,
				xs->in_recovery ||
				xs->sacked_out >= xs->reordering);
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (!left || !xtcp_seq_before(cb->seq, xs->snd_nxt))
			break;
		if (!cb->rexmit)
			continue;
		left--;
		if (!xtcp_rack_sent_after(xs->rack_xmit_us, xs->rack_end_seq,
					  cb->xmit_us, cb->end_seq))
			continue;
		if (xtcp_rack_remaining(now, cb->xmit_us, xs->rack_rtt_us,
					reo) > 0) {
			waiting = true;
			continue;
		}
		cb->rexmit = 0;
		if (!WARN_ON_ONCE(!xs->retrans_out))
			xs->retrans_out--;
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_LOSTRETRANSMIT);
	}
	/* one still within its window: the next ACK looks again */
	xs->rack_advanced = waiting;
}
