// SPDX-License-Identifier: GPL-2.0
/*
 * synq.c - the rules of a listener's SYN queue, as Linux 6.1 applies them
 * (tcp_conn_request(), reqsk_timer_handler(), tcp_check_req(); see
 * shared/docs/linux-tcp-reference.md §3.2-3.4). Shared with the user-space
 * unit tests.
 */
#include "synq.h"

/**
 * xtcp_synq_admit() - what to do with a new SYN (Linux 6.1's
 * tcp_conn_request()).
 * @st: the listener's state.
 *
 * In Linux's order: a SYN that ends a TIME_WAIT skips the SYN queue's
 * limits; otherwise, with syncookies 2, or with the SYN queue full (above
 * @backlog, so listen(fd, 0) still admits one), it gets a cookie, or is
 * dropped with cookies off. A full accept queue (also above @backlog)
 * drops it even with cookies. Last, with cookies off, the last quarter of
 * @max_syn_backlog is kept for peers proven by an earlier connection;
 * xtcp keeps no per-peer history (Linux's tcp_metrics), so no peer is
 * proven and that quarter stays unused.
 *
 * Return: the verdict.
 */
enum xtcp_synq_verdict xtcp_synq_admit(const struct xtcp_synq_state *st)
{
	s64 msb = st->max_syn_backlog;
	bool cookie = false;

	if (!st->reopens_time_wait &&
	    (st->syncookies == 2 || st->qlen > st->backlog)) {
		if (!st->syncookies)
			return XTCP_SYNQ_FULL;
		cookie = true;
	}
	if (st->acceptq_len > st->backlog)
		return XTCP_SYNQ_ACCEPT_FULL;
	if (cookie)
		return XTCP_SYNQ_COOKIE;
	if (!st->syncookies && !st->reopens_time_wait &&
	    msb - st->qlen < (msb >> 2))
		return XTCP_SYNQ_RESERVED;
	return XTCP_SYNQ_ADMIT;
}

/**
 * xtcp_synack_thresh() - how many SYN-ACK retransmissions a request may
 * have now.
 * @qlen: requests the listener holds.
 * @young: those of them whose SYN-ACK was never retransmitted.
 * @backlog: the listen backlog.
 * @max_retries: TCP_SYNCNT of the listener, or net.xtcp.synack_retries.
 *
 * Once the queue is more than half full, requests that already had
 * retransmissions get fewer while the young ones are a minority: each
 * halving of the young share takes one retry away, down to 2. A flood of
 * never-answered SYNs then clears out sooner, and the young requests of
 * real clients keep their chance (Linux's reqsk_timer_handler()).
 *
 * Return: the limit.
 */
unsigned int xtcp_synack_thresh(u32 qlen, u32 young, u32 backlog,
				unsigned int max_retries)
{
	u64 y;

	if (((u64)qlen << 1) <= (backlog > 8 ? backlog : 8))
		return max_retries;
	y = (u64)young << 1;
	while (max_retries > 2) {
		if (qlen < y)
			break;
		max_retries--;
		y <<= 1;
	}
	return max_retries;
}

/**
 * xtcp_synack_recalc() - a request's timer ran out: does it expire, and is
 * its SYN-ACK sent again?
 * @num_timeout: how many times the timer ran out before.
 * @acked: the peer has sent a bare ACK that TCP_DEFER_ACCEPT or a full
 *	accept queue dropped.
 * @defer: TCP_DEFER_ACCEPT in SYN-ACK retransmissions, 0 if unset.
 * @thresh: from xtcp_synack_thresh().
 * @expire: set if the request should go.
 * @resend: set if its SYN-ACK should be sent again.
 *
 * An acked request under TCP_DEFER_ACCEPT lives on until the defer period
 * is over, and its SYN-ACK is resent only at the end of it, to draw the
 * ACK that then creates the connection.
 */
void xtcp_synack_recalc(unsigned int num_timeout, bool acked,
			unsigned int defer, unsigned int thresh, bool *expire,
			bool *resend)
{
	if (!defer) {
		*expire = num_timeout >= thresh;
		*resend = true;
		return;
	}
	*expire = num_timeout >= thresh && (!acked || num_timeout >= defer);
	*resend = !acked || num_timeout + 1 >= defer;
}

/**
 * xtcp_defer_drops_ack() - TCP_DEFER_ACCEPT: is a handshake-completing ACK
 * dropped, leaving the request in place?
 * @num_timeout: the request's timeouts so far.
 * @defer: TCP_DEFER_ACCEPT in SYN-ACK retransmissions, 0 if unset.
 * @has_data: the ACK carries data.
 *
 * Return: true for a bare ACK within the defer period.
 */
bool xtcp_defer_drops_ack(unsigned int num_timeout, unsigned int defer,
			  bool has_data)
{
	return !has_data && num_timeout < defer;
}
