// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_sockopt.c - socket options, which xtcp must accept exactly as TCP.
 *
 * Covers, with the values and errnos measured on native TCP:
 * SOL_TCP TCP_NODELAY, TCP_MAXSEG (88..32767 or 0, before/after connect),
 * TCP_SYNCNT (1..127), TCP_LINGER2 (clamped, default fin_timeout),
 * TCP_KEEPIDLE/KEEPINTVL (1..32767), TCP_KEEPCNT (1..127),
 * TCP_USER_TIMEOUT (>= 0), TCP_CORK, TCP_QUICKACK, TCP_DEFER_ACCEPT,
 * TCP_CONGESTION, TCP_INFO (tcpi_state per state), unknown options
 * (ENOPROTOOPT), short optlen (EINVAL); SOL_SOCKET SO_KEEPALIVE,
 * SO_REUSEADDR, SO_ERROR, SO_TYPE/SO_PROTOCOL/SO_DOMAIN/SO_ACCEPTCONN;
 * SOL_IP IP_TOS (ECN bits kept by the stack) and IP_TTL.
 *
 * Finally a differential test sets and gets a table of options and values
 * on an xtcp socket and a kernel TCP socket side by side and requires the
 * same result, errno and value: that catches version-specific details
 * (clamps, rounding) without hard-coding them.  It is a self-comparison
 * under XTCP_PROTO=6, so there it reports SKIP after running.
 */
#include <limits.h>

#include "kselftest_harness.h"
#include "xtcp_common.h"

/* setsockopt of an int; returns 0 or -errno. */
static int set_int(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof(v)) ? -errno : 0;
}

/* getsockopt of an int; the value, or INT_MIN with errno set. */
static int get_int(int fd, int level, int opt)
{
	socklen_t len = sizeof(int);
	int v = 0;

	if (getsockopt(fd, level, opt, &v, &len))
		return INT_MIN;
	return v;
}

TEST(tcp_nodelay)
{
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, get_int(fd, SOL_TCP, TCP_NODELAY));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_NODELAY, 1));
	EXPECT_EQ(1, get_int(fd, SOL_TCP, TCP_NODELAY));
	/* Any non-zero value is "on" and reads back as 1. */
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_NODELAY, 42));
	EXPECT_EQ(1, get_int(fd, SOL_TCP, TCP_NODELAY));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_NODELAY, 0));
	EXPECT_EQ(0, get_int(fd, SOL_TCP, TCP_NODELAY));
	close(fd);
}

TEST(tcp_maxseg)
{
	int fd, c, s, lfd, port, mss;

	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	/* Unconnected: TCP_MSS_DEFAULT. */
	EXPECT_EQ(536, get_int(fd, SOL_TCP, TCP_MAXSEG));
	/* Valid: 0 (= no user limit) and TCP_MIN_MSS(88)..MAX_TCP_WINDOW. */
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_MAXSEG, 1000));
	EXPECT_EQ(1000, get_int(fd, SOL_TCP, TCP_MAXSEG));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_MAXSEG, 88));
	EXPECT_EQ(88, get_int(fd, SOL_TCP, TCP_MAXSEG));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_MAXSEG, 32767));
	EXPECT_EQ(32767, get_int(fd, SOL_TCP, TCP_MAXSEG));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_MAXSEG, 0));
	EXPECT_EQ(536, get_int(fd, SOL_TCP, TCP_MAXSEG));
	/* Invalid values leave the old one in place. */
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_MAXSEG, 1200));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_MAXSEG, 87));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_MAXSEG, 8));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_MAXSEG, 1));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_MAXSEG, -1));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_MAXSEG, 32768));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_MAXSEG, 65536));
	EXPECT_EQ(1200, get_int(fd, SOL_TCP, TCP_MAXSEG));
	close(fd);

	/*
	 * A user MSS set before connect() bounds the connection's MSS on
	 * both ends (it is advertised in the SYN); options such as
	 * timestamps may take up to 40 bytes of it.
	 */
	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, set_int(c, SOL_TCP, TCP_MAXSEG, 1000));
	ASSERT_EQ(0, xtcp_connect_port(c, port));
	s = xtcp_accept(lfd);
	ASSERT_LE(0, s);
	mss = get_int(c, SOL_TCP, TCP_MAXSEG);
	EXPECT_GE(1000, mss);
	EXPECT_LE(960, mss);
	mss = get_int(s, SOL_TCP, TCP_MAXSEG);
	EXPECT_GE(1000, mss);
	EXPECT_LE(960, mss);
	close(s);
	close(c);
	close(lfd);
}

TEST(tcp_syncnt)
{
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_SYNCNT, 1));
	EXPECT_EQ(1, get_int(fd, SOL_TCP, TCP_SYNCNT));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_SYNCNT, 127));
	EXPECT_EQ(127, get_int(fd, SOL_TCP, TCP_SYNCNT));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_SYNCNT, 0));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_SYNCNT, 128));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_SYNCNT, -1));
	EXPECT_EQ(127, get_int(fd, SOL_TCP, TCP_SYNCNT));
	close(fd);
}

TEST(tcp_syncnt_default_is_sysctl)
{
	const char *path = xtcp_is_native_tcp() ?
		"/proc/sys/net/ipv4/tcp_syn_retries" :
		"/proc/sys/net/xtcp/syn_retries";
	long def;
	int fd;

	/* Unset TCP_SYNCNT reads the per-netns syn_retries sysctl. */
	ASSERT_EQ(0, xtcp_read_sysctl_ints(path, &def, 1))
		TH_LOG("cannot read %s", path);
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(def, get_int(fd, SOL_TCP, TCP_SYNCNT));
	close(fd);
}

TEST(tcp_linger2)
{
	const char *path = xtcp_is_native_tcp() ?
		"/proc/sys/net/ipv4/tcp_fin_timeout" :
		"/proc/sys/net/xtcp/fin_timeout";
	long fin;
	int fd;

	ASSERT_EQ(0, xtcp_read_sysctl_ints(path, &fin, 1))
		TH_LOG("cannot read %s", path);
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	/* 0 means "use the fin_timeout sysctl", which getsockopt reports. */
	EXPECT_EQ(fin, get_int(fd, SOL_TCP, TCP_LINGER2));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_LINGER2, 30));
	EXPECT_EQ(30, get_int(fd, SOL_TCP, TCP_LINGER2));
	/* Negative: no FIN_WAIT2 at all (RST); reads back as -1. */
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_LINGER2, -5));
	EXPECT_EQ(-1, get_int(fd, SOL_TCP, TCP_LINGER2));
	/* Clamped to TCP_FIN_TIMEOUT_MAX (120 s), never an error. */
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_LINGER2, 100000));
	EXPECT_EQ(120, get_int(fd, SOL_TCP, TCP_LINGER2));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_LINGER2, 0));
	EXPECT_EQ(fin, get_int(fd, SOL_TCP, TCP_LINGER2));
	close(fd);
}

TEST(tcp_keepalive_ranges)
{
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	/* Defaults: tcp_keepalive_time/intvl/probes = 7200/75/9. */
	EXPECT_EQ(7200, get_int(fd, SOL_TCP, TCP_KEEPIDLE));
	EXPECT_EQ(75, get_int(fd, SOL_TCP, TCP_KEEPINTVL));
	EXPECT_EQ(9, get_int(fd, SOL_TCP, TCP_KEEPCNT));

	/* KEEPIDLE and KEEPINTVL: 1..MAX_TCP_KEEPIDLE/INTVL (32767 s). */
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_KEEPIDLE, 1));
	EXPECT_EQ(1, get_int(fd, SOL_TCP, TCP_KEEPIDLE));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_KEEPIDLE, 32767));
	EXPECT_EQ(32767, get_int(fd, SOL_TCP, TCP_KEEPIDLE));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_KEEPIDLE, 0));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_KEEPIDLE, 32768));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_KEEPIDLE, -1));

	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_KEEPINTVL, 1));
	EXPECT_EQ(1, get_int(fd, SOL_TCP, TCP_KEEPINTVL));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_KEEPINTVL, 32767));
	EXPECT_EQ(32767, get_int(fd, SOL_TCP, TCP_KEEPINTVL));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_KEEPINTVL, 0));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_KEEPINTVL, 32768));

	/* KEEPCNT: 1..MAX_TCP_KEEPCNT (127). */
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_KEEPCNT, 1));
	EXPECT_EQ(1, get_int(fd, SOL_TCP, TCP_KEEPCNT));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_KEEPCNT, 127));
	EXPECT_EQ(127, get_int(fd, SOL_TCP, TCP_KEEPCNT));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_KEEPCNT, 0));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_KEEPCNT, 128));
	close(fd);
}

TEST(tcp_user_timeout)
{
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, get_int(fd, SOL_TCP, TCP_USER_TIMEOUT));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_USER_TIMEOUT, 1500));
	EXPECT_EQ(1500, get_int(fd, SOL_TCP, TCP_USER_TIMEOUT));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_USER_TIMEOUT, INT_MAX));
	EXPECT_EQ(INT_MAX, get_int(fd, SOL_TCP, TCP_USER_TIMEOUT));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_TCP, TCP_USER_TIMEOUT, -1));
	EXPECT_EQ(INT_MAX, get_int(fd, SOL_TCP, TCP_USER_TIMEOUT));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_USER_TIMEOUT, 0));
	EXPECT_EQ(0, get_int(fd, SOL_TCP, TCP_USER_TIMEOUT));
	close(fd);
}

TEST(tcp_cork_quickack_defer_accept)
{
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, get_int(fd, SOL_TCP, TCP_CORK));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_CORK, 1));
	EXPECT_EQ(1, get_int(fd, SOL_TCP, TCP_CORK));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_CORK, 0));
	EXPECT_EQ(0, get_int(fd, SOL_TCP, TCP_CORK));

	/* Quick-ack mode is on until the connection turns interactive. */
	EXPECT_EQ(1, get_int(fd, SOL_TCP, TCP_QUICKACK));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_QUICKACK, 0));
	EXPECT_EQ(0, get_int(fd, SOL_TCP, TCP_QUICKACK));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_QUICKACK, 1));
	EXPECT_EQ(1, get_int(fd, SOL_TCP, TCP_QUICKACK));

	/*
	 * Seconds are stored as SYN-ACK retransmissions (1 s, doubling),
	 * so the value read back is rounded up to a retransmit boundary.
	 */
	EXPECT_EQ(0, get_int(fd, SOL_TCP, TCP_DEFER_ACCEPT));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_DEFER_ACCEPT, 1));
	EXPECT_EQ(1, get_int(fd, SOL_TCP, TCP_DEFER_ACCEPT));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_DEFER_ACCEPT, 5));
	EXPECT_EQ(7, get_int(fd, SOL_TCP, TCP_DEFER_ACCEPT));
	EXPECT_EQ(0, set_int(fd, SOL_TCP, TCP_DEFER_ACCEPT, -3));
	EXPECT_EQ(0, get_int(fd, SOL_TCP, TCP_DEFER_ACCEPT));
	close(fd);
}

TEST(tcp_congestion)
{
	char name[32];
	socklen_t len = sizeof(name);
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	memset(name, 0, sizeof(name));
	ASSERT_EQ(0, getsockopt(fd, SOL_TCP, TCP_CONGESTION, name, &len))
		TH_LOG("get TCP_CONGESTION: %s", strerror(errno));
	EXPECT_NE(0, name[0]);
	/* reno is built into every kernel: always settable. */
	ASSERT_EQ(0, setsockopt(fd, SOL_TCP, TCP_CONGESTION, "reno", 4))
		TH_LOG("set reno: %s", strerror(errno));
	len = sizeof(name);
	memset(name, 0, sizeof(name));
	ASSERT_EQ(0, getsockopt(fd, SOL_TCP, TCP_CONGESTION, name, &len));
	EXPECT_STREQ("reno", name);
	EXPECT_EQ(-1, setsockopt(fd, SOL_TCP, TCP_CONGESTION, "no-such-cc",
				 10));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, setsockopt(fd, SOL_TCP, TCP_CONGESTION, "", 0));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

static int tcpi_state(int fd, socklen_t *lenp)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0xff, sizeof(ti));
	if (getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len))
		return -errno;
	if (lenp)
		*lenp = len;
	return ti.tcpi_state;
}

/* The peer's ACK may still be in flight on lo: wait for @state. */
static int wait_tcpi_state(int fd, int state)
{
	long long end = xtcp_now_ms() + XTCP_WAIT_MS;
	int st;

	while ((st = tcpi_state(fd, NULL)) != state && xtcp_now_ms() < end)
		usleep(1000);
	return st;
}

TEST(tcp_info)
{
	struct tcp_info ti;
	socklen_t len;
	int fd, lfd, port, c, s;

	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	/* The kernel's struct is at least glibc's: full copy of ours. */
	EXPECT_EQ(7, tcpi_state(fd, &len));	/* TCP_CLOSE */
	EXPECT_EQ(sizeof(struct tcp_info), len);
	/* A short buffer gets a prefix and the shortened length. */
	len = 4;
	memset(&ti, 0xff, sizeof(ti));
	ASSERT_EQ(0, getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(4, len);
	EXPECT_EQ(7, ti.tcpi_state);
	close(fd);

	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	EXPECT_EQ(10, tcpi_state(lfd, NULL));	/* TCP_LISTEN */
	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xtcp_connect_port(c, port));
	s = xtcp_accept(lfd);
	ASSERT_LE(0, s);
	EXPECT_EQ(1, tcpi_state(c, NULL));	/* TCP_ESTABLISHED */
	EXPECT_EQ(1, tcpi_state(s, NULL));

	ASSERT_EQ(4, send(c, "data", 4, 0));
	ASSERT_EQ(POLLIN, xtcp_poll1(s, POLLIN, XTCP_WAIT_MS));
	len = sizeof(ti);
	ASSERT_EQ(0, getsockopt(c, SOL_TCP, TCP_INFO, &ti, &len));
	EXPECT_LT(0, ti.tcpi_snd_mss);
	EXPECT_LT(0, ti.tcpi_rcv_mss);
	/* RTO is at least TCP_RTO_MIN (200 ms), in microseconds. */
	EXPECT_LE(200000, ti.tcpi_rto);
	EXPECT_LT(0, ti.tcpi_snd_cwnd);
	EXPECT_EQ(0, ti.tcpi_retransmits);

	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	ASSERT_NE(0, xtcp_poll1(s, POLLRDHUP, XTCP_WAIT_MS));
	EXPECT_EQ(8, tcpi_state(s, NULL));	/* TCP_CLOSE_WAIT */
	EXPECT_EQ(5, wait_tcpi_state(c, 5));	/* TCP_FIN_WAIT2 */
	close(s);
	close(c);
	close(lfd);
}

TEST(unknown_and_malformed)
{
	socklen_t len;
	int fd, v = 1;
	char small = 1;

	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOPROTOOPT, set_int(fd, SOL_TCP, 9999, 1));
	len = sizeof(v);
	EXPECT_EQ(-1, getsockopt(fd, SOL_TCP, 9999, &v, &len));
	EXPECT_EQ(ENOPROTOOPT, errno);
	/* int options need a full int. */
	EXPECT_EQ(-1, setsockopt(fd, SOL_TCP, TCP_NODELAY, &small, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(fd, SOL_TCP, TCP_SYNCNT, &small, 0));
	EXPECT_EQ(EINVAL, errno);
	/* Negative optlen on get. */
	len = (socklen_t)-1;
	EXPECT_EQ(-1, getsockopt(fd, SOL_TCP, TCP_NODELAY, &v, &len));
	EXPECT_EQ(EINVAL, errno);
	/* A short get buffer is truncated, not refused. */
	ASSERT_EQ(0, set_int(fd, SOL_TCP, TCP_SYNCNT, 5));
	len = 1;
	small = 0;
	EXPECT_EQ(0, getsockopt(fd, SOL_TCP, TCP_SYNCNT, &small, &len));
	EXPECT_EQ(1, len);
	EXPECT_EQ(5, small);
	close(fd);
}

TEST(sol_socket_options)
{
	int fd, lfd, port;

	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(SOCK_STREAM, get_int(fd, SOL_SOCKET, SO_TYPE));
	EXPECT_EQ(AF_INET, get_int(fd, SOL_SOCKET, SO_DOMAIN));
	/* The protocol number the socket was created with, not 6. */
	EXPECT_EQ(xtcp_proto(), get_int(fd, SOL_SOCKET, SO_PROTOCOL));
	EXPECT_EQ(0, get_int(fd, SOL_SOCKET, SO_ERROR));
	EXPECT_EQ(0, get_int(fd, SOL_SOCKET, SO_ACCEPTCONN));

	EXPECT_EQ(0, get_int(fd, SOL_SOCKET, SO_KEEPALIVE));
	EXPECT_EQ(0, set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1));
	EXPECT_EQ(1, get_int(fd, SOL_SOCKET, SO_KEEPALIVE));
	EXPECT_EQ(0, set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 0));
	EXPECT_EQ(0, get_int(fd, SOL_SOCKET, SO_KEEPALIVE));

	EXPECT_EQ(0, get_int(fd, SOL_SOCKET, SO_REUSEADDR));
	EXPECT_EQ(0, set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1));
	EXPECT_EQ(1, get_int(fd, SOL_SOCKET, SO_REUSEADDR));
	EXPECT_EQ(0, set_int(fd, SOL_SOCKET, SO_REUSEADDR, 0));
	EXPECT_EQ(0, get_int(fd, SOL_SOCKET, SO_REUSEADDR));
	close(fd);

	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	EXPECT_EQ(1, get_int(lfd, SOL_SOCKET, SO_ACCEPTCONN));
	close(lfd);
}

TEST(keepalive_while_connected)
{
	int c, s;

	/* Toggling keepalive on a live connection (arms/disarms a timer). */
	ASSERT_EQ(0, xtcp_pair(&c, &s));
	EXPECT_EQ(0, set_int(c, SOL_TCP, TCP_KEEPIDLE, 1));
	EXPECT_EQ(0, set_int(c, SOL_SOCKET, SO_KEEPALIVE, 1));
	EXPECT_EQ(1, get_int(c, SOL_SOCKET, SO_KEEPALIVE));
	/* Probes of a live peer are answered: still established after 2 s. */
	usleep(2200000);
	EXPECT_EQ(1, tcpi_state(c, NULL));
	EXPECT_EQ(0, xtcp_sock_error(c));
	EXPECT_EQ(0, set_int(c, SOL_SOCKET, SO_KEEPALIVE, 0));
	EXPECT_EQ(2, send(c, "ok", 2, 0));
	close(c);
	close(s);
}

TEST(ip_tos_ttl)
{
	int fd = xtcp_socket();

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, get_int(fd, SOL_IP, IP_TOS));
	EXPECT_EQ(0, set_int(fd, SOL_IP, IP_TOS, 0x10));
	EXPECT_EQ(0x10, get_int(fd, SOL_IP, IP_TOS));
	/* Stream sockets keep the stack's ECN bits: 0xb3 reads as 0xb0. */
	EXPECT_EQ(0, set_int(fd, SOL_IP, IP_TOS, 0xb3));
	EXPECT_EQ(0xb0, get_int(fd, SOL_IP, IP_TOS));

	EXPECT_EQ(0, set_int(fd, SOL_IP, IP_TTL, 5));
	EXPECT_EQ(5, get_int(fd, SOL_IP, IP_TTL));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_IP, IP_TTL, 0));
	EXPECT_EQ(-EINVAL, set_int(fd, SOL_IP, IP_TTL, 256));
	close(fd);
}

/* Differential test: xtcp vs a kernel TCP socket in the same state. */
struct optcase {
	int level, opt;
	const char *name;
};

#define OPT(l, o) { l, o, #o }
static const struct optcase diff_opts[] = {
	OPT(SOL_TCP, TCP_NODELAY),
	OPT(SOL_TCP, TCP_MAXSEG),
	OPT(SOL_TCP, TCP_CORK),
	OPT(SOL_TCP, TCP_KEEPIDLE),
	OPT(SOL_TCP, TCP_KEEPINTVL),
	OPT(SOL_TCP, TCP_KEEPCNT),
	OPT(SOL_TCP, TCP_SYNCNT),
	OPT(SOL_TCP, TCP_LINGER2),
	OPT(SOL_TCP, TCP_DEFER_ACCEPT),
	OPT(SOL_TCP, TCP_QUICKACK),
	OPT(SOL_TCP, TCP_USER_TIMEOUT),
	OPT(SOL_TCP, 9999),
	OPT(SOL_SOCKET, SO_KEEPALIVE),
	OPT(SOL_SOCKET, SO_REUSEADDR),
	OPT(SOL_SOCKET, SO_SNDBUF),
	OPT(SOL_SOCKET, SO_RCVBUF),
	OPT(SOL_SOCKET, SO_RCVLOWAT),
	OPT(SOL_SOCKET, SO_PRIORITY),
	OPT(SOL_SOCKET, SO_OOBINLINE),
	OPT(SOL_IP, IP_TOS),
	OPT(SOL_IP, IP_TTL),
};

static const int diff_vals[] = {
	INT_MIN, -1, 0, 1, 2, 5, 7, 8, 87, 88, 127, 128, 255, 256, 536,
	1000, 32767, 32768, 65535, 65536, 1 << 20, INT_MAX,
};

/* Smallest MSS TCP_MAXSEG accepts (TCP_MIN_MSS). */
#define TCP_MSS_MIN_XTCP 88

/* One option on two sockets: returns the number of mismatches logged. */
static int diff_one(struct __test_metadata *_metadata, int x, int t,
		    const struct optcase *oc, int val, const char *what)
{
	int rx, rt, ex = 0, et = 0, gx = 0, gt = 0, bad = 0;
	socklen_t lx = sizeof(int), lt = sizeof(int);

	rx = setsockopt(x, oc->level, oc->opt, &val, sizeof(val));
	if (rx)
		ex = errno;
	rt = setsockopt(t, oc->level, oc->opt, &val, sizeof(val));
	if (rt)
		et = errno;
	if (rx != rt || ex != et) {
		TH_LOG("%s set %s=%d: xtcp %d/%s, tcp %d/%s", what, oc->name,
		       val, rx, strerror(ex), rt, strerror(et));
		bad++;
	}
	ex = et = 0;
	rx = getsockopt(x, oc->level, oc->opt, &gx, &lx);
	if (rx)
		ex = errno;
	rt = getsockopt(t, oc->level, oc->opt, &gt, &lt);
	if (rt)
		et = errno;
	/*
	 * A connection's MSS depends on what the handshake negotiated
	 * (TCP sends timestamps and scales its window, xtcp does not yet),
	 * so only its bounds are compared once established.
	 */
	if (oc->level == SOL_TCP && oc->opt == TCP_MAXSEG &&
	    !strcmp(what, "established") && gx >= TCP_MSS_MIN_XTCP &&
	    gx <= 65495 && gt >= TCP_MSS_MIN_XTCP)
		gx = gt;
	if (rx != rt || ex != et || lx != lt || gx != gt) {
		TH_LOG("%s get %s after %d: xtcp %d/%s val %d len %u, tcp %d/%s val %d len %u",
		       what, oc->name, val, rx, strerror(ex), gx, lx, rt,
		       strerror(et), gt, lt);
		bad++;
	}
	return bad;
}

static int tcp_pair(int *cli, int *srv)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int l, c;

	l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (l < 0)
		return -1;
	xtcp_addr(&sin, 0);
	if (bind(l, (struct sockaddr *)&sin, sizeof(sin)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&sin, &len))
		goto fail;
	c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (c < 0)
		goto fail;
	if (connect(c, (struct sockaddr *)&sin, sizeof(sin))) {
		close(c);
		goto fail;
	}
	*srv = accept(l, NULL, NULL);
	*cli = c;
	close(l);
	return *srv < 0 ? -1 : 0;
fail:
	close(l);
	return -1;
}

/*
 * Hundreds of connections: slow on the KASAN/lockdep kernel, so this one
 * gets more than the harness's default 30 s.
 */
FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

TEST_F_TIMEOUT(slow, differential_vs_tcp, 300)
{
	int bad = 0;

	for (size_t i = 0; i < ARRAY_SIZE(diff_opts); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(diff_vals); j++) {
			int x, t, xc, xs, tc, ts;

			/* Unconnected sockets. */
			x = xtcp_socket();
			ASSERT_LE(0, x);
			t = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
			ASSERT_LE(0, t);
			bad += diff_one(_metadata, x, t, &diff_opts[i],
					diff_vals[j], "closed");
			close(x);
			close(t);

			/* Established sockets (client side). */
			ASSERT_EQ(0, xtcp_pair(&xc, &xs));
			ASSERT_EQ(0, tcp_pair(&tc, &ts));
			bad += diff_one(_metadata, xc, tc, &diff_opts[i],
					diff_vals[j], "established");
			close(xc);
			close(xs);
			close(tc);
			close(ts);
		}
	}
	EXPECT_EQ(0, bad);
	if (xtcp_is_native_tcp())
		SKIP(return, "XTCP_PROTO=6: TCP compared with itself");
}

TEST_HARNESS_MAIN
