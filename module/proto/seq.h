/* SPDX-License-Identifier: GPL-2.0 */
/*
 * seq.h - sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4).
 *
 * Comparisons are valid while the two numbers are less than 2^31 apart,
 * which the window limits of RFC 7323 §2.3 guarantee.
 */
#ifndef XTCP_PROTO_SEQ_H
#define XTCP_PROTO_SEQ_H

#include "types.h"

/** xtcp_seq_before() - true if @a comes strictly before @b. */
static inline bool xtcp_seq_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

/** xtcp_seq_after() - true if @a comes strictly after @b. */
static inline bool xtcp_seq_after(u32 a, u32 b)
{
	return xtcp_seq_before(b, a);
}

/** xtcp_seq_leq() - true if @a is @b or comes before it. */
static inline bool xtcp_seq_leq(u32 a, u32 b)
{
	return !xtcp_seq_after(a, b);
}

/** xtcp_seq_geq() - true if @a is @b or comes after it. */
static inline bool xtcp_seq_geq(u32 a, u32 b)
{
	return !xtcp_seq_before(a, b);
}

/**
 * xtcp_seq_in() - true if @low <= @seq < @high in sequence space.
 * An empty range (@low == @high) contains nothing.
 * @seq: the sequence number tested.
 * @low: first sequence number of the range.
 * @high: first sequence number after the range.
 *
 * Return: true if @seq is in [@low, @high).
 */
static inline bool xtcp_seq_in(u32 seq, u32 low, u32 high)
{
	return seq - low < high - low;
}

#endif /* XTCP_PROTO_SEQ_H */
