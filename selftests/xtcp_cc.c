// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_cc.c - the congestion window (RFC 5681, Reno), seen from a peer
 * played through a TUN device (xtcp_tun.h) that decides what it
 * acknowledges, and when.
 *
 * Covered:
 *  - the initial window is ten segments (RFC 6928): with a wide receive
 *    window, 10 segments go out and then nothing until an ACK;
 *  - slow start: one cumulative ACK of those ten lets twenty go;
 *  - three duplicate ACKs: the missing segment is sent again at once (no
 *    timeout), the threshold is half the window (10 of 20), counted
 *    (FastRetrans, RenoRecovery);
 *  - a retransmission timeout: the window drops to one segment and the
 *    threshold to half (5 of 10).
 *
 * Every test runs in its own network namespace. With XTCP_PROTO=6 the
 * same tests run against the kernel's TCP with Reno, the reference.
 */
#include <netinet/tcp.h>

#include "kselftest_harness.h"
#include "xtcp_common.h"
#include "xtcp_tun.h"

#define CC_LPORT	7400
#define CC_MSS		1000
/*
 * A burst is over after this long without a new segment: the segments of
 * one come back to back, and the peer must answer before the RTO turns
 * the test into one of timeouts.
 */
#define CC_QUIET	120
/*
 * The handshake's final ACK comes this late (ms): both stacks take their
 * first RTT from it, so the RTO starts at three times this, well above
 * the bursts' quiet time even on a slow (debug) kernel.
 */
#define CC_SLOW_HS	300
/* How long a fast retransmit may take to show: well within that RTO. */
#define CC_FAST		500

FIXTURE(cc) {
	struct tun_peer t;
	struct tun_conn c;
	int lfd, s;
	uint32_t iss1;		/* sequence number of our first data byte */
};

FIXTURE_SETUP(cc)
{
	static char buf[60 * CC_MSS];
	int one = 1, sndbuf = 4 * sizeof(buf);

	self->t.fd = self->lfd = self->s = -1;
	ASSERT_EQ(0, xtcp_new_netns());
	if (xtcp_is_native_tcp()) {
		FILE *f = fopen("/proc/sys/net/ipv4/tcp_congestion_control",
				"w");

		ASSERT_NE(NULL, f);
		fputs("reno", f);
		ASSERT_EQ(0, fclose(f));
	}
	if (tun_open(&self->t))
		SKIP(return, "no TUN device: %s", strerror(errno));
	self->lfd = tun_listen(CC_LPORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, tun_connect_late(&self->t, &self->c, CC_LPORT, CC_MSS, 0,
				      0, CC_SLOW_HS));
	xtcp_set_timeouts(self->lfd, XTCP_WAIT_MS);
	self->s = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->s);
	setsockopt(self->s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* room for it all: Linux's first send buffer holds some 40 segments */
	ASSERT_EQ(0, setsockopt(self->s, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				sizeof(sndbuf)));
	xtcp_set_timeouts(self->s, XTCP_WAIT_MS);
	self->iss1 = self->c.rcv_nxt;
	ASSERT_EQ((ssize_t)sizeof(buf), send(self->s, buf, sizeof(buf), 0));
}

FIXTURE_TEARDOWN(cc)
{
	tun_teardown(&self->t, self->s, self->lfd);
}

/* The peer acknowledges up to @ack, its window wide open. */
static int cc_ack(FIXTURE_DATA(cc) *self, uint32_t ack)
{
	struct tun_seg s = { .sport = self->c.pport, .dport = CC_LPORT,
			     .seq = self->c.snd_nxt, .ack = ack,
			     .flags = TF_ACK, .win = 65535 };

	return tun_send(&self->t, &s);
}

TEST_F(cc, initial_window_then_slow_start)
{
	uint32_t high = self->iss1;

	EXPECT_EQ(10, tun_burst(&self->t, &high, CC_QUIET));
	EXPECT_EQ(self->iss1 + 10 * CC_MSS, high);
	ASSERT_EQ(0, cc_ack(self, high));
	EXPECT_EQ(20, tun_burst(&self->t, &high, CC_QUIET));
}

TEST_F(cc, three_dupacks_fast_retransmit)
{
	long long fr = xtcp_twin_stat("FastRetrans", "TCPFastRetrans");
	long long rr = xtcp_twin_stat("RenoRecovery", "TCPRenoRecovery");
	uint32_t high = self->iss1, lost;
	long long end;
	struct xtcp_info ti;
	struct tun_seg s;
	int i, again = 0;

	ASSERT_EQ(10, tun_burst(&self->t, &high, CC_QUIET));
	ASSERT_EQ(0, cc_ack(self, high));
	ASSERT_EQ(20, tun_burst(&self->t, &high, CC_QUIET));
	/* The first of the twenty is lost: three ACKs say so. */
	lost = self->iss1 + 10 * CC_MSS;
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, cc_ack(self, lost));
	/* Well before the RTO could run out. */
	end = xtcp_now_ms() + CC_FAST;
	while (!again && tun_recv(&self->t, &s, end) > 0)
		again = s.len && s.seq == lost;
	EXPECT_TRUE(again);
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	TH_LOG("cwnd %u ssthresh %u", ti.base.tcpi_snd_cwnd,
	       ti.base.tcpi_snd_ssthresh);
	EXPECT_EQ(10u, ti.base.tcpi_snd_ssthresh);
	EXPECT_LT(ti.base.tcpi_snd_cwnd, 20u);
	EXPECT_LE(fr + 1, xtcp_twin_stat("FastRetrans", "TCPFastRetrans"));
	EXPECT_EQ(rr + 1, xtcp_twin_stat("RenoRecovery", "TCPRenoRecovery"));
}

TEST_F(cc, timeout_collapses_window)
{
	long long end = xtcp_now_ms() + 10000;
	struct xtcp_info ti;
	struct tun_seg s;
	int first = 0;

	/* The first segment, then the same again once the timer runs out. */
	while (first < 2 && tun_recv(&self->t, &s, end) > 0)
		first += s.len && s.seq == self->iss1;
	ASSERT_EQ(2, first);
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	EXPECT_EQ(1u, ti.base.tcpi_snd_cwnd);
	EXPECT_EQ(5u, ti.base.tcpi_snd_ssthresh);
	EXPECT_EQ(TCP_CA_Loss, ti.base.tcpi_ca_state);
}

TEST_HARNESS_MAIN
