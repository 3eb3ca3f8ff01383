// SPDX-License-Identifier: GPL-2.0
/*
 * isn.c - initial sequence numbers per RFC 6528: a keyed hash of the
 * 4-tuple (SipHash, with a secret chosen at first use) plus a clock; and
 * the timestamp offset of a connection, another keyed hash of it. The
 * kernel's secure_tcp_seq() and secure_tcp_ts_off() are not exported to
 * modules.
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

static siphash_aligned_key_t xtcp_ts_secret;

/**
 * xtcp_ts_offset() - the offset our TSvals on the connection from
 * @saddr:@sport to @daddr:@dport carry (RFC 7323 §7.1): a keyed hash of
 * the 4-tuple, as in Linux, so a TSval tells nothing of the host's uptime
 * or of other connections, yet is the same for every incarnation of one
 * 4-tuple (RFC 6191 compares them) and can be found again for a SYN
 * cookie's final ACK. 0 with net.xtcp.timestamps 2.
 * @net: the namespace, for its net.xtcp.timestamps.
 * @saddr: our address.
 * @daddr: the peer's address.
 * @sport: our port.
 * @dport: the peer's port.
 *
 * Return: the offset.
 */
u32 xtcp_ts_offset(const struct net *net, __be32 saddr, __be32 daddr,
		   __be16 sport, __be16 dport)
{
	if (READ_ONCE(xtcp_pernet(net)->timestamps) == 2)
		return 0;
	net_get_random_once(&xtcp_ts_secret, sizeof(xtcp_ts_secret));
	return siphash_3u32((__force u32)saddr, (__force u32)daddr,
			    (__force u32)sport << 16 | (__force u32)dport,
			    &xtcp_ts_secret);
}
