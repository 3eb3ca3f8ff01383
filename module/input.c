// SPDX-License-Identifier: GPL-2.0
/*
 * input.c - what a connection does with an arriving segment, state by
 * state, following the "SEGMENT ARRIVES" event processing of RFC 9293
 * §3.10.7 with RFC 5961's defences against blind RST and SYN injection.
 *
 * Called with the socket locked: from softirq under bh_lock_sock() or from
 * the backlog when the owning process releases the socket. The segment's
 * data starts after the header; XTCP_SKB_CB() holds what rcv.c parsed.
 * Every function here consumes the skb it is given.
 */
#include <net/tcp.h>

#include "xtcp.h"
#include "proto/segment.h"

static void xtcp_take_window(struct sock *sk, const struct xtcp_skb_cb *cb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->snd_wnd = xtcp_seg_window(sk, cb);
	xs->snd_wl1 = cb->seq;
	xs->snd_wl2 = cb->ack_seq;
	if (xs->snd_wnd > xs->max_window) {
		xs->max_window = xs->snd_wnd;
		xtcp_sync_mss(sk);
		xtcp_sndbuf_expand(sk);
	}
}

/**
 * xtcp_init_from_syn() - what a connection learns from the peer's SYN,
 * the same for an active open (from the SYN-ACK) and a passive one (from
 * the SYN, in the listener's child): the peer's ISN, its window, and the
 * MSS to send with. That is the peer's MSS option (536 without one, RFC
 * 9293 §3.7.1) within what our route and TCP_MAXSEG allow, and never below
 * XTCP_MIN_SND_MSS, so that no SYN can make us send the peer one byte per
 * segment (Linux's tcp_min_snd_mss, CVE-2019-11479).
 * @sk: the connection; its @advmss is already set from the route.
 * @cb: the SYN's control block.
 *
 * Context: socket locked.
 */
void xtcp_init_from_syn(struct sock *sk, const struct xtcp_skb_cb *cb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u16 mss = cb->mss ? cb->mss : XTCP_DEFAULT_MSS;

	xtcp_assert_locked(sk);
	xs->irs = cb->seq;
	xs->rcv_nxt = cb->seq + 1;
	xs->copied_seq = xs->rcv_nxt;
	xs->rcv_wup = xs->rcv_nxt;
	xs->rcv_mss = XTCP_RCV_MSS_GUESS;
	xs->quick_acks = XTCP_MAX_QUICKACKS;
	xs->last_data_rcv = 0;
	xs->mss_cap = clamp_t(u16, min(mss, xs->advmss), XTCP_MIN_SND_MSS,
			      65535);
	if (xs->user_mss && xs->user_mss < xs->mss_cap)
		xs->mss_cap = xs->user_mss;
	xtcp_take_window(sk, cb);
	if (!(cb->flags & TCPHDR_ACK))
		xs->snd_wl2 = xs->iss;
	xtcp_sync_mss(sk);
}

/**
 * xtcp_rtt_from_ts() - RFC 7323 §4.1 RTTM: an ACK that advances SND.UNA
 * echoes the TSval of the segment that drew it, retransmitted or not. Our
 * TSvals count milliseconds; an echo from the future or older than the
 * longest RTO is no measurement.
 * @sk: the socket.
 * @ts: the ACK's timestamp option.
 */
void xtcp_rtt_from_ts(struct sock *sk, const struct xtcp_seg_ts *ts)
{
	u32 delta;

	if (!ts->has || !ts->ecr)
		return;
	delta = xtcp_tsval(sk) - ts->ecr;
	if ((s32)delta < 0 || delta > jiffies_to_msecs(XTCP_RTO_MAX))
		return;
	xtcp_rtt_sample_us(sk, max_t(u32, delta, 1) * USEC_PER_MSEC);
}

/**
 * xtcp_rtt_handshake_done() - the handshake is over, @skb completing it
 * (the SYN-ACK, or the final ACK for a listener's child). If the SYN's or
 * SYN-ACK's send time gave no RTT sample (it went again, or a cookie has
 * none), @skb's timestamp echo may (RFC 7323 §4.1); with neither, data
 * starts from RFC 6298 §5.7's 3 s RTO. As Linux's tcp_synack_rtt_meas()
 * and tcp_init_metrics().
 * @sk: the socket.
 * @skb: the segment.
 */
void xtcp_rtt_handshake_done(struct sock *sk, const struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_seg_ts ts = {};

	if (xs->srtt_us)
		return;
	ts.has = xs->ts_ok && xtcp_skb_ts(skb, &ts.val, &ts.ecr);
	xtcp_rtt_from_ts(sk, &ts);
	if (!xs->srtt_us)
		xs->rto = XTCP_RTO_FALLBACK;
}

/*
 * Free what @ack acknowledges from the write queue. The RTT, to the
 * microsecond, is the newest segment's it acknowledges that was sent once
 * (Karn's rule) and not SACKed before (that one arrived long ago); it is
 * left in @rtt_us, or 0 if there is none. Segments not SACKed before are
 * delivered now, for RACK. Returns how many segments went.
 */
static u32 xtcp_clean_write_queue(struct sock *sk, u32 ack, u32 *rtt_us)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 now = xtcp_clock_us(), sample_from = 0, acked = 0, low = 0;
	bool sample = false, reordered = false;
	struct sk_buff *skb;

	while ((skb = skb_peek(&sk->sk_write_queue)) != NULL) {
		/* skb is acknowledged whole, or not at all */
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (xtcp_seq_after(cb->end_seq, ack))
			break;
		if (cb->retransmitted) {
			sample = false;
		} else if (!cb->sacked) {
			sample = true;
			sample_from = cb->xmit_us;
			/* filled a hole below SACKed data by itself */
			if (!reordered) {
				reordered = true;
				low = cb->seq;
			}
		}
		if (!cb->sacked) {
			xtcp_rack_advance(sk, cb, now);
			xtcp_rate_delivered(sk, cb);
		}
		xtcp_sack_forget(sk, skb);
		__skb_unlink(skb, &sk->sk_write_queue);
		sk->sk_wmem_queued -= skb->truesize;
		kfree_skb(skb);
		acked++;
	}
	xs->packets_out = xs->packets_out > acked ? xs->packets_out - acked : 0;
	if (skb_queue_empty(&sk->sk_write_queue)) {
		xs->packets_out = 0;
		xtcp_sack_reset(sk);
	}
	*rtt_us = sample ? max_t(u32, now - sample_from, 1) : 0;
	if (reordered)
		xtcp_check_reordering(sk, low);
	return acked;
}

/*
 * RFC 5681 §2 duplicate ACK: acknowledges nothing new, carries no data,
 * leaves the window as it was, while data is outstanding. With SACK, an
 * ACK that SACKs something new counts too (RFC 6675 §2). The third one
 * starts fast recovery (sack.c).
 */
static bool xtcp_dup_ack(struct sock *sk, const struct xtcp_skb_cb *cb,
			 bool bare, u32 newly_sacked)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->snd_una == xs->snd_nxt)
		return false;
	if (!newly_sacked &&
	    (!bare || xtcp_seg_window(sk, cb) != xs->snd_wnd))
		return false;
	if (xs->dup_acks < U8_MAX)
		xs->dup_acks++;
	return true;
}

/* A handshake's ACK: its RTT comes from the SYN's send time. */
static const struct xtcp_seg_ts xtcp_no_ts;

/* RFC 9293 §3.10.7.4 fifth check: process an acceptable SEG.ACK. */
static void xtcp_ack_advance(struct sock *sk, const struct sk_buff *skb,
			     const struct xtcp_seg_ts *ts, bool bare)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 acked = 0, sacked, prior_una = xs->snd_una, rtt = 0, sack_rtt = 0;
	u32 prior_undelivered = xtcp_packets_undelivered(sk);
	bool dupack = false, advanced = xtcp_seq_after(cb->ack_seq, xs->snd_una);

	xs->rcv_tstamp = jiffies;	/* the peer is alive (keepalive.c) */
	if (advanced) {
		acked = xtcp_clean_write_queue(sk, cb->ack_seq, &rtt);
		xs->bytes_acked += cb->ack_seq - xs->snd_una;
		xs->snd_una = cb->ack_seq;
		/* keep @fack comparable with the sequence space it is in */
		if (xtcp_seq_before(xs->fack, xs->snd_una))
			xs->fack = xs->snd_una;
		xs->retransmits = 0;
		xs->probe_start = 0;
		xs->dup_acks = 0;
	}
	/*
	 * One RTT sample per ACK, as Linux takes it: from what it newly
	 * acknowledges, else from what it newly SACKs, else, if it
	 * acknowledges only retransmissions, from its timestamp echo
	 * (RFC 7323 §4.1).
	 */
	sacked = xtcp_sack_rcv(sk, skb, &sack_rtt);
	if (rtt || sack_rtt)
		xtcp_rtt_sample_us(sk, rtt ? : sack_rtt);
	else if (acked)
		xtcp_rtt_from_ts(sk, ts);
	xtcp_rate_ack_done(sk);
	if (acked && ts->has)
		xtcp_undo_if_delayed(sk, prior_una, ts->ecr);
	if (!acked && cb->ack_seq == xs->snd_una)
		dupack = xtcp_dup_ack(sk, cb, bare, sacked);
	if (xs->tlp_out)
		xtcp_tlp_ack(sk, cb->ack_seq, advanced,
			     !advanced && bare && !sacked &&
			     xtcp_seg_window(sk, cb) == xs->snd_wnd);
	xtcp_recovery_ack(sk, acked, dupack, prior_undelivered);
	if (acked) {
		xtcp_cc_acked(sk, acked);
		xtcp_rto_reset(sk);
		/*
		 * RFC 6298 §5.2/5.3: stop or restart the timer, or wait for
		 * a loss probe instead (tlp.c).
		 */
		if (skb_queue_empty(&sk->sk_write_queue) && !xs->fin_wanted)
			xtcp_timer_stop(sk, XTCP_TIMER_RTX);
		else if (!xtcp_tlp_schedule(sk, true))
			xtcp_arm_rtx(sk);
		if (sk->sk_socket)
			sk->sk_write_space(sk);
	}
	/* a segment within its reordering window: its timer (rack.c) */
	xtcp_rack_arm_reo(sk);
	if (xtcp_window_update_ok(cb->seq, cb->ack_seq, xs->snd_wl1,
				  xs->snd_wl2, prior_una))
		xtcp_take_window(sk, cb);
	/*
	 * Any acceptable ACK answers our probes: only unanswered ones count
	 * towards giving up (RFC 9293 §3.8.6.1, MUST-26). Once the window
	 * opens, the zero-window probes' backoff is forgotten too.
	 */
	xs->probes_out = 0;
	if (xs->probe_start && xs->snd_una == xs->snd_nxt)
		xtcp_probe_answered(sk);
}

/*
 * RFC 5961 §7 and Linux's tcp_invalid_ratelimit: at most one ACK per
 * net.xtcp.invalid_ratelimit for segments that draw one only to tell the
 * peer where we are, so that two confused ends cannot ping-pong ACKs at
 * full speed. Data without SYN is no such loop and always answered, unless
 * @any. Counts @mib when it holds an ACK back.
 */
static bool xtcp_oow_rate_limited(struct sock *sk, const struct sk_buff *skb,
				  enum xtcp_mib mib, bool any)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 now = jiffies, last = xs->last_oow_ack;

	if (!any && cb->seq != cb->end_seq && !(cb->flags & TCPHDR_SYN))
		return false;
	if (last && (s32)(now - last) >= 0 &&
	    (s32)(now - last) < READ_ONCE(xn->invalid_ratelimit)) {
		xtcp_inc_stat(sock_net(sk), mib);
		return true;
	}
	xs->last_oow_ack = now ? now : 1;
	return false;
}

/* RFC 9293 §3.10.7.4: an unacceptable segment is answered with an ACK. */
static void xtcp_send_dupack(struct sock *sk, const struct sk_buff *skb)
{
	if (!xtcp_oow_rate_limited(sk, skb, XTCP_MIB_ACKSKIPPEDSEQ, false))
		xtcp_send_ack(sk);
}

/*
 * RFC 7323 §5.3 R1: a segment PAWS refuses is answered like one outside
 * the window (unless it is a RST) and dropped. True if @skb was refused.
 */
static bool xtcp_paws_drop(struct sock *sk, const struct sk_buff *skb,
			   struct xtcp_seg_ts *ts, enum xtcp_mib mib)
{
	if (!xtcp_ts_paws_reject(sk, skb, ts))
		return false;
	xtcp_inc_stat(sock_net(sk), mib);
	if (!(XTCP_SKB_CB(skb)->flags & TCPHDR_RST) &&
	    !xtcp_oow_rate_limited(sk, skb, XTCP_MIB_ACKSKIPPEDPAWS, false))
		xtcp_send_ack(sk);
	return true;
}

/* Our FIN is acknowledged once nothing, the FIN included, is outstanding. */
static bool xtcp_fin_acked(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return xs->fin_queued && xs->snd_una == xs->write_seq;
}

/* RFC 9293 §3.10.7.4 second check, RST processing per state. */
static void xtcp_reset(struct sock *sk)
{
	struct net *net = sock_net(sk);
	int err;

	switch (sk->sk_state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
		err = ECONNREFUSED;
		xtcp_inc_stat(net, XTCP_MIB_ATTEMPTFAILS);
		break;
	case TCP_CLOSE_WAIT:
		err = EPIPE;
		break;
	default:
		err = ECONNRESET;
		break;
	}
	/* A passive child never seen by a process just disappears. */
	if (!sock_flag(sk, SOCK_DEAD)) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	}
	xtcp_done(sk);
}

/*
 * RFC 5961 §7's budget for the namespace: net.xtcp.challenge_ack_limit
 * challenge ACKs a second, INT_MAX meaning none (Linux's default since
 * 6.0). Like Linux, the second's allowance is drawn at random around the
 * limit, so an off-path attacker cannot count on it. Lockless and
 * approximate, as Linux's is.
 */
static bool xtcp_challenge_budget(struct xtcp_net *xn)
{
	int limit = READ_ONCE(xn->challenge_ack_limit);
	u32 now = jiffies / HZ, count;

	if (limit == INT_MAX)
		return true;
	if (now != READ_ONCE(xn->challenge_stamp)) {
		u32 half = ((u32)limit + 1) >> 1;

		WRITE_ONCE(xn->challenge_stamp, now);
		WRITE_ONCE(xn->challenge_count,
			   half + (limit > 0 ? get_random_u32_below(limit) : 0));
	}
	count = READ_ONCE(xn->challenge_count);
	if (!count)
		return false;
	WRITE_ONCE(xn->challenge_count, count - 1);
	return true;
}

/*
 * RFC 5961 §3.2 / §4: answer a suspicious RST or SYN with our state, at
 * most once per invalid_ratelimit per socket and within the namespace's
 * budget of net.xtcp.challenge_ack_limit per second (§7), as Linux does.
 */
static void xtcp_challenge_ack(struct sock *sk, const struct sk_buff *skb)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	if (xtcp_oow_rate_limited(sk, skb, XTCP_MIB_ACKSKIPPEDCHALLENGE, true))
		return;
	if (!xtcp_challenge_budget(xn)) {
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_ACKSKIPPEDCHALLENGE);
		return;
	}
	xtcp_inc_stat(sock_net(sk), XTCP_MIB_CHALLENGEACKS);
	xtcp_send_ack(sk);
}

/* RFC 9293 §3.10.7.3: a segment for a connection in SYN_SENT. */
static void xtcp_rcv_syn_sent(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool ack_ok = false;

	if (cb->flags & TCPHDR_ACK) {
		ack_ok = xtcp_seq_after(cb->ack_seq, xs->iss) &&
			 !xtcp_seq_after(cb->ack_seq, xs->snd_nxt);
		if (!ack_ok) {
			xtcp_send_reset_for(sock_net(sk), skb);
			goto drop;
		}
	}
	if (cb->flags & TCPHDR_RST) {
		if (ack_ok)
			xtcp_reset(sk);	/* connection refused */
		goto drop;
	}
	if (!(cb->flags & TCPHDR_SYN))
		goto drop;

	xtcp_ts_syn_in(sk, skb);	/* before the MSS is set from it */
	xtcp_wscale_from_syn(sk, cb->wscale);
	xs->sack_ok = cb->sack_ok &&
		      READ_ONCE(xtcp_pernet(sock_net(sk))->sack);
	xtcp_init_from_syn(sk, cb);

	if (ack_ok) {
		xtcp_ack_advance(sk, skb, &xtcp_no_ts, false);
		xtcp_rtt_handshake_done(sk, skb);
		xtcp_event(sk, XTCP_EV_RCV_SYNACK);
		xtcp_sndbuf_expand(sk);
		xtcp_send_ack(sk);
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
		xtcp_push(sk);
	} else {
		/* Simultaneous open: our queued SYN goes again as SYN-ACK. */
		xtcp_event(sk, XTCP_EV_RCV_SYN);
		xtcp_resend_syn(sk);
	}
drop:
	kfree_skb(skb);
}

/* RFC 9293 §3.10.7.4, TIME-WAIT: re-ACK a retransmitted FIN, restart 2MSL. */
static void xtcp_rcv_time_wait(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_seg_ts ts;

	if (xtcp_paws_drop(sk, skb, &ts, XTCP_MIB_PAWSTIMEWAIT))
		goto drop;
	if (cb->flags & TCPHDR_RST) {
		/* RFC 1337 hazard H1: optionally let TIME_WAIT run out. */
		if (!READ_ONCE(xn->rfc1337) &&
		    xtcp_rst_check(cb->seq, xs->rcv_nxt, 1) == XTCP_RST_ACCEPT)
			xtcp_done(sk);
		goto drop;
	}
	if ((cb->flags & TCPHDR_FIN) && cb->end_seq == xs->rcv_nxt) {
		xtcp_send_ack(sk);
		xtcp_restart_time_wait(sk);
		goto drop;
	}
	if ((!xtcp_seq_acceptable(cb->seq, cb->end_seq - cb->seq, xs->rcv_nxt,
				  xtcp_rcv_window_left(xs)) ||
	     (cb->flags & TCPHDR_SYN)) &&
	    !xtcp_oow_rate_limited(sk, skb, XTCP_MIB_ACKSKIPPEDTIMEWAIT, false))
		xtcp_send_ack(sk);
drop:
	kfree_skb(skb);
}

/*
 * SYN_RECV: an acceptable ACK completes the handshake. A listener's child
 * is made by that ACK (listen.c checked the accept queue) and goes to the
 * accept queue now.
 */
static bool xtcp_rcv_syn_recv_ack(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xtcp_seq_after(cb->ack_seq, xs->snd_una) ||
	    xtcp_seq_after(cb->ack_seq, xs->snd_nxt)) {
		xtcp_send_reset_for(sock_net(sk), skb);
		return false;
	}
	xtcp_ack_advance(sk, skb, &xtcp_no_ts, false);
	xtcp_take_window(sk, cb);
	xtcp_event(sk, XTCP_EV_RCV_ACK);
	xtcp_sndbuf_expand(sk);
	if (xs->is_child)
		return xtcp_child_established(sk);	/* false: reset, gone */
	sk->sk_state_change(sk);
	return true;
}

/* RFC 9293 §3.10.7.4 eighth check: the peer's FIN, once it is in order. */
static void xtcp_rcv_fin(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->rcv_nxt++;
	xs->bytes_received++;
	xtcp_ooo_purge(sk);	/* nothing the peer sends after it counts */
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);
	if (xtcp_event(sk, XTCP_EV_RCV_FIN) && sk->sk_state == TCP_TIME_WAIT)
		xtcp_enter_time_wait(sk);
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		if (sk->sk_shutdown == SHUTDOWN_MASK ||
		    sk->sk_state == TCP_CLOSE)
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
		else
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_IN);
	}
}

/* Our FIN was acknowledged: FIN_WAIT1, CLOSING and LAST_ACK move on. */
static bool xtcp_our_fin_acked(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_FIN_WAIT1:
		xtcp_event(sk, XTCP_EV_RCV_ACK);
		if (sock_flag(sk, SOCK_DEAD))
			xtcp_arm_fin_wait2(sk);
		else
			sk->sk_state_change(sk);
		return true;
	case TCP_CLOSING:
		xtcp_event(sk, XTCP_EV_RCV_ACK);
		xtcp_enter_time_wait(sk);
		return sk->sk_state != TCP_CLOSE;
	case TCP_LAST_ACK:
		xtcp_done(sk);
		return false;
	default:
		return true;
	}
}

/*
 * A duplicate of the peer's SYN (same ISN) in a synchronized state. Past
 * SYN_RECV it is challenged like any other SYN (RFC 5961 §4.2), and
 * counted as Linux counts it.
 */
static bool xtcp_rcv_dup_syn(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (sk->sk_state == TCP_SYN_RECV && (cb->flags & TCPHDR_ACK)) {
		/* Simultaneous open: the peer's SYN-ACK acks our SYN. */
		cb->seq++;
		cb->flags &= ~TCPHDR_SYN;
		return true;
	}
	if (sk->sk_state == TCP_SYN_RECV)
		xtcp_resend_syn(sk);
	else
		xtcp_challenge_ack(sk, skb);
	return false;
}

static void xtcp_rcv_synchronized(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool queued = false, need_ack = false, text_ok = true, passive;
	bool fin_behind = false, filled = false;
	enum xtcp_ack_verdict ack;
	enum xtcp_rcv_verdict verdict = XTCP_RCV_OLD;
	struct xtcp_seg_ts ts;

	/* RFC 7323 §5.3: PAWS comes before the sequence number check. */
	if (xtcp_paws_drop(sk, skb, &ts, XTCP_MIB_PAWSESTAB))
		goto drop;
	/* With RST set the RST rules: no reply outside the window. */
	if ((cb->flags & (TCPHDR_SYN | TCPHDR_RST)) == TCPHDR_SYN &&
	    cb->seq == xs->irs && !xtcp_rcv_dup_syn(sk, skb))
		goto drop;

	/* First check: sequence number. */
	if (!xtcp_seq_acceptable(cb->seq, cb->end_seq - cb->seq, xs->rcv_nxt,
				 xtcp_rcv_window_left(xs))) {
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_OUTOFWINDOW);
		/*
		 * RFC 9293 §3.10.7.4: with the window closed, the next
		 * expected segment's ACK, window and RST still count; only
		 * its text is refused. Otherwise two full buffers deadlock.
		 */
		if (cb->seq != xs->rcv_nxt) {
			if (cb->flags & TCPHDR_RST)
				goto drop;
			/* RFC 5961 §4.2: a SYN, whatever its sequence number. */
			if (cb->flags & TCPHDR_SYN) {
				xtcp_challenge_ack(sk, skb);
				goto drop;
			}
			/* Data we had: the peer missed our ACK (RFC 2883). */
			if (skb->len && xtcp_seq_before(cb->seq, xs->rcv_nxt))
				xtcp_dsack_set(sk, cb->seq,
					       xtcp_seq_before(cb->seq + skb->len,
							       xs->rcv_nxt) ?
					       cb->seq + skb->len : xs->rcv_nxt,
					       false);
			xtcp_send_dupack(sk, skb);
			goto drop;
		}
		text_ok = false;
		need_ack = true;
	}
	/* Second check: RST (RFC 5961 §3.2). */
	if (cb->flags & TCPHDR_RST) {
		switch (xtcp_rst_check(cb->seq, xs->rcv_nxt,
				       xtcp_rcv_window_left(xs))) {
		case XTCP_RST_ACCEPT:
			xtcp_reset(sk);
			break;
		case XTCP_RST_CHALLENGE:
			xtcp_challenge_ack(sk, skb);
			break;
		case XTCP_RST_DROP:
			break;
		}
		goto drop;
	}
	/* Fourth check: a SYN in window (RFC 5961 §4). */
	if (cb->flags & TCPHDR_SYN) {
		xtcp_challenge_ack(sk, skb);
		goto drop;
	}
	/* Fifth check: ACK. */
	if (!(cb->flags & TCPHDR_ACK))
		goto drop;
	if (sk->sk_state == TCP_SYN_RECV && !xtcp_rcv_syn_recv_ack(sk, skb))
		goto drop;
	ack = xtcp_ack_check(cb->ack_seq, xs->snd_una, xs->snd_nxt);
	if (ack == XTCP_ACK_FUTURE) {
		xtcp_send_ack(sk);
		goto drop;
	}
	/*
	 * RFC 5961 §5.2: an ACK older than the largest window the peer
	 * ever offered is no ACK of this connection's: challenged.
	 */
	if (ack == XTCP_ACK_OLD &&
	    xtcp_seq_before(cb->ack_seq, xs->snd_una - xs->max_window)) {
		xtcp_challenge_ack(sk, skb);
		goto drop;
	}
	/*
	 * Only now is the segment acceptable, and its TSval may be the one
	 * to echo (RFC 7323 §4.3): a segment dropped above must not set it.
	 */
	xtcp_ts_take(sk, cb->seq, &ts);
	if (ts.has && ts.ecr && cb->end_seq != cb->seq)
		xtcp_rcv_rtt_ts(sk, ts.ecr);
	switch (ack) {
	case XTCP_ACK_FUTURE:
	case XTCP_ACK_OLD:
		break;
	case XTCP_ACK_OK:
		xtcp_ack_advance(sk, skb, &ts, !skb->len &&
				 !(cb->flags & (TCPHDR_SYN | TCPHDR_FIN)));
		if (xtcp_fin_acked(sk) && !xtcp_our_fin_acked(sk))
			goto drop;	/* LAST_ACK done, or TIME_WAIT overflowed */
		break;
	}

	/* A FIN beyond a hole (with or without data) waits in the queue. */
	if (!skb->len && (cb->flags & TCPHDR_FIN) && text_ok &&
	    xtcp_seq_after(cb->seq, xs->rcv_nxt) &&
	    ((1 << sk->sk_state) &
	     (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2))) {
		need_ack = true;
		verdict = xtcp_ooo_insert(sk, skb);
		goto ack;
	}
	/* Seventh check: data, while the peer may still send it. */
	if (skb->len && text_ok &&
	    ((1 << sk->sk_state) &
	     (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2))) {
		if (sock_flag(sk, SOCK_DEAD)) {
			/* Nobody will read it: RFC 9293 §3.10.7.4 says RST. */
			xtcp_inc_stat(sock_net(sk), XTCP_MIB_ABORTONDATA);
			xtcp_send_active_reset(sk, GFP_ATOMIC);
			xtcp_done(sk);
			goto drop;
		}
		unsigned int len = skb->len;
		bool hole;

		/* Beyond a hole: a duplicate ACK at once (RFC 5681 §4.2). */
		if (xtcp_seq_after(cb->seq, xs->rcv_nxt)) {
			need_ack = true;
			verdict = xtcp_ooo_insert(sk, skb);
			goto ack;	/* its FIN waits with it */
		}
		hole = !RB_EMPTY_ROOT(&xs->ooo_queue);
		/* Its front we had already: a D-SACK for that part. */
		if (xtcp_seq_before(cb->seq, xs->rcv_nxt))
			xtcp_dsack_set(sk, cb->seq,
				       xtcp_seq_before(cb->seq + len,
						       xs->rcv_nxt) ?
				       cb->seq + len : xs->rcv_nxt, false);
		verdict = xtcp_queue_rcv(sk, skb);
		queued = verdict == XTCP_RCV_QUEUED ||
			 verdict == XTCP_RCV_COPIED;
		filled = queued && hole;
		if (queued && hole) {
			/* A hole filled: what waited behind it follows. */
			if (cb->flags & TCPHDR_FIN)
				xtcp_ooo_purge(sk);
			else
				fin_behind = xtcp_ooo_drain(sk);
		}
		/* Old or refused data is answered at once, new may wait. */
		need_ack = !queued || xtcp_ack_now(sk, len, hole);
		/* A duplicate to report: the D-SACK goes at once. */
		if (xs->dsack_pending)
			need_ack = true;
	}
	/* Eighth check: FIN, processed only once all data before it is in. */
	if (fin_behind ||
	    ((cb->flags & TCPHDR_FIN) && cb->end_seq - 1 == xs->rcv_nxt &&
	     (text_ok || !skb->len))) {
		passive = sk->sk_state == TCP_ESTABLISHED;
		xtcp_rcv_fin(sk);
		/*
		 * A passive close: the application will likely answer with its
		 * own FIN at once, which then carries this ACK, as in Linux
		 * (pingpong mode after a FIN). A bare ACK sent first could be
		 * reordered behind that FIN on the way; the peer's TIME_WAIT
		 * would answer it after our LAST_ACK ended, and the RST we then
		 * owe would end the peer's TIME_WAIT early. RFC 1122 §4.2.3.2
		 * lets an ACK wait this long.
		 */
		if (passive && text_ok && verdict != XTCP_RCV_DROPPED &&
		    !filled && !fin_behind) {
			/* The full wait from now, not a data ACK's deadline. */
			xtcp_timer_arm(sk, XTCP_TIMER_DELACK,
				       jiffies + XTCP_DELACK_MIN);
			need_ack = false;
		} else {
			need_ack = true;
		}
	} else if ((cb->flags & TCPHDR_FIN) &&
		   !xtcp_seq_after(cb->end_seq, xs->rcv_nxt)) {
		need_ack = true;	/* a retransmitted FIN */
	}
ack:
	if (need_ack)
		xtcp_send_ack(sk);
	if (queued)
		sk->sk_data_ready(sk);
	if (sk->sk_state != TCP_CLOSE)
		xtcp_push(sk);
	if (verdict == XTCP_RCV_QUEUED)
		return;
drop:
	kfree_skb(skb);
}

/**
 * xtcp_rcv_state() - process one segment for @sk in whatever state it is.
 * @sk: the socket the segment was looked up for.
 * @skb: the segment, data after the header, XTCP_SKB_CB() filled in.
 *
 * Context: softirq or process (backlog), socket locked.
 * Return: 0; the skb is consumed.
 */
int xtcp_rcv_state(struct sock *sk, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);
	if (sk->sk_state != TCP_LISTEN) {
		/* A GSO skb over veth or loopback counts each segment. */
		u16 segs = max_t(u16, 1, skb_shinfo(skb)->gso_segs);

		xs->segs_in += segs;
		if (cb->end_seq - cb->seq >
		    !!(cb->flags & TCPHDR_SYN) + !!(cb->flags & TCPHDR_FIN))
			xs->data_segs_in += segs;
	}
	switch (sk->sk_state) {
	case TCP_LISTEN:
		xtcp_listen_rcv(sk, skb);
		break;
	case TCP_SYN_SENT:
		xtcp_rcv_syn_sent(sk, skb);
		break;
	case TCP_TIME_WAIT:
		xtcp_rcv_time_wait(sk, skb);
		break;
	case TCP_CLOSE:
		/* Closed while the segment waited in the backlog. */
		xtcp_send_reset_for(sock_net(sk), skb);
		kfree_skb(skb);
		break;
	default:
		xtcp_rcv_synchronized(sk, skb);
		break;
	}
	return 0;
}

/** xtcp_backlog_rcv() - proto.backlog_rcv, from release_sock(). */
int xtcp_backlog_rcv(struct sock *sk, struct sk_buff *skb)
{
	return xtcp_rcv_state(sk, skb);
}
