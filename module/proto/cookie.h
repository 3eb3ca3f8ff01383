/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cookie.h - the layout of a SYN cookie: what of a SYN the initial
 * sequence number of our SYN-ACK carries when the listener keeps no state
 * for it. Pure logic; the keyed hash itself is the caller's (syncookie.c).
 */
#ifndef XTCP_PROTO_COOKIE_H
#define XTCP_PROTO_COOKIE_H

#include "types.h"

/* Bits of the cookie, from the top: clock, MSS, window scale, SACK, MAC. */
#define XTCP_COOKIE_CLOCK_BITS	2
#define XTCP_COOKIE_MSS_BITS	2
#define XTCP_COOKIE_WSCALE_BITS	4
#define XTCP_COOKIE_SACK_BITS	1
#define XTCP_COOKIE_MAC_BITS	23
#define XTCP_COOKIE_MAC_MASK	((1U << XTCP_COOKIE_MAC_BITS) - 1)
/* With timestamps the window scale and SACK bits are MAC bits too. */
#define XTCP_COOKIE_TS_MAC_BITS	\
	(XTCP_COOKIE_MAC_BITS + XTCP_COOKIE_WSCALE_BITS + XTCP_COOKIE_SACK_BITS)
#define XTCP_COOKIE_TS_MAC_MASK	((1U << XTCP_COOKIE_TS_MAC_BITS) - 1)
/* A cookie is good for the clock tick it was made in and the next two. */
#define XTCP_COOKIE_MAX_AGE	2
/* Window scale value meaning "the SYN offered none". */
#define XTCP_COOKIE_NO_WSCALE	15
#define XTCP_COOKIE_NR_MSS	4

/**
 * struct xtcp_cookie_opts - what of the SYN survives in its cookie.
 * @mss_idx: index into xtcp_cookie_mss(): the largest table MSS not above
 *	the peer's.
 * @wscale: the peer's window scale (0-14), or XTCP_COOKIE_NO_WSCALE.
 * @sack_ok: the peer sent SACK-permitted.
 * @ts: the SYN had timestamps and the SYN-ACK echoed them: @wscale and
 *	@sack_ok ride in the SYN-ACK's TSval (timestamp.h), not in the ISN.
 */
struct xtcp_cookie_opts {
	u8 mss_idx;
	u8 wscale;
	bool sack_ok;
	bool ts;
};

u8 xtcp_cookie_mss_index(u16 mss);
u16 xtcp_cookie_mss(u8 idx);
u32 xtcp_cookie_opt_bits(const struct xtcp_cookie_opts *o);
u32 xtcp_cookie_pack(u32 mac, u32 clock, const struct xtcp_cookie_opts *o);
bool xtcp_cookie_unpack(u32 cookie, u32 now_clock, u32 *clock,
			struct xtcp_cookie_opts *o);
bool xtcp_cookie_mac_ok(u32 cookie, u32 mac, bool ts);

#endif /* XTCP_PROTO_COOKIE_H */
