// SPDX-License-Identifier: GPL-2.0
/*
 * rate.c - what TCP_INFO reports of a connection's pace: its delivery rate
 * (tcpi_delivery_rate, tcpi_delivered) and the time it had data in flight
 * (tcpi_busy_time), measured as Linux's tcp_rate.c and its "busy" chrono
 * do. The arithmetic is in proto/rate.c.
 *
 * Every transmission stamps its write-queue segment with the socket's
 * delivery count and clock (@tx_delivered, @tx_delivered_us) and the
 * start of its flight (@tx_first_us). An ACK that delivers segments
 * (cumulatively or by SACK) takes the stamps of the newest of them: the
 * segments delivered since it was sent, over the longer of the send and
 * the ACK interval, are the sample. One sample is kept: the last, unless
 * the application limited it and it is slower than the one kept.
 *
 * State: struct xtcp_sock @delivered .. @busy_us and the segments' stamps;
 * socket lock, like the rest of the sender.
 */
#include <net/tcp.h>

#include "xtcp.h"
#include "proto/rate.h"
#include "proto/seq.h"

/**
 * xtcp_rate_sent() - @skb, of the write queue, goes out (for the first
 * time or again): stamp it; data going in flight with none before starts
 * a flight and a busy period.
 * @sk: the socket.
 * @skb: the segment, before SND.NXT and packets_out count it.
 *
 * Context: socket locked.
 */
void xtcp_rate_sent(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);
	if (!xs->packets_out) {
		xs->first_tx_us = cb->xmit_us;
		xs->delivered_us = cb->xmit_us;
		if (skb->len)
			xs->busy_start_us = cb->xmit_us ? : 1;
	}
	cb->tx_app_limited = !!xs->app_limited;
	cb->tx_delivered = xs->delivered;
	cb->tx_delivered_us = xs->delivered_us;
	cb->tx_first_us = xs->first_tx_us;
}

/**
 * xtcp_rate_delivered() - the segment @cb describes was just delivered
 * (SACKed, or acknowledged without having been SACKed): count it, and
 * take its stamps for this ACK's sample if it was sent after the others
 * this ACK delivers.
 * @sk: the socket.
 * @cb: the segment.
 *
 * Context: socket locked.
 */
void xtcp_rate_delivered(struct sock *sk, const struct xtcp_skb_cb *cb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);
	xs->delivered++;
	if (xs->rs_have &&
	    !xtcp_seq_after(cb->tx_delivered, xs->rs_prior_delivered))
		return;
	xs->rs_have = 1;
	xs->rs_app_limited = cb->tx_app_limited;
	xs->rs_prior_delivered = cb->tx_delivered;
	xs->rs_prior_us = cb->tx_delivered_us;
	xs->rs_send_us = cb->xmit_us - cb->tx_first_us;
	/* The next sample's flight starts where this one's newest went. */
	xs->first_tx_us = cb->xmit_us;
}

/**
 * xtcp_rate_ack_done() - an ACK has been processed: make its sample, if it
 * delivered anything, and end the busy period if nothing is in flight.
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_rate_ack_done(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 now = xtcp_clock_us(), interval, delivered;

	xtcp_assert_locked(sk);
	if (xs->busy_start_us && !xs->packets_out) {
		xs->busy_us += now - xs->busy_start_us;
		xs->busy_start_us = 0;
	}
	if (xs->app_limited && xtcp_seq_after(xs->delivered, xs->app_limited))
		xs->app_limited = 0;
	if (!xs->rs_have)
		return;
	xs->rs_have = 0;
	xs->delivered_us = now;
	interval = xtcp_rate_interval(xs->rs_send_us, now - xs->rs_prior_us,
				      xs->min_rtt_us);
	if (!interval)
		return;
	delivered = xs->delivered - xs->rs_prior_delivered;
	/*
	 * As Linux: an app-limited sample shows what the application
	 * asked for, not what the path carries, so it replaces the kept
	 * one only if it is faster.
	 */
	if (xs->rs_app_limited && xs->rate_interval_us &&
	    (u64)delivered * xs->rate_interval_us <
	    (u64)xs->rate_delivered * interval)
		return;
	xs->rate_delivered = delivered;
	xs->rate_interval_us = interval;
	xs->rate_app_limited = xs->rs_app_limited;
}

/**
 * xtcp_rate_check_app_limited() - the application is about to queue data:
 * if everything it queued before is sent and the congestion window has
 * room, the connection was waiting for it, and what goes out until the
 * segments now in flight are delivered is app-limited (as Linux's
 * tcp_rate_check_app_limited()).
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_rate_check_app_limited(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);
	if (xs->write_seq - xs->snd_nxt < xs->mss &&
	    xtcp_packets_in_flight(sk) < xs->cw.cwnd && !xs->lost_out)
		xs->app_limited = (xs->delivered + xs->packets_out) ? : 1;
}

/**
 * xtcp_rate_info() - the delivery rate and busy time TCP_INFO reports.
 * @sk: the socket.
 * @busy_us: set to the microseconds the connection had data in flight.
 * @app_limited: set if the kept sample was app-limited.
 *
 * Context: socket locked.
 * Return: the kept sample's rate in bytes per second, 0 if none yet.
 */
u64 xtcp_rate_info(const struct sock *sk, u64 *busy_us, bool *app_limited)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	*app_limited = xs->rate_app_limited;
	*busy_us = xs->busy_us;
	if (xs->busy_start_us)
		*busy_us += xtcp_clock_us() - xs->busy_start_us;
	return xtcp_delivery_rate(xs->rate_delivered, xs->mss,
				  xs->rate_interval_us);
}
