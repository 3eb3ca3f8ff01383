// SPDX-License-Identifier: GPL-2.0
/*
 * sack.c - the sender's scoreboard and loss recovery. What the peer's
 * SACK blocks (RFC 2018) or, without SACK, its duplicate ACKs say about
 * the segments in flight; which of them are presumed lost; resending those
 * within the congestion window: RFC 6675 with SACK, RFC 6582 (NewReno)
 * without; and D-SACK (RFC 2883) undoing a window reduction that every
 * retransmission of the episode proved needless, as Linux does.
 *
 * The marks live on the write-queue skbs (struct xtcp_skb_cb @sacked,
 * @lost, @rexmit), their counts in struct xtcp_sock (@sacked_out,
 * @lost_out, @retrans_out). Locking: everything here runs under the socket
 * lock, like the rest of a connection's send state; the marks change only
 * with the write queue they are on.
 *
 * Cost: a SACK-bearing ACK walks the segments in flight up to its highest
 * block, and the lost-marking walk stops below the third-highest SACKed
 * segment. Both are bounded by what is in flight, which the send buffer
 * bounds, so no peer can make one ACK cost more.
 */
#include <net/tcp.h>

#include "xtcp.h"

static void xtcp_count_down(u32 *count)
{
	if (!WARN_ON_ONCE(!*count))
		(*count)--;
}

/* Sent at least once and not acknowledged yet. */
static bool xtcp_skb_in_flight(const struct xtcp_sock *xs,
			       const struct sk_buff *skb)
{
	return xtcp_seq_before(XTCP_SKB_CB(skb)->seq, xs->snd_nxt);
}

/**
 * xtcp_packets_undelivered() - segments sent and neither acknowledged nor
 * SACKed: what an ACK delivered is how far it brought this down (PRR).
 * @sk: the socket.
 *
 * Return: @packets_out less @sacked_out, in segments.
 */
u32 xtcp_packets_undelivered(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return xs->packets_out > xs->sacked_out ?
	       xs->packets_out - xs->sacked_out : 0;
}

/**
 * xtcp_packets_in_flight() - segments presumed in the network now.
 * @sk: the socket.
 *
 * Return: RFC 6675's pipe, in segments (proto/sack.h).
 */
u32 xtcp_packets_in_flight(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return xtcp_in_flight(xs->packets_out, xs->sacked_out, xs->lost_out,
			      xs->retrans_out);
}

/**
 * xtcp_sack_forget() - a segment leaves the write queue (acknowledged):
 * its marks leave the counts.
 * @sk: the socket.
 * @skb: the segment, still on the queue.
 */
void xtcp_sack_forget(struct sock *sk, const struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (cb->sacked)
		xtcp_count_down(&xs->sacked_out);
	if (cb->lost)
		xtcp_count_down(&xs->lost_out);
	if (cb->rexmit)
		xtcp_count_down(&xs->retrans_out);
}

/**
 * xtcp_sack_split() - segment @skb was cut in two while in flight; the
 * new half @nskb carries the same marks, which must count twice now.
 * @sk: the socket.
 * @nskb: the new half.
 */
void xtcp_sack_split(struct sock *sk, const struct sk_buff *nskb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(nskb);
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->sacked_out += cb->sacked;
	xs->lost_out += cb->lost;
	xs->retrans_out += cb->rexmit;
}

/**
 * xtcp_sack_reset() - nothing is in flight any more: all counts are 0.
 * @sk: the socket.
 */
void xtcp_sack_reset(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->sacked_out = 0;
	xs->lost_out = 0;
	xs->retrans_out = 0;
}

static void xtcp_mark_lost(struct xtcp_sock *xs, struct xtcp_skb_cb *cb)
{
	if (cb->lost || cb->sacked)
		return;
	cb->lost = 1;
	xs->lost_out++;
}

static void xtcp_mark_head_lost(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (skb && xtcp_skb_in_flight(xtcp_sk(sk), skb) &&
	    !XTCP_SKB_CB(skb)->rexmit)
		xtcp_mark_lost(xtcp_sk(sk), XTCP_SKB_CB(skb));
}

/*
 * RFC 6675 §4 IsLost(): a segment with DupThresh (@reordering) SACKed
 * segments above it is lost. Walks up from the oldest segment while at least DupThresh
 * SACKed ones remain above; a retransmission already sent is not marked
 * again (only the timer resends it).
 */
static void xtcp_mark_lost_by_sack(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 above = xs->sacked_out;
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (above < xs->reordering || !xtcp_skb_in_flight(xs, skb))
			break;
		if (cb->sacked)
			above--;
		else if (!cb->rexmit)
			xtcp_mark_lost(xs, cb);
	}
}

/**
 * xtcp_check_reordering() - segments sent once, the lowest starting at
 * @low, were just found delivered: if that is below the highest SACKed
 * segment, they were overtaken, not lost. Count it and let DupThresh grow
 * to the distance, so that the same reordering draws no more spurious
 * fast retransmits.
 * @sk: the socket.
 * @low: that lowest sequence number.
 *
 * Context: socket locked.
 */
void xtcp_check_reordering(struct sock *sk, u32 low)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);
	if (!xs->sack_ok || !xtcp_seq_before(low, xs->fack))
		return;
	xs->reordering = xtcp_reorder_degree(low, xs->fack, xs->mss,
					     xs->reordering,
					     XTCP_MAX_REORDERING);
	xs->reord_seen++;
	xtcp_inc_stat(sock_net(sk), XTCP_MIB_SACKREORDER);
}

/*
 * A D-SACK: the peer got something twice. If it is one of the episode's
 * retransmissions, one fewer of them was needed; once none was, the
 * reduction was a mistake and is undone (Linux's tcp_try_undo_dsack(),
 * which also counts D-SACKs for data already acknowledged this way).
 */
static void xtcp_dsack_rcv(struct sock *sk, const struct xtcp_sack_block *dup)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_inc_stat(sock_net(sk), XTCP_MIB_DSACKRECV);
	xs->dsack_dups++;
	xtcp_tlp_dsack(sk, dup->start, dup->end);
	if (!xs->undo_marker || !xs->undo_retrans ||
	    !xtcp_seq_after(dup->end, xs->undo_marker))
		return;
	if (--xs->undo_retrans)
		return;
	xs->cw.cwnd = max(xs->cw.cwnd, xs->prior_cwnd);
	xs->cw.ssthresh = max(xs->cw.ssthresh, xs->prior_ssthresh);
	xs->undo_marker = 0;
	xtcp_inc_stat(sock_net(sk), XTCP_MIB_DSACKUNDO);
}

/**
 * xtcp_sack_rcv() - take the SACK option of acceptable ACK @ack_skb into
 * the scoreboard, after its cumulative part freed what it covers.
 * @sk: the socket; does nothing unless SACK was negotiated.
 * @ack_skb: the ACK, its TCP header still in the head (as rcv.c left it).
 * @rtt_us: set to the RTT of the first segment it newly SACKs that went
 *	once (Karn's rule), the one sent longest ago, as Linux measures a
 *	SACK; left alone if there is none.
 *
 * Context: socket locked.
 * Return: segments newly SACKed.
 */
u32 xtcp_sack_rcv(struct sock *sk, const struct sk_buff *ack_skb,
		  u32 *rtt_us)
{
	const struct tcphdr *th = tcp_hdr(ack_skb);
	unsigned int len = th->doff * 4 - sizeof(*th);
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_sack_view v;
	struct xtcp_options o;
	struct sk_buff *skb;
	u32 newly = 0, top, low = 0, now = xtcp_clock_us();
	bool reordered = false;
	unsigned int i;

	xtcp_assert_locked(sk);
	/* the smallest SACK option is 10 bytes */
	if (!xs->sack_ok || len < 10 ||
	    xtcp_parse_options((const u8 *)(th + 1), len, false, &o) ||
	    !o.nr_sacks)
		return 0;
	xtcp_sack_view(o.sacks, o.nr_sacks, XTCP_SKB_CB(ack_skb)->ack_seq,
		       xs->snd_una, xs->snd_nxt, &v);
	for (i = v.nr + v.dsack; i < o.nr_sacks; i++)
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_SACKDISCARD);
	if (v.dsack)
		xtcp_dsack_rcv(sk, &v.dup);
	if (!v.nr)
		return 0;
	top = v.blocks[0].end;
	for (i = 1; i < v.nr; i++)
		if (xtcp_seq_after(v.blocks[i].end, top))
			top = v.blocks[i].end;
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (!xtcp_skb_in_flight(xs, skb) ||
		    !xtcp_seq_before(cb->seq, top))
			break;
		if (cb->sacked || !xtcp_sack_covers(&v, cb->seq, cb->end_seq))
			continue;
		cb->sacked = 1;
		xs->sacked_out++;
		newly++;
		xtcp_rack_advance(sk, cb, now);
		xtcp_rate_delivered(sk, cb);
		if (!cb->retransmitted && !reordered) {
			/* the first of them: the lowest, sent longest ago */
			reordered = true;
			low = cb->seq;
			*rtt_us = max_t(u32, now - cb->xmit_us, 1);
		}
		if (cb->lost) {
			cb->lost = 0;
			xtcp_count_down(&xs->lost_out);
		}
		if (cb->rexmit) {
			cb->rexmit = 0;
			xtcp_count_down(&xs->retrans_out);
		}
	}
	if (reordered)
		xtcp_check_reordering(sk, low);
	if (newly && xtcp_seq_after(top, xs->fack))
		xs->fack = top;
	return newly;
}

/**
 * xtcp_retransmit_skb() - send write-queue segment @skb again.
 * @sk: the socket.
 * @skb: a segment in flight.
 *
 * A segment presumed lost is then marked as retransmitted, so that it
 * counts as in flight again (and is not resent before the timer says so).
 *
 * Context: socket locked.
 * Return: 0, or the error of xtcp_transmit_skb() (nothing was sent).
 */
int xtcp_retransmit_skb(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	int err;
	u32 tsval = xtcp_tsval(sk);

	cb->retransmitted = 1;	/* Karn's rule: no RTT sample from it */
	err = xtcp_transmit_skb(sk, skb);
	if (err)
		return err;
	if (xs->undo_marker && !xs->retrans_ts_set && xs->ts_ok) {
		xs->retrans_tsval = tsval;
		xs->retrans_ts_set = true;
	}
	xtcp_inc_stat(sock_net(sk), cb->flags & TCPHDR_SYN ?
		      XTCP_MIB_SYNRETRANS : XTCP_MIB_RETRANSSEGS);
	xs->total_retrans++;
	xs->bytes_retrans += skb->len;
	if (xs->undo_marker)
		xs->undo_retrans++;
	if (cb->lost && !cb->rexmit) {
		cb->rexmit = 1;
		xs->retrans_out++;
	}
	return 0;
}

/**
 * xtcp_retransmit_lost() - RFC 6675 §4 NextSeg() rule 1: resend the
 * segments presumed lost, oldest first, while the congestion window has
 * room for them.
 * @sk: the socket.
 * @force: send the first one whatever the window says (the fast
 *	retransmit itself, RFC 6675 §5 step 4.3; the timeout's segment).
 *
 * Context: socket locked.
 */
void xtcp_retransmit_lost(struct sock *sk, bool force)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	xtcp_assert_locked(sk);
	if (xs->lost_out <= xs->retrans_out && !force)
		return;
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (!xtcp_skb_in_flight(xs, skb))
			break;
		if (!cb->lost || cb->rexmit)
			continue;
		if (!force && xtcp_packets_in_flight(sk) >= xs->cw.cwnd)
			break;
		force = false;
		if (xtcp_retransmit_skb(sk, skb))
			break;
	}
}

/* Remember the window before a reduction, in case D-SACKs undo it. */
static void xtcp_undo_prepare(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->undo_marker = xs->snd_una ? : 1;
	xs->undo_retrans = 0;
	xs->retrans_ts_set = false;
	xs->prior_cwnd = xs->cw.cwnd;
	xs->prior_ssthresh = xs->cw.ssthresh;
}

/* Without SACK, each duplicate ACK says one more segment has left. */
static void xtcp_reno_dupack(struct xtcp_sock *xs)
{
	if (xs->sacked_out + xs->lost_out < xs->packets_out)
		xs->sacked_out++;
}

/*
 * Without SACK, a cumulative ACK of @acked segments: one of them was the
 * hole, the rest had each drawn a duplicate ACK already.
 */
static void xtcp_reno_acked(struct xtcp_sock *xs, u32 acked)
{
	if (!acked)
		return;
	if (acked - 1 >= xs->sacked_out)
		xs->sacked_out = 0;
	else
		xs->sacked_out -= acked - 1;
}

static void xtcp_enter_recovery(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->lost_out)
		xtcp_mark_head_lost(sk);
	xs->in_recovery = true;
	xs->recover = xs->snd_nxt;
	xtcp_undo_prepare(sk);
	xtcp_cc_enter_recovery(sk);
	xtcp_retransmit_lost(sk, true);
}

/**
 * xtcp_undo_if_delayed() - Eifel detection (RFC 3522 §3.2, Linux's undo
 * on timestamps): an ACK that acknowledges new data while a fast recovery
 * or a timeout's resending goes on, echoing a TSval older than the first
 * retransmission since the reduction, was drawn by an original segment.
 * Nothing was lost, the segment was only late: the window and threshold
 * come back, segments presumed lost and not yet resent are not resent,
 * recovery ends, and the reordering is measured (xtcp_check_reordering()).
 * @sk: the socket.
 * @prior_una: SND.UNA before this ACK: the late segment started there.
 * @ecr: the ACK's TSecr, 0 if it had none.
 *
 * Context: socket locked.
 */
void xtcp_undo_if_delayed(struct sock *sk, u32 prior_una, u32 ecr)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;
	int mib;

	xtcp_assert_locked(sk);
	if (xs->ca_state == TCP_CA_Open || !xs->undo_marker ||
	    !xs->retrans_ts_set || !ecr ||
	    !xtcp_seq_before(ecr, xs->retrans_tsval))
		return;
	if (xs->ca_state == TCP_CA_Loss)
		mib = XTCP_MIB_LOSSUNDO;
	else if (xtcp_seq_before(xs->snd_una, xs->recover))
		mib = XTCP_MIB_PARTIALUNDO;
	else
		mib = XTCP_MIB_FULLUNDO;
	xtcp_check_reordering(sk, prior_una);
	xs->cw.cwnd = max(xs->cw.cwnd, xs->prior_cwnd);
	xs->cw.ssthresh = max(xs->cw.ssthresh, xs->prior_ssthresh);
	xs->undo_marker = 0;
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (!xtcp_skb_in_flight(xs, skb))
			break;
		if (cb->lost && !cb->rexmit) {
			cb->lost = 0;
			xtcp_count_down(&xs->lost_out);
		}
	}
	xs->in_recovery = false;
	xs->dup_acks = 0;
	xs->ca_state = TCP_CA_Open;
	xtcp_inc_stat(sock_net(sk), mib);
}

/**
 * xtcp_recovery_ack() - an acceptable ACK updated SND.UNA and the
 * scoreboard: mark what is now presumed lost, then enter, go on with or
 * leave fast recovery. Retransmissions beyond the first go out from
 * xtcp_push(), which sends lost segments before new ones.
 * @sk: the socket.
 * @acked: segments the ACK's cumulative part freed.
 * @dupack: a duplicate ACK (RFC 5681 §2), or with SACK one that SACKed
 *	something new (RFC 6675 §2).
 * @prior_undelivered: segments in the write queue neither acknowledged
 *	nor SACKed before this ACK (@packets_out - @sacked_out): what it
 *	delivered is the difference, for PRR.
 *
 * Context: socket locked.
 */
void xtcp_recovery_ack(struct sock *sk, u32 acked, bool dupack,
		       u32 prior_undelivered)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 lost = xs->lost_out, undelivered;

	xtcp_assert_locked(sk);
	if (!xs->sack_ok) {
		xtcp_reno_acked(xs, acked);
		if (dupack)
			xtcp_reno_dupack(xs);
	}
	xtcp_rack_detect_loss(sk);
	if (xs->in_recovery) {
		if (xtcp_seq_before(xs->snd_una, xs->recover)) {
			/* RFC 6582 §3.2 step 3: a partial ACK's hole is lost */
			if (xs->sack_ok)
				xtcp_mark_lost_by_sack(sk);
			else if (acked)
				xtcp_mark_head_lost(sk);
			goto prr;
		}
		xs->in_recovery = false;
		if (!xs->sack_ok)
			xs->sacked_out = 0;
		xtcp_cc_recovered(sk);
	}
	if (xs->snd_una == xs->snd_nxt)
		return;
	if (xs->sack_ok)
		xtcp_mark_lost_by_sack(sk);
	if (xs->lost_out || xs->dup_acks >= xs->reordering)
		xtcp_enter_recovery(sk);
prr:
	/* delivered: what left the queue or got SACKed (Linux's count) */
	undelivered = xtcp_packets_undelivered(sk);
	xtcp_cc_prr(sk, prior_undelivered > undelivered ?
		    prior_undelivered - undelivered : 0,
		    acked && xs->lost_out == lost);
}

/**
 * xtcp_recovery_marked() - segments were found lost without an ACK (RACK's
 * reordering timer): start fast recovery as an ACK would have, or, in
 * recovery already, resend them as the window allows.
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_recovery_marked(struct sock *sk)
{
	xtcp_assert_locked(sk);
	if (!xtcp_sk(sk)->in_recovery)
		xtcp_enter_recovery(sk);
	else
		xtcp_retransmit_lost(sk, false);
}

/**
 * xtcp_recovery_timeout() - the retransmission timer ran out on a
 * synchronized connection: every unSACKed segment in flight is presumed
 * lost (RFC 6675 §5.1, RFC 5681 §3.1), the window collapses to one, and
 * the oldest goes again; the rest follow as the window reopens, until
 * everything sent before the timeout is acknowledged.
 * @sk: the socket.
 *
 * If the oldest segment is marked SACKed, the peer has dropped what it
 * SACKed (it may, RFC 2018 §8): the marks are forgotten and everything
 * is resent.
 *
 * Context: socket locked.
 */
void xtcp_recovery_timeout(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb, *head = skb_peek(&sk->sk_write_queue);
	bool reneged = head && XTCP_SKB_CB(head)->sacked;

	xtcp_assert_locked(sk);
	if (reneged)
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_SACKRENEGING);
	/*
	 * A timeout although DupThresh segments were SACKed: the reordering
	 * estimate held back a fast retransmit that was due (as Linux).
	 */
	if (xs->ca_state == TCP_CA_Open && xs->sacked_out >= XTCP_DUPACK_THRESH)
		xs->reordering = min_t(u32, xs->reordering, XTCP_DUPACK_THRESH);
	if (xs->ca_state != TCP_CA_Loss)
		xtcp_undo_prepare(sk);
	xtcp_cc_timeout(sk);
	if (!xs->sack_ok)
		xs->sacked_out = 0;
	if (reneged)
		xs->fack = xs->snd_una;
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (!xtcp_skb_in_flight(xs, skb))
			break;
		if (reneged && cb->sacked) {
			cb->sacked = 0;
			xtcp_count_down(&xs->sacked_out);
		}
		if (cb->rexmit) {
			cb->rexmit = 0;
			xtcp_count_down(&xs->retrans_out);
		}
		xtcp_mark_lost(xs, cb);
	}
	xs->in_recovery = true;
	xs->recover = xs->snd_nxt;
	xs->dup_acks = 0;
	xtcp_retransmit_lost(sk, true);
}
