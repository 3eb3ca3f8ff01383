/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp_tun.h - a peer played by the test itself, through a TUN device.
 *
 * The test's network namespace gets a TUN interface with TUN_LOCAL/24 on
 * it; everything the stack sends to TUN_PEER comes out of the TUN file
 * descriptor, and whatever the test writes into it arrives as if from the
 * wire. Unlike a raw socket on loopback, nothing else answers for the
 * peer: no RST from the stack for the peer's port, so the test alone
 * decides what the peer does (send one byte per segment, announce an MSS of
 * 1, never answer). Segments are TCP segments with the IP protocol under
 * test and a checksum over a pseudo-header naming protocol 6 (RFC 9293
 * §3.1), as xtcp puts on the wire.
 *
 * Include after xtcp_common.h.
 */
#ifndef XTCP_TUN_H
#define XTCP_TUN_H

#include <net/if.h>
#include <sys/ioctl.h>

/* linux/if_tun.h clashes with net/if.h: the three values needed here. */
#ifndef TUNSETIFF
#define TUNSETIFF	_IOW('T', 202, int)
#endif
#ifndef IFF_TUN
#define IFF_TUN		0x0001
#endif
#ifndef IFF_NO_PI
#define IFF_NO_PI	0x1000
#endif

#define TUN_LOCAL	"10.7.0.1"
#define TUN_PEER	"10.7.0.2"

#define TF_FIN	0x01
#define TF_SYN	0x02
#define TF_RST	0x04
#define TF_PSH	0x08
#define TF_ACK	0x10

/** One segment to send as the peer, or one the stack sent to it. */
struct tun_seg {
	uint16_t sport, dport;	/* host order */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint16_t mss;		/* MSS option: put in (tx) or found (rx); 0 none */
	uint8_t ts;		/* timestamp option: put in (tx) or found (rx) */
	uint32_t tsval, tsecr;	/* its values */
	uint8_t ws;		/* window scale option, value ws - 1, put in
				 * (tx) or found (rx); 0 none */
	uint8_t sack_perm;	/* tx: SACK-permitted option */
	uint8_t nsack;		/* rx: SACK blocks found */
	uint32_t sack[4][2];	/* rx: their [start, end), in order */
	uint8_t nsack_tx;	/* tx: SACK blocks to put in (3 with ts) */
	uint32_t sack_tx[4][2];	/* tx: their [start, end), in order */
	const void *data;	/* tx payload */
	uint32_t len;		/* payload bytes */
};

struct tun_peer {
	int fd;
	uint32_t local, peer;	/* network order */
	uint16_t ip_id;
	uint32_t ts_last;	/* TSval of the last segment received with one */
};

static inline int tun_ifreq(const char *name, unsigned long req,
			    struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return -1;
	strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
	ret = ioctl(fd, req, ifr);
	close(fd);
	return ret;
}

static inline int tun_set_addr(const char *name, unsigned long req,
			       const char *addr)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
	return tun_ifreq(name, req, &ifr);
}

/* Call in a fresh network namespace (xtcp_new_netns()). 0 or -1. */
static inline int tun_open(struct tun_peer *t)
{
	struct ifreq ifr = { 0 };

	memset(t, 0, sizeof(*t));
	t->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (t->fd < 0)
		return -1;
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strcpy(ifr.ifr_name, "xtun0");
	if (ioctl(t->fd, TUNSETIFF, &ifr) ||
	    tun_set_addr("xtun0", SIOCSIFADDR, TUN_LOCAL) ||
	    tun_set_addr("xtun0", SIOCSIFNETMASK, "255.255.255.0"))
		goto fail;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_UP | IFF_RUNNING;
	if (tun_ifreq("xtun0", SIOCSIFFLAGS, &ifr))
		goto fail;
	inet_pton(AF_INET, TUN_LOCAL, &t->local);
	inet_pton(AF_INET, TUN_PEER, &t->peer);
	return xtcp_set_nonblock(t->fd, true);
fail:
	close(t->fd);
	t->fd = -1;
	return -1;
}

static inline void tun_close(struct tun_peer *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/* A listener of the protocol under test on TUN_LOCAL:@port; -1 on error. */
static inline int tun_listen(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	int fd = xtcp_socket(), one = 1;

	inet_pton(AF_INET, TUN_LOCAL, &sin.sin_addr);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 8)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A test's end: its connection @s closed with a RST, not a FIN the peer
 * would never answer (no orphan may be left retransmitting into a
 * namespace that is going away), its listener @lfd, the TUN device.
 * Either fd may be -1.
 */
static inline void tun_teardown(struct tun_peer *t, int s, int lfd)
{
	struct linger abort_now = { .l_onoff = 1, .l_linger = 0 };

	if (s >= 0) {
		setsockopt(s, SOL_SOCKET, SO_LINGER, &abort_now,
			   sizeof(abort_now));
		close(s);
	}
	if (lfd >= 0)
		close(lfd);
	tun_close(t);
}

static inline uint32_t tun_sum(uint32_t sum, const uint8_t *p, size_t len)
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

static inline uint16_t tun_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static inline void tun_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void tun_put32(uint8_t *p, uint32_t v)
{
	tun_put16(p, v >> 16);
	tun_put16(p + 2, v);
}

static inline uint32_t tun_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* Write an IPv4 packet from the peer to us; @l4 is its payload. */
static inline int tun_write_ip(struct tun_peer *t, uint8_t proto,
			       const uint8_t *l4, size_t l4len)
{
	uint8_t buf[2048];
	size_t len = 20 + l4len;

	if (len > sizeof(buf))
		return -1;
	memset(buf, 0, 20);
	buf[0] = 0x45;
	tun_put16(buf + 2, len);
	tun_put16(buf + 4, ++t->ip_id);
	buf[6] = 0x40;		/* DF */
	buf[8] = 64;
	buf[9] = proto;
	memcpy(buf + 12, &t->peer, 4);
	memcpy(buf + 16, &t->local, 4);
	tun_put16(buf + 10, tun_fold(tun_sum(0, buf, 20)));
	memcpy(buf + 20, l4, l4len);
	return write(t->fd, buf, len) == (ssize_t)len ? 0 : -1;
}

/* Send @s from the peer (TUN_PEER:sport) to us (TUN_LOCAL:dport). */
static inline int tun_send(struct tun_peer *t, const struct tun_seg *s)
{
	uint8_t seg[1500], ph[12], *o;
	size_t hlen = 20 + (s->mss ? 4 : 0) + (s->ts ? 12 : 0) +
		      (s->ws ? 4 : 0) + (s->sack_perm ? 4 : 0) +
		      (s->nsack_tx ? 4 + 8 * s->nsack_tx : 0);
	size_t len = hlen + s->len;

	if (hlen > 60 || len > sizeof(seg))
		return -1;
	memset(seg, 0, hlen);
	tun_put16(seg, s->sport);
	tun_put16(seg + 2, s->dport);
	tun_put32(seg + 4, s->seq);
	tun_put32(seg + 8, s->ack);
	seg[12] = (hlen / 4) << 4;
	seg[13] = s->flags;
	tun_put16(seg + 14, s->win);
	/* Options in the 4-byte-aligned forms of RFC 7323 Appendix A. */
	o = seg + 20;
	if (s->mss) {
		o[0] = 2;
		o[1] = 4;
		tun_put16(o + 2, s->mss);
		o += 4;
	}
	if (s->ts) {
		o[0] = o[1] = 1;
		o[2] = 8;
		o[3] = 10;
		tun_put32(o + 4, s->tsval);
		tun_put32(o + 8, s->tsecr);
		o += 12;
	}
	if (s->sack_perm) {
		o[0] = o[1] = 1;
		o[2] = 4;
		o[3] = 2;
		o += 4;
	}
	if (s->ws) {
		o[0] = 1;
		o[1] = 3;
		o[2] = 3;
		o[3] = s->ws - 1;
		o += 4;
	}
	if (s->nsack_tx) {
		o[0] = o[1] = 1;
		o[2] = 5;
		o[3] = 2 + 8 * s->nsack_tx;
		for (int i = 0; i < s->nsack_tx; i++) {
			tun_put32(o + 4 + 8 * i, s->sack_tx[i][0]);
			tun_put32(o + 8 + 8 * i, s->sack_tx[i][1]);
		}
	}
	if (s->len)
		memcpy(seg + hlen, s->data, s->len);
	memcpy(ph, &t->peer, 4);
	memcpy(ph + 4, &t->local, 4);
	ph[8] = 0;
	ph[9] = IPPROTO_TCP;	/* what the checksum names, whatever IP says */
	tun_put16(ph + 10, len);
	tun_put16(seg + 16, tun_fold(tun_sum(tun_sum(0, ph, 12), seg, len)));
	return tun_write_ip(t, xtcp_proto(), seg, len);
}

/*
 * Next segment of the protocol under test the stack sent to the peer, by
 * @deadline (xtcp_now_ms() clock). 1 with *s filled, 0 on timeout, -1 on
 * error. Other packets (IPv6 router solicitations, ...) are skipped.
 */
static inline int tun_recv(struct tun_peer *t, struct tun_seg *s,
			   long long deadline)
{
	uint8_t buf[70000];
	const uint8_t *th;
	size_t ihl, doff, i;
	ssize_t n;

	for (;;) {
		long long left = deadline - xtcp_now_ms();

		if (left <= 0)
			return 0;
		if (!(xtcp_poll1(t->fd, POLLIN, left) & POLLIN))
			continue;
		n = read(t->fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		if (n < 40 || (buf[0] >> 4) != 4 || buf[9] != xtcp_proto())
			continue;
		ihl = (buf[0] & 15) * 4;
		th = buf + ihl;
		doff = (th[12] >> 4) * 4;
		if (ihl + doff > (size_t)n)
			continue;
		memset(s, 0, sizeof(*s));
		s->sport = th[0] << 8 | th[1];
		s->dport = th[2] << 8 | th[3];
		s->seq = tun_get32(th + 4);
		s->ack = tun_get32(th + 8);
		s->flags = th[13];
		s->win = th[14] << 8 | th[15];
		s->len = n - ihl - doff;
		for (i = 20; i + 1 < doff;) {
			if (th[i] == 0)
				break;
			if (th[i] == 1) {
				i++;
				continue;
			}
			if (th[i] == 2 && th[i + 1] == 4 && i + 4 <= doff)
				s->mss = th[i + 2] << 8 | th[i + 3];
			if (th[i] == 5 && th[i + 1] >= 10 &&
			    (th[i + 1] - 2) % 8 == 0 && i + th[i + 1] <= doff) {
				size_t b;

				for (b = 0; b < (size_t)(th[i + 1] - 2) / 8 &&
					    b < 4; b++) {
					s->sack[b][0] = tun_get32(th + i + 2 +
								  8 * b);
					s->sack[b][1] = tun_get32(th + i + 6 +
								  8 * b);
				}
				s->nsack = b;
			}
			if (th[i] == 3 && th[i + 1] == 3 && i + 3 <= doff)
				s->ws = th[i + 2] + 1;
			if (th[i] == 8 && th[i + 1] == 10 && i + 10 <= doff) {
				s->ts = 1;
				s->tsval = tun_get32(th + i + 2);
				s->tsecr = tun_get32(th + i + 6);
				t->ts_last = s->tsval;
			}
			if (th[i + 1] < 2)
				break;
			i += th[i + 1];
		}
		return 1;
	}
}

/* Wait for a segment with all of @flags set. */
static inline int tun_wait(struct tun_peer *t, uint8_t flags,
			   struct tun_seg *s, int ms)
{
	long long end = xtcp_now_ms() + ms;
	int ret;

	while ((ret = tun_recv(t, s, end)) > 0)
		if ((s->flags & flags) == flags)
			return 1;
	return ret;
}

/** An established connection with the peer, seen from the peer's side. */
struct tun_conn {
	uint16_t pport, lport;	/* peer's and our port */
	uint32_t snd_nxt;	/* the peer's next sequence number */
	uint32_t rcv_nxt;	/* the peer's view of our next one */
	uint16_t wnd;		/* our last window */
};

/*
 * The peer connects to our listener on @lport (SYN with MSS @mss, 0 for
 * none), answers the SYN-ACK and stands in ESTABLISHED. 0 or -1.
 */
/*
 * New data segments the stack sends until @ms pass without one (10 s at
 * most); *high is the end of the highest. Retransmissions and bare ACKs
 * are not counted.
 */
static inline int tun_burst(struct tun_peer *t, uint32_t *high, int ms)
{
	long long end = xtcp_now_ms() + 10000, quiet = xtcp_now_ms() + ms;
	struct tun_seg s;
	int n = 0;

	while (tun_recv(t, &s, quiet < end ? quiet : end) > 0) {
		if (!s.len || (int32_t)(s.seq + s.len - *high) <= 0)
			continue;
		*high = s.seq + s.len;
		n++;
		quiet = xtcp_now_ms() + ms;
	}
	return n;
}

/*
 * As tun_connect(), the SYN offering SACK-permitted if @sack_perm and
 * timestamps (TSval 1) if @ts; the final ACK then echoes the SYN-ACK's.
 * The final ACK goes @late_ms after the SYN-ACK came: the handshake's RTT
 * is the stack's first sample (and its RTO at least three times it).
 */
static inline int tun_connect_late(struct tun_peer *t, struct tun_conn *c,
				   uint16_t lport, uint16_t mss,
				   uint8_t sack_perm, uint8_t ts, int late_ms)
{
	struct tun_seg s = { .sport = 40000, .dport = lport, .seq = 1000,
			     .flags = TF_SYN, .win = 65535, .mss = mss,
			     .sack_perm = sack_perm, .ts = ts, .tsval = 1 };

	c->pport = s.sport;
	c->lport = lport;
	if (tun_send(t, &s))
		return -1;
	if (tun_wait(t, TF_SYN | TF_ACK, &s, XTCP_WAIT_MS) != 1 ||
	    s.ack != 1001)
		return -1;
	c->snd_nxt = 1001;
	c->rcv_nxt = s.seq + 1;
	c->wnd = s.win;
	ts = ts && s.ts;
	if (late_ms)
		usleep(late_ms * 1000);
	s = (struct tun_seg){ .sport = c->pport, .dport = lport,
			      .seq = c->snd_nxt, .ack = c->rcv_nxt,
			      .flags = TF_ACK, .win = 65535, .ts = ts,
			      .tsval = 2, .tsecr = s.tsval };
	return tun_send(t, &s);
}

static inline int tun_connect_opts(struct tun_peer *t, struct tun_conn *c,
				   uint16_t lport, uint16_t mss,
				   uint8_t sack_perm, uint8_t ts)
{
	return tun_connect_late(t, c, lport, mss, sack_perm, ts, 0);
}

static inline int tun_connect_sack(struct tun_peer *t, struct tun_conn *c,
				   uint16_t lport, uint16_t mss,
				   uint8_t sack_perm)
{
	return tun_connect_opts(t, c, lport, mss, sack_perm, 0);
}

static inline int tun_connect(struct tun_peer *t, struct tun_conn *c,
			      uint16_t lport, uint16_t mss)
{
	return tun_connect_sack(t, c, lport, mss, 0);
}

#endif /* XTCP_TUN_H */
