// SPDX-License-Identifier: GPL-2.0
/*
 * rcv.c - the IP protocol handler: validates each arriving segment (header
 * length, checksum, options), finds its socket, applies what the system
 * says about it (IPsec policy, conntrack, socket filter and LSM, as TCP's
 * receive path does) and hands it over, or answers it with a RST when no
 * socket wants it (RFC 9293 §3.10.7.1). Also the ICMP error handler.
 *
 * Runs in softirq under rcu_read_lock() (ip_protocol_deliver_rcu()).
 * Every segment that is dropped here is counted in /proc/net/xtcp_stats.
 */
#include <net/icmp.h>
#include <net/ip.h>
#include <net/tcp.h>
#include <net/xfrm.h>

#include "xtcp.h"
#include "request.h"
#include "proto/buffers.h"
#include "proto/cookie.h"
#include "proto/segment.h"

/* The checksum covers a pseudo-header naming TCP (RFC 9293 §3.1). */
static bool xtcp_checksum_ok(struct sk_buff *skb)
{
	if (skb_checksum_init(skb, IPPROTO_TCP, inet_compute_pseudo))
		return false;
	return skb_csum_unnecessary(skb) || !__skb_checksum_complete(skb);
}

/*
 * Fill the control block from the header and the options already parsed.
 * IP's control block, which the first fields overlap, moves to @header.
 */
static void xtcp_fill_cb(struct sk_buff *skb, unsigned int hlen,
			 const struct xtcp_options *opts)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u8 flags = tcp_flag_byte(th);

	memmove(&cb->header.h4, IPCB(skb), sizeof(struct inet_skb_parm));
	memset(cb, 0, offsetof(struct xtcp_skb_cb, header));
	cb->seq = ntohl(th->seq);
	cb->end_seq = cb->seq + skb->len - hlen +
		      !!(flags & TCPHDR_SYN) + !!(flags & TCPHDR_FIN);
	cb->ack_seq = ntohl(th->ack_seq);
	cb->window = ntohs(th->window);
	cb->flags = flags;
	cb->mss = opts->has_mss ? opts->mss : 0;
	cb->wscale = opts->has_wscale ? opts->wscale : XTCP_COOKIE_NO_WSCALE;
	cb->sack_ok = opts->sack_permitted;
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
	bh_lock_sock_nested(sk);
	if (!sock_owned_by_user(sk)) {
		xtcp_rcv_state(sk, skb);
	} else if (unlikely(sk_add_backlog(sk, skb,
			xtcp_backlog_limit(READ_ONCE(sk->sk_rcvbuf),
					   READ_ONCE(sk->sk_sndbuf),
					   XTCP_BACKLOG_HEADROOM)))) {
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_BACKLOGDROP);
		kfree_skb(skb);
	}
	bh_unlock_sock(sk);
}

/*
 * May the SYN @skb, with sequence number @seq, start a new incarnation of
 * TIME_WAIT @sk? By its timestamp when both have one (RFC 6191), else by
 * its sequence number (RFC 1122 §4.2.2.13).
 */
static bool xtcp_tw_syn_may_reopen(struct sock *sk, const struct sk_buff *skb,
				   u32 seq)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 tsval, tsecr;

	if (xs->ts_ok && xtcp_skb_ts(skb, &tsval, &tsecr))
		return xtcp_tw_syn_reopens_ts(&xs->ts_recent, tsval,
					      xtcp_ts_secs(), seq, xs->rcv_nxt);
	return xtcp_tw_syn_reopens(seq, xs->rcv_nxt);
}

/*
 * End TIME_WAIT @sk for a SYN with sequence number @seq if the SYN may
 * reopen the connection; *@iss is then the new connection's ISS. True also
 * if @sk closed since the lookup (its timer, or a copy of this SYN on
 * another CPU): then the listener decides, as for a new SYN.
 */
static bool xtcp_time_wait_reopen(struct sock *sk, const struct sk_buff *skb,
				  u32 seq, bool *reopens, u32 *iss)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool reopen = false;

	bh_lock_sock_nested(sk);
	if (sk->sk_state == TCP_CLOSE) {
		reopen = true;
	} else if (sk->sk_state == TCP_TIME_WAIT && !sock_owned_by_user(sk) &&
		   xtcp_tw_syn_may_reopen(sk, skb, seq)) {
		*reopens = true;
		*iss = xtcp_tw_reopen_iss(xs->snd_nxt);
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
				       struct sk_buff *skb, bool *reopens,
				       u32 *iss)
{
	const struct tcphdr *th = tcp_hdr(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct sock *listener;

	if ((tcp_flag_byte(th) & (TCPHDR_SYN | TCPHDR_ACK | TCPHDR_RST |
				  TCPHDR_FIN)) != TCPHDR_SYN)
		return sk;
	listener = xtcp_lookup_listener(net, iph->saddr, th->source,
					iph->daddr, th->dest, inet_iif(skb));
	if (!listener)
		return sk;
	if (!xtcp_time_wait_reopen(sk, skb, ntohl(th->seq), reopens, iss)) {
		sock_put(listener);
		return sk;
	}
	sock_put(sk);
	return listener;
}

/*
 * What the system says about @skb for @sk, as TCP asks it: the IPsec
 * policy (a socket's own, or the namespace's: .no_policy leaves this to
 * us), then the socket filter and the LSM (sk_filter_trim_cap(), which
 * may trim the payload but never the @hlen header bytes). A TIME_WAIT
 * socket, like TCP's minisocket, has no filter of its own any more.
 */
static bool xtcp_rcv_allowed(struct sock *sk, struct sk_buff *skb,
			     unsigned int hlen)
{
	struct net *net = sock_net(sk);

	if (!xfrm4_policy_check(sk, XFRM_POLICY_IN, skb)) {
		xtcp_inc_stat(net, XTCP_MIB_POLICYDROP);
		return false;
	}
	nf_reset_ct(skb);
	if (READ_ONCE(sk->sk_state) != TCP_TIME_WAIT &&
	    sk_filter_trim_cap(sk, skb, hlen)) {
		xtcp_inc_stat(net, XTCP_MIB_FILTERDROP);
		return false;
	}
	return true;
}

/*
 * @skb belongs to half-open connection @req: the listener's policy,
 * filter and LSM decide, as for the SYN (TCP asks the listener too).
 */
static void xtcp_req_input(struct xtcp_request *req, struct sk_buff *skb,
			   unsigned int hlen, const struct xtcp_options *opts)
{
	if (!xtcp_rcv_allowed(req->listener, skb, hlen)) {
		kfree_skb(skb);
		return;
	}
	xtcp_fill_cb(skb, hlen, opts);
	__skb_pull(skb, hlen);
	skb_dst_drop(skb);
	xtcp_req_rcv(req, skb);
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
	struct xtcp_options opts;
	const struct iphdr *iph;
	const struct tcphdr *th;
	bool reopens = false, from_listener = false;
	u32 reopen_iss = 0;
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
	th = tcp_hdr(skb);
	if (xtcp_parse_options((const u8 *)(th + 1), hlen - sizeof(*th),
			       tcp_flag_byte(th) & TCPHDR_SYN, &opts)) {
		xtcp_inc_stat(net, XTCP_MIB_INOPTERRORS);
		goto drop;
	}
	iph = ip_hdr(skb);

	sk = xtcp_lookup(net, iph->saddr, th->source, iph->daddr, th->dest,
			 inet_iif(skb));
	if (sk && ((1 << READ_ONCE(sk->sk_state)) &
		   (TCPF_TIME_WAIT | TCPF_CLOSE))) {
		struct sock *tw = sk;

		sk = xtcp_time_wait_syn(net, sk, skb, &reopens, &reopen_iss);
		from_listener = sk != tw;	/* handed on to a listener */
	}
	if (!sk) {
		struct xtcp_request *req;

		req = xtcp_req_lookup(net, iph->saddr, th->source, iph->daddr,
				      th->dest, inet_iif(skb));
		if (req) {
			xtcp_req_input(req, skb, hlen, &opts);
			xtcp_req_put(req);
			return 0;
		}
		sk = xtcp_lookup_listener(net, iph->saddr, th->source,
					  iph->daddr, th->dest, inet_iif(skb));
		from_listener = true;
	}
	if (!sk) {
		if (!xfrm4_policy_check(NULL, XFRM_POLICY_IN, skb)) {
			xtcp_inc_stat(net, XTCP_MIB_POLICYDROP);
			goto drop;
		}
		xtcp_inc_stat(net, XTCP_MIB_INNOSOCKET);
		xtcp_fill_cb(skb, hlen, &opts);
		xtcp_send_reset_for(net, skb);
		goto drop;
	}
	if (!xtcp_rcv_allowed(sk, skb, hlen)) {
		sock_put(sk);
		goto drop;
	}
	xtcp_fill_cb(skb, hlen, &opts);
	XTCP_SKB_CB(skb)->reopens_time_wait = reopens;
	XTCP_SKB_CB(skb)->reopen_iss = reopen_iss;
	/* The data now starts after the header; cb keeps the sequence. */
	__skb_pull(skb, hlen);
	skb_dst_drop(skb);
	/* A listener's SYNs and ACKs need no socket lock (listen.c). */
	if (READ_ONCE(sk->sk_state) == TCP_LISTEN) {
		struct sock *child = NULL;

		/*
		 * An ACK may have missed the child that another CPU made of
		 * its request a moment ago (it enters the connection table
		 * just before the request leaves its own): look again
		 * rather than reset a connection being born. The barrier
		 * pairs with xtcp_make_child()'s: the request was seen gone
		 * (or never seen), so the child's entry is seen too.
		 */
		smp_rmb();
		if (XTCP_SKB_CB(skb)->flags & TCPHDR_ACK)
			child = xtcp_lookup(net, iph->saddr, th->source,
					    iph->daddr, th->dest,
					    inet_iif(skb));
		if (!child) {
			xtcp_listen_rcv(sk, skb);
			sock_put(sk);
			return 0;
		}
		sock_put(sk);
		sk = child;
	} else if (from_listener) {
		/*
		 * It stopped listening since the lookup: the segment was
		 * meant for no connection of its new life.
		 */
		xtcp_inc_stat(net, XTCP_MIB_INNOSOCKET);
		sock_put(sk);
		goto drop;
	}
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
 * xtcp_release_cb() - proto.release_cb: work that softirq left for the
 * socket's owner, run by release_sock() before it lets the socket go.
 * @sk: the socket, still owned.
 */
void xtcp_release_cb(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (test_and_clear_bit(XTCP_DEFER_MTU, &xs->deferred))
		xtcp_mtu_reduced(sk, READ_ONCE(xs->mtu_info));
}

/* ICMP_FRAG_NEEDED (RFC 1191): follow the path MTU, now or at release. */
static void xtcp_v4_frag_needed(struct sock *sk, u32 mtu)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (sk->sk_state == TCP_LISTEN)
		return;
	WRITE_ONCE(xs->mtu_info, mtu);
	if (!sock_owned_by_user(sk))
		xtcp_mtu_reduced(sk, mtu);
	else
		set_bit(XTCP_DEFER_MTU, &xs->deferred);
}

/*
 * An ICMP error about a SYN-ACK of a half-open connection: believed only
 * if it quotes the request's ISS; a hard error ends the request, as in
 * Linux's tcp_req_err() (the peer cannot be reached, so it is no client).
 */
static int xtcp_v4_req_err(struct net *net, const struct iphdr *iph,
			   const struct tcphdr *th, u32 seq, int type,
			   int code, int dif)
{
	struct xtcp_request *req;

	req = xtcp_req_lookup(net, iph->daddr, th->dest, iph->saddr,
			      th->source, dif);
	if (!req)
		return -ENOENT;
	if (seq != req->iss)
		xtcp_inc_stat(net, XTCP_MIB_OUTOFWINDOWICMPS);
	else if (type == ICMP_DEST_UNREACH && code <= NR_ICMP_UNREACH &&
		 code != ICMP_FRAG_NEEDED && icmp_err_convert[code].fatal &&
		 xtcp_req_unlink(req))
		xtcp_inc_stat(net, XTCP_MIB_LISTENDROPS);
	xtcp_req_put(req);
	return 0;
}

/**
 * xtcp_v4_err() - net_protocol.err_handler: ICMP errors for our segments.
 * @skb: the ICMP message; its data is the quoted IP header and the first
 *	8 bytes of our segment.
 * @info: for fragmentation needed, the next hop's MTU.
 *
 * As TCP does, an error is believed only if the segment it quotes could be
 * one we have in flight, SND.UNA <= SEG.SEQ <= SND.NXT (RFC 5927 §4.1):
 * an attacker who knows the 4-tuple but not the sequence numbers cannot
 * make us fail a connection or shrink its MSS. Fragmentation needed
 * lowers the path MTU (RFC 1191). An unreachable destination fails a
 * connection still in SYN_SENT, as RFC 1122 §4.2.3.9 allows; other errors
 * are soft and only recorded.
 *
 * Return: 0, or a negative errno if no socket took the error.
 */
int xtcp_v4_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	int type = icmp_hdr(skb)->type, code = icmp_hdr(skb)->code;
	struct net *net = dev_net(skb->dev);
	const struct tcphdr *th;
	struct xtcp_sock *xs;
	struct sock *sk;
	u32 seq;
	int err;

	if (!pskb_may_pull(skb, iph->ihl * 4 + 8))
		return -EINVAL;
	iph = (const struct iphdr *)skb->data;
	th = (const struct tcphdr *)(skb->data + iph->ihl * 4);
	/* The quoted segment went from us: look it up from our side. */
	sk = xtcp_lookup(net, iph->daddr, th->dest, iph->saddr, th->source,
			 inet_iif(skb));
	seq = ntohl(th->seq);
	if (!sk)
		return xtcp_v4_req_err(net, iph, th, seq, type, code,
				       inet_iif(skb));
	xs = xtcp_sk(sk);
	bh_lock_sock(sk);
	if ((1 << sk->sk_state) & (TCPF_LISTEN | TCPF_CLOSE | TCPF_TIME_WAIT))
		goto out;
	if (!xtcp_seq_in(seq, xs->snd_una, xs->snd_nxt + 1)) {
		xtcp_inc_stat(net, XTCP_MIB_OUTOFWINDOWICMPS);
		goto out;
	}
	if (type != ICMP_DEST_UNREACH || code > NR_ICMP_UNREACH)
		goto out;
	if (code == ICMP_FRAG_NEEDED) {
		xtcp_v4_frag_needed(sk, info);
		goto out;
	}
	err = icmp_err_convert[code].errno;
	if (sk->sk_state == TCP_SYN_SENT && !sock_owned_by_user(sk) &&
	    icmp_err_convert[code].fatal) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
		xtcp_done(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, err);
	}
out:
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;
}
