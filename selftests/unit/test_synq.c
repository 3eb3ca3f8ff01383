// SPDX-License-Identifier: GPL-2.0
/*
 * test_synq.c - the SYN queue rules of module/proto/synq.c: admission of a
 * SYN (backlog, accept queue, max_syn_backlog's reserved quarter), the
 * retry threshold under pressure, and when a request expires or resends
 * its SYN-ACK, with and without TCP_DEFER_ACCEPT.
 */
#include "kselftest_harness.h"
#include "synq.h"

static enum xtcp_synq_verdict admit(u32 qlen, u32 acceptq, u32 backlog,
				    s32 msb, u8 cookies, bool tw)
{
	struct xtcp_synq_state st = {
		.qlen = qlen, .acceptq_len = acceptq, .backlog = backlog,
		.max_syn_backlog = msb, .syncookies = cookies,
		.reopens_time_wait = tw,
	};

	return xtcp_synq_admit(&st);
}

TEST(admit_below_backlog)
{
	EXPECT_EQ(XTCP_SYNQ_ADMIT, admit(0, 0, 128, 1024, 0, false));
	EXPECT_EQ(XTCP_SYNQ_ADMIT, admit(128, 0, 128, 1024, 0, false));
	EXPECT_EQ(XTCP_SYNQ_ADMIT, admit(128, 0, 128, 1024, 1, false));
}

/* inet_csk_reqsk_queue_is_full() in 6.1: full above the backlog. */
TEST(synq_full_above_backlog)
{
	EXPECT_EQ(XTCP_SYNQ_FULL, admit(129, 0, 128, 1024, 0, false));
	/* listen(fd, 0) still admits one */
	EXPECT_EQ(XTCP_SYNQ_ADMIT, admit(0, 0, 0, 1024, 0, false));
	EXPECT_EQ(XTCP_SYNQ_FULL, admit(1, 0, 0, 1024, 0, false));
}

/* Cookies instead of drops when the queue is full, or always with 2. */
TEST(cookies)
{
	EXPECT_EQ(XTCP_SYNQ_COOKIE, admit(129, 0, 128, 1024, 1, false));
	EXPECT_EQ(XTCP_SYNQ_COOKIE, admit(129, 0, 128, 1024, 7, false));
	EXPECT_EQ(XTCP_SYNQ_COOKIE, admit(0, 0, 128, 1024, 2, false));
	/* a full accept queue drops even with cookies */
	EXPECT_EQ(XTCP_SYNQ_ACCEPT_FULL, admit(129, 129, 128, 1024, 1, false));
	EXPECT_EQ(XTCP_SYNQ_ACCEPT_FULL, admit(0, 129, 128, 1024, 2, false));
	/* the reserved quarter only matters with cookies off */
	EXPECT_EQ(XTCP_SYNQ_ADMIT, admit(100, 0, 4096, 128, 1, false));
}

/* A SYN that ends a TIME_WAIT skips the SYN queue's limits, as in Linux. */
TEST(time_wait_reopen)
{
	EXPECT_EQ(XTCP_SYNQ_ADMIT, admit(129, 0, 128, 1024, 0, true));
	EXPECT_EQ(XTCP_SYNQ_ADMIT, admit(0, 0, 128, 1024, 2, true));
	EXPECT_EQ(XTCP_SYNQ_ADMIT, admit(500, 0, 4096, 128, 0, true));
	EXPECT_EQ(XTCP_SYNQ_ACCEPT_FULL, admit(0, 129, 128, 1024, 0, true));
}

/* sk_acceptq_is_full(): full only above the backlog. */
TEST(acceptq_full_above_backlog)
{
	EXPECT_EQ(XTCP_SYNQ_ADMIT, admit(0, 4, 4, 1024, 0, false));
	EXPECT_EQ(XTCP_SYNQ_ACCEPT_FULL, admit(0, 5, 4, 1024, 0, false));
}

/* The last quarter of max_syn_backlog is for proven peers only. */
TEST(reserved_quarter)
{
	EXPECT_EQ(XTCP_SYNQ_ADMIT, admit(96, 0, 4096, 128, 0, false));
	EXPECT_EQ(XTCP_SYNQ_RESERVED, admit(97, 0, 4096, 128, 0, false));
	EXPECT_EQ(XTCP_SYNQ_RESERVED, admit(500, 0, 4096, 128, 0, false));
	/* Linux's int arithmetic: 0 - 0 < 0 >> 2 is false, 0 - 1 < 0 true */
	EXPECT_EQ(XTCP_SYNQ_ADMIT, admit(0, 0, 4096, 0, 0, false));
	EXPECT_EQ(XTCP_SYNQ_RESERVED, admit(1, 0, 4096, 0, 0, false));
	EXPECT_EQ(XTCP_SYNQ_ADMIT, admit(0, 0, 4096, 3, 0, false));
	/* a negative max_syn_backlog: everything is reserved */
	EXPECT_EQ(XTCP_SYNQ_RESERVED, admit(0, 0, 4096, -8, 0, false));
}

TEST(thresh_unchanged_below_half)
{
	EXPECT_EQ(5u, xtcp_synack_thresh(64, 0, 128, 5));
	/* max(8, backlog): up to 4 requests are no pressure at any backlog */
	EXPECT_EQ(5u, xtcp_synack_thresh(4, 0, 1, 5));
	EXPECT_EQ(2u, xtcp_synack_thresh(5, 0, 1, 5));
}

TEST(thresh_drops_with_few_young)
{
	/* over half full, no young requests: down to 2 */
	EXPECT_EQ(2u, xtcp_synack_thresh(100, 0, 128, 5));
	/* young more than half: no change; exactly half: one less */
	EXPECT_EQ(5u, xtcp_synack_thresh(100, 51, 128, 5));
	EXPECT_EQ(4u, xtcp_synack_thresh(100, 50, 128, 5));
	/* each halving of the young share below half: one retry less */
	EXPECT_EQ(4u, xtcp_synack_thresh(100, 26, 128, 5));
	EXPECT_EQ(3u, xtcp_synack_thresh(100, 25, 128, 5));
	EXPECT_EQ(3u, xtcp_synack_thresh(100, 13, 128, 5));
	EXPECT_EQ(2u, xtcp_synack_thresh(100, 12, 128, 5));
	/* never below 2, never raised */
	EXPECT_EQ(1u, xtcp_synack_thresh(100, 0, 128, 1));
	EXPECT_EQ(2u, xtcp_synack_thresh(1u << 31, 0, 1u << 30, 255));
}

TEST(recalc_without_defer)
{
	bool expire, resend;

	xtcp_synack_recalc(0, false, 0, 5, &expire, &resend);
	EXPECT_FALSE(expire);
	EXPECT_TRUE(resend);
	xtcp_synack_recalc(4, true, 0, 5, &expire, &resend);
	EXPECT_FALSE(expire);
	EXPECT_TRUE(resend);
	xtcp_synack_recalc(5, false, 0, 5, &expire, &resend);
	EXPECT_TRUE(expire);
}

TEST(recalc_with_defer)
{
	bool expire, resend;

	/* not acked: as without defer */
	xtcp_synack_recalc(1, false, 3, 5, &expire, &resend);
	EXPECT_FALSE(expire);
	EXPECT_TRUE(resend);
	xtcp_synack_recalc(5, false, 3, 5, &expire, &resend);
	EXPECT_TRUE(expire);
	/* acked: quiet until the last timeout of the defer period */
	xtcp_synack_recalc(0, true, 3, 5, &expire, &resend);
	EXPECT_FALSE(expire);
	EXPECT_FALSE(resend);
	xtcp_synack_recalc(2, true, 3, 5, &expire, &resend);
	EXPECT_FALSE(expire);
	EXPECT_TRUE(resend);
	/* acked, defer longer than the retries: lives to the defer's end */
	xtcp_synack_recalc(5, true, 8, 5, &expire, &resend);
	EXPECT_FALSE(expire);
	xtcp_synack_recalc(8, true, 8, 5, &expire, &resend);
	EXPECT_TRUE(expire);
}

TEST(defer_drops_bare_acks_only)
{
	EXPECT_TRUE(xtcp_defer_drops_ack(0, 3, false));
	EXPECT_TRUE(xtcp_defer_drops_ack(2, 3, false));
	EXPECT_FALSE(xtcp_defer_drops_ack(3, 3, false));
	EXPECT_FALSE(xtcp_defer_drops_ack(0, 3, true));
	EXPECT_FALSE(xtcp_defer_drops_ack(0, 0, false));
}

TEST_HARNESS_MAIN
