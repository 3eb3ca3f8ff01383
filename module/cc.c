// SPDX-License-Identifier: GPL-2.0
/*
 * cc.c - congestion control: how many segments may be in flight
 * (RFC 5681), behind a small per-socket ops table so that other
 * algorithms (CUBIC next) slot in beside Reno. The window arithmetic is
 * in proto/cc.c.
 *
 * The sender (output.c) sends new data only while fewer segments than the
 * window are in flight (@packets_out: sent once and not yet acknowledged;
 * retransmissions are not held back). The window starts at ten segments
 * (RFC 6928), grows on acknowledgments only while it is what limits the
 * sender (@cwnd_limited), and after a pause of more than an RTO shrinks
 * as Linux's does. A fast retransmit (three duplicate ACKs) halves it and
 * recovery lasts until everything sent before is acknowledged (RFC 6582;
 * "Recovery"); meanwhile Proportional Rate Reduction (RFC 6937, as Linux)
 * sets the window on every ACK, so that the flight shrinks to the new
 * threshold in step with what is delivered; a retransmission timeout sets the threshold once per
 * episode and restarts from one segment ("Loss"), growing in slow start
 * as the retransmissions are acknowledged.
 *
 * Everything here runs with the socket locked.
 */
#include <net/tcp.h>

#include "xtcp.h"
#include "proto/cc.h"

static u32 xtcp_reno_ssthresh_sk(struct sock *sk)
{
	return xtcp_reno_ssthresh(xtcp_sk(sk)->cw.cwnd);
}

static void xtcp_reno_cong_avoid_sk(struct sock *sk, u32 acked)
{
	xtcp_reno_increase(&xtcp_sk(sk)->cw, acked);
}

/** xtcp_reno - RFC 5681's Reno, the only algorithm so far. */
const struct xtcp_cc_ops xtcp_reno = {
	.name = "reno",
	.ssthresh = xtcp_reno_ssthresh_sk,
	.cong_avoid = xtcp_reno_cong_avoid_sk,
};

/**
 * xtcp_cc_init() - a fresh window and Reno, for a new connection.
 * @sk: the socket.
 */
void xtcp_cc_init(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->cc = &xtcp_reno;
	xtcp_cwnd_init(&xs->cw);
	xs->packets_out = 0;
	xs->ca_state = TCP_CA_Open;
	xs->cwnd_limited = 0;
}

/**
 * xtcp_cc_may_send() - may one more new segment go out now?
 * @sk: the socket.
 *
 * Return: true while fewer segments than the window are in flight. After
 * a pause longer than the RTO the window is first shrunk (Linux's
 * tcp_cwnd_restart(), allowed by RFC 5681 §4.1).
 */
bool xtcp_cc_may_send(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->packets_out && xs->lsndtime)
		xs->cw.cwnd = xtcp_cwnd_restart(xs->cw.cwnd,
						(u32)jiffies - xs->lsndtime,
						xs->rto);
	return xtcp_packets_in_flight(sk) < xs->cw.cwnd;
}

/**
 * xtcp_cc_acked() - @acked segments newly acknowledged, outside fast
 * recovery: let the algorithm grow the window, if the window is what held
 * the sender back.
 * @sk: the socket.
 * @acked: segments freed from the write queue.
 */
void xtcp_cc_acked(struct sock *sk, u32 acked)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!acked || xs->ca_state == TCP_CA_Recovery || !xs->cwnd_limited)
		return;
	xs->cc->cong_avoid(sk, acked);
}

/**
 * xtcp_cc_enter_recovery() - a fast retransmit: the threshold halves (RFC
 * 5681 §3.2 step 2), and the window comes down to it by PRR, ACK by ACK
 * (xtcp_cc_prr()); until the first of them, only the fast retransmit
 * itself goes.
 * @sk: the socket; @prior_cwnd holds the window before (xtcp.h).
 */
void xtcp_cc_enter_recovery(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->cw.ssthresh = xs->cc->ssthresh(sk);
	xs->cw.cwnd = min(xs->cw.cwnd, xtcp_packets_in_flight(sk));
	xs->cw.cnt = 0;
	xs->prr_delivered = 0;
	xs->prr_out = 0;
	xs->ca_state = TCP_CA_Recovery;
	xs->tlp_out = 0;	/* recovery takes over from a loss probe */
	xtcp_inc_stat(sock_net(sk), XTCP_MIB_FASTRETRANS);
	xtcp_inc_stat(sock_net(sk), xs->sack_ok ? XTCP_MIB_SACKRECOVERY :
		      XTCP_MIB_RENORECOVERY);
}

/**
 * xtcp_cc_prr() - an ACK during fast recovery delivered @delivered
 * segments: the window becomes what is in flight plus what PRR lets go
 * now (proto/cc.c); the sender then resends lost segments first.
 * @sk: the socket.
 * @delivered: segments this ACK acknowledged or SACKed for the first time.
 * @una_advanced: it acknowledged new data and nothing was newly found lost.
 */
void xtcp_cc_prr(struct sock *sk, u32 delivered, bool una_advanced)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 in_flight;

	xtcp_assert_locked(sk);
	if (xs->ca_state != TCP_CA_Recovery || !delivered)
		return;
	xs->prr_delivered += delivered;
	in_flight = xtcp_packets_in_flight(sk);
	xs->cw.cwnd = in_flight +
		      xtcp_prr_sndcnt(in_flight, xs->cw.ssthresh,
				      xs->prior_cwnd, xs->prr_delivered,
				      xs->prr_out, delivered, una_advanced);
}

/**
 * xtcp_cc_recovered() - everything sent before the loss is acknowledged:
 * the window is the threshold, whatever PRR left it at (as Linux's
 * tcp_end_cwnd_reduction()).
 * @sk: the socket.
 */
void xtcp_cc_recovered(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->ca_state == TCP_CA_Recovery)
		xs->cw.cwnd = xs->cw.ssthresh;
	xs->ca_state = TCP_CA_Open;
}

/**
 * xtcp_cc_timeout() - the retransmission timer ran out with data in
 * flight (RFC 5681 §3.1): one segment, and the threshold from the window
 * unless this episode already set it.
 * @sk: the socket.
 */
void xtcp_cc_timeout(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->ca_state != TCP_CA_Loss)
		xs->cw.ssthresh = xs->cc->ssthresh(sk);
	xs->cw.cwnd = 1;
	xs->cw.cnt = 0;
	xs->ca_state = TCP_CA_Loss;
	xs->tlp_out = 0;
}

/**
 * xtcp_cc_reduce() - a loss was repaired without a recovery episode (by
 * a tail loss probe, RFC 8985 §7.4.2): reduce the window as for one, at
 * once (Linux enters and leaves its CWR state on the same ACK).
 * @sk: the socket.
 */
void xtcp_cc_reduce(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->cw.ssthresh = xs->cc->ssthresh(sk);
	xs->cw.cwnd = xs->cw.ssthresh;
	xs->cw.cnt = 0;
}
