// SPDX-License-Identifier: GPL-2.0
/*
 * test_nagle.c - module/proto/nagle.c: Nagle's algorithm with Minshall's
 * variant, TCP_NODELAY, TCP_CORK / MSG_MORE and a forced push, across the
 * sequence-space wrap.
 */
#include "kselftest_harness.h"
#include "nagle.h"

static const u32 bases[] = { 1000, 0xfffffff0u, 0x7ffffff0u };

TEST(full_segments_and_fin_always_go)
{
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		u32 b = bases[i];

		EXPECT_FALSE(xtcp_nagle_hold(1448, 1448, XTCP_NAGLE_CORK,
					     false, b + 10, b, b + 100));
		EXPECT_FALSE(xtcp_nagle_hold(10, 1448, XTCP_NAGLE_CORK, true,
					     b + 10, b, b + 100));
		EXPECT_FALSE(xtcp_nagle_hold(10, 1448, XTCP_NAGLE_CORK |
					     XTCP_NAGLE_PUSH, false, b + 10,
					     b, b + 100));
	}
}

TEST(minshall)
{
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		u32 b = bases[i];

		/* Nothing in flight: a small segment goes. */
		EXPECT_FALSE(xtcp_nagle_hold(10, 1448, 0, false, b, b, b));
		/* A small one unacknowledged: the next waits. */
		EXPECT_TRUE(xtcp_nagle_hold(10, 1448, 0, false, b + 50, b,
					    b + 50));
		EXPECT_TRUE(xtcp_nagle_hold(10, 1448, 0, false, b + 1, b,
					    b + 3000));
		/* Only full ones in flight (the small one was acked). */
		EXPECT_FALSE(xtcp_nagle_hold(10, 1448, 0, false, b, b,
					     b + 2896));
		EXPECT_FALSE(xtcp_nagle_hold(10, 1448, 0, false, b - 5, b,
					     b + 2896));
		/* NODELAY sends it anyway; CORK holds it even then. */
		EXPECT_FALSE(xtcp_nagle_hold(10, 1448, XTCP_NAGLE_OFF, false,
					     b + 50, b, b + 50));
		EXPECT_TRUE(xtcp_nagle_hold(10, 1448, XTCP_NAGLE_OFF |
					    XTCP_NAGLE_CORK, false, b, b, b));
	}
}

TEST(small_segment_remembered)
{
	EXPECT_EQ(5000u, xtcp_nagle_sent(100, 10, 1448, 5000));
	EXPECT_EQ(100u, xtcp_nagle_sent(100, 1448, 1448, 5000));
	EXPECT_EQ(3u, xtcp_nagle_sent(0xfffffff0u, 536, 1448, 3));
}

TEST_HARNESS_MAIN
