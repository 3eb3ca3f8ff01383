// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_sack.c - the sender's use of SACK (RFC 2018, RFC 6675, RFC 2883),
 * seen from a peer played through a TUN device (xtcp_tun.h) that offers
 * SACK-permitted and decides which segments it SACKs.
 *
 * Covered:
 *  - one ACK whose SACK block covers three segments above a hole starts
 *    recovery: the hole is sent again at once, without waiting for three
 *    duplicate ACKs or a timeout (SackRecovery, FastRetrans);
 *  - two holes in one window are both sent again before the peer
 *    acknowledges the first one, once the pipe is within the window
 *    (NewReno would need a partial ACK, one round trip, per hole);
 *  - a D-SACK for that retransmission is counted (DSACKRecv, TCP_INFO
 *    dsack_dups) and, as every retransmission of the episode was
 *    needless, the window reduction is undone (DSACKUndo; xtcp only:
 *    Linux undoes in other places of its state machine);
 *  - impossible blocks (beyond what was sent, reversed) are counted
 *    (SACKDiscard) and change nothing: with RACK off, no retransmission
 *    follows;
 *  - a peer that drops data it SACKed (reneging, RFC 2018 §8) gets it again
 *    after a timeout (SACKReneging);
 *  - segments found delivered below SACKed ones without a retransmission
 *    were reordered: counted (SACKReorder, TCP_INFO reord_seen), and
 *    DupThresh (TCP_INFO reordering) grows to the distance, so the same
 *    reordering no longer looks like a loss (xtcp only, and with RACK
 *    off, net.xtcp.recovery 0: RACK decides by time);
 *  - an ACK of the hole echoing a TSval older than its retransmission
 *    shows the original arrived (Eifel, RFC 3522): the reduction is
 *    undone at once, without waiting for a D-SACK (FullUndo);
 *  - during the recovery the window comes down by PRR (RFC 6937): new
 *    segments keep going, about one per two delivered, not none until the
 *    flight has fallen to the threshold, and no more than PRR's share;
 *  - a retransmission lost as well is sent again as soon as a segment sent
 *    after it is SACKed (RACK, RFC 8985 §6.2; LostRetransmit), not after a
 *    timeout (Timeouts unchanged); TCP_INFO min_rtt is the RTT measured,
 *    from the SACKed segments too (as Linux);
 *  - a hole below a single SACKed segment is within RACK's reordering
 *    window at first; when no further ACK comes, the reordering timer
 *    (RFC 8985 §6.3) finds it lost at the window's end and fast recovery
 *    resends it, not the RTO (with net.xtcp.recovery 0, the RTO does);
 *  - tail loss probes (RFC 8985 §7): a lost tail of a flight is probed by
 *    sending its last segment again about two RTTs after the last ACK,
 *    before the RTO (LossProbes, no timeout); if the ACKs then show the
 *    probe repaired a loss, the window is reduced (LossProbeRecovery),
 *    not if they D-SACK it (both copies arrived); if only the probe
 *    arrived, its SACK shows the rest of the tail lost by RACK's timing
 *    and fast recovery resends it before the RTO (with net.xtcp.recovery
 *    0, the RTO does).
 *
 * The peer offers timestamps too, and echoes the newest TSval it has
 * seen unless a test says otherwise.
 *
 * Every test runs in its own network namespace. With XTCP_PROTO=6 the
 * same tests run against the kernel's TCP (Reno, RACK left as it is).
 */
#include <netinet/tcp.h>

#include "kselftest_harness.h"
#include "xtcp_common.h"
#include "xtcp_tun.h"

#define SK_LPORT	7450
#define SK_MSS		1000
/* payload per segment: the MSS less the timestamp option (RFC 7323 §2) */
#define SK_SEG		(SK_MSS - 12)
/* A burst is over after this long without a new segment (as xtcp_cc.c). */
#define SK_QUIET	120
/* The handshake's and the first ACK's delay (sk_twenty_in_flight()), ms. */
#define SK_SLOW_ACK	400
/*
 * How long a fast retransmit may take to show: well within the RTO that
 * SK_SLOW_ACK leaves (at least 3 x 400 ms, RFC 6298 §2.3).
 */
#define SK_FAST		700

FIXTURE(sack) {
	struct tun_peer t;
	struct tun_conn c;
	int lfd, s;
	uint32_t iss1;		/* sequence number of our first data byte */
	uint32_t high;		/* end of the highest segment sent */
	uint32_t tsval;		/* the peer's last TSval */
	uint32_t ts_first;	/* one of ours from before any retransmission */
};

FIXTURE_SETUP(sack)
{
	static char buf[60 * SK_MSS];
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
	/* no tail loss probes: they would add segments to bursts */
	ASSERT_EQ(0, xtcp_set_sysctl("early_retrans", "0"));
	if (tun_open(&self->t))
		SKIP(return, "no TUN device: %s", strerror(errno));
	self->lfd = tun_listen(SK_LPORT);
	ASSERT_LE(0, self->lfd);
	/* a slow handshake: its RTT sample keeps the RTO above a second */
	ASSERT_EQ(0, tun_connect_late(&self->t, &self->c, SK_LPORT, SK_MSS, 1,
				      1, SK_SLOW_ACK));
	self->tsval = 2;
	xtcp_set_timeouts(self->lfd, XTCP_WAIT_MS);
	self->s = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->s);
	setsockopt(self->s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* room for it all: Linux's first send buffer holds some 40 segments */
	ASSERT_EQ(0, setsockopt(self->s, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				sizeof(sndbuf)));
	xtcp_set_timeouts(self->s, XTCP_WAIT_MS);
	self->iss1 = self->high = self->c.rcv_nxt;
	ASSERT_EQ((ssize_t)sizeof(buf), send(self->s, buf, sizeof(buf), 0));
}

FIXTURE_TEARDOWN(sack)
{
	tun_teardown(&self->t, self->s, self->lfd);
}

/*
 * The peer acknowledges up to @ack with @n SACK blocks (@blk pairs of
 * start, end, at most 3 beside the timestamps), its window wide open,
 * echoing TSval @ecr.
 */
static int sk_ack_ts(FIXTURE_DATA(sack) *self, uint32_t ack, int n,
		     const uint32_t (*blk)[2], uint32_t ecr)
{
	struct tun_seg s = { .sport = self->c.pport, .dport = SK_LPORT,
			     .seq = self->c.snd_nxt, .ack = ack,
			     .flags = TF_ACK, .win = 65535, .nsack_tx = n,
			     .ts = 1, .tsval = ++self->tsval, .tsecr = ecr };

	memcpy(s.sack_tx, blk, n * sizeof(*blk));
	return tun_send(&self->t, &s);
}

/* The same, echoing the newest TSval the peer has seen. */
static int sk_ack(FIXTURE_DATA(sack) *self, uint32_t ack, int n,
		  const uint32_t (*blk)[2])
{
	return sk_ack_ts(self, ack, n, blk, self->t.ts_last);
}

/* Data segment number @i counted from our first byte. */
static uint32_t seg_at(FIXTURE_DATA(sack) *self, int i)
{
	return self->iss1 + i * SK_SEG;
}

/*
 * Retransmissions seen by @ms from now: bit i of the result set if the
 * segment starting at @want[i] came again (new data above *high updates
 * it and is otherwise ignored).
 */
static unsigned int sk_resent(FIXTURE_DATA(sack) *self, const uint32_t *want,
			      int n, int ms)
{
	long long end = xtcp_now_ms() + ms;
	unsigned int seen = 0;
	struct tun_seg s;

	while (seen != (1u << n) - 1 && tun_recv(&self->t, &s, end) > 0) {
		if (!s.len)
			continue;
		if ((int32_t)(s.seq + s.len - self->high) > 0) {
			self->high = s.seq + s.len;
			continue;
		}
		for (int i = 0; i < n; i++)
			if (s.seq == want[i])
				seen |= 1u << i;
	}
	return seen;
}

/*
 * Counter @xtcp (or its TcpExt twin) once it reaches @want, or its value
 * after two seconds: the stack may take the segment a little after
 * tun_send() returns.
 */
static long long sk_wait_twin(const char *xtcp, const char *tcpext,
			      long long want)
{
	long long end = xtcp_now_ms() + 2000, v;

	while ((v = xtcp_twin_stat(xtcp, tcpext)) < want &&
	       xtcp_now_ms() < end)
		usleep(10000);
	return v;
}

/*
 * Ten segments out, all acknowledged, twenty more out. The first ACK is
 * held back SK_SLOW_ACK ms, as the handshake's was, so that the RTT
 * measured from them keeps the RTO above a second: a test that waits for
 * a fast retransmit then never races the timer, however slow the machine.
 */
static void sk_twenty_in_flight(struct __test_metadata *_metadata,
				FIXTURE_DATA(sack) *self)
{
	ASSERT_EQ(10, tun_burst(&self->t, &self->high, SK_QUIET));
	usleep(SK_SLOW_ACK * 1000);
	ASSERT_EQ(0, sk_ack(self, self->high, 0, NULL));
	ASSERT_EQ(20, tun_burst(&self->t, &self->high, SK_QUIET));
	ASSERT_EQ(seg_at(self, 30), self->high);
}

/*
 * Twenty in flight, segment 10 missing and 11..13 SACKed: the hole
 * (*lost) is resent at once and the window reduced.
 */
static void sk_hole_resent(struct __test_metadata *_metadata,
			   FIXTURE_DATA(sack) *self, uint32_t *lost)
{
	uint32_t blk[1][2];
	struct xtcp_info ti;

	sk_twenty_in_flight(_metadata, self);
	self->ts_first = self->t.ts_last;
	*lost = seg_at(self, 10);
	blk[0][0] = seg_at(self, 11);
	blk[0][1] = seg_at(self, 14);
	ASSERT_EQ(0, sk_ack(self, *lost, 1, blk));
	ASSERT_EQ(1u, sk_resent(self, lost, 1, SK_FAST));
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	ASSERT_GT(20u, ti.base.tcpi_snd_cwnd);
}

TEST_F(sack, one_sack_of_three_segments_retransmits_hole)
{
	long long fr = xtcp_twin_stat("FastRetrans", "TCPFastRetrans");
	long long sr = xtcp_twin_stat("SackRecovery", "TCPSackRecovery");
	long long to = xtcp_twin_stat("Timeouts", "TCPTimeouts");
	uint32_t blk[1][2], lost;

	sk_twenty_in_flight(_metadata, self);
	/* Segment 10 is lost; 11..13 arrived: one ACK says so. */
	lost = seg_at(self, 10);
	blk[0][0] = seg_at(self, 11);
	blk[0][1] = seg_at(self, 14);
	ASSERT_EQ(0, sk_ack(self, lost, 1, blk));
	EXPECT_EQ(1u, sk_resent(self, &lost, 1, SK_FAST));
	EXPECT_EQ(to, xtcp_twin_stat("Timeouts", "TCPTimeouts"));
	EXPECT_EQ(fr + 1, xtcp_twin_stat("FastRetrans", "TCPFastRetrans"));
	EXPECT_EQ(sr + 1, xtcp_twin_stat("SackRecovery", "TCPSackRecovery"));
}

TEST_F(sack, two_holes_resent_before_partial_ack)
{
	uint32_t blk[2][2], lost[2];
	struct xtcp_info ti;
	int i;

	sk_twenty_in_flight(_metadata, self);
	/* Segments 10 and 15 are lost; the peer SACKs each arrival. */
	lost[0] = seg_at(self, 10);
	lost[1] = seg_at(self, 15);
	blk[0][0] = seg_at(self, 11);
	for (i = 12; i <= 15; i++) {
		blk[0][1] = seg_at(self, i);
		ASSERT_EQ(0, sk_ack(self, lost[0], 1, blk));
	}
	blk[1][0] = blk[0][0];
	blk[1][1] = blk[0][1];
	blk[0][0] = seg_at(self, 16);
	for (i = 17; i <= 30; i++) {
		/* most recent block first (RFC 2018 §4) */
		blk[0][1] = seg_at(self, i);
		ASSERT_EQ(0, sk_ack(self, lost[0], 2, blk));
	}
	/*
	 * Both holes go again while the ACK still stands at the first: 18
	 * SACKed, 2 lost, so the pipe (RFC 6675) is within the halved window.
	 */
	EXPECT_EQ(3u, sk_resent(self, lost, 2, SK_FAST));
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	TH_LOG("sacked %u lost %u retrans %u total_retrans %u",
	       ti.base.tcpi_sacked, ti.base.tcpi_lost, ti.base.tcpi_retrans,
	       ti.base.tcpi_total_retrans);
	EXPECT_EQ(18u, ti.base.tcpi_sacked);
	EXPECT_LE(2u, ti.base.tcpi_total_retrans);
}

TEST_F(sack, dsack_counted_and_undoes_reduction)
{
	long long dr = xtcp_twin_stat("DSACKRecv", "TCPDSACKRecv");
	long long du = xtcp_twin_stat("DSACKUndo", "TCPDSACKUndo");
	uint32_t blk[1][2], lost;
	struct xtcp_info ti;

	sk_hole_resent(_metadata, self, &lost);
	/*
	 * Segment 10 was only late: everything arrives, and the
	 * retransmission is reported as a duplicate (first block below the
	 * cumulative ACK, RFC 2883 §4.1).
	 */
	blk[0][0] = lost;
	blk[0][1] = lost + SK_SEG;
	ASSERT_EQ(0, sk_ack(self, seg_at(self, 30), 1, blk));
	EXPECT_EQ(dr + 1, sk_wait_twin("DSACKRecv", "TCPDSACKRecv", dr + 1));
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	EXPECT_EQ(1u, ti.dsack_dups);
	TH_LOG("after the D-SACK: cwnd %u ssthresh %u", ti.base.tcpi_snd_cwnd,
	       ti.base.tcpi_snd_ssthresh);
	if (!xtcp_is_native_tcp()) {
		EXPECT_EQ(du + 1, xtcp_stat("DSACKUndo"));
		EXPECT_LE(20u, ti.base.tcpi_snd_cwnd);
	}
}

TEST_F(sack, impossible_blocks_discarded)
{
	long long sd = xtcp_twin_stat("SACKDiscard", "TCPSACKDiscard");
	long long rs = xtcp_twin_stat("RetransSegs", "RetransSegs");
	uint32_t blk[3][2], lost;

	/* DupThresh alone: RACK would find 10 lost by time after 12's SACK */
	ASSERT_EQ(0, xtcp_set_sysctl("recovery", "0"));
	sk_twenty_in_flight(_metadata, self);
	lost = seg_at(self, 10);
	/* a real one first: no D-SACK then, the others are plain lies */
	blk[0][0] = seg_at(self, 12);
	blk[0][1] = seg_at(self, 13);
	/* beyond anything sent */
	blk[1][0] = seg_at(self, 31);
	blk[1][1] = seg_at(self, 40);
	/* reversed */
	blk[2][0] = seg_at(self, 20);
	blk[2][1] = seg_at(self, 14);
	ASSERT_EQ(0, sk_ack(self, lost, 3, blk));
	EXPECT_EQ(sd + 2, sk_wait_twin("SACKDiscard", "TCPSACKDiscard", sd + 2));
	/* One believable SACKed segment declares no loss (RFC 6675). */
	EXPECT_EQ(0u, sk_resent(self, &lost, 1, SK_FAST));
	if (!xtcp_is_native_tcp())
		EXPECT_EQ(rs, xtcp_stat("RetransSegs"));
}

TEST_F(sack, reneged_sack_resent_after_timeout)
{
	long long rn = xtcp_twin_stat("SACKReneging", "TCPSACKReneging");
	uint32_t blk[1][2], want;

	sk_twenty_in_flight(_metadata, self);
	/* Segment 10 lost, 11..29 SACKed. */
	blk[0][0] = seg_at(self, 11);
	blk[0][1] = seg_at(self, 30);
	ASSERT_EQ(0, sk_ack(self, seg_at(self, 10), 1, blk));
	want = seg_at(self, 10);
	ASSERT_EQ(1u, sk_resent(self, &want, 1, SK_FAST));
	/*
	 * The hole's retransmission arrives, but the peer threw 11..29
	 * away: it acknowledges only 10 and SACKs nothing. 11 must come
	 * again, by the timer at the latest.
	 */
	ASSERT_EQ(0, sk_ack(self, seg_at(self, 11), 0, NULL));
	want = seg_at(self, 11);
	EXPECT_EQ(1u, sk_resent(self, &want, 1, 5000));
	EXPECT_LE(rn + 1, xtcp_twin_stat("SACKReneging", "TCPSACKReneging"));
}

TEST_F(sack, reordering_raises_dupthresh)
{
	long long ro = xtcp_twin_stat("SACKReorder", "TCPSACKReorder");
	long long fr;
	uint32_t blk[1][2], hole;
	struct xtcp_info ti;

	sk_twenty_in_flight(_metadata, self);
	/* 15 and 16 overtake 10..14, which arrive next: late, not lost. */
	blk[0][0] = seg_at(self, 15);
	blk[0][1] = seg_at(self, 17);
	ASSERT_EQ(0, sk_ack(self, seg_at(self, 10), 1, blk));
	ASSERT_EQ(0, sk_ack(self, seg_at(self, 17), 0, NULL));
	EXPECT_EQ(ro + 1, sk_wait_twin("SACKReorder", "TCPSACKReorder", ro + 1));
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	TH_LOG("reordering %u reord_seen %u total_retrans %u",
	       ti.base.tcpi_reordering, ti.reord_seen,
	       ti.base.tcpi_total_retrans);
	/* overtaken by 7 segments: 17 - 10 */
	EXPECT_EQ(7u, ti.base.tcpi_reordering);
	EXPECT_EQ(1u, ti.reord_seen);
	EXPECT_EQ(0u, ti.base.tcpi_total_retrans);
	if (xtcp_is_native_tcp())
		return;	/* RACK decides by time, not by DupThresh */
	/*
	 * Now six SACKed segments above a hole prove nothing; seven do.
	 * DupThresh alone (RACK would find the hole lost by time).
	 */
	ASSERT_EQ(0, xtcp_set_sysctl("recovery", "0"));
	fr = xtcp_stat("FastRetrans");
	hole = seg_at(self, 17);
	blk[0][0] = seg_at(self, 18);
	blk[0][1] = seg_at(self, 24);
	ASSERT_EQ(0, sk_ack(self, hole, 1, blk));
	EXPECT_EQ(0u, sk_resent(self, &hole, 1, SK_FAST / 2));
	EXPECT_EQ(fr, xtcp_stat("FastRetrans"));
	blk[0][1] = seg_at(self, 25);
	ASSERT_EQ(0, sk_ack(self, hole, 1, blk));
	EXPECT_EQ(1u, sk_resent(self, &hole, 1, SK_FAST));
	EXPECT_EQ(fr + 1, xtcp_stat("FastRetrans"));
}

TEST_F(sack, late_segment_undoes_recovery_by_timestamp)
{
	long long fu = xtcp_twin_stat("FullUndo", "TCPFullUndo");
	uint32_t lost, orig_ts;
	struct xtcp_info ti;

	sk_hole_resent(_metadata, self, &lost);
	/* a TSval of the first transmissions, before the retransmission */
	orig_ts = self->ts_first;
	/*
	 * Segment 10 was late, not lost: the ACK it draws echoes its TSval,
	 * older than the retransmission's (RFC 3522 §3.2). No D-SACK needed.
	 */
	ASSERT_EQ(0, sk_ack_ts(self, seg_at(self, 30), 0, NULL, orig_ts));
	EXPECT_EQ(fu + 1, sk_wait_twin("FullUndo", "TCPFullUndo", fu + 1));
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	TH_LOG("after the late ACK: cwnd %u ssthresh %u ca_state %u",
	       ti.base.tcpi_snd_cwnd, ti.base.tcpi_snd_ssthresh,
	       ti.base.tcpi_ca_state);
	EXPECT_LE(20u, ti.base.tcpi_snd_cwnd);
	EXPECT_EQ(0u, ti.base.tcpi_ca_state);	/* TCP_CA_Open */
}

/*
 * Proportional Rate Reduction (RFC 6937, Linux's default): the window of
 * 20 halves to 10, but the sender does not fall silent until only 10 are
 * in flight; it sends about one new segment for every two delivered. Six
 * more segments SACKed one by one after the hole went again: PRR lets
 * the share ceil(10 * 9 / 20) = 5 go in all, the retransmission one of
 * them; without it nothing new goes until 10 are in flight.
 */
TEST_F(sack, prr_sends_during_recovery)
{
	uint32_t blk[1][2], lost, fresh;
	int i;

	/* sk_resent() keeps self->high at the end of new data it saw */
	sk_hole_resent(_metadata, self, &lost);
	blk[0][0] = seg_at(self, 11);
	for (i = 14; i < 20; i++) {
		blk[0][1] = seg_at(self, i + 1);
		ASSERT_EQ(0, sk_ack(self, lost, 1, blk));
		usleep(20000);
	}
	tun_burst(&self->t, &self->high, SK_QUIET);
	fresh = (self->high - seg_at(self, 30)) / SK_SEG;
	TH_LOG("%u new segments during recovery", fresh);
	EXPECT_LE(2u, fresh)
		TH_LOG("silent until the flight fell to the threshold");
	EXPECT_GE(4u, fresh) TH_LOG("more than PRR's share");
}

TEST_F(sack, lost_retransmission_resent_before_timeout)
{
	long long lr = xtcp_twin_stat("LostRetransmit", "TCPLostRetransmit");
	long long to = xtcp_twin_stat("Timeouts", "TCPTimeouts");
	uint32_t blk[1][2], lost;
	struct xtcp_info ti;

	sk_hole_resent(_metadata, self, &lost);
	/*
	 * The retransmission of 10 is lost too; 11..29 arrived. The pipe
	 * empties, so new segments go out, after the retransmission.
	 */
	blk[0][0] = seg_at(self, 11);
	blk[0][1] = seg_at(self, 30);
	ASSERT_EQ(0, sk_ack(self, lost, 1, blk));
	ASSERT_LE(1, tun_burst(&self->t, &self->high, SK_QUIET));
	/* The first of them arrives: what was sent before it is overdue. */
	blk[0][1] = seg_at(self, 31);
	ASSERT_EQ(0, sk_ack(self, lost, 1, blk));
	EXPECT_EQ(1u, sk_resent(self, &lost, 1, SK_FAST));
	EXPECT_EQ(lr + 1, sk_wait_twin("LostRetransmit", "TCPLostRetransmit",
				       lr + 1));
	EXPECT_EQ(to, xtcp_twin_stat("Timeouts", "TCPTimeouts"));
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	TH_LOG("min_rtt %u us, rtt %u us", ti.min_rtt, ti.base.tcpi_rtt);
	/*
	 * The handshake's and the first ACK's RTTs were both held back
	 * SK_SLOW_ACK; the SACKs measure the segments they newly SACK, sent
	 * a burst's quiet time before (as Linux does).
	 */
	EXPECT_LE(SK_QUIET * 1000u, ti.min_rtt);
	EXPECT_GT(SK_SLOW_ACK * 1000u, ti.min_rtt)
		TH_LOG("no RTT from the SACKed segments");
}

/*
 * Twenty in flight; the peer SACKs segment 11 alone, a burst's quiet time
 * after they went: 10 is missing, but one SACKed segment is no DupThresh,
 * and 10 is still within the reordering window RACK allows it (a quarter
 * of the lowest RTT, the SACK's). No further ACK comes (no loss probes
 * here). With RACK the timer ends that window and 10 is resent then, well
 * before the RTO (over a second); without RACK only the RTO resends it.
 */
static void sk_reo_hole(struct __test_metadata *_metadata,
			FIXTURE_DATA(sack) *self, bool rack)
{
	long long rec = xtcp_twin_stat("SackRecovery", "TCPSackRecovery");
	long long to = xtcp_twin_stat("Timeouts", "TCPTimeouts");
	uint32_t blk[1][2], hole;
	struct xtcp_info ti, ti0;
	long long t0, el = -1;
	struct tun_seg s;

	sk_twenty_in_flight(_metadata, self);
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti0));
	hole = seg_at(self, 10);
	blk[0][0] = seg_at(self, 11);
	blk[0][1] = seg_at(self, 12);
	ASSERT_EQ(0, sk_ack(self, hole, 1, blk));
	t0 = xtcp_now_ms();
	while (tun_recv(&self->t, &s, t0 + 5000) > 0)
		if (s.len && s.seq == hole) {
			el = xtcp_now_ms() - t0;
			break;
		}
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	TH_LOG("hole resent %lld ms after the SACK; min_rtt %u us, rto %u us",
	       el, ti.min_rtt, ti0.base.tcpi_rto);
	ASSERT_LE(0, el) TH_LOG("the hole was never resent");
	if (!rack) {
		EXPECT_LE(ti0.base.tcpi_rto / 2, el * 1000)
			TH_LOG("resent before the RTO");
		EXPECT_EQ(to + 1, xtcp_twin_stat("Timeouts", "TCPTimeouts"));
		return;
	}
	EXPECT_GT(ti0.base.tcpi_rto / 2, el * 1000)
		TH_LOG("resent by the RTO, not RACK's timer");
	EXPECT_EQ(to, xtcp_twin_stat("Timeouts", "TCPTimeouts"));
	EXPECT_EQ(rec + 1, sk_wait_twin("SackRecovery", "TCPSackRecovery",
					rec + 1));
}

TEST_F(sack, reorder_timer_resends_hole)
{
	sk_reo_hole(_metadata, self, true);
}

TEST_F(sack, recovery_0_hole_waits_for_timeout)
{
	ASSERT_EQ(0, xtcp_set_sysctl("recovery", "0"));
	sk_reo_hole(_metadata, self, false);
}

/*
 * Tail loss probes (RFC 8985 §7; net.xtcp.early_retrans 3, Linux's
 * default): a connection of its own from the same kind of peer, SACK and
 * timestamps on, its handshake answered TLP_HS_MS late, so that its RTO
 * (three RTTs at first) stays well above the probe timeout (two RTTs).
 */
#define TLP_HS_MS	200

FIXTURE(tlp) {
	struct tun_peer t;
	struct tun_conn c;
	int lfd, s;
	uint32_t high;		/* end of the highest segment sent */
	uint32_t tsval;		/* the peer's last TSval */
};

FIXTURE_SETUP(tlp)
{
	int one = 1;

	self->t.fd = self->lfd = self->s = -1;
	ASSERT_EQ(0, xtcp_new_netns());
	ASSERT_EQ(0, xtcp_set_sysctl("early_retrans", "3"));
	if (tun_open(&self->t))
		SKIP(return, "no TUN device: %s", strerror(errno));
	self->lfd = tun_listen(SK_LPORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, tun_connect_late(&self->t, &self->c, SK_LPORT, SK_MSS, 1,
				      1, TLP_HS_MS));
	self->tsval = 2;
	xtcp_set_timeouts(self->lfd, XTCP_WAIT_MS);
	self->s = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->s);
	setsockopt(self->s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	self->high = self->c.rcv_nxt;
}

FIXTURE_TEARDOWN(tlp)
{
	tun_teardown(&self->t, self->s, self->lfd);
}

/* The peer acknowledges @ack, D-SACKing @dup[0]..@dup[1] if @dup. */
static int tlp_ack(FIXTURE_DATA(tlp) *self, uint32_t ack,
		   const uint32_t *dup)
{
	struct tun_seg s = { .sport = self->c.pport, .dport = SK_LPORT,
			     .seq = self->c.snd_nxt, .ack = ack,
			     .flags = TF_ACK, .win = 65535, .ts = 1,
			     .tsval = ++self->tsval, .tsecr = self->t.ts_last };

	if (dup) {
		s.nsack_tx = 1;
		s.sack_tx[0][0] = dup[0];
		s.sack_tx[0][1] = dup[1];
	}
	return tun_send(&self->t, &s);
}

/*
 * Four segments out; the peer acknowledges the first only: the other
 * three are a lost tail, and nothing more is to be sent. The probe is the
 * last segment again, about two RTTs (TCP_INFO's) after that ACK, before
 * the RTO; counted (LossProbes), with no timeout. *last is where it starts.
 */
static void tlp_tail_probed(struct __test_metadata *_metadata,
			    FIXTURE_DATA(tlp) *self, uint32_t *last)
{
	long long probes = xtcp_twin_stat("LossProbes", "TCPLossProbes");
	long long to = xtcp_twin_stat("Timeouts", "TCPTimeouts");
	uint32_t first = self->high;
	static char buf[4 * SK_SEG];
	struct xtcp_info ti;
	long long t0, el = -1;
	struct tun_seg s;

	ASSERT_EQ((ssize_t)sizeof(buf), send(self->s, buf, sizeof(buf), 0));
	ASSERT_EQ(4, tun_burst(&self->t, &self->high, SK_QUIET));
	*last = self->high - SK_SEG;
	ASSERT_EQ(0, tlp_ack(self, first + SK_SEG, NULL));
	t0 = xtcp_now_ms();
	do {
		ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	} while (ti.base.tcpi_unacked != 3 && xtcp_now_ms() < t0 + 1000);
	ASSERT_EQ(3u, ti.base.tcpi_unacked);
	while (tun_recv(&self->t, &s, t0 + 5000) > 0)
		if (s.len && s.seq == *last) {
			el = xtcp_now_ms() - t0;
			break;
		}
	TH_LOG("probe %lld ms after the ACK; rtt %u us, rto %u us", el,
	       ti.base.tcpi_rtt, ti.base.tcpi_rto);
	ASSERT_LE(0, el) TH_LOG("the tail was never sent again");
	EXPECT_LE(ti.base.tcpi_rtt, el * 1000) TH_LOG("probe too early");
	EXPECT_GT(ti.base.tcpi_rto, el * 1000) TH_LOG("no probe before the RTO");
	EXPECT_EQ(probes + 1, xtcp_twin_stat("LossProbes", "TCPLossProbes"));
	EXPECT_EQ(to, xtcp_twin_stat("Timeouts", "TCPTimeouts"));
}

/* One more segment, sent and acknowledged: beyond the probe's episode. */
static void tlp_one_more(struct __test_metadata *_metadata,
			 FIXTURE_DATA(tlp) *self)
{
	ASSERT_EQ(10, send(self->s, "0123456789", 10, 0));
	ASSERT_EQ(1, tun_burst(&self->t, &self->high, SK_QUIET));
	ASSERT_EQ(0, tlp_ack(self, self->high, NULL));
}

/* The tail was lost and the probe repaired it: the window is reduced. */
TEST_F(tlp, probe_resends_tail_and_repairs_loss)
{
	long long rec = xtcp_twin_stat("LossProbeRecovery",
				       "TCPLossProbeRecovery");
	struct xtcp_info ti;
	uint32_t last;

	tlp_tail_probed(_metadata, self, &last);
	ASSERT_EQ(0, tlp_ack(self, self->high, NULL));
	tlp_one_more(_metadata, self);
	EXPECT_EQ(rec + 1, sk_wait_twin("LossProbeRecovery",
					"TCPLossProbeRecovery", rec + 1));
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	TH_LOG("cwnd %u ssthresh %u", ti.base.tcpi_snd_cwnd,
	       ti.base.tcpi_snd_ssthresh);
	EXPECT_GT(1000u, ti.base.tcpi_snd_ssthresh);
}

/*
 * Only the probe arrived: its SACK shows the two segments below it, sent
 * two RTTs before it, overdue (RACK, RFC 8985 §6.2, Linux's default;
 * one SACKed segment is no DupThresh); it comes an RTT after the probe. Fast recovery resends the first
 * at once, not a whole RTO after the probe, and the second as soon as the
 * first is acknowledged (the window allows one at a time here, as
 * Linux's PRR does).
 */
static long long tlp_resent_within(FIXTURE_DATA(tlp) *self, uint32_t seq,
				   int ms)
{
	long long t0 = xtcp_now_ms();
	struct tun_seg s;

	while (tun_recv(&self->t, &s, t0 + ms) > 0)
		if (s.len && s.seq == seq)
			return xtcp_now_ms() - t0;
	return -1;
}

static void tlp_sacked_probe(struct __test_metadata *_metadata,
			     FIXTURE_DATA(tlp) *self, bool rack)
{
	long long rec = xtcp_twin_stat("SackRecovery", "TCPSackRecovery");
	long long to = xtcp_twin_stat("Timeouts", "TCPTimeouts");
	uint32_t blk[2], una, last;
	struct xtcp_info ti;
	long long el;

	tlp_tail_probed(_metadata, self, &last);
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	/*
	 * The SACK comes an RTT after the probe: one sooner could be the
	 * original's, and says nothing of when the probe went (RACK).
	 */
	usleep(ti.min_rtt + 30000);
	una = last - 2 * SK_SEG;
	blk[0] = last;
	blk[1] = self->high;
	ASSERT_EQ(0, tlp_ack(self, una, blk));
	el = tlp_resent_within(self, una, 3000);
	TH_LOG("first resent %lld ms after the probe's SACK (rto %u us)", el,
	       ti.base.tcpi_rto);
	if (!rack) {
		/* DupThresh alone waits for the timer */
		EXPECT_LE(ti.base.tcpi_rto / 2, el * 1000);
		EXPECT_EQ(to + 1, xtcp_twin_stat("Timeouts", "TCPTimeouts"));
		return;
	}
	ASSERT_LE(0, el) TH_LOG("the tail below the probe was not resent");
	EXPECT_GT(ti.base.tcpi_rto / 2, el * 1000)
		TH_LOG("resent by the RTO, not found lost");
	ASSERT_EQ(0, tlp_ack(self, una + SK_SEG, blk));
	el = tlp_resent_within(self, una + SK_SEG, 3000);
	TH_LOG("second resent %lld ms after the first's ACK", el);
	ASSERT_LE(0, el) TH_LOG("the second segment was not resent");
	EXPECT_GT(ti.base.tcpi_rto / 2, el * 1000);
	EXPECT_EQ(to, xtcp_twin_stat("Timeouts", "TCPTimeouts"));
	EXPECT_EQ(rec + 1, sk_wait_twin("SackRecovery", "TCPSackRecovery",
					rec + 1));
}

TEST_F(tlp, sacked_probe_marks_tail_lost)
{
	tlp_sacked_probe(_metadata, self, true);
}

/* net.xtcp.recovery 0 (no RACK): the same tail waits for the RTO. */
TEST_F(tlp, recovery_0_tail_waits_for_timeout)
{
	ASSERT_EQ(0, xtcp_set_sysctl("recovery", "0"));
	tlp_sacked_probe(_metadata, self, false);
}

/* The probe's ACK D-SACKs it: the tail had arrived, nothing is reduced. */
TEST_F(tlp, probe_dsacked_no_reduction)
{
	long long rec = xtcp_twin_stat("LossProbeRecovery",
				       "TCPLossProbeRecovery");
	long long ds = xtcp_twin_stat("DSACKRecv", "TCPDSACKRecv");
	uint32_t dup[2];
	struct xtcp_info ti;

	tlp_tail_probed(_metadata, self, &dup[0]);
	dup[1] = self->high;
	ASSERT_EQ(0, tlp_ack(self, self->high, dup));
	EXPECT_EQ(ds + 1, sk_wait_twin("DSACKRecv", "TCPDSACKRecv", ds + 1));
	tlp_one_more(_metadata, self);
	/* the last ACK taken (TCP_INFO), the counter cannot move any more */
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	for (int i = 0; i < 100 && ti.base.tcpi_unacked; i++) {
		usleep(10000);
		ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	}
	EXPECT_EQ(0u, ti.base.tcpi_unacked);
	EXPECT_EQ(rec, xtcp_twin_stat("LossProbeRecovery",
				      "TCPLossProbeRecovery"));
	EXPECT_LE(1000u, ti.base.tcpi_snd_ssthresh);
}

TEST_HARNESS_MAIN
