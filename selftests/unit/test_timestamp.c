// SPDX-License-Identifier: GPL-2.0
/*
 * test_timestamp.c - module/proto/timestamp.c: the TSval clock, RFC 7323's
 * TS.Recent update rule, PAWS (with its tolerance, the 24-day rule and
 * the RST exception), and SYN cookie options in a TSval: every option
 * combination round-trips, the value never runs ahead of the clock,
 * stale, future and ECN-marked echoes are refused, all across a wrap.
 */
#include "kselftest_harness.h"
#include "timestamp.h"

TEST(clock_with_offset_wraps)
{
	EXPECT_EQ(1000u, xtcp_ts_now(1000, 0));
	EXPECT_EQ(5u, xtcp_ts_now(0xfffffffbU + 5, 5));
	EXPECT_EQ(9u, xtcp_ts_now(0xfffffffeU, 11));
}

TEST(ts_recent_update_rule)
{
	struct xtcp_ts_recent r = { .val = 1000, .stamp = 7 };

	/* in-order segment at the ACK point, newer value: taken */
	EXPECT_TRUE(xtcp_ts_should_update(&r, 5000, 5000, 1001, 8));
	/* equal value still counts (>=) */
	EXPECT_TRUE(xtcp_ts_should_update(&r, 5000, 5000, 1000, 8));
	/* a segment beyond the last ACK sent (out of order) is not */
	EXPECT_FALSE(xtcp_ts_should_update(&r, 5001, 5000, 2000, 8));
	/* an older value is not */
	EXPECT_FALSE(xtcp_ts_should_update(&r, 4000, 5000, 999, 8));
	/* sequence and clock both across their wrap */
	r.val = 0xfffffff0U;
	EXPECT_TRUE(xtcp_ts_should_update(&r, 0xffffff00U, 10, 0x10, 8));
	EXPECT_FALSE(xtcp_ts_should_update(&r, 20, 10, 0x10, 8));
	xtcp_ts_update(&r, 0x10, 99);
	EXPECT_EQ(0x10u, r.val);
	EXPECT_EQ(99u, r.stamp);
	/* 24 days on, an "older" value replaces it: the clock has moved on */
	EXPECT_FALSE(xtcp_ts_should_update(&r, 10, 10, 0x8,
					   99 + XTCP_PAWS_IDLE_SECS - 1));
	EXPECT_TRUE(xtcp_ts_should_update(&r, 10, 10, 0x8,
					  99 + XTCP_PAWS_IDLE_SECS));
	/* but never from beyond the last ACK */
	EXPECT_FALSE(xtcp_ts_should_update(&r, 11, 10, 0x8,
					   99 + XTCP_PAWS_IDLE_SECS));
}

TEST(paws)
{
	struct xtcp_ts_recent r = { .val = 100000, .stamp = 1000 };

	EXPECT_FALSE(xtcp_paws_reject(&r, 100000, 1001, false));
	EXPECT_FALSE(xtcp_paws_reject(&r, 100500, 1001, false));
	/* one tick back is tolerated, two are not */
	EXPECT_FALSE(xtcp_paws_reject(&r, 99999, 1001, false));
	EXPECT_TRUE(xtcp_paws_reject(&r, 99998, 1001, false));
	/* a RST: rejected while TS.Recent is young, let through after 60 s */
	EXPECT_TRUE(xtcp_paws_reject(&r, 5, 1059, true));
	EXPECT_FALSE(xtcp_paws_reject(&r, 5, 1060, true));
	EXPECT_TRUE(xtcp_paws_reject(&r, 5, 1060, false));
	/* 24 days idle: TS.Recent no longer judges */
	EXPECT_TRUE(xtcp_paws_reject(&r, 5, 1000 + XTCP_PAWS_IDLE_SECS - 1,
				     false));
	EXPECT_FALSE(xtcp_paws_reject(&r, 5, 1000 + XTCP_PAWS_IDLE_SECS,
				      false));
	/* no TS.Recent yet */
	r.val = 0;
	EXPECT_FALSE(xtcp_paws_reject(&r, 0x80000000U, 1001, false));
	/* across the clock's wrap: 0x10 is newer than 0xfffffff0 */
	r.val = 0xfffffff0U;
	EXPECT_FALSE(xtcp_paws_reject(&r, 0x10, 1001, false));
	EXPECT_TRUE(xtcp_paws_reject(&r, 0xffffff00U, 1001, false));
}

TEST(cookie_options_round_trip)
{
	static const u32 clocks[] = { 0, 63, 64, 1000000, 0xffffffc0U,
				      0xffffffffU, 0x7fffffffU };

	for (unsigned int c = 0; c < sizeof(clocks) / sizeof(clocks[0]); c++) {
		for (unsigned int ws = 0; ws <= 15; ws++) {
			for (int sack = 0; sack < 2; sack++) {
				struct xtcp_cookie_opts o = { 2, ws, sack, true };
				struct xtcp_cookie_opts r = { 2, 99, !sack, true };
				u32 now = clocks[c];
				u32 ts = xtcp_ts_cookie_encode(now, &o);

				/* never ahead of the clock, at most 63 behind */
				EXPECT_LE(now - ts, 63u);
				EXPECT_GE((s32)(now - ts), 0);
				/* echoed back a little later */
				ASSERT_TRUE(xtcp_ts_cookie_decode(ts, now + 500,
								  1000, &r));
				EXPECT_EQ(ws <= 14 ? ws : XTCP_COOKIE_NO_WSCALE,
					  r.wscale);
				EXPECT_EQ(!!sack, r.sack_ok);
				EXPECT_EQ(2, r.mss_idx);
			}
		}
	}
}

TEST(cookie_echo_refused)
{
	struct xtcp_cookie_opts o = { 0, 7, true, true }, r = o;
	u32 ts = xtcp_ts_cookie_encode(100000, &o);

	/* from the future */
	EXPECT_FALSE(xtcp_ts_cookie_decode(ts + 64, 100000, 1000, &r));
	/* too old */
	EXPECT_FALSE(xtcp_ts_cookie_decode(ts, ts + 1001, 1000, &r));
	EXPECT_TRUE(xtcp_ts_cookie_decode(ts, ts + 1000, 1000, &r));
	/* an ECN bit we never set */
	EXPECT_FALSE(xtcp_ts_cookie_decode(ts | XTCP_TS_COOKIE_ECN, ts + 1,
					   1000, &r));
}

/*
 * RFC 6191: with timestamps, a newer TSval reopens TIME_WAIT whatever the
 * sequence number, an older one never does, an equal one leaves it to
 * the sequence rule.
 */
TEST(time_wait_syn_by_timestamp)
{
	struct xtcp_ts_recent r = { .val = 5000, .stamp = 100 };
	u32 nxt = 0xfffffff0u;

	EXPECT_TRUE(xtcp_tw_syn_reopens_ts(&r, 5001, 101, nxt - 100, nxt));
	EXPECT_TRUE(xtcp_tw_syn_reopens_ts(&r, 5000U + 0x7fffffffU, 101,
					   nxt, nxt));
	EXPECT_FALSE(xtcp_tw_syn_reopens_ts(&r, 4000, 101, nxt + 100, nxt));
	EXPECT_TRUE(xtcp_tw_syn_reopens_ts(&r, 5000, 101, nxt + 100, nxt));
	EXPECT_FALSE(xtcp_tw_syn_reopens_ts(&r, 5000, 101, nxt, nxt));
	/* Within PAWS's one-tick slack: not rejected, not newer either. */
	EXPECT_TRUE(xtcp_tw_syn_reopens_ts(&r, 4999, 101, nxt + 1, nxt));
	EXPECT_FALSE(xtcp_tw_syn_reopens_ts(&r, 4999, 101, nxt - 1, nxt));
	/* A TS.Recent past 24 days no longer rejects. */
	EXPECT_TRUE(xtcp_tw_syn_reopens_ts(&r, 4000,
					   100 + XTCP_PAWS_IDLE_SECS,
					   nxt + 1, nxt));
}

TEST(time_wait_reuse_rule)
{
	struct xtcp_ts_recent r = { .val = 7, .stamp = 0xffffffffu };

	/* Never without the old connection's timestamps. */
	EXPECT_FALSE(xtcp_tw_reuse_ok(1, true, true, NULL, 5));
	/* An explicitly bound port reuses whatever the mode and clock. */
	EXPECT_TRUE(xtcp_tw_reuse_ok(0, false, true, &r, 0xffffffffu));
	/* Ephemeral: mode 1 anywhere, 2 on loopback, once a second passed. */
	EXPECT_FALSE(xtcp_tw_reuse_ok(0, true, false, &r, 10));
	EXPECT_TRUE(xtcp_tw_reuse_ok(1, false, false, &r, 0));
	EXPECT_FALSE(xtcp_tw_reuse_ok(1, false, false, &r, 0xffffffffu));
	EXPECT_TRUE(xtcp_tw_reuse_ok(2, true, false, &r, 0));
	EXPECT_FALSE(xtcp_tw_reuse_ok(2, false, false, &r, 0));
}

TEST_HARNESS_MAIN
