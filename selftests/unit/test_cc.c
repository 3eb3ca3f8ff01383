// SPDX-License-Identifier: GPL-2.0
/*
 * test_cc.c - congestion window arithmetic of module/proto/cc.c: the
 * initial window (RFC 6928), slow start by acknowledged segments up to
 * the threshold, one segment per window in congestion avoidance, Reno's
 * halving, and the window after a pause (halved per RTO, down to the
 * initial window).
 */
#include "kselftest_harness.h"
#include "cc.h"

TEST(initial_window)
{
	struct xtcp_cwnd w;

	xtcp_cwnd_init(&w);
	EXPECT_EQ(10u, w.cwnd);
	EXPECT_EQ(XTCP_INFINITE_SSTHRESH, w.ssthresh);
}

/* Each acknowledged segment adds one below the threshold. */
TEST(slow_start_doubles_per_window)
{
	struct xtcp_cwnd w;

	xtcp_cwnd_init(&w);
	xtcp_reno_increase(&w, 10);
	EXPECT_EQ(20u, w.cwnd);
	xtcp_reno_increase(&w, 20);
	EXPECT_EQ(40u, w.cwnd);
	/* one ACK per segment gives the same */
	for (int i = 0; i < 40; i++)
		xtcp_reno_increase(&w, 1);
	EXPECT_EQ(80u, w.cwnd);
}

/* At the threshold the rest goes to congestion avoidance. */
TEST(slow_start_stops_at_ssthresh)
{
	struct xtcp_cwnd w = { .cwnd = 10, .ssthresh = 14 };

	EXPECT_EQ(6u, xtcp_slow_start(&w, 10));
	EXPECT_EQ(14u, w.cwnd);
	EXPECT_EQ(5u, xtcp_slow_start(&w, 5));
	EXPECT_EQ(14u, w.cwnd);
}

/* Above it: one segment per window's worth of ACKs. */
TEST(congestion_avoidance_one_per_window)
{
	struct xtcp_cwnd w = { .cwnd = 20, .ssthresh = 10 };
	int i;

	for (i = 0; i < 19; i++)
		xtcp_reno_increase(&w, 1);
	EXPECT_EQ(20u, w.cwnd);
	xtcp_reno_increase(&w, 1);
	EXPECT_EQ(21u, w.cwnd);
	/* a stretch ACK of two windows: two more */
	xtcp_reno_increase(&w, 42);
	EXPECT_EQ(23u, w.cwnd);
	/* never wraps */
	w.cwnd = 0x3ffffff0U;
	xtcp_reno_increase(&w, 0xffffffffU);
	EXPECT_LE(w.cwnd, 0x3fffffffU);
	EXPECT_GE(w.cwnd, 0x3ffffff0U);
	w = (struct xtcp_cwnd){ .cwnd = 5, .ssthresh = XTCP_INFINITE_SSTHRESH };
	xtcp_reno_increase(&w, 0xffffffffU);
	EXPECT_LE(w.cwnd, 0x3fffffffU);
}

TEST(reno_halves)
{
	EXPECT_EQ(10u, xtcp_reno_ssthresh(20));
	EXPECT_EQ(10u, xtcp_reno_ssthresh(21));
	EXPECT_EQ(2u, xtcp_reno_ssthresh(3));
	EXPECT_EQ(2u, xtcp_reno_ssthresh(1));
	EXPECT_EQ(2u, xtcp_reno_ssthresh(0));
}

TEST(restart_after_idle)
{
	/* shorter than an RTO: unchanged */
	EXPECT_EQ(80u, xtcp_cwnd_restart(80, 100, 200));
	/* halved per RTO of silence */
	EXPECT_EQ(40u, xtcp_cwnd_restart(80, 201, 200));
	EXPECT_EQ(20u, xtcp_cwnd_restart(80, 401, 200));
	/* never below the initial window */
	EXPECT_EQ(10u, xtcp_cwnd_restart(80, 100000, 200));
	/* a small window stays */
	EXPECT_EQ(4u, xtcp_cwnd_restart(4, 100000, 200));
	EXPECT_EQ(80u, xtcp_cwnd_restart(80, 100000, 0));
}

TEST_HARNESS_MAIN
