// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_wire.c - hand-built segments on the wire: what the receive path
 * drops, what it answers and with what.
 *
 * A raw socket of the protocol under test (SOCK_RAW, XTCP_PROTO) injects
 * segments on loopback: the kernel writes the IP header with our protocol
 * byte, the test writes the TCP header, options and payload and the
 * checksum over the pseudo-header that names protocol 6 (RFC 9293 §3.1).
 * The same socket gets a copy of every segment of that protocol in the
 * network namespace, both directions on lo, so it sniffs real connections
 * for their sequence numbers and sees every reply.  Injected segments
 * carry an unusual TTL so the sniffer can tell them from the stack's.
 *
 * Covered:
 *  - malformed segments (shorter than a header, data offset below 5 or
 *    past the end, bad checksum, option lengths 0, 1 or past the end of
 *    the options): dropped, counted, never answered; well-formed oddities
 *    (unknown option, known option with a wrong length, EOL then garbage)
 *    are not errors;
 *  - segments for no socket: RST with the fields of RFC 9293 §3.10.7.1,
 *    no reply to a RST;
 *  - a listener (§3.10.7.2): an ACK draws a RST, a SYN a SYN-ACK, a RST
 *    or a segment with neither SYN nor ACK nothing;
 *  - an established connection (RFC 5961): a RST outside the window is
 *    ignored, one inside it but not at RCV.NXT draws a challenge ACK, one
 *    at RCV.NXT resets (ECONNRESET); a SYN draws a challenge ACK; an ACK
 *    of data never sent is answered with an ACK and dropped (RFC 9293
 *    §3.10.7.4); the connection still moves data afterwards;
 *  - TIME_WAIT and an in-window RST: gone with rfc1337=0 (TIME-WAIT
 *    assassination, RFC 1337 hazard H1, as Linux), kept with rfc1337=1;
 *  - a SYN for a 4-tuple in TIME_WAIT: a listener takes it if it lies
 *    beyond RCV.NXT (RFC 1122 §4.2.2.13), else TIME_WAIT ACKs it; with a
 *    timestamp, a newer TSval reopens whatever the sequence number and an
 *    older one never does (RFC 6191).
 *
 * "No reply" is not a sleep: after the segment under test the test sends
 * a marker that must be answered (a SYN to a closed port).  The test
 * process is pinned to one CPU, so both go through the same loopback
 * backlog in order, and any reply to the first is seen before the
 * marker's; the counters have moved by the time the marker is answered.
 *
 * Every test runs in its own network namespace: counters start at zero,
 * per-netns sysctls start at their defaults.  With XTCP_PROTO=6 the very
 * same segments go to the kernel's TCP, whose behaviour is the reference;
 * where Linux TCP deliberately differs (it ignores malformed options, it
 * does not count every header error, its counters have other names) the
 * expectation says so and why.
 */
#include <sched.h>

#include "kselftest_harness.h"
#include "xtcp_common.h"

/* tcp_states.h */
#define ST_ESTABLISHED	0x01
#define ST_TIME_WAIT	0x06

#define F_FIN	0x01
#define F_SYN	0x02
#define F_RST	0x04
#define F_PSH	0x08
#define F_ACK	0x10

/* TTL of injected segments: the stack's own use ip_default_ttl (64). */
#define WIRE_TTL	213
/* Nothing listens here (fresh netns); the marker SYN goes to it. */
#define CLOSED_PORT	9
#define MARK_PORT	40999
#define PROBE_PORT	41000
/* Far outside any window offered on lo (64 KiB, or scaled for TCP). */
#define FAR		0x40000000u

static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/*
 * A segment to inject.  The data offset is the header's length unless
 * set_doff; trunc 0 sends the segment whole.
 */
struct tx {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *opt;
	size_t optlen;
	const void *data;
	size_t datalen;
	bool set_doff;
	uint8_t doff;
	size_t trunc;
	bool bad_csum;
};

/* A segment seen on the raw socket. */
struct seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint32_t len;		/* payload bytes */
	bool ts;		/* has a timestamp option: */
	uint32_t tsval, tsecr;
};

/*
 * What the sniffer learnt about one connection: [0] client to server,
 * [1] server to client.  nxt is the highest SEG.SEQ + SEG.LEN (SYN and
 * FIN count) sent that way, ack the last SEG.ACK sent that way, isn the
 * sequence number of the SYN sent that way.
 */
struct flow {
	uint16_t port[2];	/* source port of each direction */
	uint32_t nxt[2], ack[2], isn[2];
	uint32_t tsval[2];	/* the last TSval sent that way */
	bool seen[2], acked[2];
};

struct wire {
	int raw;
	bool track;
	struct flow fl;
	uint32_t marker_seq;
};

/* Counters, with the kernel TCP twin read for XTCP_PROTO=6. */
enum ctr {
	C_HDR, C_OPT, C_CSUM, C_NOSOCK, C_OUTRSTS, C_OOW, C_CHALLENGE,
	C_ESTABRESETS, C_TCP_INERRS, NR_CTR
};

#define SNMP	"/proc/net/snmp"
#define NETSTAT	"/proc/net/netstat"

/*
 * No twin (NULL file): Linux TCP has no counter for the same event.  It
 * counts a data offset below 5 in Tcp InErrs but drops a too-short
 * segment or an offset past the end uncounted (tcp_v4_rcv()), ignores
 * malformed options (tcp_parse_options()), and keeps no "no socket" or
 * "out of window" MIB.  InErrs exists only for TCP: it also counts
 * checksum errors, so it is no twin of InHdrErrors.
 */
static const struct {
	const char *xtcp, *file, *row, *col;
} ctr_src[NR_CTR] = {
	[C_HDR] = { "InHdrErrors" },
	[C_OPT] = { "InOptErrors" },
	[C_CSUM] = { "InCsumErrors", SNMP, "Tcp:", "InCsumErrors" },
	[C_NOSOCK] = { "InNoSocket" },
	[C_OUTRSTS] = { "OutRsts", SNMP, "Tcp:", "OutRsts" },
	[C_OOW] = { "OutOfWindow" },
	[C_CHALLENGE] = { "ChallengeAcks", NETSTAT, "TcpExt:",
			  "TCPChallengeACK" },
	[C_ESTABRESETS] = { "EstabResets", SNMP, "Tcp:", "EstabResets" },
	[C_TCP_INERRS] = { NULL, SNMP, "Tcp:", "InErrs" },
};

struct ctrs {
	long long v[NR_CTR];
};

/* -1: not counted by the protocol under test (or unreadable). */
static long long ctr_read(enum ctr c)
{
	if (!xtcp_is_native_tcp())
		return ctr_src[c].xtcp ? xtcp_stat(ctr_src[c].xtcp) : -1;
	return ctr_src[c].file ?
		mib_stat(ctr_src[c].file, ctr_src[c].row, ctr_src[c].col) : -1;
}

static void ctrs_take(struct ctrs *s)
{
	int i;

	for (i = 0; i < NR_CTR; i++)
		s->v[i] = ctr_read(i);
}

/* Has the protocol under test a counter for @c? */
static bool ctr_known(enum ctr c)
{
	return xtcp_is_native_tcp() ? ctr_src[c].file : ctr_src[c].xtcp;
}

static const char *ctr_name(enum ctr c)
{
	return xtcp_is_native_tcp() ? ctr_src[c].col : ctr_src[c].xtcp;
}

/*
 * Counter @c moved by @want between @a and @b.  A counter the protocol
 * under test does not have is not checked (only possible for TCP: every
 * xtcp counter must be readable).
 */
#define EXPECT_DELTA(a, b, c, want) do {				\
	if (ctr_known(c)) {						\
		EXPECT_LE(0, (a)->v[c]) TH_LOG("%s unreadable",		\
					       ctr_name(c));		\
		EXPECT_EQ((long long)(want), (b)->v[c] - (a)->v[c])	\
			TH_LOG("counter %s", ctr_name(c));		\
	}								\
} while (0)

static int write_sysctl(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fputs(val, f) < 0 ? -1 : 0;
	if (fclose(f))
		ret = -1;
	return ret;
}

/*
 * One CPU for the test process: everything it injects then goes through
 * one loopback backlog, in order, and the marker works.
 */
static int pin_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static int wire_setup(struct wire *w)
{
	int ttl = WIRE_TTL, rcvbuf = 1 << 20;

	memset(w, 0, sizeof(*w));
	w->raw = -1;
	if (pin_cpu() || xtcp_new_netns())
		return -1;
	/*
	 * Out-of-window and challenge ACKs are rate-limited per socket
	 * (invalid_ratelimit, 500 ms) and per netns (challenge_ack_limit),
	 * as RFC 5961 §7 allows, in Linux and xtcp alike; here every ACK
	 * asked for must come, except in the tests of those limits.
	 */
	if (write_sysctl(xtcp_is_native_tcp() ?
			 "/proc/sys/net/ipv4/tcp_invalid_ratelimit" :
			 "/proc/sys/net/xtcp/invalid_ratelimit", "0"))
		return -1;
	write_sysctl(xtcp_is_native_tcp() ?
		     "/proc/sys/net/ipv4/tcp_challenge_ack_limit" :
		     "/proc/sys/net/xtcp/challenge_ack_limit", "2147483647");
	w->raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, xtcp_proto());
	if (w->raw < 0)
		return -1;
	setsockopt(w->raw, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return setsockopt(w->raw, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	while (len > 1) {
		sum += (p[0] << 8) | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += p[0] << 8;
	return sum;
}

/* RFC 9293 §3.1 checksum, pseudo-header protocol 6 whatever the IP says. */
static uint16_t tcp_csum(const uint8_t *seg, size_t len)
{
	uint8_t ph[12];
	uint32_t lo = htonl(INADDR_LOOPBACK), sum;

	memcpy(ph, &lo, 4);
	memcpy(ph + 4, &lo, 4);
	ph[8] = 0;
	ph[9] = IPPROTO_TCP;
	ph[10] = len >> 8;
	ph[11] = len & 0xff;
	sum = csum_add(csum_add(0, ph, sizeof(ph)), seg, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static int inject(struct wire *w, const struct tx *t)
{
	uint8_t buf[1500];
	size_t hlen = 20 + t->optlen, len = hlen + t->datalen;
	struct sockaddr_in dst;
	uint16_t sum;
	uint32_t v;

	if (len > sizeof(buf))
		return -1;
	memset(buf, 0, hlen);
	buf[0] = t->sport >> 8;
	buf[1] = t->sport;
	buf[2] = t->dport >> 8;
	buf[3] = t->dport;
	v = htonl(t->seq);
	memcpy(buf + 4, &v, 4);
	v = htonl(t->ack);
	memcpy(buf + 8, &v, 4);
	buf[12] = (t->set_doff ? t->doff : hlen / 4) << 4;
	buf[13] = t->flags;
	buf[14] = t->win >> 8;
	buf[15] = t->win;
	if (t->optlen)
		memcpy(buf + 20, t->opt, t->optlen);
	if (t->datalen)
		memcpy(buf + hlen, t->data, t->datalen);
	if (t->trunc)
		len = t->trunc;
	sum = tcp_csum(buf, len);
	if (t->bad_csum)
		sum ^= 0x5a5a;
	buf[16] = sum >> 8;
	buf[17] = sum;
	xtcp_addr(&dst, 0);
	return sendto(w->raw, buf, len, 0, (struct sockaddr *)&dst,
		      sizeof(dst)) == (ssize_t)len ? 0 : -1;
}

static void flow_update(struct flow *fl, const struct seg *s)
{
	uint32_t end = s->seq + s->len + !!(s->flags & F_SYN) +
		       !!(s->flags & F_FIN);
	int d;

	if (s->sport == fl->port[0] && s->dport == fl->port[1])
		d = 0;
	else if (s->sport == fl->port[1] && s->dport == fl->port[0])
		d = 1;
	else
		return;
	if (s->flags & F_RST)
		return;
	if (s->flags & F_SYN)
		fl->isn[d] = s->seq;
	if (!fl->seen[d] || seq_after(end, fl->nxt[d]))
		fl->nxt[d] = end;
	fl->seen[d] = true;
	if (s->ts)
		fl->tsval[d] = s->tsval;
	if (s->flags & F_ACK) {
		fl->ack[d] = s->ack;
		fl->acked[d] = true;
	}
}

/* Everything sent either way has been acknowledged. */
static bool flow_settled(const struct flow *fl)
{
	return fl->seen[0] && fl->seen[1] && fl->acked[0] && fl->acked[1] &&
	       fl->ack[1] == fl->nxt[0] && fl->ack[0] == fl->nxt[1];
}

/* Fill in @s's timestamp from the @len option bytes at @opt. */
static void seg_find_ts(struct seg *s, const uint8_t *opt, size_t len)
{
	size_t i = 0;
	uint32_t v;

	s->ts = false;
	while (i < len && opt[i] != 0) {
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
			return;
		if (opt[i] == 8 && opt[i + 1] == 10) {
			memcpy(&v, opt + i + 2, 4);
			s->tsval = ntohl(v);
			memcpy(&v, opt + i + 6, 4);
			s->tsecr = ntohl(v);
			s->ts = true;
			return;
		}
		i += opt[i + 1];
	}
}

/*
 * Next segment the stack sent (injected ones are skipped), by @deadline.
 * Return: 1 and *s filled, 0 on timeout, -1 on error.
 */
static int wire_next(struct wire *w, struct seg *s, long long deadline)
{
	uint8_t buf[2048];
	const uint8_t *th;
	ssize_t n;
	size_t ihl, tot;
	uint32_t v;

	for (;;) {
		long long left = deadline - xtcp_now_ms();

		if (left <= 0)
			return 0;
		if (!(xtcp_poll1(w->raw, POLLIN, left) & POLLIN))
			continue;
		n = recv(w->raw, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		if (n < 20 || (buf[0] >> 4) != 4)
			continue;
		ihl = (buf[0] & 15) * 4;
		tot = (buf[2] << 8) | buf[3];
		if (buf[8] == WIRE_TTL || tot > (size_t)n || tot < ihl + 20)
			continue;	/* ours, or not a whole TCP header */
		th = buf + ihl;
		s->sport = (th[0] << 8) | th[1];
		s->dport = (th[2] << 8) | th[3];
		memcpy(&v, th + 4, 4);
		s->seq = ntohl(v);
		memcpy(&v, th + 8, 4);
		s->ack = ntohl(v);
		s->flags = th[13];
		if ((th[12] >> 4) * 4 > tot - ihl)
			continue;
		s->len = tot - ihl - (th[12] >> 4) * 4;
		seg_find_ts(s, th + 20, (th[12] >> 4) * 4 - 20);
		if (w->track)
			flow_update(&w->fl, s);
		return 1;
	}
}

/* Wait for the next segment from @sport to @dport. */
static int wire_wait(struct wire *w, uint16_t sport, uint16_t dport,
		     struct seg *out, int ms)
{
	long long end = xtcp_now_ms() + ms;
	struct seg s;
	int ret;

	while ((ret = wire_next(w, &s, end)) > 0)
		if (s.sport == sport && s.dport == dport) {
			*out = s;
			return 1;
		}
	return ret;
}

#define SYNC_MAX	8

/*
 * Send the marker (a SYN to the closed port) and wait for its RST.
 * Segments from @sport to @dport seen before it are counted in *seen,
 * and the first SYNC_MAX of them kept in @got (may be NULL).
 */
static int wire_sync(struct wire *w, uint16_t sport, uint16_t dport,
		     int *seen, struct seg *got)
{
	long long end = xtcp_now_ms() + XTCP_WAIT_MS;
	struct tx m = { .sport = MARK_PORT, .dport = CLOSED_PORT,
			.flags = F_SYN, .win = 1024 };
	struct seg s;

	m.seq = 0x10000000u + ++w->marker_seq * 1000;
	*seen = 0;
	if (inject(w, &m))
		return -1;
	while (wire_next(w, &s, end) > 0) {
		if (s.sport == CLOSED_PORT && s.dport == MARK_PORT &&
		    (s.flags & F_RST) && s.ack == m.seq + 1)
			return 0;
		if (s.sport != sport || s.dport != dport)
			continue;
		if (got && *seen < SYNC_MAX)
			got[*seen] = s;
		(*seen)++;
	}
	return -1;
}

/*
 * Read segments until the tracked flow is settled and lo has been quiet
 * for a moment (nothing more is on its way, e.g. a delayed ACK).
 */
static int wire_settle(struct wire *w)
{
	long long end = xtcp_now_ms() + XTCP_WAIT_MS;
	struct seg s;
	int ret;

	for (;;) {
		ret = wire_next(w, &s, xtcp_now_ms() + 100);
		if (ret < 0)
			return -1;
		if (!ret && flow_settled(&w->fl))
			return 0;
		if (xtcp_now_ms() > end)
			return -1;
	}
}

/* ---- 1. Malformed segments ------------------------------------------ */

FIXTURE(malformed) {
	struct wire w;
};

/*
 * A SYN from PROBE_PORT to the closed port, made malformed as described.
 * Well formed it would draw a RST (§3.10.7.1); dropped it draws nothing.
 */
FIXTURE_VARIANT(malformed) {
	uint8_t opt[40];
	size_t optlen;
	size_t datalen;
	bool set_doff;
	uint8_t doff;
	size_t trunc;
	bool bad_csum;
	/* xtcp: dropped and this counter +1; else answered. */
	bool xtcp_drop;
	enum ctr xtcp_ctr;
	/* Linux TCP: dropped and tcp_ctr +1 (NR_CTR: uncounted). */
	bool tcp_drop;
	enum ctr tcp_ctr;
};

/* Shorter than the 20-byte fixed header (RFC 9293 §3.1). */
FIXTURE_VARIANT_ADD(malformed, short_12) {
	.trunc = 12, .xtcp_drop = true, .xtcp_ctr = C_HDR,
	.tcp_drop = true, .tcp_ctr = NR_CTR,
};

FIXTURE_VARIANT_ADD(malformed, short_19) {
	.trunc = 19, .xtcp_drop = true, .xtcp_ctr = C_HDR,
	.tcp_drop = true, .tcp_ctr = NR_CTR,
};

/* Data offset below 5 words: the header would overlap itself. */
FIXTURE_VARIANT_ADD(malformed, doff_0) {
	.set_doff = true, .doff = 0, .xtcp_drop = true,
	.xtcp_ctr = C_HDR, .tcp_drop = true, .tcp_ctr = C_TCP_INERRS,
};

FIXTURE_VARIANT_ADD(malformed, doff_4) {
	.set_doff = true, .doff = 4, .xtcp_drop = true, .xtcp_ctr = C_HDR,
	.tcp_drop = true, .tcp_ctr = C_TCP_INERRS,
};

/* Data offset past the end of the segment. */
FIXTURE_VARIANT_ADD(malformed, doff_past_end) {
	.set_doff = true, .doff = 6, .xtcp_drop = true, .xtcp_ctr = C_HDR,
	.tcp_drop = true, .tcp_ctr = NR_CTR,
};

FIXTURE_VARIANT_ADD(malformed, doff_15_past_data) {
	.set_doff = true, .doff = 15, .datalen = 20, .xtcp_drop = true,
	.xtcp_ctr = C_HDR,
	.tcp_drop = true, .tcp_ctr = NR_CTR,
};

/* Bad checksum: dropped before the lookup, so no RST from a closed port. */
FIXTURE_VARIANT_ADD(malformed, bad_csum) {
	.bad_csum = true, .xtcp_drop = true, .xtcp_ctr = C_CSUM,
	.tcp_drop = true, .tcp_ctr = C_CSUM,
};

FIXTURE_VARIANT_ADD(malformed, bad_csum_data) {
	.bad_csum = true, .datalen = 100, .xtcp_drop = true,
	.xtcp_ctr = C_CSUM, .tcp_drop = true, .tcp_ctr = C_CSUM,
};

/*
 * Malformed option lengths (RFC 9293 §3.1, MUST-7): xtcp drops and counts
 * the segment (module/proto/options.c).  Linux TCP ignores options it
 * cannot parse and never parses them for a closed port anyway, so under
 * XTCP_PROTO=6 these segments are answered like well-formed ones.
 */
FIXTURE_VARIANT_ADD(malformed, opt_mss_past_end) {
	.opt = { 1, 1, 2, 4 }, .optlen = 4, .xtcp_drop = true,
	.xtcp_ctr = C_OPT, .tcp_ctr = NR_CTR,
};

FIXTURE_VARIANT_ADD(malformed, opt_len_0) {
	.opt = { 2, 0, 1, 1 }, .optlen = 4, .xtcp_drop = true,
	.xtcp_ctr = C_OPT, .tcp_ctr = NR_CTR,
};

FIXTURE_VARIANT_ADD(malformed, opt_len_1) {
	.opt = { 2, 1, 1, 1 }, .optlen = 4, .xtcp_drop = true,
	.xtcp_ctr = C_OPT, .tcp_ctr = NR_CTR,
};

/* A kind byte with no room for its length byte. */
FIXTURE_VARIANT_ADD(malformed, opt_kind_at_end) {
	.opt = { 1, 1, 1, 2 }, .optlen = 4, .xtcp_drop = true,
	.xtcp_ctr = C_OPT, .tcp_ctr = NR_CTR,
};

FIXTURE_VARIANT_ADD(malformed, opt_ts_past_end_40) {
	.opt = { 2, 4, 0x05, 0xb4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		 1, 1, 1, 1, 8, 10, 0, 0 },
	.optlen = 40, .xtcp_drop = true, .xtcp_ctr = C_OPT, .tcp_ctr = NR_CTR,
};

/* Not errors: unknown kinds and odd lengths of known kinds are skipped. */
FIXTURE_VARIANT_ADD(malformed, ok_unknown_option) {
	.opt = { 254, 4, 0xf9, 0x89 }, .optlen = 4, .tcp_ctr = NR_CTR,
};

FIXTURE_VARIANT_ADD(malformed, ok_mss_wrong_len) {
	.opt = { 2, 3, 5, 1 }, .optlen = 4, .tcp_ctr = NR_CTR,
};

/* Everything after End of Option List is padding (RFC 9293 §3.1). */
FIXTURE_VARIANT_ADD(malformed, ok_eol_then_garbage) {
	.opt = { 0, 2, 0, 0xff }, .optlen = 4, .tcp_ctr = NR_CTR,
};

FIXTURE_VARIANT_ADD(malformed, ok_40_bytes) {
	.opt = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 1, 2, 3, 4,
		 5, 6, 7, 8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		 1, 1, 1, 1, 1, 1, 1, 0 },
	.optlen = 40, .tcp_ctr = NR_CTR,
};

FIXTURE_SETUP(malformed)
{
	ASSERT_EQ(0, wire_setup(&self->w)) TH_LOG("setup: %s", strerror(errno));
}

FIXTURE_TEARDOWN(malformed)
{
	if (self->w.raw >= 0)
		close(self->w.raw);
}

TEST_F(malformed, dropped_or_answered)
{
	bool native = xtcp_is_native_tcp();
	bool drop = native ? variant->tcp_drop : variant->xtcp_drop;
	enum ctr want = native ? variant->tcp_ctr : variant->xtcp_ctr;
	uint32_t seq = 0x12345678;
	struct ctrs a, b;
	char data[100];
	struct seg r;
	int seen, i;

	memset(data, 'd', sizeof(data));
	if (!drop)
		want = NR_CTR;
	ctrs_take(&a);
	ASSERT_EQ(0, inject(&self->w, &(struct tx){
		.sport = PROBE_PORT, .dport = CLOSED_PORT, .seq = seq,
		.flags = F_SYN, .win = 1024, .opt = variant->opt,
		.optlen = variant->optlen, .data = data,
		.datalen = variant->datalen,
		.set_doff = variant->set_doff, .doff = variant->doff,
		.trunc = variant->trunc, .bad_csum = variant->bad_csum,
		}));
	if (drop) {
		ASSERT_EQ(0, wire_sync(&self->w, CLOSED_PORT, PROBE_PORT,
				       &seen, NULL)) TH_LOG("marker not answered");
		EXPECT_EQ(0, seen) TH_LOG("a dropped segment was answered");
	} else {
		ASSERT_EQ(1, wire_wait(&self->w, CLOSED_PORT, PROBE_PORT, &r,
				       XTCP_WAIT_MS)) TH_LOG("no RST");
		EXPECT_EQ(F_RST | F_ACK, r.flags);
		EXPECT_EQ(seq + 1 + variant->datalen, r.ack);
		ASSERT_EQ(0, wire_sync(&self->w, 0, 0, &seen, NULL));
	}
	ctrs_take(&b);

	/* The expected error counter, and no other. */
	for (i = C_HDR; i <= C_CSUM; i++)
		EXPECT_DELTA(&a, &b, i, i == (int)want);
	if (native && want != C_TCP_INERRS && want != C_CSUM) {
		EXPECT_DELTA(&a, &b, C_TCP_INERRS, 0);
	} else if (native) {
		/* Linux counts checksum errors in InErrs as well. */
		EXPECT_DELTA(&a, &b, C_TCP_INERRS, 1);
	}
	/*
	 * The marker found no socket and got its RST, which on lo arrives
	 * at a port without a socket too; the same for an answered probe.
	 */
	EXPECT_DELTA(&a, &b, C_NOSOCK, drop ? 2 : 4);
	EXPECT_DELTA(&a, &b, C_OUTRSTS, drop ? 1 : 2);
}

/* ---- 2. No socket: RFC 9293 §3.10.7.1 ------------------------------- */

FIXTURE(nosock) {
	struct wire w;
};

FIXTURE_VARIANT(nosock) {
	uint8_t flags;
	size_t datalen;
	bool answered;
};

/* No ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SYN/FIN count. */
FIXTURE_VARIANT_ADD(nosock, syn) { .flags = F_SYN, .answered = true };
FIXTURE_VARIANT_ADD(nosock, syn_data) {
	.flags = F_SYN, .datalen = 10, .answered = true,
};
FIXTURE_VARIANT_ADD(nosock, fin_data) {
	.flags = F_FIN | F_PSH, .datalen = 7, .answered = true,
};
FIXTURE_VARIANT_ADD(nosock, syn_fin) {
	.flags = F_SYN | F_FIN, .answered = true,
};
FIXTURE_VARIANT_ADD(nosock, no_flags_data) {
	.datalen = 3, .answered = true,
};
/* ACK: <SEQ=SEG.ACK><CTL=RST>. */
FIXTURE_VARIANT_ADD(nosock, ack) { .flags = F_ACK, .answered = true };
FIXTURE_VARIANT_ADD(nosock, ack_data) {
	.flags = F_ACK | F_PSH, .datalen = 5, .answered = true,
};
FIXTURE_VARIANT_ADD(nosock, syn_ack) {
	.flags = F_SYN | F_ACK, .answered = true,
};
FIXTURE_VARIANT_ADD(nosock, fin_ack) {
	.flags = F_FIN | F_ACK, .answered = true,
};
/* "An incoming segment containing a RST is discarded." */
FIXTURE_VARIANT_ADD(nosock, rst) { .flags = F_RST };
FIXTURE_VARIANT_ADD(nosock, rst_ack) { .flags = F_RST | F_ACK };
FIXTURE_VARIANT_ADD(nosock, rst_data) { .flags = F_RST, .datalen = 4 };

FIXTURE_SETUP(nosock)
{
	ASSERT_EQ(0, wire_setup(&self->w)) TH_LOG("setup: %s", strerror(errno));
}

FIXTURE_TEARDOWN(nosock)
{
	if (self->w.raw >= 0)
		close(self->w.raw);
}

TEST_F(nosock, reset_fields)
{
	uint32_t seq = 0xfffffff0, ack = 0x7fff0001;
	uint8_t f = variant->flags;
	struct ctrs a, b;
	struct seg r;
	int seen;

	ctrs_take(&a);
	/* seq near 2^32: SEG.SEQ+SEG.LEN wraps, as it must, modulo 2^32. */
	ASSERT_EQ(0, inject(&self->w, &(struct tx){
		.sport = PROBE_PORT, .dport = CLOSED_PORT, .seq = seq,
		.ack = f & F_ACK ? ack : 0, .flags = f, .win = 1024,
		.data = "0123456789", .datalen = variant->datalen }));
	if (variant->answered) {
		ASSERT_EQ(1, wire_wait(&self->w, CLOSED_PORT, PROBE_PORT, &r,
				       XTCP_WAIT_MS)) TH_LOG("no RST");
		if (f & F_ACK) {
			EXPECT_EQ(F_RST, r.flags);
			EXPECT_EQ(ack, r.seq);
		} else {
			EXPECT_EQ(F_RST | F_ACK, r.flags);
			EXPECT_EQ(0, r.seq);
			EXPECT_EQ(seq + variant->datalen + !!(f & F_SYN) +
				  !!(f & F_FIN), r.ack);
		}
		EXPECT_EQ(0, r.len);
	}
	ASSERT_EQ(0, wire_sync(&self->w, CLOSED_PORT, PROBE_PORT, &seen, NULL))
		TH_LOG("marker not answered");
	EXPECT_EQ(0, seen) TH_LOG("%d more segments to the prober", seen);
	ctrs_take(&b);
	/* Probe and marker, and the RSTs that answer them (on lo, again). */
	EXPECT_DELTA(&a, &b, C_NOSOCK, variant->answered ? 4 : 3);
	EXPECT_DELTA(&a, &b, C_OUTRSTS, variant->answered ? 2 : 1);
	EXPECT_DELTA(&a, &b, C_HDR, 0);
	EXPECT_DELTA(&a, &b, C_OPT, 0);
	EXPECT_DELTA(&a, &b, C_CSUM, 0);
}

/* ---- 2b. A listener: RFC 9293 §3.10.7.2 ---------------------------- */

FIXTURE(listener) {
	struct wire w;
	int lfd, lport;
};

FIXTURE_SETUP(listener)
{
	self->lfd = -1;
	ASSERT_EQ(0, wire_setup(&self->w)) TH_LOG("setup: %s", strerror(errno));
	self->lfd = xtcp_listener(&self->lport);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(listener)
{
	if (self->lfd >= 0)
		close(self->lfd);
	if (self->w.raw >= 0)
		close(self->w.raw);
}

/* "Any acknowledgment is bad ...: <SEQ=SEG.ACK><CTL=RST>" */
TEST_F(listener, ack_gets_rst)
{
	struct seg r;

	ASSERT_EQ(0, inject(&self->w, &(struct tx){
		.sport = PROBE_PORT, .dport = self->lport, .seq = 1000,
		.ack = 0xabcdef01, .flags = F_ACK, .win = 1024 }));
	ASSERT_EQ(1, wire_wait(&self->w, self->lport, PROBE_PORT, &r,
			       XTCP_WAIT_MS)) TH_LOG("no RST");
	EXPECT_EQ(F_RST, r.flags);
	EXPECT_EQ(0xabcdef01, r.seq);
	EXPECT_EQ(0x0A, xtcp_proc_state(self->lport, 0, NULL));
}

/*
 * "An incoming RST segment could not be valid ... should be ignored";
 * neither SYN nor ACK: "drop the segment and return".
 */
TEST_F(listener, others_ignored)
{
	static const uint8_t flags[] = { F_RST, F_RST | F_ACK, F_FIN, 0,
					 F_FIN | F_PSH };
	unsigned int i;
	int seen;

	for (i = 0; i < sizeof(flags); i++)
		ASSERT_EQ(0, inject(&self->w, &(struct tx){
			.sport = PROBE_PORT, .dport = self->lport,
			.seq = 1000, .ack = flags[i] & F_ACK ? 5 : 0,
			.flags = flags[i], .win = 1024, .data = "abc",
			.datalen = flags[i] & F_PSH ? 3 : 0 }));
	ASSERT_EQ(0, wire_sync(&self->w, self->lport, PROBE_PORT, &seen,
			       NULL)) TH_LOG("marker not answered");
	EXPECT_EQ(0, seen);
	EXPECT_EQ(0, xtcp_poll1(self->lfd, POLLIN, 0));
	EXPECT_EQ(0x0A, xtcp_proc_state(self->lport, 0, NULL));
}

/*
 * A SYN: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, RCV.NXT = SEG.SEQ+1.  The
 * RST at RCV.NXT then removes the half-open connection (§3.10.7.4
 * SYN-RECEIVED, passive open: back to LISTEN), and nothing reaches the
 * accept queue.
 */
TEST_F(listener, syn_gets_synack)
{
	uint32_t seq = 0xfffffffe;	/* SYN at 2^32 - 2: RCV.NXT wraps on */
	struct seg r;
	int seen;

	ASSERT_EQ(0, inject(&self->w, &(struct tx){
		.sport = PROBE_PORT, .dport = self->lport, .seq = seq,
		.flags = F_SYN, .win = 1024 }));
	ASSERT_EQ(1, wire_wait(&self->w, self->lport, PROBE_PORT, &r,
			       XTCP_WAIT_MS)) TH_LOG("no SYN-ACK");
	EXPECT_EQ(F_SYN | F_ACK, r.flags);
	EXPECT_EQ(seq + 1, r.ack);
	EXPECT_EQ(0, r.len);
	ASSERT_EQ(0, inject(&self->w, &(struct tx){
		.sport = PROBE_PORT, .dport = self->lport, .seq = seq + 1,
		.flags = F_RST }));
	ASSERT_EQ(0, wire_sync(&self->w, self->lport, PROBE_PORT, &seen,
			       NULL)) TH_LOG("marker not answered");
	EXPECT_EQ(0, seen) TH_LOG("answered the RST, or SYN-ACK again");
	EXPECT_EQ(-1, xtcp_proc_state(self->lport, PROBE_PORT, NULL));
	EXPECT_EQ(0, xtcp_poll1(self->lfd, POLLIN, 0));
	EXPECT_EQ(0x0A, xtcp_proc_state(self->lport, 0, NULL));
}

/* ---- 3. An established connection (RFC 5961) ------------------------ */

/*
 * A connection c -> s on lo, sniffed from the SYN on.  The segments under
 * test are spoofed from c to s, so s's RCV.NXT is fl.nxt[0] and its
 * SND.NXT fl.nxt[1]; its replies travel s -> c.
 */
struct conn {
	struct wire w;
	int c, s;
	uint16_t cport, sport;
	uint32_t rcv_nxt, snd_nxt, irs;
};

FIXTURE(estab) {
	struct conn k;
};

static int estab_learn(struct conn *k)
{
	if (wire_settle(&k->w))
		return -1;
	k->rcv_nxt = k->w.fl.nxt[0];
	k->snd_nxt = k->w.fl.nxt[1];
	k->irs = k->w.fl.isn[0];
	return 0;
}

FIXTURE_SETUP(estab)
{
	struct conn *k = &self->k;
	char buf[8];

	k->c = k->s = -1;
	ASSERT_EQ(0, wire_setup(&k->w)) TH_LOG("setup: %s", strerror(errno));
	ASSERT_EQ(0, xtcp_pair(&k->c, &k->s));
	ASSERT_EQ(0, xtcp_set_timeouts(k->c, XTCP_WAIT_MS));
	ASSERT_EQ(0, xtcp_set_timeouts(k->s, XTCP_WAIT_MS));
	k->cport = xtcp_local_port(k->c);
	k->sport = xtcp_local_port(k->s);
	k->w.fl.port[0] = k->cport;
	k->w.fl.port[1] = k->sport;
	k->w.track = true;
	/* Some data each way, so neither side sits at its ISN + 1. */
	ASSERT_EQ(5, send(k->c, "hello", 5, 0));
	ASSERT_EQ(5, xtcp_read_all(k->s, buf, 5));
	ASSERT_EQ(3, send(k->s, "hi!", 3, 0));
	ASSERT_EQ(3, xtcp_read_all(k->c, buf, 3));
	ASSERT_EQ(0, estab_learn(k))
		TH_LOG("connection not sniffed: seen %d/%d acked %d/%d",
		       k->w.fl.seen[0], k->w.fl.seen[1],
		       k->w.fl.acked[0], k->w.fl.acked[1]);
}

FIXTURE_TEARDOWN(estab)
{
	struct conn *k = &self->k;

	if (k->c >= 0)
		close(k->c);
	if (k->s >= 0)
		close(k->s);
	if (k->w.raw >= 0)
		close(k->w.raw);
}

/* A segment spoofed from c to s. */
static int to_server(struct conn *k, uint32_t seq, uint32_t ack,
		     uint8_t flags, const char *data)
{
	return inject(&k->w, &(struct tx){
		.sport = k->cport, .dport = k->sport, .seq = seq,
		.ack = ack, .flags = flags, .win = 1024, .data = data,
		.datalen = data ? strlen(data) : 0 });
}

/* The connection moves data both ways and is still ESTABLISHED. */
static void expect_alive(struct __test_metadata *_metadata,
			 struct conn *k)
{
	char buf[8] = "";

	ASSERT_EQ(4, send(k->c, "ping", 4, MSG_NOSIGNAL));
	ASSERT_EQ(4, xtcp_read_all(k->s, buf, 4)) TH_LOG("%s",
							     strerror(errno));
	EXPECT_EQ(0, memcmp(buf, "ping", 4));
	ASSERT_EQ(4, send(k->s, "pong", 4, MSG_NOSIGNAL));
	ASSERT_EQ(4, xtcp_read_all(k->c, buf, 4)) TH_LOG("%s",
							     strerror(errno));
	EXPECT_EQ(0, memcmp(buf, "pong", 4));
	EXPECT_EQ(ST_ESTABLISHED, xtcp_proc_state(k->sport, k->cport,
						  NULL));
	EXPECT_EQ(0, xtcp_sock_error(k->s));
}

/*
 * Send the marker and return how many segments s sent c before its
 * answer; each must be <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (RFC 5961
 * §3.2/§4 for a challenge ACK, RFC 9293 §3.10.7.4 for the others).
 */
static int acks_from_server(struct __test_metadata *_metadata,
			    struct conn *k)
{
	struct seg got[SYNC_MAX];
	int n, i;

	if (wire_sync(&k->w, k->sport, k->cport, &n, got)) {
		TH_LOG("marker not answered");
		return -1;
	}
	for (i = 0; i < n && i < SYNC_MAX; i++) {
		EXPECT_EQ(F_ACK, got[i].flags);
		EXPECT_EQ(k->snd_nxt, got[i].seq);
		EXPECT_EQ(k->rcv_nxt, got[i].ack);
		EXPECT_EQ(0, got[i].len);
	}
	return n;
}

/* RFC 5961 §3.2: a RST outside the window is silently discarded. */
TEST_F(estab, rst_out_of_window_ignored)
{
	struct conn *k = &self->k;
	struct ctrs a, b;

	ctrs_take(&a);
	ASSERT_EQ(0, to_server(k, k->rcv_nxt + FAR, 0, F_RST, NULL));
	ASSERT_EQ(0, to_server(k, k->rcv_nxt - FAR, 0, F_RST, NULL));
	ASSERT_EQ(0, to_server(k, k->rcv_nxt + FAR, k->snd_nxt,
			       F_RST | F_ACK, NULL));
	EXPECT_EQ(0, acks_from_server(_metadata, k));
	ctrs_take(&b);
	EXPECT_DELTA(&a, &b, C_OOW, 3);
	EXPECT_DELTA(&a, &b, C_CHALLENGE, 0);
	EXPECT_DELTA(&a, &b, C_ESTABRESETS, 0);
	expect_alive(_metadata, k);
}

/* RFC 5961 §3.2: in the window but not RCV.NXT: challenge ACK, no reset. */
TEST_F(estab, rst_in_window_challenge_ack)
{
	struct conn *k = &self->k;
	struct ctrs a, b;

	ctrs_take(&a);
	ASSERT_EQ(0, to_server(k, k->rcv_nxt + 1, 0, F_RST, NULL));
	EXPECT_EQ(1, acks_from_server(_metadata, k));
	/* Once more, with ACK and further into the window. */
	ASSERT_EQ(0, to_server(k, k->rcv_nxt + 1000, k->snd_nxt,
			       F_RST | F_ACK, NULL));
	EXPECT_EQ(1, acks_from_server(_metadata, k));
	ctrs_take(&b);
	EXPECT_DELTA(&a, &b, C_CHALLENGE, 2);
	EXPECT_DELTA(&a, &b, C_ESTABRESETS, 0);
	expect_alive(_metadata, k);
}

/* RFC 5961 §3.2 / RFC 9293 §3.10.7.4: exactly RCV.NXT resets. */
TEST_F(estab, rst_exact_resets)
{
	struct conn *k = &self->k;
	struct ctrs a, b;
	char buf[4];

	ctrs_take(&a);
	ASSERT_EQ(0, to_server(k, k->rcv_nxt, 0, F_RST, NULL));
	/* No reply to a RST. */
	EXPECT_EQ(0, acks_from_server(_metadata, k));
	EXPECT_NE(0, xtcp_poll1(k->s, POLLIN, XTCP_WAIT_MS) & POLLERR);
	EXPECT_EQ(-1, recv(k->s, buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);
	/* Then EOF, and the tuple has left the table. */
	EXPECT_EQ(0, recv(k->s, buf, sizeof(buf), 0));
	EXPECT_EQ(-1, xtcp_proc_state(k->sport, k->cport, NULL));
	ctrs_take(&b);
	EXPECT_DELTA(&a, &b, C_ESTABRESETS, 1);
	EXPECT_DELTA(&a, &b, C_CHALLENGE, 0);
}

/* RFC 5961 §4: a SYN in a synchronized state draws a challenge ACK. */
TEST_F(estab, syn_challenge_ack)
{
	struct conn *k = &self->k;
	struct ctrs a, b;

	ctrs_take(&a);
	ASSERT_EQ(0, to_server(k, k->rcv_nxt, 0, F_SYN, NULL));
	EXPECT_EQ(1, acks_from_server(_metadata, k));
	ASSERT_EQ(0, to_server(k, k->rcv_nxt + 100, 0, F_SYN, NULL));
	EXPECT_EQ(1, acks_from_server(_metadata, k));
	ctrs_take(&b);
	EXPECT_DELTA(&a, &b, C_CHALLENGE, 2);
	EXPECT_DELTA(&a, &b, C_ESTABRESETS, 0);
	EXPECT_DELTA(&a, &b, C_OUTRSTS, 2);	/* the markers' */
	expect_alive(_metadata, k);
}

/*
 * RFC 5961 §4.2: "If the SYN bit is set, irrespective of the sequence
 * number, TCP MUST send an ACK (also referred to as challenge ACK)":
 * outside the window too, and for a copy of the peer's own SYN (SEG.SEQ
 * = IRS).  Linux counts each in TCPChallengeACK.
 */
TEST_F(estab, syn_any_seq_challenge_ack)
{
	struct conn *k = &self->k;
	struct ctrs a, b;

	ctrs_take(&a);
	ASSERT_EQ(0, to_server(k, k->rcv_nxt + FAR, 0, F_SYN, NULL));
	EXPECT_EQ(1, acks_from_server(_metadata, k));
	ASSERT_EQ(0, to_server(k, k->irs, 0, F_SYN, NULL));
	EXPECT_EQ(1, acks_from_server(_metadata, k));
	ctrs_take(&b);
	EXPECT_DELTA(&a, &b, C_CHALLENGE, 2);
	EXPECT_DELTA(&a, &b, C_ESTABRESETS, 0);
	expect_alive(_metadata, k);
}

/*
 * SYN and RST together: the RST rules.  Outside the window (even at IRS)
 * the segment is dropped without a reply, "unless the RST bit is set"
 * (RFC 9293 §3.10.7.4, first check); in the window but not at RCV.NXT it
 * is challenged like any RST (RFC 5961 §3.2).
 */
TEST_F(estab, syn_rst)
{
	struct conn *k = &self->k;
	struct ctrs a, b;

	ctrs_take(&a);
	ASSERT_EQ(0, to_server(k, k->irs, 0, F_SYN | F_RST, NULL));
	ASSERT_EQ(0, to_server(k, k->rcv_nxt + FAR, 0, F_SYN | F_RST, NULL));
	EXPECT_EQ(0, acks_from_server(_metadata, k));
	ASSERT_EQ(0, to_server(k, k->rcv_nxt + 1, 0, F_SYN | F_RST, NULL));
	EXPECT_EQ(1, acks_from_server(_metadata, k));
	ctrs_take(&b);
	EXPECT_DELTA(&a, &b, C_CHALLENGE, 1);
	EXPECT_DELTA(&a, &b, C_ESTABRESETS, 0);
	expect_alive(_metadata, k);
}

/*
 * RFC 9293 §3.10.7.4: "If the ACK acks something not yet sent (SEG.ACK >
 * SND.NXT), then send an ACK, drop the segment, and return."  The
 * segment carries text at RCV.NXT: had it been taken, the reader would
 * see it, and the real bytes sent next with the same sequence numbers
 * would be discarded as a duplicate.
 *
 * Linux TCP dropped such a segment silently until 2024 and has answered
 * it with a challenge ACK (counted in TCPChallengeACK) since, so under
 * XTCP_PROTO=6 the ACK and its counter depend on the host's kernel; the
 * drop does not.  xtcp sends the plain ACK of RFC 9293, which is no
 * RFC 5961 challenge and not counted as one.
 */
TEST_F(estab, ack_of_unsent_data)
{
	struct conn *k = &self->k;
	char buf[8] = "";
	struct ctrs a, b;
	int n;

	ctrs_take(&a);
	ASSERT_EQ(0, to_server(k, k->rcv_nxt, k->snd_nxt + 10000,
			       F_ACK | F_PSH, "EVIL"));
	n = acks_from_server(_metadata, k);
	ctrs_take(&b);
	if (xtcp_is_native_tcp()) {
		EXPECT_LE(0, n);
		EXPECT_GE(1, n);
		TH_LOG("Linux TCP answered with %d ACK(s)", n);
	} else {
		EXPECT_EQ(1, n);
		EXPECT_DELTA(&a, &b, C_CHALLENGE, 0);
	}
	EXPECT_DELTA(&a, &b, C_ESTABRESETS, 0);
	EXPECT_EQ(-1, recv(k->s, buf, sizeof(buf), MSG_DONTWAIT))
		TH_LOG("took \"%.4s\" from a segment with a bad ACK", buf);
	ASSERT_EQ(4, send(k->c, "good", 4, 0));
	ASSERT_EQ(4, xtcp_read_all(k->s, buf, 4));
	EXPECT_EQ(0, memcmp(buf, "good", 4));
	expect_alive(_metadata, k);
}

/* RFC 9293 §3.10.7.4: an unacceptable segment is answered with an ACK. */
TEST_F(estab, data_out_of_window_acked)
{
	struct conn *k = &self->k;
	char buf[8];
	struct ctrs a, b;

	ctrs_take(&a);
	ASSERT_EQ(0, to_server(k, k->rcv_nxt + FAR, k->snd_nxt,
			       F_ACK | F_PSH, "EVIL"));
	EXPECT_EQ(1, acks_from_server(_metadata, k));
	ctrs_take(&b);
	EXPECT_DELTA(&a, &b, C_OOW, 1);
	EXPECT_EQ(-1, recv(k->s, buf, sizeof(buf), MSG_DONTWAIT));
	expect_alive(_metadata, k);
}

static int set_limits(int invalid_ms, int challenge_limit)
{
	char v[32];

	snprintf(v, sizeof(v), "%d", invalid_ms);
	if (write_sysctl(xtcp_is_native_tcp() ?
			 "/proc/sys/net/ipv4/tcp_invalid_ratelimit" :
			 "/proc/sys/net/xtcp/invalid_ratelimit", v))
		return -1;
	snprintf(v, sizeof(v), "%d", challenge_limit);
	return write_sysctl(xtcp_is_native_tcp() ?
			    "/proc/sys/net/ipv4/tcp_challenge_ack_limit" :
			    "/proc/sys/net/xtcp/challenge_ack_limit", v);
}

static long long skipped_challenges(void)
{
	if (xtcp_is_native_tcp())
		return mib_stat(NETSTAT, "TcpExt:", "TCPACKSkippedChallenge");
	return xtcp_stat("ACKSkippedChallenge");
}

/*
 * RFC 5961 §7: challenge ACKs are rate-limited, or two confused (or one
 * malicious) ends make each other send them at full speed. Per socket,
 * at most one per invalid_ratelimit (500 ms by default): of two
 * challenges at once, the second is skipped and counted.
 */
TEST_F(estab, challenge_acks_rate_limited_per_socket)
{
	struct conn *k = &self->k;
	long long skipped;

	ASSERT_EQ(0, set_limits(500, 2147483647));
	skipped = skipped_challenges();
	ASSERT_EQ(0, to_server(k, k->rcv_nxt + 1, 0, F_RST, NULL));
	ASSERT_EQ(0, to_server(k, k->rcv_nxt + 2, 0, F_RST, NULL));
	EXPECT_EQ(1, acks_from_server(_metadata, k));
	EXPECT_EQ(skipped + 1, skipped_challenges());
	ASSERT_EQ(0, set_limits(0, 2147483647));
	expect_alive(_metadata, k);
}

/*
 * And per namespace, challenge_ack_limit a second (Linux draws each
 * second's budget at random around the limit: exactly 1 for a limit of
 * 1). Of four challenges in a row at most two go out, two if a second
 * boundary falls between them.
 */
TEST_F(estab, challenge_acks_rate_limited_per_netns)
{
	struct conn *k = &self->k;
	long long skipped;
	int n;

	ASSERT_EQ(0, set_limits(0, 1));
	skipped = skipped_challenges();
	for (n = 0; n < 4; n++)
		ASSERT_EQ(0, to_server(k, k->rcv_nxt + 1 + n, 0, F_RST, NULL));
	n = acks_from_server(_metadata, k);
	EXPECT_LE(1, n);
	EXPECT_GE(2, n);
	if (!xtcp_is_native_tcp())
		EXPECT_LE(skipped + 2, skipped_challenges());
	ASSERT_EQ(0, set_limits(0, 2147483647));
	expect_alive(_metadata, k);
}

/* ---- 4. TIME_WAIT and RST (RFC 1337) -------------------------------- */

/*
 * c closes first and ends in TIME_WAIT; s's last ACK is in, s is gone.
 * The RSTs are spoofed from s's port to the TIME_WAIT socket, whose
 * RCV.NXT is fl.nxt[1] (s's FIN included).
 */
FIXTURE(timewait) {
	struct wire w;
	uint16_t cport, sport;
};

FIXTURE_VARIANT(timewait) {
	const char *rfc1337;
	uint32_t rst_off;	/* SEG.SEQ - RCV.NXT of the RST */
	bool survives;
};

/*
 * RFC 1337 hazard H1: a RST "assassinates" TIME_WAIT.  Linux, and xtcp
 * with rfc1337=0, let a RST at exactly RCV.NXT end it; 1 ignores it.
 */
FIXTURE_VARIANT_ADD(timewait, rfc1337_0) {
	.rfc1337 = "0", .rst_off = 0, .survives = false,
};
FIXTURE_VARIANT_ADD(timewait, rfc1337_1) {
	.rfc1337 = "1", .rst_off = 0, .survives = true,
};
/* Only RCV.NXT counts: a RST one past it leaves TIME_WAIT alone. */
FIXTURE_VARIANT_ADD(timewait, rfc1337_0_not_rcv_nxt) {
	.rfc1337 = "0", .rst_off = 1, .survives = true,
};
FIXTURE_VARIANT_ADD(timewait, rfc1337_0_far) {
	.rfc1337 = "0", .rst_off = FAR, .survives = true,
};

FIXTURE_SETUP(timewait)
{
	const char *path = xtcp_is_native_tcp() ?
		"/proc/sys/net/ipv4/tcp_rfc1337" : "/proc/sys/net/xtcp/rfc1337";
	long v = -1;

	ASSERT_EQ(0, wire_setup(&self->w)) TH_LOG("setup: %s", strerror(errno));
	ASSERT_EQ(0, write_sysctl(path, variant->rfc1337))
		TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ(0, xtcp_read_sysctl_ints(path, &v, 1));
	ASSERT_EQ(atol(variant->rfc1337), v);
}

FIXTURE_TEARDOWN(timewait)
{
	if (self->w.raw >= 0)
		close(self->w.raw);
}

TEST_F(timewait, rst)
{
	struct wire *w = &self->w;
	uint32_t rcv_nxt, snd_nxt;
	char buf[8];
	struct seg r;
	int c, s, seen;

	ASSERT_EQ(0, xtcp_pair(&c, &s));
	self->cport = xtcp_local_port(c);
	self->sport = xtcp_local_port(s);
	w->fl.port[0] = self->cport;
	w->fl.port[1] = self->sport;
	w->track = true;
	ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));
	ASSERT_EQ(3, send(c, "bye", 3, 0));
	close(c);
	ASSERT_EQ(3, xtcp_read_all(s, buf, 3));
	EXPECT_EQ(0, recv(s, buf, sizeof(buf), 0));
	close(s);
	ASSERT_EQ(ST_TIME_WAIT, xtcp_wait_proc_state(self->cport, self->sport,
						     ST_TIME_WAIT,
						     XTCP_WAIT_MS));
	ASSERT_EQ(-1, xtcp_wait_proc_state(self->sport, self->cport, -1,
					   XTCP_WAIT_MS));
	ASSERT_EQ(0, wire_settle(w));
	rcv_nxt = w->fl.nxt[1];
	snd_nxt = w->fl.nxt[0];

	ASSERT_EQ(0, inject(w, &(struct tx){
		.sport = self->sport, .dport = self->cport,
		.seq = rcv_nxt + variant->rst_off, .flags = F_RST }));
	/* A RST is never answered, by TIME_WAIT or by a missing socket. */
	ASSERT_EQ(0, wire_sync(w, self->cport, self->sport, &seen, NULL))
		TH_LOG("marker not answered");
	EXPECT_EQ(0, seen);
	EXPECT_EQ(variant->survives ? ST_TIME_WAIT : -1,
		  xtcp_proc_state(self->cport, self->sport, NULL));

	/*
	 * Ask the socket itself: an ACK far outside the window.  TIME_WAIT
	 * answers with an ACK (RFC 9293 §3.10.7.4); with the socket gone
	 * there is none, and the answer is <SEQ=SEG.ACK><CTL=RST>
	 * (§3.10.7.1).  Last, because TIME_WAIT's ACK goes to a port without
	 * a socket whose RST is at RCV.NXT and, rfc1337=0, ends TIME_WAIT.
	 */
	ASSERT_EQ(0, inject(w, &(struct tx){
		.sport = self->sport, .dport = self->cport,
		.seq = rcv_nxt + FAR, .ack = snd_nxt, .flags = F_ACK,
		.win = 1024 }));
	ASSERT_EQ(1, wire_wait(w, self->cport, self->sport, &r, XTCP_WAIT_MS))
		TH_LOG("no answer to the probe");
	EXPECT_EQ(snd_nxt, r.seq);
	if (variant->survives) {
		EXPECT_EQ(F_ACK, r.flags);
		EXPECT_EQ(rcv_nxt, r.ack);
	} else {
		EXPECT_EQ(F_RST, r.flags);
	}
}

/* ---- 5. A SYN for a 4-tuple in TIME_WAIT (RFC 1122 §4.2.2.13) -------- */

/*
 * The server closes first, so its end is in TIME_WAIT on the listener's
 * port and the client's end is gone.  A SYN from the client's port
 * reopens the connection if it lies beyond TIME_WAIT's RCV.NXT and the
 * listener is still there: TIME_WAIT ends and the SYN-ACK's ISS clears
 * the old connection's sequence space by more than a window.  Otherwise
 * TIME_WAIT answers with an ACK and stays, as in Linux's TCP.  rfc1337=1
 * keeps TIME_WAIT from the RST that its ACK draws from the closed port.
 */
FIXTURE(tw_syn) {
	struct wire w;
};

FIXTURE_VARIANT(tw_syn) {
	int32_t seq_off;	/* SEG.SEQ - RCV.NXT of the SYN */
	bool listening;
	bool reopens;
	bool ts;		/* the SYN has a timestamp: */
	int32_t ts_off;		/* its TSval - the client's last one */
};

FIXTURE_VARIANT_ADD(tw_syn, beyond_rcv_nxt) {
	.seq_off = 100000, .listening = true, .reopens = true,
};
FIXTURE_VARIANT_ADD(tw_syn, at_rcv_nxt) {
	.seq_off = 0, .listening = true, .reopens = false,
};
FIXTURE_VARIANT_ADD(tw_syn, below_rcv_nxt) {
	.seq_off = -1, .listening = true, .reopens = false,
};
FIXTURE_VARIANT_ADD(tw_syn, no_listener) {
	.seq_off = 100000, .listening = false, .reopens = false,
};

/*
 * RFC 6191: with timestamps on both, the timestamp decides.  A newer
 * TSval reopens even below RCV.NXT (a peer whose clock-driven ISN lies
 * below the old one); an older one is an old duplicate (PAWS) even
 * beyond RCV.NXT.  The offsets dwarf the connection's lifetime, so the
 * client's last TSval stands for TS.Recent.
 */
FIXTURE_VARIANT_ADD(tw_syn, newer_ts_below_rcv_nxt) {
	.seq_off = -1, .listening = true, .reopens = true,
	.ts = true, .ts_off = 100000,
};
FIXTURE_VARIANT_ADD(tw_syn, older_ts_beyond_rcv_nxt) {
	.seq_off = 100000, .listening = true, .reopens = false,
	.ts = true, .ts_off = -100000,
};

FIXTURE_SETUP(tw_syn)
{
	const char *path = xtcp_is_native_tcp() ?
		"/proc/sys/net/ipv4/tcp_rfc1337" : "/proc/sys/net/xtcp/rfc1337";

	ASSERT_EQ(0, wire_setup(&self->w)) TH_LOG("setup: %s", strerror(errno));
	ASSERT_EQ(0, write_sysctl(path, "1"));
}

FIXTURE_TEARDOWN(tw_syn)
{
	if (self->w.raw >= 0)
		close(self->w.raw);
}

TEST_F(tw_syn, reopen)
{
	struct wire *w = &self->w;
	uint16_t cport, sport;
	uint8_t tsopt[12] = { 1, 1, 8, 10 };	/* NOP NOP TS */
	uint32_t rcv_nxt, snd_nxt, seq, v;
	int c, s, lfd, state;
	char buf[8];
	struct seg r;

	ASSERT_EQ(0, xtcp_pair_ex(&c, &s, &lfd));
	cport = xtcp_local_port(c);
	sport = xtcp_local_port(s);
	w->fl.port[0] = cport;
	w->fl.port[1] = sport;
	w->track = true;
	ASSERT_EQ(0, xtcp_set_timeouts(c, XTCP_WAIT_MS));
	close(s);
	EXPECT_EQ(0, recv(c, buf, sizeof(buf), 0));
	close(c);
	ASSERT_EQ(ST_TIME_WAIT, xtcp_wait_proc_state(sport, cport, ST_TIME_WAIT,
						     XTCP_WAIT_MS));
	ASSERT_EQ(-1, xtcp_wait_proc_state(cport, sport, -1, XTCP_WAIT_MS));
	if (!variant->listening)
		close(lfd);
	ASSERT_EQ(0, wire_settle(w));
	rcv_nxt = w->fl.nxt[0];
	snd_nxt = w->fl.nxt[1];
	if (variant->ts)
		ASSERT_TRUE(w->fl.tsval[0] != 0)
			TH_LOG("the client sent no timestamps");

	seq = rcv_nxt + variant->seq_off;
	if (variant->ts) {
		v = htonl(w->fl.tsval[0] + variant->ts_off);
		memcpy(tsopt + 4, &v, 4);
	}
	ASSERT_EQ(0, inject(w, &(struct tx){
		.sport = cport, .dport = sport, .seq = seq, .flags = F_SYN,
		.win = 65535, .opt = variant->ts ? tsopt : NULL,
		.optlen = variant->ts ? sizeof(tsopt) : 0 }));
	ASSERT_EQ(1, wire_wait(w, sport, cport, &r, XTCP_WAIT_MS))
		TH_LOG("the SYN was not answered");
	state = xtcp_proc_state(sport, cport, NULL);
	if (variant->reopens) {
		EXPECT_EQ(F_SYN | F_ACK, r.flags);
		EXPECT_EQ(seq + 1, r.ack);
		EXPECT_LT(65535, (int32_t)(r.seq - snd_nxt))
			TH_LOG("ISS %u, old SND.NXT %u", r.seq, snd_nxt);
		EXPECT_NE(ST_TIME_WAIT, state);
	} else {
		EXPECT_EQ(F_ACK, r.flags);
		EXPECT_EQ(snd_nxt, r.seq);
		EXPECT_EQ(rcv_nxt, r.ack);
		EXPECT_EQ(ST_TIME_WAIT, state);
	}
	if (variant->listening)
		close(lfd);
}

TEST_HARNESS_MAIN
