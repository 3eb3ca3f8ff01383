// SPDX-License-Identifier: GPL-2.0
/*
 * isn.c - initial sequence numbers per RFC 6528: a keyed hash of the
 * 4-tuple (SipHash, with a secret chosen at first use) plus a clock.
 * The kernel's secure_tcp_seq() is not exported to modules.
 */
#include <linux/ktime.h>
#include <linux/net.h>
#include <linux/siphash.h>

#include "xtcp.h"
#include "proto/timeout.h"

static siphash_aligned_key_t xtcp_isn_secret;

/**
 * xtcp_new_isn() - ISN for the connection from @saddr:@sport to
 * @daddr:@dport (addresses and ports in network order, as on the wire).
 * @saddr: our address.
 * @daddr: the peer's address.
 * @sport: our port.
 * @dport: the peer's port.
 *
 * Return: the initial send sequence number (RFC 6528, see xtcp_isn()).
 */
u32 xtcp_new_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	u32 hash;

	net_get_random_once(&xtcp_isn_secret, sizeof(xtcp_isn_secret));
	hash = siphash_3u32((__force u32)saddr, (__force u32)daddr,
			    (__force u32)sport << 16 | (__force u32)dport,
			    &xtcp_isn_secret);
	return xtcp_isn(hash, ktime_get_real_ns());
}
