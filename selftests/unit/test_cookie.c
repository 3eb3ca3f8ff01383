// SPDX-License-Identifier: GPL-2.0
/*
 * test_cookie.c - the SYN cookie layout of module/proto/cookie.c: the MSS
 * table, option bits surviving a round trip, the clock's window of
 * acceptance (and its wrap), and the MAC check.
 */
#include "kselftest_harness.h"
#include "cookie.h"

TEST(mss_rounds_down)
{
	EXPECT_EQ(0, xtcp_cookie_mss_index(0));
	EXPECT_EQ(0, xtcp_cookie_mss_index(536));
	EXPECT_EQ(0, xtcp_cookie_mss_index(1299));
	EXPECT_EQ(1, xtcp_cookie_mss_index(1300));
	EXPECT_EQ(2, xtcp_cookie_mss_index(1459));
	EXPECT_EQ(3, xtcp_cookie_mss_index(1460));
	EXPECT_EQ(3, xtcp_cookie_mss_index(65535));
	EXPECT_EQ(536, xtcp_cookie_mss(0));
	EXPECT_EQ(1460, xtcp_cookie_mss(3));
	/* never above what the peer offered, unless below the table */
	for (unsigned int m = 536; m < 2000; m++)
		EXPECT_GE(m, xtcp_cookie_mss(xtcp_cookie_mss_index(m)));
}

TEST(options_round_trip)
{
	for (unsigned int ws = 0; ws <= 15; ws++) {
		for (int sack = 0; sack < 2; sack++) {
			for (u8 mi = 0; mi < XTCP_COOKIE_NR_MSS; mi++) {
				struct xtcp_cookie_opts o = { mi, ws, sack, false };
				struct xtcp_cookie_opts r = { 0, 0, 0, false };
				u32 c = xtcp_cookie_pack(0x7fffff, 1001, &o);
				u32 clock;

				ASSERT_TRUE(xtcp_cookie_unpack(c, 1001, &clock,
							       &r));
				EXPECT_EQ(1001u, clock);
				EXPECT_EQ(mi, r.mss_idx);
				EXPECT_EQ(ws > 14 ? XTCP_COOKIE_NO_WSCALE : ws,
					  r.wscale);
				EXPECT_EQ(!!sack, r.sack_ok);
			}
		}
	}
}

/* Good in its tick and the next two; stale after; the clock may wrap. */
TEST(clock_window)
{
	struct xtcp_cookie_opts o = { 3, 7, true, false };
	struct xtcp_cookie_opts r = { 0, 0, false, false };
	u32 clock, c;

	c = xtcp_cookie_pack(0x1234, 100, &o);
	EXPECT_TRUE(xtcp_cookie_unpack(c, 100, &clock, &r));
	EXPECT_EQ(100u, clock);
	EXPECT_TRUE(xtcp_cookie_unpack(c, 101, &clock, &r));
	EXPECT_EQ(100u, clock);
	EXPECT_TRUE(xtcp_cookie_unpack(c, 102, &clock, &r));
	EXPECT_EQ(100u, clock);
	EXPECT_FALSE(xtcp_cookie_unpack(c, 103, &clock, &r));
	/* four ticks later the bits match again, but the tick is wrong */
	EXPECT_TRUE(xtcp_cookie_unpack(c, 104, &clock, &r));
	EXPECT_EQ(104u, clock);
	/* from the future (a clock that went back): stale too */
	EXPECT_FALSE(xtcp_cookie_unpack(c, 99, &clock, &r));
	c = xtcp_cookie_pack(0, 0xffffffff, &o);
	EXPECT_TRUE(xtcp_cookie_unpack(c, 1, &clock, &r));
	EXPECT_EQ(0xffffffffu, clock);
}

TEST(mac_bits)
{
	struct xtcp_cookie_opts o = { 1, 2, false, false };
	u32 c = xtcp_cookie_pack(0xabcdef12, 5, &o);

	EXPECT_TRUE(xtcp_cookie_mac_ok(c, 0xabcdef12, false));
	EXPECT_TRUE(xtcp_cookie_mac_ok(c, 0x12cdef12 & XTCP_COOKIE_MAC_MASK,
				       false));
	EXPECT_FALSE(xtcp_cookie_mac_ok(c, 0xabcdef13, false));
	EXPECT_FALSE(xtcp_cookie_mac_ok(c ^ 1, 0xabcdef12, false));
	/* the option bits are outside the MAC: flipping them leaves it */
	EXPECT_TRUE(xtcp_cookie_mac_ok(c ^ (1u << 23), 0xabcdef12, false));
	EXPECT_EQ(0x3bu, xtcp_cookie_opt_bits(&(struct xtcp_cookie_opts){
							1, 13, true, false }));
}

/*
 * The timestamp layout: the ISN keeps clock and MSS, and 28 MAC bits; the
 * window scale and SACK bits the caller brings (from the TSecr) stay.
 */
TEST(ts_layout)
{
	struct xtcp_cookie_opts o = { 2, 7, true, true };
	struct xtcp_cookie_opts r = { 0, 3, false, true };
	u32 mac = 0x0abcdef5, c, clock;

	c = xtcp_cookie_pack(mac, 9, &o);
	ASSERT_TRUE(xtcp_cookie_unpack(c, 10, &clock, &r));
	EXPECT_EQ(9u, clock);
	EXPECT_EQ(2, r.mss_idx);
	EXPECT_EQ(3, r.wscale);		/* the caller's, not the ISN's */
	EXPECT_FALSE(r.sack_ok);
	EXPECT_TRUE(xtcp_cookie_mac_ok(c, mac, true));
	/* every one of the 28 MAC bits counts */
	for (unsigned int b = 0; b < XTCP_COOKIE_TS_MAC_BITS; b++)
		EXPECT_FALSE(xtcp_cookie_mac_ok(c ^ (1u << b), mac, true));
	/* the MSS and clock bits are outside it */
	EXPECT_TRUE(xtcp_cookie_mac_ok(c ^ (1u << 28), mac, true));
	/* the layout is part of what the MAC covers */
	EXPECT_NE(xtcp_cookie_opt_bits(&o),
		  xtcp_cookie_opt_bits(&(struct xtcp_cookie_opts){
			  2, 7, true, false }));
}

TEST_HARNESS_MAIN
