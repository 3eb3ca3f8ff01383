// SPDX-License-Identifier: GPL-2.0
/*
 * test_fsm.c - the connection state machine of module/proto/fsm.c against
 * an expected table written here, independently, from RFC 9293 §3.3.2
 * Figure 5 and the segment-arrival rules of §3.10.7 (plus Linux's
 * FIN_WAIT2 timeout). Every state x event pair is checked, then whole
 * connection lifetimes are walked: active open and close, passive open,
 * simultaneous open, simultaneous close, half-close.
 */
#include <limits.h>

#include "kselftest_harness.h"
#include "fsm.h"

/*
 * The transitions that exist; every other (state, event) pair must be
 * refused. Events as defined in fsm.h: RCV_FIN is a FIN accepted in
 * sequence (so never twice), RCV_ACK is an ACK of our SYN or FIN.
 */
static const struct {
	int from;
	enum xtcp_event ev;
	int to;
} expected[] = {
	/* Figure 5: CLOSED --passive OPEN--> LISTEN, --active OPEN--> */
	{ XTCP_CLOSE, XTCP_EV_CONNECT, XTCP_SYN_SENT },
	{ XTCP_CLOSE, XTCP_EV_LISTEN, XTCP_LISTEN },
	/* close()/teardown of a closed socket is a no-op, not an error */
	{ XTCP_CLOSE, XTCP_EV_CLOSE, XTCP_CLOSE },
	{ XTCP_CLOSE, XTCP_EV_ABORT, XTCP_CLOSE },

	/* listen() again only changes the backlog */
	{ XTCP_LISTEN, XTCP_EV_LISTEN, XTCP_LISTEN },
	/* rcv SYN, snd SYN,ACK: the child starts in SYN-RECEIVED */
	{ XTCP_LISTEN, XTCP_EV_RCV_SYN, XTCP_SYN_RECV },
	{ XTCP_LISTEN, XTCP_EV_CLOSE, XTCP_CLOSE },
	{ XTCP_LISTEN, XTCP_EV_ABORT, XTCP_CLOSE },

	/* rcv SYN: simultaneous open; rcv SYN,ACK: snd ACK */
	{ XTCP_SYN_SENT, XTCP_EV_RCV_SYN, XTCP_SYN_RECV },
	{ XTCP_SYN_SENT, XTCP_EV_RCV_SYNACK, XTCP_ESTABLISHED },
	{ XTCP_SYN_SENT, XTCP_EV_CLOSE, XTCP_CLOSE },
	{ XTCP_SYN_SENT, XTCP_EV_ABORT, XTCP_CLOSE },

	/* rcv ACK of SYN; a SYN,ACK in a simultaneous open acks it too */
	{ XTCP_SYN_RECV, XTCP_EV_RCV_ACK, XTCP_ESTABLISHED },
	{ XTCP_SYN_RECV, XTCP_EV_RCV_SYNACK, XTCP_ESTABLISHED },
	/* §3.10.7.4 eighth check: SYN-RECEIVED + FIN -> CLOSE-WAIT */
	{ XTCP_SYN_RECV, XTCP_EV_RCV_FIN, XTCP_CLOSE_WAIT },
	/* CLOSE, snd FIN */
	{ XTCP_SYN_RECV, XTCP_EV_CLOSE, XTCP_FIN_WAIT1 },
	{ XTCP_SYN_RECV, XTCP_EV_ABORT, XTCP_CLOSE },

	{ XTCP_ESTABLISHED, XTCP_EV_RCV_FIN, XTCP_CLOSE_WAIT },
	{ XTCP_ESTABLISHED, XTCP_EV_CLOSE, XTCP_FIN_WAIT1 },
	{ XTCP_ESTABLISHED, XTCP_EV_ABORT, XTCP_CLOSE },

	/* rcv ACK of FIN; rcv FIN: simultaneous close */
	{ XTCP_FIN_WAIT1, XTCP_EV_RCV_ACK, XTCP_FIN_WAIT2 },
	{ XTCP_FIN_WAIT1, XTCP_EV_RCV_FIN, XTCP_CLOSING },
	{ XTCP_FIN_WAIT1, XTCP_EV_ABORT, XTCP_CLOSE },

	/* rcv FIN; Linux also gives up on a silent peer (tcp_fin_timeout) */
	{ XTCP_FIN_WAIT2, XTCP_EV_RCV_FIN, XTCP_TIME_WAIT },
	{ XTCP_FIN_WAIT2, XTCP_EV_TIMEOUT, XTCP_CLOSE },
	{ XTCP_FIN_WAIT2, XTCP_EV_ABORT, XTCP_CLOSE },

	/* rcv ACK of FIN */
	{ XTCP_CLOSING, XTCP_EV_RCV_ACK, XTCP_TIME_WAIT },
	{ XTCP_CLOSING, XTCP_EV_ABORT, XTCP_CLOSE },

	/* Timeout = 2 MSL */
	{ XTCP_TIME_WAIT, XTCP_EV_TIMEOUT, XTCP_CLOSE },
	{ XTCP_TIME_WAIT, XTCP_EV_ABORT, XTCP_CLOSE },

	/* CLOSE, snd FIN */
	{ XTCP_CLOSE_WAIT, XTCP_EV_CLOSE, XTCP_LAST_ACK },
	{ XTCP_CLOSE_WAIT, XTCP_EV_ABORT, XTCP_CLOSE },

	/* rcv ACK of FIN */
	{ XTCP_LAST_ACK, XTCP_EV_RCV_ACK, XTCP_CLOSE },
	{ XTCP_LAST_ACK, XTCP_EV_ABORT, XTCP_CLOSE },
};

#define NR_EXPECTED ARRAY_SIZE(expected)

static const char *const ev_names[XTCP_NR_EVENTS] = {
	"CONNECT", "LISTEN", "RCV_SYN", "RCV_SYNACK", "RCV_ACK", "RCV_FIN",
	"CLOSE", "TIMEOUT", "ABORT",
};

static int expected_next(int state, enum xtcp_event ev)
{
	unsigned int i;

	for (i = 0; i < NR_EXPECTED; i++)
		if (expected[i].from == state && expected[i].ev == ev)
			return expected[i].to;
	return -EINVAL;
}

TEST(state_numbers_match_tcp_states_h)
{
	/* /proc/net/xtcp and inet_* helpers rely on these values. */
	EXPECT_EQ(1, XTCP_ESTABLISHED);
	EXPECT_EQ(2, XTCP_SYN_SENT);
	EXPECT_EQ(3, XTCP_SYN_RECV);
	EXPECT_EQ(4, XTCP_FIN_WAIT1);
	EXPECT_EQ(5, XTCP_FIN_WAIT2);
	EXPECT_EQ(6, XTCP_TIME_WAIT);
	EXPECT_EQ(7, XTCP_CLOSE);
	EXPECT_EQ(8, XTCP_CLOSE_WAIT);
	EXPECT_EQ(9, XTCP_LAST_ACK);
	EXPECT_EQ(10, XTCP_LISTEN);
	EXPECT_EQ(11, XTCP_CLOSING);
	EXPECT_EQ(12, XTCP_NR_STATES);
}

TEST(every_state_event_pair)
{
	int state;
	int ev;

	for (state = XTCP_ESTABLISHED; state < XTCP_NR_STATES; state++) {
		for (ev = 0; ev < XTCP_NR_EVENTS; ev++) {
			int want = expected_next(state, ev);

			EXPECT_EQ(want, xtcp_fsm_next(state, ev))
				TH_LOG("%s + %s", xtcp_state_name(state),
				       ev_names[ev]);
		}
	}
}

TEST(expected_table_is_sane)
{
	unsigned int i, j;

	/* No duplicate rows, so "first match" above is "the" match. */
	for (i = 0; i < NR_EXPECTED; i++)
		for (j = i + 1; j < NR_EXPECTED; j++)
			ASSERT_FALSE(expected[i].from == expected[j].from &&
				     expected[i].ev == expected[j].ev);
}

TEST(abort_always_closes)
{
	int state;

	for (state = XTCP_ESTABLISHED; state < XTCP_NR_STATES; state++)
		EXPECT_EQ(XTCP_CLOSE, xtcp_fsm_next(state, XTCP_EV_ABORT));
}

TEST(out_of_range_inputs)
{
	static const int bad_states[] = {
		0, -1, XTCP_NR_STATES, XTCP_NR_STATES + 1, 255, 256,
		INT_MAX, INT_MIN,
	};
	unsigned int i;
	int ev;

	for (i = 0; i < ARRAY_SIZE(bad_states); i++)
		for (ev = 0; ev < XTCP_NR_EVENTS; ev++)
			EXPECT_EQ(-EINVAL, xtcp_fsm_next(bad_states[i], ev));
	EXPECT_EQ(-EINVAL, xtcp_fsm_next(XTCP_CLOSE, XTCP_NR_EVENTS));
	EXPECT_EQ(-EINVAL, xtcp_fsm_next(XTCP_CLOSE, (enum xtcp_event)-1));
	EXPECT_EQ(-EINVAL, xtcp_fsm_next(XTCP_CLOSE, (enum xtcp_event)100));
	EXPECT_EQ(-EINVAL,
		  xtcp_fsm_next(XTCP_CLOSE, (enum xtcp_event)INT_MIN));
}

/* Walk @n events from @state, checking each intermediate state. */
static int walk(struct __test_metadata *_metadata, int state,
		const enum xtcp_event *evs, const int *states, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		int next = xtcp_fsm_next(state, evs[i]);

		EXPECT_EQ(states[i], next)
			TH_LOG("step %u: %s + %s", i, xtcp_state_name(state),
			       ev_names[evs[i]]);
		if (next < 0)
			return next;
		state = next;
	}
	return state;
}

#define WALK(start, evs, states) ({					\
	_Static_assert(ARRAY_SIZE(evs) == ARRAY_SIZE(states), "length");	\
	walk(_metadata, start, evs, states, ARRAY_SIZE(evs));		\
})

TEST(path_active_open_and_close)
{
	static const enum xtcp_event evs[] = {
		XTCP_EV_CONNECT, XTCP_EV_RCV_SYNACK, XTCP_EV_CLOSE,
		XTCP_EV_RCV_ACK, XTCP_EV_RCV_FIN, XTCP_EV_TIMEOUT,
	};
	static const int states[] = {
		XTCP_SYN_SENT, XTCP_ESTABLISHED, XTCP_FIN_WAIT1,
		XTCP_FIN_WAIT2, XTCP_TIME_WAIT, XTCP_CLOSE,
	};

	EXPECT_EQ(XTCP_CLOSE, WALK(XTCP_CLOSE, evs, states));
}

TEST(path_passive_open_and_close)
{
	/* The listener itself, then its child, which the peer closes. */
	static const enum xtcp_event lev[] = {
		XTCP_EV_LISTEN, XTCP_EV_RCV_SYN,
	};
	static const int lstates[] = { XTCP_LISTEN, XTCP_SYN_RECV };
	static const enum xtcp_event evs[] = {
		XTCP_EV_RCV_ACK, XTCP_EV_RCV_FIN, XTCP_EV_CLOSE,
		XTCP_EV_RCV_ACK,
	};
	static const int states[] = {
		XTCP_ESTABLISHED, XTCP_CLOSE_WAIT, XTCP_LAST_ACK, XTCP_CLOSE,
	};

	EXPECT_EQ(XTCP_SYN_RECV, WALK(XTCP_CLOSE, lev, lstates));
	EXPECT_EQ(XTCP_CLOSE, WALK(XTCP_SYN_RECV, evs, states));
	/* The listener is unaffected by its children and closes. */
	EXPECT_EQ(XTCP_CLOSE, xtcp_fsm_next(XTCP_LISTEN, XTCP_EV_CLOSE));
}

TEST(path_simultaneous_open)
{
	/* Both ends: SYN crosses SYN, then SYN,ACK crosses SYN,ACK. */
	static const enum xtcp_event evs[] = {
		XTCP_EV_CONNECT, XTCP_EV_RCV_SYN, XTCP_EV_RCV_SYNACK,
	};
	static const int states[] = {
		XTCP_SYN_SENT, XTCP_SYN_RECV, XTCP_ESTABLISHED,
	};
	/* Variant: the peer's bare ACK of our SYN,ACK arrives first. */
	static const enum xtcp_event evs2[] = {
		XTCP_EV_CONNECT, XTCP_EV_RCV_SYN, XTCP_EV_RCV_ACK,
	};

	EXPECT_EQ(XTCP_ESTABLISHED, WALK(XTCP_CLOSE, evs, states));
	EXPECT_EQ(XTCP_ESTABLISHED, WALK(XTCP_CLOSE, evs2, states));
}

TEST(path_simultaneous_close)
{
	/* FINs cross: FIN_WAIT1 -> CLOSING -> TIME_WAIT -> CLOSED. */
	static const enum xtcp_event evs[] = {
		XTCP_EV_CLOSE, XTCP_EV_RCV_FIN, XTCP_EV_RCV_ACK,
		XTCP_EV_TIMEOUT,
	};
	static const int states[] = {
		XTCP_FIN_WAIT1, XTCP_CLOSING, XTCP_TIME_WAIT, XTCP_CLOSE,
	};

	EXPECT_EQ(XTCP_CLOSE, WALK(XTCP_ESTABLISHED, evs, states));
}

TEST(path_half_close)
{
	/*
	 * shutdown(SHUT_WR) on one end: it keeps receiving in FIN_WAIT2;
	 * the other end keeps sending in CLOSE_WAIT until it closes too.
	 */
	static const enum xtcp_event a_evs[] = {
		XTCP_EV_CLOSE, XTCP_EV_RCV_ACK, XTCP_EV_RCV_FIN,
		XTCP_EV_TIMEOUT,
	};
	static const int a_states[] = {
		XTCP_FIN_WAIT1, XTCP_FIN_WAIT2, XTCP_TIME_WAIT, XTCP_CLOSE,
	};
	static const enum xtcp_event b_evs[] = {
		XTCP_EV_RCV_FIN, XTCP_EV_CLOSE, XTCP_EV_RCV_ACK,
	};
	static const int b_states[] = {
		XTCP_CLOSE_WAIT, XTCP_LAST_ACK, XTCP_CLOSE,
	};

	EXPECT_EQ(XTCP_CLOSE, WALK(XTCP_ESTABLISHED, a_evs, a_states));
	EXPECT_EQ(XTCP_CLOSE, WALK(XTCP_ESTABLISHED, b_evs, b_states));
	/* The half-closed passive side may still send; the other not. */
	EXPECT_TRUE(xtcp_state_can_send(XTCP_CLOSE_WAIT));
	EXPECT_FALSE(xtcp_state_can_send(XTCP_FIN_WAIT2));
}

TEST(path_fin_wait2_timeout_and_resets)
{
	EXPECT_EQ(XTCP_CLOSE, xtcp_fsm_next(XTCP_FIN_WAIT2, XTCP_EV_TIMEOUT));
	/* A connect refused by RST. */
	EXPECT_EQ(XTCP_CLOSE, xtcp_fsm_next(XTCP_SYN_SENT, XTCP_EV_ABORT));
	/* No way back to LISTEN or SYN_SENT from a synchronized state. */
	EXPECT_EQ(-EINVAL, xtcp_fsm_next(XTCP_ESTABLISHED, XTCP_EV_CONNECT));
	EXPECT_EQ(-EINVAL, xtcp_fsm_next(XTCP_ESTABLISHED, XTCP_EV_LISTEN));
}

TEST(state_names)
{
	static const char *const names[XTCP_NR_STATES] = {
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
	int s;

	for (s = XTCP_ESTABLISHED; s < XTCP_NR_STATES; s++) {
		ASSERT_NE(NULL, xtcp_state_name(s));
		EXPECT_STREQ(names[s], xtcp_state_name(s));
	}
	EXPECT_STREQ("?", xtcp_state_name(0));
	EXPECT_STREQ("?", xtcp_state_name(-1));
	EXPECT_STREQ("?", xtcp_state_name(XTCP_NR_STATES));
	EXPECT_STREQ("?", xtcp_state_name(INT_MAX));
	EXPECT_STREQ("?", xtcp_state_name(INT_MIN));
}

TEST(state_predicates)
{
	int s;

	for (s = XTCP_ESTABLISHED; s < XTCP_NR_STATES; s++) {
		/* Data may be queued until our FIN is due. */
		bool can_send = s == XTCP_ESTABLISHED || s == XTCP_CLOSE_WAIT;
		/* States entered only through the peer's FIN. */
		bool fin = s == XTCP_CLOSE_WAIT || s == XTCP_LAST_ACK ||
			   s == XTCP_CLOSING || s == XTCP_TIME_WAIT;

		EXPECT_EQ(can_send, xtcp_state_can_send(s))
			TH_LOG("%s", xtcp_state_name(s));
		EXPECT_EQ(fin, xtcp_state_fin_received(s))
			TH_LOG("%s", xtcp_state_name(s));
	}
	EXPECT_FALSE(xtcp_state_can_send(0));
	EXPECT_FALSE(xtcp_state_fin_received(0));
	EXPECT_FALSE(xtcp_state_can_send(XTCP_NR_STATES));
	EXPECT_FALSE(xtcp_state_fin_received(XTCP_NR_STATES));
}

TEST(fin_received_consistent_with_table)
{
	int s, ev;

	/*
	 * A state reports fin_received iff every way into it consumed a
	 * FIN at some point: check that RCV_FIN leads only into such
	 * states, and that no transition from them leaves them for one
	 * that forgets (other than CLOSE).
	 */
	for (s = XTCP_ESTABLISHED; s < XTCP_NR_STATES; s++) {
		for (ev = 0; ev < XTCP_NR_EVENTS; ev++) {
			int next = xtcp_fsm_next(s, ev);

			if (next < 0 || next == XTCP_CLOSE)
				continue;
			if (ev == XTCP_EV_RCV_FIN)
				EXPECT_TRUE(xtcp_state_fin_received(next));
			if (xtcp_state_fin_received(s))
				EXPECT_TRUE(xtcp_state_fin_received(next));
		}
	}
}

TEST_HARNESS_MAIN
