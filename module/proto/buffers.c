// SPDX-License-Identifier: GPL-2.0
/*
 * buffers.c - socket buffer arithmetic. Shared by xtcp.ko and the
 * user-space unit tests.
 */
#include "buffers.h"

/**
 * xtcp_sndbuf_wakes() - is there room enough in the send buffer to wake
 * writers? Once at least a third of it is free, so that they do not wake
 * for every ACK (Linux's sk_stream_write_space() rule).
 * @queued: bytes the write queue holds (sk_wmem_queued).
 * @sndbuf: the send buffer (sk_sndbuf), up to INT_MAX.
 *
 * Return: true if @queued is at most two thirds of @sndbuf.
 */
bool xtcp_sndbuf_wakes(int queued, int sndbuf)
{
	return (s64)queued * 3 <= (s64)sndbuf * 2;
}

/**
 * xtcp_backlog_limit() - how much a socket's backlog may hold while its
 * owner runs: both buffers and @headroom, at most U32_MAX.
 * @rcvbuf: sk_rcvbuf.
 * @sndbuf: sk_sndbuf.
 * @headroom: room beyond the buffers (a listener's backlog holds SYNs,
 *	which need no receive buffer).
 *
 * Return: the limit for sk_add_backlog().
 */
u32 xtcp_backlog_limit(int rcvbuf, int sndbuf, u32 headroom)
{
	u64 limit = (u64)(rcvbuf > 0 ? rcvbuf : 0) +
		    (u64)(sndbuf > 0 ? sndbuf : 0) + headroom;

	return limit > 0xffffffffULL ? 0xffffffffU : (u32)limit;
}

/**
 * xtcp_rcv_wscale() - the window scale to offer on a SYN (RFC 7323
 * §2.2-2.3): the smallest shift that lets the 16-bit window field say
 * @space, at most 14. As Linux, @space is the most the receive buffer may
 * ever grow to (the larger of net.core.rmem_max and rmem[2], within
 * TCP_WINDOW_CLAMP), so the scale chosen once at the handshake suffices
 * for every later window.
 * @space: the largest receive window this connection may ever offer.
 *
 * Return: the shift, 0-14.
 */
u8 xtcp_rcv_wscale(u32 space)
{
	u8 shift = 0;

	while (shift < 14 && (space >> shift) > 0xffff)
		shift++;
	return shift;
}

/**
 * xtcp_drs_rcvbuf() - receive-buffer autotuning: the buffer for a reader
 * that took @copied bytes in one RTT. Room for twice that (the sender may
 * double its window in the next RTT) and sixteen segments more; in
 * memory, at least twice the window (the window offered is half the free
 * buffer) and at least what that many segments cost (@truesize each).
 * @copied: bytes read in the last RTT.
 * @mss: our MSS (the peer's segments are about that big).
 * @truesize: the memory one such segment is charged.
 * @cap: net.xtcp.rmem[2].
 *
 * Return: the buffer size in bytes, at most @cap (and INT_MAX).
 */
int xtcp_drs_rcvbuf(u32 copied, u32 mss, u32 truesize, int cap)
{
	u64 win = 2ULL * copied + 16ULL * mss;
	u64 segs = mss ? (win + mss - 1) / mss : 0;
	u64 buf = 2 * win;

	if (segs * truesize > buf)
		buf = segs * truesize;
	if (cap < 0)
		cap = 0;
	return buf > (u64)cap ? cap : (int)buf;
}
