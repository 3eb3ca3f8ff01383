// SPDX-License-Identifier: GPL-2.0
/*
 * fsm.c - the connection state machine of RFC 9293 §3.3.2 (Figure 5) as one
 * table, so every transition the module makes is checked against it and
 * the whole table is unit-tested in user space.
 */
#include "fsm.h"

#define S(x) XTCP_##x

/* 0 means "no such transition". */
static const u8 xtcp_transitions[XTCP_NR_STATES][XTCP_NR_EVENTS] = {
	[S(CLOSE)] = {
		[XTCP_EV_CONNECT] = S(SYN_SENT),
		[XTCP_EV_LISTEN] = S(LISTEN),
		[XTCP_EV_CLOSE] = S(CLOSE),
		[XTCP_EV_ABORT] = S(CLOSE),
	},
	[S(LISTEN)] = {
		[XTCP_EV_LISTEN] = S(LISTEN),
		[XTCP_EV_RCV_SYN] = S(SYN_RECV),	/* the child's state */
		[XTCP_EV_CLOSE] = S(CLOSE),
		[XTCP_EV_ABORT] = S(CLOSE),
	},
	[S(SYN_SENT)] = {
		[XTCP_EV_RCV_SYN] = S(SYN_RECV),	/* simultaneous open */
		[XTCP_EV_RCV_SYNACK] = S(ESTABLISHED),
		[XTCP_EV_CLOSE] = S(CLOSE),
		[XTCP_EV_ABORT] = S(CLOSE),
	},
	[S(SYN_RECV)] = {
		[XTCP_EV_RCV_ACK] = S(ESTABLISHED),
		/* A SYN-ACK completing a simultaneous open acks our SYN. */
		[XTCP_EV_RCV_SYNACK] = S(ESTABLISHED),
		[XTCP_EV_RCV_FIN] = S(CLOSE_WAIT),
		[XTCP_EV_CLOSE] = S(FIN_WAIT1),
		[XTCP_EV_ABORT] = S(CLOSE),
	},
	[S(ESTABLISHED)] = {
		[XTCP_EV_RCV_FIN] = S(CLOSE_WAIT),
		[XTCP_EV_CLOSE] = S(FIN_WAIT1),
		[XTCP_EV_ABORT] = S(CLOSE),
	},
	[S(FIN_WAIT1)] = {
		[XTCP_EV_RCV_ACK] = S(FIN_WAIT2),
		[XTCP_EV_RCV_FIN] = S(CLOSING),	/* simultaneous close */
		[XTCP_EV_ABORT] = S(CLOSE),
	},
	[S(FIN_WAIT2)] = {
		[XTCP_EV_RCV_FIN] = S(TIME_WAIT),
		[XTCP_EV_TIMEOUT] = S(CLOSE),
		[XTCP_EV_ABORT] = S(CLOSE),
	},
	[S(CLOSING)] = {
		[XTCP_EV_RCV_ACK] = S(TIME_WAIT),
		[XTCP_EV_ABORT] = S(CLOSE),
	},
	[S(TIME_WAIT)] = {
		[XTCP_EV_TIMEOUT] = S(CLOSE),
		[XTCP_EV_ABORT] = S(CLOSE),
	},
	[S(CLOSE_WAIT)] = {
		[XTCP_EV_CLOSE] = S(LAST_ACK),
		[XTCP_EV_ABORT] = S(CLOSE),
	},
	[S(LAST_ACK)] = {
		[XTCP_EV_RCV_ACK] = S(CLOSE),
		[XTCP_EV_ABORT] = S(CLOSE),
	},
};

#undef S

/**
 * xtcp_fsm_next() - the state a connection in @state enters on @ev.
 * @state: current state (tcp_states.h numbering).
 * @ev: the event.
 *
 * Return: the next state, or -EINVAL if RFC 9293 has no such transition;
 * the caller treats that as a bug in its own event classification.
 */
int xtcp_fsm_next(int state, enum xtcp_event ev)
{
	if (state <= 0 || state >= XTCP_NR_STATES ||
	    (int)ev < 0 || ev >= XTCP_NR_EVENTS)
		return -EINVAL;
	return xtcp_transitions[state][ev] ?: -EINVAL;
}

static const char *const xtcp_state_names[XTCP_NR_STATES] = {
	[XTCP_ESTABLISHED] = "ESTABLISHED",
	[XTCP_SYN_SENT] = "SYN_SENT",
	[XTCP_SYN_RECV] = "SYN_RECV",
	[XTCP_FIN_WAIT1] = "FIN_WAIT1",
	[XTCP_FIN_WAIT2] = "FIN_WAIT2",
	[XTCP_TIME_WAIT] = "TIME_WAIT",
	[XTCP_CLOSE] = "CLOSE",
	[XTCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[XTCP_LAST_ACK] = "LAST_ACK",
	[XTCP_LISTEN] = "LISTEN",
	[XTCP_CLOSING] = "CLOSING",
};

/** xtcp_state_name() - printable name of @state, "?" if out of range. */
const char *xtcp_state_name(int state)
{
	if (state <= 0 || state >= XTCP_NR_STATES)
		return "?";
	return xtcp_state_names[state];
}

/**
 * xtcp_state_can_send() - the application may still queue data: the
 * connection is established and we have not sent FIN.
 * @state: a TCP_* state.
 *
 * Return: true in ESTABLISHED and CLOSE_WAIT.
 */
bool xtcp_state_can_send(int state)
{
	return state == XTCP_ESTABLISHED || state == XTCP_CLOSE_WAIT;
}

/**
 * xtcp_state_fin_received() - the peer's FIN has been consumed, so reads
 * return 0 once the receive queue is drained.
 * @state: a TCP_* state.
 *
 * Return: true in CLOSE_WAIT, LAST_ACK, CLOSING and TIME_WAIT.
 */
bool xtcp_state_fin_received(int state)
{
	return state == XTCP_CLOSE_WAIT || state == XTCP_LAST_ACK ||
	       state == XTCP_CLOSING || state == XTCP_TIME_WAIT;
}
