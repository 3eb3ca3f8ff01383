/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sack.h - the sender's side of SACK that needs no socket: which of a
 * received ACK's SACK blocks to believe (RFC 2018 §3), which one reports a
 * duplicate (D-SACK, RFC 2883 §4), and how many segments are still in the
 * network (RFC 6675 "pipe", counted as Linux does). module/sack.c keeps
 * the scoreboard on the write queue.
 */
#ifndef XTCP_PROTO_SACK_H
#define XTCP_PROTO_SACK_H

#include "types.h"
#include "options.h"

/* RFC 5681 §3.2 / RFC 6675 DupThresh: duplicate ACKs, or SACKed segments
 * above a hole, that declare it lost.
 */
#define XTCP_DUPACK_THRESH	3
/* Linux's tcp_max_reordering default: the most DupThresh may grow to. */
#define XTCP_MAX_REORDERING	300

/**
 * struct xtcp_sack_view - what one ACK's SACK option says, once checked.
 * @nr: valid entries in @blocks.
 * @blocks: the believable blocks, ascending, none below SND.UNA.
 * @dsack: the first block reported a duplicate (RFC 2883).
 * @dup: that block, valid if @dsack.
 */
struct xtcp_sack_view {
	u8 nr;
	struct xtcp_sack_block blocks[XTCP_MAX_SACK_BLOCKS];
	bool dsack;
	struct xtcp_sack_block dup;
};

void xtcp_sack_view(const struct xtcp_sack_block *in, unsigned int n,
		    u32 ack, u32 snd_una, u32 snd_nxt,
		    struct xtcp_sack_view *out);
bool xtcp_sack_covers(const struct xtcp_sack_view *v, u32 start, u32 end);

/**
 * xtcp_in_flight() - segments presumed still in the network (RFC 6675
 * §4 "pipe", in segments as Linux's tcp_packets_in_flight()): those sent
 * and not acknowledged, less those SACKed or presumed lost, plus the
 * retransmissions of lost ones not yet acknowledged.
 * @packets_out: segments sent and not cumulatively acknowledged.
 * @sacked: of those, SACKed (or, without SACK, duplicate ACKs seen).
 * @lost: of those, presumed lost.
 * @retrans: retransmissions still in flight.
 *
 * Return: the estimate, never below 0.
 */
static inline u32 xtcp_in_flight(u32 packets_out, u32 sacked, u32 lost,
				 u32 retrans)
{
	u32 left = sacked + lost < packets_out ? packets_out - sacked - lost : 0;

	return left + retrans;
}

u32 xtcp_reorder_degree(u32 low, u32 fack, u32 mss, u32 cur, u32 max);

#endif /* XTCP_PROTO_SACK_H */
