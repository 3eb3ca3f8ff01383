// SPDX-License-Identifier: GPL-2.0
/*
 * test_rate.c - module/proto/rate.c: a delivery-rate sample spans the
 * longer of its send and ACK intervals, none shorter than min_rtt, and
 * the rate comes out in bytes per second, saturating, never wrapping.
 */
#include "kselftest_harness.h"
#include "rate.h"

TEST(interval_is_the_longer)
{
	EXPECT_EQ(5000u, xtcp_rate_interval(5000, 3000, 1000));
	EXPECT_EQ(7000u, xtcp_rate_interval(2000, 7000, 1000));
	/* shorter than a round trip: no sample */
	EXPECT_EQ(0u, xtcp_rate_interval(500, 900, 1000));
	EXPECT_EQ(0u, xtcp_rate_interval(0, 0, 0));
	/* no RTT yet: any span counts */
	EXPECT_EQ(10u, xtcp_rate_interval(10, 3, 0));
}

TEST(rate_in_bytes_per_second)
{
	EXPECT_EQ(1448000ULL, xtcp_delivery_rate(10, 1448, 10000));
	EXPECT_EQ(0ULL, xtcp_delivery_rate(10, 1448, 0));
	/* a million 64 KiB segments in 1 us still fit */
	EXPECT_EQ(1000000ULL * 65535 * 1000000ULL,
		  xtcp_delivery_rate(1000000, 65535, 1));
	/* what cannot be, saturates rather than wraps */
	EXPECT_EQ(~0ULL, xtcp_delivery_rate(0xffffffffu, 65535, 1));
}

TEST_HARNESS_MAIN
