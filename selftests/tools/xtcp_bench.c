// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_bench - one benchmark, run over one IP protocol: xtcp (253) or the
 * kernel's TCP (6), so that bench.sh can set the two side by side.
 *
 *   xtcp_bench [-p PROTO] [-a ADDR] [-P PORT] [-t SECONDS] [-n NETNS] TEST
 *
 * TEST is one of
 *   stream  one connection, 64 KiB writes for SECONDS; the receiver's byte
 *           count over the time to its EOF: MB/s
 *   rr      one connection, 1-byte request / 1-byte response, TCP_NODELAY:
 *           transactions per second
 *   crr     connect, 1-byte request / response, close, again and again:
 *           connections per second (the handshake, close and TIME_WAIT
 *           paths)
 *   accept  8 client processes connect, wait for the server to close and
 *           close, again and again; 2 server processes (one per CPU of
 *           the test VM) accept and close: connections accepted per
 *           second (the listener's SYN and final-ACK paths, accept() and
 *           the server-side close and TIME_WAIT, under concurrency).
 *           Each client has one connection at a time, so the accept
 *           queue never overflows: what is measured is the work per
 *           connection, not how often a client sat out a 1 s SYN
 *           retransmission (which made an open-loop version of this
 *           test swing 4x from run to run)
 *
 * The server is forked children on ADDR:PORT (default 127.0.0.1:7100), in
 * the network namespace the tool starts in; with -n, the client then moves
 * to namespace NETNS (/run/netns/NETNS, as "ip netns" names them), so the
 * two ends talk over a real link (a veth pair) instead of loopback. One
 * line on stdout: "TEST proto=P value=V unit=U seconds=S". Exit 0 on
 * success, 1 on any socket error (the error on stderr).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK		65536

static int proto = 253;
static struct sockaddr_in addr;
static double seconds = 5;

static void die(const char *what)
{
	fprintf(stderr, "xtcp_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int new_socket(void)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, proto);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return fd;
}

static int connect_server(int nodelay)
{
	int fd = new_socket();

	if (nodelay &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof(nodelay)))
		die("TCP_NODELAY");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		die("connect");
	return fd;
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0)
			die("write");
		p += n;
		len -= n;
	}
}

/* Read exactly @len bytes; 0 on EOF first. */
static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0)
			die("read");
		if (!n)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

/* Server side of one connection, per test. */
static void serve(int fd, const char *test)
{
	static char buf[CHUNK];
	uint64_t total = 0;
	ssize_t n;
	char c;

	if (!strcmp(test, "stream")) {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			total += n;
		if (n < 0)
			die("server read");
		write_all(fd, &total, sizeof(total));
		return;
	}
	if (!strcmp(test, "accept"))
		return;
	/* rr and crr: echo each byte until EOF */
	while (read_all(fd, &c, 1))
		write_all(fd, &c, 1);
}

#define MAX_WORKERS	2

/* Fork @workers server processes accepting on one listener. */
static void start_server(const char *test, pid_t *pids, int workers)
{
	int one = 1, lfd = new_socket(), i;

	/* Listening before the fork: the client can connect at once. */
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)))
		die("bind");
	if (listen(lfd, 128))
		die("listen");
	for (i = 0; i < workers; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork");
		if (pids[i])
			continue;
		for (;;) {
			int fd = accept(lfd, NULL, NULL);

			if (fd < 0)
				die("accept");
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			serve(fd, test);
			close(fd);
		}
	}
	close(lfd);
}

static double bench_stream(double *elapsed)
{
	static char buf[CHUNK];
	int fd = connect_server(0);
	double t0 = now(), end = t0 + seconds;
	uint64_t total;

	memset(buf, 'x', sizeof(buf));
	while (now() < end)
		write_all(fd, buf, sizeof(buf));
	if (shutdown(fd, SHUT_WR))
		die("shutdown");
	if (!read_all(fd, &total, sizeof(total)))
		die("no byte count from the server");
	*elapsed = now() - t0;
	close(fd);
	return total / *elapsed / 1e6;
}

static double bench_rr(double *elapsed)
{
	int fd = connect_server(1);
	double t0 = now(), end = t0 + seconds;
	unsigned long n = 0;
	char c = 'x';

	do {
		write_all(fd, &c, 1);
		if (!read_all(fd, &c, 1))
			die("rr: EOF");
		n++;
	} while ((n & 63) || now() < end);
	*elapsed = now() - t0;
	close(fd);
	return n / *elapsed;
}

static double bench_crr(double *elapsed)
{
	double t0 = now(), end = t0 + seconds;
	unsigned long n = 0;
	char c = 'x';

	do {
		int fd = connect_server(1);

		write_all(fd, &c, 1);
		if (!read_all(fd, &c, 1))
			die("crr: EOF");
		close(fd);
		n++;
	} while (now() < end);
	*elapsed = now() - t0;
	return n / *elapsed;
}

#define ACCEPT_CLIENTS	8

static double bench_accept(double *elapsed)
{
	double t0 = now(), end = t0 + seconds;
	pid_t pid[ACCEPT_CLIENTS];
	unsigned long n, total = 0;
	int p[2], i;

	if (pipe(p))
		die("pipe");
	for (i = 0; i < ACCEPT_CLIENTS; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			die("fork");
		if (!pid[i]) {
			char c;

			n = 0;
			do {
				int fd = connect_server(0);

				if (read(fd, &c, 1) != 0)
					die("accept: no EOF from the server");
				close(fd);
				n++;
			} while (now() < end);
			write_all(p[1], &n, sizeof(n));
			_exit(0);
		}
	}
	close(p[1]);
	for (i = 0; i < ACCEPT_CLIENTS; i++) {
		if (!read_all(p[0], &n, sizeof(n)))
			die("accept: a client failed");
		total += n;
	}
	for (i = 0; i < ACCEPT_CLIENTS; i++)
		waitpid(pid[i], NULL, 0);
	close(p[0]);
	*elapsed = now() - t0;
	return total / *elapsed;
}

static const struct {
	const char *name, *unit;
	double (*run)(double *elapsed);
} tests[] = {
	{ "stream", "MB/s", bench_stream },
	{ "rr", "trans/s", bench_rr },
	{ "crr", "conn/s", bench_crr },
	{ "accept", "conn/s", bench_accept },
};

static void usage(void)
{
	fprintf(stderr, "usage: xtcp_bench [-p PROTO] [-a ADDR] [-P PORT] [-t SECONDS] [-n NETNS] stream|rr|crr|accept\n");
	exit(2);
}

int main(int argc, char **argv)
{
	pid_t server[MAX_WORKERS];
	double value, elapsed;
	const char *client_ns = NULL;
	int opt, workers, w, ns_fd = -1;
	unsigned int i;

	addr.sin_family = AF_INET;
	addr.sin_port = htons(7100);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (getenv("XTCP_PROTO"))
		proto = atoi(getenv("XTCP_PROTO"));
	while ((opt = getopt(argc, argv, "p:a:P:t:n:")) != -1) {
		switch (opt) {
		case 'p':
			proto = atoi(optarg);
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &addr.sin_addr) != 1)
				usage();
			break;
		case 'P':
			addr.sin_port = htons(atoi(optarg));
			break;
		case 't':
			seconds = atof(optarg);
			break;
		case 'n':
			client_ns = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || seconds <= 0)
		usage();
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (!strcmp(argv[optind], tests[i].name))
			break;
	if (i == sizeof(tests) / sizeof(tests[0]))
		usage();
	signal(SIGPIPE, SIG_IGN);
	workers = strcmp(tests[i].name, "accept") ? 1 : MAX_WORKERS;
	if (client_ns) {
		char path[256];

		snprintf(path, sizeof(path), "/run/netns/%s", client_ns);
		ns_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (ns_fd < 0)
			die(path);
	}
	start_server(tests[i].name, server, workers);
	if (ns_fd >= 0 && setns(ns_fd, CLONE_NEWNET)) {
		for (w = 0; w < workers; w++)
			kill(server[w], SIGKILL);
		die("setns");
	}
	value = tests[i].run(&elapsed);
	for (w = 0; w < workers; w++) {
		kill(server[w], SIGKILL);
		waitpid(server[w], NULL, 0);
	}
	printf("%s proto=%d value=%.1f unit=%s seconds=%.2f\n",
	       tests[i].name, proto, value, tests[i].unit, elapsed);
	return 0;
}
