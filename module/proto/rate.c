// SPDX-License-Identifier: GPL-2.0
/*
 * rate.c - delivery-rate sample arithmetic. Compiled into xtcp.ko and,
 * unchanged, into the unit tests (selftests/unit/test_rate.c).
 *
 * A sample covers the segments one ACK delivers. It spans the longer of
 * two intervals: from the first to the last transmission of the flight
 * they belong to (the send rate) and from the delivery before the newest
 * of them was sent to this ACK (the ACK rate). Taking the longer keeps a
 * compressed burst of ACKs, or a burst of sends, from overstating what the
 * path carries.
 */
#include "rate.h"

/**
 * xtcp_rate_interval() - the span of a delivery-rate sample.
 * @send_us: microseconds between the flight's first transmission and the
 *	newest delivered segment's.
 * @ack_us: microseconds between the delivery current when that segment
 *	was sent and this ACK.
 * @min_rtt_us: the connection's lowest RTT, 0 if none yet.
 *
 * Return: the longer interval, or 0 (no sample) if it is shorter than the
 * lowest RTT: a delivery cannot truly take less than a round trip, so such
 * a sample only shows how closely ACKs bunched.
 */
u32 xtcp_rate_interval(u32 send_us, u32 ack_us, u32 min_rtt_us)
{
	u32 interval = send_us > ack_us ? send_us : ack_us;

	if (!interval || interval < min_rtt_us)
		return 0;
	return interval;
}

/**
 * xtcp_delivery_rate() - bytes per second of a sample.
 * @delivered: segments the sample delivered.
 * @mss: bytes per segment.
 * @interval_us: the sample's span, from xtcp_rate_interval().
 *
 * Return: the rate, 0 without a span, saturated at U64_MAX.
 */
u64 xtcp_delivery_rate(u32 delivered, u32 mss, u32 interval_us)
{
	u64 bytes = (u64)delivered * mss;

	if (!interval_us)
		return 0;
	if (bytes > ~0ULL / 1000000ULL)
		return ~0ULL;	/* no real sample comes near */
	return bytes * 1000000ULL / interval_us;
}
