// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_close.c - connection teardown.
 *
 * Covers: half-close (SHUT_WR: peer reads all data then EOF, the other
 * direction keeps working), SHUT_RD, the four-way close in both orders with
 * the state progression seen in /proc/net/xtcp (FIN_WAIT2/CLOSE_WAIT, then
 * TIME_WAIT on the active closer and nothing left on the passive one),
 * SO_LINGER {1,0} abort (peer: ECONNRESET, POLLERR|POLLHUP, no TIME_WAIT),
 * SO_LINGER with a time (close() waits for the FIN's ACK, at most that long),
 * close with unread data (RST, RFC 9293 3.10.4 / Linux), errors on shut
 * sockets (ENOTCONN, EINVAL, EPIPE, SIGPIPE) and shutdown() of a listener.
 *
 * With XTCP_PROTO=6 the socket table read is /proc/net/tcp instead.
 * Every expectation is native TCP's behaviour: XTCP_PROTO=6 must pass.
 */
#include "kselftest_harness.h"
#include "xtcp_common.h"

/* tcp_states.h */
enum {
	ST_ESTABLISHED = 0x01,
	ST_FIN_WAIT1 = 0x04,
	ST_FIN_WAIT2 = 0x05,
	ST_TIME_WAIT = 0x06,
	ST_CLOSE_WAIT = 0x08,
	ST_LAST_ACK = 0x09,
	ST_LISTEN = 0x0A,
};

TEST(half_close)
{
	char buf[64];
	int c, s;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, xtcp_set_timeouts(c, XTCP_WAIT_MS));
	ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));

	ASSERT_EQ(7, send(c, "request", 7, 0));
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	/* All data before the FIN, then EOF. */
	ASSERT_EQ(7, xtcp_read_all(s, buf, 7));
	EXPECT_EQ(0, memcmp(buf, "request", 7));
	EXPECT_EQ(0, recv(s, buf, sizeof(buf), 0));

	/* The server's direction is untouched. */
	ASSERT_EQ(8, send(s, "response", 8, 0));
	ASSERT_EQ(8, xtcp_read_all(c, buf, 8));
	EXPECT_EQ(0, memcmp(buf, "response", 8));
	ASSERT_EQ(5, send(s, "more!", 5, 0));
	ASSERT_EQ(5, xtcp_read_all(c, buf, 5));

	/* Now the server finishes too: client sees EOF. */
	ASSERT_EQ(0, shutdown(s, SHUT_WR));
	EXPECT_EQ(0, recv(c, buf, sizeof(buf), 0));
	close(c);
	close(s);
}

TEST(send_after_shut_wr)
{
	struct sigaction sa = { .sa_handler = SIG_IGN }, old;
	char buf[4] = "x";
	int c, s;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	EXPECT_EQ(-1, send(c, buf, 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	/* write() has no MSG_NOSIGNAL: EPIPE once SIGPIPE is ignored. */
	ASSERT_EQ(0, sigaction(SIGPIPE, &sa, &old));
	EXPECT_EQ(-1, write(c, buf, 1));
	EXPECT_EQ(EPIPE, errno);
	ASSERT_EQ(0, sigaction(SIGPIPE, &old, NULL));
	/* A second SHUT_WR is harmless. */
	EXPECT_EQ(0, shutdown(c, SHUT_WR));
	close(c);
	close(s);
}

/* Without MSG_NOSIGNAL the writer on a shut socket gets SIGPIPE. */
TEST_SIGNAL(send_after_shut_wr_sigpipe, SIGPIPE)
{
	int c, s;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	send(c, "x", 1, 0);
	/* Not reached when SIGPIPE is delivered. */
	close(c);
	close(s);
}

TEST(shut_rd)
{
	char buf[8];
	int c, s;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, shutdown(s, SHUT_RD));
	/* Linux TCP: an empty receive queue after SHUT_RD reads EOF at once. */
	EXPECT_EQ(0, recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(0, recv(s, buf, sizeof(buf), 0));
	/* SHUT_RD sends nothing: the peer is not told and can still write. */
	EXPECT_EQ(2, send(c, "ok", 2, MSG_NOSIGNAL));
	/* The writing direction still works. */
	ASSERT_EQ(0, xtcp_set_timeouts(c, XTCP_WAIT_MS));
	ASSERT_EQ(3, send(s, "yes", 3, 0));
	ASSERT_EQ(3, xtcp_read_all(c, buf, 3));
	close(c);
	close(s);
}

TEST(shutdown_errors)
{
	int fd, c, s;

	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, shutdown(fd, SHUT_WR));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, shutdown(fd, SHUT_RDWR));
	EXPECT_EQ(ENOTCONN, errno);
	close(fd);

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	/* "how" outside SHUT_RD..SHUT_RDWR. */
	EXPECT_EQ(-1, shutdown(c, 3));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, shutdown(c, -1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, shutdown(c, SHUT_RDWR));
	close(c);
	close(s);
}

TEST(shutdown_listener)
{
	int lfd, port, c;

	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	/* SHUT_WR on a listener is a no-op: it keeps listening. */
	EXPECT_EQ(0, shutdown(lfd, SHUT_WR));
	EXPECT_EQ(ST_LISTEN, xtcp_proc_state(port, 0, NULL));
	/*
	 * SHUT_RD disconnects it (the classic way to wake a thread blocked
	 * in accept()): accept then fails with EINVAL and the port refuses.
	 */
	EXPECT_EQ(0, shutdown(lfd, SHUT_RD));
	EXPECT_EQ(-1, accept(lfd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	c = xtcp_socket();
	ASSERT_LE(0, c);
	EXPECT_EQ(-1, xtcp_connect_port(c, port));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(c);
	close(lfd);
}

/*
 * Four-way close, @client_first chooses the active closer.  The active
 * closer's tuple must go FIN_WAIT2 -> TIME_WAIT, the passive one's
 * CLOSE_WAIT -> (LAST_ACK) -> gone.
 */
static void four_way(struct __test_metadata *_metadata, bool client_first)
{
	int c, s, a, p, ap, pp, st;
	char buf[8];

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, xtcp_set_timeouts(c, XTCP_WAIT_MS));
	ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));
	a = client_first ? c : s;	/* active closer */
	p = client_first ? s : c;	/* passive closer */
	ap = xtcp_local_port(a);
	pp = xtcp_local_port(p);
	ASSERT_LT(0, ap);
	ASSERT_LT(0, pp);

	EXPECT_EQ(ST_ESTABLISHED, xtcp_proc_state(ap, pp, NULL));
	EXPECT_EQ(ST_ESTABLISHED, xtcp_proc_state(pp, ap, NULL));

	close(a);
	st = xtcp_wait_proc_state(ap, pp, ST_FIN_WAIT2, XTCP_WAIT_MS);
	EXPECT_EQ(ST_FIN_WAIT2, st);
	st = xtcp_wait_proc_state(pp, ap, ST_CLOSE_WAIT, XTCP_WAIT_MS);
	EXPECT_EQ(ST_CLOSE_WAIT, st);
	EXPECT_EQ(0, recv(p, buf, sizeof(buf), 0));
	/* CLOSE_WAIT may still send; the orphaned FIN_WAIT2 end drops it. */

	close(p);
	st = xtcp_wait_proc_state(ap, pp, ST_TIME_WAIT, XTCP_WAIT_MS);
	EXPECT_EQ(ST_TIME_WAIT, st);
	/* The passive closer leaves the table after the last ACK. */
	st = xtcp_wait_proc_state(pp, ap, -1, XTCP_WAIT_MS);
	EXPECT_EQ(-1, st) TH_LOG("passive closer still in state %02X", st);
	/* TIME_WAIT persists (60 s), it is not torn down early. */
	usleep(200000);
	EXPECT_EQ(ST_TIME_WAIT, xtcp_proc_state(ap, pp, NULL));
}

TEST(four_way_client_first)
{
	four_way(_metadata, true);
}

TEST(four_way_server_first)
{
	four_way(_metadata, false);
}

TEST(four_way_states_with_open_fds)
{
	unsigned long ino = 0;
	int c, s, cp, sp;
	char buf[8];

	/* shutdown() instead of close(): the sockets keep their inode. */
	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));
	cp = xtcp_local_port(c);
	sp = xtcp_local_port(s);
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	EXPECT_EQ(ST_FIN_WAIT2,
		  xtcp_wait_proc_state(cp, sp, ST_FIN_WAIT2, XTCP_WAIT_MS));
	EXPECT_EQ(ST_CLOSE_WAIT,
		  xtcp_wait_proc_state(sp, cp, ST_CLOSE_WAIT, XTCP_WAIT_MS));
	EXPECT_EQ(ST_CLOSE_WAIT, xtcp_proc_state(sp, cp, &ino));
	EXPECT_NE(0, ino);
	EXPECT_EQ(0, recv(s, buf, sizeof(buf), 0));
	/* CLOSE_WAIT can still send to the half-open peer. */
	ASSERT_EQ(2, send(s, "hi", 2, 0));
	ASSERT_EQ(0, xtcp_set_timeouts(c, XTCP_WAIT_MS));
	ASSERT_EQ(2, xtcp_read_all(c, buf, 2));
	ASSERT_EQ(0, shutdown(s, SHUT_WR));
	EXPECT_EQ(ST_TIME_WAIT,
		  xtcp_wait_proc_state(cp, sp, ST_TIME_WAIT, XTCP_WAIT_MS));
	/*
	 * LAST_ACK -> CLOSE: a CLOSE socket is unhashed, so it leaves the
	 * table even though its fd is still open.
	 */
	EXPECT_EQ(-1, xtcp_wait_proc_state(sp, cp, -1, XTCP_WAIT_MS));
	EXPECT_EQ(0, recv(c, buf, sizeof(buf), 0));
	close(c);
	close(s);
}

/* The peer of an aborted connection: ECONNRESET once, then EOF/EPIPE. */
static void expect_reset(struct __test_metadata *_metadata, int fd)
{
	char buf[8];
	int rev;

	/* Wait for the RST itself: POLLOUT alone is true before it lands. */
	xtcp_poll1(fd, POLLIN | POLLRDHUP, XTCP_WAIT_MS);
	rev = xtcp_poll1(fd, POLLIN | POLLOUT | POLLRDHUP, 0);
	/* tcp_poll after RST: everything, the state is CLOSE. */
	EXPECT_EQ(POLLIN | POLLOUT | POLLRDHUP | POLLERR | POLLHUP, rev);
	EXPECT_EQ(-1, recv(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);
	/* sk_err is consumed by the first report; then plain EOF. */
	EXPECT_EQ(0, recv(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, xtcp_sock_error(fd));
	EXPECT_EQ(-1, send(fd, buf, 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
}

TEST(linger_zero_rst)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int c, s, cp, sp;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	cp = xtcp_local_port(c);
	sp = xtcp_local_port(s);
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(c);
	expect_reset(_metadata, s);
	/*
	 * An abort leaves no TIME_WAIT behind, and the reset end (CLOSE,
	 * fd still open) is unhashed: neither tuple is listed.
	 */
	EXPECT_EQ(-1, xtcp_proc_state(cp, sp, NULL));
	EXPECT_EQ(-1, xtcp_proc_state(sp, cp, NULL));
	close(s);
}

TEST(linger_zero_rst_send_side)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int c, s;

	/* The reset is also reported to a writer: ECONNRESET, then EPIPE. */
	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(c);
	ASSERT_NE(0, xtcp_poll1(s, POLLERR, XTCP_WAIT_MS) & POLLERR);
	EXPECT_EQ(-1, send(s, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(-1, send(s, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	close(s);
}

TEST(close_with_unread_data_rst)
{
	int c, s, cp, sp;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	cp = xtcp_local_port(c);
	sp = xtcp_local_port(s);
	ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));
	/* Client gets data it never reads, then closes: RST, not FIN. */
	ASSERT_EQ(6, send(s, "unread", 6, 0));
	for (int i = 0; i < 500; i++) {
		int n = 0;

		ASSERT_EQ(0, ioctl(c, FIONREAD, &n));
		if (n == 6)
			break;
		usleep(1000);
	}
	close(c);
	expect_reset(_metadata, s);
	EXPECT_EQ(-1, xtcp_proc_state(cp, sp, NULL));
	close(s);
}

TEST(linger_timeout_graceful)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 5 };
	char buf[8];
	int c, s, cp, sp;
	long long t0;

	/*
	 * SO_LINGER with a timeout and nothing unacked: close() returns at
	 * once with a normal FIN (no RST), the peer sees EOF.
	 */
	ASSERT_EQ(0, xtcp_pair(&c, &s));
	cp = xtcp_local_port(c);
	sp = xtcp_local_port(s);
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));
	ASSERT_EQ(4, send(c, "bye!", 4, 0));
	t0 = xtcp_now_ms();
	close(c);
	EXPECT_GT(2000, xtcp_now_ms() - t0);
	ASSERT_EQ(4, xtcp_read_all(s, buf, 4));
	EXPECT_EQ(0, recv(s, buf, sizeof(buf), 0));
	close(s);
	EXPECT_EQ(ST_TIME_WAIT,
		  xtcp_wait_proc_state(cp, sp, ST_TIME_WAIT, XTCP_WAIT_MS));
}

static int write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fputs(val, f) < 0 ? -1 : 0;
	return fclose(f) ? -1 : ret;
}

static long long win_probes(void)
{
	if (xtcp_is_native_tcp())
		return mib_stat("/proc/net/netstat", "TcpExt:", "TCPWinProbe");
	return xtcp_stat("WinProbe");
}

/*
 * RFC 9293 §3.8.6.1 (MUST-26): a sender must keep probing a zero window
 * as long as the receiver answers; only unanswered probes count towards
 * giving up. An orphan with data behind a shut window and orphan_retries
 * = 2 (two unanswered probes allowed) must survive many answered probes,
 * then deliver all its data and its FIN once the reader reads. xtcp used
 * to count every probe and reset only on new data acknowledged: it gave
 * up (RST) after the second.
 */
TEST(zero_window_probes_answered_keep_orphan)
{
	static char chunk[65536], sink[65536];
	int lfd, port, c, s, rcvbuf = 4096, tr = -1, i, st;
	long long probes0, total = 0, got = 0;
	uint16_t cport, sport;

	ASSERT_EQ(0, xtcp_new_netns());
	ASSERT_EQ(0, write_file(xtcp_is_native_tcp() ?
				"/proc/sys/net/ipv4/tcp_orphan_retries" :
				"/proc/sys/net/xtcp/orphan_retries", "2"));
	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xtcp_connect_port(c, port));
	s = xtcp_accept(lfd);
	ASSERT_LE(0, s);
	cport = xtcp_local_port(c);
	sport = xtcp_local_port(s);

	/* Fill the receiver's window and the sender's buffer. */
	ASSERT_EQ(0, xtcp_set_nonblock(c, true));
	for (;;) {
		ssize_t r = send(c, chunk, sizeof(chunk), MSG_NOSIGNAL);

		if (r < 0) {
			ASSERT_EQ(EAGAIN, errno);
			break;
		}
		total += r;
	}
	/* The window is shut once the sender probes (timer 4). */
	for (i = 0; i < 1000 && tr != 4; i++) {
		tr = xtcp_proc_timer(cport, sport);
		usleep(10000);
	}
	ASSERT_EQ(4, tr) TH_LOG("no zero-window probe timer");
	probes0 = win_probes();
	close(c);

	/* Many probes, each answered: the orphan stays. */
	for (i = 0; i < 3000 && win_probes() < probes0 + 5; i++) {
		st = xtcp_proc_state(cport, sport, NULL);
		ASSERT_EQ(ST_FIN_WAIT1, st) TH_LOG("orphan gone after %lld probes",
						   win_probes() - probes0);
		usleep(10000);
	}
	ASSERT_LE(probes0 + 5, win_probes());
	EXPECT_EQ(ST_FIN_WAIT1, xtcp_proc_state(cport, sport, NULL));

	/* The reader reads: all the data, then EOF, no reset. */
	ASSERT_EQ(0, xtcp_set_timeouts(s, 30000));
	for (;;) {
		ssize_t r = recv(s, sink, sizeof(sink), 0);

		ASSERT_LE(0, r) TH_LOG("recv: %s after %lld of %lld bytes",
				       strerror(errno), got, total);
		if (!r)
			break;
		got += r;
	}
	EXPECT_EQ(total, got);
	close(s);
	close(lfd);
}

TEST(linger_timeout_waits)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 2 };
	static char buf[65536];
	long long t0, took;
	int c, s, cp, sp;
	ssize_t n;

	/*
	 * SO_LINGER with a timeout and a peer that does not read: the FIN
	 * waits behind data its full window refuses, so close() sleeps for
	 * the whole linger time and then returns; FIN_WAIT1 goes on.
	 */
	ASSERT_EQ(0, xtcp_pair(&c, &s));
	cp = xtcp_local_port(c);
	sp = xtcp_local_port(s);
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	do
		n = send(c, buf, sizeof(buf), MSG_DONTWAIT);
	while (n > 0);
	ASSERT_EQ(EAGAIN, errno);
	t0 = xtcp_now_ms();
	close(c);
	took = xtcp_now_ms() - t0;
	EXPECT_LE(1900, took);
	EXPECT_GT(10000, took);
	EXPECT_EQ(ST_FIN_WAIT1, xtcp_proc_state(cp, sp, NULL));
	close(s);
}

TEST_HARNESS_MAIN
