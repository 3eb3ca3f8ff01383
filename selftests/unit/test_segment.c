// SPDX-License-Identifier: GPL-2.0
/*
 * test_segment.c - checks on arriving segments (module/proto/segment.c):
 * the RFC 9293 §3.10.7.4 acceptability table (four cases on SEG.LEN and
 * RCV.WND), RFC 5961 §3.2 RST verdicts, the SEG.ACK classification and the
 * SND.WL1/SND.WL2 window-update rule of RFC 9293 §3.10.7.4, and the
 * receive-window choice (RFC 9293 §3.8.6: no shrinking; §3.8.6.2.2:
 * receiver-side silly window avoidance), and when a SYN may reopen a
 * connection in TIME_WAIT (RFC 1122 §4.2.2.13).
 */
#include "kselftest_harness.h"
#include "segment.h"

/* A deterministic generator, so failures reproduce. */
static u32 rnd_state = 0x12345678;

static u32 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* Offsets that move a test case across the 0xffffffff -> 0 wrap. */
static const u32 shifts[] = {
	0, 1, 0x7fffffff, 0x80000000, 0xfffffc00, 0xffffff9c, 0xffffffff,
};

#define NR_SHIFTS ARRAY_SIZE(shifts)

struct acc_case {
	u32 seq, len, nxt, wnd;
	bool want;
};

/*
 * Hand-computed from the RFC 9293 table, window [1000, 1100) unless the
 * case says otherwise. "last" is SEG.SEQ + SEG.LEN - 1.
 */
static const struct acc_case acc_cases[] = {
	/* case 1: SEG.LEN = 0, RCV.WND = 0: SEG.SEQ = RCV.NXT */
	{ 1000, 0, 1000, 0, true },
	{ 999, 0, 1000, 0, false },
	{ 1001, 0, 1000, 0, false },
	/*
	 * case 2: SEG.LEN = 0, RCV.WND > 0: RCV.NXT =< SEG.SEQ < end, and
	 * (Linux's widening) SEG.SEQ = end: a full window's bare ACK.
	 */
	{ 1000, 0, 1000, 100, true },
	{ 1099, 0, 1000, 100, true },
	{ 1100, 0, 1000, 100, true },
	{ 1101, 0, 1000, 100, false },
	{ 999, 0, 1000, 100, false },
	{ 1000, 0, 1000, 1, true },
	{ 1001, 0, 1000, 1, true },
	{ 1002, 0, 1000, 1, false },
	/* case 3: SEG.LEN > 0, RCV.WND = 0: never */
	{ 1000, 1, 1000, 0, false },
	{ 999, 2, 1000, 0, false },
	{ 1000, 1000, 1000, 0, false },
	/* case 4: SEG.LEN > 0, RCV.WND > 0: first or last octet inside */
	{ 1000, 1, 1000, 100, true },
	{ 1099, 1, 1000, 100, true },
	{ 1100, 1, 1000, 100, false },
	{ 999, 1, 1000, 100, false },
	{ 999, 2, 1000, 100, true },	/* last = 1000 */
	{ 900, 100, 1000, 100, false },	/* last = 999 */
	{ 900, 101, 1000, 100, true },	/* last = 1000 */
	{ 1099, 5000, 1000, 100, true },	/* first inside */
	{ 1050, 10, 1000, 100, true },
	{ 1100, 100, 1000, 100, false },
	{ 1000, 1, 1000, 1, true },
	{ 1001, 1, 1000, 1, false },
	{ 999, 1, 1000, 1, false },
	/*
	 * Neither end inside although the middle covers the window: the
	 * RFC's table says unacceptable; a sender that respects the offered
	 * window (which never shrinks) cannot produce this.
	 */
	{ 900, 300, 1000, 100, false },
	/* A large scaled window (RFC 7323: up to 2^30). */
	{ 1000 + (1u << 30) - 1, 1, 1000, 1u << 30, true },
	{ 1000 + (1u << 30), 1, 1000, 1u << 30, false },
};

TEST(acceptability_table)
{
	unsigned int i, s;

	for (i = 0; i < ARRAY_SIZE(acc_cases); i++) {
		const struct acc_case *c = &acc_cases[i];

		/* The same case shifted so that it straddles the wrap. */
		for (s = 0; s < NR_SHIFTS; s++) {
			u32 k = shifts[s];

			EXPECT_EQ(c->want,
				  xtcp_seq_acceptable(c->seq + k, c->len,
						      c->nxt + k, c->wnd))
				TH_LOG("case %u shift %#x", i, k);
		}
	}
}

TEST(acceptability_wraparound)
{
	/* Window [0xffffffc0, 0x40) straddles 0. */
	const u32 nxt = 0xffffffc0u, wnd = 0x80;

	EXPECT_TRUE(xtcp_seq_acceptable(0, 10, nxt, wnd));
	EXPECT_TRUE(xtcp_seq_acceptable(0xffffffffu, 1, nxt, wnd));
	EXPECT_TRUE(xtcp_seq_acceptable(0x3f, 0, nxt, wnd));
	EXPECT_TRUE(xtcp_seq_acceptable(0x40, 0, nxt, wnd));	/* the edge */
	EXPECT_FALSE(xtcp_seq_acceptable(0x41, 0, nxt, wnd));
	EXPECT_FALSE(xtcp_seq_acceptable(0xffffffbfu, 1, nxt, wnd));
	EXPECT_TRUE(xtcp_seq_acceptable(0xffffffbfu, 2, nxt, wnd));
	/* Last octet lands exactly on RCV.NXT across a longer wrap. */
	EXPECT_TRUE(xtcp_seq_acceptable(0xffffff00u, 0xc1, nxt, wnd));
	EXPECT_FALSE(xtcp_seq_acceptable(0xffffff00u, 0xc0, nxt, wnd));
	/* Segment whose own sequence range wraps. */
	EXPECT_TRUE(xtcp_seq_acceptable(0x30, 0xfffff000u, nxt, wnd));
}

/*
 * RFC 9293 §3.10.7.4 written with the comparison operators of §3.4,
 * a bare segment at the right edge allowed (as Linux).
 */
static bool model_acceptable(u32 seq, u32 len, u32 nxt, u32 wnd)
{
	u64 d_first = (u32)(seq - nxt);
	u64 d_last = (u32)(seq + len - 1 - nxt);

	if (len == 0 && wnd == 0)
		return seq == nxt;
	if (len == 0)
		return d_first <= wnd;
	if (wnd == 0)
		return false;
	return d_first < wnd || d_last < wnd;
}

TEST(acceptability_random)
{
	unsigned int i;

	for (i = 0; i < 200000; i++) {
		u32 nxt = rnd();
		u32 wnd = i & 1 ? rnd() >> (rnd() % 32) : rnd() % 3;
		u32 seq = nxt + (rnd() % 512) - 256 + (i & 2 ? wnd : 0);
		u32 len = i & 4 ? rnd() % 4 : rnd() >> (rnd() % 32);

		/* The arithmetic is defined for windows up to 2^31. */
		wnd &= 0x7fffffff;
		ASSERT_EQ(model_acceptable(seq, len, nxt, wnd),
			  xtcp_seq_acceptable(seq, len, nxt, wnd))
			TH_LOG("seq %#x len %u nxt %#x wnd %u",
			       seq, len, nxt, wnd);
	}
}

TEST(rst_verdicts)
{
	unsigned int s;

	/* RFC 5961 §3.2, window [1000, 1100). */
	for (s = 0; s < NR_SHIFTS; s++) {
		u32 k = shifts[s];

		EXPECT_EQ(XTCP_RST_ACCEPT, xtcp_rst_check(1000 + k, 1000 + k,
							  100));
		EXPECT_EQ(XTCP_RST_CHALLENGE,
			  xtcp_rst_check(1001 + k, 1000 + k, 100));
		EXPECT_EQ(XTCP_RST_CHALLENGE,
			  xtcp_rst_check(1099 + k, 1000 + k, 100));
		EXPECT_EQ(XTCP_RST_DROP, xtcp_rst_check(1100 + k, 1000 + k,
							100));
		EXPECT_EQ(XTCP_RST_DROP, xtcp_rst_check(999 + k, 1000 + k,
							100));
		EXPECT_EQ(XTCP_RST_DROP,
			  xtcp_rst_check(1000 + k + 0x80000000u, 1000 + k,
					 100));
		/* Zero window: only the exact RCV.NXT counts. */
		EXPECT_EQ(XTCP_RST_ACCEPT, xtcp_rst_check(1000 + k, 1000 + k,
							  0));
		EXPECT_EQ(XTCP_RST_DROP, xtcp_rst_check(1001 + k, 1000 + k,
							0));
		EXPECT_EQ(XTCP_RST_DROP, xtcp_rst_check(999 + k, 1000 + k, 0));
	}
	/* Window straddling the wrap. */
	EXPECT_EQ(XTCP_RST_CHALLENGE, xtcp_rst_check(0, 0xfffffff0u, 0x20));
	EXPECT_EQ(XTCP_RST_DROP, xtcp_rst_check(0x10, 0xfffffff0u, 0x20));
	EXPECT_EQ(XTCP_RST_ACCEPT, xtcp_rst_check(0xfffffff0u, 0xfffffff0u,
						  0x20));
}

TEST(ack_verdicts)
{
	unsigned int s;

	for (s = 0; s < NR_SHIFTS; s++) {
		u32 k = shifts[s];
		u32 una = 1000 + k, nxt = 2000 + k;

		EXPECT_EQ(XTCP_ACK_OLD, xtcp_ack_check(999 + k, una, nxt));
		EXPECT_EQ(XTCP_ACK_OLD, xtcp_ack_check(k, una, nxt));
		EXPECT_EQ(XTCP_ACK_OK, xtcp_ack_check(una, una, nxt));
		EXPECT_EQ(XTCP_ACK_OK, xtcp_ack_check(1500 + k, una, nxt));
		EXPECT_EQ(XTCP_ACK_OK, xtcp_ack_check(nxt, una, nxt));
		EXPECT_EQ(XTCP_ACK_FUTURE, xtcp_ack_check(nxt + 1, una, nxt));
		EXPECT_EQ(XTCP_ACK_FUTURE,
			  xtcp_ack_check(nxt + 0x7fff0000u, una, nxt));
		/* Nothing outstanding. */
		EXPECT_EQ(XTCP_ACK_OK, xtcp_ack_check(una, una, una));
		EXPECT_EQ(XTCP_ACK_OLD, xtcp_ack_check(una - 1, una, una));
		EXPECT_EQ(XTCP_ACK_FUTURE, xtcp_ack_check(una + 1, una, una));
	}
	/* Flight straddling the wrap. */
	EXPECT_EQ(XTCP_ACK_OK, xtcp_ack_check(0, 0xfffffff0u, 0x10));
	EXPECT_EQ(XTCP_ACK_OK, xtcp_ack_check(0xffffffffu, 0xfffffff0u, 0x10));
	EXPECT_EQ(XTCP_ACK_OLD, xtcp_ack_check(0xffffffefu, 0xfffffff0u,
					       0x10));
	EXPECT_EQ(XTCP_ACK_FUTURE, xtcp_ack_check(0x11, 0xfffffff0u, 0x10));
}

TEST(window_update_rule)
{
	unsigned int s;

	/*
	 * RFC 9293 §3.10.7.4: update if SND.WL1 < SEG.SEQ, or
	 * SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK; and (Linux) whenever
	 * SEG.ACK acknowledges new data. SND.UNA is SND.WL2 + 100 here
	 * unless said otherwise: ACKs up to it acknowledge nothing new.
	 */
	for (s = 0; s < NR_SHIFTS; s++) {
		u32 k = shifts[s];
		u32 wl1 = 5000 + k, wl2 = 9000 + k, una = wl2 + 100;

		EXPECT_TRUE(xtcp_window_update_ok(wl1 + 1, wl2, wl1, wl2, una));
		/* A newer SEQ wins even with an older ACK. */
		EXPECT_TRUE(xtcp_window_update_ok(wl1 + 1, wl2 - 10, wl1,
						  wl2, una));
		EXPECT_TRUE(xtcp_window_update_ok(wl1, wl2, wl1, wl2, una));
		EXPECT_TRUE(xtcp_window_update_ok(wl1, wl2 + 1, wl1, wl2, una));
		EXPECT_FALSE(xtcp_window_update_ok(wl1, wl2 - 1, wl1, wl2,
						   una));
		/* A reordered older segment must not touch the window... */
		EXPECT_FALSE(xtcp_window_update_ok(wl1 - 1, wl2 + 100, wl1,
						   wl2, una));
		EXPECT_FALSE(xtcp_window_update_ok(wl1 - 1, wl2, wl1, wl2,
						   una));
		/* ...unless it acknowledges new data: SND.UNA moves with it. */
		EXPECT_TRUE(xtcp_window_update_ok(wl1 - 1, una + 1, wl1, wl2,
						  una));
		EXPECT_TRUE(xtcp_window_update_ok(wl1 - 5000, una + 1460, wl1,
						  wl2, una));
	}
	EXPECT_TRUE(xtcp_window_update_ok(0, 0, 0xffffffffu, 0, 0));
	EXPECT_FALSE(xtcp_window_update_ok(0xffffffffu, 0, 0, 0, 0));
	EXPECT_TRUE(xtcp_window_update_ok(7, 0, 7, 0xffffffffu, 0));
	EXPECT_FALSE(xtcp_window_update_ok(7, 0xffffffffu, 7, 0, 0));
	/* new data acknowledged across the wrap */
	EXPECT_TRUE(xtcp_window_update_ok(6, 5, 7, 0xfffffff0u, 0xfffffff0u));
}

/* Windows round up to the scale's unit, and stop at 65535 << shift. */
TEST(window_round)
{
	EXPECT_EQ(1000, xtcp_window_round(1000, 0));
	EXPECT_EQ(65535, xtcp_window_round(70000, 0));
	EXPECT_EQ(1024, xtcp_window_round(1000, 7));
	EXPECT_EQ(1024, xtcp_window_round(1024, 7));
	EXPECT_EQ(1152, xtcp_window_round(1025, 7));
	EXPECT_EQ(0, xtcp_window_round(0, 7));
	EXPECT_EQ(65535U << 7, xtcp_window_round(0xffffffffU, 7));
	EXPECT_EQ(65535U << 14, xtcp_window_round(0xffffffffU, 14));
	for (u32 w = 1; w < 0x40000000U; w = w * 5 + 3) {
		u32 r = xtcp_window_round(w, 7);

		EXPECT_EQ(0u, r & 127);
		EXPECT_LE(r, 65535U << 7);
		if (w <= (65535U << 7))
			EXPECT_GE(r, w);
	}
}

TEST(select_window_cases)
{
	/* Free space is offered, capped at what the header can carry. */
	EXPECT_EQ(40000, xtcp_select_window(40000, 0, 1460, 65535));
	EXPECT_EQ(65535, xtcp_select_window(100000, 0, 1460, 65535));
	/* Never shrink: less free space than already offered. */
	EXPECT_EQ(30000, xtcp_select_window(1000, 30000, 1460, 65535));
	EXPECT_EQ(30000, xtcp_select_window(0, 30000, 1460, 65535));
	EXPECT_EQ(30000, xtcp_select_window(30000, 30000, 1460, 65535));
	/* SWS avoidance: open only by at least the threshold. */
	EXPECT_EQ(0, xtcp_select_window(1459, 0, 1460, 65535));
	EXPECT_EQ(1460, xtcp_select_window(1460, 0, 1460, 65535));
	EXPECT_EQ(1000, xtcp_select_window(2459, 1000, 1460, 65535));
	EXPECT_EQ(2460, xtcp_select_window(2460, 1000, 1460, 65535));
	/* Reaching the maximum is always worth announcing. */
	EXPECT_EQ(65535, xtcp_select_window(70000, 65000, 1460, 65535));
	EXPECT_EQ(65535, xtcp_select_window(65535, 65534, 1460, 65535));
	/* No threshold: every byte counts. */
	EXPECT_EQ(1, xtcp_select_window(1, 0, 0, 65535));
	/* Scaled windows (RFC 7323): max up to 2^30. */
	EXPECT_EQ(1u << 30, xtcp_select_window(0xffffffffu, 1u << 20, 65535,
					       1u << 30));
	/* A smaller max than what is already offered does not shrink. */
	EXPECT_EQ(5000, xtcp_select_window(9000, 5000, 1, 4000));
}

TEST(select_window_random)
{
	unsigned int i;

	for (i = 0; i < 200000; i++) {
		u32 max_wnd = i & 1 ? 65535 : rnd() >> 2;
		u32 cur = rnd() % (max_wnd + 1u);
		u32 sws = rnd() % 70000;
		u32 free_space = i & 2 ? rnd() : cur + rnd() % 100000;
		u32 cap = free_space < max_wnd ? free_space : max_wnd;
		u32 got = xtcp_select_window(free_space, cur, sws, max_wnd);
		u32 want;

		/* Model: advance to cap if it is the max or a big step. */
		if (cap > cur && (cap == max_wnd || cap - cur >= sws))
			want = cap;
		else
			want = cur;
		ASSERT_EQ(want, got) TH_LOG("free %u cur %u sws %u max %u",
					    free_space, cur, sws, max_wnd);
		/* The invariants the model is built on. */
		ASSERT_GE(got, cur);
		ASSERT_LE(got, max_wnd);
		ASSERT_TRUE(got == cur || got <= free_space);
	}
}

/*
 * RFC 1122 §4.2.2.13: only a SYN beyond TIME_WAIT's RCV.NXT reopens the
 * connection, and the new ISS clears everything the old one sent, also
 * across the sequence-space wrap.
 */
TEST(time_wait_reopen)
{
	for (size_t i = 0; i < NR_SHIFTS; i++) {
		u32 nxt = 1000 + shifts[i];

		EXPECT_TRUE(xtcp_tw_syn_reopens(nxt + 1, nxt));
		EXPECT_TRUE(xtcp_tw_syn_reopens(nxt + 0x7fffffff, nxt));
		EXPECT_FALSE(xtcp_tw_syn_reopens(nxt, nxt));
		EXPECT_FALSE(xtcp_tw_syn_reopens(nxt - 1, nxt));
		EXPECT_FALSE(xtcp_tw_syn_reopens(nxt + 0x80000001, nxt));

		EXPECT_EQ(XTCP_TW_REOPEN_GAP, xtcp_tw_reopen_iss(nxt) - nxt);
		EXPECT_LT(65535U, XTCP_TW_REOPEN_GAP);
	}
}

TEST_HARNESS_MAIN
