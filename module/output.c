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
#include "proto/segment.h"

/**
 * xtcp_route_mss() - the MSS that fits a path MTU of @mtu, lowered to
 * TCP_MAXSEG if the user set one.
 * @sk: the socket, for its TCP_MAXSEG.
 * @mtu: the path MTU.
 *
 * Return: @mtu less the IPv4 and TCP headers, clamped to
 * [XTCP_MIN_MSS, 65495].
 */
u16 xtcp_route_mss(struct sock *sk, unsigned int mtu)
{
	unsigned int mss = mtu - sizeof(struct iphdr) - sizeof(struct tcphdr);
	u16 user = xtcp_sk(sk)->user_mss;

	if (user && user < mss)
		mss = user;
	return clamp_t(unsigned int, mss, XTCP_MIN_MSS, 65535 - 40);
}

/**
 * xtcp_current_window() - choose the window for the next segment and
 * remember it as advertised. Half the free receive buffer is offered,
 * leaving the rest for sk_buff overhead.
 * @sk: the socket.
 *
 * Return: the window to put in the segment (unscaled).
 */
u32 xtcp_current_window(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int free = sk->sk_rcvbuf - atomic_read(&sk->sk_rmem_alloc);
	u32 cur = 0, wnd, threshold;

	if (xtcp_seq_after(xs->rcv_wup + xs->rcv_wnd, xs->rcv_nxt))
		cur = xs->rcv_wup + xs->rcv_wnd - xs->rcv_nxt;
	threshold = min_t(u32, xs->mss, sk->sk_rcvbuf / 4);
	wnd = xtcp_select_window(free > 0 ? free / 2 : 0, cur, threshold,
				 XTCP_MAX_WINDOW);
	if (xs->window_clamp > 0 && wnd > xs->window_clamp && wnd > cur)
		wnd = max_t(u32, xs->window_clamp, cur);
	xs->rcv_wnd = wnd;
	xs->rcv_wup = xs->rcv_nxt;
	return wnd;
}

static unsigned int xtcp_syn_options(struct sock *sk, u8 *buf)
{
	struct xtcp_options opts = {
		.has_mss = true,
		.mss = xtcp_sk(sk)->advmss,
	};

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

/* RFC 9293 §3.1: checksum with a pseudo-header that says protocol 6. */
static void xtcp_checksum(struct sk_buff *skb, __be32 saddr, __be32 daddr)
{
	struct tcphdr *th = tcp_hdr(skb);

	th->check = 0;
	th->check = csum_tcpudp_magic(saddr, daddr, skb->len, IPPROTO_TCP,
				      skb_checksum(skb, 0, skb->len, 0));
	skb->ip_summed = CHECKSUM_NONE;
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
	unsigned int olen = 0, hlen;
	struct tcphdr *th;
	u32 ack = 0;
	u16 window;

	if (flags & TCPHDR_SYN)
		olen = xtcp_syn_options(sk, opts);
	hlen = sizeof(*th) + olen;
	if (flags & TCPHDR_ACK)
		ack = xs->rcv_nxt;
	/* RFC 7323 §2.2: the window in a SYN is never scaled; no scaling yet */
	window = flags & TCPHDR_RST ? 0 : xtcp_current_window(sk);

	th = skb_push(skb, hlen);
	skb_reset_transport_header(skb);
	xtcp_fill_header(th, inet->inet_sport, inet->inet_dport, seq, ack,
			 flags, window, hlen);
	memcpy(th + 1, opts, olen);
	xtcp_checksum(skb, inet->inet_saddr, inet->inet_daddr);
	skb_set_owner_w(skb, sk);
	xtcp_inc_stat(sock_net(sk), XTCP_MIB_OUTSEGS);
	if (flags & TCPHDR_RST)
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_OUTRSTS);
	return ip_queue_xmit(sk, skb, &inet->cork.fl);
}

static struct sk_buff *xtcp_alloc_control(struct sock *sk, gfp_t gfp)
{
	struct sk_buff *skb = alloc_skb(XTCP_MAX_HEADER, gfp);

	if (skb)
		skb_reserve(skb, XTCP_MAX_HEADER);
	return skb;
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
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *out;
	u8 flags = cb->flags;

	if (skb_cloned(skb))
		out = pskb_copy(skb, GFP_ATOMIC);
	else
		out = skb_clone(skb, GFP_ATOMIC);
	if (!out)
		return -ENOBUFS;
	if (sk->sk_state != TCP_SYN_SENT)
		flags |= TCPHDR_ACK;
	if (!cb->retransmitted)
		cb->sent_at = jiffies;
	if (xtcp_seq_after(cb->end_seq, xs->snd_nxt))
		xs->snd_nxt = cb->end_seq;
	return xtcp_xmit(sk, out, cb->seq, flags);
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
	xtcp_inc_stat(sock_net(sk), XTCP_SKB_CB(skb)->flags & TCPHDR_SYN ?
		      XTCP_MIB_SYNRETRANS : XTCP_MIB_RETRANSSEGS);
	XTCP_SKB_CB(skb)->retransmitted = 1;
	xtcp_transmit_skb(sk, skb);
}

/**
 * xtcp_sync_mss() - the MSS to send with now: the agreed one, but no more
 * than half the largest window the peer offered once that exceeds one
 * common MSS, so at least two segments fit in flight (Linux's rule).
 * @sk: the socket.
 */
void xtcp_sync_mss(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 cutoff = xs->max_window > 1460 ? xs->max_window / 2 : xs->max_window;
	u32 mss = xs->mss_cap;

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

	if (flags & TCPHDR_FIN) {
		xs->fin_queued = 1;
		tail = skb_peek_tail(&sk->sk_write_queue);
		if (tail && !xtcp_seq_before(XTCP_SKB_CB(tail)->seq,
					     xs->snd_nxt) &&
		    !(XTCP_SKB_CB(tail)->flags & (TCPHDR_SYN | TCPHDR_FIN))) {
			XTCP_SKB_CB(tail)->flags |= TCPHDR_FIN;
			XTCP_SKB_CB(tail)->end_seq++;
			xs->write_seq++;
			return 0;
		}
	}
	/* A listener's child queues its SYN-ACK from softirq. */
	skb = xtcp_alloc_control(sk, gfp_any());
	if (!skb)
		return -ENOBUFS;
	memset(skb->cb, 0, sizeof(skb->cb));
	XTCP_SKB_CB(skb)->seq = xs->write_seq;
	XTCP_SKB_CB(skb)->end_seq = xs->write_seq + 1;
	XTCP_SKB_CB(skb)->flags = flags;
	xs->write_seq++;
	sk->sk_wmem_queued += skb->truesize;
	__skb_queue_tail(&sk->sk_write_queue, skb);
	return 0;
}

static bool xtcp_fits_window(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 data_end = cb->end_seq;

	/* Only data needs window space; a bare SYN or FIN always goes. */
	if (cb->flags & TCPHDR_FIN)
		data_end--;
	if (cb->flags & TCPHDR_SYN || data_end == cb->seq)
		return true;
	return !xtcp_seq_after(data_end, xs->snd_una + xs->snd_wnd);
}

/**
 * xtcp_push() - send whatever the write queue holds that the peer's window
 * admits, and keep the retransmission timer running while anything is
 * unacknowledged or the window holds data back.
 * @sk: the socket; nothing happens in CLOSE or LISTEN.
 *
 * Context: socket locked.
 */
void xtcp_push(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (xtcp_seq_before(XTCP_SKB_CB(skb)->seq, xs->snd_nxt))
			continue;
		if (!xtcp_fits_window(sk, skb))
			break;
		if (xtcp_transmit_skb(sk, skb))
			break;
	}
	if (!skb_queue_empty(&sk->sk_write_queue) &&
	    !timer_pending(&xs->rtx_timer))
		xtcp_arm_rtx(sk);
}

static void xtcp_send_bare(struct sock *sk, u32 seq, u8 flags, gfp_t gfp)
{
	struct sk_buff *skb = xtcp_alloc_control(sk, gfp);

	if (!skb)
		return;
	xtcp_xmit(sk, skb, seq, flags);
}

/** xtcp_send_ack() - send an ACK for everything received so far. */
void xtcp_send_ack(struct sock *sk)
{
	xtcp_send_bare(sk, xtcp_sk(sk)->snd_nxt, TCPHDR_ACK, GFP_ATOMIC);
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
	const struct iphdr *iph = ip_hdr(in);
	const struct tcphdr *ith = tcp_hdr(in);
	struct sk_buff *skb;
	struct flowi4 fl4;
	struct tcphdr *th;
	struct iphdr *oiph;
	struct rtable *rt;

	rt = ip_route_output_ports(net, &fl4, NULL, iph->saddr, iph->daddr,
				   ith->source, ith->dest, iph->protocol,
				   iph->tos & IPTOS_TOS_MASK, inet_iif(in));
	if (IS_ERR(rt))
		return;
	skb = alloc_skb(XTCP_MAX_HEADER, GFP_ATOMIC);
	if (!skb) {
		ip_rt_put(rt);
		return;
	}
	skb_reserve(skb, XTCP_MAX_HEADER);
	th = skb_push(skb, sizeof(*th));
	skb_reset_transport_header(skb);
	xtcp_fill_header(th, ith->dest, ith->source, seq, ack, flags, window,
			 sizeof(*th));
	xtcp_checksum(skb, iph->daddr, iph->saddr);

	oiph = skb_push(skb, sizeof(*oiph));
	skb_reset_network_header(skb);
	oiph->version = 4;
	oiph->ihl = 5;
	oiph->tos = iph->tos;
	oiph->frag_off = htons(IP_DF);
	oiph->ttl = ip4_dst_hoplimit(&rt->dst);
	oiph->protocol = iph->protocol;
	oiph->saddr = iph->daddr;
	oiph->daddr = iph->saddr;
	oiph->tot_len = htons(skb->len);
	ip_select_ident(net, skb, NULL);
	skb->protocol = htons(ETH_P_IP);
	skb_dst_set(skb, &rt->dst);

	xtcp_inc_stat(net, XTCP_MIB_OUTSEGS);
	if (flags & TCPHDR_RST)
		xtcp_inc_stat(net, XTCP_MIB_OUTRSTS);
	ip_local_out(net, NULL, skb);
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
