/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timestamp.h - the rules of the TCP timestamp option (RFC 7323 §3-5) and
 * of SYN cookie options carried in a timestamp value. Pure logic: clocks
 * and sequence numbers in, verdicts out; the caller owns the socket.
 */
#ifndef XTCP_PROTO_TIMESTAMP_H
#define XTCP_PROTO_TIMESTAMP_H

#include "types.h"
#include "cookie.h"

/* RFC 7323 §5.5: TS.Recent older than 24 days no longer judges (seconds). */
#define XTCP_PAWS_IDLE_SECS	(24 * 24 * 60 * 60)
/* Timestamp ticks a segment may lag TS.Recent and still pass PAWS. */
#define XTCP_PAWS_WINDOW	1
/* Low bits of a cookie SYN-ACK's TSval that carry the SYN's options. */
#define XTCP_TS_COOKIE_BITS	6
#define XTCP_TS_COOKIE_MASK	((1U << XTCP_TS_COOKIE_BITS) - 1)
#define XTCP_TS_COOKIE_WSCALE	0xfU	/* bits 0-3: window scale, 15 = none */
#define XTCP_TS_COOKIE_SACK	0x10U	/* bit 4: SACK-permitted */
#define XTCP_TS_COOKIE_ECN	0x20U	/* bit 5: ECN (never set: no ECN yet) */

/**
 * struct xtcp_ts_recent - what a connection remembers of the peer's
 * timestamps (RFC 7323 §4.3).
 * @val: TS.Recent, the peer's TSval to echo.
 * @stamp: when @val was taken, in seconds of a monotonic clock.
 */
struct xtcp_ts_recent {
	u32 val;
	u32 stamp;
};

u32 xtcp_ts_now(u32 clock_ms, u32 offset);
bool xtcp_ts_should_update(const struct xtcp_ts_recent *r, u32 seq,
			   u32 last_ack_sent, u32 tsval, u32 now_secs);
void xtcp_ts_update(struct xtcp_ts_recent *r, u32 tsval, u32 now_secs);
bool xtcp_paws_reject(const struct xtcp_ts_recent *r, u32 tsval,
		      u32 now_secs, bool rst);
u32 xtcp_ts_cookie_encode(u32 ts_now, const struct xtcp_cookie_opts *o);
bool xtcp_tw_syn_reopens_ts(const struct xtcp_ts_recent *r, u32 tsval,
			    u32 now_secs, u32 seq, u32 rcv_nxt);
bool xtcp_tw_reuse_ok(u8 mode, bool loopback, bool port_bound,
		      const struct xtcp_ts_recent *r, u32 now_secs);
bool xtcp_ts_cookie_decode(u32 tsecr, u32 ts_now, u32 max_age,
			   struct xtcp_cookie_opts *o);

#endif /* XTCP_PROTO_TIMESTAMP_H */
