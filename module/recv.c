// SPDX-License-Identifier: GPL-2.0
/*
 * recv.c - recvmsg(): copy in-order bytes from the receive queue to the
 * application, honour MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL and SO_RCVLOWAT,
 * report end of stream and errors as TCP does, and reopen the window
 * once the application has made room.
 *
 * Receive-queue skbs hold payload only; XTCP_SKB_CB(skb)->seq is the
 * sequence number of their first byte, so the read position
 * (copied_seq) locates the next byte without per-skb offsets.
 */
#include <net/tcp.h>

#include "xtcp.h"
#include "proto/segment.h"

/**
 * xtcp_find_seq() - the receive-queue skb holding sequence number @seq.
 * @sk: the socket.
 * @seq: a sequence number of queued data.
 * @offset: set to the offset of @seq in the skb found.
 *
 * Context: socket locked.
 * Return: the skb, or NULL if no queued skb holds @seq.
 */
struct sk_buff *xtcp_find_seq(struct sock *sk, u32 seq, u32 *offset)
{
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_receive_queue, skb) {
		u32 off = seq - XTCP_SKB_CB(skb)->seq;

		if (off < skb->len) {
			*offset = off;
			return skb;
		}
	}
	return NULL;
}

/* Free skbs the reader has consumed entirely. */
static void xtcp_eat_consumed(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = skb_peek(&sk->sk_receive_queue)) != NULL &&
	       !xtcp_seq_after(XTCP_SKB_CB(skb)->seq + skb->len,
			       xs->copied_seq)) {
		__skb_unlink(skb, &sk->sk_receive_queue);
		kfree_skb(skb);
	}
}

/**
 * xtcp_cleanup_rbuf() - after a read, send the delayed ACK now if the
 * read ended a message (below), else tell the peer if the window can
 * now at least double (the usual rule for a window update: small updates
 * only cause silly-window traffic, RFC 9293 §3.8.6.2.2), once the
 * buffer has had its chance to grow (xtcp_rcv_space_adjust()).
 * @sk: the socket.
 * @copied: bytes just read; nothing is done unless positive.
 *
 * Context: socket locked.
 */
void xtcp_cleanup_rbuf(struct sock *sk, int copied)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 left = 0, could, max_wnd;
	int free;

	if (copied <= 0 || (sk->sk_shutdown & RCV_SHUTDOWN) ||
	    !((1 << sk->sk_state) &
	      (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)))
		return;
	xtcp_rcv_space_adjust(sk);
	/*
	 * A delayed ACK is owed: send it now if a second full segment
	 * came meanwhile, or if this read emptied the queue of a small
	 * segment (the end of a message: its sender may be waiting for the
	 * ACK to send more, Nagle), unless TCP_QUICKACK is off and only
	 * one small segment came: its ACK can ride on the answer.
	 */
	if (xtcp_timer_armed(sk, XTCP_TIMER_DELACK) &&
	    (xs->rcv_nxt - xs->rcv_wup > xs->rcv_mss ||
	     ((xs->ack_pushed == 2 || (xs->ack_pushed && xs->quickack)) &&
	      !atomic_read(&sk->sk_rmem_alloc)))) {
		xtcp_send_ack(sk);
		return;
	}
	free = sk->sk_rcvbuf - atomic_read(&sk->sk_rmem_alloc);
	if (xtcp_seq_after(xs->rcv_wup + xs->rcv_wnd, xs->rcv_nxt))
		left = xs->rcv_wup + xs->rcv_wnd - xs->rcv_nxt;
	max_wnd = xtcp_max_rcv_window(xs);
	could = min_t(u32, free > 0 ? free / 2 : 0, max_wnd);
	if (2 * (u64)left <= max_wnd && could >= 2 * left &&
	    could - left >= xs->mss)
		xtcp_send_ack(sk);
}

/* Nothing to copy now: decide whether to stop, and with what. */
static int xtcp_recv_blocked(struct sock *sk, int copied, long timeo)
{
	if (copied) {
		if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
		    (sk->sk_shutdown & RCV_SHUTDOWN) || !timeo ||
		    signal_pending(current))
			return 1;
		return 0;
	}
	if (sock_flag(sk, SOCK_DONE))
		return 1;
	if (sk->sk_err)
		return sock_error(sk);
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		return 1;
	if (sk->sk_state == TCP_CLOSE)
		return -ENOTCONN;
	if (!timeo)
		return -EAGAIN;
	if (signal_pending(current))
		return sock_intr_errno(timeo);
	return 0;
}

static int xtcp_recv_locked(struct sock *sk, struct msghdr *msg, size_t len,
			    int flags)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 peek_seq = xs->copied_seq, *seq, offset;
	int copied = 0, target, stop;
	struct sk_buff *skb;
	long timeo;

	if (sk->sk_state == TCP_LISTEN)
		return -ENOTCONN;
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	seq = (flags & MSG_PEEK) ? &peek_seq : &xs->copied_seq;

	while (copied < len) {
		skb = xtcp_find_seq(sk, *seq, &offset);
		if (skb) {
			size_t used = min_t(size_t, skb->len - offset,
					    len - copied);

			if (skb_copy_datagram_msg(skb, offset, msg, used)) {
				if (!copied)
					copied = -EFAULT;
				break;
			}
			*seq += used;
			copied += used;
			if (!(flags & MSG_PEEK))
				xtcp_eat_consumed(sk);
			continue;
		}
		if (copied >= target && !READ_ONCE(sk->sk_backlog.tail))
			break;
		stop = xtcp_recv_blocked(sk, copied, timeo);
		if (stop < 0)
			return stop;
		if (stop)
			break;
		xtcp_cleanup_rbuf(sk, copied);
		sk_wait_data(sk, &timeo, skb_peek_tail(&sk->sk_receive_queue));
	}
	return copied;
}

/**
 * xtcp_recvmsg() - proto.recvmsg.
 * @sk: the socket.
 * @msg: where the bytes go.
 * @len: at most this many bytes.
 * @flags: MSG_* flags; MSG_OOB and MSG_ERRQUEUE fail with -EINVAL.
 *
 * Context: process; takes the socket lock.
 * Return: bytes read; 0 at end of stream; or a negative errno.
 */
int xtcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags)
{
	int ret;

	if (flags & (MSG_OOB | MSG_ERRQUEUE))
		return -EINVAL;
	lock_sock(sk);
	ret = xtcp_recv_locked(sk, msg, len, flags);
	if (ret > 0)
		xtcp_cleanup_rbuf(sk, ret);
	release_sock(sk);
	return ret;
}
