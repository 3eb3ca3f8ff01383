// SPDX-License-Identifier: GPL-2.0
/*
 * timestamps.c - the timestamp option on xtcp's connections (RFC 7323):
 * the clock our TSvals count, which connections use the option, what a
 * received segment's option says, TS.Recent and PAWS. The rules
 * themselves are in proto/timestamp.c; this file applies them to sockets.
 *
 * The option is offered in our SYN when net.xtcp.timestamps is 1 or 2
 * and used on every later segment only if the peer's SYN (or SYN-ACK)
 * carried it too (RFC 7323 §3.2). A listener's side is in listen.c and
 * request.c: a request remembers the SYN's TSval, its child inherits it.
 */
#include <linux/ktime.h>
#include <net/tcp.h>

#include "xtcp.h"

/**
 * xtcp_ts_clock_ms() - the clock of our TSvals: milliseconds of the
 * monotonic clock, as Linux's (RFC 7323 §5.4 allows 1 ms to 1 s a tick).
 *
 * Return: the clock, wrapping at 2^32.
 */
u32 xtcp_ts_clock_ms(void)
{
	return (u32)div_u64(ktime_get_ns(), NSEC_PER_MSEC);
}

/**
 * xtcp_ts_secs() - the clock TS.Recent is stamped with, for PAWS's
 * 24-day and 60-second rules.
 *
 * Return: monotonic seconds.
 */
u32 xtcp_ts_secs(void)
{
	return (u32)ktime_get_seconds();
}

/**
 * xtcp_tsval() - the TSval @sk sends now.
 * @sk: the connection.
 *
 * Return: the clock plus the connection's offset.
 */
u32 xtcp_tsval(const struct sock *sk)
{
	return xtcp_ts_now(xtcp_ts_clock_ms(), xtcp_sk(sk)->ts_off);
}

/**
 * xtcp_skb_ts() - the timestamp option of a received segment, read from
 * its TCP header (still in the skb's head after rcv.c pulled it).
 * @skb: the segment; rcv.c checked its header and options.
 * @tsval: set to the TSval if there is one.
 * @tsecr: set to the TSecr if there is one.
 *
 * Return: true if the segment carries a timestamp option.
 */
bool xtcp_skb_ts(const struct sk_buff *skb, u32 *tsval, u32 *tsecr)
{
	const struct tcphdr *th = tcp_hdr(skb);
	unsigned int len = th->doff * 4 - sizeof(*th);

	return len && xtcp_find_ts((const u8 *)(th + 1), len, tsval, tsecr);
}

/**
 * xtcp_ts_connect() - an active open: offer timestamps if the namespace
 * wants them, with this 4-tuple's offset.
 * @sk: the connecting socket, its addresses and ports chosen.
 *
 * Context: socket locked.
 */
void xtcp_ts_connect(struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct net *net = sock_net(sk);

	xtcp_assert_locked(sk);
	xs->ts_ok = READ_ONCE(xtcp_pernet(net)->timestamps) != 0;
	xs->ts_off = xs->ts_ok ? xtcp_ts_offset(net, inet->inet_saddr,
						inet->inet_daddr,
						inet->inet_sport,
						inet->inet_dport) : 0;
}

/**
 * xtcp_ts_syn_in() - the peer's SYN-ACK (or, in a simultaneous open, its
 * SYN) arrived in SYN_SENT: timestamps stay on only if it has them too,
 * and its TSval is the first TS.Recent.
 * @sk: the connection, in SYN_SENT.
 * @skb: the peer's SYN.
 *
 * Context: socket locked.
 */
void xtcp_ts_syn_in(struct sock *sk, const struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 val, ecr;

	xtcp_assert_locked(sk);
	if (!xs->ts_ok)
		return;
	if (!xtcp_skb_ts(skb, &val, &ecr)) {
		xs->ts_ok = 0;
		return;
	}
	xtcp_ts_update(&xs->ts_recent, val, xtcp_ts_secs());
}

/*
 * Linux's exception to PAWS (its tcp_disordered_ack()): a pure ACK that
 * moves nothing, with a TSval no older than one RTO, is likely just
 * reordered behind newer segments, and dropping it would cost nothing
 * but also gain nothing; taking it keeps fast retransmit's count right.
 */
static bool xtcp_ts_disordered_ack(const struct sock *sk,
				   const struct sk_buff *skb, u32 tsval)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return (cb->flags & (TCPHDR_SYN | TCPHDR_FIN | TCPHDR_RST |
			     TCPHDR_ACK)) == TCPHDR_ACK &&
	       cb->seq == cb->end_seq && cb->seq == xs->rcv_nxt &&
	       cb->ack_seq == xs->snd_una && xtcp_seg_window(sk, cb) == xs->snd_wnd &&
	       (s32)(xs->ts_recent.val - tsval) <= (s32)jiffies_to_msecs(xs->rto);
}

/**
 * xtcp_ts_paws_reject() - RFC 7323 §5.3: read @skb's timestamp into @ts
 * and judge it against TS.Recent.
 * @sk: a synchronized or TIME_WAIT connection.
 * @skb: the segment.
 * @ts: set to what the segment carries; @ts->has is false if the
 *	connection does not use timestamps. Segments without the option are
 *	accepted, as Linux does (RFC 7323 §3.2 says they SHOULD be dropped).
 *
 * Context: socket locked.
 * Return: true if the segment is an old duplicate to drop (the caller
 * counts it and answers it with an ACK unless it is a RST).
 */
bool xtcp_ts_paws_reject(struct sock *sk, const struct sk_buff *skb,
			 struct xtcp_seg_ts *ts)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);
	ts->has = xs->ts_ok && xtcp_skb_ts(skb, &ts->val, &ts->ecr);
	if (!ts->has)
		return false;
	if (!xtcp_paws_reject(&xs->ts_recent, ts->val, xtcp_ts_secs(),
			      XTCP_SKB_CB(skb)->flags & TCPHDR_RST))
		return false;
	return !xtcp_ts_disordered_ack(sk, skb, ts->val);
}

/**
 * xtcp_ts_take() - RFC 7323 §4.3: an acceptable segment's TSval becomes
 * TS.Recent if the segment starts at or before our last ACK (rcv_wup)
 * and the value did not go back.
 * @sk: the connection.
 * @seq: the segment's first sequence number.
 * @ts: its timestamp, from xtcp_ts_paws_reject().
 *
 * Context: socket locked.
 */
void xtcp_ts_take(struct sock *sk, u32 seq, const struct xtcp_seg_ts *ts)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 now = xtcp_ts_secs();

	if (ts->has && xtcp_ts_should_update(&xs->ts_recent, seq, xs->rcv_wup,
					     ts->val, now))
		xtcp_ts_update(&xs->ts_recent, ts->val, now);
}
