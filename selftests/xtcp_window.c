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
 *  - a connect()'s first RTT comes from the handshake: the SYN's send
 *    time, or the SYN-ACK's timestamp echo after a resent SYN, else none
 *    and a 3 s RTO;
 *  - a shut window (RFC 9293 §3.8.6.1): bare probes one below SND.UNA,
 *    their intervals doubling up to net.xtcp.retries2 doublings, then
 *    steady; a peer that answers keeps the connection through many more
 *    probes than retries2 allows unanswered, and the data goes as soon as
 *    the window opens, the backoff forgotten (unacknowledged, it goes
 *    again after its own RTO, not the probe's); with TCP_USER_TIMEOUT the
 *    probing ends with ETIMEDOUT that long after the first probe, on
 *    time, answered or not; a window open by less than the waiting
 *    segment gets that much of it in the next probe (Linux);
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

/*
 * connect(); the peer lets @lost SYNs go unanswered and answers the next
 * one 200 ms late, echoing its TSval if @ts. 0 or -1.
 */
static int win_active_late(FIXTURE_DATA(win) *self, int lost, bool ts)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(WIN_LPORT) };
	struct tun_seg syn, s;

	inet_pton(AF_INET, TUN_PEER, &sin.sin_addr);
	self->s = xtcp_socket();
	if (self->s < 0 || xtcp_set_nonblock(self->s, true))
		return -1;
	if (connect(self->s, (struct sockaddr *)&sin, sizeof(sin)) == 0 ||
	    errno != EINPROGRESS)
		return -1;
	do {
		if (tun_wait(&self->t, TF_SYN, &syn, XTCP_WAIT_MS) != 1 ||
		    (ts && !syn.ts))
			return -1;
	} while (lost--);
	usleep(200000);
	s = (struct tun_seg){ .sport = WIN_LPORT, .dport = syn.sport,
			      .seq = 5000, .ack = syn.seq + 1,
			      .flags = TF_SYN | TF_ACK, .win = 65535,
			      .mss = WIN_MSS, .ts = ts, .tsval = 7,
			      .tsecr = syn.tsval };
	if (tun_send(&self->t, &s) ||
	    !(xtcp_poll1(self->s, POLLOUT, XTCP_WAIT_MS) & POLLOUT) ||
	    xtcp_sock_error(self->s))
		return -1;
	return 0;
}

/* The connected socket's smoothed RTT and RTO (µs); then it goes. */
static void win_rtt(FIXTURE_DATA(win) *self, uint32_t *rtt, uint32_t *rto)
{
	struct linger now = { .l_onoff = 1, .l_linger = 0 };
	struct xtcp_info ti;

	memset(&ti, 0, sizeof(ti));
	xtcp_get_info(self->s, &ti);
	*rtt = ti.base.tcpi_rtt;
	*rto = ti.base.tcpi_rto;
	setsockopt(self->s, SOL_SOCKET, SO_LINGER, &now, sizeof(now));
	close(self->s);
	self->s = -1;
}

/*
 * A connect()'s first RTT comes from the handshake (RFC 6298 §2.2):
 * answered 200 ms late, the SYN gives about 200 ms; a SYN sent twice
 * gives one only through the SYN-ACK's timestamp echo (RFC 7323 §4.1,
 * Karn's rule otherwise), and with none the data's RTO is 3 s (RFC 6298
 * §5.7), as Linux.
 */
TEST_F(win, connect_rtt_from_handshake)
{
	uint32_t rtt, rto;

	ASSERT_EQ(0, win_active_late(self, 1, false));
	win_rtt(self, &rtt, &rto);
	TH_LOG("SYN sent twice: rtt %u us, rto %u us", rtt, rto);
	EXPECT_EQ(0, rtt);
	EXPECT_EQ(3000000, rto);

	ASSERT_EQ(0, win_active_late(self, 0, false));
	win_rtt(self, &rtt, &rto);
	TH_LOG("SYN once: rtt %u us, rto %u us", rtt, rto);
	EXPECT_LE(190000, rtt);
	EXPECT_GE(700000, rtt);
	EXPECT_GT(1000000, rto);

	ASSERT_EQ(0, win_active_late(self, 1, true));
	win_rtt(self, &rtt, &rto);
	TH_LOG("SYN twice, timestamps: rtt %u us, rto %u us", rtt, rto);
	EXPECT_LE(190000, rtt);
	EXPECT_GE(700000, rtt);
	EXPECT_GT(1000000, rto);
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

/*
 * The peer's window stays shut: it answers every segment the stack sends
 * with an ACK of everything (@ack), window 0. Until @n probes came, the
 * socket @fd reports an error, or @ms passed; their arrival times (ms)
 * go into @at. A segment other than a bare ACK one below @ack is no
 * probe: -1. Return: the number of probes.
 */
static int win_answer_probes(FIXTURE_DATA(win) *self, uint32_t ack,
			     long long *at, int n, int fd, int ms)
{
	long long end = xtcp_now_ms() + ms;
	struct tun_seg s;
	int got = 0;

	while (got < n && xtcp_now_ms() < end) {
		struct tun_seg a = { .sport = WIN_PPORT, .dport = WIN_LPORT,
				     .seq = 1001, .ack = ack, .flags = TF_ACK,
				     .win = 0 };
		int r = tun_recv(&self->t, &s, xtcp_now_ms() + 20);

		if (r < 0)
			return -1;
		if (xtcp_poll1(fd, POLLERR, 0) > 0)
			break;
		if (!r || s.dport != WIN_PPORT)
			continue;
		if (s.flags != TF_ACK || s.len || s.seq != ack - 1)
			return -1;
		at[got++] = xtcp_now_ms();
		if (tun_send(&self->t, &a))
			return -1;
	}
	return got;
}

/* The established connection's data waits behind a window of 0. */
static int win_shut(FIXTURE_DATA(win) *self, struct tun_seg *sa)
{
	if (win_passive(self, 0, 0, sa))
		return -1;
	return send(self->s, "persist", 7, 0) == 7 ? 0 : -1;
}

/*
 * retries2 3: probes 0.4, 0.8, 1.6 s apart, then 1.6 s each (Linux's
 * icsk_backoff stops at retries2); eight probes, each answered, and the
 * connection lives. Then the window opens: the data comes before the
 * next probe would, and TCP_INFO shows the backoff and the RTO undone.
 */
TEST_F(win, zero_window_probes_back_off)
{
	struct xtcp_info ti;
	long long at[8], open_at;
	struct tun_seg sa, d, a;
	double iv[7];
	int i, n;

	ASSERT_EQ(0, xtcp_set_sysctl("retries2", "3"));
	ASSERT_EQ(0, win_shut(self, &sa));
	/* 9.4 s of probes; more time for a loaded host */
	n = win_answer_probes(self, sa.seq + 1, at, 8, self->s, 20000);
	ASSERT_EQ(8, n) TH_LOG("only %d probes", n);
	for (i = 0; i < 7; i++) {
		iv[i] = at[i + 1] - at[i];
		TH_LOG("probe %d after %.0f ms", i + 2, iv[i]);
	}
	for (i = 1; i < 3; i++) {
		EXPECT_LE(1.5 * iv[i - 1], iv[i]) TH_LOG("no doubling at %d", i);
		EXPECT_GE(2.7 * iv[i - 1], iv[i]) TH_LOG("more than doubled");
	}
	for (i = 3; i < 7; i++) {
		EXPECT_LE(0.75 * iv[2], iv[i]) TH_LOG("interval %d shrank", i);
		EXPECT_GE(1.35 * iv[2], iv[i]) TH_LOG("backed off past retries2");
	}
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	EXPECT_EQ(TCP_ESTABLISHED, ti.base.tcpi_state);
	EXPECT_EQ(3, ti.base.tcpi_backoff);

	a = (struct tun_seg){ .sport = WIN_PPORT, .dport = WIN_LPORT,
			      .seq = 1001, .ack = sa.seq + 1, .flags = TF_ACK,
			      .win = 65535 };
	ASSERT_EQ(0, tun_send(&self->t, &a));
	open_at = xtcp_now_ms();
	ASSERT_EQ(1, tun_wait(&self->t, TF_ACK, &d, 1000))
		TH_LOG("no data within 1 s of the window opening");
	TH_LOG("data %lld ms after the window opened", xtcp_now_ms() - open_at);
	EXPECT_EQ(7, d.len);
	EXPECT_EQ(sa.seq + 1, d.seq);
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	EXPECT_EQ(0, ti.base.tcpi_backoff);
	EXPECT_GT(1000000u, ti.base.tcpi_rto);
	/*
	 * Unacknowledged, the data goes again after its own RTO, not when
	 * the next probe would have gone (1.6 s after the last).
	 */
	ASSERT_EQ(1, tun_wait(&self->t, TF_ACK, &d, 3000));
	TH_LOG("sent again %lld ms after the window opened (rto %u us)",
	       xtcp_now_ms() - open_at, ti.base.tcpi_rto);
	EXPECT_EQ(7, d.len);
	EXPECT_GT(ti.base.tcpi_rto / 1000 * 3 / 2 + 100, xtcp_now_ms() - open_at);
}

/*
 * The window opens by 3 bytes while 7 wait: too little for the sender's
 * silly-window rule, so nothing goes at once; the next probe carries the
 * 3 bytes that fit (with PSH), as Linux's tcp_write_wakeup() sends them,
 * not a bare ACK, and the probing is over. The rest follows once the
 * window opens wide.
 */
TEST_F(win, zero_window_probe_carries_what_fits)
{
	struct tun_seg sa, p, d, a;
	struct xtcp_info ti;

	ASSERT_EQ(0, win_shut(self, &sa));
	ASSERT_EQ(1, tun_wait(&self->t, TF_ACK, &p, 3000)) TH_LOG("no probe");
	ASSERT_EQ(0u, p.len);
	ASSERT_EQ(sa.seq, p.seq);	/* SND.UNA - 1 */
	a = (struct tun_seg){ .sport = WIN_PPORT, .dport = WIN_LPORT,
			      .seq = 1001, .ack = sa.seq + 1, .flags = TF_ACK,
			      .win = 3 };
	ASSERT_EQ(0, tun_send(&self->t, &a));
	ASSERT_EQ(1, tun_wait(&self->t, TF_ACK, &d, 5000)) TH_LOG("no probe");
	TH_LOG("next probe: seq +%u, %u bytes, flags 0x%x", d.seq - sa.seq,
	       d.len, d.flags);
	EXPECT_EQ(sa.seq + 1, d.seq);
	ASSERT_EQ(3u, d.len) TH_LOG("the probe did not carry the 3 bytes");
	EXPECT_EQ(TF_PSH, d.flags & TF_PSH);
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	EXPECT_EQ(0, ti.base.tcpi_backoff);
	EXPECT_EQ(1u, ti.base.tcpi_unacked);

	a.ack = sa.seq + 4;
	a.win = 65535;
	ASSERT_EQ(0, tun_send(&self->t, &a));
	ASSERT_EQ(1, tun_wait(&self->t, TF_ACK, &d, 1000))
		TH_LOG("the rest did not follow");
	EXPECT_EQ(sa.seq + 4, d.seq);
	EXPECT_EQ(4u, d.len);
}

/*
 * TCP_USER_TIMEOUT 3 s: answered probes at 0, 0.4, 1.2, 2.8 s, then the
 * wait is cut to what is left of the 3 s and the connection ends with
 * ETIMEDOUT (Linux: 3 s after the first probe; the next backed-off probe
 * would have come at 6 s). Without the timeout it would live on.
 */
TEST_F(win, zero_window_user_timeout)
{
	long long at[16], dead;
	int ut = 3000, err = 0, n;
	socklen_t len = sizeof(err);
	struct tun_seg sa;

	ASSERT_EQ(0, win_shut(self, &sa));
	ASSERT_EQ(0, setsockopt(self->s, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut,
				sizeof(ut)));
	n = win_answer_probes(self, sa.seq + 1, at, 16, self->s, 10000);
	dead = xtcp_now_ms();
	ASSERT_LT(0, n);
	ASSERT_LT(0, xtcp_poll1(self->s, POLLERR, 0)) TH_LOG("%d probes, alive",
							      n);
	TH_LOG("%d probes; ETIMEDOUT %lld ms after the first", n,
	       dead - at[0]);
	ASSERT_EQ(0, getsockopt(self->s, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(ETIMEDOUT, err);
	EXPECT_LE(2900, dead - at[0]);
	EXPECT_GE(4500, dead - at[0]);
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
