// SPDX-License-Identifier: GPL-2.0
/*
 * cc.c - congestion window arithmetic: slow start counting acknowledged
 * segments (RFC 5681 §3.1 with RFC 3465's byte counting, as Linux counts
 * segments), additive increase of one segment per window in congestion
 * avoidance, Reno's halving, and Linux's window restart after idle
 * (RFC 5681 §4.1 allows it: the window is halved per RTO of silence,
 * down to the initial window). Pure logic.
 */
#include "cc.h"

/* Keeps every sum below 2^31, whatever the ACKs say. */
#define XTCP_CWND_MAX	0x3fffffffU

/** xtcp_cwnd_init() - a new connection: RFC 6928's ten segments. */
void xtcp_cwnd_init(struct xtcp_cwnd *w)
{
	w->cwnd = XTCP_INIT_CWND;
	w->ssthresh = XTCP_INFINITE_SSTHRESH;
	w->cnt = 0;
}

/**
 * xtcp_slow_start() - grow @w by @acked segments, up to its threshold.
 * @w: the window.
 * @acked: segments newly acknowledged.
 *
 * Return: the acknowledged segments left over once the threshold is
 * reached, for congestion avoidance.
 */
u32 xtcp_slow_start(struct xtcp_cwnd *w, u32 acked)
{
	u32 room = w->ssthresh > w->cwnd ? w->ssthresh - w->cwnd : 0;
	u32 grow = acked < room ? acked : room;

	if (grow > XTCP_CWND_MAX - w->cwnd)
		grow = XTCP_CWND_MAX - w->cwnd;
	w->cwnd += grow;
	return acked - grow;
}

/**
 * xtcp_cong_avoid_ai() - additive increase: one segment per @per
 * acknowledged.
 * @w: the window.
 * @per: segments to acknowledge for one more (the window, for Reno).
 * @acked: segments newly acknowledged.
 */
void xtcp_cong_avoid_ai(struct xtcp_cwnd *w, u32 per, u32 acked)
{
	u32 more;

	if (!per)
		per = 1;
	if (w->cnt >= per)	/* the window shrank since: start over */
		w->cnt = 0;
	w->cnt += acked < XTCP_CWND_MAX ? acked : XTCP_CWND_MAX;
	if (w->cnt < per)
		return;
	more = w->cnt / per;
	w->cnt -= more * per;
	if (more > XTCP_CWND_MAX - w->cwnd)
		more = XTCP_CWND_MAX - w->cwnd;
	w->cwnd += more;
}

/**
 * xtcp_reno_increase() - Reno's response to @acked new segments: slow
 * start below the threshold, one segment per window above it.
 * @w: the window.
 * @acked: segments newly acknowledged.
 */
void xtcp_reno_increase(struct xtcp_cwnd *w, u32 acked)
{
	if (w->cwnd < w->ssthresh) {
		acked = xtcp_slow_start(w, acked);
		if (!acked)
			return;
	}
	xtcp_cong_avoid_ai(w, w->cwnd, acked);
}

/**
 * xtcp_reno_ssthresh() - the threshold after a loss (RFC 5681 §3.1 eq. 4,
 * with Linux's use of the window for the flight).
 * @cwnd: the window when the loss was found.
 *
 * Return: half of it, at least two segments.
 */
u32 xtcp_reno_ssthresh(u32 cwnd)
{
	return cwnd / 2 > 2 ? cwnd / 2 : 2;
}

/**
 * xtcp_cwnd_restart() - the window after @idle without sending: halved
 * for every @rto of it, never below the smaller of the initial window and
 * @cwnd.
 * @cwnd: the window before the pause.
 * @idle: time since the last data went out.
 * @rto: the retransmission timeout, same unit.
 *
 * Return: the window to start again with.
 */
u32 xtcp_cwnd_restart(u32 cwnd, u32 idle, u32 rto)
{
	u32 floor = cwnd < XTCP_INIT_CWND ? cwnd : XTCP_INIT_CWND;

	if (!rto)
		return cwnd;
	while (idle > rto && cwnd > floor) {
		cwnd >>= 1;
		idle -= rto;
	}
	return cwnd > floor ? cwnd : floor;
}

/**
 * xtcp_prr_sndcnt() - Proportional Rate Reduction (RFC 6937, with its
 * slow-start reduction bound, PRR-SSRB, as Linux's tcp_cwnd_reduction()):
 * how many segments fast recovery may send on this ACK. While more than
 * ssthresh is in flight, sending follows the deliveries at the ratio
 * ssthresh / prior_cwnd, so the flight shrinks smoothly to ssthresh
 * instead of the sender falling silent for half an RTT; below it, the
 * flight grows back towards ssthresh no faster than slow start.
 * @in_flight: segments in flight now (RFC 6675's pipe).
 * @ssthresh: the threshold the recovery reduces to.
 * @prior_cwnd: the window when the recovery began.
 * @prr_delivered: segments delivered since then (acknowledged or SACKed),
 *	this ACK's included.
 * @prr_out: segments sent since then, new or again.
 * @delivered: segments this ACK delivered.
 * @una_advanced: this ACK acknowledged new data, and found nothing newly
 *	lost: one more may go (Linux's allowance).
 *
 * Return: segments that may go now; at least one if nothing went yet
 * (the fast retransmit itself).
 */
u32 xtcp_prr_sndcnt(u32 in_flight, u32 ssthresh, u32 prior_cwnd,
		    u32 prr_delivered, u32 prr_out, u32 delivered,
		    bool una_advanced)
{
	u32 sndcnt;

	if (!prior_cwnd)
		prior_cwnd = 1;
	if (in_flight > ssthresh) {
		/* RFC 6937 §3: CEIL(prr_delivered * ssthresh / RecoverFS) */
		u64 share = div_u64((u64)ssthresh * prr_delivered +
				    prior_cwnd - 1, prior_cwnd);

		sndcnt = share > prr_out ? (u32)(share - prr_out) : 0;
	} else {
		sndcnt = prr_delivered > prr_out ? prr_delivered - prr_out : 0;
		sndcnt = max(sndcnt, delivered);
		if (una_advanced)
			sndcnt++;
		sndcnt = min(sndcnt, ssthresh - in_flight);
	}
	if (!prr_out && !sndcnt)
		sndcnt = 1;
	return sndcnt;
}
