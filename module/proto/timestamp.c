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
