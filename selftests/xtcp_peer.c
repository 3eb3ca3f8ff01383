// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_peer.c - what a peer can and cannot make xtcp do, with the peer
 * played by the test through a TUN device (xtcp_tun.h): nothing else on
 * the machine answers for it, so it can misbehave at will.
 *
 * Covered:
 *  - one-byte segments into an unread socket: the receive queue stays
 *    within the receive buffer, and what was taken reads back intact;
 *  - an MSS option of 1 on the SYN: the listener's child still sends
 *    segments of Linux's tcp_min_snd_mss (48 bytes), not one byte each
 *    (the CVE-2019-11479 pattern);
 *  - ICMP errors must quote a sequence number in flight (RFC 5927 §4.1):
 *    a port unreachable with any other does not fail a connect, nor does
 *    a fragmentation-needed shrink the MSS; with the right one, the
 *    connect fails and the path MTU is followed (RFC 1191), the too-big
 *    segment sent again in pieces that fit;
 *  - a socket filter (SO_ATTACH_FILTER) that drops everything keeps the
 *    peer's data from the socket, counted; once detached the data comes;
 *  - out-of-order segments are kept (TCPOFOQueue), answered at once with
 *    a duplicate ACK, trimmed where they overlap (TCPOFOMerge) and read
 *    in order once the hole fills, with a FIN behind them; a flood of
 *    one-byte segments beyond a hole stays within the receive buffer;
 *  - delayed ACKs: every second segment, quick ACKs at the start, a
 *    read that empties the queue of a small segment ACKs at once, and in
 *    request/response ("pingpong") the ACK rides on the answer;
 *  - a bare ACK at the right edge of the receive window counts (Linux's
 *    tcp_sequence(); RFC 9293's table would refuse it);
 *  - the send window is taken from every segment that acknowledges new
 *    data, even one with an older SEQ (Linux's tcp_may_update_window()),
 *    so nothing is sent beyond the peer's right edge.
 *
 * Every test runs in its own network namespace. With XTCP_PROTO=6 the
 * same peer talks to the kernel's TCP, whose behaviour is the reference.
 */
#include <linux/filter.h>
#include <linux/sockios.h>
#include <netinet/ip_icmp.h>

#include "kselftest_harness.h"
#include "xtcp_common.h"
#include "xtcp_tun.h"

#define PEER_LPORT	7100

#ifndef SK_MEMINFO_VARS
#define SK_MEMINFO_RMEM_ALLOC	0
#define SK_MEMINFO_RCVBUF	1
#define SK_MEMINFO_VARS		9
#endif

FIXTURE(peer) {
	struct tun_peer t;
	struct tun_conn c;
	int lfd, s;
};

FIXTURE_SETUP(peer)
{
	self->t.fd = self->lfd = self->s = -1;
	ASSERT_EQ(0, xtcp_new_netns());
	if (tun_open(&self->t))
		SKIP(return, "no TUN device: %s", strerror(errno));
	self->lfd = tun_listen(PEER_LPORT);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(peer)
{
	tun_teardown(&self->t, self->s, self->lfd);
}

/*
 * The peer connects with MSS @mss (and SACK-permitted if @sack);
 * self->s is the accepted socket.
 */
static int peer_established_sack(struct __test_metadata *_metadata,
				 FIXTURE_DATA(peer) *self, uint16_t mss,
				 uint8_t sack)
{
	if (tun_connect_sack(&self->t, &self->c, PEER_LPORT, mss, sack)) {
		TH_LOG("handshake with the TUN peer failed");
		return -1;
	}
	xtcp_set_timeouts(self->lfd, XTCP_WAIT_MS);
	self->s = accept(self->lfd, NULL, NULL);
	if (self->s < 0) {
		TH_LOG("accept: %s", strerror(errno));
		return -1;
	}
	return xtcp_set_timeouts(self->s, XTCP_WAIT_MS);
}

static int peer_established(struct __test_metadata *_metadata,
			    FIXTURE_DATA(peer) *self, uint16_t mss)
{
	return peer_established_sack(_metadata, self, mss, 0);
}

/* The peer acknowledges everything before @ack, window wide open. */
static int peer_ack(FIXTURE_DATA(peer) *self, uint32_t ack)
{
	struct tun_seg s = { .sport = self->c.pport, .dport = PEER_LPORT,
			     .seq = self->c.snd_nxt, .ack = ack,
			     .flags = TF_ACK, .win = 65535 };

	return tun_send(&self->t, &s);
}

/* Read what the stack sent the peer until quiet; the highest ACK seen. */
static uint32_t peer_last_ack(struct tun_peer *t, uint32_t ack, int quiet_ms)
{
	struct tun_seg s;

	while (tun_recv(t, &s, xtcp_now_ms() + quiet_ms) > 0)
		if ((s.flags & TF_ACK) && (int32_t)(s.ack - ack) > 0)
			ack = s.ack;
	return ack;
}

/*
 * A peer sends one byte per segment, in order and inside the window, to a
 * socket nobody reads. Each costs a whole sk_buff: before the receive
 * path compared memory with the buffer, 16K of them pinned some 15 MiB
 * (the 8K sent here, some 6 MiB: still 45 times the buffer).
 * Now the queue is compacted or the excess dropped (RcvQDrop), and the
 * socket's receive memory stays within its buffer (plus at most one
 * segment, which TCP also allows). What was acknowledged reads back.
 */
/* Slow on the debug kernel with the host busy: its own time limit. */
TEST_F_TIMEOUT(peer, one_byte_segments_bounded, 180)
{
	uint32_t meminfo[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(meminfo);
	uint32_t start, n, i, acked, got;
	static unsigned char buf[65536];
	long long drops0, drops1;

	ASSERT_EQ(0, peer_established(_metadata, self, 1460));
	drops0 = xtcp_twin_stat("RcvQDrop", "TCPRcvQDrop");
	start = self->c.snd_nxt;
	acked = start;
	n = self->c.wnd < 8192 ? self->c.wnd : 8192;
	ASSERT_LT(1000, n) TH_LOG("window only %u", self->c.wnd);
	for (i = 0; i < n; i++) {
		unsigned char b = xtcp_pattern(i, 7);
		struct tun_seg s = { .sport = self->c.pport,
				     .dport = PEER_LPORT, .seq = start + i,
				     .ack = self->c.rcv_nxt, .flags = TF_ACK,
				     .win = 65535, .data = &b, .len = 1 };

		ASSERT_EQ(0, tun_send(&self->t, &s));
		if (i % 128 == 127)	/* keep the TUN's queue of ACKs short */
			acked = peer_last_ack(&self->t, acked, 1);
	}
	acked = peer_last_ack(&self->t, acked, 300) - start;
	ASSERT_EQ(0, getsockopt(self->s, SOL_SOCKET, SO_MEMINFO, meminfo,
				&len));
	TH_LOG("%u one-byte segments, %u acked; rmem %u of rcvbuf %u",
	       n, acked, meminfo[SK_MEMINFO_RMEM_ALLOC],
	       meminfo[SK_MEMINFO_RCVBUF]);
	EXPECT_GE(meminfo[SK_MEMINFO_RCVBUF] + 16384,
		  meminfo[SK_MEMINFO_RMEM_ALLOC]);
	/* What was acknowledged is there, in order. */
	ASSERT_LT(0, acked);
	ASSERT_EQ(0, xtcp_set_nonblock(self->s, true));
	got = 0;
	while (got < acked) {
		ssize_t r = recv(self->s, buf + got, sizeof(buf) - got, 0);

		if (r <= 0)
			break;
		got += r;
	}
	/* ACKs seen on the TUN are a lower bound: its queue may drop some */
	EXPECT_LE(acked, got);
	EXPECT_GE(n, got);
	EXPECT_EQ(-1, xtcp_check(buf, got, 0, 7));
	/* Bytes not taken must have been counted as dropped. */
	drops1 = xtcp_twin_stat("RcvQDrop", "TCPRcvQDrop");
	if (got < n && drops0 >= 0)
		EXPECT_LT(drops0, drops1) TH_LOG("%u bytes refused, not counted",
						 n - got);
}

/*
 * RFC 9293 §3.7.1 lets the peer ask for tiny segments, but an MSS of 1
 * would make us send one byte per segment: 40 bytes of header for each
 * byte of data. Linux never goes below tcp_min_snd_mss (48); neither does
 * xtcp, on the passive side too (its copy of the SYN code had lost the
 * clamp the active side applies).
 */
TEST_F(peer, syn_mss_1_clamped)
{
	unsigned char data[500];
	uint32_t base, off, seen = 0;
	struct tun_seg s;
	int segs = 0;

	ASSERT_EQ(0, peer_established(_metadata, self, 1));
	base = self->c.rcv_nxt;
	xtcp_fill(data, sizeof(data), 0, 3);
	ASSERT_EQ((ssize_t)sizeof(data), send(self->s, data, sizeof(data), 0));
	while (seen < sizeof(data) &&
	       tun_recv(&self->t, &s, xtcp_now_ms() + XTCP_WAIT_MS) > 0) {
		if (!s.len)
			continue;
		off = s.seq - base;
		segs++;
		EXPECT_GE(48, s.len) TH_LOG("segment %d: %u bytes", segs, s.len);
		if (off + s.len < sizeof(data))
			EXPECT_EQ(48, s.len) TH_LOG("segment %d at %u: %u bytes",
						    segs, off, s.len);
		if (off + s.len > seen)
			seen = off + s.len;
		ASSERT_EQ(0, peer_ack(self, base + seen));
	}
	EXPECT_EQ(sizeof(data), seen);
	TH_LOG("%d segments for %zu bytes", segs, sizeof(data));
}

/*
 * An ICMP destination unreachable from the peer's address, quoting the
 * first 8 bytes of one of our segments to it with sequence number @seq.
 */
static int peer_icmp(struct tun_peer *t, uint8_t code, uint16_t mtu,
		     uint16_t lport, uint16_t pport, uint32_t seq)
{
	uint8_t msg[8 + 20 + 8];
	uint8_t *ip = msg + 8, *th = msg + 28;

	memset(msg, 0, sizeof(msg));
	msg[0] = ICMP_DEST_UNREACH;
	msg[1] = code;
	tun_put16(msg + 6, mtu);
	ip[0] = 0x45;
	tun_put16(ip + 2, 1500);
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = xtcp_proto();
	memcpy(ip + 12, &t->local, 4);
	memcpy(ip + 16, &t->peer, 4);
	tun_put16(ip + 10, tun_fold(tun_sum(0, ip, 20)));
	tun_put16(th, lport);
	tun_put16(th + 2, pport);
	tun_put32(th + 4, seq);
	tun_put16(msg + 2, tun_fold(tun_sum(0, msg, sizeof(msg))));
	return tun_write_ip(t, IPPROTO_ICMP, msg, sizeof(msg));
}

static bool oow_icmps_above(long long before)
{
	return xtcp_twin_stat("OutOfWindowIcmps", "OutOfWindowIcmps") > before;
}

static bool wait_oow_icmp(long long before)
{
	long long end = xtcp_now_ms() + XTCP_WAIT_MS;

	while (!oow_icmps_above(before) && xtcp_now_ms() < end)
		usleep(10000);
	return oow_icmps_above(before);
}

/*
 * RFC 5927 §4.1 / tcp_v4_err(): a blind attacker who knows the 4-tuple
 * could otherwise abort any connection attempt with one ICMP message.
 */
TEST_F(peer, icmp_unreach_needs_seq_in_flight)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(80) };
	long long oow;
	struct tun_seg syn;
	uint16_t lport;
	int c;

	inet_pton(AF_INET, TUN_PEER, &dst.sin_addr);
	c = xtcp_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, c);
	ASSERT_EQ(-1, connect(c, (struct sockaddr *)&dst, sizeof(dst)));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_EQ(1, tun_wait(&self->t, TF_SYN, &syn, XTCP_WAIT_MS));
	lport = syn.sport;
	oow = xtcp_twin_stat("OutOfWindowIcmps", "OutOfWindowIcmps");
	/* Port unreachable: fatal in SYN_SENT, if believed. */
	ASSERT_EQ(0, peer_icmp(&self->t, ICMP_PORT_UNREACH, 0, lport, 80,
			       syn.seq + 100000));
	if (oow >= 0)
		EXPECT_TRUE(wait_oow_icmp(oow));
	EXPECT_EQ(0, xtcp_sock_error(c));
	EXPECT_EQ(0, xtcp_poll1(c, POLLOUT, 0) & (POLLOUT | POLLERR));
	/* Quoting the SYN itself it is believed. */
	ASSERT_EQ(0, peer_icmp(&self->t, ICMP_PORT_UNREACH, 0, lport, 80,
			       syn.seq));
	EXPECT_NE(0, xtcp_poll1(c, POLLOUT, XTCP_WAIT_MS) &
		  (POLLOUT | POLLERR));
	EXPECT_EQ(ECONNREFUSED, xtcp_sock_error(c));
	close(c);
}

/*
 * RFC 1191: a router that cannot forward a segment without fragmenting
 * it says so with the MTU it can. A segment too big for 1000 bytes goes
 * out, the peer (playing the router) drops it and reports; the sender must
 * send it again in pieces of at most 1000 - 40 bytes and keep that MSS.
 * The same report quoting a sequence number not in flight changes nothing.
 */
TEST_F(peer, frag_needed_lowers_mss)
{
	unsigned char data[2800];
	uint32_t base, seen = 0;
	struct tun_seg s;
	long long oow;
	int maxseg = 0;
	socklen_t len = sizeof(maxseg);

	ASSERT_EQ(0, peer_established(_metadata, self, 1460));
	base = self->c.rcv_nxt;
	xtcp_fill(data, sizeof(data), 0, 5);
	ASSERT_EQ(1400, send(self->s, data, 1400, 0));
	ASSERT_EQ(1, tun_recv(&self->t, &s, xtcp_now_ms() + XTCP_WAIT_MS));
	ASSERT_EQ(1400, s.len);
	ASSERT_EQ(base, s.seq);

	oow = xtcp_twin_stat("OutOfWindowIcmps", "OutOfWindowIcmps");
	ASSERT_EQ(0, peer_icmp(&self->t, ICMP_FRAG_NEEDED, 1000, PEER_LPORT,
			       self->c.pport, base + 50000));
	if (oow >= 0)
		EXPECT_TRUE(wait_oow_icmp(oow));
	ASSERT_EQ(0, getsockopt(self->s, IPPROTO_TCP, TCP_MAXSEG, &maxseg,
				&len));
	EXPECT_EQ(1460, maxseg) TH_LOG("MSS changed by a forged ICMP");

	ASSERT_EQ(0, peer_icmp(&self->t, ICMP_FRAG_NEEDED, 1000, PEER_LPORT,
			       self->c.pport, base));
	/* The 1400 bytes again, in pieces of at most 960, then more data. */
	ASSERT_EQ(1400, send(self->s, data + 1400, 1400, 0));
	while (seen < sizeof(data) &&
	       tun_recv(&self->t, &s, xtcp_now_ms() + XTCP_WAIT_MS) > 0) {
		if (!s.len)
			continue;
		EXPECT_GE(960, s.len) TH_LOG("segment of %u bytes at %u",
					     s.len, s.seq - base);
		if (s.seq - base + s.len > seen)
			seen = s.seq - base + s.len;
		/* acknowledge, so the rest may come */
		ASSERT_EQ(0, peer_ack(self, base + seen));
	}
	EXPECT_EQ(sizeof(data), seen);
	len = sizeof(maxseg);
	ASSERT_EQ(0, getsockopt(self->s, IPPROTO_TCP, TCP_MAXSEG, &maxseg,
				&len));
	EXPECT_GE(960, maxseg);
}

/*
 * A socket filter sees every segment for the socket (TCP runs
 * sk_filter_trim_cap() on them, and the LSM hook with it): drop-all keeps
 * the peer's data out, and nothing acknowledges it. Detached, the peer's
 * next copy of the same bytes gets through.
 */
TEST_F(peer, socket_filter_drops)
{
	struct sock_filter drop_all[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { .len = 1, .filter = drop_all };
	struct tun_seg s, seg;
	long long drops = -1;
	char buf[16];
	int dummy = 0;

	ASSERT_EQ(0, peer_established(_metadata, self, 1460));
	ASSERT_EQ(0, setsockopt(self->s, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
				sizeof(prog)));
	if (!xtcp_is_native_tcp())
		drops = xtcp_stat("FilterDrop");
	seg = (struct tun_seg){ .sport = self->c.pport, .dport = PEER_LPORT,
				.seq = self->c.snd_nxt, .ack = self->c.rcv_nxt,
				.flags = TF_ACK | TF_PSH, .win = 65535,
				.data = "filtered", .len = 8 };
	ASSERT_EQ(0, tun_send(&self->t, &seg));
	if (drops >= 0) {
		long long end = xtcp_now_ms() + XTCP_WAIT_MS;

		while (xtcp_stat("FilterDrop") <= drops && xtcp_now_ms() < end)
			usleep(10000);
		EXPECT_EQ(drops + 1, xtcp_stat("FilterDrop"));
	}
	/* Nothing acknowledged the bytes; the socket has nothing to read. */
	while (tun_recv(&self->t, &s, xtcp_now_ms() + 200) > 0)
		EXPECT_NE(self->c.snd_nxt + 8, s.ack);
	EXPECT_EQ(-1, recv(self->s, buf, sizeof(buf), MSG_DONTWAIT));

	ASSERT_EQ(0, setsockopt(self->s, SOL_SOCKET, SO_DETACH_FILTER, &dummy,
				sizeof(dummy)));
	ASSERT_EQ(0, tun_send(&self->t, &seg));
	ASSERT_EQ(8, xtcp_read_all(self->s, buf, 8));
	EXPECT_EQ(0, memcmp(buf, "filtered", 8));
}

/* The peer sends @data at offset @off of its stream (after the SYN). */
static int peer_data_at(FIXTURE_DATA(peer) *self, uint32_t off,
			const char *data, uint8_t flags)
{
	struct tun_seg s = { .sport = self->c.pport, .dport = PEER_LPORT,
			     .seq = self->c.snd_nxt + off,
			     .ack = self->c.rcv_nxt, .flags = TF_ACK | flags,
			     .win = 65535, .data = data,
			     .len = data ? strlen(data) : 0 };

	return tun_send(&self->t, &s);
}

/* The next ACK to the peer within @ms; its number less the stream start. */
static long peer_next_ack(FIXTURE_DATA(peer) *self, int ms)
{
	struct tun_seg s;

	if (tun_wait(&self->t, TF_ACK, &s, ms) != 1)
		return -1;
	return (long)(uint32_t)(s.ack - self->c.snd_nxt);
}

static int read_exactly(int fd, char *buf, size_t len)
{
	memset(buf, 0, len + 1);
	return recv(fd, buf, len, MSG_WAITALL) == (ssize_t)len ? 0 : -1;
}

/*
 * Segments after a hole wait; each draws a duplicate ACK for the hole at
 * once (RFC 5681 §4.2, what fast retransmit needs), and the segment that
 * fills it draws an ACK for everything, also at once.
 */
TEST_F(peer, out_of_order_reassembled)
{
	long long ofo = xtcp_twin_stat("OFOQueue", "TCPOFOQueue");
	char buf[16];

	ASSERT_EQ(0, peer_established(_metadata, self, 1460));
	ASSERT_EQ(0, peer_data_at(self, 3, "DEF", 0));
	EXPECT_EQ(0, peer_next_ack(self, 1000)) TH_LOG("no duplicate ACK");
	ASSERT_EQ(0, peer_data_at(self, 6, "GHI", TF_PSH));
	EXPECT_EQ(0, peer_next_ack(self, 1000));
	EXPECT_EQ(0, xtcp_poll1(self->s, POLLIN, 200)) TH_LOG("hole readable");
	ASSERT_EQ(0, peer_data_at(self, 0, "ABC", 0));
	/* at once: well before a 40 ms delayed ACK would go */
	EXPECT_EQ(9, peer_next_ack(self, 1000));
	ASSERT_EQ(0, read_exactly(self->s, buf, 9));
	EXPECT_STREQ("ABCDEFGHI", buf);
	if (ofo >= 0)
		EXPECT_EQ(ofo + 2, xtcp_twin_stat("OFOQueue", "TCPOFOQueue"));
}

/*
 * Overlapping and duplicate segments beyond the hole: every byte is kept
 * once and the stream reads back right, whichever copy brought it.
 */
TEST_F(peer, out_of_order_overlaps_trimmed)
{
	char buf[16];

	ASSERT_EQ(0, peer_established(_metadata, self, 1460));
	ASSERT_EQ(0, peer_data_at(self, 4, "EFGH", 0));
	ASSERT_EQ(0, peer_data_at(self, 2, "CDEF", 0));	/* reaches into it */
	ASSERT_EQ(0, peer_data_at(self, 6, "GHIJ", 0));	/* out of its end */
	ASSERT_EQ(0, peer_data_at(self, 4, "EF", 0));		/* all queued */
	ASSERT_EQ(0, peer_data_at(self, 1, "BCDEFGHIJK", 0));	/* covers all */
	ASSERT_EQ(0, peer_data_at(self, 12, "MN", 0));
	ASSERT_EQ(0, peer_data_at(self, 0, "AB", 0));		/* fills, overlaps */
	ASSERT_EQ(0, read_exactly(self->s, buf, 11));
	EXPECT_STREQ("ABCDEFGHIJK", buf);
	EXPECT_EQ(0, xtcp_poll1(self->s, POLLIN, 200)) TH_LOG("read past L");
	ASSERT_EQ(0, peer_data_at(self, 11, "L", 0));
	ASSERT_EQ(0, read_exactly(self->s, buf, 3));
	EXPECT_STREQ("LMN", buf);
	if (!xtcp_is_native_tcp())
		EXPECT_LT(0, xtcp_twin_stat("OFOMerge", NULL));
}

/* A FIN beyond the hole waits with its data and ends the stream after it. */
TEST_F(peer, out_of_order_fin_waits)
{
	char buf[8];

	ASSERT_EQ(0, peer_established(_metadata, self, 1460));
	ASSERT_EQ(0, peer_data_at(self, 3, "DEF", TF_FIN));
	EXPECT_EQ(0, xtcp_poll1(self->s, POLLIN, 300)) TH_LOG("EOF too early");
	ASSERT_EQ(0, peer_data_at(self, 0, "ABC", 0));
	ASSERT_EQ(0, read_exactly(self->s, buf, 6));
	EXPECT_STREQ("ABCDEF", buf);
	EXPECT_EQ(0, recv(self->s, buf, 1, 0)) TH_LOG("no EOF after the FIN");
}

/* The next ACK to the peer in *@a, within @ms. */
static int peer_next_ack_seg(FIXTURE_DATA(peer) *self, struct tun_seg *a,
			     int ms)
{
	return tun_wait(&self->t, TF_ACK, a, ms) == 1 ? 0 : -1;
}

/* SACK block @i of @a, relative to the peer's stream start. */
#define SACK_REL(self, a, i, j) ((a).sack[i][j] - (self)->c.snd_nxt)

/*
 * A peer that offered SACK-permitted gets SACK blocks (RFC 2018): each
 * duplicate ACK describes what waits beyond the hole, the run holding
 * the segment just received first; runs merge as holes between them
 * fill; a peer that did not offer it gets none.
 */
TEST_F(peer, sack_blocks_describe_the_queue)
{
	struct tun_seg a;

	ASSERT_EQ(0, peer_established_sack(_metadata, self, 1460, 1));
	ASSERT_EQ(0, peer_data_at(self, 3, "DEF", 0));
	ASSERT_EQ(0, peer_next_ack_seg(self, &a, 1000));
	EXPECT_EQ(self->c.snd_nxt, a.ack);
	ASSERT_EQ(1, a.nsack);
	EXPECT_EQ(3u, SACK_REL(self, a, 0, 0));
	EXPECT_EQ(6u, SACK_REL(self, a, 0, 1));
	ASSERT_EQ(0, peer_data_at(self, 9, "JKL", 0));
	ASSERT_EQ(0, peer_next_ack_seg(self, &a, 1000));
	ASSERT_EQ(2, a.nsack);
	EXPECT_EQ(9u, SACK_REL(self, a, 0, 0));	/* the newest first */
	EXPECT_EQ(12u, SACK_REL(self, a, 0, 1));
	EXPECT_EQ(3u, SACK_REL(self, a, 1, 0));
	EXPECT_EQ(6u, SACK_REL(self, a, 1, 1));
	ASSERT_EQ(0, peer_data_at(self, 6, "GHI", 0));
	ASSERT_EQ(0, peer_next_ack_seg(self, &a, 1000));
	ASSERT_EQ(1, a.nsack);
	EXPECT_EQ(3u, SACK_REL(self, a, 0, 0));
	EXPECT_EQ(12u, SACK_REL(self, a, 0, 1));
	ASSERT_EQ(0, peer_data_at(self, 0, "ABC", 0));
	ASSERT_EQ(0, peer_next_ack_seg(self, &a, 1000));
	EXPECT_EQ(self->c.snd_nxt + 12, a.ack);
	EXPECT_EQ(0, a.nsack) TH_LOG("SACK blocks with no hole left");
}

/*
 * Delayed ACKs (RFC 1122 §4.2.3.2, RFC 5681 §4.2): the first segments of
 * a connection are ACKed one by one (Linux's 16 quick ACKs, so the
 * peer's slow start is not held back), then every second full-sized
 * segment. 41 segments in a row: after the 16 quick ones an odd number
 * is left, so at least one ACK must come from the delayed-ACK timer
 * (DelayedACKs).
 */
TEST_F(peer, delayed_acks)
{
	long long delayed = xtcp_twin_stat("DelayedACKs", "DelayedACKs");
	static char seg[1461];
	struct tun_seg a;
	int i, acks = 0;
	long last = 0;
	char buf[1461];

	ASSERT_EQ(0, peer_established(_metadata, self, 1460));
	ASSERT_LT(41 * 1460, self->c.wnd) TH_LOG("window only %u",
						  self->c.wnd);
	memset(seg, 'q', 1460);
	for (i = 0; i < 41; i++)
		ASSERT_EQ(0, peer_data_at(self, i * 1460, seg, 0));
	while (peer_next_ack_seg(self, &a, 500) == 0) {
		acks++;
		last = (long)(uint32_t)(a.ack - self->c.snd_nxt);
	}
	TH_LOG("41 segments drew %d ACKs", acks);
	EXPECT_EQ(41 * 1460, last);
	/*
	 * xtcp: at least every second segment. Linux also holds an ACK
	 * back while the unread data keeps its window from growing (17 of
	 * 41 seen), so only a looser floor holds for it.
	 */
	EXPECT_LE(xtcp_is_native_tcp() ? 10 : 20, acks);
	EXPECT_GE(35, acks) TH_LOG("no ACK was held back");
	if (delayed >= 0)
		EXPECT_LT(delayed, xtcp_twin_stat("DelayedACKs", "DelayedACKs"));
	for (i = 0; i < 41; i++)
		ASSERT_EQ(0, read_exactly(self->s, buf, 1460));
}

/*
 * A read that empties the queue of a small segment sends the delayed ACK
 * at once, as Linux's tcp_cleanup_rbuf(): the segment ends a message, and
 * its sender may be waiting for the ACK to send the next (Nagle). Twenty
 * 100-byte segments, each read as soon as it is in: after the 16 quick
 * ACKs the rest are owed, and each read pays its debt, so the delayed-ACK
 * timer never fires (DelayedACKs unchanged; without the rule at least one
 * ACK waits for it). Every segment is acknowledged in the end.
 */
TEST_F(peer, read_emptying_queue_acks_at_once)
{
	long long delayed = xtcp_twin_stat("DelayedACKs", "DelayedACKs");
	char seg[101], buf[101];
	long last = 0, ack;
	int i;

	ASSERT_EQ(0, peer_established(_metadata, self, 1460));
	memset(seg, 'r', 100);
	seg[100] = 0;
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, peer_data_at(self, i * 100, seg, TF_PSH));
		ASSERT_EQ(0, read_exactly(self->s, buf, 100));
	}
	while ((ack = peer_next_ack(self, 500)) >= 0)
		last = ack > last ? ack : last;
	EXPECT_EQ(20 * 100, last);
	EXPECT_EQ(delayed, xtcp_twin_stat("DelayedACKs", "DelayedACKs"));
}

/*
 * Pingpong (Linux's delayed-ACK mode for request/response): once the
 * application answers data within the delayed-ACK time, the ACK of the
 * next request rides on its answer instead of going alone after the
 * read. Ten exchanges of 10-byte requests and answers, the peer's next
 * request acknowledging the answer: after the first, an answer comes
 * with no bare ACK before it (without pingpong, every read sends one; a
 * slow answer on a loaded host may still let the timer send one, so a
 * few are allowed).
 */
TEST_F(peer, pingpong_acks_ride_on_answers)
{
	int i, bare = 0, answered = 0;
	uint32_t got = 0;
	char buf[11];

	ASSERT_EQ(0, peer_established(_metadata, self, 1460));
	for (i = 0; i < 10; i++) {
		struct tun_seg q = { .sport = self->c.pport,
				     .dport = PEER_LPORT,
				     .seq = self->c.snd_nxt + i * 10,
				     .ack = self->c.rcv_nxt + got,
				     .flags = TF_ACK | TF_PSH, .win = 65535,
				     .data = "0123456789", .len = 10 };
		long long end;
		struct tun_seg a;

		ASSERT_EQ(0, tun_send(&self->t, &q));
		ASSERT_EQ(0, read_exactly(self->s, buf, 10));
		ASSERT_EQ(10, send(self->s, "abcdefghij", 10, 0));
		end = xtcp_now_ms() + XTCP_WAIT_MS;
		while (tun_recv(&self->t, &a, end) > 0) {
			if (!a.len) {
				if (i && a.ack == q.seq + 10)
					bare++;
				continue;
			}
			if (a.seq == self->c.rcv_nxt + got) {
				EXPECT_EQ(q.seq + 10, a.ack);
				got += a.len;
				answered++;
				break;
			}
		}
	}
	EXPECT_EQ(10, answered);
	TH_LOG("%d bare ACKs before 9 answers", bare);
	EXPECT_GE(4, bare);
}

/*
 * D-SACK (RFC 2883): data received a second time is reported in the first
 * SACK block of the ACK it draws, below the ACK number for data already
 * in order, ahead of the queue's own block for out-of-order data.
 */
TEST_F(peer, dsack_reports_duplicates)
{
	long long old0 = xtcp_twin_stat("DSACKOldSent", "TCPDSACKOldSent");
	long long ofo0 = xtcp_twin_stat("DSACKOfoSent", "TCPDSACKOfoSent");
	struct tun_seg a;

	ASSERT_EQ(0, peer_established_sack(_metadata, self, 1460, 1));
	ASSERT_EQ(0, peer_data_at(self, 0, "ABC", 0));
	ASSERT_EQ(0, peer_next_ack_seg(self, &a, 1000));
	EXPECT_EQ(0, a.nsack);
	ASSERT_EQ(0, peer_data_at(self, 0, "ABC", 0));	/* again */
	ASSERT_EQ(0, peer_next_ack_seg(self, &a, 1000));
	EXPECT_EQ(self->c.snd_nxt + 3, a.ack);
	ASSERT_EQ(1, a.nsack) TH_LOG("no D-SACK for old data");
	EXPECT_EQ(0u, SACK_REL(self, a, 0, 0));
	EXPECT_EQ(3u, SACK_REL(self, a, 0, 1));
	ASSERT_EQ(0, peer_data_at(self, 6, "GHI", 0));
	ASSERT_EQ(0, peer_next_ack_seg(self, &a, 1000));
	ASSERT_EQ(1, a.nsack);
	ASSERT_EQ(0, peer_data_at(self, 6, "GHI", 0));	/* again */
	ASSERT_EQ(0, peer_next_ack_seg(self, &a, 1000));
	ASSERT_EQ(2, a.nsack) TH_LOG("no D-SACK for queued data");
	EXPECT_EQ(6u, SACK_REL(self, a, 0, 0));
	EXPECT_EQ(9u, SACK_REL(self, a, 0, 1));
	EXPECT_EQ(6u, SACK_REL(self, a, 1, 0));
	EXPECT_EQ(9u, SACK_REL(self, a, 1, 1));
	if (old0 >= 0)
		EXPECT_EQ(old0 + 1, xtcp_twin_stat("DSACKOldSent",
					      "TCPDSACKOldSent"));
	if (ofo0 >= 0)
		EXPECT_EQ(ofo0 + 1, xtcp_twin_stat("DSACKOfoSent",
					      "TCPDSACKOfoSent"));
}

/* Without SACK-permitted from the peer, no SACK blocks. */
TEST_F(peer, no_sack_blocks_unless_permitted)
{
	struct tun_seg a;

	ASSERT_EQ(0, peer_established(_metadata, self, 1460));
	ASSERT_EQ(0, peer_data_at(self, 3, "DEF", 0));
	ASSERT_EQ(0, peer_next_ack_seg(self, &a, 1000));
	EXPECT_EQ(0, a.nsack);
}

/* SIOCOUTQ of @fd reaches @want within @ms. */
static bool outq_reaches(int fd, int want, int ms)
{
	long long end = xtcp_now_ms() + ms;
	int n = -1;

	do {
		if (ioctl(fd, SIOCOUTQ, &n) == 0 && n == want)
			return true;
		usleep(10000);
	} while (xtcp_now_ms() < end);
	return false;
}

/*
 * A peer that has filled our receive window, and lost some of it, sends
 * its bare ACKs with SEQ at the window's right edge. RFC 9293's table
 * refuses them (SEG.SEQ must be below RCV.NXT+RCV.WND); Linux takes them
 * (tcp_sequence()), and so must we: when both directions are full and
 * both have a hole, refusing each other's ACKs deadlocks the connection
 * (a bidirectional netem transfer stalled so, RTO at 120 s).
 */
TEST_F(peer, ack_at_window_edge_counts)
{
	struct tun_seg s = { 0 }, a;
	long long end;

	ASSERT_EQ(0, peer_established(_metadata, self, 1460));
	ASSERT_EQ(5, send(self->s, "hello", 5, 0));
	end = xtcp_now_ms() + XTCP_WAIT_MS;
	while (!s.len && tun_recv(&self->t, &s, end) > 0)
		;
	ASSERT_EQ(5, s.len) TH_LOG("the data never came");
	ASSERT_LT(0, s.win);
	a = (struct tun_seg){ .sport = self->c.pport, .dport = PEER_LPORT,
			      .seq = s.ack + s.win, .ack = s.seq + 5,
			      .flags = TF_ACK, .win = 65535 };
	ASSERT_EQ(0, tun_send(&self->t, &a));
	EXPECT_TRUE(outq_reaches(self->s, 0, 1000))
		TH_LOG("an ACK at the right edge of the window was refused");
}

/* The peer sends @len bytes at @seq (none: a bare ACK), with @ack, @win. */
static int peer_seg(FIXTURE_DATA(peer) *self, uint32_t seq, uint32_t ack,
		    uint16_t win, uint32_t len)
{
	static const char data[1460];
	struct tun_seg s = { .sport = self->c.pport, .dport = PEER_LPORT,
			     .seq = seq, .ack = ack, .flags = TF_ACK,
			     .win = win, .data = len ? data : NULL,
			     .len = len };

	return tun_send(&self->t, &s);
}

/* TCP_INFO's snd_wnd of @fd reaches @want within @ms. */
static bool snd_wnd_reaches(int fd, uint32_t want, int ms)
{
	long long end = xtcp_now_ms() + ms;
	struct xtcp_info ti;

	do {
		if (xtcp_get_info(fd, &ti) == 0 && ti.snd_wnd == want)
			return true;
		usleep(10000);
	} while (xtcp_now_ms() < end);
	printf("# snd_wnd %u, not %u\n", ti.snd_wnd, want);
	return false;
}

/*
 * The send window counts from SND.UNA, so a segment that acknowledges new
 * data brings the window to count from there, whatever its SEQ (as
 * Linux's tcp_may_update_window()). Here that segment is a retransmission
 * of the peer's own data, older than the one that set the window last:
 * RFC 9293's rule alone (SND.WL1 < SEG.SEQ ...) keeps the old window,
 * whose right edge then lies beyond the peer's, and what is sent beyond
 * it the peer drops, ACKs included. With data both ways and a hole in
 * each, two ends deadlocked so (a bidirectional netem transfer).
 */
TEST_F(peer, window_taken_from_ack_of_new_data)
{
	static char buf[12000];
	uint32_t p, x, high;

	ASSERT_EQ(0, peer_established(_metadata, self, 1460));
	p = self->c.snd_nxt;
	x = high = self->c.rcv_nxt;
	/*
	 * A window of 4000: from a segment with a newer SEQ, the only kind
	 * Linux takes a smaller window from.
	 */
	ASSERT_EQ(0, peer_seg(self, p, x, 65535, 100));
	p += 100;
	ASSERT_EQ(0, peer_seg(self, p, x, 4000, 0));
	ASSERT_TRUE(snd_wnd_reaches(self->s, 4000, 2000));
	ASSERT_EQ((ssize_t)sizeof(buf), send(self->s, buf, sizeof(buf), 0));
	ASSERT_LE(2, tun_burst(&self->t, &high, 300));
	EXPECT_GE(x + 4000, high) TH_LOG("sent beyond the window");
	/* 100 bytes beyond a hole of 100 move the right edge to x + 5000 */
	ASSERT_EQ(0, peer_seg(self, p + 100, x, 5000, 100));
	ASSERT_TRUE(snd_wnd_reaches(self->s, 5000, 2000));
	tun_burst(&self->t, &high, 300);
	EXPECT_GE(x + 5000, high) TH_LOG("sent beyond the window");
	/* the hole, resent, acknowledges 2920: the same edge, from there */
	ASSERT_EQ(0, peer_seg(self, p, x + 2920, 2080, 100));
	EXPECT_TRUE(snd_wnd_reaches(self->s, 2080, 2000))
		TH_LOG("the window of an ACK of new data was not taken");
	tun_burst(&self->t, &high, 300);
	EXPECT_GE(x + 5000, high)
		TH_LOG("sent %u bytes beyond the peer's window", high - x - 5000);
}

/* A bare FIN beyond the hole waits too, and draws a duplicate ACK. */
TEST_F(peer, out_of_order_bare_fin)
{
	char buf[8];

	ASSERT_EQ(0, peer_established(_metadata, self, 1460));
	ASSERT_EQ(0, peer_data_at(self, 3, "DEF", 0));
	EXPECT_EQ(0, peer_next_ack(self, 1000));
	ASSERT_EQ(0, peer_data_at(self, 6, NULL, TF_FIN));
	EXPECT_EQ(0, peer_next_ack(self, 1000)) TH_LOG("bare FIN not ACKed");
	ASSERT_EQ(0, peer_data_at(self, 0, "ABC", 0));
	/* all of it, FIN included, ACKed at once */
	EXPECT_EQ(7, peer_next_ack(self, 1000));
	ASSERT_EQ(0, read_exactly(self->s, buf, 6));
	EXPECT_STREQ("ABCDEF", buf);
	EXPECT_EQ(0, recv(self->s, buf, 1, 0)) TH_LOG("no EOF after the FIN");
}

/*
 * One-byte segments at every other offset beyond a hole: each costs a
 * whole sk_buff, and the out-of-order queue must stay within the receive
 * buffer (TCPOFODrop for the rest; Linux also compacts its queue). Then
 * the whole stream, sent again in order, reads back intact.
 */
TEST_F_TIMEOUT(peer, out_of_order_flood_bounded, 180)
{
	uint32_t meminfo[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(meminfo);
	static char data[4002], buf[4002];
	uint32_t i, n = 4000;

	ASSERT_EQ(0, peer_established(_metadata, self, 1460));
	ASSERT_LT(n, self->c.wnd) TH_LOG("window only %u", self->c.wnd);
	for (i = 0; i < n; i++)
		data[i] = 'a' + i % 26;
	for (i = 2; i < n; i += 2) {
		char b[2] = { data[i], 0 };

		ASSERT_EQ(0, peer_data_at(self, i, b, 0));
		if (i % 256 == 0)	/* keep the TUN's queue of ACKs short */
			peer_last_ack(&self->t, 0, 1);
	}
	peer_last_ack(&self->t, 0, 300);
	ASSERT_EQ(0, getsockopt(self->s, SOL_SOCKET, SO_MEMINFO, meminfo,
				&len));
	TH_LOG("%u one-byte segments beyond a hole; rmem %u of rcvbuf %u",
	       n / 2, meminfo[SK_MEMINFO_RMEM_ALLOC],
	       meminfo[SK_MEMINFO_RCVBUF]);
	EXPECT_GE(meminfo[SK_MEMINFO_RCVBUF] + 16384,
		  meminfo[SK_MEMINFO_RMEM_ALLOC]);
	for (i = 0; i < n; i += 1000) {
		char chunk[1001];

		memcpy(chunk, data + i, 1000);
		chunk[1000] = 0;
		ASSERT_EQ(0, peer_data_at(self, i, chunk, 0));
	}
	ASSERT_EQ(0, read_exactly(self->s, buf, n));
	EXPECT_EQ(0, memcmp(buf, data, n));
}

/*
 * Unread in-order data, then one-byte segments beyond a hole until the
 * buffer is full: the segment that fills the hole must still be taken,
 * the out-of-order queue giving up its memory (as Linux prunes its own),
 * or every retransmission into the hole would be dropped in turn and the
 * connection stall behind a backed-off RTO.
 */
TEST_F_TIMEOUT(peer, in_order_data_wins_over_out_of_order, 180)
{
	static char first[1001], second[1001], third[1001];
	uint32_t i;
	long ack = -1;

	ASSERT_EQ(0, peer_established(_metadata, self, 1460));
	memset(first, 'x', 1000);
	memset(second, 'y', 1000);
	memset(third, 'w', 1000);
	ASSERT_EQ(0, peer_data_at(self, 0, first, 0));
	for (i = 3002; i < 3002 + 6000; i += 2) {
		ASSERT_EQ(0, peer_data_at(self, i, "z", 0));
		if (i % 256 == 0)
			peer_last_ack(&self->t, 0, 1);
	}
	peer_last_ack(&self->t, 0, 300);
	/* the first of these may still fit; the second finds no room */
	ASSERT_EQ(0, peer_data_at(self, 1000, second, 0));
	ASSERT_EQ(0, peer_data_at(self, 2000, third, 0));
	while ((ack = peer_next_ack(self, 1500)) >= 0 && ack < 3000)
		;
	EXPECT_LE(3000, ack) TH_LOG("in-order data dropped for the hole");
}

TEST_HARNESS_MAIN
