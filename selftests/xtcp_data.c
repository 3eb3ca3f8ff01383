// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_data.c - data transfer over an established loopback connection.
 *
 * Covers: send/recv both ways, several MB in both directions at once with
 * every byte checked against a position-dependent pattern (catches loss,
 * duplication and reordering), readv/writev, MSG_PEEK, MSG_WAITALL,
 * MSG_DONTWAIT on an empty queue (EAGAIN), read() == 0 after the peer
 * closed, send/recv on unconnected sockets, poll/epoll readiness
 * (POLLIN, POLLOUT, POLLRDHUP, POLLHUP), SO_RCVBUF/SO_SNDBUF (value
 * doubled on get, clamps equal to TCP's), FIONREAD/SIOCINQ and
 * SIOCOUTQ/SIOCOUTQNSD, and TCP_INFO's counters of a transfer.
 *
 * Every expectation is native TCP's behaviour: XTCP_PROTO=6 must pass.
 */
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "xtcp_common.h"

#define BULK_BYTES	(8u << 20)
#define CHUNK		(64u << 10)

/* Poll until SIOCINQ on @fd reaches @want (data is in flight on lo). */
static int wait_inq(int fd, int want)
{
	long long end = xtcp_now_ms() + XTCP_WAIT_MS;
	int n = -1;

	while (xtcp_now_ms() < end) {
		if (ioctl(fd, SIOCINQ, &n))
			return -1;
		if (n >= want)
			return n;
		usleep(1000);
	}
	return n;
}

TEST(send_recv_both_ways)
{
	char buf[64];
	int c, s;

	ASSERT_EQ(0, xtcp_pair(&c, &s)) TH_LOG("pair: %s", strerror(errno));
	ASSERT_EQ(0, xtcp_set_timeouts(c, XTCP_WAIT_MS));
	ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));

	ASSERT_EQ(5, send(c, "hello", 5, 0));
	ASSERT_EQ(5, xtcp_read_all(s, buf, 5));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));

	ASSERT_EQ(6, write(s, "world!", 6));
	ASSERT_EQ(6, xtcp_read_all(c, buf, 6));
	EXPECT_EQ(0, memcmp(buf, "world!", 6));

	/* One byte at a time keeps the stream in order. */
	for (int i = 0; i < 100; i++) {
		unsigned char b = i;

		ASSERT_EQ(1, send(c, &b, 1, 0));
	}
	ASSERT_EQ(100, xtcp_read_all(s, buf, 64) + xtcp_read_all(s, buf, 36));
	for (int i = 0; i < 36; i++) {
		EXPECT_EQ(64 + i, (unsigned char)buf[i]);
	}

	/* Zero-length send is a no-op returning 0. */
	EXPECT_EQ(0, send(c, buf, 0, 0));
	close(c);
	close(s);
}

/*
 * Both directions at once through non-blocking sockets and one poll loop:
 * a single-threaded writer-then-reader would deadlock once both send
 * buffers fill, which is exactly the flow-control path worth exercising.
 */
FIXTURE(bulk) {};
FIXTURE_SETUP(bulk) {}
FIXTURE_TEARDOWN(bulk) {}

/* 16 MB through a debug (KASAN) kernel may need more than the 30 s default. */
TEST_F_TIMEOUT(bulk, both_directions, 120)
{
	static unsigned char out[CHUNK], in[CHUNK];
	uint64_t sent[2] = { 0 }, rcvd[2] = { 0 };
	uint32_t seed[2] = { 0x1234, 0xabcd };
	long long deadline;
	int fd[2];

	ASSERT_EQ(0, xtcp_pair(&fd[0], &fd[1]));
	ASSERT_EQ(0, xtcp_set_nonblock(fd[0], true));
	ASSERT_EQ(0, xtcp_set_nonblock(fd[1], true));

	deadline = xtcp_now_ms() + 100 * 1000;
	while (rcvd[0] < BULK_BYTES || rcvd[1] < BULK_BYTES) {
		struct pollfd pfd[2];
		int i, n;

		for (i = 0; i < 2; i++) {
			pfd[i].fd = fd[i];
			pfd[i].events = POLLIN;
			if (sent[i] < BULK_BYTES)
				pfd[i].events |= POLLOUT;
		}
		n = poll(pfd, 2, XTCP_WAIT_MS);
		ASSERT_LT(0, n) TH_LOG("stalled: sent %llu/%llu rcvd %llu/%llu",
				       (unsigned long long)sent[0],
				       (unsigned long long)sent[1],
				       (unsigned long long)rcvd[0],
				       (unsigned long long)rcvd[1]);
		ASSERT_GT(deadline, xtcp_now_ms());

		for (i = 0; i < 2; i++) {
			ssize_t r;

			ASSERT_EQ(0, pfd[i].revents & (POLLERR | POLLNVAL));
			if (pfd[i].revents & POLLOUT) {
				size_t len = BULK_BYTES - sent[i];

				if (len > CHUNK)
					len = CHUNK;
				/* Odd sizes so segment boundaries move. */
				if (len > 7)
					len -= sent[i] % 7;
				xtcp_fill(out, len, sent[i], seed[i]);
				r = send(fd[i], out, len, MSG_NOSIGNAL);
				/* ASSERT_* are for-loops: keep them in braces. */
				if (r < 0) {
					ASSERT_EQ(EAGAIN, errno);
				} else {
					sent[i] += r;
				}
			}
			if (pfd[i].revents & POLLIN) {
				/* fd[i] receives what fd[!i] sent. */
				r = recv(fd[i], in, sizeof(in), 0);
				if (r < 0) {
					ASSERT_EQ(EAGAIN, errno);
					continue;
				}
				ASSERT_LT(0, r) TH_LOG("early EOF");
				ASSERT_EQ(-1, xtcp_check(in, r, rcvd[!i],
							 seed[!i]))
					TH_LOG("corrupt stream at byte %lld",
					       xtcp_check(in, r, rcvd[!i],
							  seed[!i]));
				rcvd[!i] += r;
				ASSERT_GE(BULK_BYTES, rcvd[!i]);
			}
		}
	}
	EXPECT_EQ(BULK_BYTES, sent[0]);
	EXPECT_EQ(BULK_BYTES, sent[1]);
	close(fd[0]);
	close(fd[1]);
}

TEST(readv_writev)
{
	char a[] = "abc", b[] = "defgh", d[] = "ij";
	struct iovec wv[3] = {
		{ a, 3 }, { b, 5 }, { d, 2 },
	};
	char r1[4], r2[6];
	struct iovec rv[2] = { { r1, 4 }, { r2, 6 } };
	int c, s;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));
	ASSERT_EQ(10, writev(c, wv, 3));
	ASSERT_EQ(10, wait_inq(s, 10));
	ASSERT_EQ(10, readv(s, rv, 2));
	EXPECT_EQ(0, memcmp(r1, "abcd", 4));
	EXPECT_EQ(0, memcmp(r2, "efghij", 6));
	close(c);
	close(s);
}

TEST(msg_peek)
{
	char buf[16];
	int c, s;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));
	ASSERT_EQ(5, send(c, "peek!", 5, 0));
	ASSERT_EQ(5, wait_inq(s, 5));

	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(5, recv(s, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "peek!", 5));
	/* Peeking again sees the same bytes: nothing was consumed. */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(2, recv(s, buf, 2, MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "pe", 2));
	EXPECT_EQ(5, wait_inq(s, 5));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(5, recv(s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "peek!", 5));
	EXPECT_EQ(-1, recv(s, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	close(c);
	close(s);
}

TEST(msg_waitall)
{
	char buf[8];
	int c, s;
	pid_t pid;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Dribble the bytes so a plain recv() would return early. */
		for (int i = 0; i < 8; i++) {
			usleep(20000);
			if (send(c, "01234567" + i, 1, 0) != 1)
				_exit(1);
		}
		_exit(0);
	}
	ASSERT_EQ(8, recv(s, buf, 8, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, "01234567", 8));
	close(c);
	close(s);
	waitpid(pid, NULL, 0);
}

TEST(dontwait_empty)
{
	char buf[8];
	int c, s;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	EXPECT_EQ(-1, recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	/* SO_RCVTIMEO expiry is EAGAIN too. */
	ASSERT_EQ(0, xtcp_set_timeouts(s, 100));
	EXPECT_EQ(-1, recv(s, buf, sizeof(buf), 0));
	EXPECT_EQ(EAGAIN, errno);
	close(c);
	close(s);
}

/*
 * A write whose buffer faults before a single byte is copied fails with
 * EFAULT and leaves nothing behind: no empty segment on the write queue
 * (which the retransmission timer would resend, unanswerable, until the
 * connection timed out), no timer, and the connection works on.
 */
TEST(write_efault_queues_nothing)
{
	void *volatile nowhere = NULL;
	int c, s, n = -1, i, tr = -1;
	char buf[4];

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));
	ASSERT_EQ(2, send(c, "hi", 2, 0));
	ASSERT_EQ(2, xtcp_read_all(s, buf, 2));
	for (i = 0; i < 500; i++) {
		ASSERT_EQ(0, ioctl(c, SIOCOUTQ, &n));
		tr = xtcp_proc_timer(xtcp_local_port(c), xtcp_local_port(s));
		if (!n && !tr)
			break;
		usleep(10000);
	}
	ASSERT_EQ(0, n);
	ASSERT_EQ(0, tr) TH_LOG("a timer runs on an idle connection");

	EXPECT_EQ(-1, write(c, nowhere, 1));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, ioctl(c, SIOCOUTQ, &n));
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, xtcp_proc_timer(xtcp_local_port(c), xtcp_local_port(s)))
		TH_LOG("something was queued to send");

	ASSERT_EQ(2, send(c, "ok", 2, 0));
	ASSERT_EQ(2, xtcp_read_all(s, buf, 2));
	EXPECT_EQ(0, memcmp(buf, "ok", 2));
	close(c);
	close(s);
}

TEST(read_zero_after_peer_close)
{
	char buf[16];
	int c, s;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));
	ASSERT_EQ(4, send(c, "last", 4, 0));
	close(c);
	/* Data queued before the FIN is still delivered, then EOF. */
	ASSERT_EQ(4, xtcp_read_all(s, buf, 4));
	EXPECT_EQ(0, memcmp(buf, "last", 4));
	EXPECT_EQ(0, read(s, buf, sizeof(buf)));
	/* EOF is sticky. */
	EXPECT_EQ(0, read(s, buf, sizeof(buf)));
	EXPECT_EQ(0, recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	close(s);
}

TEST(unconnected_send_recv)
{
	char buf[4] = "x";
	int fd, lfd, port;

	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	/* tcp_recvmsg: CLOSE without SOCK_DONE -> ENOTCONN. */
	EXPECT_EQ(-1, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(ENOTCONN, errno);
	/* tcp_sendmsg -> sk_stream_wait_connect: EPIPE, not ENOTCONN. */
	EXPECT_EQ(-1, send(fd, buf, 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	close(fd);

	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	EXPECT_EQ(-1, recv(lfd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, send(lfd, buf, 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	close(lfd);
}

TEST(poll_readiness)
{
	int c, s, rev;
	char buf[8];

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	/* Fresh connection: writable, nothing to read, no hangup. */
	rev = xtcp_poll1(c, POLLIN | POLLOUT | POLLRDHUP, 0);
	EXPECT_EQ(POLLOUT, rev);
	rev = xtcp_poll1(s, POLLIN | POLLOUT | POLLRDHUP, 0);
	EXPECT_EQ(POLLOUT, rev);
	EXPECT_EQ(0, xtcp_poll1(c, POLLIN, 0));

	ASSERT_EQ(3, send(s, "abc", 3, 0));
	rev = xtcp_poll1(c, POLLIN, XTCP_WAIT_MS);
	EXPECT_EQ(POLLIN, rev);
	ASSERT_EQ(3, recv(c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, xtcp_poll1(c, POLLIN, 0));

	/* Peer's FIN: readable (EOF) and POLLRDHUP, still writable. */
	ASSERT_EQ(0, shutdown(s, SHUT_WR));
	rev = xtcp_poll1(c, POLLRDHUP, XTCP_WAIT_MS);
	EXPECT_EQ(POLLRDHUP, rev);
	rev = xtcp_poll1(c, POLLIN | POLLOUT | POLLRDHUP, 0);
	EXPECT_EQ(POLLIN | POLLOUT | POLLRDHUP, rev);
	/* The closer itself is still fully writable-looking, no hangup. */
	rev = xtcp_poll1(s, POLLIN | POLLOUT | POLLRDHUP, 0);
	EXPECT_EQ(POLLOUT, rev);

	/*
	 * Both directions shut on both ends (FIN each way): POLLHUP, which
	 * poll reports even when not asked for.
	 */
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	rev = xtcp_poll1(s, POLLRDHUP, XTCP_WAIT_MS);
	EXPECT_EQ(POLLRDHUP | POLLHUP, rev);
	rev = xtcp_poll1(c, POLLIN | POLLOUT | POLLRDHUP, 0);
	EXPECT_EQ(POLLIN | POLLOUT | POLLRDHUP | POLLHUP, rev);
	rev = xtcp_poll1(s, POLLIN | POLLOUT | POLLRDHUP, 0);
	EXPECT_EQ(POLLIN | POLLOUT | POLLRDHUP | POLLHUP, rev);
	close(c);
	close(s);
}

TEST(poll_unconnected_listener)
{
	int fd, lfd, port;

	/* A never-connected socket reports POLLOUT|POLLHUP, like TCP. */
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(POLLOUT | POLLHUP, xtcp_poll1(fd, POLLIN | POLLOUT, 0));
	close(fd);

	/* A listener with an empty queue reports nothing at all. */
	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	EXPECT_EQ(0, xtcp_poll1(lfd, POLLIN | POLLOUT | POLLRDHUP, 0));
	close(lfd);
}

TEST(epoll_readiness)
{
	struct epoll_event ev, out[2];
	int c, s, ep;
	char buf[8];

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
	ev.data.fd = c;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev));
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));

	/* Edge-triggered: one event per arrival. */
	ASSERT_EQ(2, send(s, "hi", 2, 0));
	ASSERT_EQ(1, epoll_wait(ep, out, 2, XTCP_WAIT_MS));
	EXPECT_EQ(c, out[0].data.fd);
	EXPECT_EQ(EPOLLIN, out[0].events);
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
	ASSERT_EQ(2, recv(c, buf, sizeof(buf), 0));

	ASSERT_EQ(0, shutdown(s, SHUT_WR));
	ASSERT_EQ(1, epoll_wait(ep, out, 2, XTCP_WAIT_MS));
	EXPECT_EQ(EPOLLIN | EPOLLRDHUP, out[0].events);
	close(ep);
	close(c);
	close(s);
}

static int get_int(int fd, int level, int opt)
{
	socklen_t len = sizeof(int);
	int v = -1;

	if (getsockopt(fd, level, opt, &v, &len))
		return -errno;
	return v;
}

TEST(sockbuf_sizes)
{
	int fd, ref, v, opts[2] = { SO_SNDBUF, SO_RCVBUF };
	long wmax = 0, rmax = 0;

	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	/* Native TCP socket as the reference for version-dependent clamps. */
	ref = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_LE(0, ref);
	ASSERT_EQ(0, xtcp_read_sysctl_ints("/proc/sys/net/core/wmem_max",
					   &wmax, 1));
	ASSERT_EQ(0, xtcp_read_sysctl_ints("/proc/sys/net/core/rmem_max",
					   &rmax, 1));

	for (int i = 0; i < 2; i++) {
		int o = opts[i];

		/* Defaults are TCP's (tcp_wmem[1] / tcp_rmem[1]). */
		EXPECT_EQ(get_int(ref, SOL_SOCKET, o),
			  get_int(fd, SOL_SOCKET, o));
		/* The kernel doubles the request for overhead. */
		v = 65536;
		ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, o, &v, sizeof(v)));
		EXPECT_EQ(131072, get_int(fd, SOL_SOCKET, o));
		/* Tiny requests clamp to SOCK_MIN_{SND,RCV}BUF. */
		v = 1;
		ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, o, &v, sizeof(v)));
		ASSERT_EQ(0, setsockopt(ref, SOL_SOCKET, o, &v, sizeof(v)));
		EXPECT_EQ(get_int(ref, SOL_SOCKET, o),
			  get_int(fd, SOL_SOCKET, o));
		EXPECT_LT(1, get_int(fd, SOL_SOCKET, o));
		/* Huge requests clamp to 2 * net.core.{w,r}mem_max. */
		v = INT32_MAX / 4;
		ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, o, &v, sizeof(v)));
		EXPECT_EQ(2 * (o == SO_SNDBUF ? wmax : rmax),
			  get_int(fd, SOL_SOCKET, o));
		/* Negative is treated as 0 -> minimum, never an error. */
		v = -5;
		EXPECT_EQ(0, setsockopt(fd, SOL_SOCKET, o, &v, sizeof(v)));
	}

	/* Buffers are still usable after shrinking: a pair with tiny bufs. */
	close(ref);
	close(fd);
}

TEST(small_buffers_transfer)
{
	static unsigned char buf[32 << 10];
	int c, s, v = 1;
	ssize_t n, got = 0;
	pid_t pid;

	/*
	 * Minimum-size buffers force many small windows and zero-window
	 * episodes; the data must still arrive intact.
	 */
	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		xtcp_fill(buf, sizeof(buf), 0, 77);
		xtcp_set_timeouts(c, 20000);
		_exit(xtcp_write_all(c, buf, sizeof(buf)) == sizeof(buf) ?
		      0 : 1);
	}
	close(c);
	while (got < (ssize_t)sizeof(buf)) {
		n = recv(s, buf + got, sizeof(buf) - got, 0);
		ASSERT_LT(0, n) TH_LOG("recv after %zd: %s", got,
				       n ? strerror(errno) : "EOF");
		got += n;
	}
	EXPECT_EQ(-1, xtcp_check(buf, sizeof(buf), 0, 77));
	close(s);
	ASSERT_EQ(pid, waitpid(pid, &v, 0));
	EXPECT_EQ(0, v);
}

TEST(ioctl_inq_outq)
{
	static char big[1 << 20];
	int c, s, lfd, port, n, total = 0;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	n = -1;
	ASSERT_EQ(0, ioctl(s, SIOCINQ, &n));
	EXPECT_EQ(0, n);
	ASSERT_EQ(0, ioctl(c, SIOCOUTQ, &n));
	EXPECT_EQ(0, n);

	ASSERT_EQ(100, send(c, big, 100, 0));
	EXPECT_EQ(100, wait_inq(s, 100));
	/* FIONREAD is SIOCINQ. */
	ASSERT_EQ(0, ioctl(s, FIONREAD, &n));
	EXPECT_EQ(100, n);
	ASSERT_EQ(40, recv(s, big, 40, 0));
	ASSERT_EQ(0, ioctl(s, SIOCINQ, &n));
	EXPECT_EQ(60, n);

	/* Fill everything: unacked + unsent bytes show in SIOCOUTQ. */
	ASSERT_EQ(0, xtcp_set_nonblock(c, true));
	for (;;) {
		ssize_t r = send(c, big, sizeof(big), MSG_NOSIGNAL);

		if (r < 0) {
			ASSERT_EQ(EAGAIN, errno);
			break;
		}
		total += r;
	}
	ASSERT_LT(0, total);
	ASSERT_EQ(0, ioctl(c, SIOCOUTQ, &n));
	EXPECT_LT(0, n);
	EXPECT_GE(total, n);
	/* Unsent part: receiver window is full, so some data waits. */
	ASSERT_EQ(0, ioctl(c, SIOCOUTQNSD, &n));
	EXPECT_LE(0, n);

	/* Drain the receiver: everything gets acked, SIOCOUTQ -> 0. */
	ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));
	total += 60;
	while (total > 0) {
		ssize_t r = recv(s, big, sizeof(big), 0);

		ASSERT_LT(0, r);
		total -= r;
	}
	for (int i = 0; i < 500; i++) {
		ASSERT_EQ(0, ioctl(c, SIOCOUTQ, &n));
		if (!n)
			break;
		usleep(10000);
	}
	EXPECT_EQ(0, n);
	ASSERT_EQ(0, ioctl(c, SIOCOUTQNSD, &n));
	EXPECT_EQ(0, n);

	/* On a listener these queues are meaningless: EINVAL like TCP. */
	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	EXPECT_EQ(-1, ioctl(lfd, SIOCINQ, &n));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(lfd, SIOCOUTQ, &n));
	EXPECT_EQ(EINVAL, errno);
	close(lfd);
	close(c);
	close(s);
}

/*
 * Send @len bytes of @buf on @c and read them on @s, both non-blocking in
 * one loop, so neither waits for the other's buffer. 0 or -1.
 */
static int move_both(int c, int s, const unsigned char *buf, size_t len)
{
	static unsigned char in[CHUNK];
	long long end = xtcp_now_ms() + XTCP_WAIT_MS;
	size_t sent = 0, got = 0;
	ssize_t n;

	if (xtcp_set_nonblock(c, true) || xtcp_set_nonblock(s, true))
		return -1;
	while (got < len) {
		if (xtcp_now_ms() > end)
			return -1;
		if (sent < len) {
			n = send(c, buf + sent, len - sent, 0);
			if (n > 0)
				sent += n;
			else if (errno != EAGAIN)
				return -1;
		}
		n = recv(s, in, sizeof(in), 0);
		if (n > 0) {
			if (memcmp(in, buf + got, n))
				return -1;
			got += n;
		} else if (n == 0 || errno != EAGAIN) {
			return -1;
		} else {
			xtcp_poll1(s, POLLIN, 10);
		}
	}
	return 0;
}

/*
 * TCP_INFO's counters of a transfer over loopback, which loses nothing:
 * bytes and segments each way, deliveries, the delivery rate, busy time,
 * path MTU, the ages of the last data and ACK, and the receiver's ATO.
 */
TEST(tcp_info_counts_a_transfer)
{
	enum { N = 1 << 20 };
	static unsigned char buf[N];
	long long start = xtcp_now_ms(), end, t0;
	unsigned long long avg;
	struct xtcp_info a, b;
	int c, s;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));
	ASSERT_EQ(0, xtcp_get_info(c, &a));
	EXPECT_EQ(0, a.base.tcpi_ato);	/* nothing received yet */
	xtcp_fill(buf, N, 0, 7);
	t0 = xtcp_now_ms();
	ASSERT_EQ(0, move_both(c, s, buf, N));
	avg = N * 1000ULL / (xtcp_now_ms() - t0 + 1);
	/* Until everything is acknowledged (the last ACK may be delayed). */
	end = xtcp_now_ms() + XTCP_WAIT_MS;
	do {
		ASSERT_EQ(0, xtcp_get_info(c, &a));
	} while (a.base.tcpi_unacked && xtcp_now_ms() < end &&
		 !usleep(10000));
	ASSERT_EQ(0, a.base.tcpi_unacked);
	ASSERT_EQ(0, xtcp_get_info(s, &b));
	TH_LOG("sender: bytes_sent %llu acked %llu segs_out %u data %u "
	       "delivered %u rate %llu busy %llu us pmtu %u; receiver: "
	       "received %llu segs_in %u data %u ato %u",
	       (unsigned long long)a.bytes_sent,
	       (unsigned long long)a.bytes_acked, a.segs_out,
	       a.data_segs_out, a.delivered,
	       (unsigned long long)a.delivery_rate,
	       (unsigned long long)a.busy_time, a.base.tcpi_pmtu,
	       (unsigned long long)b.bytes_received, b.segs_in,
	       b.data_segs_in, b.base.tcpi_ato);

	/* Loopback loses nothing: every byte went once, SYN acked too. */
	EXPECT_EQ(0, a.base.tcpi_total_retrans);
	EXPECT_EQ(N, a.bytes_sent);
	EXPECT_EQ(N + 1, a.bytes_acked);
	EXPECT_EQ(N, b.bytes_received);
	EXPECT_LE(N / a.base.tcpi_snd_mss, a.data_segs_out);
	EXPECT_EQ(a.data_segs_out, b.data_segs_in);
	EXPECT_LT(a.data_segs_out, a.segs_out);		/* the SYN too */
	EXPECT_LT(b.data_segs_in, b.segs_in);		/* the handshake ACK */
	EXPECT_LE(a.data_segs_out, a.delivered);
	/*
	 * The kept sample is no slower than 1/16 of the average: the
	 * slow last ACK (delayed, nothing more to send) is app-limited and
	 * must not replace a faster one.
	 */
	EXPECT_LE(avg / 16, a.delivery_rate) TH_LOG("average %llu B/s", avg);
	/* Linux counts busy time in jiffies: a fast transfer may show 0. */
	if (!xtcp_is_native_tcp())
		EXPECT_LT(0, a.busy_time);
	EXPECT_GE((xtcp_now_ms() - start) * 1000, (long long)a.busy_time);
	EXPECT_EQ(65535, a.base.tcpi_pmtu);	/* lo's 65536, IP's limit */
	EXPECT_EQ(0, a.base.tcpi_backoff);
	EXPECT_GT(XTCP_WAIT_MS, a.base.tcpi_last_data_sent);
	EXPECT_GT(XTCP_WAIT_MS, a.base.tcpi_last_ack_recv);
	EXPECT_GT(XTCP_WAIT_MS, b.base.tcpi_last_data_recv);
	EXPECT_LT(0, b.base.tcpi_ato);
	EXPECT_GE(200000, b.base.tcpi_ato);
	close(c);
	close(s);
}

TEST_HARNESS_MAIN
