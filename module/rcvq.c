// SPDX-License-Identifier: GPL-2.0
/*
 * rcvq.c - the receive queue: in-order data waiting for the reader, kept
 * within the socket's receive buffer whatever the peer sends, and the
 * window advertised from the room that is left.
 *
 * Memory is what the queue's sk_buffs cost (truesize, charged to
 * sk_rmem_alloc), not the payload bytes the window counts: a peer sending
 * one byte per segment into a 64 KiB window would otherwise pin 64K
 * sk_buffs. So, as in Linux's TCP (tcp_data_queue(), tcp_prune_queue()):
 *
 *  - a small segment is copied into the room left at the end of the
 *    queue's last sk_buff, and costs nothing more;
 *  - once the queue holds more than sk_rcvbuf, it is first compacted
 *    (its bytes copied into page-sized sk_buffs, counted in
 *    RcvCollapsed), then the out-of-order queue (ooo.c) gives up what it
 *    holds; if that does not bring it under the limit the segment is
 *    dropped and counted (RcvQDrop): the peer sends it again;
 *  - the first segment of an empty queue is always taken, so a connection
 *    always makes progress;
 *  - the window offered is half the room left (Linux's tcp_adv_win_scale
 *    of 1), so it shrinks as memory fills, but its right edge never moves
 *    left (RFC 9293 §3.8.6).
 *
 * Everything here runs with the socket locked.
 */
#include <net/tcp.h>

#include "xtcp.h"
#include "proto/segment.h"

/* Payload per sk_buff when the queue is compacted: one page's worth. */
#define XTCP_COLLAPSE_CHUNK	SKB_WITH_OVERHEAD(PAGE_SIZE)

/**
 * xtcp_rcv_window_left() - what remains of the window last advertised.
 * @xs: the socket.
 *
 * Return: RCV.WUP + RCV.WND - RCV.NXT, or 0 if the peer has filled it.
 */
u32 xtcp_rcv_window_left(const struct xtcp_sock *xs)
{
	u32 right = xs->rcv_wup + xs->rcv_wnd;

	return xtcp_seq_after(right, xs->rcv_nxt) ? right - xs->rcv_nxt : 0;
}

/**
 * xtcp_max_rcv_window() - the largest window @xs can advertise.
 * @xs: the socket.
 *
 * Return: 65535 shifted by our window scale.
 */
u32 xtcp_max_rcv_window(const struct xtcp_sock *xs)
{
	return XTCP_MAX_WINDOW << xs->rcv_wscale;
}

/**
 * xtcp_current_window() - choose the window for the next segment and
 * remember it as advertised: half the free receive buffer, never less than
 * what is left of the last one, in units of our window scale.
 * @sk: the socket.
 * @syn: for a SYN or SYN-ACK, whose window is never scaled (RFC 7323
 *	§2.2).
 *
 * Return: the window field to put in the segment (scaled).
 */
u16 xtcp_current_window(struct sock *sk, bool syn)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int free = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);
	u32 cur = xtcp_rcv_window_left(xs), wnd, threshold;
	u8 shift = syn ? 0 : xs->rcv_wscale;

	threshold = min_t(u32, xs->mss, READ_ONCE(sk->sk_rcvbuf) / 4);
	wnd = xtcp_select_window(free > 0 ? free / 2 : 0, cur, threshold,
				 XTCP_MAX_WINDOW << shift);
	if (xs->window_clamp > 0 && wnd > xs->window_clamp && wnd > cur)
		wnd = max_t(u32, xs->window_clamp, cur);
	wnd = xtcp_window_round(wnd, shift);
	xs->rcv_wnd = wnd;
	xs->rcv_wup = xs->rcv_nxt;
	return wnd >> shift;
}

static bool xtcp_rmem_over(const struct sock *sk)
{
	return atomic_read(&sk->sk_rmem_alloc) > READ_ONCE(sk->sk_rcvbuf);
}

/*
 * Copy the unread bytes of the receive queue into as few sk_buffs as
 * they need. Done only when that at least halves the memory they take.
 */
static void xtcp_collapse(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff_head fresh;
	struct sk_buff *skb, *last;
	u32 seq = xs->copied_seq, end, left;
	unsigned int need;

	last = skb_peek_tail(&sk->sk_receive_queue);
	if (!last)
		return;
	end = XTCP_SKB_CB(last)->seq + last->len;
	if (!xtcp_seq_after(end, seq))
		return;
	left = end - seq;
	need = DIV_ROUND_UP(left, XTCP_COLLAPSE_CHUNK) *
	       SKB_TRUESIZE(XTCP_COLLAPSE_CHUNK);
	if (need > atomic_read(&sk->sk_rmem_alloc) / 2)
		return;

	__skb_queue_head_init(&fresh);
	while (left) {
		u32 n = min_t(u32, left, XTCP_COLLAPSE_CHUNK), done = 0;

		skb = alloc_skb(n, GFP_ATOMIC);
		if (!skb)
			goto fail;
		memset(skb->cb, 0, sizeof(skb->cb));
		XTCP_SKB_CB(skb)->seq = seq;
		XTCP_SKB_CB(skb)->end_seq = seq + n;
		while (done < n) {
			struct sk_buff *from;
			u32 off = 0, chunk;

			from = xtcp_find_seq(sk, seq + done, &off);
			if (WARN_ON_ONCE(!from)) {
				kfree_skb(skb);
				goto fail;
			}
			chunk = min_t(u32, n - done, from->len - off);
			if (skb_copy_bits(from, off, skb_put(skb, chunk), chunk)) {
				kfree_skb(skb);
				goto fail;
			}
			done += chunk;
		}
		__skb_queue_tail(&fresh, skb);
		seq += n;
		left -= n;
	}
	__skb_queue_purge(&sk->sk_receive_queue);
	while ((skb = __skb_dequeue(&fresh)) != NULL) {
		skb_set_owner_r(skb, sk);
		__skb_queue_tail(&sk->sk_receive_queue, skb);
	}
	xtcp_inc_stat(sock_net(sk), XTCP_MIB_RCVCOLLAPSED);
	return;
fail:
	__skb_queue_purge(&fresh);
}

/* Append @skb's bytes to the queue's last sk_buff if they fit its room. */
static bool xtcp_copy_to_tail(struct sock *sk, struct sk_buff *skb)
{
	struct sk_buff *tail = skb_peek_tail(&sk->sk_receive_queue);

	if (!tail || skb_cloned(tail) || skb_is_nonlinear(tail) ||
	    skb->len > skb_tailroom(tail) ||
	    XTCP_SKB_CB(tail)->seq + tail->len != XTCP_SKB_CB(skb)->seq ||
	    (XTCP_SKB_CB(tail)->flags & TCPHDR_FIN))
		return false;
	if (skb_copy_bits(skb, 0, skb_put(tail, skb->len), skb->len)) {
		skb_trim(tail, tail->len - skb->len);
		return false;
	}
	XTCP_SKB_CB(tail)->end_seq = XTCP_SKB_CB(skb)->end_seq;
	XTCP_SKB_CB(tail)->flags |= XTCP_SKB_CB(skb)->flags & TCPHDR_FIN;
	return true;
}

/**
 * xtcp_rcvq_append() - put an in-order segment from the out-of-order
 * queue on the receive queue (already charged to the receive buffer).
 * @sk: the socket.
 * @skb: the segment; its bytes may be copied onto the queue's last skb,
 *	and it is then freed.
 *
 * Context: socket locked.
 */
void xtcp_rcvq_append(struct sock *sk, struct sk_buff *skb)
{
	if (xtcp_copy_to_tail(sk, skb)) {
		kfree_skb(skb);
		return;
	}
	__skb_queue_tail(&sk->sk_receive_queue, skb);
}

/**
 * xtcp_queue_rcv() - RFC 9293 §3.10.7.4 seventh check: the text of an
 * acceptable segment that starts at or before RCV.NXT goes to the reader.
 * Bytes received before are cut off its front, bytes beyond the window's
 * right edge off its end (with the FIN, if it had one), and what is left
 * is queued if the receive buffer has room for it.
 * @sk: the socket.
 * @skb: the segment, data after the header.
 *
 * Context: socket locked.
 * Return: %XTCP_RCV_QUEUED if @skb itself is now on the queue (the caller
 * must not free it), %XTCP_RCV_COPIED if its bytes were, %XTCP_RCV_OLD if
 * it brought nothing new, %XTCP_RCV_DROPPED if there was no room.
 */
enum xtcp_rcv_verdict xtcp_queue_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 right = xs->rcv_nxt + xtcp_rcv_window_left(xs);
	u32 data_end = cb->seq + skb->len;

	xtcp_assert_locked(sk);
	if (!skb->len || xtcp_seq_after(cb->seq, xs->rcv_nxt) ||
	    !xtcp_seq_after(data_end, xs->rcv_nxt))
		return XTCP_RCV_OLD;
	if (xtcp_seq_after(data_end, right)) {
		if (pskb_trim(skb, right - cb->seq))
			return XTCP_RCV_DROPPED;
		cb->flags &= ~TCPHDR_FIN;
		cb->end_seq = right;
		data_end = right;
	}
	if (xtcp_seq_before(cb->seq, xs->rcv_nxt)) {
		if (!pskb_pull(skb, xs->rcv_nxt - cb->seq))
			return XTCP_RCV_DROPPED;
		cb->seq = xs->rcv_nxt;
	}
	if (!skb_queue_empty(&sk->sk_receive_queue) && xtcp_rmem_over(sk)) {
		xtcp_collapse(sk);
		/*
		 * In-order data before data beyond a hole: dropping this
		 * segment while the out-of-order queue holds the buffer
		 * would leave the hole open, and each retransmission into
		 * it would be dropped too, with the RTO backing off.
		 */
		if (xtcp_rmem_over(sk))
			xtcp_ooo_prune(sk, xs->rcv_nxt, 0);
		if (xtcp_rmem_over(sk)) {
			xtcp_inc_stat(sock_net(sk), XTCP_MIB_RCVQDROP);
			return XTCP_RCV_DROPPED;
		}
	}
	xs->bytes_received += data_end - xs->rcv_nxt;
	xs->rcv_nxt = data_end;
	if (xtcp_copy_to_tail(sk, skb))
		return XTCP_RCV_COPIED;
	skb_set_owner_r(skb, sk);
	__skb_queue_tail(&sk->sk_receive_queue, skb);
	return XTCP_RCV_QUEUED;
}
