// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_keepalive.c - finding out that a peer is gone: keepalive probes
 * (RFC 1122 §4.2.3.6), retries2 and TCP_USER_TIMEOUT, against a peer
 * played through a TUN device (xtcp_tun.h), which can go silent at will.
 *
 * Covered:
 *  - with SO_KEEPALIVE and TCP_KEEPIDLE/KEEPINTVL/KEEPCNT of 1 s, 1 s, 2,
 *    a silent peer gets probes (a bare ACK one below SND.UNA), then a RST,
 *    and the socket fails with ETIMEDOUT; counted (KeepAlive,
 *    AbortOnTimeout);
 *  - a peer that answers every probe keeps the connection, for more
 *    probes than KEEPCNT;
 *  - without SO_KEEPALIVE nothing is sent; TCP_KEEPIDLE and friends read
 *    back net.xtcp.keepalive_* until set;
 *  - data nobody acknowledges: with net.xtcp.retries2 3 the connection
 *    fails with ETIMEDOUT after the time three doubling timeouts from
 *    200 ms take (3 s, Linux's time-based meaning, not a count of the
 *    actual 1 s, 2 s, 4 s... timeouts: that would be 15 s); with
 *    TCP_USER_TIMEOUT 1.5 s, after that, not at the next backed-off
 *    timeout (3 s): the last wait is cut to what is left.
 *
 * Every test runs in its own network namespace. With XTCP_PROTO=6 the
 * same tests run against the kernel's TCP, whose behaviour is the
 * reference.
 */
#include <netinet/tcp.h>

#include "kselftest_harness.h"
#include "xtcp_common.h"
#include "xtcp_tun.h"

#define KA_LPORT	7300

FIXTURE(ka) {
	struct tun_peer t;
	struct tun_conn c;
	int lfd, s;
};

FIXTURE_SETUP(ka)
{
	self->t.fd = self->lfd = self->s = -1;
	ASSERT_EQ(0, xtcp_new_netns());
	if (tun_open(&self->t))
		SKIP(return, "no TUN device: %s", strerror(errno));
	self->lfd = tun_listen(KA_LPORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, tun_connect(&self->t, &self->c, KA_LPORT, 1460));
	xtcp_set_timeouts(self->lfd, XTCP_WAIT_MS);
	self->s = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->s);
}

FIXTURE_TEARDOWN(ka)
{
	tun_teardown(&self->t, self->s, self->lfd);
}

/* SO_KEEPALIVE with idle @idle s, interval 1 s, @cnt probes. 0 or -1. */
static int ka_on(int fd, int idle, int cnt)
{
	int one = 1, intvl = 1;

	return setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) ||
	       setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
			  sizeof(intvl)) ||
	       setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) ||
	       setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) ?
	       -1 : 0;
}

/* A keepalive probe of this connection: no data, ACK, one below ours. */
static bool ka_is_probe(const struct tun_conn *c, const struct tun_seg *s)
{
	return s->flags == TF_ACK && !s->len && s->seq == c->rcv_nxt - 1 &&
	       s->dport == c->pport;
}

TEST_F(ka, silent_peer_times_out)
{
	long long probes = xtcp_twin_stat("KeepAlive", "TCPKeepAlive");
	long long aborts = xtcp_twin_stat("AbortOnTimeout", "TCPAbortOnTimeout");
	long long end = xtcp_now_ms() + 15000;
	int seen = 0, rst = 0, err = 0;
	struct tun_seg s;
	char b;

	ASSERT_EQ(0, ka_on(self->s, 1, 2));
	while (!rst && tun_recv(&self->t, &s, end) > 0) {
		if (ka_is_probe(&self->c, &s))
			seen++;
		if (s.flags & TF_RST)
			rst = 1;
	}
	TH_LOG("%d probes, then %s", seen, rst ? "a RST" : "nothing");
	EXPECT_EQ(2, seen);
	EXPECT_TRUE(rst);
	xtcp_set_timeouts(self->s, XTCP_WAIT_MS);
	EXPECT_EQ(-1, recv(self->s, &b, 1, 0));
	err = errno;
	EXPECT_EQ(ETIMEDOUT, err);
	EXPECT_LE(probes + 2, xtcp_twin_stat("KeepAlive", "TCPKeepAlive"));
	EXPECT_LE(aborts + 1, xtcp_twin_stat("AbortOnTimeout", "TCPAbortOnTimeout"));
}

TEST_F(ka, answered_probes_keep_connection)
{
	long long end = xtcp_now_ms() + 20000;
	struct tun_seg s, a;
	struct xtcp_info ti;
	int answered = 0;

	ASSERT_EQ(0, ka_on(self->s, 1, 2));
	while (answered < 4 && tun_recv(&self->t, &s, end) > 0) {
		ASSERT_FALSE(s.flags & TF_RST);
		if (!ka_is_probe(&self->c, &s))
			continue;
		a = (struct tun_seg){ .sport = self->c.pport,
				      .dport = KA_LPORT,
				      .seq = self->c.snd_nxt,
				      .ack = self->c.rcv_nxt,
				      .flags = TF_ACK, .win = 65535 };
		ASSERT_EQ(0, tun_send(&self->t, &a));
		answered++;
	}
	EXPECT_EQ(4, answered);
	EXPECT_EQ(0, xtcp_sock_error(self->s));
	ASSERT_EQ(0, xtcp_get_info(self->s, &ti));
	EXPECT_EQ(TCP_ESTABLISHED, ti.base.tcpi_state);
}

TEST_F(ka, off_sends_nothing)
{
	int idle = 1, intvl = 1;
	struct tun_seg s;

	ASSERT_EQ(0, setsockopt(self->s, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
				sizeof(idle)));
	ASSERT_EQ(0, setsockopt(self->s, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
				sizeof(intvl)));
	/* Three idle periods: a probe would have come by now. */
	EXPECT_EQ(0, tun_recv(&self->t, &s, xtcp_now_ms() + 3000));
	EXPECT_EQ(0, xtcp_sock_error(self->s));
}

static int ka_get(int fd, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	getsockopt(fd, IPPROTO_TCP, opt, &v, &len);
	return v;
}

TEST_F(ka, defaults_from_sysctls)
{
	int fd, v = 30;

	ASSERT_EQ(0, xtcp_set_sysctl("keepalive_time", "600"));
	ASSERT_EQ(0, xtcp_set_sysctl("keepalive_intvl", "20"));
	ASSERT_EQ(0, xtcp_set_sysctl("keepalive_probes", "4"));
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(600, ka_get(fd, TCP_KEEPIDLE));
	EXPECT_EQ(20, ka_get(fd, TCP_KEEPINTVL));
	EXPECT_EQ(4, ka_get(fd, TCP_KEEPCNT));
	ASSERT_EQ(0, setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)));
	EXPECT_EQ(30, ka_get(fd, TCP_KEEPIDLE));
	close(fd);
}

/*
 * The peer goes silent with @len bytes of ours unacknowledged; ms until
 * the socket fails with ETIMEDOUT (-1 if it does not within 20 s or
 * fails otherwise).
 */
static long long ka_dead_after(int s, size_t len)
{
	static char buf[1000];
	long long t0 = xtcp_now_ms();
	char b;

	if (send(s, buf, len, 0) != (ssize_t)len)
		return -1;
	xtcp_set_timeouts(s, 20000);
	if (recv(s, &b, 1, 0) != -1 || errno != ETIMEDOUT)
		return -1;
	return xtcp_now_ms() - t0;
}

TEST_F(ka, retries2_times_out)
{
	long long ms;

	ASSERT_EQ(0, xtcp_set_sysctl("retries2", "3"));
	ms = ka_dead_after(self->s, 100);
	TH_LOG("ETIMEDOUT after %lld ms", ms);
	/* 200 + 400 + 800 + 1600 ms; a count of 3 real timeouts is 15 s */
	EXPECT_GE(ms, 2800);
	EXPECT_LE(ms, 10000);
}

TEST_F(ka, user_timeout_times_out)
{
	int ut = 1500;
	long long ms;

	ASSERT_EQ(0, setsockopt(self->s, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut,
				sizeof(ut)));
	ms = ka_dead_after(self->s, 100);
	TH_LOG("ETIMEDOUT after %lld ms", ms);
	/* resent at 0.2, 0.6, 1.4 s; the next at 3 s is cut to 1.5 s */
	EXPECT_GE(ms, 1400);
	EXPECT_LE(ms, 2400);
}

TEST_HARNESS_MAIN
