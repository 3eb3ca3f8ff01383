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

/* RFC 6937: PRR with its slow-start reduction bound, as Linux. */
TEST(prr_first_ack)
{
	/* 20 in flight, one lost, three SACKed: 16 left, 2 may go */
	EXPECT_EQ(2u, xtcp_prr_sndcnt(16, 10, 20, 3, 0, 3, false));
	/* the fast retransmit already went: one more */
	EXPECT_EQ(1u, xtcp_prr_sndcnt(17, 10, 20, 3, 1, 3, false));
	/* a share of 0 before anything went still sends the retransmit */
	EXPECT_EQ(1u, xtcp_prr_sndcnt(10, 10, 20, 0, 0, 0, false));
	/* no window to divide by: no fault, a share as of one */
	EXPECT_EQ(30u, xtcp_prr_sndcnt(50, 10, 0, 3, 0, 3, false));
}

/*
 * One segment delivered per ACK from a window of 20 halved to 10, one of
 * them lost: one segment goes for every second ACK, never a burst, as a
 * share of what was delivered (RFC 6937 §3) while the flight is above
 * ssthresh; then it stays at ssthresh, one out per one delivered.
 */
TEST(prr_proportional)
{
	u32 in_flight = 19, delivered = 0, out = 0, i, n;

	for (i = 0; i < 24; i++) {
		delivered++;
		in_flight--;
		n = xtcp_prr_sndcnt(in_flight, 10, 20, delivered, out, 1,
				    false);
		ASSERT_GE(1u, n) TH_LOG("ACK %u: %u at once", i, n);
		out += n;
		if (in_flight > 10) {
			EXPECT_EQ((delivered * 10 + 19) / 20, out)
				TH_LOG("ACK %u", i);
		}
		in_flight += n;
		EXPECT_LE(10u, in_flight) TH_LOG("ACK %u: below ssthresh", i);
	}
	EXPECT_EQ(10u, in_flight);
	EXPECT_EQ(15u, out);	/* 8 while shrinking, then one per ACK */
}

TEST(prr_below_ssthresh)
{
	/* catch up what was delivered and not sent, as slow start would */
	EXPECT_EQ(2u, xtcp_prr_sndcnt(5, 10, 20, 8, 6, 1, false));
	EXPECT_EQ(3u, xtcp_prr_sndcnt(5, 10, 20, 8, 6, 1, true));
	/* this ACK's deliveries at least */
	EXPECT_EQ(4u, xtcp_prr_sndcnt(2, 10, 20, 8, 8, 4, false));
	/* never beyond ssthresh */
	EXPECT_EQ(1u, xtcp_prr_sndcnt(9, 10, 20, 10, 2, 4, false));
	EXPECT_EQ(0u, xtcp_prr_sndcnt(10, 10, 20, 10, 2, 4, true));
}

TEST_HARNESS_MAIN
