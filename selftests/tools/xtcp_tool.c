// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_tool - small netcat-like client/server for the xtcp shell selftests.
 *
 * The socket is socket(AF_INET, SOCK_STREAM, PROTO) with PROTO from -p N,
 * else env XTCP_PROTO, else 253 (IPPROTO_XTCP). XTCP_PROTO=6 runs the same
 * tests against the kernel's own TCP.
 *
 * Modes:
 *   xtcp_tool server  -l ADDR -P PORT [opts]   listen, accept --count conns
 *   xtcp_tool client  -a ADDR -P PORT [opts]   connect
 *   xtcp_tool simopen -l LADDR -L LPORT -a RADDR -P RPORT [opts]
 *                     bind LADDR:LPORT and connect to RADDR:RPORT (both
 *                     peers do this at once: TCP simultaneous open)
 *   xtcp_tool pattern-sha N [--seed S]   print the sha256 of N pattern bytes
 *
 * Per connection: [--hold-before S: neither read nor write] -> [--recv-first:
 * read to EOF] -> send phase (pattern or file) concurrently with receiving ->
 * [--shutdown-wr-after-send] -> receive until EOF (default, --wait-eof) or
 * until --expect bytes (--close-first) -> [--hold S] -> close. Output on
 * stdout, one line each:
 *   listening local=IP:PORT
 *   connected local=IP:PORT remote=IP:PORT mss=N
 *   sent sha256=HEX bytes=N
 *   recv sha256=HEX bytes=N
 *   holding
 *   closed
 * ("holding" when --hold-before starts, after "connected"; mss is the
 * socket's TCP_MAXSEG once connected, the last field so that parsers of
 * the fields before it keep working.) Errors go to stderr as
 * "xtcp_tool: WHAT: ENAME (text) elapsed=S".
 *
 * Exit codes (stable, scripts assert them):
 *   0 ok, 1 other error, 2 usage, 10 ECONNREFUSED, 11 ETIMEDOUT,
 *   12 ECONNRESET, 13 EPIPE, 14 --timeout expired, 15 EOF before --expect
 *   bytes, 16 EHOSTUNREACH/ENETUNREACH, 17 EADDRINUSE, 18 socket() failed
 *   (protocol not available, e.g. module not loaded).
 *
 * Signals: SIGUSR1 ends a --hold or --hold-before early (the connection then
 * proceeds normally; each hold needs its own SIGUSR1, one sent before the
 * hold starts ends it at once);
 * SIGTERM/SIGINT exit at once with code 0 when holding, letting the kernel
 * close the socket (with --linger0: an RST, nothing left in TIME_WAIT).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h"

#define EX_OK		0
#define EX_ERR		1
#define EX_USAGE	2
#define EX_REFUSED	10
#define EX_TIMEDOUT	11
#define EX_RESET	12
#define EX_PIPE		13
#define EX_TOOLTIME	14
#define EX_SHORT	15
#define EX_UNREACH	16
#define EX_ADDRINUSE	17
#define EX_SOCKET	18

#define CHUNK	65536

enum mode { M_SERVER, M_CLIENT, M_SIMOPEN, M_PATTERN };

static struct opts {
	enum mode mode;
	int proto;
	const char *laddr, *raddr;
	int lport, rport;
	int bind_port;			/* client: fixed local port */
	long long send_bytes;		/* pattern bytes to send */
	const char *send_file;
	const char *out_file;
	unsigned int seed;
	long long expect;		/* -1: none */
	int recv_first;
	int shut_wr;
	int wait_eof;			/* 1 unless --close-first */
	int linger0;
	int linger2_set, linger2;	/* TCP_LINGER2, when set */
	double hold_before;		/* after connect/accept, before any I/O */
	double hold;
	double timeout;
	int nonblock_connect;
	int syncnt, user_timeout, mss, nodelay;
	int count;			/* server: connections to serve, 0 = forever */
	int no_accept;			/* server: only listen (+ --hold) */
	int backlog;
} o = {
	.proto = 253, .expect = -1, .wait_eof = 1, .seed = 1, .count = 1,
	.backlog = 128, .syncnt = -1, .user_timeout = -1, .mss = -1,
};

static struct timespec t_start;
static volatile sig_atomic_t hold_interrupted;
static volatile sig_atomic_t holding;

static double elapsed(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t_start.tv_sec) + (t.tv_nsec - t_start.tv_nsec) / 1e9;
}

static int errno_exit(int e)
{
	switch (e) {
	case ECONNREFUSED: return EX_REFUSED;
	case ETIMEDOUT: return EX_TIMEDOUT;
	case ECONNRESET: return EX_RESET;
	case EPIPE: return EX_PIPE;
	case EHOSTUNREACH: case ENETUNREACH: return EX_UNREACH;
	case EADDRINUSE: return EX_ADDRINUSE;
	default: return EX_ERR;
	}
}

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

/* Print "xtcp_tool: WHAT: ENAME (text) elapsed=S" and exit with errno's code. */
static void __attribute__((noreturn, format(printf, 2, 3)))
die_errno(int e, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "xtcp_tool: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s (%s) elapsed=%.3f\n", ename(e), strerror(e), elapsed());
	exit(errno_exit(e));
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "xtcp_tool: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " elapsed=%.3f\n", elapsed());
	exit(code);
}

static void on_alarm(int sig)
{
	static const char msg[] = "xtcp_tool: --timeout expired\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(EX_TOOLTIME);
	_exit(EX_TOOLTIME);
}

static void on_usr1(int sig)
{
	(void)sig;
	hold_interrupted = 1;
}

static void on_term(int sig)
{
	(void)sig;
	/* Holding: a kill is the expected way out; the kernel closes the fd. */
	_exit(holding ? EX_OK : 128 + sig);
}

/* ---- deterministic pattern: xorshift32 stream, 4 bytes per step ---- */
struct pattern {
	uint32_t x;
};

static void pattern_init(struct pattern *p, unsigned int seed)
{
	p->x = seed ? seed : 0x9e3779b9;
}

static void pattern_fill(struct pattern *p, uint8_t *buf, size_t n)
{
	size_t i;

	/* n is always a multiple of 4 except for the very last chunk */
	for (i = 0; i < n; i += 4) {
		uint32_t x = p->x;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p->x = x;
		buf[i] = x;
		if (i + 1 < n)
			buf[i + 1] = x >> 8;
		if (i + 2 < n)
			buf[i + 2] = x >> 16;
		if (i + 3 < n)
			buf[i + 3] = x >> 24;
	}
}

static long long parse_size(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 0);

	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end || v < 0)
		die(EX_USAGE, "bad size '%s'", s);
	return v;
}

static int parse_int(const char *s)
{
	char *end;
	long v = strtol(s, &end, 0);

	if (*end || end == s)
		die(EX_USAGE, "bad number '%s'", s);
	return (int)v;
}

static void sockaddr_of(struct sockaddr_in *sa, const char *addr, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	if (!addr)
		addr = "0.0.0.0";
	if (inet_pton(AF_INET, addr, &sa->sin_addr) != 1)
		die(EX_USAGE, "bad IPv4 address '%s'", addr);
}

static const char *fmt_sa(const struct sockaddr_in *sa, char *buf, size_t n)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sa->sin_addr, a, sizeof(a));
	snprintf(buf, n, "%s:%u", a, ntohs(sa->sin_port));
	return buf;
}

static void print_ends(const char *what, int fd, int remote)
{
	struct sockaddr_in l, r;
	socklen_t len = sizeof(l);
	char lb[32], rb[32];

	if (getsockname(fd, (struct sockaddr *)&l, &len))
		die_errno(errno, "getsockname");
	if (!remote) {
		printf("%s local=%s\n", what, fmt_sa(&l, lb, sizeof(lb)));
	} else {
		int mss = -1;
		socklen_t mlen = sizeof(mss);

		len = sizeof(r);
		/*
		 * A connection the peer reset while it waited in the accept
		 * queue has no peer any more (ENOTCONN, in TCP too): say so
		 * and go on, its reads and writes tell the rest.
		 */
		if (getpeername(fd, (struct sockaddr *)&r, &len)) {
			if (errno != ENOTCONN)
				die_errno(errno, "getpeername");
			snprintf(rb, sizeof(rb), "?");
		} else {
			fmt_sa(&r, rb, sizeof(rb));
		}
		if (getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, &mlen))
			mss = -1;	/* printed as is: the caller sees it failed */
		printf("%s local=%s remote=%s mss=%d\n", what,
		       fmt_sa(&l, lb, sizeof(lb)), rb, mss);
	}
	fflush(stdout);
}

static void set_linger0(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)))
		die_errno(errno, "setsockopt(SO_LINGER)");
}

static void tcp_opt(int fd, int name, const char *sname, int val)
{
	if (val < 0)
		return;
	if (setsockopt(fd, IPPROTO_TCP, name, &val, sizeof(val)))
		die_errno(errno, "setsockopt(%s=%d)", sname, val);
}

static int new_socket(void)
{
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM, o.proto);

	if (fd < 0) {
		int e = errno;

		fprintf(stderr, "xtcp_tool: socket(AF_INET, SOCK_STREAM, %d): %s (%s)\n",
			o.proto, ename(e), strerror(e));
		exit(EX_SOCKET);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die_errno(errno, "setsockopt(SO_REUSEADDR)");
	tcp_opt(fd, TCP_SYNCNT, "TCP_SYNCNT", o.syncnt);
	tcp_opt(fd, TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT", o.user_timeout);
	tcp_opt(fd, TCP_MAXSEG, "TCP_MAXSEG", o.mss);
	if (o.nodelay)
		tcp_opt(fd, TCP_NODELAY, "TCP_NODELAY", 1);
	return fd;
}

static void set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK))
		die_errno(errno, "fcntl");
}

static void do_connect(int fd, const struct sockaddr_in *dst)
{
	char b[32];

	if (!o.nonblock_connect) {
		if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst)))
			die_errno(errno, "connect %s", fmt_sa(dst, b, sizeof(b)));
		return;
	}
	set_nonblock(fd, 1);
	if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst))) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int err = 0;
		socklen_t len = sizeof(err);

		if (errno != EINPROGRESS)
			die_errno(errno, "connect %s", fmt_sa(dst, b, sizeof(b)));
		while (poll(&p, 1, -1) < 0)
			if (errno != EINTR)
				die_errno(errno, "poll");
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
			die_errno(errno, "getsockopt(SO_ERROR)");
		if (err)
			die_errno(err, "connect %s (nonblocking)", fmt_sa(dst, b, sizeof(b)));
	}
	set_nonblock(fd, 0);
}

/* ---- data phase ---- */
struct xfer {
	struct sha256 ssha, rsha;
	long long sent, rcvd;
	struct pattern pat;
	FILE *src;
	int out;
	uint8_t sbuf[CHUNK], rbuf[CHUNK];
	size_t soff, slen;		/* pending bytes in sbuf */
	int send_done, eof;
};

/* Refill sbuf; returns 0 when nothing is left to send. */
static int refill(struct xfer *x)
{
	size_t n;

	if (x->src) {
		n = fread(x->sbuf, 1, sizeof(x->sbuf), x->src);
		if (!n && ferror(x->src))
			die_errno(errno, "read %s", o.send_file);
	} else {
		long long left = o.send_bytes - x->sent;

		n = left > CHUNK ? CHUNK : (size_t)left;
		pattern_fill(&x->pat, x->sbuf, n);
	}
	x->soff = 0;
	x->slen = n;
	return n != 0;
}

static void finish_send(int fd, struct xfer *x)
{
	x->send_done = 1;
	if (o.shut_wr && shutdown(fd, SHUT_WR))
		die_errno(errno, "shutdown(SHUT_WR)");
}

static int do_read(int fd, struct xfer *x)
{
	size_t want = sizeof(x->rbuf);
	ssize_t n;

	if (o.expect >= 0 && !o.wait_eof && o.expect - x->rcvd < (long long)want)
		want = o.expect - x->rcvd;
	if (!want)
		return 0;
	n = read(fd, x->rbuf, want);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		die_errno(errno, "read after %lld bytes", x->rcvd);
	}
	if (n == 0) {
		x->eof = 1;
		return 0;
	}
	sha256_update(&x->rsha, x->rbuf, n);
	if (x->out >= 0 && write(x->out, x->rbuf, n) != n)
		die_errno(errno, "write %s", o.out_file);
	x->rcvd += n;
	return 1;
}

/* Receiving is over: EOF, or --expect bytes without waiting for EOF. */
static int recv_done(struct xfer *x)
{
	if (x->eof)
		return 1;
	if (!o.wait_eof)
		return o.expect < 0 || x->rcvd >= o.expect;
	return 0;
}

static void hold(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s,
			       .tv_nsec = (long)((s - (time_t)s) * 1e9) };

	if (s <= 0)
		return;
	holding = 1;
	while (!hold_interrupted && nanosleep(&ts, &ts) && errno == EINTR)
		;
	holding = 0;
	hold_interrupted = 0;	/* a later hold waits for its own SIGUSR1 */
}

static void serve_conn(int fd)
{
	static struct xfer x;
	char hex[65];

	memset(&x, 0, sizeof(x));
	sha256_init(&x.ssha);
	sha256_init(&x.rsha);
	pattern_init(&x.pat, o.seed);
	x.out = -1;
	if (o.out_file) {
		x.out = open(o.out_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (x.out < 0)
			die_errno(errno, "open %s", o.out_file);
	}
	if (o.send_file) {
		x.src = fopen(o.send_file, "rb");
		if (!x.src)
			die_errno(errno, "open %s", o.send_file);
	}
	if (o.linger0)
		set_linger0(fd);
	if (o.linger2_set &&
	    setsockopt(fd, IPPROTO_TCP, TCP_LINGER2, &o.linger2, sizeof(o.linger2)))
		die_errno(errno, "setsockopt(TCP_LINGER2=%d)", o.linger2);
	print_ends("connected", fd, 1);
	if (o.hold_before > 0) {
		printf("holding\n");
		fflush(stdout);
		hold(o.hold_before);
	}

	if (o.recv_first)
		while (!x.eof)
			do_read(fd, &x);

	set_nonblock(fd, 1);
	if (!refill(&x))
		finish_send(fd, &x);
	while (!x.send_done || !recv_done(&x)) {
		struct pollfd p = { .fd = fd };

		if (!recv_done(&x))
			p.events |= POLLIN;
		if (!x.send_done)
			p.events |= POLLOUT;
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno(errno, "poll");
		}
		if ((p.revents & (POLLIN | POLLHUP | POLLERR)) && !recv_done(&x))
			do_read(fd, &x);
		if ((p.revents & (POLLOUT | POLLERR)) && !x.send_done) {
			ssize_t n = write(fd, x.sbuf + x.soff, x.slen - x.soff);

			if (n < 0) {
				if (errno != EAGAIN && errno != EINTR)
					die_errno(errno, "write after %lld bytes", x.sent);
				continue;
			}
			sha256_update(&x.ssha, x.sbuf + x.soff, n);
			x.sent += n;
			x.soff += n;
			if (x.soff == x.slen && !refill(&x))
				finish_send(fd, &x);
		}
	}
	set_nonblock(fd, 0);

	sha256_hex(&x.ssha, hex);
	printf("sent sha256=%s bytes=%lld\n", hex, x.sent);
	sha256_hex(&x.rsha, hex);
	printf("recv sha256=%s bytes=%lld\n", hex, x.rcvd);
	fflush(stdout);
	if (x.src)
		fclose(x.src);
	if (x.out >= 0)
		close(x.out);
	if (o.expect >= 0 && x.rcvd != o.expect)
		die(EX_SHORT, "received %lld bytes, expected %lld", x.rcvd, o.expect);

	hold(o.hold);
	if (close(fd))
		die_errno(errno, "close");
	printf("closed\n");
	fflush(stdout);
}

static void run_server(void)
{
	struct sockaddr_in sa, peer;
	int lfd = new_socket(), served = 0;

	sockaddr_of(&sa, o.laddr, o.lport);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)))
		die_errno(errno, "bind");
	if (listen(lfd, o.backlog))
		die_errno(errno, "listen");
	print_ends("listening", lfd, 0);
	if (o.no_accept) {
		hold(o.hold);
		close(lfd);
		return;
	}
	while (!o.count || served < o.count) {
		socklen_t len = sizeof(peer);
		int fd = accept(lfd, (struct sockaddr *)&peer, &len);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			die_errno(errno, "accept");
		}
		served++;
		if (served == o.count)
			close(lfd);	/* last one: no listener left behind */
		serve_conn(fd);
	}
}

static void run_client(void)
{
	struct sockaddr_in dst, src;
	int fd = new_socket();

	sockaddr_of(&dst, o.raddr, o.rport);
	if (o.laddr || o.bind_port) {
		sockaddr_of(&src, o.laddr, o.bind_port);
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)))
			die_errno(errno, "bind");
	}
	do_connect(fd, &dst);
	serve_conn(fd);
}

static void run_pattern_sha(long long n)
{
	static uint8_t buf[CHUNK];
	struct pattern p;
	struct sha256 s;
	char hex[65];
	long long left = n;

	pattern_init(&p, o.seed);
	sha256_init(&s);
	while (left > 0) {
		size_t k = left > CHUNK ? CHUNK : (size_t)left;

		pattern_fill(&p, buf, k);
		sha256_update(&s, buf, k);
		left -= k;
	}
	sha256_hex(&s, hex);
	printf("sha256=%s bytes=%lld\n", hex, n);
}

static void usage(int code)
{
	fprintf(code ? stderr : stdout,
"usage: xtcp_tool server  -l ADDR -P PORT [opts]\n"
"       xtcp_tool client  -a ADDR -P PORT [opts]\n"
"       xtcp_tool simopen -l LADDR -L LPORT -a RADDR -P RPORT [opts]\n"
"       xtcp_tool pattern-sha N [--seed S]\n"
"opts: -p PROTO (env XTCP_PROTO, default 253)\n"
"      --send N[KMG] | --send-file F   what to send (default nothing)\n"
"      --seed S          pattern seed (default 1)\n"
"      --out F           also write received bytes to F\n"
"      --expect N        fail (exit 15) unless exactly N bytes are received\n"
"      --recv-first      read to EOF before sending (half-close peer)\n"
"      --shutdown-wr-after-send   shutdown(SHUT_WR) once all is sent\n"
"      --wait-eof        read until the peer's FIN before close (default)\n"
"      --close-first     do not wait for EOF: close once sent (+ --expect read)\n"
"      --linger0         SO_LINGER {1,0}: close sends RST\n"
"      --linger2 S       TCP_LINGER2: orphaned FIN_WAIT2 lifetime (<0: RST)\n"
"      --hold-before S   once connected, neither read nor write for S s\n"
"                        (SIGUSR1 ends it), then go on as usual\n"
"      --hold S          keep the socket open S s before close (SIGUSR1 ends it)\n"
"      --timeout S       give up (exit 14) after S seconds\n"
"      --nonblock-connect  connect via O_NONBLOCK + poll + SO_ERROR\n"
"      -b ADDR / --bind-port N   client local address / port\n"
"      --syncnt N --user-timeout MS --mss N --nodelay   TCP socket options\n"
"      --count N         server: connections to serve (0 = forever, default 1)\n"
"      --no-accept       server: only listen (use with --hold)\n"
"exit: 0 ok, 10 ECONNREFUSED, 11 ETIMEDOUT, 12 ECONNRESET, 13 EPIPE,\n"
"      14 timeout, 15 short data, 16 unreachable, 17 EADDRINUSE, 18 socket()\n");
	exit(code);
}

enum {
	O_SEND = 256, O_SEND_FILE, O_SEED, O_OUT, O_EXPECT, O_RECV_FIRST, O_SHUT_WR,
	O_WAIT_EOF, O_CLOSE_FIRST, O_LINGER0, O_HOLD, O_TIMEOUT, O_NB_CONNECT,
	O_BIND_PORT, O_SYNCNT, O_USER_TIMEOUT, O_MSS, O_NODELAY, O_COUNT, O_NO_ACCEPT,
	O_LINGER2, O_HOLD_BEFORE,
};

static const struct option longopts[] = {
	{ "send", required_argument, NULL, O_SEND },
	{ "send-file", required_argument, NULL, O_SEND_FILE },
	{ "seed", required_argument, NULL, O_SEED },
	{ "out", required_argument, NULL, O_OUT },
	{ "expect", required_argument, NULL, O_EXPECT },
	{ "recv-first", no_argument, NULL, O_RECV_FIRST },
	{ "shutdown-wr-after-send", no_argument, NULL, O_SHUT_WR },
	{ "wait-eof", no_argument, NULL, O_WAIT_EOF },
	{ "close-first", no_argument, NULL, O_CLOSE_FIRST },
	{ "linger0", no_argument, NULL, O_LINGER0 },
	{ "linger2", required_argument, NULL, O_LINGER2 },
	{ "hold-before", required_argument, NULL, O_HOLD_BEFORE },
	{ "hold", required_argument, NULL, O_HOLD },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "nonblock-connect", no_argument, NULL, O_NB_CONNECT },
	{ "bind-port", required_argument, NULL, O_BIND_PORT },
	{ "syncnt", required_argument, NULL, O_SYNCNT },
	{ "user-timeout", required_argument, NULL, O_USER_TIMEOUT },
	{ "mss", required_argument, NULL, O_MSS },
	{ "nodelay", no_argument, NULL, O_NODELAY },
	{ "count", required_argument, NULL, O_COUNT },
	{ "no-accept", no_argument, NULL, O_NO_ACCEPT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	const char *env = getenv("XTCP_PROTO");
	long long pattern_n = 0;
	int c;

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	if (argc < 2)
		usage(EX_USAGE);
	if (!strcmp(argv[1], "server"))
		o.mode = M_SERVER;
	else if (!strcmp(argv[1], "client"))
		o.mode = M_CLIENT;
	else if (!strcmp(argv[1], "simopen"))
		o.mode = M_SIMOPEN;
	else if (!strcmp(argv[1], "pattern-sha"))
		o.mode = M_PATTERN;
	else if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		usage(EX_OK);
	else
		usage(EX_USAGE);
	argc--;
	argv++;
	if (env && *env)
		o.proto = parse_int(env);

	while ((c = getopt_long(argc, argv, "p:l:a:P:L:b:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': o.proto = parse_int(optarg); break;
		case 'l': case 'b': o.laddr = optarg; break;
		case 'a': o.raddr = optarg; break;
		case 'P':
			if (o.mode == M_SERVER)
				o.lport = parse_int(optarg);
			else
				o.rport = parse_int(optarg);
			break;
		case 'L': o.lport = parse_int(optarg); break;
		case O_SEND: o.send_bytes = parse_size(optarg); break;
		case O_SEND_FILE: o.send_file = optarg; break;
		case O_SEED: o.seed = (unsigned int)strtoul(optarg, NULL, 0); break;
		case O_OUT: o.out_file = optarg; break;
		case O_EXPECT: o.expect = parse_size(optarg); break;
		case O_RECV_FIRST: o.recv_first = 1; break;
		case O_SHUT_WR: o.shut_wr = 1; break;
		case O_WAIT_EOF: o.wait_eof = 1; break;
		case O_CLOSE_FIRST: o.wait_eof = 0; break;
		case O_LINGER0: o.linger0 = 1; break;
		case O_LINGER2:
			o.linger2 = parse_int(optarg);
			o.linger2_set = 1;
			break;
		case O_HOLD_BEFORE: o.hold_before = atof(optarg); break;
		case O_HOLD: o.hold = atof(optarg); break;
		case O_TIMEOUT: o.timeout = atof(optarg); break;
		case O_NB_CONNECT: o.nonblock_connect = 1; break;
		case O_BIND_PORT: o.bind_port = parse_int(optarg); break;
		case O_SYNCNT: o.syncnt = parse_int(optarg); break;
		case O_USER_TIMEOUT: o.user_timeout = parse_int(optarg); break;
		case O_MSS: o.mss = parse_int(optarg); break;
		case O_NODELAY: o.nodelay = 1; break;
		case O_COUNT: o.count = parse_int(optarg); break;
		case O_NO_ACCEPT: o.no_accept = 1; break;
		case 'h': usage(EX_OK); break;
		default: usage(EX_USAGE);
		}
	}
	if (o.mode == M_PATTERN) {
		if (optind != argc - 1)
			usage(EX_USAGE);
		pattern_n = parse_size(argv[optind]);
	} else if (optind != argc) {
		usage(EX_USAGE);
	}

	signal(SIGPIPE, SIG_IGN);	/* EPIPE as an error code instead */
	signal(SIGALRM, on_alarm);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	{
		struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */

		sigaction(SIGUSR1, &sa, NULL);
	}
	if (o.timeout > 0) {
		unsigned int s = (unsigned int)o.timeout;

		alarm(s < o.timeout ? s + 1 : s);
	}

	switch (o.mode) {
	case M_SERVER:
		if (!o.lport)
			die(EX_USAGE, "server needs -P PORT");
		run_server();
		break;
	case M_CLIENT:
		if (!o.raddr || !o.rport)
			die(EX_USAGE, "client needs -a ADDR -P PORT");
		run_client();
		break;
	case M_SIMOPEN:
		if (!o.laddr || !o.lport || !o.raddr || !o.rport)
			die(EX_USAGE, "simopen needs -l LADDR -L LPORT -a RADDR -P RPORT");
		o.bind_port = o.lport;
		run_client();
		break;
	case M_PATTERN:
		run_pattern_sha(pattern_n);
		break;
	}
	return EX_OK;
}
