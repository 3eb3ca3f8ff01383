// SPDX-License-Identifier: GPL-2.0
/*
 * listen.c - passive open: listen(), the SYN queue and accept queue of a
 * listener, accept(), and what happens to queued children when the
 * listener closes.
 *
 * A SYN creates a child socket at once (state SYN_RECV) on the listener's
 * SYN queue; the handshake's final ACK moves it to the accept queue, from
 * which accept() takes it. Limits follow Linux (shared/docs §3.2): the SYN
 * queue is full above the backlog, the accept queue holds backlog + 1, and
 * the backlog is min(listen()'s argument, net.core.somaxconn).
 *
 * Locking: the listener's queue_lock (a leaf spinlock, BHs off) guards both
 * lists, syn_qlen and sk_ack_backlog. A child's ->listener pointer and
 * ->is_child change only under the child's socket lock. Unaccepted
 * children carry SOCK_DEAD while in the SYN queue, so that their own
 * timeout or a RST destroys them; they lose it on entering the accept
 * queue. See Documentation/xtcp-locking.rst.
 */
#include <net/ip.h>
#include <net/inet_common.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "fault.h"

/**
 * xtcp_inet_listen() - proto_ops.listen: move to LISTEN (or just change the
 * backlog of a listener), binding an ephemeral port if none is bound.
 * @sock: the socket.
 * @backlog: listen()'s backlog, already capped at net.core.somaxconn.
 *
 * Context: process; takes the socket lock.
 * Return: 0, -EINVAL if the socket is not an unconnected one in CLOSE or
 * LISTEN, or -EADDRINUSE if it gets no port or another socket's use of
 * the port forbids listening.
 */
int xtcp_inet_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int err = -EINVAL;

	lock_sock(sk);
	if (sock->state != SS_UNCONNECTED || sock->type != SOCK_STREAM)
		goto out;
	if (sk->sk_state != TCP_CLOSE && sk->sk_state != TCP_LISTEN)
		goto out;
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	if (sk->sk_state == TCP_CLOSE) {
		if (!inet_sk(sk)->inet_num) {
			err = xtcp_get_port(sk, 0);
			if (err) {
				err = -EADDRINUSE;
				goto out;
			}
			inet_sk(sk)->inet_sport = htons(inet_sk(sk)->inet_num);
		}
		sk->sk_ack_backlog = 0;
		xtcp_event(sk, XTCP_EV_LISTEN);
		if (!xtcp_listen_port_ok(sk)) {
			inet_sk_set_state(sk, TCP_CLOSE);
			err = -EADDRINUSE;
			goto out;
		}
		xtcp_hash(sk);
	}
	err = 0;
out:
	release_sock(sk);
	return err;
}

static bool xtcp_accept_queue_full(const struct sock *sk)
{
	return READ_ONCE(sk->sk_ack_backlog) >
	       READ_ONCE(sk->sk_max_ack_backlog);
}

/* Copy the listener into a child and make it the SYN's connection. */
static struct sock *xtcp_create_child(struct sock *sk, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct inet_sock *newinet;
	struct xtcp_sock *cxs;
	struct sock *child;
	u32 iss, mtu;

	if (xtcp_should_fail(XTCP_FAULT_CHILD))
		return NULL;
	child = sk_clone_lock(sk, GFP_ATOMIC);
	if (!child)
		return NULL;
	cxs = xtcp_sk(child);
	newinet = inet_sk(child);
	xtcp_init_sock_fields(child);
	INIT_HLIST_NODE(&child->sk_bind_node);
	RCU_INIT_POINTER(newinet->inet_opt, NULL);
	newinet->mc_list = NULL;
	newinet->inet_daddr = iph->saddr;
	newinet->inet_dport = th->source;
	newinet->inet_rcv_saddr = iph->daddr;
	newinet->inet_saddr = iph->daddr;
	newinet->inet_sport = th->dest;
	atomic_set(&newinet->inet_id, get_random_u16());
	child->sk_ack_backlog = 0;
	child->sk_max_ack_backlog = 0;

	if (cb->reopens_time_wait)
		iss = cb->reopen_iss;
	else
		iss = xtcp_new_isn(iph->daddr, iph->saddr, th->dest, th->source);
	xtcp_reset_sequence_space(cxs, iss);
	/* The MSS we offer comes from the route back to the peer. */
	mtu = xtcp_af(child)->route_mtu(child);
	cxs->pmtu_cookie = mtu;
	cxs->advmss = xtcp_route_mss(child, mtu ? mtu : XTCP_DEFAULT_MSS +
				     sizeof(struct iphdr) +
				     sizeof(struct tcphdr));
	xtcp_init_from_syn(child, cb);
	cxs->is_child = 1;
	sock_hold(sk);
	cxs->listener = sk;
	sock_set_flag(child, SOCK_DEAD);
	xtcp_event(child, XTCP_EV_RCV_SYN);
	return child;
}

/* RFC 9293 §3.10.7.2: a segment for a listener. */
static void xtcp_listen_syn(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	struct sock *child;
	bool full;

	if (xtcp_accept_queue_full(sk)) {
		xtcp_inc_stat(net, XTCP_MIB_LISTENOVERFLOWS);
		xtcp_inc_stat(net, XTCP_MIB_LISTENDROPS);
		return;
	}
	spin_lock_bh(&xs->queue_lock);
	full = xs->syn_qlen > READ_ONCE(sk->sk_max_ack_backlog);
	spin_unlock_bh(&xs->queue_lock);
	if (full) {
		xtcp_inc_stat(net, XTCP_MIB_LISTENDROPS);
		return;
	}
	/*
	 * From the listener's backlog this runs in process context: the
	 * child's spinlock must not be held with BHs on, or the softirq that
	 * the SYN-ACK's transmission runs on this CPU (loopback: the peer's
	 * ACK comes right back) spins on it forever.
	 */
	local_bh_disable();
	child = xtcp_create_child(sk, skb);
	if (!child) {
		local_bh_enable();
		xtcp_inc_stat(net, XTCP_MIB_LISTENDROPS);
		return;
	}
	if (!xtcp_ehash_insert(child)) {
		xtcp_done(child);	/* orphan: destroyed, listener let go */
		bh_unlock_sock(child);
		local_bh_enable();
		sock_put(child);
		return;
	}
	spin_lock(&xs->queue_lock);
	list_add_tail(&xtcp_sk(child)->queue_node, &xs->syn_queue);
	xs->syn_qlen++;
	spin_unlock(&xs->queue_lock);

	if (xtcp_queue_control(child, TCPHDR_SYN)) {
		/* No SYN-ACK to send: forget the SYN, the peer sends it again. */
		xtcp_inc_stat(net, XTCP_MIB_LISTENDROPS);
		xtcp_done(child);
	} else {
		xtcp_push(child);	/* the SYN-ACK */
	}
	bh_unlock_sock(child);
	local_bh_enable();
	sock_put(child);	/* sk_clone_lock()'s second reference */
}

/**
 * xtcp_listen_rcv() - a segment for a listening socket; consumes @skb.
 * @sk: the listener.
 * @skb: the segment.
 *
 * Context: softirq or process (backlog), listener locked.
 */
void xtcp_listen_rcv(struct sock *sk, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (cb->flags & TCPHDR_RST)
		goto drop;
	if (cb->flags & TCPHDR_ACK) {
		/* No connection for this ACK: RFC 9293 says reset. */
		xtcp_send_reset_for(sock_net(sk), skb);
		goto drop;
	}
	if ((cb->flags & (TCPHDR_SYN | TCPHDR_FIN)) == TCPHDR_SYN &&
	    skb->pkt_type == PACKET_HOST)
		xtcp_listen_syn(sk, skb);
drop:
	kfree_skb(skb);
}

/**
 * xtcp_child_may_establish() - the final ACK of @child's handshake
 * arrived: is there room in the accept queue?
 * @child: a listener's child in SYN_RECV.
 *
 * Context: child locked.
 * Return: true if there is; false (counted as a listen overflow and drop)
 * if the accept queue is full, or if @child has no listener any more.
 */
bool xtcp_child_may_establish(struct sock *child)
{
	struct sock *sk = xtcp_sk(child)->listener;

	if (!sk)
		return false;
	if (!xtcp_accept_queue_full(sk))
		return true;
	xtcp_inc_stat(sock_net(sk), XTCP_MIB_LISTENOVERFLOWS);
	xtcp_inc_stat(sock_net(sk), XTCP_MIB_LISTENDROPS);
	return false;
}

/**
 * xtcp_child_established() - @child reached ESTABLISHED: move it to the
 * accept queue and wake the listener. If the listener is closing, the
 * child is reset instead.
 * @child: the child.
 *
 * Context: child locked; takes the listener's queue_lock.
 * Return: true if queued; false if reset (then closed: the caller must
 * not go on processing the segment for it).
 */
bool xtcp_child_established(struct sock *child)
{
	struct xtcp_sock *cxs = xtcp_sk(child);
	struct sock *sk = cxs->listener;
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool ok;

	xtcp_assert_locked(child);
	spin_lock_bh(&xs->queue_lock);
	ok = sk->sk_state == TCP_LISTEN && !list_empty(&cxs->queue_node);
	if (ok) {
		list_move_tail(&cxs->queue_node, &xs->accept_queue);
		xs->syn_qlen--;
		cxs->in_accept_queue = true;
		sk_acceptq_added(sk);
		sock_reset_flag(child, SOCK_DEAD);
	}
	spin_unlock_bh(&xs->queue_lock);

	if (!ok) {
		xtcp_send_active_reset(child, GFP_ATOMIC);
		xtcp_done(child);
		return false;
	}
	xtcp_inc_stat(sock_net(child), XTCP_MIB_PASSIVEOPENS);
	sk->sk_data_ready(sk);
	return true;
}

/**
 * xtcp_child_unlink() - take @child off its listener's queue and drop its
 * reference on the listener.
 * @child: the child; nothing happens if it has no listener.
 *
 * Context: child locked; takes the listener's queue_lock.
 */
void xtcp_child_unlink(struct sock *child)
{
	struct xtcp_sock *cxs = xtcp_sk(child);
	struct sock *sk = cxs->listener;
	struct xtcp_sock *xs;

	xtcp_assert_locked(child);
	if (!sk)
		return;
	xs = xtcp_sk(sk);
	spin_lock_bh(&xs->queue_lock);
	if (!list_empty(&cxs->queue_node)) {
		list_del_init(&cxs->queue_node);
		if (cxs->in_accept_queue)
			sk_acceptq_removed(sk);
		else
			xs->syn_qlen--;
	}
	cxs->in_accept_queue = false;
	spin_unlock_bh(&xs->queue_lock);
	cxs->listener = NULL;
	cxs->is_child = 0;
	sock_put(sk);
}

/* Pop the first child of either queue, or NULL; takes a reference. */
static struct sock *xtcp_pop_child(struct xtcp_sock *xs, bool accept_only)
{
	struct xtcp_sock *cxs = NULL;

	spin_lock_bh(&xs->queue_lock);
	if (!list_empty(&xs->accept_queue)) {
		cxs = list_first_entry(&xs->accept_queue, struct xtcp_sock,
				       queue_node);
		sk_acceptq_removed(&xs->inet.sk);
	} else if (!accept_only && !list_empty(&xs->syn_queue)) {
		cxs = list_first_entry(&xs->syn_queue, struct xtcp_sock,
				       queue_node);
		xs->syn_qlen--;
	}
	if (cxs) {
		list_del_init(&cxs->queue_node);
		cxs->in_accept_queue = false;
		sock_hold(&cxs->inet.sk);
	}
	spin_unlock_bh(&xs->queue_lock);
	return cxs ? &cxs->inet.sk : NULL;
}

/* Detach a popped child from its listener under the child's lock. */
static struct sock *xtcp_detach_child(struct sock *child)
{
	struct sock *listener = xtcp_sk(child)->listener;

	xtcp_sk(child)->listener = NULL;
	xtcp_sk(child)->is_child = 0;
	return listener;
}

/**
 * xtcp_listen_stop() - the listener closed: reset its established
 * children (RFC 9293 §3.10.4, like Linux's inet_csk_listen_stop()) and
 * silently drop those still in SYN_RECV.
 * @sk: the listener, already in CLOSE.
 *
 * Context: process, listener locked; locks each child in turn.
 */
void xtcp_listen_stop(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sock *child, *listener;

	while ((child = xtcp_pop_child(xs, false)) != NULL) {
		local_bh_disable();
		bh_lock_sock_nested(child);
		listener = xtcp_detach_child(child);
		if (child->sk_state != TCP_CLOSE) {
			if (child->sk_state != TCP_SYN_RECV)
				xtcp_send_active_reset(child, GFP_ATOMIC);
			sock_set_flag(child, SOCK_DEAD);
			xtcp_done(child);
		} else if (!sock_flag(child, SOCK_DEAD)) {
			/* Reset while queued: the queue held the last claim. */
			sock_set_flag(child, SOCK_DEAD);
			xtcp_destroy_orphan(child);
		}
		bh_unlock_sock(child);
		local_bh_enable();
		if (listener)
			sock_put(listener);
		sock_put(child);
	}
}

static int xtcp_wait_for_child(struct sock *sk, long timeo)
{
	DEFINE_WAIT(wait);
	int err;

	for (;;) {
		prepare_to_wait_exclusive(sk_sleep(sk), &wait,
					  TASK_INTERRUPTIBLE);
		release_sock(sk);
		if (list_empty_careful(&xtcp_sk(sk)->accept_queue))
			timeo = schedule_timeout(timeo);
		/*
		 * Without the sleep (release_sock() queued a child) we are
		 * still TASK_INTERRUPTIBLE; lock_sock() may sleep, which is
		 * fine here: the loop re-arms the wait before sleeping.
		 */
		sched_annotate_sleep();
		lock_sock(sk);
		err = 0;
		if (!list_empty_careful(&xtcp_sk(sk)->accept_queue))
			break;
		err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		err = -EAGAIN;
		if (!timeo)
			break;
	}
	finish_wait(sk_sleep(sk), &wait);
	return err;
}

/**
 * xtcp_accept_child() - proto.accept: the oldest established child, or
 * wait for one (non-blocking: -EAGAIN).
 * @sk: the listener.
 * @flags: file flags; O_NONBLOCK means do not wait.
 * @err: set to 0, or to the negative errno when NULL is returned.
 *
 * Context: process; takes the listener's socket lock, then the child's.
 * Return: the child, its reference now the caller's, or NULL.
 */
struct sock *xtcp_accept_child(struct sock *sk, int flags, int *err)
{
	struct sock *child = NULL, *listener;
	long timeo;

	lock_sock(sk);
	*err = -EINVAL;
	if (sk->sk_state != TCP_LISTEN)
		goto out;
	if (list_empty_careful(&xtcp_sk(sk)->accept_queue)) {
		timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
		*err = -EAGAIN;
		if (!timeo)
			goto out;
		*err = xtcp_wait_for_child(sk, timeo);
		if (*err)
			goto out;
	}
	child = xtcp_pop_child(xtcp_sk(sk), true);
	*err = child ? 0 : -EAGAIN;
out:
	release_sock(sk);
	if (!child)
		return NULL;
	lock_sock(child);
	listener = xtcp_detach_child(child);
	release_sock(child);
	if (listener)
		sock_put(listener);
	/* The clone's first reference is the file's now; drop the pop's. */
	sock_put(child);
	return child;
}
