// SPDX-License-Identifier: GPL-2.0
/*
 * syncookie.c - SYN cookies (net.xtcp.syncookies): when a listener's SYN
 * queue is full (or always, with 2) its SYN-ACK's ISN encodes the SYN
 * (proto/cookie.c has the layout and its strength) and nothing is kept; a
 * final ACK that brings a valid cookie back makes the connection directly.
 * The MAC is SipHash with a secret per namespace, over the 4-tuple, the
 * peer's ISN, a one-minute clock and the option bits.
 *
 * Cookies are checked only while they can be valid: when the listener
 * sent one in the last two minutes, or with syncookies 2. Any other ACK
 * for a listener costs no hash (Linux's tcp_synq_no_recent_overflow()).
 *
 * When the SYN had timestamps, the cookie SYN-ACK's TSval carries the
 * window scale and SACK-permitted (request.c's xtcp_req_tsval()) and the
 * final ACK's TSecr brings them back; the ISN then has a longer MAC.
 */
#include <linux/siphash.h>
#include <linux/ktime.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "request.h"
#include "proto/cookie.h"

/* Linux's TCP_SYNCOOKIE_VALID: how long a listener checks cookies. */
#define XTCP_COOKIE_VALID	((XTCP_COOKIE_MAX_AGE + 1) * 60 * HZ)
/*
 * How old (ms) a cookie TSval may come back: a cookie's lifetime, plus
 * the 63 ticks the encoding may lag the clock.
 */
#define XTCP_COOKIE_TS_MAX_AGE \
	((XTCP_COOKIE_MAX_AGE + 1) * 60 * MSEC_PER_SEC + XTCP_TS_COOKIE_MASK)

/* The cookie clock: minutes, as Linux's tcp_cookie_time(). */
static u32 xtcp_cookie_clock(void)
{
	return (u32)(ktime_get_seconds() / 60);
}

static u32 xtcp_cookie_mac(const struct net *net, __be32 laddr,
			   __be32 raddr, __be16 lport, __be16 rport,
			   u32 peer_isn, u32 clock, u32 opt_bits)
{
	const struct xtcp_net *xn = xtcp_pernet(net);

	return (u32)siphash_3u64((u64)(__force u32)laddr << 32 |
				 (__force u32)raddr,
				 (u64)((__force u32)lport << 16 |
				       (__force u32)rport) << 32 | peer_isn,
				 (u64)clock << 32 | opt_bits,
				 &xn->cookie_key);
}

/**
 * xtcp_cookie_isn() - the cookie for @req, filled in from a SYN: its ISS.
 * @sk: the listener, which now checks cookies for a while.
 * @req: the request, not published (it is only the SYN-ACK's source); its
 *	MSS, window scale and SACK-permitted are what the cookie keeps.
 *
 * Return: the cookie; @req->mss is rounded to what the cookie keeps.
 */
u32 xtcp_cookie_isn(struct sock *sk, struct xtcp_request *req)
{
	struct xtcp_cookie_opts o = {
		.mss_idx = xtcp_cookie_mss_index(req->mss ? req->mss :
						 XTCP_DEFAULT_MSS),
		.wscale = req->wscale,
		.sack_ok = req->sack_ok,
		.ts = req->ts_ok,
	};
	u32 clock = xtcp_cookie_clock(), mac;

	mac = xtcp_cookie_mac(sock_net(sk), req->laddr, req->raddr,
			      req->lport, req->rport, req->irs, clock,
			      xtcp_cookie_opt_bits(&o));
	req->mss = xtcp_cookie_mss(o.mss_idx);
	WRITE_ONCE(xtcp_sk(sk)->synq->last_overflow, jiffies);
	return xtcp_cookie_pack(mac, clock, &o);
}

/**
 * xtcp_cookie_wanted() - may an ACK for listener @sk carry a cookie?
 * @sk: the listener.
 *
 * Return: true with syncookies 2, or 1 and a cookie sent in the last
 * XTCP_COOKIE_VALID.
 */
bool xtcp_cookie_wanted(const struct sock *sk)
{
	u8 mode = READ_ONCE(xtcp_pernet(sock_net(sk))->syncookies);
	const struct xtcp_synq *q = xtcp_sk(sk)->synq;
	unsigned long last;

	if (!mode || !q)
		return false;
	if (mode == 2)
		return true;
	last = READ_ONCE(q->last_overflow);
	return last && time_before(jiffies, last + XTCP_COOKIE_VALID);
}

/**
 * xtcp_cookie_check() - is the final ACK @skb's acknowledgment a cookie
 * we made? If so, fill @req in as the request the SYN would have made.
 * @sk: the listener.
 * @skb: the ACK, its control block filled.
 * @req: the request to fill in (on the caller's stack; never published).
 *
 * With a timestamp option on the ACK the cookie is read in its timestamp
 * layout, the options from the TSecr, which must be an echo of ours no
 * older than a cookie lives: a peer that sent timestamps in its SYN got
 * them in the SYN-ACK and must send them now (RFC 7323 §3.2).
 *
 * Return: true if valid (counted in SyncookiesRecv), false if not
 * (SyncookiesFailed).
 */
bool xtcp_cookie_check(struct sock *sk, struct sk_buff *skb,
		       struct xtcp_request *req)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	const struct iphdr *iph = ip_hdr(skb);
	u32 cookie = cb->ack_seq - 1, peer_isn = cb->seq - 1, clock;
	struct xtcp_cookie_opts o = { };
	struct net *net = sock_net(sk);
	u32 tsval = 0, tsecr, ts_now;

	o.ts = xtcp_skb_ts(skb, &tsval, &tsecr);
	if (o.ts) {
		ts_now = xtcp_ts_now(xtcp_ts_clock_ms(),
				     xtcp_ts_offset(net, iph->daddr,
						    iph->saddr, th->dest,
						    th->source));
		if (!xtcp_ts_cookie_decode(tsecr, ts_now,
					   XTCP_COOKIE_TS_MAX_AGE, &o))
			goto fail;
	}
	if (!xtcp_cookie_unpack(cookie, xtcp_cookie_clock(), &clock, &o) ||
	    !xtcp_cookie_mac_ok(cookie,
				xtcp_cookie_mac(net, iph->daddr, iph->saddr,
						th->dest, th->source, peer_isn,
						clock,
						xtcp_cookie_opt_bits(&o)),
				o.ts))
		goto fail;
	xtcp_inc_stat(net, XTCP_MIB_SYNCOOKIESRECV);
	xtcp_req_init_stack(sk, req);
	xtcp_req_init_tuple(sk, req, skb);
	req->cookie = 1;
	req->iss = cookie;
	req->irs = peer_isn;
	req->mss = xtcp_cookie_mss(o.mss_idx);
	req->wscale = o.wscale;
	req->rcv_wscale = xtcp_req_rcv_wscale(sk, req->wscale);
	req->sack_ok = o.sack_ok;
	req->ts_ok = o.ts;
	req->ts_recent = tsval;
	return true;

fail:
	xtcp_inc_stat(net, XTCP_MIB_SYNCOOKIESFAILED);
	return false;
}
