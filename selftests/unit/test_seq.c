// SPDX-License-Identifier: GPL-2.0
/*
 * test_seq.c - sequence-number arithmetic of module/proto/seq.h: comparison
 * modulo 2^32 (RFC 9293 §3.4) and the half-open range test, with extra
 * attention to the wrap from 0xffffffff to 0 and to the 2^31 horizon.
 */
#include "kselftest_harness.h"
#include "seq.h"

/* Points where off-by-one and sign mistakes show. */
static const u32 pivots[] = {
	0, 1, 2, 0x7ffffffe, 0x7fffffff, 0x80000000, 0x80000001,
	0xfffffffe, 0xffffffff, 12345678, 0xdeadbeef,
};

#define NR_PIVOTS ARRAY_SIZE(pivots)

TEST(before_after_wraparound)
{
	/* 0xffffffff is followed by 0: the wrap must be invisible. */
	EXPECT_TRUE(xtcp_seq_before(0xffffffffu, 0));
	EXPECT_TRUE(xtcp_seq_after(0, 0xffffffffu));
	EXPECT_FALSE(xtcp_seq_after(0xffffffffu, 0));
	EXPECT_FALSE(xtcp_seq_before(0, 0xffffffffu));
	EXPECT_TRUE(xtcp_seq_before(0xfffffff0u, 0x10));
	EXPECT_TRUE(xtcp_seq_after(0x10, 0xfffffff0u));
	EXPECT_TRUE(xtcp_seq_before(0xffffffffu - 1000, 1000));
}

TEST(strict_on_equal)
{
	unsigned int i;

	for (i = 0; i < NR_PIVOTS; i++) {
		u32 a = pivots[i];

		EXPECT_FALSE(xtcp_seq_before(a, a));
		EXPECT_FALSE(xtcp_seq_after(a, a));
		EXPECT_TRUE(xtcp_seq_leq(a, a));
		EXPECT_TRUE(xtcp_seq_geq(a, a));
	}
}

TEST(half_space_horizon)
{
	unsigned int i;

	/*
	 * Within 2^31 - 1 the order is what the distance says; exactly 2^31
	 * apart, (s32) of the difference is INT_MIN, so a is "before" b in
	 * both directions - the documented limit of the arithmetic.
	 */
	for (i = 0; i < NR_PIVOTS; i++) {
		u32 a = pivots[i];

		EXPECT_TRUE(xtcp_seq_before(a, a + 1));
		EXPECT_TRUE(xtcp_seq_before(a, a + 0x7fffffffu));
		EXPECT_TRUE(xtcp_seq_after(a + 0x7fffffffu, a));
		EXPECT_TRUE(xtcp_seq_after(a, a + 0x80000001u));
		EXPECT_TRUE(xtcp_seq_before(a, a + 0x80000000u));
		EXPECT_TRUE(xtcp_seq_before(a + 0x80000000u, a));
	}
}

TEST(leq_geq_are_complements)
{
	unsigned int i, j;

	for (i = 0; i < NR_PIVOTS; i++) {
		for (j = 0; j < NR_PIVOTS; j++) {
			u32 a = pivots[i], b = pivots[j];

			EXPECT_EQ(!xtcp_seq_after(a, b), xtcp_seq_leq(a, b));
			EXPECT_EQ(!xtcp_seq_before(a, b), xtcp_seq_geq(a, b));
			EXPECT_EQ(xtcp_seq_before(a, b), xtcp_seq_after(b, a));
			/* Trichotomy away from the 2^31 singularity. */
			if (a - b != 0x80000000u)
				EXPECT_EQ(1, xtcp_seq_before(a, b) +
					     xtcp_seq_after(a, b) + (a == b));
		}
	}
}

TEST(in_range)
{
	/* [low, high): low is in, high is out. */
	EXPECT_TRUE(xtcp_seq_in(100, 100, 200));
	EXPECT_TRUE(xtcp_seq_in(199, 100, 200));
	EXPECT_FALSE(xtcp_seq_in(200, 100, 200));
	EXPECT_FALSE(xtcp_seq_in(99, 100, 200));
	/* Empty range holds nothing. */
	EXPECT_FALSE(xtcp_seq_in(100, 100, 100));
	EXPECT_FALSE(xtcp_seq_in(0, 0, 0));
	EXPECT_FALSE(xtcp_seq_in(0xffffffffu, 0xffffffffu, 0xffffffffu));
}

TEST(in_range_wraparound)
{
	/* A window straddling 0xffffffff -> 0. */
	u32 low = 0xfffffff0u, high = 0x10;

	EXPECT_TRUE(xtcp_seq_in(0xfffffff0u, low, high));
	EXPECT_TRUE(xtcp_seq_in(0xffffffffu, low, high));
	EXPECT_TRUE(xtcp_seq_in(0, low, high));
	EXPECT_TRUE(xtcp_seq_in(0xf, low, high));
	EXPECT_FALSE(xtcp_seq_in(0x10, low, high));
	EXPECT_FALSE(xtcp_seq_in(0xffffffefu, low, high));
	EXPECT_FALSE(xtcp_seq_in(0x80000000u, low, high));
	/* Range ending exactly at the wrap. */
	EXPECT_TRUE(xtcp_seq_in(0xffffffffu, 0xffffff00u, 0));
	EXPECT_FALSE(xtcp_seq_in(0, 0xffffff00u, 0));
	/* Range starting exactly at 0. */
	EXPECT_TRUE(xtcp_seq_in(0, 0, 1));
	EXPECT_FALSE(xtcp_seq_in(0xffffffffu, 0, 1));
}

TEST(in_range_matches_comparisons)
{
	unsigned int i, j, k;

	/*
	 * For ranges shorter than 2^31, seq_in(s, l, h) must agree with
	 * l <= s < h written with the comparison helpers.
	 */
	for (i = 0; i < NR_PIVOTS; i++) {
		for (j = 0; j < NR_PIVOTS; j++) {
			for (k = 0; k < NR_PIVOTS; k++) {
				u32 s = pivots[i], l = pivots[j];
				u32 h = l + (pivots[k] & 0x7fffffffu);

				EXPECT_EQ(xtcp_seq_geq(s, l) &&
					  xtcp_seq_before(s, h),
					  xtcp_seq_in(s, l, h));
			}
		}
	}
}

TEST_HARNESS_MAIN
