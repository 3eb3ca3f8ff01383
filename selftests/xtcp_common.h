/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp_common.h - helpers shared by the xtcp kselftest_harness tests.
 *
 * Every test opens its sockets with xtcp_socket(), which takes the IP
 * protocol number from the environment variable XTCP_PROTO (default
 * IPPROTO_XTCP, 253).  XTCP_PROTO=6 runs the very same tests against the
 * kernel's own TCP: that is how the tests themselves are validated on a
 * host that cannot load the module, and why native TCP's behaviour is the
 * specification every assertion encodes.
 *
 * Helpers return -1 (or a negative errno) on failure and never block
 * without a timeout, so a broken protocol makes a test fail, not hang.
 * Include this after kselftest_harness.h.
 */
#ifndef XTCP_COMMON_H
#define XTCP_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<linux/xtcp.h>)
#include <linux/xtcp.h>
#endif
#endif
/* Built inside a kernel tree without the module's uapi dir on the path. */
#ifndef IPPROTO_XTCP
#define IPPROTO_XTCP		253
#endif
#ifndef XTCP_PROC_SOCKETS
#define XTCP_PROC_SOCKETS	"/proc/net/xtcp"
#endif
#ifndef XTCP_PROC_STATS
#define XTCP_PROC_STATS		"/proc/net/xtcp_stats"
#endif

/* Generous bound for anything that should happen "at once" on loopback. */
#define XTCP_WAIT_MS		5000

static inline int xtcp_proto(void)
{
	const char *s = getenv("XTCP_PROTO");
	char *end;
	long v;

	if (!s || !*s)
		return IPPROTO_XTCP;
	v = strtol(s, &end, 0);
	if (*end || v < 0 || v > 255) {
		fprintf(stderr, "# bad XTCP_PROTO=%s, using %d\n", s,
			IPPROTO_XTCP);
		return IPPROTO_XTCP;
	}
	return v;
}

/* Native TCP run: the host validation mode, not the module under test. */
static inline bool xtcp_is_native_tcp(void)
{
	return xtcp_proto() == IPPROTO_TCP;
}

/* /proc/net/tcp stands in for /proc/net/xtcp when validating on TCP. */
static inline const char *xtcp_proc_sockets(void)
{
	return xtcp_is_native_tcp() ? "/proc/net/tcp" : XTCP_PROC_SOCKETS;
}

static inline int xtcp_socket_flags(int flags)
{
	return socket(AF_INET, SOCK_STREAM | flags, xtcp_proto());
}

static inline int xtcp_socket(void)
{
	return xtcp_socket_flags(0);
}

static inline void xtcp_addr(struct sockaddr_in *sin, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons(port);
}

static inline int xtcp_local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len))
		return -1;
	return ntohs(sin.sin_port);
}

/* Listener on 127.0.0.1, kernel-chosen port unless @port != 0. */
static inline int xtcp_listener_port(uint16_t port, int backlog, int *portp)
{
	struct sockaddr_in sin;
	int one = 1;
	int fd;

	fd = xtcp_socket();
	if (fd < 0)
		return -1;
	/* Tests rerun quickly; TIME_WAIT from a previous run must not bite. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	xtcp_addr(&sin, port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(fd, backlog)) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	if (portp)
		*portp = xtcp_local_port(fd);
	return fd;
}

static inline int xtcp_listener(int *portp)
{
	return xtcp_listener_port(0, 16, portp);
}

/* Wait up to @ms for @events on @fd; returns revents, 0 on timeout. */
static inline int xtcp_poll1(int fd, short events, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	do {
		n = poll(&pfd, 1, ms);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n;
	return pfd.revents;
}

/* Blocking connect bounded by a send timeout so a lost SYN cannot hang. */
static inline int xtcp_connect_port(int fd, uint16_t port)
{
	struct timeval tv = { .tv_sec = XTCP_WAIT_MS / 1000 };
	struct sockaddr_in sin;

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	xtcp_addr(&sin, port);
	return connect(fd, (struct sockaddr *)&sin, sizeof(sin));
}

/* accept() that gives up after XTCP_WAIT_MS instead of blocking forever. */
static inline int xtcp_accept(int lfd)
{
	if (!(xtcp_poll1(lfd, POLLIN, XTCP_WAIT_MS) & POLLIN)) {
		errno = ETIMEDOUT;
		return -1;
	}
	return accept(lfd, NULL, NULL);
}

/*
 * Established loopback pair: *cli connected, *srv accepted.  The listener
 * is closed unless @lfdp wants it.  Returns 0 or -1 with errno set.
 */
static inline int xtcp_pair_ex(int *cli, int *srv, int *lfdp)
{
	int lfd, port, c, s, err;

	lfd = xtcp_listener(&port);
	if (lfd < 0)
		return -1;
	c = xtcp_socket();
	if (c < 0)
		goto fail_l;
	if (xtcp_connect_port(c, port))
		goto fail_c;
	s = xtcp_accept(lfd);
	if (s < 0)
		goto fail_c;
	*cli = c;
	*srv = s;
	if (lfdp)
		*lfdp = lfd;
	else
		close(lfd);
	return 0;
fail_c:
	err = errno;
	close(c);
	errno = err;
fail_l:
	err = errno;
	close(lfd);
	errno = err;
	return -1;
}

static inline int xtcp_pair(int *cli, int *srv)
{
	return xtcp_pair_ex(cli, srv, NULL);
}

static inline int xtcp_set_timeouts(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static inline int xtcp_sock_error(int fd)
{
	int err = -1;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -errno;
	return err;
}

static inline int xtcp_set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

static inline long long xtcp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Write all of @len bytes (the fd may be blocking with SO_SNDTIMEO). */
static inline ssize_t xtcp_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(fd, p + done, len - done, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += n;
	}
	return done;
}

/* Read exactly @len bytes unless EOF or an error comes first. */
static inline ssize_t xtcp_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = recv(fd, p + done, len - done, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

/* Byte @i of the pattern stream: position-dependent so reordering shows. */
static inline unsigned char xtcp_pattern(uint64_t i, uint32_t seed)
{
	uint64_t x = (i / 8 + 1) * 0x9E3779B97F4A7C15ULL ^ seed;

	x ^= x >> 29;
	x *= 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 32;
	return (unsigned char)(x >> ((i % 8) * 8));
}

static inline void xtcp_fill(unsigned char *buf, size_t len, uint64_t off,
			     uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = xtcp_pattern(off + i, seed);
}

/* Index of the first byte differing from the pattern, or -1. */
static inline long long xtcp_check(const unsigned char *buf, size_t len,
				   uint64_t off, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != xtcp_pattern(off + i, seed))
			return off + i;
	return -1;
}

/*
 * /proc/net/{tcp,xtcp} lookup: the st field (hex) of the line whose
 * local and remote address:port match, -1 if there is none.  @inode gets
 * the inode column when non-NULL.  Addresses are 127.0.0.1 here; the
 * format is the kernel's "%08X:%04X" of the raw __be32 address.
 */
static inline int xtcp_proc_state(uint16_t lport, uint16_t rport,
				  unsigned long *inode)
{
	char want_l[16], want_r[16], line[512];
	uint32_t lo = htonl(INADDR_LOOPBACK);
	int st = -1;
	FILE *f;

	snprintf(want_l, sizeof(want_l), "%08X:%04X", lo, lport);
	/* A listener's remote side is 00000000:0000. */
	if (rport)
		snprintf(want_r, sizeof(want_r), "%08X:%04X", lo, rport);
	else
		snprintf(want_r, sizeof(want_r), "%08X:%04X", 0, 0);

	f = fopen(xtcp_proc_sockets(), "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char l[64], r[64];
		unsigned int s;
		unsigned long ino;

		/* sl local rem st tx:rx tr:when retr uid timeout inode */
		if (sscanf(line, " %*[0-9]: %63s %63s %x %*s %*s %*s %*s %*s %lu",
			   l, r, &s, &ino) != 4)
			continue;
		if (strcmp(l, want_l) || strcmp(r, want_r))
			continue;
		st = s;
		if (inode)
			*inode = ino;
		break;
	}
	fclose(f);
	return st;
}

/*
 * The "tr" field (which timer runs: 0 none, 1 retransmit, 2 another one,
 * 4 zero-window probe) of the loopback pair's line; -1 if there is none.
 */
static inline int xtcp_proc_timer(uint16_t lport, uint16_t rport)
{
	uint32_t lo = htonl(INADDR_LOOPBACK);
	char want_l[16], want_r[16], line[512];
	int tr = -1;
	FILE *f;

	snprintf(want_l, sizeof(want_l), "%08X:%04X", lo, lport);
	snprintf(want_r, sizeof(want_r), "%08X:%04X", lo, rport);
	f = fopen(xtcp_proc_sockets(), "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char l[64], r[64];
		unsigned int t;

		/* sl local rem st tx:rx tr:when */
		if (sscanf(line, " %*[0-9]: %63s %63s %*x %*s %x:", l, r,
			   &t) != 3)
			continue;
		if (!strcmp(l, want_l) && !strcmp(r, want_r)) {
			tr = t;
			break;
		}
	}
	fclose(f);
	return tr;
}

/* Poll the proc table until the pair reaches @state or @ms pass. */
static inline int xtcp_wait_proc_state(uint16_t lport, uint16_t rport,
				       int state, int ms)
{
	long long end = xtcp_now_ms() + ms;
	int st;

	for (;;) {
		st = xtcp_proc_state(lport, rport, NULL);
		if (st == state || xtcp_now_ms() > end)
			return st;
		usleep(10000);
	}
}

/* Read an integer sysctl through /proc/sys; -1 on error. */
static inline int xtcp_read_sysctl_ints(const char *path, long *v, int n)
{
	FILE *f = fopen(path, "r");
	int i;

	if (!f)
		return -1;
	for (i = 0; i < n; i++)
		if (fscanf(f, "%ld", &v[i]) != 1)
			break;
	fclose(f);
	return i == n ? 0 : -1;
}

/*
 * Move the calling (test child) process into a fresh network namespace
 * with loopback up, so counters and the socket table only see this test.
 */
static inline int xtcp_new_netns(void)
{
	struct ifreq ifr = { 0 };
	int fd, ret;

	if (unshare(CLONE_NEWNET))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	strcpy(ifr.ifr_name, "lo");
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (!ret) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

/* "Name value" lines of /proc/net/xtcp_stats; -1 if absent. */
static inline long long xtcp_stat(const char *name)
{
	char line[256], key[128];
	long long v, ret = -1;
	FILE *f = fopen(XTCP_PROC_STATS, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lld", key, &v) == 2 &&
		    !strcmp(key, name)) {
			ret = v;
			break;
		}
	fclose(f);
	return ret;
}

/*
 * A counter of /proc/net/snmp or /proc/net/netstat (kernel TCP's, for
 * XTCP_PROTO=6): a header row and a value row share the prefix @row.
 * -1 if absent.
 */
static inline long long mib_stat(const char *file, const char *row,
				 const char *col)
{
	char hdr[4096], val[4096];
	long long ret = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	while (fgets(hdr, sizeof(hdr), f) && fgets(val, sizeof(val), f)) {
		char *hs, *vs, *h, *v;

		if (strncmp(hdr, row, strlen(row)))
			continue;
		h = strtok_r(hdr, " \n", &hs);
		v = strtok_r(val, " \n", &vs);
		while (h && v) {
			if (!strcmp(h, col)) {
				ret = strtoll(v, NULL, 10);
				break;
			}
			h = strtok_r(NULL, " \n", &hs);
			v = strtok_r(NULL, " \n", &vs);
		}
		break;
	}
	fclose(f);
	return ret;
}

/*
 * Counter @xtcp of /proc/net/xtcp_stats, or for XTCP_PROTO=6 its kernel
 * TCP twin @tcpext of TcpExt (NULL: none, -1).
 */
static inline long long xtcp_twin_stat(const char *xtcp, const char *tcpext)
{
	if (!xtcp_is_native_tcp())
		return xtcp_stat(xtcp);
	return tcpext ? mib_stat("/proc/net/netstat", "TcpExt:", tcpext) : -1;
}

/*
 * Set net.xtcp.@name, or net.ipv4.tcp_@name for XTCP_PROTO=6, in the
 * calling process's namespace. 0 or -1.
 */
static inline int xtcp_set_sysctl(const char *name, const char *val)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), xtcp_is_native_tcp() ?
		 "/proc/sys/net/ipv4/tcp_%s" : "/proc/sys/net/xtcp/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fputs(val, f) < 0 ? -1 : 0;
	return fclose(f) ? -1 : ret;
}

/*
 * struct tcp_info as the kernel's uapi lays it out: glibc's ends at
 * tcpi_total_retrans (104 bytes); the rest follows, for the fields the
 * tests read beyond it. The size asked for is the kernel's to trim.
 */
struct xtcp_info {
	struct tcp_info base;
	uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
	uint32_t segs_out, segs_in, notsent_bytes, min_rtt;
	uint32_t data_segs_in, data_segs_out;
	uint64_t delivery_rate, busy_time, rwnd_limited, sndbuf_limited;
	uint32_t delivered, delivered_ce;
	uint64_t bytes_sent, bytes_retrans;
	uint32_t dsack_dups, reord_seen, rcv_ooopack, snd_wnd;
};
_Static_assert(sizeof(struct tcp_info) == 104, "glibc's tcp_info");
_Static_assert(__builtin_offsetof(struct xtcp_info, snd_wnd) == 228,
	       "uapi tcp_info layout");

/* TCP_INFO of @fd into *ti, zeroed first; 0 or -1. */
static inline int xtcp_get_info(int fd, struct xtcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	return getsockopt(fd, SOL_TCP, TCP_INFO, ti, &len);
}

#endif /* XTCP_COMMON_H */
