// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_proc.c - /proc/net/xtcp (socket table) and /proc/net/xtcp_stats.
 *
 * Socket table (with XTCP_PROTO=6: /proc/net/tcp, so the checks are
 * validated on the host): the file exists, its header line is
 * byte-for-byte /proc/net/tcp's, every line is padded to the same width,
 * a listener shows st 0A with its port, accept queue length
 * (rx_queue), an established pair shows 01 on both ends with
 * the inode of the socket fd, unread bytes show in rx_queue, and the table
 * is per network namespace.
 *
 * Counters: every name listed in the plan is present with a number (SKIP
 * under XTCP_PROTO=6: TCP has no such file), and in a fresh network
 * namespace connect/refuse/abort/overflow move exactly the counters Linux
 * TCP moves.  Under XTCP_PROTO=6 those delta tests read the TCP MIBs
 * (/proc/net/snmp "Tcp:" and /proc/net/netstat "TcpExt:") instead, which is
 * the reference the xtcp counters mirror.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "xtcp_common.h"

static const char *const stat_names[] = {
	"InSegs", "OutSegs", "ActiveOpens", "PassiveOpens", "AttemptFails",
	"EstabResets", "OutRsts", "RetransSegs", "InHdrErrors", "InOptErrors",
	"InCsumErrors", "InNoSocket", "OutOfWindow", "ChallengeAcks",
	"SynRetrans", "Timeouts", "TimeWaitOverflow", "OrphanOverflow",
	"AbortOnLinger", "AbortOnClose", "AbortOnData", "ListenOverflows",
	"ListenDrops", "BacklogDrop",
};

/*
 * Where native TCP keeps the counter an xtcp name mirrors (for the
 * XTCP_PROTO=6 validation run): file, row prefix, column name.
 */
static const struct {
	const char *xtcp, *file, *row, *col;
} tcp_mib[] = {
	{ "InSegs", "/proc/net/snmp", "Tcp:", "InSegs" },
	{ "OutSegs", "/proc/net/snmp", "Tcp:", "OutSegs" },
	{ "ActiveOpens", "/proc/net/snmp", "Tcp:", "ActiveOpens" },
	{ "PassiveOpens", "/proc/net/snmp", "Tcp:", "PassiveOpens" },
	{ "AttemptFails", "/proc/net/snmp", "Tcp:", "AttemptFails" },
	{ "EstabResets", "/proc/net/snmp", "Tcp:", "EstabResets" },
	{ "OutRsts", "/proc/net/snmp", "Tcp:", "OutRsts" },
	{ "RetransSegs", "/proc/net/snmp", "Tcp:", "RetransSegs" },
	{ "InCsumErrors", "/proc/net/snmp", "Tcp:", "InCsumErrors" },
	{ "AbortOnLinger", "/proc/net/netstat", "TcpExt:", "TCPAbortOnLinger" },
	{ "AbortOnClose", "/proc/net/netstat", "TcpExt:", "TCPAbortOnClose" },
	{ "AbortOnData", "/proc/net/netstat", "TcpExt:", "TCPAbortOnData" },
	{ "ListenOverflows", "/proc/net/netstat", "TcpExt:", "ListenOverflows" },
	{ "ListenDrops", "/proc/net/netstat", "TcpExt:", "ListenDrops" },
	{ "BacklogDrop", "/proc/net/netstat", "TcpExt:", "TCPBacklogDrop" },
	{ "ChallengeAcks", "/proc/net/netstat", "TcpExt:", "TCPChallengeACK" },
	{ "SynRetrans", "/proc/net/netstat", "TcpExt:", "TCPSynRetrans" },
	{ "Timeouts", "/proc/net/netstat", "TcpExt:", "TCPTimeouts" },
	{ "TimeWaitOverflow", "/proc/net/netstat", "TcpExt:",
	  "TCPTimeWaitOverflow" },
};

/* Counter @name of the protocol under test, -1 if unknown. */
static long long stat_of(const char *name)
{
	if (!xtcp_is_native_tcp())
		return xtcp_stat(name);
	for (size_t i = 0; i < ARRAY_SIZE(tcp_mib); i++)
		if (!strcmp(tcp_mib[i].xtcp, name))
			return mib_stat(tcp_mib[i].file, tcp_mib[i].row,
					tcp_mib[i].col);
	return -1;
}

struct snap {
	long long v[ARRAY_SIZE(stat_names)];
};

static void take(struct snap *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(stat_names); i++)
		s->v[i] = stat_of(stat_names[i]);
}

/* Delta of @name between two snapshots; LLONG_MIN if not tracked. */
static long long delta(const struct snap *a, const struct snap *b,
		       const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(stat_names); i++)
		if (!strcmp(stat_names[i], name)) {
			if (a->v[i] < 0 || b->v[i] < 0)
				return -999999;
			return b->v[i] - a->v[i];
		}
	return -999999;
}

/* Counters settle when the segments in flight on lo have been handled. */
static void settle(void)
{
	usleep(100000);
}

static int read_first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ret = -1;

	if (!f)
		return -1;
	if (fgets(buf, len, f))
		ret = 0;
	fclose(f);
	return ret;
}

TEST(table_exists_header)
{
	char tcp[512], ours[512];

	ASSERT_EQ(0, read_first_line(xtcp_proc_sockets(), ours, sizeof(ours)))
		TH_LOG("%s: %s", xtcp_proc_sockets(), strerror(errno));
	ASSERT_EQ(0, read_first_line("/proc/net/tcp", tcp, sizeof(tcp)));
	/* Same text and the same trailing padding to 149 columns. */
	EXPECT_STREQ(tcp, ours);
	EXPECT_EQ(0, strncmp(ours, "  sl  local_address rem_address   st "
			     "tx_queue rx_queue tr tm->when retrnsmt   uid  "
			     "timeout inode", 94));
}

TEST(table_line_format)
{
	char line[512];
	size_t width = 0;
	int lfd, c, s, cp, sp, n = 0;
	FILE *f;

	/* Make sure there are listener, established and TIME_WAIT lines. */
	ASSERT_EQ(0, xtcp_pair_ex(&c, &s, &lfd));
	cp = xtcp_local_port(c);
	sp = xtcp_local_port(s);
	close(c);
	close(s);
	EXPECT_EQ(0x06, xtcp_wait_proc_state(cp, sp, 0x06, XTCP_WAIT_MS));
	ASSERT_EQ(0, xtcp_pair(&c, &s));

	f = fopen(xtcp_proc_sockets(), "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		unsigned int sl, la, lp, ra, rp, st, tx, rx, tr, retr, uid;
		unsigned long when, ino;
		int timeout;
		size_t len = strlen(line);

		ASSERT_EQ('\n', line[len - 1]);
		if (!width) {
			width = len;	/* header */
			continue;
		}
		/* seq_pad(): every line as wide as the header. */
		EXPECT_EQ(width, len) TH_LOG("line: %s", line);
		ASSERT_EQ(14, sscanf(line,
			"%u: %8X:%4X %8X:%4X %2X %8X:%8X %2X:%8lX %8X %u %d %lu",
			&sl, &la, &lp, &ra, &rp, &st, &tx, &rx, &tr, &when,
			&retr, &uid, &timeout, &ino)) TH_LOG("line: %s", line);
		/* "sl" counts lines from 0. */
		EXPECT_EQ(n, sl);
		EXPECT_LE(1, st);
		EXPECT_GE(0x0B, st);
		n++;
	}
	fclose(f);
	EXPECT_LE(4, n);
	close(c);
	close(s);
	close(lfd);
}

TEST(listener_entry)
{
	unsigned long ino = 0;
	struct stat stb;
	char line[512], want[32];
	int lfd, port, c;
	bool seen = false;
	FILE *f;

	lfd = xtcp_listener_port(0, 7, &port);
	ASSERT_LE(0, lfd);
	EXPECT_EQ(0x0A, xtcp_proc_state(port, 0, &ino));
	ASSERT_EQ(0, fstat(lfd, &stb));
	EXPECT_EQ(stb.st_ino, ino);

	/* One completed handshake waiting in the accept queue. */
	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xtcp_connect_port(c, port));
	ASSERT_EQ(POLLIN, xtcp_poll1(lfd, POLLIN, XTCP_WAIT_MS));

	/*
	 * Listener: rx_queue = accept queue length (sk_ack_backlog); tx_queue
	 * is write_seq - snd_una like any socket, i.e. 0 (the backlog limit
	 * shows only in ss/inet_diag, not here).
	 */
	snprintf(want, sizeof(want), "%08X:%04X 00000000:0000 0A ",
		 htonl(INADDR_LOOPBACK), port);
	f = fopen(xtcp_proc_sockets(), "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		unsigned int tx, rx, uid;
		char *p = strstr(line, want);

		if (!p)
			continue;
		seen = true;
		ASSERT_EQ(3, sscanf(p + strlen(want),
				    "%8X:%8X %*s %*s %u", &tx, &rx, &uid));
		EXPECT_EQ(0, tx);
		EXPECT_EQ(1, rx);
		EXPECT_EQ(getuid(), uid);
	}
	fclose(f);
	EXPECT_TRUE(seen);
	close(c);
	close(lfd);
	/* Gone once closed. */
	EXPECT_EQ(-1, xtcp_proc_state(port, 0, NULL));
}

TEST(established_entries)
{
	unsigned long cino = 0, sino = 0;
	struct stat cst, sst;
	char line[512], want[40];
	int c, s, cp, sp;
	bool seen = false;
	FILE *f;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	cp = xtcp_local_port(c);
	sp = xtcp_local_port(s);
	EXPECT_EQ(0x01, xtcp_proc_state(cp, sp, &cino));
	EXPECT_EQ(0x01, xtcp_proc_state(sp, cp, &sino));
	EXPECT_NE(0, cino);
	EXPECT_NE(0, sino);
	ASSERT_EQ(0, fstat(c, &cst));
	ASSERT_EQ(0, fstat(s, &sst));
	EXPECT_EQ(cst.st_ino, cino);
	EXPECT_EQ(sst.st_ino, sino);

	/* Unread bytes: rx_queue on the receiver's line. */
	ASSERT_EQ(100, send(c, line, 100, 0));
	ASSERT_EQ(POLLIN, xtcp_poll1(s, POLLIN, XTCP_WAIT_MS));
	usleep(10000);
	snprintf(want, sizeof(want), "%08X:%04X %08X:%04X 01 ",
		 htonl(INADDR_LOOPBACK), sp, htonl(INADDR_LOOPBACK), cp);
	f = fopen(xtcp_proc_sockets(), "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		unsigned int tx, rx;
		char *p = strstr(line, want);

		if (!p)
			continue;
		seen = true;
		ASSERT_EQ(2, sscanf(p + strlen(want), "%8X:%8X", &tx, &rx));
		EXPECT_EQ(0, tx);
		EXPECT_EQ(100, rx);
	}
	fclose(f);
	EXPECT_TRUE(seen);
	close(c);
	close(s);
}

TEST(table_per_netns)
{
	int lfd, port, status;
	pid_t pid;

	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0x0A, xtcp_proc_state(port, 0, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* /proc/net follows the reader's netns: a new one is empty. */
		if (xtcp_new_netns())
			_exit(2);
		_exit(xtcp_proc_state(port, 0, NULL) == -1 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_NE(2, WEXITSTATUS(status)) TH_LOG("unshare(CLONE_NEWNET) failed");
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("listener visible in new netns");
	close(lfd);
}

TEST(stats_names)
{
	char line[256], key[128], extra[8];
	unsigned long long v;
	FILE *f;

	if (xtcp_is_native_tcp())
		SKIP(return, "XTCP_PROTO=6: TCP has no " XTCP_PROC_STATS);
	f = fopen(XTCP_PROC_STATS, "r");
	ASSERT_NE(NULL, f) TH_LOG("%s: %s", XTCP_PROC_STATS, strerror(errno));
	/* Every line is exactly "Name value". */
	/* Braces: EXPECT_*() expands to two statements. */
	while (fgets(line, sizeof(line), f)) {
		EXPECT_EQ(2, sscanf(line, "%127s %llu %7s", key, &v, extra))
			TH_LOG("malformed: %s", line);
	}
	fclose(f);
	for (size_t i = 0; i < ARRAY_SIZE(stat_names); i++) {
		EXPECT_LE(0, xtcp_stat(stat_names[i]))
			TH_LOG("counter %s missing", stat_names[i]);
	}
}

/*
 * The counter tests run in a private netns so nothing but the test moves
 * the counters, and a fresh netns must start at zero.
 */
FIXTURE(netns) {
	struct snap before, after;
};

FIXTURE_SETUP(netns)
{
	ASSERT_EQ(0, xtcp_new_netns()) TH_LOG("unshare(CLONE_NEWNET): %s",
					      strerror(errno));
	take(&self->before);
}

FIXTURE_TEARDOWN(netns)
{
}

TEST_F(netns, fresh_netns_zero)
{
	for (size_t i = 0; i < ARRAY_SIZE(stat_names); i++) {
		/* TCP: only the counters with a TCP MIB twin. */
		if (self->before.v[i] < 0 && xtcp_is_native_tcp())
			continue;
		EXPECT_EQ(0, self->before.v[i])
			TH_LOG("%s = %lld in a new netns", stat_names[i],
			       self->before.v[i]);
	}
}

TEST_F(netns, opens_one_connection)
{
	int c, s;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	settle();
	take(&self->after);
	EXPECT_EQ(1, delta(&self->before, &self->after, "ActiveOpens"));
	EXPECT_EQ(1, delta(&self->before, &self->after, "PassiveOpens"));
	EXPECT_EQ(0, delta(&self->before, &self->after, "AttemptFails"));
	EXPECT_EQ(0, delta(&self->before, &self->after, "EstabResets"));
	EXPECT_EQ(0, delta(&self->before, &self->after, "OutRsts"));
	EXPECT_EQ(0, delta(&self->before, &self->after, "RetransSegs"));
	/* SYN, SYN-ACK, ACK; on lo every segment sent is received. */
	EXPECT_EQ(3, delta(&self->before, &self->after, "OutSegs"));
	EXPECT_EQ(3, delta(&self->before, &self->after, "InSegs"));

	/* A second connection: exactly one more of each. */
	close(c);
	close(s);
	ASSERT_EQ(0, xtcp_pair(&c, &s));
	settle();
	take(&self->before);
	EXPECT_EQ(1, delta(&self->after, &self->before, "ActiveOpens"));
	EXPECT_EQ(1, delta(&self->after, &self->before, "PassiveOpens"));
	close(c);
	close(s);
}

TEST_F(netns, refused_connect)
{
	struct sockaddr_in sin;
	int holder, fd, port;

	holder = xtcp_socket();
	ASSERT_LE(0, holder);
	xtcp_addr(&sin, 0);
	ASSERT_EQ(0, bind(holder, (struct sockaddr *)&sin, sizeof(sin)));
	port = xtcp_local_port(holder);
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, xtcp_connect_port(fd, port));
	ASSERT_EQ(ECONNREFUSED, errno);
	settle();
	take(&self->after);
	/* SYN counted as an open attempt, failed by the RST. */
	EXPECT_EQ(1, delta(&self->before, &self->after, "ActiveOpens"));
	EXPECT_EQ(1, delta(&self->before, &self->after, "AttemptFails"));
	EXPECT_EQ(0, delta(&self->before, &self->after, "PassiveOpens"));
	EXPECT_EQ(1, delta(&self->before, &self->after, "OutRsts"));
	EXPECT_EQ(2, delta(&self->before, &self->after, "OutSegs"));
	EXPECT_EQ(2, delta(&self->before, &self->after, "InSegs"));
	close(fd);
	close(holder);
}

TEST_F(netns, linger_abort)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char b;
	int c, s;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	take(&self->before);
	close(c);
	ASSERT_NE(0, xtcp_poll1(s, POLLERR, XTCP_WAIT_MS) & POLLERR);
	EXPECT_EQ(-1, recv(s, &b, 1, 0));
	settle();
	take(&self->after);
	EXPECT_EQ(1, delta(&self->before, &self->after, "OutRsts"));
	/* ESTABLISHED -> CLOSE on both ends. */
	EXPECT_EQ(2, delta(&self->before, &self->after, "EstabResets"));
	/* Linux counts a zero-linger close as TCPAbortOnData. */
	EXPECT_EQ(1, delta(&self->before, &self->after, "AbortOnData"));
	EXPECT_EQ(0, delta(&self->before, &self->after, "AbortOnClose"));
	EXPECT_EQ(0, delta(&self->before, &self->after, "AbortOnLinger"));
	close(s);
}

TEST_F(netns, unread_data_abort)
{
	int c, s, n = 0;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	ASSERT_EQ(3, send(s, "abc", 3, 0));
	for (int i = 0; i < 500 && n < 3; i++) {
		ASSERT_EQ(0, ioctl(c, FIONREAD, &n));
		usleep(1000);
	}
	take(&self->before);
	close(c);
	ASSERT_NE(0, xtcp_poll1(s, POLLERR, XTCP_WAIT_MS) & POLLERR);
	settle();
	take(&self->after);
	EXPECT_EQ(1, delta(&self->before, &self->after, "OutRsts"));
	EXPECT_EQ(2, delta(&self->before, &self->after, "EstabResets"));
	EXPECT_EQ(1, delta(&self->before, &self->after, "AbortOnClose"));
	EXPECT_EQ(0, delta(&self->before, &self->after, "AbortOnData"));
	close(s);
}

TEST_F(netns, listen_overflow)
{
	struct sockaddr_in sin;
	int lfd, port, c[3];

	/*
	 * backlog 0 holds one established child; the next SYN finds the
	 * accept queue full and is dropped (ListenOverflows + ListenDrops).
	 */
	lfd = xtcp_listener_port(0, 0, &port);
	ASSERT_LE(0, lfd);
	xtcp_addr(&sin, port);
	for (int i = 0; i < 3; i++) {
		c[i] = xtcp_socket_flags(SOCK_NONBLOCK);
		ASSERT_LE(0, c[i]);
		connect(c[i], (struct sockaddr *)&sin, sizeof(sin));
		usleep(20000);
	}
	settle();
	take(&self->after);
	EXPECT_LE(1, delta(&self->before, &self->after, "ListenOverflows"));
	EXPECT_LE(delta(&self->before, &self->after, "ListenOverflows"),
		  delta(&self->before, &self->after, "ListenDrops"));
	EXPECT_EQ(1, delta(&self->before, &self->after, "PassiveOpens"));
	for (int i = 0; i < 3; i++)
		close(c[i]);
	close(lfd);
}

TEST_HARNESS_MAIN
