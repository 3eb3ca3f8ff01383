// SPDX-License-Identifier: GPL-2.0
/*
 * sack.c - checking a received SACK option before the scoreboard believes
 * it. A peer may send anything: blocks beyond what we sent, empty or
 * reversed ones, blocks below the cumulative ACK. Only what could be true
 * reaches the write queue, so a hostile SACK can neither free nor skip
 * data the peer never had.
 */
#include "sack.h"
#include "seq.h"

/*
 * RFC 2883 §4: the first block reports a duplicate if it lies below the
 * cumulative ACK, or inside the second block.
 */
static bool xtcp_first_is_dsack(const struct xtcp_sack_block *in,
				unsigned int n, u32 ack)
{
	if (xtcp_seq_before(in[0].start, ack))
		return true;
	return n > 1 && xtcp_seq_geq(in[0].start, in[1].start) &&
	       xtcp_seq_leq(in[0].end, in[1].end);
}

/**
 * xtcp_sack_view() - sort out the SACK blocks of one ACK.
 * @in: the blocks in the order they arrived.
 * @n: how many (at most XTCP_MAX_SACK_BLOCKS are looked at).
 * @ack: the segment's acknowledgment number.
 * @snd_una: the oldest unacknowledged sequence number, after this ACK.
 * @snd_nxt: the next sequence number we would send.
 * @out: set to the D-SACK, if any, and the believable blocks: start before
 *	end, nothing beyond @snd_nxt, cut to begin at @snd_una at the
 *	earliest (what lies below is acknowledged already), ascending.
 *
 * A D-SACK block is reported only if it is well formed and lies below
 * @snd_nxt; it never counts as a SACK of anything.
 */
void xtcp_sack_view(const struct xtcp_sack_block *in, unsigned int n,
		    u32 ack, u32 snd_una, u32 snd_nxt,
		    struct xtcp_sack_view *out)
{
	unsigned int i, j;

	memset(out, 0, sizeof(*out));
	if (n > XTCP_MAX_SACK_BLOCKS)
		n = XTCP_MAX_SACK_BLOCKS;
	for (i = 0; i < n; i++) {
		struct xtcp_sack_block b = in[i];

		if (!xtcp_seq_before(b.start, b.end) ||
		    xtcp_seq_after(b.end, snd_nxt))
			continue;
		if (i == 0 && xtcp_first_is_dsack(in, n, ack)) {
			out->dsack = true;
			out->dup = b;
			continue;
		}
		if (!xtcp_seq_after(b.end, snd_una))
			continue;
		if (xtcp_seq_before(b.start, snd_una))
			b.start = snd_una;
		/* insertion sort by start: at most four blocks */
		for (j = out->nr; j > 0 &&
		     xtcp_seq_after(out->blocks[j - 1].start, b.start); j--)
			out->blocks[j] = out->blocks[j - 1];
		out->blocks[j] = b;
		out->nr++;
	}
}

/**
 * xtcp_sack_covers() - does one of the blocks cover [@start, @end) whole?
 * @v: the checked blocks.
 * @start: first sequence number of a segment.
 * @end: the sequence number after it.
 *
 * Return: true if the segment is SACKed by this ACK.
 */
bool xtcp_sack_covers(const struct xtcp_sack_view *v, u32 start, u32 end)
{
	unsigned int i;

	for (i = 0; i < v->nr; i++)
		if (xtcp_seq_geq(start, v->blocks[i].start) &&
		    xtcp_seq_leq(end, v->blocks[i].end))
			return true;
	return false;
}

/**
 * xtcp_reorder_degree() - the DupThresh to use once a segment sent only
 * once was found delivered below the highest SACKed one: it was not lost,
 * only overtaken (RFC 6675 §2 allows DupThresh to adapt; RFC 4653 and
 * Linux measure it in segments this way).
 * @low: lowest sequence number among the segments this ACK newly showed
 *	delivered (SACKed or cumulatively acknowledged) that were sent once.
 * @fack: the highest SACKed sequence number before this ACK.
 * @mss: the sender's segment size, to turn bytes into segments.
 * @cur: the DupThresh in use.
 * @max: its ceiling (net.xtcp.max_reordering's role).
 *
 * Return: @cur, or if the overtaking spans more than @cur segments, the
 * number it spans (rounded up), never above @max nor below @cur. The
 * caller counts the event whenever @low is before @fack.
 */
u32 xtcp_reorder_degree(u32 low, u32 fack, u32 mss, u32 cur, u32 max)
{
	u64 span;

	if (!mss || !xtcp_seq_before(low, fack))
		return cur;
	span = ((u64)(fack - low) + mss - 1) / mss;
	if (span <= cur)
		return cur;
	return span > max ? max(cur, max) : (u32)span;
}
