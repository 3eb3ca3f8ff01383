// SPDX-License-Identifier: GPL-2.0
/*
 * ipv4.c - what xtcp needs from its network layer, for IPv4: the
 * checksum's pseudo-header, handing a segment to IP, path MTUs, and the IP
 * header of a reply that has no socket. The rest of xtcp reaches these
 * through struct xtcp_af_ops, so IPv6 only adds a table of its own.
 */
#include <net/ip.h>
#include <net/protocol.h>
#include <net/route.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "request.h"

/* RFC 9293 §3.1: checksum with a pseudo-header that says protocol 6. */
static void xtcp_v4_csum(struct sk_buff *skb, __be32 saddr, __be32 daddr)
{
	struct tcphdr *th = tcp_hdr(skb);

	th->check = 0;
	th->check = csum_tcpudp_magic(saddr, daddr, skb->len, IPPROTO_TCP,
				      skb_checksum(skb, 0, skb->len, 0));
	skb->ip_summed = CHECKSUM_NONE;
}

/*
 * A connection's segment. When its route's device checksums whatever the
 * protocol (NETIF_F_HW_CSUM: veth, loopback, virtio-net), the sum is left
 * to it, as TCP's (CHECKSUM_PARTIAL, our pseudo-header as the seed), and
 * the stack sums in software wherever the packet meets a device that
 * cannot (validate_xmit_skb()). A device that only offloads TCP and UDP
 * (NETIF_F_IP_CSUM) may not look past the protocol byte: xtcp sums then.
 */
static void xtcp_v4_send_check(struct sock *sk, struct sk_buff *skb)
{
	const struct dst_entry *dst = __sk_dst_get(sk);
	struct inet_sock *inet = inet_sk(sk);

	/* A GSO skb is summed piece by piece when it is cut (offload.c). */
	if (skb_is_gso(skb) ||
	    (dst && dst->dev && (dst->dev->features & NETIF_F_HW_CSUM))) {
		tcp_hdr(skb)->check = ~tcp_v4_check(skb->len, inet->inet_saddr,
						    inet->inet_daddr, 0);
		skb->ip_summed = CHECKSUM_PARTIAL;
		skb->csum_start = skb_transport_header(skb) - skb->head;
		skb->csum_offset = offsetof(struct tcphdr, check);
		return;
	}
	xtcp_v4_csum(skb, inet->inet_saddr, inet->inet_daddr);
}

/* One piece of a GSO skb, @len TCP bytes (xtcp_gso_segment()). */
static void xtcp_v4_gso_csum(struct sk_buff *seg, unsigned int len, bool hw)
{
	const struct iphdr *iph = ip_hdr(seg);
	struct tcphdr *th = tcp_hdr(seg);

	if (hw) {
		th->check = ~tcp_v4_check(len, iph->saddr, iph->daddr, 0);
		seg->csum_start = skb_transport_header(seg) - seg->head;
		seg->csum_offset = offsetof(struct tcphdr, check);
		return;
	}
	th->check = 0;
	th->check = tcp_v4_check(len, iph->saddr, iph->daddr,
				 skb_checksum(seg, skb_transport_offset(seg),
					      len, 0));
	seg->ip_summed = CHECKSUM_NONE;
}

static struct sk_buff *xtcp_v4_gso_segment(struct sk_buff *skb,
					   netdev_features_t features)
{
	if (!(skb_shinfo(skb)->gso_type & SKB_GSO_TCPV4))
		return ERR_PTR(-EINVAL);
	return xtcp_gso_segment(skb, features, xtcp_v4_gso_csum);
}

static const struct net_offload xtcp_v4_offload = {
	.callbacks = {
		.gso_segment = xtcp_v4_gso_segment,
	},
};

/**
 * xtcp_v4_offload_init() - let the stack cut xtcp's GSO skbs (offload.c)
 * where a device cannot take them whole.
 * @protocol: xtcp's IP protocol number.
 *
 * Return: 0, or -EBUSY if another offload has the number.
 */
int xtcp_v4_offload_init(u8 protocol)
{
	return inet_add_offload(&xtcp_v4_offload, protocol) ? -EBUSY : 0;
}

/**
 * xtcp_v4_offload_exit() - undo xtcp_v4_offload_init(); waits for callers
 * in flight (synchronize_net()).
 * @protocol: xtcp's IP protocol number.
 */
void xtcp_v4_offload_exit(u8 protocol)
{
	inet_del_offload(&xtcp_v4_offload, protocol);
}

static int xtcp_v4_queue_xmit(struct sock *sk, struct sk_buff *skb)
{
	xtcp_clear_ip_cb(skb);
	return ip_queue_xmit(sk, skb, &inet_sk(sk)->cork.fl);
}

/* The MTU of a fresh route to @sk's peer; 0 if there is none. */
static u32 xtcp_v4_route_mtu(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct flowi4 fl4;
	struct rtable *rt;
	u32 mtu;

	rt = ip_route_output_ports(sock_net(sk), &fl4, sk, inet->inet_daddr,
				   inet->inet_saddr, inet->inet_dport,
				   inet->inet_sport, sk->sk_protocol,
				   ip_sock_rt_tos(sk), sk->sk_bound_dev_if);
	if (IS_ERR(rt))
		return 0;
	mtu = dst_mtu(&rt->dst);
	ip_rt_put(rt);
	return mtu;
}

/*
 * An ICMP error said the path takes no more than @mtu: record it in the
 * route (so later connections start with it, as TCP's do) and return the
 * route's MTU now, which IP keeps at least at its minimum (route.min_pmtu).
 */
static u32 xtcp_v4_update_pmtu(struct sock *sk, u32 mtu)
{
	struct dst_entry *dst = __sk_dst_check(sk, 0);

	if (dst)
		dst->ops->update_pmtu(dst, sk, NULL, mtu, true);
	dst = __sk_dst_check(sk, 0);
	return dst ? dst_mtu(dst) : xtcp_v4_route_mtu(sk);
}

/*
 * Put an IP header on @skb (a finished TCP segment) from @saddr to @daddr
 * and send it on route @rt, which the skb takes over.
 */
static int xtcp_v4_out(struct net *net, struct sk_buff *skb,
		       struct rtable *rt, __be32 saddr, __be32 daddr,
		       u8 protocol, u8 tos)
{
	struct iphdr *oiph;

	xtcp_v4_csum(skb, saddr, daddr);
	oiph = skb_push(skb, sizeof(*oiph));
	skb_reset_network_header(skb);
	oiph->version = 4;
	oiph->ihl = 5;
	oiph->tos = tos;
	oiph->frag_off = htons(IP_DF);
	oiph->ttl = ip4_dst_hoplimit(&rt->dst);
	oiph->protocol = protocol;
	oiph->saddr = saddr;
	oiph->daddr = daddr;
	oiph->tot_len = htons(skb->len);
	ip_select_ident(net, skb, NULL);
	skb->protocol = htons(ETH_P_IP);
	skb_dst_set(skb, &rt->dst);
	xtcp_clear_ip_cb(skb);
	return ip_local_out(net, NULL, skb);
}

/*
 * Send @skb, a TCP header (and nothing else) answering @in, back to where
 * @in came from, with @in's IP protocol byte.
 */
static void xtcp_v4_send_reply(struct net *net, struct sk_buff *in,
			       struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(in);
	const struct tcphdr *th = tcp_hdr(skb);
	struct flowi4 fl4;
	struct rtable *rt;

	rt = ip_route_output_ports(net, &fl4, NULL, iph->saddr, iph->daddr,
				   th->dest, th->source, iph->protocol,
				   iph->tos & IPTOS_TOS_MASK, inet_iif(in));
	if (IS_ERR(rt)) {
		kfree_skb(skb);
		return;
	}
	xtcp_v4_out(net, skb, rt, iph->daddr, iph->saddr, iph->protocol,
		    iph->tos);
}

/* The route from listener @sk to the peer of @req, as for its child. */
static struct dst_entry *xtcp_v4_route_req(struct sock *sk,
					   const struct xtcp_request *req)
{
	struct flowi4 fl4;
	struct rtable *rt;

	rt = ip_route_output_ports(sock_net(sk), &fl4, sk, req->raddr,
				   req->laddr, req->rport, req->lport,
				   sk->sk_protocol, ip_sock_rt_tos(sk),
				   req->dif);
	return IS_ERR(rt) ? NULL : &rt->dst;
}

static int xtcp_v4_send_req(struct sock *sk, const struct xtcp_request *req,
			    struct sk_buff *skb, struct dst_entry *dst)
{
	return xtcp_v4_out(sock_net(sk), skb, (struct rtable *)dst,
			   req->laddr, req->raddr, sk->sk_protocol,
			   READ_ONCE(inet_sk(sk)->tos));
}

/* IP_PMTUDISC_DONT, _INTERFACE and _OMIT ignore what ICMP says. */
static bool xtcp_v4_accept_pmtu(const struct sock *sk)
{
	return READ_ONCE(inet_sk(sk)->pmtudisc) != IP_PMTUDISC_DONT &&
	       ip_sk_accept_pmtu(sk);
}

/** xtcp_ipv4_ops - IPv4 for xtcp. */
static bool xtcp_v4_is_loopback(const struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);

	return sk->sk_bound_dev_if == LOOPBACK_IFINDEX ||
	       ipv4_is_loopback(inet->inet_daddr) ||
	       ipv4_is_loopback(inet->inet_rcv_saddr);
}

const struct xtcp_af_ops xtcp_ipv4_ops = {
	.net_header_len = sizeof(struct iphdr),
	.gso_type = SKB_GSO_TCPV4 | SKB_GSO_FRAGLIST,
	.send_check = xtcp_v4_send_check,
	.queue_xmit = xtcp_v4_queue_xmit,
	.route_mtu = xtcp_v4_route_mtu,
	.update_pmtu = xtcp_v4_update_pmtu,
	.accept_pmtu = xtcp_v4_accept_pmtu,
	.send_reply = xtcp_v4_send_reply,
	.route_req = xtcp_v4_route_req,
	.send_req = xtcp_v4_send_req,
	.is_loopback = xtcp_v4_is_loopback,
};
