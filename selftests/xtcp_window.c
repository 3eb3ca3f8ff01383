// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_window.c - how large windows get: window scaling (RFC 7323 §2),
 * negotiated on the SYNs, in both roles, with a peer played through a TUN
 * device (xtcp_tun.h), and receive-buffer autotuning on loopback.
 *
 * Covered:
 *  - a listener answers a SYN's window-scale option with its own (the
 *    shift Linux picks from rmem[2]: 7 for 6 MiB), never scales the
 *    SYN-ACK's window, and scales every later one; without the option in
 *    the SYN, or with net.xtcp.window_scaling 0, neither side scales;
 *  - the peer's shift is applied to the windows it sends: a field of 250
 *    with shift 4 lets exactly 4000 bytes out;
 *  - a connecting socket offers its shift on the SYN; a SYN-ACK's window
 *    is taken as it is, later ones scaled; a SYN-ACK without the option
 *    turns scaling off for both;
 *  - autotuning: a bulk transfer grows the receive buffer past its
 *    initial size and the window the sender sees past 64 KiB, unless the
 *    reader fixed its buffer (SO_RCVBUF, doubled as Linux does) or
 *    net.xtcp.moderate_rcvbuf is 0.
 *
 * Every test runs in its own network namespace. With XTCP_PROTO=6 the
 * same tests run against the kernel's TCP, whose behaviour is the
 * reference.
 */
#include <netinet/tcp.h>

#include "kselftest_harness.h"
#include "xtcp_common.h"
#include "xtcp_tun.h"

#define WIN_LPORT	7200
#define WIN_PPORT	7201
/* The buffers every test sets, so that the expected shift is known. */
#define WIN_RMEM	"4096 131072 6291456"
#define WIN_SHIFT	7	/* 6291456 needs 7 to fit 16 bits */
/*
 * The peer's MSS: the windows below are multiples of it, since neither
 * xtcp nor Linux sends a small tail into a window while more is queued
 * (sender silly-window avoidance).
 */
#define WIN_MSS		1000

FIXTURE(win) {
	struct tun_peer t;
	int lfd, s;
};

FIXTURE_SETUP(win)
{
	self->t.fd = self->lfd = self->s = -1;
	ASSERT_EQ(0, xtcp_new_netns());
	ASSERT_EQ(0, xtcp_set_sysctl("rmem", WIN_RMEM));
	if (tun_open(&self->t))
		SKIP(return, "no TUN device: %s", strerror(errno));
}

FIXTURE_TEARDOWN(win)
{
	tun_teardown(&self->t, self->s, self->lfd);
}

/* A listener on TUN_LOCAL:WIN_LPORT. */
static int win_listen(FIXTURE_DATA(win) *self)
{
	self->lfd = tun_listen(WIN_LPORT);
	if (self->lfd < 0)
		return -1;
	return xtcp_set_timeouts(self->lfd, XTCP_WAIT_MS);
}

/*
 * The peer connects with window scale @ws (tx convention: shift + 1, 0
 * for none); *synack is the SYN-ACK; the third ACK offers @win. The
 * accepted socket is self->s. 0 or -1.
 */
static int win_passive(FIXTURE_DATA(win) *self, uint8_t ws, uint16_t win,
		       struct tun_seg *synack)
{
	struct tun_seg s = { .sport = WIN_PPORT, .dport = WIN_LPORT,
			     .seq = 1000, .flags = TF_SYN, .win = 65535,
			     .mss = WIN_MSS, .ws = ws };
	int one = 1;

	if (win_listen(self) || tun_send(&self->t, &s) ||
	    tun_wait(&self->t, TF_SYN | TF_ACK, synack, XTCP_WAIT_MS) != 1 ||
	    synack->ack != 1001)
		return -1;
	s = (struct tun_seg){ .sport = WIN_PPORT, .dport = WIN_LPORT,
			      .seq = 1001, .ack = synack->seq + 1,
			      .flags = TF_ACK, .win = win };
	if (tun_send(&self->t, &s))
		return -1;
	self->s = accept(self->lfd, NULL, NULL);
	if (self->s < 0)
		return -1;
	setsockopt(self->s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return xtcp_set_timeouts(self->s, XTCP_WAIT_MS);
}

/* The peer sends @len bytes at @seq; the window field of the ACK. -1: none. */
static long win_data_ack(FIXTURE_DATA(win) *self, uint16_t sport,
			 uint16_t dport, uint32_t seq, uint32_t ack,
			 uint32_t len)
{
	static const char data[1000];
	struct tun_seg s = { .sport = sport, .dport = dport, .seq = seq,
			     .ack = ack, .flags = TF_ACK | TF_PSH,
			     .win = 1000, .data = data, .len = len };
	long long end = xtcp_now_ms() + XTCP_WAIT_MS;

	if (tun_send(&self->t, &s))
		return -1;
	while (tun_recv(&self->t, &s, end) > 0)
		if ((s.flags & TF_ACK) && s.ack == seq + len)
			return s.win;
	return -1;
}

/*
 * Bytes of new data the stack sends the peer, from the first segment to
 * the highest end seen, until @ms pass without new data (retransmissions
 * of what was counted neither count nor extend the wait); within 5 s.
 */
static long win_count_data(struct tun_peer *t, int ms)
{
	long long end = xtcp_now_ms() + 5000, quiet = xtcp_now_ms() + ms;
	uint32_t first = 0, high = 0;
	bool any = false;
	struct tun_seg s;

	while (tun_recv(t, &s, quiet < end ? quiet : end) > 0) {
		if (!s.len)
			continue;
		if (!any) {
			first = s.seq;
			high = s.seq;
			any = true;
		}
		if ((int32_t)(s.seq + s.len - high) > 0) {
			high = s.seq + s.len;
			quiet = xtcp_now_ms() + ms;
		}
	}
	return any ? (long)(high - first) : 0;
}

/* A window the field says with @shift, against the 128 KiB buffer. */
static bool win_plausible(long field, int shift)
{
	long bytes = field << shift;

	return field > 0 && bytes >= 16384 && bytes <= 131072;
}

TEST_F(win, listener_answers_scale)
{
	struct tun_seg sa;
	long field;

	ASSERT_EQ(0, win_passive(self, 2 + 1, 65535, &sa));
	ASSERT_EQ(WIN_SHIFT + 1, sa.ws);
	/* A SYN-ACK's window is never scaled: the buffer's half, unshifted. */
	EXPECT_GE(sa.win, 16384);
	field = win_data_ack(self, WIN_PPORT, WIN_LPORT, 1001, sa.seq + 1, 100);
	TH_LOG("SYN-ACK window %u, ACK window field %ld (shift %d)", sa.win,
	       field, WIN_SHIFT);
	EXPECT_TRUE(win_plausible(field, WIN_SHIFT));
}

TEST_F(win, listener_no_scale_without_option)
{
	struct tun_seg sa;
	long field;

	ASSERT_EQ(0, win_passive(self, 0, 65535, &sa));
	EXPECT_EQ(0, sa.ws);
	field = win_data_ack(self, WIN_PPORT, WIN_LPORT, 1001, sa.seq + 1, 100);
	EXPECT_TRUE(win_plausible(field, 0));
}

TEST_F(win, listener_sysctl_off)
{
	struct tun_seg sa;
	long field;

	ASSERT_EQ(0, xtcp_set_sysctl("window_scaling", "0"));
	ASSERT_EQ(0, win_passive(self, 7 + 1, 65535, &sa));
	EXPECT_EQ(0, sa.ws);
	field = win_data_ack(self, WIN_PPORT, WIN_LPORT, 1001, sa.seq + 1, 100);
	EXPECT_TRUE(win_plausible(field, 0));
}

/* Shift 4, field 250: 4000 bytes may go out, not 250 and not more. */
TEST_F(win, peer_scale_applied)
{
	static char buf[20000];
	struct tun_seg sa;

	ASSERT_EQ(0, win_passive(self, 4 + 1, 250, &sa));
	ASSERT_EQ((ssize_t)sizeof(buf), send(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(4000, win_count_data(&self->t, 500));
}

/*
 * Our SYN to the peer: its window-scale option; *syn is the SYN. The
 * peer answers with scale @ws (0: none) and window @win. 0 or -1.
 */
static int win_active(FIXTURE_DATA(win) *self, uint8_t ws, uint16_t win,
		      struct tun_seg *syn)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(WIN_LPORT) };
	struct tun_seg s;
	int one = 1;

	inet_pton(AF_INET, TUN_PEER, &sin.sin_addr);
	self->s = xtcp_socket();
	if (self->s < 0 || xtcp_set_nonblock(self->s, true))
		return -1;
	setsockopt(self->s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(self->s, (struct sockaddr *)&sin, sizeof(sin)) == 0 ||
	    errno != EINPROGRESS ||
	    tun_wait(&self->t, TF_SYN, syn, XTCP_WAIT_MS) != 1)
		return -1;
	s = (struct tun_seg){ .sport = WIN_LPORT, .dport = syn->sport,
			      .seq = 5000, .ack = syn->seq + 1,
			      .flags = TF_SYN | TF_ACK, .win = win,
			      .mss = WIN_MSS, .ws = ws };
	if (tun_send(&self->t, &s) ||
	    !(xtcp_poll1(self->s, POLLOUT, XTCP_WAIT_MS) & POLLOUT) ||
	    xtcp_sock_error(self->s))
		return -1;
	return xtcp_set_nonblock(self->s, false);
}

TEST_F(win, connect_offers_scale)
{
	static char buf[20000];
	struct tun_seg syn, s;
	long field;

	ASSERT_EQ(0, win_active(self, 3 + 1, 1000, &syn));
	EXPECT_EQ(WIN_SHIFT + 1, syn.ws);
	/* The SYN-ACK's 1000 is not scaled; this ACK's 1000 is: 8000. */
	s = (struct tun_seg){ .sport = WIN_LPORT, .dport = syn.sport,
			      .seq = 5001, .ack = syn.seq + 1,
			      .flags = TF_ACK, .win = 1000 };
	ASSERT_EQ(0, tun_send(&self->t, &s));
	ASSERT_EQ((ssize_t)sizeof(buf), send(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(8000, win_count_data(&self->t, 500));
	/* Our windows are scaled too. */
	field = win_data_ack(self, WIN_LPORT, syn.sport, 5001, syn.seq + 1 + 8000,
			     100);
	EXPECT_TRUE(win_plausible(field, WIN_SHIFT));
}

TEST_F(win, connect_synack_without_scale)
{
	static char buf[20000];
	struct tun_seg syn, s;
	long field;

	ASSERT_EQ(0, win_active(self, 0, 1000, &syn));
	EXPECT_EQ(WIN_SHIFT + 1, syn.ws);
	s = (struct tun_seg){ .sport = WIN_LPORT, .dport = syn.sport,
			      .seq = 5001, .ack = syn.seq + 1,
			      .flags = TF_ACK, .win = 3000 };
	ASSERT_EQ(0, tun_send(&self->t, &s));
	ASSERT_EQ((ssize_t)sizeof(buf), send(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(3000, win_count_data(&self->t, 500));
	field = win_data_ack(self, WIN_LPORT, syn.sport, 5001, syn.seq + 1 + 3000,
			     100);
	EXPECT_TRUE(win_plausible(field, 0));
}

TEST_F(win, connect_sysctl_off)
{
	struct tun_seg syn;

	ASSERT_EQ(0, xtcp_set_sysctl("window_scaling", "0"));
	ASSERT_EQ(0, win_active(self, 3 + 1, 1000, &syn));
	EXPECT_EQ(0, syn.ws);
}

/*
 * Loopback: @total bytes from *c to *s, read as they come; false on an
 * error or a stall.
 */
static bool win_pump(int c, int s, size_t total)
{
	static char buf[65536];
	size_t sent = 0, got = 0;
	long long end = xtcp_now_ms() + 60000;

	if (xtcp_set_nonblock(c, true) || xtcp_set_nonblock(s, true))
		return false;
	while (got < total && xtcp_now_ms() < end) {
		struct pollfd p[2] = {
			{ .fd = c, .events = sent < total ? POLLOUT : 0 },
			{ .fd = s, .events = POLLIN },
		};
		ssize_t n;

		if (poll(p, 2, 1000) < 0)
			return false;
		if (p[0].revents & POLLOUT) {
			n = send(c, buf, total - sent < sizeof(buf) ?
				 total - sent : sizeof(buf), 0);
			if (n > 0)
				sent += n;
		}
		if (p[1].revents & POLLIN) {
			n = recv(s, buf, sizeof(buf), 0);
			if (n <= 0)
				return false;
			got += n;
		}
	}
	return got == total;
}

static int win_rcvbuf(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len);
	return v;
}

static unsigned int win_snd_wnd(int fd)
{
	struct xtcp_info ti;

	return xtcp_get_info(fd, &ti) ? 0 : ti.snd_wnd;
}

TEST_F(win, autotuning_grows_buffer)
{
	int c, s, before;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	before = win_rcvbuf(s);
	EXPECT_EQ(131072, before);
	ASSERT_TRUE(win_pump(c, s, 32 << 20));
	TH_LOG("receive buffer %d -> %d, sender's window %u", before,
	       win_rcvbuf(s), win_snd_wnd(c));
	EXPECT_GT(win_rcvbuf(s), before);
	EXPECT_GT(win_snd_wnd(c), 65535u);
	close(c);
	close(s);
}

TEST_F(win, autotuning_off_for_fixed_buffer)
{
	int c, s, v = 65536;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	EXPECT_EQ(2 * v, win_rcvbuf(s));
	ASSERT_TRUE(win_pump(c, s, 16 << 20));
	EXPECT_EQ(2 * v, win_rcvbuf(s));
	close(c);
	close(s);
}

TEST_F(win, autotuning_sysctl_off)
{
	int c, s;

	ASSERT_EQ(0, xtcp_set_sysctl("moderate_rcvbuf", "0"));
	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_TRUE(win_pump(c, s, 16 << 20));
	EXPECT_EQ(131072, win_rcvbuf(s));
	close(c);
	close(s);
}

TEST_HARNESS_MAIN
