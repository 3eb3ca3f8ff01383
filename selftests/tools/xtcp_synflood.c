// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_synflood - a bounded SYN flood for the listener tests and the
 * benchmark: SYNs with spoofed source addresses, at a fixed rate, for a
 * fixed time or count, through a raw socket (IP_HDRINCL). Each SYN is a
 * TCP SYN bit for bit (MSS option, checksum over a pseudo-header naming
 * protocol 6) in an IP packet whose protocol byte is -p N (XTCP_PROTO, or
 * 253), so it floods xtcp or, with 6, the kernel's TCP.
 *
 *   xtcp_synflood -a DADDR -P DPORT -s SRCNET/BITS [-r RATE] [-t SECS]
 *                 [-n COUNT] [-p PROTO]
 *   xtcp_synflood -E -a LADDR -P LPORT [-b BACKLOG] [-p PROTO]
 *                 echo server for the probes: listen (backlog 128), and
 *                 on each connection answer one byte with one byte
 *   xtcp_synflood -C -a DADDR -P DPORT [-n CLIENTS] [-i MS] [-T MS]
 *                 legitimate clients: every MS (default 200) one more
 *                 client starts, whether the earlier ones are done or
 *                 not, connects, sends a byte and waits for the echo,
 *                 within -T MS (default 3000) from its connect(); prints
 *                 "probe ok=N of M p50_ms=X p99_ms=Y ..." (latency of the
 *                 clients that made it) and exits 0
 *
 * Sources are random addresses of SRCNET/BITS and random ports; the test
 * routes that network to a namespace that drops what comes back, so no
 * RST ever answers a SYN-ACK (a spoofed flood, as an attacker makes it).
 * Prints "sent N syns in S s (R/s)" and exits 0, or 1 on an error; it
 * stops at COUNT SYNs or SECS seconds, whichever comes first (defaults:
 * 20000/s, 10 s, no count limit).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift: fast, and good enough to scatter addresses and ports. */
static uint32_t rnd(void)
{
	static uint32_t x = 2463534242u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* One SYN from @src:@sport to @dst:@dport, IP and TCP header, 44 bytes. */
static void build_syn(uint8_t *pkt, uint32_t src, uint32_t dst,
		      uint16_t sport, uint16_t dport, uint8_t proto)
{
	uint8_t *th = pkt + 20, ph[12];

	memset(pkt, 0, 44);
	pkt[0] = 0x45;
	put16(pkt + 2, 44);
	put16(pkt + 4, rnd() & 0xffff);
	pkt[8] = 64;
	pkt[9] = proto;
	memcpy(pkt + 12, &src, 4);
	memcpy(pkt + 16, &dst, 4);
	put16(pkt + 10, fold(sum16(0, pkt, 20)));
	put16(th, sport);
	put16(th + 2, dport);
	put32(th + 4, rnd());
	th[12] = 6 << 4;		/* 24 bytes: the MSS option */
	th[13] = 0x02;			/* SYN */
	put16(th + 14, 64240);
	th[20] = 2;
	th[21] = 4;
	put16(th + 22, 1460);
	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = 6;			/* the checksum names TCP */
	put16(ph + 10, 24);
	put16(th + 16, fold(sum16(sum16(0, ph, 12), th, 24)));
}

static void usage(void)
{
	fprintf(stderr, "usage: xtcp_synflood -a DADDR -P DPORT -s NET/BITS [-r RATE] [-t SECS] [-n COUNT] [-p PROTO]\n"
		"       xtcp_synflood -E -a LADDR -P LPORT [-b BACKLOG] [-p PROTO]\n"
		"       xtcp_synflood -C -a DADDR -P DPORT [-n CLIENTS] [-i MS] [-T MS] [-p PROTO]\n");
	exit(2);
}

/* -E: accept and answer each connection's byte, until killed. */
static int echo_server(struct sockaddr_in *sin, int proto, int backlog)
{
	int lfd = socket(AF_INET, SOCK_STREAM, proto), one = 1;

	signal(SIGPIPE, SIG_IGN);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)sin, sizeof(*sin)) ||
	    listen(lfd, backlog)) {
		perror("xtcp_synflood: listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		struct timeval tv = { .tv_sec = 5 };
		int s = accept(lfd, NULL, NULL);
		char b;

		if (s < 0)
			continue;
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (recv(s, &b, 1, 0) == 1)
			send(s, &b, 1, 0);
		close(s);
	}
}

/**
 * struct probe - one legitimate client of -C.
 * @fd: its socket, -1 before it starts and once it is done.
 * @t0: when it called connect().
 * @sent: its byte went out; it waits for the echo.
 * @t_conn: when connect() completed (the byte went out).
 */
struct probe {
	int fd;
	double t0;
	int sent;
	double t_conn;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The @q-th percentile of the @n sorted values @v (-1 if none). */
static double pct(const double *v, int n, int q)
{
	return n ? v[(n * q + 99) / 100 - 1] : -1.0;
}

static void probe_start(struct probe *c, const struct sockaddr_in *sin,
			int proto)
{
	c->t0 = now_s();
	c->sent = 0;
	c->fd = socket(AF_INET, SOCK_STREAM, proto);
	if (c->fd < 0)
		return;
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	if (connect(c->fd, (const struct sockaddr *)sin, sizeof(*sin)) &&
	    errno != EINPROGRESS) {
		close(c->fd);
		c->fd = -1;
	}
}

/*
 * @c's socket is ready: send the byte once connected, then take the echo.
 * Returns 1 when it made it, -1 on failure, 0 to wait on.
 */
static int probe_step(struct probe *c, short revents)
{
	socklen_t len = sizeof(int);
	int err = 0;
	char b = 'x';

	if (!c->sent) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err)
			return -1;
		if (!(revents & POLLOUT))
			return 0;
		if (send(c->fd, &b, 1, 0) != 1)
			return -1;
		c->sent = 1;
		c->t_conn = now_s();
		return 0;
	}
	if (!(revents & (POLLIN | POLLERR | POLLHUP)))
		return 0;
	return recv(c->fd, &b, 1, 0) == 1 ? 1 : -1;
}

/*
 * -C: @n clients, one starting every @gap_ms whatever the others do (so a
 * client stuck behind a dropped SYN does not push the rest past the
 * flood), each with @limit_ms from its connect() to the echo. Prints the
 * success count and the latency of those that made it.
 */
static int probe_clients(const struct sockaddr_in *sin, int proto, int n,
			 int gap_ms, int limit_ms)
{
	struct probe *c = calloc(n > 0 ? n : 1, sizeof(*c));
	struct pollfd *p = calloc(n > 0 ? n : 1, sizeof(*p));
	double *ms = calloc(n > 0 ? n : 1, sizeof(*ms));
	double *cms = calloc(n > 0 ? n : 1, sizeof(*cms));
	double start = now_s(), t;
	int i, ok = 0, started = 0, active = 0, r, np, wait_ms;
	int *idx = calloc(n > 0 ? n : 1, sizeof(*idx));

	if (!c || !p || !ms || !cms || !idx)
		return 1;
	for (i = 0; i < n; i++)
		c[i].fd = -1;
	while (started < n || active) {
		t = now_s();
		while (started < n && t >= start + started * gap_ms / 1000.0) {
			probe_start(&c[started], sin, proto);
			active += c[started].fd >= 0;
			started++;
		}
		/* give up on the ones past their time */
		for (i = 0; i < started; i++) {
			if (c[i].fd >= 0 && (t - c[i].t0) * 1000 >= limit_ms) {
				close(c[i].fd);
				c[i].fd = -1;
				active--;
			}
		}
		np = 0;
		for (i = 0; i < started; i++) {
			if (c[i].fd < 0)
				continue;
			p[np] = (struct pollfd){ .fd = c[i].fd,
				.events = c[i].sent ? POLLIN : POLLOUT };
			idx[np++] = i;
		}
		wait_ms = 10;
		if (!np && started < n)
			wait_ms = (int)((start + started * gap_ms / 1000.0 - t) * 1000) + 1;
		if (poll(p, np, wait_ms < 1 ? 1 : wait_ms) < 0 && errno != EINTR)
			return 1;
		for (i = 0; i < np; i++) {
			struct probe *q = &c[idx[i]];

			if (!p[i].revents)
				continue;
			r = probe_step(q, p[i].revents);
			if (!r)
				continue;
			if (r > 0) {
				cms[ok] = (q->t_conn - q->t0) * 1000;
				ms[ok++] = (now_s() - q->t0) * 1000;
			}
			close(q->fd);
			q->fd = -1;
			active--;
		}
	}
	qsort(ms, ok, sizeof(*ms), cmp_double);
	qsort(cms, ok, sizeof(*cms), cmp_double);
	printf("probe ok=%d of %d p50_ms=%.1f p99_ms=%.1f p90_ms=%.1f max_ms=%.1f connect_p50_ms=%.1f connect_p99_ms=%.1f\n",
	       ok, n, pct(ms, ok, 50), pct(ms, ok, 99), pct(ms, ok, 90),
	       pct(ms, ok, 100), pct(cms, ok, 50), pct(cms, ok, 99));
	free(cms);
	free(c);
	free(p);
	free(ms);
	free(idx);
	return 0;
}

int main(int argc, char **argv)
{
	const char *env = getenv("XTCP_PROTO");
	double rate = 20000, secs = 10, start, end;
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint32_t net = 0, mask = 0, dst = 0;
	long long count = -1, sent = 0;
	int proto = env ? atoi(env) : 253, fd, opt, bits = 16, one = 1;
	int mode = 0, gap_ms = 200, limit_ms = 3000, backlog = 128;
	uint16_t dport = 0;
	uint8_t pkt[44];
	char *slash;

	while ((opt = getopt(argc, argv, "ECa:P:s:r:t:n:p:i:T:b:")) != -1) {
		switch (opt) {
		case 'E':
		case 'C':
			mode = opt;
			break;
		case 'i':
			gap_ms = atoi(optarg);
			break;
		case 'T':
			limit_ms = atoi(optarg);
			break;
		case 'b':
			backlog = atoi(optarg);
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &dst) != 1)
				usage();
			break;
		case 'P':
			dport = atoi(optarg);
			break;
		case 's':
			slash = strchr(optarg, '/');
			if (slash) {
				*slash = 0;
				bits = atoi(slash + 1);
			}
			if (inet_pton(AF_INET, optarg, &net) != 1 || bits < 8 ||
			    bits > 30)
				usage();
			break;
		case 'r':
			rate = atof(optarg);
			break;
		case 't':
			secs = atof(optarg);
			break;
		case 'n':
			count = atoll(optarg);
			break;
		case 'p':
			proto = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	to.sin_addr.s_addr = dst;
	to.sin_port = htons(dport);
	if (mode && dst && dport && proto > 0 && proto <= 255) {
		if (mode == 'E')
			return echo_server(&to, proto, backlog);
		return probe_clients(&to, proto, count < 0 ? 50 : (int)count,
				     gap_ms, limit_ms);
	}
	to.sin_port = 0;
	if (!dst || !dport || !net || rate <= 0 || proto <= 0 || proto > 255)
		usage();
	mask = htonl(~0u << (32 - bits));
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one,
				 sizeof(one))) {
		perror("xtcp_synflood: raw socket");
		return 1;
	}
	start = now_s();
	end = start + secs;
	for (;;) {
		double t = now_s();
		/* what the rate allows by now, sent in a burst */
		long long due = (long long)((t - start) * rate) + 1;

		if (t >= end || (count >= 0 && sent >= count))
			break;
		while (sent < due && (count < 0 || sent < count)) {
			uint32_t host = rnd() & ~ntohl(mask);
			uint32_t src = (net & mask) | htonl(host ? host : 1);

			build_syn(pkt, src, dst, 1024 + rnd() % 64000, dport,
				  proto);
			if (sendto(fd, pkt, sizeof(pkt), 0,
				   (struct sockaddr *)&to, sizeof(to)) < 0 &&
			    errno != ENOBUFS && errno != EPERM) {
				perror("xtcp_synflood: sendto");
				return 1;
			}
			sent++;
		}
		if (sent < due)
			continue;
		usleep(500);
	}
	printf("sent %lld syns in %.2f s (%.0f/s)\n", sent, now_s() - start,
	       sent / (now_s() - start));
	return 0;
}
