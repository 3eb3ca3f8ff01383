/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segment.h - tests a receiver applies to an arriving segment's sequence
 * and acknowledgment numbers (RFC 9293 §3.10.7.4, RFC 5961), and the
 * receive-window choice. Pure logic.
 */
#ifndef XTCP_PROTO_SEGMENT_H
#define XTCP_PROTO_SEGMENT_H

#include "types.h"

/**
 * enum xtcp_rst_verdict - what to do with an arriving RST (RFC 5961 §3.2).
 * @XTCP_RST_DROP: outside the window: silently discard.
 * @XTCP_RST_CHALLENGE: in the window but not exactly RCV.NXT: send a
 *	challenge ACK and discard.
 * @XTCP_RST_ACCEPT: exactly RCV.NXT: reset the connection.
 */
enum xtcp_rst_verdict {
	XTCP_RST_DROP,
	XTCP_RST_CHALLENGE,
	XTCP_RST_ACCEPT,
};

/**
 * enum xtcp_ack_verdict - classification of SEG.ACK against the send
 * sequence space (RFC 9293 §3.10.7.4, fifth check).
 * @XTCP_ACK_OLD: below SND.UNA: a duplicate, ignore its ACK field.
 * @XTCP_ACK_OK: SND.UNA <= SEG.ACK <= SND.NXT: process it.
 * @XTCP_ACK_FUTURE: beyond SND.NXT: acknowledges data never sent; send an
 *	ACK and drop the segment.
 */
enum xtcp_ack_verdict {
	XTCP_ACK_OLD,
	XTCP_ACK_OK,
	XTCP_ACK_FUTURE,
};

bool xtcp_seq_acceptable(u32 seq, u32 seg_len, u32 rcv_nxt, u32 rcv_wnd);
enum xtcp_rst_verdict xtcp_rst_check(u32 seq, u32 rcv_nxt, u32 rcv_wnd);
enum xtcp_ack_verdict xtcp_ack_check(u32 ack, u32 snd_una, u32 snd_nxt);
bool xtcp_window_update_ok(u32 seq, u32 ack, u32 wl1, u32 wl2, u32 snd_una);
u32 xtcp_window_round(u32 wnd, u8 shift);
u32 xtcp_select_window(u32 free_space, u32 cur_wnd, u32 sws_threshold,
		       u32 max_wnd);

/*
 * How far above the old SND.NXT a connection that reopens a TIME_WAIT
 * starts: twice the largest window without window scaling.
 */
#define XTCP_TW_REOPEN_GAP	(2U << 16)

bool xtcp_tw_syn_reopens(u32 seq, u32 rcv_nxt);
u32 xtcp_tw_reopen_iss(u32 snd_nxt);

#endif /* XTCP_PROTO_SEGMENT_H */
