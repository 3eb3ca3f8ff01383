// SPDX-License-Identifier: GPL-2.0
/*
 * test_sack.c - module/proto/sack.c: which received SACK blocks the
 * sender believes (RFC 2018 §3: nothing beyond SND.NXT, nothing reversed,
 * nothing wholly acknowledged), D-SACK detection (RFC 2883 §4: below the
 * cumulative ACK, or inside the second block), sorting, coverage of a
 * segment, and RFC 6675's pipe.
 */
#include "kselftest_harness.h"
#include "sack.h"

#define UNA	1000u
#define NXT	9000u

TEST(blocks_sorted_and_kept)
{
	struct xtcp_sack_block in[3] = {
		{ 5000, 6000 }, { 2000, 3000 }, { 7000, 9000 } };
	struct xtcp_sack_view v;

	xtcp_sack_view(in, 3, UNA, UNA, NXT, &v);
	EXPECT_FALSE(v.dsack);
	ASSERT_EQ(3, v.nr);
	EXPECT_EQ(2000u, v.blocks[0].start);
	EXPECT_EQ(5000u, v.blocks[1].start);
	EXPECT_EQ(7000u, v.blocks[2].start);
	EXPECT_EQ(9000u, v.blocks[2].end);
}

TEST(impossible_blocks_dropped)
{
	struct xtcp_sack_block in[4] = {
		{ 2000, 3000 },		/* fine */
		{ 8000, 9001 },		/* one byte beyond SND.NXT */
		{ 6000, 5000 },		/* reversed */
		{ 4000, 4000 } };	/* empty */
	struct xtcp_sack_view v;

	xtcp_sack_view(in, 4, UNA, UNA, NXT, &v);
	EXPECT_FALSE(v.dsack);
	ASSERT_EQ(1, v.nr);
	EXPECT_EQ(2000u, v.blocks[0].start);
}

TEST(first_block_below_ack_is_dsack)
{
	struct xtcp_sack_block in[2] = { { 500, 800 }, { 2000, 3000 } };
	struct xtcp_sack_view v;

	xtcp_sack_view(in, 2, UNA, UNA, NXT, &v);
	EXPECT_TRUE(v.dsack);
	EXPECT_EQ(500u, v.dup.start);
	EXPECT_EQ(800u, v.dup.end);
	ASSERT_EQ(1, v.nr);
	EXPECT_EQ(2000u, v.blocks[0].start);
}

TEST(first_block_inside_second_is_dsack)
{
	struct xtcp_sack_block in[2] = { { 2500, 2600 }, { 2000, 3000 } };
	struct xtcp_sack_view v;

	xtcp_sack_view(in, 2, UNA, UNA, NXT, &v);
	EXPECT_TRUE(v.dsack);
	EXPECT_EQ(2500u, v.dup.start);
	ASSERT_EQ(1, v.nr);
	EXPECT_EQ(2000u, v.blocks[0].start);
}

/* Only the first block may be a D-SACK; a later one below UNA is stale. */
TEST(later_block_below_una_dropped_or_cut)
{
	struct xtcp_sack_block in[3] = {
		{ 2000, 3000 }, { 100, 900 }, { 800, 1500 } };
	struct xtcp_sack_view v;

	xtcp_sack_view(in, 3, UNA, UNA, NXT, &v);
	EXPECT_FALSE(v.dsack);
	ASSERT_EQ(2, v.nr);
	EXPECT_EQ(UNA, v.blocks[0].start);
	EXPECT_EQ(1500u, v.blocks[0].end);
	EXPECT_EQ(2000u, v.blocks[1].start);
}

/* A D-SACK that claims data never sent is no D-SACK. */
TEST(dsack_beyond_nxt_ignored)
{
	struct xtcp_sack_block in[1] = { { 500, NXT + 1 } };
	struct xtcp_sack_view v;

	xtcp_sack_view(in, 1, UNA, UNA, NXT, &v);
	EXPECT_FALSE(v.dsack);
	EXPECT_EQ(0, v.nr);
}

/* Sequence numbers wrap: blocks around 2^32 sort and cover as well. */
TEST(wraparound)
{
	struct xtcp_sack_block in[2] = {
		{ 0x00000100u, 0x00000200u }, { 0xffffff00u, 0x00000010u } };
	struct xtcp_sack_view v;

	xtcp_sack_view(in, 2, 0xfffff000u, 0xfffff000u, 0x00001000u, &v);
	EXPECT_FALSE(v.dsack);
	ASSERT_EQ(2, v.nr);
	EXPECT_EQ(0xffffff00u, v.blocks[0].start);
	EXPECT_TRUE(xtcp_sack_covers(&v, 0xffffff80u, 0x00000010u));
	EXPECT_FALSE(xtcp_sack_covers(&v, 0xffffff80u, 0x00000011u));
	EXPECT_TRUE(xtcp_sack_covers(&v, 0x00000100u, 0x00000200u));
}

TEST(covers_needs_whole_segment)
{
	struct xtcp_sack_block in[1] = { { 2000, 4000 } };
	struct xtcp_sack_view v;

	xtcp_sack_view(in, 1, UNA, UNA, NXT, &v);
	EXPECT_TRUE(xtcp_sack_covers(&v, 2000, 3000));
	EXPECT_TRUE(xtcp_sack_covers(&v, 3000, 4000));
	EXPECT_FALSE(xtcp_sack_covers(&v, 3500, 4500));
	EXPECT_FALSE(xtcp_sack_covers(&v, 1500, 2500));
}

TEST(more_than_four_blocks_ignored)
{
	struct xtcp_sack_block in[6] = {
		{ 2000, 2100 }, { 3000, 3100 }, { 4000, 4100 },
		{ 5000, 5100 }, { 6000, 6100 }, { 7000, 7100 } };
	struct xtcp_sack_view v;

	xtcp_sack_view(in, 6, UNA, UNA, NXT, &v);
	EXPECT_EQ(4, v.nr);
}

TEST(pipe_estimate)
{
	EXPECT_EQ(10u, xtcp_in_flight(10, 0, 0, 0));
	EXPECT_EQ(6u, xtcp_in_flight(10, 3, 1, 0));
	EXPECT_EQ(7u, xtcp_in_flight(10, 3, 1, 1));
	/* never below zero, even if the marks overcount */
	EXPECT_EQ(2u, xtcp_in_flight(10, 8, 5, 2));
}

TEST(reorder_degree_grows_only)
{
	/* not below the highest SACKed byte: no reordering, no change */
	EXPECT_EQ(3u, xtcp_reorder_degree(5000, 5000, 1000, 3, 300));
	EXPECT_EQ(3u, xtcp_reorder_degree(6000, 5000, 1000, 3, 300));
	/* overtaken by 2 segments: within DupThresh already */
	EXPECT_EQ(3u, xtcp_reorder_degree(3000, 5000, 1000, 3, 300));
	/* by 6, and by 5.5 (rounded up) */
	EXPECT_EQ(6u, xtcp_reorder_degree(1000, 7000, 1000, 3, 300));
	EXPECT_EQ(6u, xtcp_reorder_degree(1500, 7000, 1000, 3, 300));
	/* never shrinks */
	EXPECT_EQ(10u, xtcp_reorder_degree(1000, 7000, 1000, 10, 300));
	/* capped, but a cap below the current value does not shrink it */
	EXPECT_EQ(300u, xtcp_reorder_degree(0, 1000000, 1000, 3, 300));
	EXPECT_EQ(8u, xtcp_reorder_degree(0, 1000000, 1000, 8, 5));
	/* no MSS yet: nothing to measure in */
	EXPECT_EQ(3u, xtcp_reorder_degree(0, 7000, 0, 3, 300));
}

TEST(reorder_degree_wraparound)
{
	/* 4 segments across the wrap */
	EXPECT_EQ(4u, xtcp_reorder_degree(0xfffffe00u, 0x00000c00u, 0x400,
					  3, 300));
	/* the whole half-space: capped, no overflow */
	EXPECT_EQ(300u, xtcp_reorder_degree(0x80000001u, 0, 1, 3, 300));
}

TEST_HARNESS_MAIN
