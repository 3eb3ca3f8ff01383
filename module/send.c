// SPDX-License-Identifier: GPL-2.0
/*
 * send.c - sendmsg(): copy the application's bytes into MSS-sized
 * segments on the write queue and push what the peer's window admits.
 *
 * Each write-queue skb holds one segment's payload in its linear area,
 * with room in front for the headers; it stays queued until acknowledged.
 * Bytes are appended to the last segment while it is unsent and not full,
 * so a stream of small writes still makes full-sized segments.
 */
#include <net/tcp.h>

#include "xtcp.h"
#include "fault.h"
#include "proto/nagle.h"

/* A segment that has not been sent yet and still has room. */
static struct sk_buff *xtcp_tail_for_append(struct sock *sk)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!skb || xtcp_seq_before(XTCP_SKB_CB(skb)->seq, xs->snd_nxt))
		return NULL;
	if (XTCP_SKB_CB(skb)->flags & (TCPHDR_SYN | TCPHDR_FIN))
		return NULL;
	if (skb->len >= xs->mss || !skb_tailroom(skb))
		return NULL;
	return skb;
}

/*
 * Header room for a segment of @mss bytes: XTCP_MAX_HEADER, or less (but
 * enough for TCP, IP and an Ethernet header) where that keeps the whole
 * buffer in the next smaller kmalloc size. For a 1448-byte MSS that is
 * 2 KB instead of 4 KB, which halves what each segment charges to the
 * receiver's buffer as well as ours (truesize).
 */
static unsigned int xtcp_data_headroom(unsigned int mss)
{
	unsigned int fit = SKB_WITH_OVERHEAD(roundup_pow_of_two(
			SKB_DATA_ALIGN(XTCP_MIN_HEADROOM + mss) +
			SKB_DATA_ALIGN(sizeof(struct skb_shared_info))));

	return clamp_t(unsigned int, fit - mss, XTCP_MIN_HEADROOM,
		       XTCP_MAX_HEADER);
}

/* A new, empty segment, not yet on the write queue. */
static struct sk_buff *xtcp_new_segment(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;
	unsigned int room;

	if (xtcp_should_fail(XTCP_FAULT_DATA))
		return NULL;
	room = xtcp_data_headroom(xs->mss);
	skb = alloc_skb(room + xs->mss, sk->sk_allocation);
	if (!skb)
		return NULL;
	skb_reserve(skb, room);
	memset(skb->cb, 0, sizeof(skb->cb));
	XTCP_SKB_CB(skb)->seq = xs->write_seq;
	XTCP_SKB_CB(skb)->end_seq = xs->write_seq;
	XTCP_SKB_CB(skb)->flags = TCPHDR_ACK | TCPHDR_PSH;
	return skb;
}

/* Copy up to @left bytes into the write queue; bytes copied or -errno. */
static int xtcp_copy_to_queue(struct sock *sk, struct msghdr *msg, size_t left)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;
	size_t copy, done;
	bool fresh = false;

	skb = xtcp_tail_for_append(sk);
	if (!skb) {
		skb = xtcp_new_segment(sk);
		if (!skb)
			return -ENOBUFS;
		fresh = true;
	}
	copy = min_t(size_t, left, xs->mss - skb->len);
	copy = min_t(size_t, copy, skb_tailroom(skb));
	done = copy_from_iter(skb_put(skb, copy), copy, &msg->msg_iter);
	if (done < copy) {
		/* A fault part-way: keep what arrived, give back the rest. */
		skb_trim(skb, skb->len - (copy - done));
		copy = done;
	}
	if (!copy) {
		/* Nothing arrived: an empty segment must not be queued. */
		if (fresh)
			kfree_skb(skb);
		return -EFAULT;
	}
	if (fresh) {
		sk->sk_wmem_queued += skb->truesize;
		__skb_queue_tail(&sk->sk_write_queue, skb);
	}
	XTCP_SKB_CB(skb)->end_seq += copy;
	xs->write_seq += copy;
	return copy;
}

/**
 * xtcp_sendmsg() - proto.sendmsg.
 * @sk: the socket.
 * @msg: the bytes, and MSG_* flags in its msg_flags.
 * @size: not used: msg_data_left(@msg) is the length.
 *
 * Context: process; takes the socket lock.
 * Return: bytes queued, or a negative errno (EPIPE raises SIGPIPE unless
 * MSG_NOSIGNAL, as for TCP).
 */
int xtcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	int flags = msg->msg_flags, copied = 0, err;
	long timeo;

	lock_sock(sk);
	xtcp_rate_check_app_limited(sk);
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	if (!xtcp_state_can_send(sk->sk_state)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto out_err;
	}
	while (msg_data_left(msg)) {
		err = -EPIPE;
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN) ||
		    !xtcp_state_can_send(sk->sk_state))
			goto out_err;
		if (!sk_stream_memory_free(sk)) {
			xtcp_push(sk);
			set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			err = sk_stream_wait_memory(sk, &timeo);
			if (err)
				goto out_err;
			continue;
		}
		err = xtcp_copy_to_queue(sk, msg, msg_data_left(msg));
		if (err < 0)
			goto out_err;
		copied += err;
	}
	/* MSG_MORE: more is coming, as if corked for this call. */
	xtcp_push_mode(sk, flags & MSG_MORE ? XTCP_NAGLE_CORK : 0);
	release_sock(sk);
	return copied;

out_err:
	xtcp_push(sk);
	if (copied) {
		release_sock(sk);
		return copied;
	}
	err = sk_stream_error(sk, flags, err);
	release_sock(sk);
	return err;
}
