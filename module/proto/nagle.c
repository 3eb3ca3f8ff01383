// SPDX-License-Identifier: GPL-2.0
/*
 * nagle.c - Nagle's algorithm as Linux's TCP does it. Compiled into
 * xtcp.ko and, unchanged, into the unit tests (selftests/unit/test_nagle.c).
 *
 * RFC 896 holds a small segment back while anything sent is unacknowledged.
 * Minshall's variant (Linux's) holds it back only while an earlier *small*
 * segment is unacknowledged: a request that ends in a partial segment after
 * full ones goes at once instead of waiting a round trip (or a delayed ACK)
 * for the full ones' ACK. The sender remembers the end of the last small
 * segment it sent (snd_sml).
 */
#include "nagle.h"
#include "seq.h"

/**
 * xtcp_nagle_hold() - must the last segment of the write queue, not yet
 * sent, wait for more data?
 * @len: its payload bytes.
 * @mss: the current MSS; a segment of @mss bytes or more always goes.
 * @mode: XTCP_NAGLE_* bits: TCP_NODELAY, TCP_CORK / MSG_MORE, a push.
 * @fin: it carries our FIN, after which no more data comes.
 * @snd_sml: end of the last small segment sent.
 * @snd_una: SND.UNA.
 * @snd_nxt: SND.NXT.
 *
 * A cork holds a partial segment whatever is in flight (TCP_CORK wins over
 * TCP_NODELAY, as in Linux); the caller sends it after a while anyway.
 *
 * Return: true to hold it back.
 */
bool xtcp_nagle_hold(u32 len, u32 mss, unsigned int mode, bool fin,
		     u32 snd_sml, u32 snd_una, u32 snd_nxt)
{
	if (len >= mss || fin || (mode & XTCP_NAGLE_PUSH))
		return false;
	if (mode & XTCP_NAGLE_CORK)
		return true;
	if (mode & XTCP_NAGLE_OFF)
		return false;
	/* Minshall: a small segment is still unacknowledged. */
	return snd_una != snd_nxt && xtcp_seq_after(snd_sml, snd_una) &&
	       !xtcp_seq_after(snd_sml, snd_nxt);
}

/**
 * xtcp_nagle_sent() - a segment of new data went out: the end of the last
 * small one, updated.
 * @snd_sml: the value so far.
 * @len: the segment's payload bytes.
 * @mss: the current MSS.
 * @end_seq: the sequence number after the segment.
 *
 * Return: @end_seq if the segment was small, else @snd_sml.
 */
u32 xtcp_nagle_sent(u32 snd_sml, u32 len, u32 mss, u32 end_seq)
{
	return len < mss ? end_seq : snd_sml;
}
