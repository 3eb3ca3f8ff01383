// SPDX-License-Identifier: GPL-2.0
/*
 * test_rack.c - module/proto/rack.c: RACK's send order with ties and
 * wraparound, its reordering window (RFC 8985 §6.2 step 3, Linux's
 * choices), and the time left to a segment sent before a delivered one.
 */
#include "kselftest_harness.h"
#include "rack.h"

TEST(sent_after_by_time_then_sequence)
{
	EXPECT_TRUE(xtcp_rack_sent_after(2000, 100, 1000, 900));
	EXPECT_FALSE(xtcp_rack_sent_after(1000, 900, 2000, 100));
	/* same tick: the higher segment went out later */
	EXPECT_TRUE(xtcp_rack_sent_after(1000, 900, 1000, 100));
	EXPECT_FALSE(xtcp_rack_sent_after(1000, 100, 1000, 900));
	/* itself is not after itself */
	EXPECT_FALSE(xtcp_rack_sent_after(1000, 100, 1000, 100));
	/* across the clock's wrap and the sequence space's */
	EXPECT_TRUE(xtcp_rack_sent_after(5, 0, 0xfffffff0u, 0));
	EXPECT_TRUE(xtcp_rack_sent_after(7, 0x10, 7, 0xfffffff0u));
}

TEST(reo_wnd_quarter_min_rtt_capped)
{
	/* no reordering seen, in recovery: nothing to wait for */
	EXPECT_EQ(0u, xtcp_rack_reo_wnd(8000, 10000, false, true));
	/* reordering seen: a quarter of the lowest RTT, even in recovery */
	EXPECT_EQ(2000u, xtcp_rack_reo_wnd(8000, 10000, true, true));
	/* not in recovery */
	EXPECT_EQ(2000u, xtcp_rack_reo_wnd(8000, 10000, false, false));
	/* never above the smoothed RTT */
	EXPECT_EQ(1000u, xtcp_rack_reo_wnd(8000, 1000, true, false));
	/* no smoothed RTT yet: no cap */
	EXPECT_EQ(2000u, xtcp_rack_reo_wnd(8000, 0, true, false));
	EXPECT_EQ(0u, xtcp_rack_reo_wnd(0, 0, true, false));
}

TEST(remaining_time)
{
	/* sent 300 us ago, RTT 200, window 50: lost 50 us ago */
	EXPECT_EQ(-50, xtcp_rack_remaining(1300, 1000, 200, 50));
	/* sent 100 us ago: 150 to go */
	EXPECT_EQ(150, xtcp_rack_remaining(1100, 1000, 200, 50));
	/* exactly due */
	EXPECT_EQ(0, xtcp_rack_remaining(1250, 1000, 200, 50));
	/* the clock wrapped since the transmission */
	EXPECT_EQ(-84, xtcp_rack_remaining(100, 0xffffff00u, 200, 72));
	/* huge values saturate instead of wrapping */
	EXPECT_EQ(0x7fffffff, xtcp_rack_remaining(0, 0, 0xffffffffu,
						  0xffffffffu));
}

TEST(probe_timeout)
{
	/* SRTT 10 ms (x8 = 80000): 2 SRTT + 2 ms, or + RTO_min alone */
	EXPECT_EQ(22000u, xtcp_tlp_pto_us(80000, 5, 200000));
	EXPECT_EQ(220000u, xtcp_tlp_pto_us(80000, 1, 200000));
	/* no RTT yet: the caller's initial RTO */
	EXPECT_EQ(0u, xtcp_tlp_pto_us(0, 3, 200000));
	/* saturates instead of wrapping */
	EXPECT_EQ(0xffffffffu, xtcp_tlp_pto_us(0xffffffffu, 1, 0xffffffffu));
}

TEST_HARNESS_MAIN
