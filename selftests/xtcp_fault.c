// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_fault.c - allocations that fail, on purpose: no oops, no leak, and
 * the connection recovers or fails cleanly with an error.
 *
 * Two tools of the kernel's fault-injection framework (kernels built with
 * CONFIG_FAULT_INJECTION, such as the suite's debug kernel; elsewhere the
 * tests are skipped):
 *
 *  - xtcp's own injection points, /sys/kernel/debug/xtcp_fail/ (module/
 *    fault.c): one switch per allocation site (SYN, SYN-ACK, FIN, data
 *    segment, the clone sent, bare ACKs/RSTs, replies without a socket,
 *    a listener's child), in any context, softirq included;
 *  - fail-nth (/proc/thread-self/fail-nth): the N-th fault point of this
 *    thread's next system call fails, for N = 1, 2, ... until the call
 *    gets through without reaching N, so every allocation connect(),
 *    send() and close() make in process context fails once (slab
 *    allocations through failslab, with ignore-gfp-wait off).
 *
 * Whether nothing leaked is checked after the run: the module must unload
 * (no socket left) and kmemleak must be silent (selftests/vm/init).
 * Everything runs on loopback in a namespace of its own per test.
 */
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "xtcp_common.h"

#define FAIL_DIR	"/sys/kernel/debug/xtcp_fail"
#define FAILSLAB_DIR	"/sys/kernel/debug/failslab"

static int put(const char *dir, const char *file, const char *val)
{
	char path[256];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fputs(val, f) < 0 ? -1 : 0;
	return fclose(f) ? -1 : ret;
}

static bool have_fail_points(void)
{
	return !access(FAIL_DIR "/fail_synack", W_OK);
}

/* Make the next @times allocations at @site fail (-1: all of them). */
static int fail_site(const char *site, int times)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", times);
	if (put(FAIL_DIR, "verbose", "0") || put(FAIL_DIR, "interval", "1") ||
	    put(FAIL_DIR, "probability", "100") ||
	    put(FAIL_DIR, "times", v))
		return -1;
	return put(FAIL_DIR, site, "Y");
}

static void fail_off(void)
{
	static const char *const sites[] = {
		"fail_syn", "fail_synack", "fail_fin", "fail_data",
		"fail_xmit", "fail_bare", "fail_reply", "fail_child",
		"fail_request",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sites); i++)
		put(FAIL_DIR, sites[i], "N");
	put(FAIL_DIR, "probability", "0");
}

static int setup_netns(void)
{
	if (xtcp_new_netns())
		return -1;
	fail_off();
	return 0;
}

#define NEED_FAIL_POINTS() do {						\
	if (xtcp_is_native_tcp() || !have_fail_points())		\
		SKIP(return, "no %s (CONFIG_FAULT_INJECTION off?)",	\
		     FAIL_DIR);						\
	ASSERT_EQ(0, setup_netns());					\
} while (0)

static long long xstat(const char *name)
{
	return xtcp_stat(name);
}

/* Sockets of the namespace in the table, the header line not counted. */
static int table_rows(void)
{
	char line[512];
	int n = -1;
	FILE *f = fopen(xtcp_proc_sockets(), "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* Rows in any state but TIME_WAIT (06): connections still at work. */
static int rows_at_work(void)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(xtcp_proc_sockets(), "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned int st;

		if (sscanf(line, " %*[0-9]: %*s %*s %x", &st) == 1 && st != 6)
			n++;
	}
	fclose(f);
	return n;
}

static bool wait_idle(int ms)
{
	long long end = xtcp_now_ms() + ms;

	while (rows_at_work() && xtcp_now_ms() < end)
		usleep(20000);
	return !rows_at_work();
}

static bool wait_rows(int want, int ms)
{
	long long end = xtcp_now_ms() + ms;

	while (table_rows() != want && xtcp_now_ms() < end)
		usleep(20000);
	return table_rows() == want;
}

/*
 * No SYN-ACK could be allocated: the request stays, and its timer (or the
 * client's retransmitted SYN) sends the SYN-ACK a second later, as in
 * Linux. Before requests, the child socket stayed with an empty write
 * queue, and the peer's retransmitted SYN found a NULL segment to resend:
 * an oops in softirq.
 */
TEST(synack_alloc_fails_once)
{
	long long retrans;
	int c, s;

	NEED_FAIL_POINTS();
	retrans = xstat("SynRetrans");
	ASSERT_EQ(0, fail_site("fail_synack", 1));
	ASSERT_EQ(0, xtcp_pair(&c, &s)) TH_LOG("%s", strerror(errno));
	fail_off();
	/* the client's SYN or ours again: one side retransmitted */
	EXPECT_LT(retrans, xstat("SynRetrans"));
	ASSERT_EQ(2, send(c, "ok", 2, 0));
	close(s);
	close(c);
}

/*
 * Never a SYN-ACK: the client gives up (TCP_SYNCNT), and the request goes
 * after the listener's own TCP_SYNCNT of SYN-ACK timeouts (1 s + 2 s);
 * nothing stays behind.
 */
TEST(synack_alloc_always_fails)
{
	int lfd, port, c, one = 1;
	long long timeouts;

	NEED_FAIL_POINTS();
	timeouts = xstat("ReqTimeouts");
	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, setsockopt(lfd, IPPROTO_TCP, TCP_SYNCNT, &one,
				sizeof(one)));
	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, setsockopt(c, IPPROTO_TCP, TCP_SYNCNT, &one, sizeof(one)));
	ASSERT_EQ(0, fail_site("fail_synack", -1));
	EXPECT_EQ(-1, xtcp_connect_port(c, port));
	EXPECT_EQ(ETIMEDOUT, errno);
	close(c);
	EXPECT_TRUE(wait_rows(1, XTCP_WAIT_MS)) TH_LOG("%d rows", table_rows());
	fail_off();
	EXPECT_LT(timeouts, xstat("ReqTimeouts"));
	close(lfd);
}

/* No request could be made: the SYN is dropped, the next one works. */
TEST(request_alloc_fails_once)
{
	long long drops;
	int c, s;

	NEED_FAIL_POINTS();
	drops = xstat("ListenDrops");
	ASSERT_EQ(0, fail_site("fail_request", 1));
	ASSERT_EQ(0, xtcp_pair(&c, &s)) TH_LOG("%s", strerror(errno));
	fail_off();
	EXPECT_LT(drops, xstat("ListenDrops"));
	ASSERT_EQ(2, send(c, "ok", 2, 0));
	close(s);
	close(c);
}

/* connect() cannot queue its SYN: ENOBUFS, and the socket may try again. */
TEST(syn_alloc_fails)
{
	int lfd, port, c, s;

	NEED_FAIL_POINTS();
	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, fail_site("fail_syn", 1));
	EXPECT_EQ(-1, xtcp_connect_port(c, port));
	EXPECT_EQ(ENOBUFS, errno);
	fail_off();
	ASSERT_EQ(0, xtcp_connect_port(c, port)) TH_LOG("%s", strerror(errno));
	s = xtcp_accept(lfd);
	ASSERT_LE(0, s);
	close(s);
	close(c);
	close(lfd);
}

/*
 * No child socket could be made for the final ACK: the ACK is dropped and
 * the request stays; its SYN-ACK, sent again, draws another ACK, which
 * makes the connection.
 */
TEST(child_alloc_fails_once)
{
	long long drops;
	int c, s;

	NEED_FAIL_POINTS();
	drops = xstat("ListenDrops");
	ASSERT_EQ(0, fail_site("fail_child", 1));
	ASSERT_EQ(0, xtcp_pair(&c, &s)) TH_LOG("%s", strerror(errno));
	fail_off();
	EXPECT_LT(drops, xstat("ListenDrops"));
	close(s);
	close(c);
}

/*
 * close() cannot allocate its FIN: it must not count as sent (it used to:
 * acknowledged data made it look acked, and the orphan sat in FIN_WAIT1
 * for good). The timer tries again and the peer sees EOF.
 */
TEST(fin_alloc_fails_once)
{
	uint16_t cport, sport;
	char buf[8];
	int c, s;

	NEED_FAIL_POINTS();
	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, xtcp_set_timeouts(s, 20000));
	cport = xtcp_local_port(c);
	sport = xtcp_local_port(s);
	ASSERT_EQ(2, send(c, "hi", 2, 0));
	ASSERT_EQ(2, xtcp_read_all(s, buf, 2));
	ASSERT_EQ(0, fail_site("fail_fin", 1));
	close(c);
	EXPECT_EQ(0, recv(s, buf, sizeof(buf), 0)) TH_LOG("no EOF: %s",
							  strerror(errno));
	fail_off();
	close(s);
	EXPECT_EQ(6, xtcp_wait_proc_state(cport, sport, 6, 10000));
}

/* Never a FIN: the orphan gives up after orphan_retries and is gone. */
TEST(fin_alloc_always_fails)
{
	char buf[8];
	int c, s;

	NEED_FAIL_POINTS();
	ASSERT_EQ(0, put("/proc/sys/net/xtcp", "orphan_retries", "2"));
	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(2, send(c, "hi", 2, 0));
	ASSERT_EQ(2, xtcp_read_all(s, buf, 2));
	ASSERT_EQ(0, fail_site("fail_fin", -1));
	close(c);
	/* the orphan's row goes; s stays, ESTABLISHED */
	EXPECT_TRUE(wait_rows(1, 30000)) TH_LOG("%d rows", table_rows());
	fail_off();
	close(s);
}

/* sendmsg() cannot allocate a segment: ENOBUFS, nothing queued. */
TEST(data_alloc_fails)
{
	char buf[8];
	int c, s, n = -1;

	NEED_FAIL_POINTS();
	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, fail_site("fail_data", 1));
	EXPECT_EQ(-1, send(c, "lost", 4, 0));
	EXPECT_EQ(ENOBUFS, errno);
	fail_off();
	ASSERT_EQ(0, ioctl(c, SIOCOUTQ, &n));
	EXPECT_EQ(0, n);
	ASSERT_EQ(4, send(c, "kept", 4, 0));
	ASSERT_EQ(4, xtcp_read_all(s, buf, 4));
	EXPECT_EQ(0, memcmp(buf, "kept", 4));
	close(s);
	close(c);
}

/*
 * The copies sent of queued segments, and the bare ACKs, fail for a while
 * during a transfer: retransmission makes up for them.
 */
TEST(xmit_and_ack_allocs_fail)
{
	static unsigned char out[200000], in[200000];
	int c, s;

	NEED_FAIL_POINTS();
	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, xtcp_set_timeouts(c, 30000));
	ASSERT_EQ(0, xtcp_set_timeouts(s, 30000));
	xtcp_fill(out, sizeof(out), 0, 9);
	ASSERT_EQ(0, fail_site("fail_xmit", 20));
	ASSERT_EQ(0, put(FAIL_DIR, "fail_bare", "Y"));
	ASSERT_EQ(0, put(FAIL_DIR, "interval", "3"));
	ASSERT_EQ((ssize_t)sizeof(out), xtcp_write_all(c, out, sizeof(out)));
	ASSERT_EQ((ssize_t)sizeof(in), xtcp_read_all(s, in, sizeof(in)));
	fail_off();
	EXPECT_EQ(-1, xtcp_check(in, sizeof(in), 0, 9));
	close(s);
	close(c);
}

/* No RST for a closed port could be sent: the client tries again. */
TEST(reply_alloc_fails_once)
{
	int c, two = 2;

	NEED_FAIL_POINTS();
	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, setsockopt(c, IPPROTO_TCP, TCP_SYNCNT, &two, sizeof(two)));
	ASSERT_EQ(0, fail_site("fail_reply", 1));
	EXPECT_EQ(-1, xtcp_connect_port(c, 9));
	EXPECT_EQ(ECONNREFUSED, errno);
	fail_off();
	close(c);
}

/* ---- fail-nth: each allocation of a system call fails in turn -------- */

static int failslab_on(void)
{
	if (access(FAILSLAB_DIR "/ignore-gfp-wait", W_OK))
		return -1;
	return put(FAILSLAB_DIR, "ignore-gfp-wait", "N") ||
	       put(FAILSLAB_DIR, "verbose", "0");
}

static void failslab_off(void)
{
	put(FAILSLAB_DIR, "ignore-gfp-wait", "Y");
}

static int fail_nth_fd(void)
{
	return open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
}

static int fail_nth_arm(int fd, int n)
{
	char v[16];
	int len = snprintf(v, sizeof(v), "%d", n);

	return pwrite(fd, v, len, 0) == len ? 0 : -1;
}

/* Was the fault injected? fail-nth reads 0 once it fired. */
static bool fail_nth_fired(int fd)
{
	char v[16] = "";

	if (pread(fd, v, sizeof(v) - 1, 0) <= 0)
		return false;
	return atoi(v) == 0;
}

#define NTH_MAX	400

#define NEED_FAIL_NTH(fd) do {						\
	if (xtcp_is_native_tcp())					\
		SKIP(return, "xtcp's error paths only");		\
	fd = fail_nth_fd();						\
	if (fd < 0 || failslab_on())					\
		SKIP(return, "no fail-nth/failslab (CONFIG_FAILSLAB?)");\
	ASSERT_EQ(0, setup_netns());					\
} while (0)

/*
 * connect() with its N-th allocation failing, for every N: it succeeds or
 * fails with an error, and the listener serves a normal connect afterwards.
 */
TEST(fail_nth_connect)
{
	int fd, lfd, port, n, c, s, failed = 0;

	NEED_FAIL_NTH(fd);
	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, xtcp_set_timeouts(lfd, 2000));
	for (n = 1; n < NTH_MAX; n++) {
		int ret, err;

		c = xtcp_socket();
		ASSERT_LE(0, c);
		ASSERT_EQ(0, fail_nth_arm(fd, n));
		ret = xtcp_connect_port(c, port);
		err = errno;
		if (!fail_nth_fired(fd)) {
			fail_nth_arm(fd, 0);
			close(c);
			break;
		}
		if (ret) {
			failed++;
			EXPECT_NE(0, err);
		} else {
			s = accept(lfd, NULL, NULL);
			if (s >= 0)
				close(s);
		}
		close(c);
	}
	failslab_off();
	TH_LOG("connect: %d allocations failed in turn, %d calls failed",
	       n - 1, failed);
	EXPECT_LT(1, n);
	ASSERT_EQ(0, xtcp_connect_port(c = xtcp_socket(), port));
	s = accept(lfd, NULL, NULL);
	EXPECT_LE(0, s);
	close(s);
	close(c);
	close(lfd);
	close(fd);
}

/*
 * send() and close() likewise: every byte a successful send() took
 * arrives, an orphan's close() either sends its FIN or gives up cleanly.
 */
TEST(fail_nth_send_close)
{
	int fd, n, c, s, sent = 0, ret;
	char buf[64];

	NEED_FAIL_NTH(fd);
	ASSERT_EQ(0, put("/proc/sys/net/xtcp", "orphan_retries", "2"));
	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, xtcp_set_timeouts(s, 20000));
	for (n = 1; n < NTH_MAX; n++) {
		ASSERT_EQ(0, fail_nth_arm(fd, n));
		ret = send(c, "x", 1, 0);
		if (!fail_nth_fired(fd)) {
			fail_nth_arm(fd, 0);
			if (ret == 1)
				sent++;
			break;
		}
		if (ret == 1)
			sent++;
		else
			EXPECT_EQ(-1, ret);
	}
	TH_LOG("send: %d allocations failed in turn", n - 1);
	for (ret = 0; ret < sent;) {
		ssize_t r = recv(s, buf, sizeof(buf), 0);

		ASSERT_LT(0, r);
		ret += r;
	}
	EXPECT_EQ(sent, ret);
	for (n = 1; n < NTH_MAX; n++) {
		int cc, ss;

		ASSERT_EQ(0, xtcp_pair(&cc, &ss));
		ASSERT_EQ(0, fail_nth_arm(fd, n));
		close(cc);
		if (!fail_nth_fired(fd)) {
			fail_nth_arm(fd, 0);
			close(ss);
			break;
		}
		close(ss);
	}
	failslab_off();
	TH_LOG("close: %d allocations failed in turn", n - 1);
	close(c);
	close(s);
	close(fd);
	EXPECT_TRUE(wait_idle(30000)) TH_LOG("%d sockets still at work",
					     rows_at_work());
}

TEST_HARNESS_MAIN
