// SPDX-License-Identifier: GPL-2.0
/*
 * cookie.c - the layout of xtcp's SYN cookies. Shared with the user-space
 * unit tests.
 *
 * A cookie is the ISN of a SYN-ACK for which the listener kept nothing
 * (its SYN queue was full, or net.xtcp.syncookies is 2). The final ACK
 * brings it back as its acknowledgment number less one, and from it alone
 * the connection is made. From the most significant bit:
 *
 *   2 bits   the clock tick (a minute) it was made in, modulo 4
 *   2 bits   the peer's MSS, as an index into a table of four (as Linux)
 *   4 bits   the peer's window scale, 15 for none
 *   1 bit    the peer's SACK-permitted
 *  23 bits   a MAC: a keyed hash (SipHash, secret per namespace) of the
 *            4-tuple, the peer's ISN, the full clock tick and the 7
 *            option bits, cut to 23 bits
 *
 * Unlike Linux, whose cookie carries only the MSS and leaves the other
 * options to the timestamp option (so they are lost without timestamps),
 * the window scale and SACK-permitted are in the cookie itself, as in
 * FreeBSD's syncookies. The price is hash strength: a forged final ACK
 * passes with probability 2^-23 (one in 8.4 million) per try, where
 * Linux's 24-bit hash gives 2^-24; the clock bits pick one tick, so a
 * guess cannot be tried against several. The MAC covers the option bits,
 * so they cannot be changed either. A cookie is accepted in the tick it
 * was made and the next two (2-3 minutes, Linux's MAX_SYNCOOKIE_AGE).
 *
 * When the SYN had timestamps (and the SYN-ACK echoed them), the window
 * scale and SACK-permitted ride in the SYN-ACK's TSval instead, as in
 * Linux (timestamp.c), and come back in the final ACK's TSecr; their 5
 * bits of the ISN then belong to the MAC, which grows to 28 bits. The MAC
 * still covers the options, and a flag that says which layout was used,
 * so neither can be changed in flight. A forger picks the layout itself
 * (timestamps in its ACK or not), so against forgery the bound stays the
 * 23-bit one, 2^-23 a try.
 */
#include "cookie.h"

#define XTCP_COOKIE_SACK_SHIFT	XTCP_COOKIE_MAC_BITS
#define XTCP_COOKIE_WSCALE_SHIFT \
	(XTCP_COOKIE_SACK_SHIFT + XTCP_COOKIE_SACK_BITS)
#define XTCP_COOKIE_MSS_SHIFT \
	(XTCP_COOKIE_WSCALE_SHIFT + XTCP_COOKIE_WSCALE_BITS)
#define XTCP_COOKIE_CLOCK_SHIFT \
	(XTCP_COOKIE_MSS_SHIFT + XTCP_COOKIE_MSS_BITS)
#define XTCP_COOKIE_CLOCK_MASK	((1U << XTCP_COOKIE_CLOCK_BITS) - 1)

/* Linux's msstab: the common MSS values of IPv4 paths. */
static const u16 xtcp_cookie_mss_table[XTCP_COOKIE_NR_MSS] = {
	536, 1300, 1440, 1460,
};

/**
 * xtcp_cookie_mss_index() - the table entry a peer's MSS is rounded down to.
 * @mss: the MSS option of the SYN (536 if it had none).
 *
 * Return: the index; 0 (536) for anything smaller than the table.
 */
u8 xtcp_cookie_mss_index(u16 mss)
{
	u8 i;

	for (i = XTCP_COOKIE_NR_MSS - 1; i > 0; i--)
		if (mss >= xtcp_cookie_mss_table[i])
			break;
	return i;
}

/**
 * xtcp_cookie_mss() - the MSS an index stands for.
 * @idx: from the cookie; taken modulo the table size.
 *
 * Return: the MSS.
 */
u16 xtcp_cookie_mss(u8 idx)
{
	return xtcp_cookie_mss_table[idx % XTCP_COOKIE_NR_MSS];
}

/**
 * xtcp_cookie_opt_bits() - the option bits of a cookie, as the MAC covers
 * them.
 * @o: the options.
 *
 * Return: MSS index, window scale and SACK bit in the low 7 bits, and
 * bit 7 set for the timestamp layout.
 */
u32 xtcp_cookie_opt_bits(const struct xtcp_cookie_opts *o)
{
	u32 ws = o->wscale > 14 ? XTCP_COOKIE_NO_WSCALE : o->wscale;

	return (o->ts ? 0x80U : 0) |
	       (u32)(o->mss_idx % XTCP_COOKIE_NR_MSS) << 5 | ws << 1 |
	       (o->sack_ok ? 1 : 0);
}

/**
 * xtcp_cookie_pack() - the cookie for a SYN.
 * @mac: the keyed hash of the SYN, its clock tick and option bits (only
 *	the low XTCP_COOKIE_MAC_BITS are used).
 * @clock: the clock tick now.
 * @o: what the SYN offered.
 *
 * Return: the ISN for the SYN-ACK.
 */
u32 xtcp_cookie_pack(u32 mac, u32 clock, const struct xtcp_cookie_opts *o)
{
	u32 c = (clock & XTCP_COOKIE_CLOCK_MASK) << XTCP_COOKIE_CLOCK_SHIFT;

	if (o->ts)
		return c | (u32)(o->mss_idx % XTCP_COOKIE_NR_MSS) <<
			   XTCP_COOKIE_MSS_SHIFT |
		       (mac & XTCP_COOKIE_TS_MAC_MASK);
	return c | (xtcp_cookie_opt_bits(o) & 0x7f) << XTCP_COOKIE_SACK_SHIFT |
	       (mac & XTCP_COOKIE_MAC_MASK);
}

/**
 * xtcp_cookie_unpack() - read a cookie back, before its MAC is checked.
 * @cookie: the final ACK's acknowledgment number less one.
 * @now_clock: the clock tick now.
 * @clock: set to the full tick the cookie was made in.
 * @o: set to the options it carries; the caller sets @o->ts first, and
 *	with it @o->wscale and @o->sack_ok (from the TSecr) are left alone.
 *
 * Return: false if it is older than XTCP_COOKIE_MAX_AGE ticks.
 */
bool xtcp_cookie_unpack(u32 cookie, u32 now_clock, u32 *clock,
			struct xtcp_cookie_opts *o)
{
	u32 age = (now_clock - (cookie >> XTCP_COOKIE_CLOCK_SHIFT)) &
		  XTCP_COOKIE_CLOCK_MASK;

	if (age > XTCP_COOKIE_MAX_AGE)
		return false;
	*clock = now_clock - age;
	o->mss_idx = (cookie >> XTCP_COOKIE_MSS_SHIFT) &
		     ((1U << XTCP_COOKIE_MSS_BITS) - 1);
	if (o->ts)
		return true;
	o->wscale = (cookie >> XTCP_COOKIE_WSCALE_SHIFT) &
		    ((1U << XTCP_COOKIE_WSCALE_BITS) - 1);
	o->sack_ok = (cookie >> XTCP_COOKIE_SACK_SHIFT) & 1;
	return true;
}

/**
 * xtcp_cookie_mac_ok() - does the cookie carry this MAC?
 * @cookie: the cookie.
 * @mac: the keyed hash recomputed from the ACK and xtcp_cookie_unpack()'s
 *	tick and options.
 * @ts: the cookie has the timestamp layout (a 28-bit MAC).
 *
 * Return: true if the MAC bits match.
 */
bool xtcp_cookie_mac_ok(u32 cookie, u32 mac, bool ts)
{
	u32 mask = ts ? XTCP_COOKIE_TS_MAC_MASK : XTCP_COOKIE_MAC_MASK;

	return ((cookie ^ mac) & mask) == 0;
}
