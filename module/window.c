// SPDX-License-Identifier: GPL-2.0
/*
 * window.c - how large a window can get: window scaling (RFC 7323 §2) and
 * receive-buffer autotuning.
 *
 * Scaling is agreed once, on the SYNs: each side offers the shift it will
 * apply to the windows it sends, and both use them only if both SYNs
 * carried the option (§2.2); SYN windows themselves are never scaled. Our
 * shift is chosen from the most the receive buffer may ever grow to
 * (net.xtcp.rmem[2], or a larger SO_RCVBUF), within TCP_WINDOW_CLAMP, as
 * Linux does, so that autotuning later never needs a window the field
 * cannot say.
 *
 * Autotuning (net.xtcp.moderate_rcvbuf, as Linux's "dynamic right
 * sizing"): once per receiver RTT, if the reader took more than in the
 * RTT before, the receive buffer grows to hold twice that plus room for
 * sixteen segments, up to rmem[2]; the window, half the free buffer
 * (rcvq.c), follows. A buffer fixed with SO_RCVBUF is left alone. The RTT
 * comes from the timestamps our ACKs get echoed (RFC 7323 §4), or the
 * sender-side estimate, or 100 ms when neither exists.
 *
 * Everything here runs with the socket locked.
 */
#include <net/tcp.h>

#include "xtcp.h"
#include "proto/buffers.h"

/* The receiver's RTT when nothing measured it. */
#define XTCP_RCV_RTT_GUESS	(HZ / 10)

/**
 * xtcp_choose_wscale() - the shift @sk offers on its SYN or SYN-ACK.
 * @sk: the connecting socket, or the listener.
 *
 * Return: 0-14, from the larger of the receive buffer and
 * net.xtcp.rmem[2], within TCP_WINDOW_CLAMP.
 */
u8 xtcp_choose_wscale(const struct sock *sk)
{
	const struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	int clamp = READ_ONCE(xtcp_sk(sk)->window_clamp);
	u32 space = max(max(READ_ONCE(sk->sk_rcvbuf), READ_ONCE(xn->rmem[2])),
			0);

	if (clamp > 0)
		space = min_t(u32, space, clamp);
	return xtcp_rcv_wscale(space);
}

/**
 * xtcp_seg_window() - the window a received segment offers, in bytes.
 * @sk: its connection.
 * @cb: the segment's control block.
 *
 * Return: the window field, shifted by the peer's scale unless the segment
 * is a SYN (RFC 7323 §2.2).
 */
u32 xtcp_seg_window(const struct sock *sk, const struct xtcp_skb_cb *cb)
{
	if (cb->flags & TCPHDR_SYN)
		return cb->window;
	return (u32)cb->window << xtcp_sk(sk)->snd_wscale;
}

/**
 * xtcp_wscale_from_syn() - an active opener learns from the peer's SYN or
 * SYN-ACK whether scaling is on: only if our SYN offered it and theirs
 * has it too; otherwise neither side scales.
 * @sk: the connection, in SYN_SENT.
 * @peer_wscale: the SYN's shift (0-14), or XTCP_COOKIE_NO_WSCALE.
 */
void xtcp_wscale_from_syn(struct sock *sk, u8 peer_wscale)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);
	if (xs->wscale_ok && peer_wscale <= XTCP_MAX_WSCALE) {
		xs->snd_wscale = peer_wscale;
		return;
	}
	xs->wscale_ok = 0;
	xs->snd_wscale = 0;
	xs->rcv_wscale = 0;
}

/**
 * xtcp_rcv_rtt_ts() - a data segment echoed @tsecr, one of our TSvals: the
 * time since we sent it is a receiver's RTT sample. The smallest recent
 * sample wins at once (a sender with nothing to send makes samples
 * longer, never shorter); larger ones are averaged in by 1/8.
 * @sk: the connection.
 * @tsecr: the segment's TSecr, not 0.
 */
void xtcp_rcv_rtt_ts(struct sock *sk, u32 tsecr)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	s32 ms = (s32)(xtcp_tsval(sk) - tsecr);
	u32 us;

	if (ms < 0 || ms > 60 * MSEC_PER_SEC)
		return;		/* not one of ours, or from long ago */
	us = max_t(u32, ms, 1) * USEC_PER_MSEC;
	if (!xs->rcv_rtt_us || us < xs->rcv_rtt_us)
		xs->rcv_rtt_us = us;
	else
		xs->rcv_rtt_us = xs->rcv_rtt_us - xs->rcv_rtt_us / 8 + us / 8;
}

static unsigned long xtcp_rcv_rtt(const struct xtcp_sock *xs)
{
	if (xs->rcv_rtt_us)
		return max(usecs_to_jiffies(xs->rcv_rtt_us), 1UL);
	if (xs->srtt_us)
		return max(usecs_to_jiffies(xs->srtt_us >> 3), 1UL);
	return XTCP_RCV_RTT_GUESS;
}

/**
 * xtcp_rcv_space_adjust() - after a read: once per RTT, grow the receive
 * buffer to what the reader showed it takes in one.
 * @sk: the connection.
 */
void xtcp_rcv_space_adjust(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	u32 now = jiffies, copied;
	int rcvbuf;

	xtcp_assert_locked(sk);
	if (!xs->rcvq_time) {
		xs->rcvq_time = now ? : 1;
		xs->rcvq_seq = xs->copied_seq;
		xs->rcvq_space = min_t(u32, xs->rcv_wnd, 10U * xs->advmss);
		return;
	}
	if (now - xs->rcvq_time < xtcp_rcv_rtt(xs))
		return;
	copied = xs->copied_seq - xs->rcvq_seq;
	if (copied > xs->rcvq_space) {
		if (READ_ONCE(xn->moderate_rcvbuf) &&
		    !(sk->sk_userlocks & SOCK_RCVBUF_LOCK)) {
			rcvbuf = xtcp_drs_rcvbuf(copied, xs->advmss,
						 SKB_TRUESIZE(xs->advmss +
							      XTCP_MAX_HEADER),
						 READ_ONCE(xn->rmem[2]));
			if (rcvbuf > sk->sk_rcvbuf)
				WRITE_ONCE(sk->sk_rcvbuf, rcvbuf);
		}
		xs->rcvq_space = copied;
	}
	xs->rcvq_seq = xs->copied_seq;
	xs->rcvq_time = now ? : 1;
}
