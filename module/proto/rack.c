// SPDX-License-Identifier: GPL-2.0
/*
 * rack.c - RACK's time rules (RFC 8985 §6.2), see rack.h.
 */
#include "rack.h"

/**
 * xtcp_rack_sent_after() - RFC 8985 §6.2 RACK_sent_after(): was the
 * transmission at @t1 of the segment ending at @end1 later than the one
 * at @t2 of the segment ending at @end2? Transmissions in the same clock
 * tick are ordered by sequence, as a sender sends a burst in order.
 * @t1: first transmission's time, microseconds.
 * @end1: its segment's end sequence number.
 * @t2: second transmission's time.
 * @end2: its segment's end.
 *
 * Return: true if the first went out after the second.
 */
bool xtcp_rack_sent_after(u32 t1, u32 end1, u32 t2, u32 end2)
{
	if (t1 != t2)
		return (s32)(t1 - t2) > 0;
	return (s32)(end1 - end2) > 0;
}

/**
 * xtcp_rack_reo_wnd() - RFC 8985 §6.2 step 3, as Linux: how long past the
 * RTT a segment sent before a delivered one may still arrive before it is
 * presumed lost.
 * @min_rtt_us: the connection's lowest RTT, 0 if none measured.
 * @srtt_us: the smoothed RTT (not scaled), 0 if none.
 * @reord_seen: reordering was seen on this connection.
 * @no_wait: in recovery, or DupThresh segments are SACKed: without
 *	reordering seen, RACK then waits for nothing (§6.2: the window is
 *	0, as DupThresh would have marked the segment already).
 *
 * Return: a quarter of the lowest RTT, at most the smoothed RTT, or 0.
 */
u32 xtcp_rack_reo_wnd(u32 min_rtt_us, u32 srtt_us, bool reord_seen,
		      bool no_wait)
{
	u32 wnd = min_rtt_us / 4;

	if (no_wait && !reord_seen)
		return 0;
	return srtt_us && wnd > srtt_us ? srtt_us : wnd;
}

/**
 * xtcp_rack_remaining() - RFC 8985 §6.2 step 5: how much longer a segment
 * sent at @xmit_us, before the newest delivered one, may be waited for.
 * @now_us: the clock now.
 * @xmit_us: the segment's latest transmission.
 * @rack_rtt_us: the RTT of the newest delivered transmission.
 * @reo_wnd_us: the reordering window, xtcp_rack_reo_wnd().
 *
 * Return: microseconds left; 0 or less means the segment is lost.
 */
s32 xtcp_rack_remaining(u32 now_us, u32 xmit_us, u32 rack_rtt_us,
			u32 reo_wnd_us)
{
	s64 left = (s64)rack_rtt_us + reo_wnd_us - (u32)(now_us - xmit_us);

	/* a clock jump of more than half its range: saturate, never wrap */
	if (left > 0x7fffffff)
		return 0x7fffffff;
	return left < -0x7fffffff ? -0x7fffffff : (s32)left;
}

/**
 * xtcp_tlp_pto_us() - RFC 8985 §7.2: how long after the last transmission
 * a tail loss probe goes, as Linux computes it: two smoothed RTTs, plus
 * the minimum RTO when a single segment is out (its ACK may be delayed),
 * else 2 ms of slack.
 * @srtt8_us: the smoothed RTT times 8, microseconds; 0 if none yet.
 * @packets_out: segments in flight.
 * @rto_min_us: the minimum RTO.
 *
 * Return: the probe timeout, microseconds; 0 without an RTT (the caller
 * then waits its initial RTO, RFC 8985's 1 s).
 */
u32 xtcp_tlp_pto_us(u32 srtt8_us, u32 packets_out, u32 rto_min_us)
{
	u64 pto;

	if (!srtt8_us)
		return 0;
	pto = (u64)(srtt8_us >> 2) + (packets_out == 1 ? rto_min_us : 2000);
	return pto > 0xffffffffu ? 0xffffffffu : (u32)pto;
}
