// SPDX-License-Identifier: GPL-2.0
/*
 * segment.c - sequence, acknowledgment and window tests for arriving
 * segments. Shared by xtcp.ko and the user-space unit tests.
 */
#include "segment.h"
#include "seq.h"

/**
 * xtcp_seq_acceptable() - RFC 9293 §3.10.7.4 first check ("segment
 * acceptability"), the four-case table on SEG.LEN and RCV.WND, with one
 * widening Linux makes too (tcp_in_window(), tcp_sequence()): a segment
 * without text may sit at the window's right edge. A peer that filled
 * the window sends its bare ACKs there; refused, they carry no ACK, and
 * two full directions each missing data deadlock.
 * @seq: SEG.SEQ.
 * @seg_len: SEG.LEN, counting SYN and FIN as one octet each.
 * @rcv_nxt: RCV.NXT.
 * @rcv_wnd: RCV.WND currently offered.
 *
 * Return: true if any part of the segment falls in the receive window
 * (for a segment without text: if it lies within it or at its edge).
 */
bool xtcp_seq_acceptable(u32 seq, u32 seg_len, u32 rcv_nxt, u32 rcv_wnd)
{
	u32 wnd_end = rcv_nxt + rcv_wnd;

	if (seg_len == 0)
		return (u32)(seq - rcv_nxt) <= rcv_wnd;
	if (rcv_wnd == 0)
		return false;
	return xtcp_seq_in(seq, rcv_nxt, wnd_end) ||
	       xtcp_seq_in(seq + seg_len - 1, rcv_nxt, wnd_end);
}

/**
 * xtcp_rst_check() - RFC 5961 §3.2 test of an arriving RST.
 * @seq: SEG.SEQ of the RST.
 * @rcv_nxt: RCV.NXT.
 * @rcv_wnd: RCV.WND.
 *
 * Return: whether to reset, challenge or drop.
 */
enum xtcp_rst_verdict xtcp_rst_check(u32 seq, u32 rcv_nxt, u32 rcv_wnd)
{
	if (seq == rcv_nxt)
		return XTCP_RST_ACCEPT;
	if (xtcp_seq_in(seq, rcv_nxt, rcv_nxt + rcv_wnd))
		return XTCP_RST_CHALLENGE;
	return XTCP_RST_DROP;
}

/**
 * xtcp_ack_check() - classify SEG.ACK against SND.UNA and SND.NXT.
 * @ack: SEG.ACK.
 * @snd_una: oldest unacknowledged sequence number.
 * @snd_nxt: next sequence number to be sent.
 *
 * Return: see &enum xtcp_ack_verdict.
 */
enum xtcp_ack_verdict xtcp_ack_check(u32 ack, u32 snd_una, u32 snd_nxt)
{
	if (xtcp_seq_before(ack, snd_una))
		return XTCP_ACK_OLD;
	if (xtcp_seq_after(ack, snd_nxt))
		return XTCP_ACK_FUTURE;
	return XTCP_ACK_OK;
}

/**
 * xtcp_window_update_ok() - RFC 9293 §3.10.7.4: take SEG.WND only from a
 * segment at least as new as the one that last set it, so that reordered
 * old segments cannot shrink the send window; and, as Linux
 * (tcp_may_update_window()), from every segment that acknowledges new
 * data, whatever its SEQ. The window is counted from SND.UNA, so one kept
 * while SND.UNA moves on moves its right edge past the peer's: a
 * retransmission of old data that acknowledges ours would otherwise let us
 * send beyond the window, and the peer drop what we send, ACKs included.
 * @seq: SEG.SEQ.
 * @ack: SEG.ACK.
 * @wl1: SND.WL1, the sequence number of the last window update.
 * @wl2: SND.WL2, the acknowledgment number of the last window update.
 * @snd_una: SND.UNA before this segment.
 *
 * Return: true if SND.WND may be updated from this segment.
 */
bool xtcp_window_update_ok(u32 seq, u32 ack, u32 wl1, u32 wl2, u32 snd_una)
{
	return xtcp_seq_after(ack, snd_una) || xtcp_seq_before(wl1, seq) ||
	       (wl1 == seq && xtcp_seq_leq(wl2, ack));
}

/**
 * xtcp_select_window() - the receive window to advertise.
 * @free_space: bytes the receive buffer can still take.
 * @cur_wnd: what remains of the last advertised window
 *	(RCV.WUP + RCV.WND - RCV.NXT); the new right edge may not move left
 *	of the old one (RFC 9293 §3.8.6, "shrinking the window").
 * @sws_threshold: receiver silly-window avoidance (RFC 9293 §3.8.6.2.2):
 *	the window is only opened by at least this much, normally
 *	min(MSS, buffer / 2).
 * @max_wnd: largest window the header can carry (65535 unscaled).
 *
 * Return: the window to put in the next segment.
 */
u32 xtcp_select_window(u32 free_space, u32 cur_wnd, u32 sws_threshold,
		       u32 max_wnd)
{
	u32 wnd = min(free_space, max_wnd);

	if (wnd <= cur_wnd)
		return cur_wnd;
	if (wnd - cur_wnd < sws_threshold && wnd != max_wnd)
		return cur_wnd;
	return wnd;
}

/**
 * xtcp_window_round() - a window as a scaled field can say it: rounded up
 * to a multiple of 1 << @shift, since rounding down could move the right
 * edge left (RFC 7323 §2.4), and at most 65535 << @shift.
 * @wnd: the window in bytes.
 * @shift: our window scale, 0-14.
 *
 * Return: the window to advertise; @wnd >> @shift is its field.
 */
u32 xtcp_window_round(u32 wnd, u8 shift)
{
	u32 max = 65535U << shift;
	u64 up = ((u64)wnd + (1U << shift) - 1) & ~(u64)((1U << shift) - 1);

	return up > max ? max : (u32)up;
}

/**
 * xtcp_tw_syn_reopens() - may a SYN arriving in TIME_WAIT start a new
 * incarnation of the connection? RFC 1122 §4.2.2.13 allows it when the SYN
 * cannot belong to the old one: its sequence number lies beyond
 * everything the old connection received. Otherwise it may be an old
 * duplicate and gets the usual ACK (RFC 9293 §3.10.7.4).
 * @seq: SEG.SEQ of a SYN without ACK, RST or FIN.
 * @rcv_nxt: RCV.NXT of the TIME_WAIT connection.
 *
 * Return: true if the TIME_WAIT may end and a listener take the SYN.
 */
bool xtcp_tw_syn_reopens(u32 seq, u32 rcv_nxt)
{
	return xtcp_seq_after(seq, rcv_nxt);
}

/**
 * xtcp_tw_reopen_iss() - the ISS of a connection that reopens a TIME_WAIT
 * whose SND.NXT was @snd_nxt: above everything the old incarnation sent
 * by more than any window it could have had, so no old segment can look
 * like new data (RFC 1122 §4.2.2.13, condition 1).
 * @snd_nxt: SND.NXT of the TIME_WAIT connection.
 *
 * Return: @snd_nxt + XTCP_TW_REOPEN_GAP.
 */
u32 xtcp_tw_reopen_iss(u32 snd_nxt)
{
	return snd_nxt + XTCP_TW_REOPEN_GAP;
}
