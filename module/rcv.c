// SPDX-License-Identifier: GPL-2.0
/*
 * rcv.c - the IP protocol handler: validates each arriving segment (header
 * length, checksum, options), finds its socket and hands it over, or
 * answers it with a RST when no socket wants it (RFC 9293 §3.10.7.1).
 *
 * Runs in softirq under rcu_read_lock() (ip_protocol_deliver_rcu()).
 * Every segment that is dropped here is counted in /proc/net/xtcp_stats.
 */
#include <net/icmp.h>
#include <net/ip.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "proto/segment.h"

/* The checksum covers a pseudo-header naming TCP (RFC 9293 §3.1). */
static bool xtcp_checksum_ok(struct sk_buff *skb)
{
	if (skb_checksum_init(skb, IPPROTO_TCP, inet_compute_pseudo))
		return false;
	return skb_csum_unnecessary(skb) || !__skb_checksum_complete(skb);
}

/* Fill the control block from the header; false if the options are bad. */
static bool xtcp_parse_segment(struct sk_buff *skb, unsigned int hlen)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_options opts;
	u8 flags = tcp_flag_byte(th);

	if (xtcp_parse_options((const u8 *)(th + 1), hlen - sizeof(*th),
			       flags & TCPHDR_SYN, &opts))
		return false;
	memset(cb, 0, sizeof(*cb));
	cb->seq = ntohl(th->seq);
	cb->end_seq = cb->seq + skb->len - hlen +
		      !!(flags & TCPHDR_SYN) + !!(flags & TCPHDR_FIN);
	cb->ack_seq = ntohl(th->ack_seq);
	cb->window = ntohs(th->window);
	cb->flags = flags;
	cb->mss = opts.has_mss ? opts.mss : 0;
	return true;
}

/*
 * Room a socket's backlog has beyond its buffers: a listener's backlog
 * holds SYNs (no data), and a burst of them while accept() or setsockopt()
 * owns it must not be dropped for want of a receive buffer it never uses.
 */
#define XTCP_BACKLOG_HEADROOM	(64 * 1024)

/* Give @skb to @sk: now if nobody holds the socket, else via its backlog. */
static void xtcp_deliver(struct sock *sk, struct sk_buff *skb)
{
	u64 limit;

	bh_lock_sock_nested(sk);
	if (!sock_owned_by_user(sk)) {
		xtcp_rcv_state(sk, skb);
	} else {
		/* Buffers may be near INT_MAX each (SO_RCVBUFFORCE): no wrap. */
		limit = (u64)READ_ONCE(sk->sk_rcvbuf) +
			READ_ONCE(sk->sk_sndbuf) + XTCP_BACKLOG_HEADROOM;
		if (unlikely(sk_add_backlog(sk, skb,
					    min_t(u64, limit, UINT_MAX)))) {
			xtcp_inc_stat(sock_net(sk), XTCP_MIB_BACKLOGDROP);
			kfree_skb(skb);
		}
	}
	bh_unlock_sock(sk);
}

/*
 * End TIME_WAIT @sk for SYN @skb if the SYN may reopen the connection.
 * True also if @sk closed since the lookup (its timer, or a copy of this
 * SYN on another CPU): then the listener decides, as for a new SYN.
 */
static bool xtcp_time_wait_reopen(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool reopen = false;

	bh_lock_sock_nested(sk);
	if (sk->sk_state == TCP_CLOSE) {
		reopen = true;
	} else if (sk->sk_state == TCP_TIME_WAIT && !sock_owned_by_user(sk) &&
		   xtcp_tw_syn_reopens(cb->seq, xs->rcv_nxt)) {
		cb->reopens_time_wait = 1;
		cb->reopen_iss = xtcp_tw_reopen_iss(xs->snd_nxt);
		xtcp_done(sk);
		reopen = true;
	}
	bh_unlock_sock(sk);
	return reopen;
}

/*
 * @sk, found for @skb, is in TIME_WAIT or just closed. If @skb is a SYN
 * that may reopen the connection (RFC 1122 §4.2.2.13) and a listener wants
 * it, TIME_WAIT ends and the listener takes the SYN, as in Linux's TCP.
 * Without a listener, or while a system call has @sk locked, TIME_WAIT
 * keeps the SYN and answers it with an ACK (RFC 9293 §3.10.7.4).
 * Return: the socket to deliver @skb to; the reference moves with it.
 */
static struct sock *xtcp_time_wait_syn(struct net *net, struct sock *sk,
				       struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct sock *listener;

	if ((XTCP_SKB_CB(skb)->flags & (TCPHDR_SYN | TCPHDR_ACK | TCPHDR_RST |
					TCPHDR_FIN)) != TCPHDR_SYN)
		return sk;
	listener = xtcp_lookup_listener(net, iph->daddr, tcp_hdr(skb)->dest,
					inet_iif(skb));
	if (!listener)
		return sk;
	if (!xtcp_time_wait_reopen(sk, skb)) {
		sock_put(listener);
		return sk;
	}
	sock_put(sk);
	return listener;
}

/**
 * xtcp_v4_rcv() - net_protocol.handler for IP protocol 253.
 * @skb: the segment; data starts at the TCP header.
 *
 * Return: 0; the segment is always consumed.
 */
int xtcp_v4_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	const struct iphdr *iph;
	const struct tcphdr *th;
	struct sock *sk;
	int hlen;

	xtcp_inc_stat(net, XTCP_MIB_INSEGS);
	if (skb->pkt_type != PACKET_HOST)
		goto drop;
	if (!pskb_may_pull(skb, sizeof(struct tcphdr)))
		goto hdr_error;
	hlen = xtcp_header_len(skb->len, ((u8 *)skb->data)[12]);
	if (hlen < 0 || !pskb_may_pull(skb, hlen))
		goto hdr_error;
	if (!xtcp_checksum_ok(skb)) {
		xtcp_inc_stat(net, XTCP_MIB_INCSUMERRORS);
		goto drop;
	}
	if (!xtcp_parse_segment(skb, hlen)) {
		xtcp_inc_stat(net, XTCP_MIB_INOPTERRORS);
		goto drop;
	}
	th = tcp_hdr(skb);
	iph = ip_hdr(skb);

	sk = xtcp_lookup(net, iph->saddr, th->source, iph->daddr, th->dest,
			 inet_iif(skb));
	if (sk && ((1 << READ_ONCE(sk->sk_state)) &
		   (TCPF_TIME_WAIT | TCPF_CLOSE)))
		sk = xtcp_time_wait_syn(net, sk, skb);
	if (!sk)
		sk = xtcp_lookup_listener(net, iph->daddr, th->dest,
					  inet_iif(skb));
	if (!sk) {
		xtcp_inc_stat(net, XTCP_MIB_INNOSOCKET);
		xtcp_send_reset_for(net, skb);
		goto drop;
	}
	/* The data now starts after the header; cb keeps the sequence. */
	__skb_pull(skb, hlen);
	skb_dst_drop(skb);
	xtcp_deliver(sk, skb);
	sock_put(sk);
	return 0;

hdr_error:
	xtcp_inc_stat(net, XTCP_MIB_INHDRERRORS);
drop:
	kfree_skb(skb);
	return 0;
}

/**
 * xtcp_v4_err() - net_protocol.err_handler: ICMP errors for our segments.
 * An unreachable destination fails a connection still in SYN_SENT, as
 * RFC 1122 §4.2.3.9 allows; other errors are soft and only recorded.
 * @skb: the ICMP message; data starts at the quoted IP header.
 * @info: ICMP info (e.g. the next-hop MTU); not used.
 *
 * Context: softirq.
 * Return: 0 if the error concerns one of our connections, -EINVAL if too
 * little of the segment is quoted, -ENOENT if no connection matches.
 */
int xtcp_v4_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	int type = icmp_hdr(skb)->type, code = icmp_hdr(skb)->code;
	struct net *net = dev_net(skb->dev);
	const struct tcphdr *th;
	struct sock *sk;
	int err;

	if (!pskb_may_pull(skb, iph->ihl * 4 + 8))
		return -EINVAL;
	iph = (const struct iphdr *)skb->data;
	th = (const struct tcphdr *)(skb->data + iph->ihl * 4);
	/* The quoted segment went from us: look it up from our side. */
	sk = xtcp_lookup(net, iph->daddr, th->dest, iph->saddr, th->source,
			 inet_iif(skb));
	if (!sk)
		return -ENOENT;
	if (type != ICMP_DEST_UNREACH || code == ICMP_FRAG_NEEDED ||
	    code > NR_ICMP_UNREACH) {
		sock_put(sk);
		return 0;
	}
	err = icmp_err_convert[code].errno;
	bh_lock_sock(sk);
	if (sk->sk_state == TCP_SYN_SENT && !sock_owned_by_user(sk) &&
	    icmp_err_convert[code].fatal) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
		xtcp_done(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, err);
	}
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;
}
