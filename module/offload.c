// SPDX-License-Identifier: GPL-2.0
/*
 * offload.c - segmentation offload (GSO) for xtcp: one skb carries up to
 * 64 KB of consecutive full segments down the stack, as TCP's GSO skbs do.
 *
 * Why: below the socket every packet costs a trip through IP, netfilter,
 * the qdisc and the device, and over veth through the peer's IP receive
 * path too. TCP sends one such trip per 64 KB; with one per MSS (1448
 * bytes on a 1500-byte link) xtcp moved a tenth of TCP's bytes over veth.
 *
 * How it is built: the write queue keeps one MSS-sized skb per segment
 * (retransmission, SACK and RACK work on them unchanged). To send a run
 * of them, xtcp_gso_build() makes a header-only skb whose frag_list holds
 * a clone of each; its one TCP header is the first segment's.
 *
 * Where it is cut: loopback, veth and bridges hand such an skb on whole,
 * and the receiving xtcp takes it as one long segment (rcv.c counts its
 * segments). Anywhere else (a device without segmentation offload, TUN, a
 * router's slower port) the stack cuts it in software through the offload
 * xtcp registers for its protocol number: xtcp_gso_segment(), which gives
 * each piece its own sequence number and checksum. The skbs are typed
 * SKB_GSO_FRAGLIST as well as TCP, which no NIC's TSO engine claims, so a
 * NIC never cuts a protocol-253 packet by its idea of TCP: the software
 * path always runs before hardware.
 *
 * Context: xtcp_gso_build() under the socket lock; xtcp_gso_segment() in
 * whatever context transmits (softirq included), touching only the skb.
 */
#include <net/tcp.h>

#include "xtcp.h"

/**
 * xtcp_gso_max_segs() - how many full segments one GSO skb of @sk may
 * carry now.
 * @sk: the socket; its route's capabilities come from sk_setup_caps().
 * @mss: the segment size.
 *
 * Return: at least 1; 1 when the route takes no GSO skbs.
 */
unsigned int xtcp_gso_max_segs(const struct sock *sk, unsigned int mss)
{
	unsigned int limit;

	if (!sk_can_gso(sk) || !mss)
		return 1;
	/* An IPv4 packet's length field stops at 64 KB, headers included. */
	limit = min_t(unsigned int, sk->sk_gso_max_size, 65536) - 1 -
		XTCP_MAX_HEADER;
	return clamp_t(unsigned int, limit / mss, 1, sk->sk_gso_max_segs);
}

/**
 * xtcp_gso_build() - one GSO skb carrying @n consecutive unsent segments
 * of the write queue, from @first on; the caller adds the header.
 * @sk: the socket.
 * @first: the first segment; each but the last holds exactly the MSS.
 * @n: how many, at least 2.
 * @flags: the segments' TCP flags are ORed into it (PSH ends up on the
 *	last piece only: xtcp_gso_segment()).
 *
 * Context: socket locked.
 * Return: the skb, or NULL without memory.
 */
struct sk_buff *xtcp_gso_build(struct sock *sk, struct sk_buff *first,
			       unsigned int n, u8 *flags)
{
	struct sk_buff *head, *skb = first, **tail;
	unsigned int i;

	xtcp_assert_locked(sk);
	head = alloc_skb(XTCP_MAX_HEADER, GFP_ATOMIC);
	if (!head)
		return NULL;
	skb_reserve(head, XTCP_MAX_HEADER);
	tail = &skb_shinfo(head)->frag_list;
	for (i = 0; i < n; i++, skb = skb->next) {
		struct sk_buff *c = skb_clone(skb, GFP_ATOMIC);

		if (!c) {
			kfree_skb(head);	/* frees the clones as well */
			return NULL;
		}
		*tail = c;
		tail = &c->next;
		head->len += c->len;
		head->data_len += c->len;
		head->truesize += c->truesize;
		*flags |= XTCP_SKB_CB(skb)->flags;
	}
	skb_shinfo(head)->gso_size = xtcp_sk(sk)->mss;
	skb_shinfo(head)->gso_segs = n;
	skb_shinfo(head)->gso_type = sk->sk_gso_type;
	return head;
}

/**
 * xtcp_gso_segment() - cut a GSO skb into segments (the offload callback,
 * reached from the IP layer's inet_gso_segment()).
 * @skb: the GSO skb, its data at the TCP header.
 * @features: what the device does; without NETIF_F_HW_CSUM each piece is
 *	summed here, since a device that only sums TCP and UDP may not look
 *	past the protocol byte.
 * @csum: the family's checksum for one piece of @len TCP bytes; seeds the
 *	pseudo-header when @hw is true, sums it all otherwise.
 *
 * Every piece gets the header of the first, with its own sequence number;
 * PSH and FIN stay on the last one and CWR on the first, as a sender that
 * sent them one by one would have set them.
 *
 * Context: any; @skb comes from xtcp or a (maybe hostile) peer whose GSO
 * packet is forwarded, so every length is checked.
 * Return: the list of pieces, or an ERR_PTR().
 */
struct sk_buff *xtcp_gso_segment(struct sk_buff *skb,
				 netdev_features_t features,
				 void (*csum)(struct sk_buff *seg,
					      unsigned int len, bool hw))
{
	bool hw = features & NETIF_F_HW_CSUM;
	struct sk_buff *segs, *seg;
	unsigned int thlen, mss;
	struct tcphdr *th;
	u32 seq;

	if (!pskb_may_pull(skb, sizeof(*th)))
		return ERR_PTR(-EINVAL);
	th = tcp_hdr(skb);
	thlen = th->doff * 4;
	if (thlen < sizeof(*th) || !pskb_may_pull(skb, thlen))
		return ERR_PTR(-EINVAL);
	mss = skb_shinfo(skb)->gso_size;
	if (!mss || skb->len - thlen <= mss)
		return ERR_PTR(-EINVAL);
	th = tcp_hdr(skb);
	seq = ntohl(th->seq);
	__skb_pull(skb, thlen);
	segs = skb_segment(skb, features);
	if (IS_ERR_OR_NULL(segs))
		return segs ? : ERR_PTR(-EINVAL);
	for (seg = segs; seg; seg = seg->next) {
		unsigned int len = seg->len - skb_transport_offset(seg);

		th = tcp_hdr(seg);
		th->seq = htonl(seq);
		if (seg->next) {
			th->fin = 0;
			th->psh = 0;
		}
		if (seg != segs)
			th->cwr = 0;
		seq += len - thlen;
		csum(seg, len, hw && seg->ip_summed == CHECKSUM_PARTIAL);
	}
	return segs;
}
