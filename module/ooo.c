// SPDX-License-Identifier: GPL-2.0
/*
 * ooo.c - the out-of-order queue: segments that arrived ahead of a hole,
 * kept until the hole fills and then handed to the receive queue in
 * order (RFC 9293 §3.10.7.4 seventh check: a receiver SHOULD keep them).
 *
 * The queue is an rbtree of sk_buffs keyed by sequence number
 * (xtcp_sock.ooo_queue, through skb->rbnode), whose ranges never overlap:
 * a segment is trimmed to the bytes no queued one holds, and queued ones
 * it covers entirely are dropped (TCPOFOMerge counts either). Its
 * sk_buffs are charged to the receive buffer like the receive queue's, so
 * the window offered shrinks as it fills; when a segment finds the
 * buffer full, the queue gives up its highest segments above the new
 * one first (OfoPruned, as Linux's tcp_prune_ofo_queue()), and if that
 * is not enough the segment is dropped (TCPOFODrop). Memory is therefore
 * bounded by sk_rcvbuf whatever a peer sends.
 *
 * Locking: the socket lock, like the receive queue.
 */
#include <linux/rbtree.h>
#include <net/tcp.h>

#include "xtcp.h"

static bool xtcp_ooo_rmem_over(const struct sock *sk, unsigned int more)
{
	return atomic_read(&sk->sk_rmem_alloc) + more >
	       READ_ONCE(sk->sk_rcvbuf);
}

static void xtcp_ooo_erase(struct sock *sk, struct sk_buff *skb)
{
	rb_erase(&skb->rbnode, &xtcp_sk(sk)->ooo_queue);
	kfree_skb(skb);
}

/**
 * xtcp_ooo_prune() - make room in the receive buffer for @truesize more
 * bytes by dropping the queue's highest segments that start after @seq:
 * data the reader needs sooner goes first (Linux's tcp_prune_ofo_queue()).
 * @sk: the socket.
 * @seq: segments at or below it stay.
 * @truesize: the room wanted beyond what is charged now.
 *
 * Context: socket locked.
 * Return: true if there is room now.
 */
bool xtcp_ooo_prune(struct sock *sk, u32 seq, unsigned int truesize)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *last;
	bool pruned = false;

	while (xtcp_ooo_rmem_over(sk, truesize)) {
		last = skb_rb_last(&xs->ooo_queue);
		if (!last || !xtcp_seq_after(XTCP_SKB_CB(last)->seq, seq))
			break;
		xtcp_ooo_erase(sk, last);
		pruned = true;
	}
	if (pruned)
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_OFOPRUNED);
	return !xtcp_ooo_rmem_over(sk, truesize);
}

/* Trim @skb's front so that it starts at @seq. */
static bool xtcp_ooo_trim_front(struct sk_buff *skb, u32 seq)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (!pskb_pull(skb, seq - cb->seq))
		return false;
	cb->seq = seq;
	return true;
}

/* Trim @skb's end so that its data ends at @seq; the FIN goes with it. */
static bool xtcp_ooo_trim_end(struct sk_buff *skb, u32 seq)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (pskb_trim(skb, seq - cb->seq))
		return false;
	cb->flags &= ~TCPHDR_FIN;
	cb->end_seq = seq;
	return true;
}

/*
 * Add @run to the SACK blocks: as out[0] if it holds the newest segment,
 * else at out[@n] if there is room. Return the new count.
 */
static unsigned int xtcp_ooo_sack_put(const struct xtcp_sock *xs,
				      struct xtcp_sack_block *out,
				      unsigned int n, unsigned int max,
				      const struct xtcp_sack_block *run,
				      bool *newest)
{
	if (!*newest && !xtcp_seq_before(xs->ooo_last_seq, run->start) &&
	    xtcp_seq_before(xs->ooo_last_seq, run->end)) {
		out[0] = *run;
		*newest = true;
	} else if (n < max) {
		out[n++] = *run;
	}
	return n;
}

/* The last queued segment that starts at or before @seq, or NULL. */
static struct sk_buff *xtcp_ooo_find(struct xtcp_sock *xs, u32 seq)
{
	struct rb_node *n = xs->ooo_queue.rb_node;
	struct sk_buff *best = NULL;

	while (n) {
		struct sk_buff *q = rb_to_skb(n);

		if (xtcp_seq_before(seq, XTCP_SKB_CB(q)->seq)) {
			n = n->rb_left;
		} else {
			best = q;
			n = n->rb_right;
		}
	}
	return best;
}

/* Put @skb in its place; no queued segment overlaps it. */
static void xtcp_ooo_link(struct xtcp_sock *xs, struct sk_buff *skb)
{
	struct rb_node **p = &xs->ooo_queue.rb_node, *parent = NULL;
	u32 seq = XTCP_SKB_CB(skb)->seq;

	while (*p) {
		parent = *p;
		if (xtcp_seq_before(seq, XTCP_SKB_CB(rb_to_skb(parent))->seq))
			p = &parent->rb_left;
		else
			p = &parent->rb_right;
	}
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &xs->ooo_queue);
}

/**
 * xtcp_ooo_insert() - keep a segment that starts beyond RCV.NXT.
 * @sk: the socket.
 * @skb: the segment, data after the header, its start inside the window.
 *
 * Bytes beyond the window's right edge are cut off (with the FIN), and
 * bytes already queued are not kept twice.
 *
 * Context: socket locked.
 * Return: %XTCP_RCV_QUEUED if @skb is now on the queue (the caller must
 * not free it), %XTCP_RCV_OLD if it brought nothing new,
 * %XTCP_RCV_DROPPED if there was no room.
 */
enum xtcp_rcv_verdict xtcp_ooo_insert(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 right = xs->rcv_nxt + xtcp_rcv_window_left(xs);
	struct net *net = sock_net(sk);
	struct sk_buff *q, *next;
	u32 end;

	xtcp_assert_locked(sk);
	if (!xtcp_seq_before(cb->seq, right))
		return XTCP_RCV_OLD;
	if (xtcp_seq_after(cb->seq + skb->len, right) &&
	    !xtcp_ooo_trim_end(skb, right))
		return XTCP_RCV_DROPPED;
	/* Nothing counts after a queued FIN, always the queue's last. */
	q = skb_rb_last(&xs->ooo_queue);
	if (q && (XTCP_SKB_CB(q)->flags & TCPHDR_FIN)) {
		end = XTCP_SKB_CB(q)->seq + q->len;
		if (!xtcp_seq_before(cb->seq, end))
			return XTCP_RCV_OLD;
		if (xtcp_seq_after(cb->seq + skb->len, end) &&
		    !xtcp_ooo_trim_end(skb, end))
			return XTCP_RCV_DROPPED;
	}
	/* The last queued segment that starts at or before ours. */
	q = xtcp_ooo_find(xs, cb->seq);
	/* Its bytes are not kept twice: cut ours to what follows them. */
	if (q) {
		end = XTCP_SKB_CB(q)->seq + q->len;
		if (!xtcp_seq_before(end, cb->seq + skb->len) &&
		    !((cb->flags & TCPHDR_FIN) &&
		      !(XTCP_SKB_CB(q)->flags & TCPHDR_FIN))) {
			xtcp_inc_stat(net, XTCP_MIB_OFOMERGE);
			xtcp_dsack_set(sk, cb->seq, cb->seq + skb->len, true);
			xs->ooo_last_seq = cb->seq;	/* its run comes next */
			return XTCP_RCV_OLD;	/* all of it is queued */
		}
		if (xtcp_seq_after(end, cb->seq)) {
			xtcp_inc_stat(net, XTCP_MIB_OFOMERGE);
			xtcp_dsack_set(sk, cb->seq,
				       xtcp_seq_before(end, cb->seq + skb->len) ?
				       end : cb->seq + skb->len, true);
			if (!xtcp_ooo_trim_front(skb, end))
				return XTCP_RCV_DROPPED;
		}
		next = skb_rb_next(q);
	} else {
		next = skb_rb_first(&xs->ooo_queue);
	}
	/* Queued segments that ours covers go; one it reaches into cuts it. */
	while (next && xtcp_seq_before(XTCP_SKB_CB(next)->seq,
				       cb->seq + skb->len)) {
		struct sk_buff *after = skb_rb_next(next);

		xtcp_inc_stat(net, XTCP_MIB_OFOMERGE);
		if (!xtcp_seq_after(XTCP_SKB_CB(next)->seq + next->len,
				    cb->seq + skb->len) &&
		    !(XTCP_SKB_CB(next)->flags & TCPHDR_FIN)) {
			xtcp_ooo_erase(sk, next);
		} else {
			if (!xtcp_ooo_trim_end(skb, XTCP_SKB_CB(next)->seq))
				return XTCP_RCV_DROPPED;
			break;
		}
		next = after;
	}
	if (!skb->len && !(cb->flags & TCPHDR_FIN))
		return XTCP_RCV_OLD;
	/* Ours carries the FIN: whatever lies beyond it is no data. */
	if (cb->flags & TCPHDR_FIN) {
		end = cb->seq + skb->len;
		while ((q = skb_rb_last(&xs->ooo_queue)) != NULL &&
		       !xtcp_seq_before(XTCP_SKB_CB(q)->seq, end))
			xtcp_ooo_erase(sk, q);
	}
	/* Only now, for what will be kept: room for it. */
	if (!xtcp_ooo_prune(sk, cb->seq, skb->truesize)) {
		xtcp_inc_stat(net, XTCP_MIB_OFODROP);
		return XTCP_RCV_DROPPED;
	}
	xtcp_ooo_link(xs, skb);
	xs->ooo_last_seq = cb->seq;
	skb_set_owner_r(skb, sk);
	xtcp_inc_stat(net, XTCP_MIB_OFOQUEUE);
	return XTCP_RCV_QUEUED;
}

/**
 * xtcp_ooo_drain() - RCV.NXT moved: hand the segments that now follow it
 * to the receive queue, and free those it passed.
 * @sk: the socket.
 *
 * Context: socket locked.
 * Return: true if the last segment handed on carries the FIN (the caller
 * processes it: RCV.NXT is then just before it).
 */
bool xtcp_ooo_drain(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	xtcp_assert_locked(sk);
	while ((skb = skb_rb_first(&xs->ooo_queue)) != NULL) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
		bool fin = cb->flags & TCPHDR_FIN;
		u32 end = cb->seq + skb->len;

		if (xtcp_seq_after(cb->seq, xs->rcv_nxt))
			break;
		rb_erase(&skb->rbnode, &xs->ooo_queue);
		/* Passed by data that came in order meanwhile: all or part. */
		if (xtcp_seq_before(end, xs->rcv_nxt) ||
		    (end == xs->rcv_nxt && !fin) ||
		    (xtcp_seq_before(cb->seq, xs->rcv_nxt) &&
		     !xtcp_ooo_trim_front(skb, xs->rcv_nxt))) {
			kfree_skb(skb);
			continue;
		}
		xs->bytes_received += end - xs->rcv_nxt;
		xs->rcv_nxt = end;
		if (skb->len)
			xtcp_rcvq_append(sk, skb);	/* may free it */
		else
			kfree_skb(skb);
		if (fin) {
			xtcp_ooo_purge(sk);	/* nothing comes after a FIN */
			return true;
		}
	}
	return false;
}

/**
 * xtcp_ooo_sack() - the SACK blocks that describe the queue (RFC 2018
 * §4): its contiguous runs of data, the one holding the segment that came
 * last first (the one this ACK answers), then the others from the
 * highest down.
 * @sk: the socket.
 * @out: filled with up to @max blocks.
 * @max: room in @out.
 *
 * Context: socket locked.
 * Return: the number of blocks.
 */
unsigned int xtcp_ooo_sack(const struct sock *sk, struct xtcp_sack_block *out,
			   unsigned int max)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	bool have = false, newest = false;
	struct xtcp_sack_block run;
	unsigned int n = 1;	/* out[0] is kept for the newest run */
	struct rb_node *p;

	xtcp_assert_locked(sk);
	if (!max)
		return 0;
	for (p = rb_last(&xs->ooo_queue); p; p = rb_prev(p)) {
		const struct sk_buff *skb = rb_to_skb(p);
		u32 seq = XTCP_SKB_CB(skb)->seq;

		if (!skb->len)
			continue;	/* a bare FIN: no data to report */
		if (have && seq + skb->len == run.start) {
			run.start = seq;
			continue;
		}
		if (have)
			n = xtcp_ooo_sack_put(xs, out, n, max, &run, &newest);
		run.start = seq;
		run.end = seq + skb->len;
		have = true;
	}
	if (have)
		n = xtcp_ooo_sack_put(xs, out, n, max, &run, &newest);
	if (!newest) {		/* the newest segment is no longer queued */
		memmove(out, out + 1, (n - 1) * sizeof(*out));
		n--;
	}
	return n;
}

/**
 * xtcp_dsack_set() - RFC 2883: bytes [@start, @end) came a second time;
 * report them as the first SACK block of the next ACK (D-SACK), so the
 * peer can tell a needless retransmission. Only to a peer that takes SACK
 * blocks, and with net.xtcp.dsack on; the first duplicate of a burst wins.
 * @sk: the socket.
 * @start: first byte received again.
 * @end: the byte after the last.
 * @ofo: the bytes were on the out-of-order queue (else below RCV.NXT).
 *
 * Context: socket locked.
 */
void xtcp_dsack_set(struct sock *sk, u32 start, u32 end, bool ofo)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);
	if (!xs->sack_ok || xs->dsack_pending || !xtcp_seq_before(start, end) ||
	    !READ_ONCE(xtcp_pernet(sock_net(sk))->dsack))
		return;
	xs->dsack.start = start;
	xs->dsack.end = end;
	xs->dsack_pending = 1;
	xtcp_inc_stat(sock_net(sk), ofo ? XTCP_MIB_DSACKOFOSENT :
					  XTCP_MIB_DSACKOLDSENT);
}

/**
 * xtcp_ooo_purge() - drop the whole out-of-order queue.
 * @sk: the socket.
 *
 * Context: socket locked, or the socket is being destroyed.
 */
void xtcp_ooo_purge(struct sock *sk)
{
	struct sk_buff *skb;

	/* skb_rbtree_purge() is not exported to modules. */
	while ((skb = skb_rb_first(&xtcp_sk(sk)->ooo_queue)) != NULL)
		xtcp_ooo_erase(sk, skb);
}
