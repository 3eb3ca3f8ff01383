/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fsm.h - the RFC 9293 §3.3.2 connection state machine as a table.
 *
 * States use the numbering of include/net/tcp_states.h, because generic
 * inet code (inet_stream_connect(), inet_shutdown(), inet_accept()) and
 * /proc/net/tcp's format read sk_state with those values; the kernel build
 * checks the equality with BUILD_BUG_ON (module/main.c).
 */
#ifndef XTCP_PROTO_FSM_H
#define XTCP_PROTO_FSM_H

#include "types.h"

enum xtcp_state {
	XTCP_ESTABLISHED = 1,
	XTCP_SYN_SENT,
	XTCP_SYN_RECV,
	XTCP_FIN_WAIT1,
	XTCP_FIN_WAIT2,
	XTCP_TIME_WAIT,
	XTCP_CLOSE,
	XTCP_CLOSE_WAIT,
	XTCP_LAST_ACK,
	XTCP_LISTEN,
	XTCP_CLOSING,
	XTCP_NR_STATES,
};

/**
 * enum xtcp_event - what can move a connection between states.
 * @XTCP_EV_CONNECT: active open; a SYN is sent.
 * @XTCP_EV_LISTEN: passive open.
 * @XTCP_EV_RCV_SYN: a SYN without ACK arrived (a listener's child is born
 *	in SYN_RECV; in SYN_SENT this is a simultaneous open).
 * @XTCP_EV_RCV_SYNACK: an acceptable SYN-ACK arrived in SYN_SENT.
 * @XTCP_EV_RCV_ACK: an ACK acknowledged our SYN or our FIN.
 * @XTCP_EV_RCV_FIN: the peer's FIN was accepted in sequence.
 * @XTCP_EV_CLOSE: the application closed or shut down writing; a FIN is
 *	queued where one is due.
 * @XTCP_EV_TIMEOUT: 2MSL ran out in TIME_WAIT, or FIN_WAIT2 timed out.
 * @XTCP_EV_ABORT: RST received or sent, retransmissions exhausted, or the
 *	socket was torn down.
 * @XTCP_NR_EVENTS: number of events.
 */
enum xtcp_event {
	XTCP_EV_CONNECT,
	XTCP_EV_LISTEN,
	XTCP_EV_RCV_SYN,
	XTCP_EV_RCV_SYNACK,
	XTCP_EV_RCV_ACK,
	XTCP_EV_RCV_FIN,
	XTCP_EV_CLOSE,
	XTCP_EV_TIMEOUT,
	XTCP_EV_ABORT,
	XTCP_NR_EVENTS,
};

int xtcp_fsm_next(int state, enum xtcp_event ev);
const char *xtcp_state_name(int state);
bool xtcp_state_can_send(int state);
bool xtcp_state_fin_received(int state);

#endif /* XTCP_PROTO_FSM_H */
