// SPDX-License-Identifier: GPL-2.0
/*
 * test_buffers.c - socket buffer arithmetic of module/proto/buffers.c at
 * the sizes users can force (SO_SNDBUFFORCE / SO_RCVBUFFORCE up to
 * INT_MAX): when writers wake (a third of the send buffer free), the
 * backlog limit (both buffers plus headroom, never wrapping), the window
 * scale, and the autotuned receive buffer.
 */
#include <limits.h>

#include "kselftest_harness.h"
#include "buffers.h"

TEST(sndbuf_wakes_at_two_thirds)
{
	EXPECT_TRUE(xtcp_sndbuf_wakes(0, 3000));
	EXPECT_TRUE(xtcp_sndbuf_wakes(2000, 3000));
	EXPECT_FALSE(xtcp_sndbuf_wakes(2001, 3000));
	EXPECT_FALSE(xtcp_sndbuf_wakes(3000, 3000));
}

/*
 * sk_sndbuf * 2 / 3 in int arithmetic overflows above INT_MAX / 2: the
 * limit turned negative and writers were never woken again.
 */
TEST(sndbuf_wakes_near_int_max)
{
	EXPECT_TRUE(xtcp_sndbuf_wakes(0, INT_MAX));
	EXPECT_TRUE(xtcp_sndbuf_wakes(INT_MAX / 2, INT_MAX));
	EXPECT_TRUE(xtcp_sndbuf_wakes(1 << 29, (1 << 30) + 4096));
	EXPECT_TRUE(xtcp_sndbuf_wakes(INT_MAX / 3 * 2, INT_MAX));
	EXPECT_FALSE(xtcp_sndbuf_wakes(INT_MAX, INT_MAX));
	EXPECT_FALSE(xtcp_sndbuf_wakes(INT_MAX / 3 * 2 + 2, INT_MAX));
}

TEST(backlog_limit_sums)
{
	EXPECT_EQ(131072u + 16384u + 65536u,
		  xtcp_backlog_limit(131072, 16384, 65536));
	EXPECT_EQ(65536u, xtcp_backlog_limit(0, 0, 65536));
	EXPECT_EQ(65536u, xtcp_backlog_limit(-5, -7, 65536));
}

TEST(backlog_limit_never_wraps)
{
	EXPECT_EQ(0xffffffffu, xtcp_backlog_limit(INT_MAX, INT_MAX, 65536));
	EXPECT_EQ((u32)INT_MAX + 65536u, xtcp_backlog_limit(INT_MAX, 0, 65536));
}

/* The smallest shift whose window field can say the space; 14 at most. */
TEST(wscale_from_space)
{
	EXPECT_EQ(0, xtcp_rcv_wscale(0));
	EXPECT_EQ(0, xtcp_rcv_wscale(65535));
	EXPECT_EQ(1, xtcp_rcv_wscale(65536));
	EXPECT_EQ(1, xtcp_rcv_wscale(131071));
	EXPECT_EQ(2, xtcp_rcv_wscale(131072));
	/* Linux's defaults: tcp_rmem[2] 6 MiB -> 7; rmem_max 208 KiB -> 2 */
	EXPECT_EQ(7, xtcp_rcv_wscale(6291456));
	EXPECT_EQ(2, xtcp_rcv_wscale(212992));
	EXPECT_EQ(14, xtcp_rcv_wscale(0x3fffffffU));
	EXPECT_EQ(14, xtcp_rcv_wscale(0xffffffffU));
	for (u32 s = 1; s < 0x40000000U; s = s * 3 + 1) {
		u8 w = xtcp_rcv_wscale(s);

		EXPECT_LE(s >> w, 0xffffu);
		if (w)
			EXPECT_GT(s >> (w - 1), 0xffffu);
	}
}

/*
 * Autotuning: twice what was read plus 16 segments, at least twice that
 * in memory (the window is half the free buffer), or what the segments
 * cost if more; never above the cap, never wrapping.
 */
TEST(drs_rcvbuf)
{
	/* 64 KiB read, MSS 1448: window 2*65536 + 16*1448 = 154240 */
	EXPECT_EQ(2 * 154240, xtcp_drs_rcvbuf(65536, 1448, 2304, 6291456));
	/* truesize above twice the MSS: the segments' memory counts */
	EXPECT_EQ(107 * 4096, xtcp_drs_rcvbuf(65536, 1448, 4096, 6291456));
	/* capped at rmem[2] */
	EXPECT_EQ(6291456, xtcp_drs_rcvbuf(8 << 20, 1448, 2304, 6291456));
	EXPECT_EQ(6291456, xtcp_drs_rcvbuf(0xffffffffU, 65483, 70000,
					   6291456));
	EXPECT_EQ(INT_MAX, xtcp_drs_rcvbuf(0xffffffffU, 1448, 4096, INT_MAX));
	EXPECT_EQ(0, xtcp_drs_rcvbuf(65536, 1448, 2304, -1));
	/* grows with what was read */
	EXPECT_LT(xtcp_drs_rcvbuf(100000, 1448, 2304, INT_MAX),
		  xtcp_drs_rcvbuf(200000, 1448, 2304, INT_MAX));
}

TEST_HARNESS_MAIN
