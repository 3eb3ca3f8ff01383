// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_nagle.c - when the sender holds a small segment back, seen on the
 * wire by a peer played through TUN (xtcp_tun.h) that decides when to
 * acknowledge:
 *  - Nagle (RFC 896, RFC 1122 §4.2.3.4) in Linux's Minshall form: a small
 *    segment goes at once when nothing small is unacknowledged; the next
 *    waits for that ACK, then goes with whatever was written meanwhile;
 *    after full-sized segments a small one still goes at once;
 *  - TCP_NODELAY: every write goes at once; setting it sends what waits;
 *  - TCP_CORK: a partial segment waits even with nothing in flight, and
 *    goes when uncorked, or by itself some 200 ms later (no window
 *    probe); MSG_MORE corks one send().
 *
 * "Waits" is checked as: no new data in 150 ms, less than the 200 ms
 * minimum RTO (so no timer of either stack fires first), while a sender
 * without the rule sends within microseconds. Every test runs in its own
 * network namespace; with XTCP_PROTO=6 the kernel's TCP is the reference.
 */
#include "kselftest_harness.h"
#include "xtcp_common.h"
#include "xtcp_tun.h"

#define NAGLE_LPORT	7300
#define NAGLE_MSS	1000
#define HOLD_MS		150

FIXTURE(nagle) {
	struct tun_peer t;
	struct tun_conn c;
	int lfd, s;
	uint32_t high;		/* end of the newest data seen */
};

FIXTURE_SETUP(nagle)
{
	self->t.fd = self->lfd = self->s = -1;
	ASSERT_EQ(0, xtcp_new_netns());
	if (tun_open(&self->t))
		SKIP(return, "no TUN device: %s", strerror(errno));
	self->lfd = tun_listen(NAGLE_LPORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, tun_connect(&self->t, &self->c, NAGLE_LPORT, NAGLE_MSS))
		TH_LOG("handshake with the TUN peer failed");
	ASSERT_EQ(0, xtcp_set_timeouts(self->lfd, XTCP_WAIT_MS));
	self->s = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->s) TH_LOG("accept: %s", strerror(errno));
	ASSERT_EQ(0, xtcp_set_timeouts(self->s, XTCP_WAIT_MS));
	self->high = self->c.rcv_nxt;
}

FIXTURE_TEARDOWN(nagle)
{
	tun_teardown(&self->t, self->s, self->lfd);
}

/*
 * The next segment of new data (beyond self->high) within @ms; its length,
 * 0 if none came. Retransmissions and bare ACKs are skipped.
 */
static int new_data(FIXTURE_DATA(nagle) *self, int ms, struct tun_seg *out)
{
	long long end = xtcp_now_ms() + ms;
	struct tun_seg s;

	while (tun_recv(&self->t, &s, end) > 0) {
		if (!s.len || (int32_t)(s.seq + s.len - self->high) <= 0)
			continue;
		self->high = s.seq + s.len;
		if (out)
			*out = s;
		return s.len;
	}
	return 0;
}

/* The peer acknowledges all data seen so far, window wide open. */
static int ack_all(FIXTURE_DATA(nagle) *self)
{
	struct tun_seg s = { .sport = self->c.pport, .dport = NAGLE_LPORT,
			     .seq = self->c.snd_nxt, .ack = self->high,
			     .flags = TF_ACK, .win = 65535 };

	return tun_send(&self->t, &s);
}

static int set_opt(int fd, int opt, int val)
{
	return setsockopt(fd, IPPROTO_TCP, opt, &val, sizeof(val));
}

TEST_F(nagle, second_small_write_waits_for_ack)
{
	ASSERT_EQ(10, send(self->s, "0123456789", 10, 0));
	ASSERT_EQ(10, new_data(self, XTCP_WAIT_MS, NULL))
		TH_LOG("the first small write did not go at once");
	ASSERT_EQ(10, send(self->s, "abcdefghij", 10, 0));
	ASSERT_EQ(5, send(self->s, "klmno", 5, 0));
	EXPECT_EQ(0, new_data(self, HOLD_MS, NULL))
		TH_LOG("a small segment went with a small one unacknowledged");
	ASSERT_EQ(0, ack_all(self));
	/* What waited goes as one segment once the ACK is in. */
	EXPECT_EQ(15, new_data(self, XTCP_WAIT_MS, NULL));
}

TEST_F(nagle, minshall_small_after_full_goes)
{
	static char buf[2 * NAGLE_MSS + 10];

	/* Two full segments and a small tail, all at once. */
	ASSERT_EQ(sizeof(buf), send(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(NAGLE_MSS, new_data(self, XTCP_WAIT_MS, NULL));
	EXPECT_EQ(NAGLE_MSS, new_data(self, XTCP_WAIT_MS, NULL));
	EXPECT_EQ(10, new_data(self, XTCP_WAIT_MS, NULL))
		TH_LOG("the small tail waited behind full segments");
	/* Now a small one is out: the next small write waits. */
	ASSERT_EQ(3, send(self->s, "xyz", 3, 0));
	EXPECT_EQ(0, new_data(self, HOLD_MS, NULL));
	ASSERT_EQ(0, ack_all(self));
	EXPECT_EQ(3, new_data(self, XTCP_WAIT_MS, NULL));
}

TEST_F(nagle, nodelay_sends_every_write)
{
	ASSERT_EQ(10, send(self->s, "0123456789", 10, 0));
	ASSERT_EQ(10, new_data(self, XTCP_WAIT_MS, NULL));
	ASSERT_EQ(4, send(self->s, "abcd", 4, 0));
	EXPECT_EQ(0, new_data(self, HOLD_MS, NULL));
	/* Setting TCP_NODELAY sends what Nagle held... */
	ASSERT_EQ(0, set_opt(self->s, TCP_NODELAY, 1));
	EXPECT_EQ(4, new_data(self, XTCP_WAIT_MS, NULL));
	/* ...and from then on each write goes at once, ACK or not. */
	ASSERT_EQ(2, send(self->s, "ef", 2, 0));
	EXPECT_EQ(2, new_data(self, XTCP_WAIT_MS, NULL));
	ASSERT_EQ(3, send(self->s, "ghi", 3, 0));
	EXPECT_EQ(3, new_data(self, XTCP_WAIT_MS, NULL));
}

TEST_F(nagle, cork_holds_until_uncorked)
{
	ASSERT_EQ(0, set_opt(self->s, TCP_NODELAY, 1));
	ASSERT_EQ(0, set_opt(self->s, TCP_CORK, 1));
	/* Nothing in flight, TCP_NODELAY on: the cork still holds. */
	ASSERT_EQ(10, send(self->s, "0123456789", 10, 0));
	ASSERT_EQ(7, send(self->s, "abcdefg", 7, 0));
	EXPECT_EQ(0, new_data(self, HOLD_MS, NULL));
	ASSERT_EQ(0, set_opt(self->s, TCP_CORK, 0));
	EXPECT_EQ(17, new_data(self, XTCP_WAIT_MS, NULL));
}

TEST_F(nagle, cork_fills_full_segments)
{
	static char buf[NAGLE_MSS];

	ASSERT_EQ(0, set_opt(self->s, TCP_CORK, 1));
	/* Written in pieces, sent in full segments; the rest waits. */
	ASSERT_EQ(600, send(self->s, buf, 600, 0));
	ASSERT_EQ(600, send(self->s, buf, 600, 0));
	EXPECT_EQ(NAGLE_MSS, new_data(self, XTCP_WAIT_MS, NULL));
	EXPECT_EQ(0, new_data(self, HOLD_MS, NULL));
	ASSERT_EQ(0, ack_all(self));
	EXPECT_EQ(0, new_data(self, HOLD_MS, NULL));
	ASSERT_EQ(0, set_opt(self->s, TCP_CORK, 0));
	EXPECT_EQ(200, new_data(self, XTCP_WAIT_MS, NULL));
}

/* A cork never holds for ever: the segment goes by itself, as data. */
TEST_F(nagle, cork_ends_by_itself)
{
	long long probes = xtcp_twin_stat("WinProbe", "TCPWinProbe");
	long long start;
	struct tun_seg s;

	ASSERT_EQ(0, set_opt(self->s, TCP_CORK, 1));
	ASSERT_EQ(10, send(self->s, "0123456789", 10, 0));
	start = xtcp_now_ms();
	ASSERT_EQ(10, new_data(self, 5000, &s))
		TH_LOG("the corked segment never went");
	EXPECT_LE(HOLD_MS, xtcp_now_ms() - start);
	EXPECT_EQ(self->c.rcv_nxt, s.seq);
	EXPECT_EQ(probes, xtcp_twin_stat("WinProbe", "TCPWinProbe"));
}

TEST_F(nagle, msg_more_corks_one_send)
{
	ASSERT_EQ(0, set_opt(self->s, TCP_NODELAY, 1));
	ASSERT_EQ(10, send(self->s, "0123456789", 10, MSG_MORE));
	EXPECT_EQ(0, new_data(self, HOLD_MS, NULL));
	ASSERT_EQ(5, send(self->s, "abcde", 5, 0));
	EXPECT_EQ(15, new_data(self, XTCP_WAIT_MS, NULL));
}

TEST_HARNESS_MAIN
