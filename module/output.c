// SPDX-License-Identifier: GPL-2.0
/*
 * output.c - everything xtcp puts on the wire: segments from the write
 * queue, bare ACKs, probes, RSTs, and replies for segments that found no
 * socket.
 *
 * Every segment is a TCP segment bit for bit: the header of RFC 9293 §3.1
 * and a checksum over a pseudo-header naming protocol 6 (IPPROTO_TCP),
 * whatever the IP header's protocol byte says. Rewriting only that byte
 * therefore turns xtcp traffic into TCP traffic and back.
 */
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "proto/nagle.h"
#include "fault.h"
#include "proto/segment.h"

/**
 * xtcp_route_mss() - the MSS that fits a path MTU of @mtu, lowered to
 * TCP_MAXSEG if the user set one.
 * @sk: the socket, for its TCP_MAXSEG and address family.
 * @mtu: the path MTU.
 *
 * Return: @mtu less the network and TCP headers, clamped to
 * [XTCP_MIN_MSS, 65495].
 */
u16 xtcp_route_mss(struct sock *sk, unsigned int mtu)
{
	unsigned int hdrs = xtcp_af(sk)->net_header_len + sizeof(struct tcphdr);
	unsigned int mss = mtu > hdrs ? mtu - hdrs : 0;
	u16 user = xtcp_sk(sk)->user_mss;

	if (user && user < mss)
		mss = user;
	return clamp_t(unsigned int, mss, XTCP_MIN_MSS, 65535 - 40);
}

/*
 * Our SYN's options, or in a simultaneous open our SYN-ACK's: the MSS,
 * SACK-permitted, and the timestamps we offer (SYN_SENT, TSecr 0) or
 * agreed to.
 */
static unsigned int xtcp_syn_options(struct sock *sk, u8 *buf)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_options opts = {
		.has_mss = true,
		.mss = xs->advmss,
		.has_ts = xs->ts_ok,
		/* In SYN_SENT, what we offer; in a SYN-ACK, what was agreed. */
		.has_wscale = xs->wscale_ok,
		.wscale = xs->rcv_wscale,
		/*
		 * SACK-permitted says we take SACK blocks (RFC 2018 §2): we
		 * parse them, and a sender uses ours only if we offer it.
		 */
		.sack_permitted = sk->sk_state == TCP_SYN_SENT ?
			READ_ONCE(xtcp_pernet(sock_net(sk))->sack) :
			xs->sack_ok,
	};

	if (xs->ts_ok) {
		opts.tsval = xtcp_tsval(sk);
		opts.tsecr = sk->sk_state == TCP_SYN_SENT ? 0 :
			     xs->ts_recent.val;
	}
	return xtcp_build_options(buf, &opts, true);
}

static void xtcp_fill_header(struct tcphdr *th, __be16 sport, __be16 dport,
			     u32 seq, u32 ack, u8 flags, u16 window,
			     unsigned int hlen)
{
	memset(th, 0, sizeof(*th));
	th->source = sport;
	th->dest = dport;
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff = hlen / 4;
	tcp_flag_byte(th) = flags;
	th->window = htons(window);
}

/*
 * The options of a segment other than a SYN: the timestamp, if the
 * connection uses them, and on a bare ACK SACK blocks for what waits
 * beyond a hole, if the peer takes them (RFC 2018), after a D-SACK block
 * for data received twice (RFC 2883). Data segments carry none, so their
 * payload keeps the MSS.
 */
static unsigned int xtcp_ack_options(struct sock *sk, u8 *buf, u8 flags,
				     unsigned int payload)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_options o = { .has_ts = xs->ts_ok };

	if (xs->ts_ok) {
		o.tsval = xtcp_tsval(sk);
		o.tsecr = xs->ts_recent.val;
	}
	if (xs->sack_ok && !payload && !(flags & TCPHDR_RST)) {
		/* RFC 2883: a duplicate's block first, then the queue's. */
		if (xs->dsack_pending) {
			o.sacks[0] = xs->dsack;
			o.nr_sacks = 1;
			xs->dsack_pending = 0;
		}
		if (!RB_EMPTY_ROOT(&xs->ooo_queue))
			o.nr_sacks += xtcp_ooo_sack(sk, o.sacks + o.nr_sacks,
						    XTCP_MAX_SACK_BLOCKS -
						    o.nr_sacks);
	}
	return xtcp_build_options(buf, &o, false);
}

/*
 * Put a header on @skb (whose data is the payload) and hand it to IP on
 * @sk's route. Consumes @skb.
 */
static int xtcp_xmit(struct sock *sk, struct sk_buff *skb, u32 seq, u8 flags)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	u8 opts[XTCP_MAX_OPTION_BYTES];
	unsigned int olen = 0, hlen, segs;
	struct tcphdr *th;
	u32 ack = 0;
	u16 window;

	if (flags & TCPHDR_SYN)
		olen = xtcp_syn_options(sk, opts);
	else
		olen = xtcp_ack_options(sk, opts, flags, skb->len);
	hlen = sizeof(*th) + olen;
	if (flags & TCPHDR_ACK)
		ack = xs->rcv_nxt;
	window = flags & TCPHDR_RST ? 0 :
		 xtcp_current_window(sk, flags & TCPHDR_SYN);

	th = skb_push(skb, hlen);
	skb_reset_transport_header(skb);
	xtcp_fill_header(th, inet->inet_sport, inet->inet_dport, seq, ack,
			 flags, window, hlen);
	memcpy(th + 1, opts, olen);
	xtcp_af(sk)->send_check(sk, skb);
	skb_set_owner_w(skb, sk);
	segs = skb_is_gso(skb) ? skb_shinfo(skb)->gso_segs : 1;
	xtcp_add_stat(sock_net(sk), XTCP_MIB_OUTSEGS, segs);
	xs->segs_out += segs;
	if (skb->len > hlen)
		xs->data_segs_out += segs;
	if (flags & TCPHDR_RST)
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_OUTRSTS);
	if (flags & TCPHDR_ACK)
		xtcp_ack_sent(sk);
	return xtcp_af(sk)->queue_xmit(sk, skb);
}

/* An empty skb with room for every header, or NULL. */
static struct sk_buff *xtcp_alloc_header(gfp_t gfp, enum xtcp_fault site)
{
	struct sk_buff *skb;

	if (xtcp_should_fail(site))
		return NULL;
	skb = alloc_skb(XTCP_MAX_HEADER, gfp);
	if (skb)
		skb_reserve(skb, XTCP_MAX_HEADER);
	return skb;
}

/*
 * @skb of the write queue goes out (first time or again): its timestamps
 * and, if it is new, SND.NXT and the in-flight count.
 */
static void xtcp_note_sent(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!cb->retransmitted)
		cb->sent_at = jiffies;
	cb->xmit_us = xtcp_clock_us();
	if (xs->ca_state == TCP_CA_Recovery)
		xs->prr_out++;	/* PRR counts what goes, new or again */
	xtcp_rate_sent(sk, skb);
	xs->bytes_sent += skb->len;
	if (xtcp_seq_after(cb->end_seq, xs->snd_nxt)) {
		if (skb->len)
			xs->snd_sml = xtcp_nagle_sent(xs->snd_sml, skb->len,
						      xs->mss, cb->end_seq);
		xs->snd_nxt = cb->end_seq;
		xs->packets_out++;	/* acknowledged: input.c */
		xs->lsndtime = jiffies ? : 1;
		/*
		 * Data sent within the delayed-ACK time of data received is
		 * an answer: its ACKs can ride on answers from now on
		 * ("pingpong", as Linux's tcp_event_data_sent()).
		 */
		if (skb->len && xs->last_data_rcv &&
		    (u32)jiffies - xs->last_data_rcv < XTCP_DELACK_MIN)
			xs->quickack = 0;
	}
}

/**
 * xtcp_transmit_skb() - send (or resend) a segment of the write queue.
 * The queued skb stays for retransmission; a clone goes out, or a copy if
 * an earlier clone is still in flight and shares its header room.
 * @sk: the socket.
 * @skb: the write-queue entry.
 *
 * Context: socket locked.
 * Return: -ENOBUFS if no clone or copy could be made, else what
 * ip_queue_xmit() returned.
 */
int xtcp_transmit_skb(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct sk_buff *out;
	u8 flags = cb->flags;

	xtcp_assert_locked(sk);
	if (xtcp_should_fail(XTCP_FAULT_XMIT))
		out = NULL;
	else if (skb_cloned(skb))
		out = pskb_copy(skb, GFP_ATOMIC);
	else
		out = skb_clone(skb, GFP_ATOMIC);
	if (!out)
		return -ENOBUFS;
	if (sk->sk_state != TCP_SYN_SENT)
		flags |= TCPHDR_ACK;
	xtcp_note_sent(sk, skb);
	return xtcp_xmit(sk, out, cb->seq, flags);
}

/*
 * Send the @n unsent segments from @first on in one GSO skb (offload.c).
 * Return: 0, -ENOBUFS if nothing was sent, or ip_queue_xmit()'s error.
 */
static int xtcp_transmit_gso(struct sock *sk, struct sk_buff *first,
			     unsigned int n)
{
	struct sk_buff *out, *skb = first;
	u8 flags = TCPHDR_ACK;
	unsigned int i;

	if (xtcp_should_fail(XTCP_FAULT_XMIT))
		return -ENOBUFS;
	out = xtcp_gso_build(sk, first, n, &flags);
	if (!out)
		return -ENOBUFS;
	for (i = 0; i < n; i++, skb = skb->next)
		xtcp_note_sent(sk, skb);
	return xtcp_xmit(sk, out, XTCP_SKB_CB(first)->seq, flags);
}

/**
 * xtcp_retransmit_head() - send the oldest unacknowledged segment again
 * (RTO, fast retransmit, or a partial ACK during recovery).
 * @sk: the socket; nothing is sent if no segment is in flight.
 *
 * Context: socket locked.
 */
void xtcp_retransmit_head(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (!skb || !xtcp_seq_before(XTCP_SKB_CB(skb)->seq, xtcp_sk(sk)->snd_nxt))
		return;
	xtcp_retransmit_skb(sk, skb);
}

/**
 * xtcp_resend_syn() - send our SYN or SYN-ACK again now, if it is still on
 * the write queue (simultaneous open, or a retransmitted SYN in SYN_RECV),
 * and keep the retransmission timer running.
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_resend_syn(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (!skb || !(XTCP_SKB_CB(skb)->flags & TCPHDR_SYN))
		return;
	xtcp_transmit_skb(sk, skb);
	if (!xtcp_timer_armed(sk, XTCP_TIMER_RTX))
		xtcp_arm_rtx(sk);
}

/**
 * xtcp_sync_mss() - the MSS to send with now: the agreed one less the
 * options every segment carries (timestamps), but no more than half the
 * largest window the peer offered once that exceeds one common MSS, so at
 * least two segments fit in flight (Linux's rule).
 * @sk: the socket.
 */
void xtcp_sync_mss(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 cutoff = xs->max_window > 1460 ? xs->max_window / 2 : xs->max_window;
	u32 mss = xs->mss_cap;

	if (xs->ts_ok)
		mss -= XTCP_TS_ALIGNED_LEN;

	if (cutoff && mss > cutoff)
		mss = max_t(u32, cutoff, XTCP_MIN_MSS);
	xs->mss = mss;
}

/**
 * xtcp_queue_control() - queue a SYN or FIN as a sequence-occupying entry
 * of the write queue, so that acknowledgment and retransmission treat it
 * like data. A FIN rides on the last unsent data segment when there is one.
 * @sk: the socket.
 * @flags: TCPHDR_SYN, or TCPHDR_FIN with TCPHDR_ACK.
 *
 * Nothing is sent: xtcp_push() does that.
 *
 * Context: socket locked.
 * Return: 0, or -ENOBUFS if no skb could be allocated.
 */
int xtcp_queue_control(struct sock *sk, u8 flags)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb, *tail;

	xtcp_assert_locked(sk);
	if (flags & TCPHDR_FIN) {
		tail = skb_peek_tail(&sk->sk_write_queue);
		if (tail && !xtcp_seq_before(XTCP_SKB_CB(tail)->seq,
					     xs->snd_nxt) &&
		    !(XTCP_SKB_CB(tail)->flags & (TCPHDR_SYN | TCPHDR_FIN))) {
			XTCP_SKB_CB(tail)->flags |= TCPHDR_FIN;
			XTCP_SKB_CB(tail)->end_seq++;
			xs->write_seq++;
			xs->fin_queued = 1;
			return 0;
		}
	}
	/* A listener's child queues its SYN-ACK from softirq. */
	skb = xtcp_alloc_header(gfp_any(), flags & TCPHDR_FIN ? XTCP_FAULT_FIN :
				xs->is_child ? XTCP_FAULT_SYNACK :
				XTCP_FAULT_SYN);
	if (!skb)
		return -ENOBUFS;
	memset(skb->cb, 0, sizeof(skb->cb));
	XTCP_SKB_CB(skb)->seq = xs->write_seq;
	XTCP_SKB_CB(skb)->end_seq = xs->write_seq + 1;
	XTCP_SKB_CB(skb)->flags = flags;
	xs->write_seq++;
	if (flags & TCPHDR_FIN)
		xs->fin_queued = 1;
	sk->sk_wmem_queued += skb->truesize;
	__skb_queue_tail(&sk->sk_write_queue, skb);
	return 0;
}

/**
 * xtcp_queue_fin() - queue our FIN (close() or shutdown(SHUT_WR)). If no
 * skb can be had for it, the FIN is not forgotten: the retransmission
 * timer tries again with backoff and, like a retransmission, gives up in
 * the end (ETIMEDOUT), so an orphan can never wait for a FIN it never sent.
 * @sk: the socket, already in FIN_WAIT1 or LAST_ACK.
 *
 * Context: socket locked.
 * Return: 0 if queued, -ENOBUFS if deferred.
 */
int xtcp_queue_fin(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->fin_queued)
		return 0;
	if (!xtcp_queue_control(sk, TCPHDR_FIN | TCPHDR_ACK)) {
		xs->fin_wanted = 0;
		return 0;
	}
	if (!xs->fin_wanted) {
		xs->fin_wanted = 1;
		if (!xtcp_timer_armed(sk, XTCP_TIMER_RTX))
			xtcp_arm_rtx(sk);
	}
	return -ENOBUFS;
}

/**
 * xtcp_fits_window() - may @skb, not sent yet, go into the peer's window?
 * Only whole segments are sent (sender silly-window avoidance).
 * @sk: the socket.
 * @skb: a segment of its write queue.
 *
 * Return: true if all of its data lies within SND.UNA + SND.WND.
 */
bool xtcp_fits_window(const struct sock *sk, const struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct xtcp_sock *xs = xtcp_sk(sk);
	u32 data_end = cb->end_seq;

	/* Only data needs window space; a bare SYN or FIN always goes. */
	if (cb->flags & TCPHDR_FIN)
		data_end--;
	if (cb->flags & TCPHDR_SYN || data_end == cb->seq)
		return true;
	return !xtcp_seq_after(data_end, xs->snd_una + xs->snd_wnd);
}

/*
 * Must @skb, the last segment of the write queue and not sent yet, wait
 * for more data (Nagle, TCP_CORK; proto/nagle.c)? @mode adds to the
 * socket's own settings. A bare SYN or FIN never waits.
 */
static bool xtcp_nagle_waits(struct sock *sk, struct sk_buff *skb,
			     unsigned int mode)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!skb->len)
		return false;
	if (xs->nodelay)
		mode |= XTCP_NAGLE_OFF;
	if (xs->cork)
		mode |= XTCP_NAGLE_CORK;
	return xtcp_nagle_hold(skb->len, xs->mss, mode,
			       XTCP_SKB_CB(skb)->flags & TCPHDR_FIN,
			       xs->snd_sml, xs->snd_una, xs->snd_nxt);
}

/*
 * How many unsent segments, from @skb (which may go) on, to send in one
 * GSO skb: full ones in a row that the peer's window, the congestion
 * window and Nagle (for the queue's last) admit, up to what the route
 * takes. 1 sends @skb alone.
 */
static unsigned int xtcp_gso_count(struct sock *sk, struct sk_buff *skb,
				   unsigned int mode)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned int n = 1, max;
	u32 in_flight;

	if (!skb->len || XTCP_SKB_CB(skb)->flags & (TCPHDR_SYN | TCPHDR_FIN))
		return 1;
	max = xtcp_gso_max_segs(sk, xs->mss);
	in_flight = xtcp_packets_in_flight(sk);
	if (in_flight < xs->cw.cwnd)
		max = min(max, xs->cw.cwnd - in_flight);
	while (n < max && skb->len == xs->mss &&
	       !skb_queue_is_last(&sk->sk_write_queue, skb)) {
		struct sk_buff *next = skb->next;

		if (!next->len || next->len > xs->mss ||
		    XTCP_SKB_CB(next)->flags & (TCPHDR_SYN | TCPHDR_FIN) ||
		    !xtcp_fits_window(sk, next))
			break;
		if (skb_queue_is_last(&sk->sk_write_queue, next) &&
		    xtcp_nagle_waits(sk, next, mode))
			break;
		skb = next;
		n++;
	}
	return n;
}

/**
 * xtcp_push_mode() - send whatever the write queue holds that the peer's
 * window and the congestion window admit, except a partly filled last
 * segment that Nagle's algorithm or a cork holds back, and keep the
 * retransmission timer running while anything is unacknowledged or
 * waiting (it also ends a cork that waits too long: xtcp_push_held()).
 * @sk: the socket; nothing happens in CLOSE or LISTEN.
 * @mode: XTCP_NAGLE_CORK for MSG_MORE, XTCP_NAGLE_PUSH to send a partial
 *	last segment at once, on top of TCP_NODELAY and TCP_CORK.
 *
 * Context: socket locked.
 */
void xtcp_push_mode(struct sock *sk, unsigned int mode)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 prior_nxt = xs->snd_nxt;
	struct sk_buff *skb;
	unsigned int n;

	xtcp_assert_locked(sk);
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	/* RFC 6675 §4 NextSeg(): what is lost goes before new data. */
	if (xs->lost_out)
		xtcp_retransmit_lost(sk, false);
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (xtcp_seq_before(cb->seq, xs->snd_nxt))
			continue;
		if (!xtcp_fits_window(sk, skb))
			break;
		/* A bare SYN or FIN goes whatever the congestion window says. */
		if (skb->len && !xtcp_cc_may_send(sk))
			break;
		if (skb_queue_is_last(&sk->sk_write_queue, skb) &&
		    xtcp_nagle_waits(sk, skb, mode))
			break;
		n = xtcp_gso_count(sk, skb, mode);
		if (n > 1 ? xtcp_transmit_gso(sk, skb, n) :
			    xtcp_transmit_skb(sk, skb))
			break;
		while (--n)	/* go on after the last one sent */
			skb = skb->next;
	}
	xs->cwnd_limited = xtcp_packets_in_flight(sk) >= xs->cw.cwnd;
	/* one loss probe per flight's tail: planned after new data (tlp.c) */
	if (xs->snd_nxt != prior_nxt && xtcp_tlp_schedule(sk, false))
		return;
	if (!skb_queue_empty(&sk->sk_write_queue) &&
	    !xtcp_timer_armed(sk, XTCP_TIMER_RTX))
		xtcp_arm_rtx(sk);
}

/**
 * xtcp_push() - xtcp_push_mode() with the socket's own Nagle settings.
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_push(struct sock *sk)
{
	xtcp_push_mode(sk, 0);
}

/**
 * xtcp_push_held() - the retransmission timer ran out with nothing in
 * flight: if what waits is a segment the window admits, a cork (or
 * MSG_MORE) held it, and it goes now, as Linux sends a corked segment
 * within about 200 ms (its minimum RTO here). Otherwise the window is
 * closed and the caller probes it.
 * @sk: the socket.
 *
 * Context: socket locked.
 * Return: true if the held segment was pushed.
 */
bool xtcp_push_held(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);
	if (!skb || !skb->len ||
	    xtcp_seq_before(XTCP_SKB_CB(skb)->seq, xs->snd_nxt) ||
	    !xtcp_fits_window(sk, skb))
		return false;
	xtcp_push_mode(sk, XTCP_NAGLE_PUSH);
	return true;
}

static bool xtcp_send_bare(struct sock *sk, u32 seq, u8 flags, gfp_t gfp)
{
	struct sk_buff *skb = xtcp_alloc_header(gfp, XTCP_FAULT_BARE);

	if (!skb)
		return false;
	xtcp_xmit(sk, skb, seq, flags);
	return true;
}

/*
 * xtcp_send_ack() - send an ACK for everything received so far. Without
 * memory for it the delayed-ACK timer tries again (200 ms, as Linux), so
 * the peer is not left to its retransmission timeout.
 */
void xtcp_send_ack(struct sock *sk)
{
	if (!xtcp_send_bare(sk, xtcp_sk(sk)->snd_nxt, TCPHDR_ACK, GFP_ATOMIC) &&
	    !((1 << sk->sk_state) &
	      (TCPF_CLOSE | TCPF_LISTEN | TCPF_SYN_SENT | TCPF_TIME_WAIT)))
		xtcp_delay_ack(sk, HZ / 5);
}

/**
 * xtcp_send_probe() - a segment with an old sequence number, which the
 * peer must answer with an ACK carrying its current window (RFC 9293
 * §3.8.6.1, zero-window probing).
 * @sk: the socket.
 */
void xtcp_send_probe(struct sock *sk)
{
	xtcp_send_bare(sk, xtcp_sk(sk)->snd_una - 1, TCPHDR_ACK, GFP_ATOMIC);
}

/** xtcp_send_active_reset() - abort the connection towards the peer. */
void xtcp_send_active_reset(struct sock *sk, gfp_t gfp)
{
	xtcp_send_bare(sk, xtcp_sk(sk)->snd_nxt, TCPHDR_RST | TCPHDR_ACK, gfp);
}

/**
 * xtcp_send_reply() - answer segment @in without a socket, such as with
 * a RST for a closed port. Addresses and ports are those of @in swapped;
 * the IP protocol is @in's.
 * @net: the namespace @in arrived in.
 * @in: the segment answered; not consumed.
 * @flags: the reply's TCP flags (TCPHDR_*).
 * @seq: the reply's sequence number.
 * @ack: its acknowledgment number.
 * @window: its window.
 *
 * Context: softirq or process; allocates with GFP_ATOMIC.
 */
void xtcp_send_reply(struct net *net, struct sk_buff *in, u8 flags,
		     u32 seq, u32 ack, u16 window)
{
	const struct tcphdr *ith = tcp_hdr(in);
	struct sk_buff *skb;
	struct tcphdr *th;

	skb = xtcp_alloc_header(GFP_ATOMIC, XTCP_FAULT_REPLY);
	if (!skb)
		return;
	th = skb_push(skb, sizeof(*th));
	skb_reset_transport_header(skb);
	xtcp_fill_header(th, ith->dest, ith->source, seq, ack, flags, window,
			 sizeof(*th));
	xtcp_inc_stat(net, XTCP_MIB_OUTSEGS);
	if (flags & TCPHDR_RST)
		xtcp_inc_stat(net, XTCP_MIB_OUTRSTS);
	/* Only IPv4 so far; the segment's family will choose. */
	xtcp_ipv4_ops.send_reply(net, in, skb);
}

/**
 * xtcp_send_reset_for() - RFC 9293 §3.10.7.1: the RST that answers @in
 * when no connection exists. Never answers a RST.
 * @net: the namespace @in arrived in.
 * @in: the segment; not consumed.
 */
void xtcp_send_reset_for(struct net *net, struct sk_buff *in)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(in);

	if (cb->flags & TCPHDR_RST)
		return;
	if (cb->flags & TCPHDR_ACK)
		xtcp_send_reply(net, in, TCPHDR_RST, cb->ack_seq, 0, 0);
	else
		xtcp_send_reply(net, in, TCPHDR_RST | TCPHDR_ACK, 0,
				cb->end_seq, 0);
}

/*
 * Split write-queue entry @skb after @len payload bytes; the rest becomes
 * a new entry right behind it and takes the FIN and PSH, if any.
 */
static int xtcp_split_skb(struct sock *sk, struct sk_buff *skb,
			  unsigned int len)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb), *ncb;
	unsigned int rest = skb->len - len;
	struct sk_buff *nskb;

	if (xtcp_should_fail(XTCP_FAULT_DATA))
		return -ENOBUFS;
	nskb = alloc_skb(XTCP_MAX_HEADER + rest, GFP_ATOMIC);
	if (!nskb)
		return -ENOBUFS;
	skb_reserve(nskb, XTCP_MAX_HEADER);
	skb_copy_bits(skb, len, skb_put(nskb, rest), rest);
	memcpy(nskb->cb, skb->cb, sizeof(skb->cb));
	ncb = XTCP_SKB_CB(nskb);
	ncb->seq = cb->seq + len;
	cb->end_seq = ncb->seq;
	/* Two segments in flight where there was one, with the same marks. */
	if (xtcp_seq_before(cb->seq, xtcp_sk(sk)->snd_nxt)) {
		xtcp_sk(sk)->packets_out++;
		xtcp_sack_split(sk, nskb);
	}
	cb->flags &= ~(TCPHDR_FIN | TCPHDR_PSH);
	skb_trim(skb, len);
	sk->sk_wmem_queued += nskb->truesize;
	__skb_queue_after(&sk->sk_write_queue, skb, nskb);
	return 0;
}

/**
 * xtcp_probe_with_data() - the persist timer ran out while the peer's
 * window is open, but by less than the next segment: send as much of it
 * as the window takes (cut in two, the piece with PSH), as Linux's
 * tcp_write_wakeup() does, instead of a bare probe (RFC 9293 §3.8.6.1
 * lets a probe carry data). A window too small for the sender's
 * silly-window rule is not refused for ever that way.
 * @sk: the socket; nothing is in flight.
 *
 * Context: socket locked.
 * Return: true if data went; the caller then runs the RTO.
 */
bool xtcp_probe_with_data(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 wnd_end = xs->snd_una + xs->snd_wnd, room;
	struct xtcp_skb_cb *cb;

	xtcp_assert_locked(sk);
	if (!skb || !skb->len)
		return false;
	cb = XTCP_SKB_CB(skb);
	if (cb->seq != xs->snd_nxt || cb->flags & TCPHDR_SYN ||
	    !xtcp_seq_before(cb->seq, wnd_end))
		return false;
	room = wnd_end - cb->seq;
	if (room < skb->len && xtcp_split_skb(sk, skb, room))
		return false;
	cb->flags |= TCPHDR_PSH;
	return !xtcp_transmit_skb(sk, skb);
}

/**
 * xtcp_mtu_reduced() - an ICMP error (fragmentation needed, RFC 1191) says
 * the path takes no more than @mtu. Record it in the route, lower the MSS
 * to fit, cut every queued segment down to it and resend at once those in
 * flight: they were too big, so they were dropped (RFC 1191 §6.5).
 * @sk: the socket.
 * @mtu: the MTU the ICMP error quoted.
 *
 * Context: socket locked, not owned by a process (see xtcp_release_cb()).
 */
void xtcp_mtu_reduced(struct sock *sk, u32 mtu)
{
	const struct xtcp_af_ops *af = xtcp_af(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;
	u16 mss;

	xtcp_assert_locked(sk);
	if ((1 << sk->sk_state) & (TCPF_LISTEN | TCPF_CLOSE | TCPF_TIME_WAIT))
		return;
	mtu = af->update_pmtu(sk, mtu);
	if (!mtu || !af->accept_pmtu(sk) || mtu >= xs->pmtu_cookie)
		return;
	xs->pmtu_cookie = mtu;
	WRITE_ONCE(sk->sk_err_soft, EMSGSIZE);
	mss = xtcp_route_mss(sk, mtu);
	if (mss >= xs->mss_cap)
		return;
	xs->mss_cap = mss;
	xtcp_sync_mss(sk);
	skb_queue_walk(&sk->sk_write_queue, skb)
		if (skb->len > xs->mss && xtcp_split_skb(sk, skb, xs->mss))
			break;	/* the timer resends the rest as it is */
	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (!xtcp_seq_before(XTCP_SKB_CB(skb)->seq, xs->snd_nxt))
			break;
		if (xtcp_retransmit_skb(sk, skb))
			break;
	}
}
