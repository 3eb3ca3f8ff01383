// SPDX-License-Identifier: GPL-2.0
/*
 * timestamp.c - RFC 7323's timestamp rules, and SYN cookie options kept
 * in a timestamp value. Compiled into xtcp.ko and, unchanged, into the
 * unit tests (selftests/unit/test_timestamp.c).
 *
 * The clock: TSval counts milliseconds (RFC 7323 §5.4 allows 1 ms to 1 s
 * per tick; Linux uses 1 ms), plus a per-connection offset so that a
 * TSval reveals neither the host's uptime nor one connection's clock to
 * another (RFC 7323 §7.1).
 */
#include "timestamp.h"
#include "segment.h"
#include "seq.h"

/**
 * xtcp_ts_now() - the TSval to send now.
 * @clock_ms: a millisecond clock (wraps at 2^32).
 * @offset: the connection's random offset (0 with net.xtcp.timestamps 2).
 *
 * Return: @clock_ms + @offset, modulo 2^32.
 */
u32 xtcp_ts_now(u32 clock_ms, u32 offset)
{
	return clock_ms + offset;
}

/**
 * xtcp_ts_should_update() - RFC 7323 §4.3 (3): a segment's TSval becomes
 * TS.Recent if the segment starts at or before the last ACK we sent (so
 * the value echoed belongs to the oldest data not yet acknowledged, and
 * delayed ACKs echo the earliest segment) and the value did not go back.
 * @r: the connection's TS.Recent.
 * @seq: the segment's first sequence number.
 * @last_ack_sent: the acknowledgment number of our last ACK (Linux uses
 *	rcv_wup, the rcv_nxt of the last window advertised).
 * @tsval: the segment's TSval.
 * @now_secs: a monotonic clock in seconds: a TS.Recent older than 24 days
 *	is replaced whatever its value, as PAWS no longer trusts it either
 *	(the peer's clock may have moved on by more than half its range).
 *
 * Return: true if @tsval should become TS.Recent.
 */
bool xtcp_ts_should_update(const struct xtcp_ts_recent *r, u32 seq,
			   u32 last_ack_sent, u32 tsval, u32 now_secs)
{
	return xtcp_seq_leq(seq, last_ack_sent) &&
	       ((s32)(tsval - r->val) >= 0 ||
		now_secs - r->stamp >= XTCP_PAWS_IDLE_SECS);
}

/**
 * xtcp_ts_update() - take @tsval as TS.Recent, stamped @now_secs.
 * @r: the connection's TS.Recent.
 * @tsval: the peer's value.
 * @now_secs: a monotonic clock in seconds.
 */
void xtcp_ts_update(struct xtcp_ts_recent *r, u32 tsval, u32 now_secs)
{
	r->val = tsval;
	r->stamp = now_secs;
}

/**
 * xtcp_paws_reject() - RFC 7323 §5.3 (PAWS): a segment whose TSval is
 * older than TS.Recent is an old duplicate and is dropped (and answered
 * with an ACK by the caller, unless it is a RST).
 * @r: the connection's TS.Recent.
 * @tsval: the segment's TSval.
 * @now_secs: a monotonic clock in seconds.
 * @rst: the segment is a RST.
 *
 * As Linux: a lag of up to XTCP_PAWS_WINDOW ticks is tolerated; a
 * TS.Recent of 0 counts as none yet; once TS.Recent is more than 24 days
 * old (§5.5) it no longer judges, since the peer's clock may have wrapped
 * its sign meanwhile; and a RST passes once TS.Recent is older than the
 * longest segment lifetime (60 s), since the peer may have restarted with
 * a new clock.
 *
 * Return: true if the segment must be dropped.
 */
bool xtcp_paws_reject(const struct xtcp_ts_recent *r, u32 tsval,
		      u32 now_secs, bool rst)
{
	u32 idle = now_secs - r->stamp;

	if ((s32)(r->val - tsval) <= XTCP_PAWS_WINDOW || !r->val)
		return false;
	if (idle >= XTCP_PAWS_IDLE_SECS)
		return false;
	if (rst && idle >= 60)
		return false;
	return true;
}

/**
 * xtcp_tw_syn_reopens_ts() - may a SYN arriving in TIME_WAIT start a new
 * incarnation, when both the old connection and the SYN carry timestamps?
 * RFC 6191 §2: the timestamp decides, not the sequence number, so a peer
 * whose new ISN happens to lie below the old RCV.NXT can still reconnect
 * at once, and an old duplicate SYN with a high sequence number cannot
 * end TIME_WAIT. As Linux: a SYN that PAWS rejects never reopens, one
 * with a newer TSval than TS.Recent does, and one with an equal TSval
 * falls back to the sequence rule of RFC 1122 §4.2.2.13.
 * @r: the TIME_WAIT connection's TS.Recent.
 * @tsval: the SYN's TSval.
 * @now_secs: a monotonic clock in seconds.
 * @seq: SEG.SEQ of the SYN.
 * @rcv_nxt: RCV.NXT of the TIME_WAIT connection.
 *
 * Return: true if the TIME_WAIT may end and a listener take the SYN.
 */
bool xtcp_tw_syn_reopens_ts(const struct xtcp_ts_recent *r, u32 tsval,
			    u32 now_secs, u32 seq, u32 rcv_nxt)
{
	if (xtcp_paws_reject(r, tsval, now_secs, false))
		return false;
	if (r->val && (s32)(r->val - tsval) < 0)
		return true;
	return xtcp_tw_syn_reopens(seq, rcv_nxt);
}

/**
 * xtcp_tw_reuse_ok() - may a new outgoing connection take over the
 * 4-tuple of a connection in TIME_WAIT (net.xtcp.tw_reuse)? Only if the
 * old connection used timestamps: then PAWS on the peer's side keeps the
 * old incarnation's segments out of the new one (RFC 7323 §5.8). As
 * Linux's: a port the socket was bound to explicitly may always reuse;
 * an ephemeral port needs tw_reuse 1 (or 2 and a loopback connection) and
 * a TS.Recent at least a clock second old, so that the new SYN's TSval is
 * surely newer than anything the peer saw from the old connection.
 * @mode: net.xtcp.tw_reuse: 0 never, 1 always, 2 loopback only.
 * @loopback: the connection runs over loopback.
 * @port_bound: the new socket's local port came from bind().
 * @r: the TIME_WAIT connection's TS.Recent, NULL if it had no timestamps.
 * @now_secs: the clock of @r->stamp.
 *
 * Return: true if the TIME_WAIT connection may be ended for the new one.
 */
bool xtcp_tw_reuse_ok(u8 mode, bool loopback, bool port_bound,
		      const struct xtcp_ts_recent *r, u32 now_secs)
{
	if (!r)
		return false;
	if (port_bound)
		return true;
	if (!mode || (mode == 2 && !loopback))
		return false;
	return (s32)(now_secs - r->stamp) > 0;
}

/*
 * The options as the 6 low bits: wscale (15 when none), SACK. ECN stays
 * clear until xtcp negotiates it.
 */
static u32 xtcp_ts_cookie_bits(const struct xtcp_cookie_opts *o)
{
	u32 bits = o->wscale <= 14 ? o->wscale : XTCP_TS_COOKIE_WSCALE;

	if (o->sack_ok)
		bits |= XTCP_TS_COOKIE_SACK;
	return bits;
}

/**
 * xtcp_ts_cookie_encode() - the TSval of a cookie SYN-ACK: the clock with
 * its 6 low bits replaced by the SYN's window scale and SACK-permitted, so
 * that they come back in the final ACK's TSecr with no state kept. The
 * value never runs ahead of @ts_now (it would look like a clock from the
 * future to the peer's PAWS), so it may lag by up to 63 ticks.
 * @ts_now: the TSval the connection would send now.
 * @o: the SYN's options (@o->mss_idx stays in the ISN).
 *
 * Return: the TSval to send.
 */
u32 xtcp_ts_cookie_encode(u32 ts_now, const struct xtcp_cookie_opts *o)
{
	u32 ts = (ts_now & ~XTCP_TS_COOKIE_MASK) | xtcp_ts_cookie_bits(o);

	if ((s32)(ts - ts_now) > 0)
		ts -= 1U << XTCP_TS_COOKIE_BITS;
	return ts;
}

/**
 * xtcp_ts_cookie_decode() - the window scale and SACK-permitted of a
 * cookie's SYN, from the TSecr of its final ACK.
 * @tsecr: the final ACK's TSecr.
 * @ts_now: the TSval the listener would send now, to judge the echo.
 * @max_age: how many ticks back an echo may be (the cookie's lifetime).
 * @o: @o->wscale and @o->sack_ok are set; @o->mss_idx is left alone.
 *
 * Return: false if @tsecr is no echo of ours: from the future, older than
 * @max_age, or with a bit we never set (ECN).
 */
bool xtcp_ts_cookie_decode(u32 tsecr, u32 ts_now, u32 max_age,
			   struct xtcp_cookie_opts *o)
{
	u32 bits = tsecr & XTCP_TS_COOKIE_MASK, ws = bits & XTCP_TS_COOKIE_WSCALE;
	u32 age = ts_now - tsecr;

	if ((s32)age < 0 || age > max_age)
		return false;
	if (bits & XTCP_TS_COOKIE_ECN)
		return false;
	o->wscale = ws <= 14 ? ws : XTCP_COOKIE_NO_WSCALE;
	o->sack_ok = bits & XTCP_TS_COOKIE_SACK;
	return true;
}
