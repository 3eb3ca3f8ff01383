// SPDX-License-Identifier: GPL-2.0
/*
 * sock.c - the socket object: its operation tables, creation, state
 * changes, close(), shutdown(), poll() and final destruction.
 *
 * Lifetime of a socket (Documentation/xtcp-locking.rst, "Lifetimes"): the
 * reference from sk_alloc() belongs to the file while a process holds the
 * socket; close() orphans it (SOCK_DEAD) and the reference passes to the
 * protocol, which drops it in xtcp_destroy_orphan() once the connection
 * reaches CLOSE. Hash tables and pending timers hold references of their
 * own.
 */
#include <linux/module.h>
#include <linux/poll.h>
#include <net/inet_common.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "request.h"
#include "proto/buffers.h"

/**
 * xtcp_set_state() - move @sk to @state and keep the per-namespace
 * TIME_WAIT count and the tables in step. Entering CLOSE frees the 4-tuple
 * at once and the local port unless bind() pinned it, as TCP does.
 * @sk: the socket.
 * @state: the new state (TCP_*).
 *
 * Context: socket locked.
 */
void xtcp_set_state(struct sock *sk, int state)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	int old = sk->sk_state;

	xtcp_assert_locked(sk);
	if (old == state)
		return;
	if (old == TCP_TIME_WAIT)
		atomic_dec(&xn->tw_count);
	if (state == TCP_TIME_WAIT)
		atomic_inc(&xn->tw_count);
	inet_sk_set_state(sk, state);
	if (state == TCP_ESTABLISHED) {
		xtcp_sk(sk)->rcv_tstamp = jiffies;
		xtcp_keepalive_reset(sk);
	}
	if (state == TCP_CLOSE) {
		/* An abort from a synchronized, open state (either end). */
		if (old == TCP_ESTABLISHED || old == TCP_CLOSE_WAIT)
			xtcp_inc_stat(sock_net(sk), XTCP_MIB_ESTABRESETS);
		xtcp_unhash(sk);
		if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
			xtcp_put_port(sk);
	}
}

/**
 * xtcp_event() - apply @ev to @sk through the RFC 9293 state table.
 * @sk: the socket.
 * @ev: the event.
 *
 * Context: socket locked.
 * Return: true if the table has a transition for @ev (now taken), false
 * (and no change) if not.
 */
bool xtcp_event(struct sock *sk, enum xtcp_event ev)
{
	int next = xtcp_fsm_next(sk->sk_state, ev);

	if (next < 0) {
		net_dbg_ratelimited("xtcp: no transition from %s on event %d\n",
				    xtcp_state_name(sk->sk_state), ev);
		return false;
	}
	xtcp_set_state(sk, next);
	return true;
}

/** xtcp_purge_queues() - drop everything queued to send or to read. */
void xtcp_purge_queues(struct sock *sk)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue)) != NULL) {
		sk->sk_wmem_queued -= skb->truesize;
		kfree_skb(skb);
	}
	xtcp_sk(sk)->fin_queued = 0;
	xtcp_sk(sk)->fin_wanted = 0;
	__skb_queue_purge(&sk->sk_receive_queue);
	xtcp_ooo_purge(sk);
}

/**
 * xtcp_destroy_orphan() - final teardown of a socket nobody holds: it is
 * in CLOSE and SOCK_DEAD. Drops the owner's reference.
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_destroy_orphan(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_assert_locked(sk);
	WARN_ON_ONCE(sk->sk_state != TCP_CLOSE);
	if (xs->listener)
		xtcp_child_unlink(sk);
	xtcp_clear_timers(sk);
	xtcp_unhash(sk);
	xtcp_put_port(sk);
	xtcp_purge_queues(sk);
	if (xs->orphan_counted) {
		atomic_dec(&xtcp_pernet(sock_net(sk))->orphans);
		xs->orphan_counted = 0;
	}
	sock_put(sk);
}

/**
 * xtcp_orphan_wait() - orphan @sk has nothing left to send and only waits,
 * in TIME_WAIT or FIN_WAIT2. Linux does that waiting in a timewait
 * minisocket (for a FIN_WAIT2 longer than TIME_WAIT, its last 60 s), which
 * holds no namespace reference and is no orphan: give up the reference and
 * stop counting against net.xtcp.max_orphans, or every active close would
 * use up an orphan slot for 60 s.
 * @sk: the orphan.
 *
 * Context: socket locked.
 */
void xtcp_orphan_wait(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_compat_drop_netns_ref(sk);
	if (xs->orphan_counted) {
		atomic_dec(&xtcp_pernet(sock_net(sk))->orphans);
		xs->orphan_counted = 0;
	}
}

/**
 * xtcp_done() - the connection is over (RST, timeout, last ACK, end of
 * TIME_WAIT): enter CLOSE, stop timers, and wake the owner or, for an
 * orphan, destroy the socket.
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_done(struct sock *sk)
{
	xtcp_assert_locked(sk);
	xtcp_set_state(sk, TCP_CLOSE);
	xtcp_clear_timers(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (sock_flag(sk, SOCK_DEAD))
		xtcp_destroy_orphan(sk);
	else
		sk->sk_state_change(sk);
}

/**
 * xtcp_write_space() - sk_write_space callback: wake writers once at least
 * a third of the send buffer is free again, so they do not wake per ACK.
 * @sk: the socket.
 */
void xtcp_write_space(struct sock *sk)
{
	struct socket_wq *wq;

	if (!xtcp_sndbuf_wakes(sk->sk_wmem_queued, READ_ONCE(sk->sk_sndbuf)))
		return;
	if (sk->sk_socket)
		clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
					   EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/**
 * xtcp_init_sock_fields() - set up the xtcp part of a new socket, or of a
 * listener's child after sk_clone_lock() copied the listener into it.
 * @sk: the socket.
 */
void xtcp_init_sock_fields(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_init_timers(sk);
	spin_lock_init(&xs->queue_lock);
	xs->synq = NULL;
	INIT_LIST_HEAD(&xs->accept_queue);
	INIT_LIST_HEAD(&xs->queue_node);
	xs->ooo_queue = RB_ROOT;
	xs->syn_qlen = 0;
	xs->listener = NULL;
	xs->in_accept_queue = false;
	xs->is_child = 0;
	xs->orphan_counted = 0;
	xs->fin_queued = 0;
	xs->fin_wanted = 0;
	xs->deferred = 0;
	xs->pmtu_cookie = 0;
	xtcp_reset_sequence_space(xs, 0);
	sk->sk_write_space = xtcp_write_space;
	/* sk_setup_caps() then tells whether the route takes GSO skbs. */
	sk->sk_gso_type = xtcp_af(sk)->gso_type;
}

/**
 * xtcp_reset_sequence_space() - forget everything about a connection's
 * sequence numbers, windows and timing, as before a new handshake;
 * @iss becomes the initial send sequence number.
 * @xs: the socket.
 * @iss: the new ISS.
 */
void xtcp_reset_sequence_space(struct xtcp_sock *xs, u32 iss)
{
	xs->iss = iss;
	xs->snd_una = iss;
	xs->snd_nxt = iss;
	xs->write_seq = iss;
	xs->snd_sml = iss;
	xs->segs_out = 0;
	xs->data_segs_out = 0;
	xs->segs_in = 0;
	xs->data_segs_in = 0;
	xs->bytes_sent = 0;
	xs->bytes_acked = 0;
	xs->bytes_received = 0;
	xs->delivered = 0;
	xs->rate_delivered = 0;
	xs->rate_interval_us = 0;
	xs->rate_app_limited = 0;
	xs->app_limited = 0;
	xs->rs_have = 0;
	xs->busy_start_us = 0;
	xs->busy_us = 0;
	xs->snd_wnd = 0;
	xs->snd_wl1 = 0;
	xs->snd_wl2 = 0;
	xs->max_window = 0;
	xs->rcv_nxt = 0;
	xs->rcv_wnd = 0;
	xs->rcv_wup = 0;
	xs->copied_seq = 0;
	xs->retransmits = 0;
	xs->probes_out = 0;
	xs->probe_start = 0;
	xs->last_oow_ack = 0;
	xs->rto = XTCP_RTO_INIT;
	xs->srtt_us = 0;
	xs->rttvar_us = 0;
	xs->mss = XTCP_DEFAULT_MSS;
	xs->mss_cap = XTCP_DEFAULT_MSS;
	xs->dup_acks = 0;
	xs->in_recovery = false;
	xtcp_cc_init(&xs->inet.sk);
	xtcp_sack_reset(&xs->inet.sk);
	xs->total_retrans = 0;
	xs->bytes_retrans = 0;
	xs->dsack_dups = 0;
	xs->fack = iss;
	xs->reordering = XTCP_DUPACK_THRESH;
	xs->reord_seen = 0;
	xs->undo_marker = 0;
	xs->undo_retrans = 0;
	xs->prr_delivered = 0;
	xs->prr_out = 0;
	xs->retrans_ts_set = false;
	xs->min_rtt_us = 0;
	xs->rack_valid = false;
	xs->tlp_out = 0;
	xs->tlp_armed = 0;
	xs->reo_armed = 0;
	xs->tlp_dsacked = 0;
	xs->rack_advanced = false;
	xs->rack_wait_us = 0;
	xs->lsndtime = 0;
	xs->ts_ok = 0;
	xs->sack_ok = 0;
	xs->dsack_pending = 0;
	xs->ts_off = 0;
	xs->ts_recent.val = 0;
	xs->ts_recent.stamp = 0;
	xs->wscale_ok = 0;
	xs->snd_wscale = 0;
	xs->rcv_wscale = 0;
	xs->rcvq_space = 0;
	xs->rcvq_seq = 0;
	xs->rcvq_time = 0;
	xs->rcv_rtt_us = 0;
}

/*
 * sk_destruct: the socket's memory goes; a listener's SYN queue with it
 * (its timer stopped when it stopped listening). A clone that failed
 * before xtcp_init_sock_fields() still carries its listener's pointer:
 * the queue is only freed by the socket it belongs to.
 */
static void xtcp_sock_destruct(struct sock *sk)
{
	struct xtcp_synq *q = xtcp_sk(sk)->synq;

	if (q && q->sk == sk) {
		WARN_ON_ONCE(timer_pending(&q->timer));
		kfree(q);
	}
	inet_sock_destruct(sk);
}

static int xtcp_init_sock(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_init_sock_fields(sk);
	sk->sk_destruct = xtcp_sock_destruct;
	/*
	 * Lookups walk the socket tables under RCU (hash.c): the memory
	 * stays a socket for a grace period after the last reference.
	 * Children inherit the flag from sk_clone_lock().
	 */
	sock_set_flag(sk, SOCK_RCU_FREE);
	xs->nodelay = 0;
	xs->cork = 0;
	xs->syn_retries = 0;
	xs->user_mss = 0;
	xs->linger2 = 0;
	xs->quickack = 1;
	/* Initial buffer sizes: net.xtcp.wmem[1] and rmem[1]. */
	WRITE_ONCE(sk->sk_sndbuf, READ_ONCE(xtcp_pernet(sock_net(sk))->wmem[1]));
	WRITE_ONCE(sk->sk_rcvbuf, READ_ONCE(xtcp_pernet(sock_net(sk))->rmem[1]));
	return 0;
}

/**
 * xtcp_sndbuf_expand() - once connected, and whenever the peer's window
 * grows, make the send buffer hold two full windows of segments (with
 * their sk_buff overhead, and at least 64 KiB of window), up to
 * net.xtcp.wmem[2], unless the application fixed it with SO_SNDBUF.
 * Without this a 16 KiB buffer would hold less than one 64 KiB loopback
 * segment.
 * @sk: the socket.
 *
 * Context: socket locked.
 */
void xtcp_sndbuf_expand(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u64 per_seg = SKB_TRUESIZE(XTCP_MAX_HEADER + xs->mss);
	u64 segs = max(xs->max_window, XTCP_MAX_WINDOW) / xs->mss + 2;
	int want = min_t(u64, 2 * segs * per_seg,
			 max(READ_ONCE(xtcp_pernet(sock_net(sk))->wmem[2]), 0));

	if (!(sk->sk_userlocks & SOCK_SNDBUF_LOCK) && want > sk->sk_sndbuf)
		WRITE_ONCE(sk->sk_sndbuf, want);
}

/* proto.destroy: only reached through sk_common_release(). */
static void xtcp_destroy_sock(struct sock *sk)
{
	xtcp_clear_timers(sk);
	xtcp_purge_queues(sk);
}

static bool xtcp_unread_data(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_receive_queue, skb) {
		u32 end = XTCP_SKB_CB(skb)->end_seq;

		if (XTCP_SKB_CB(skb)->flags & TCPHDR_FIN)
			end--;
		if (xtcp_seq_after(end, xs->copied_seq))
			return true;
	}
	return false;
}

/* Abort with RST, as close() does for unread data or SO_LINGER {1, 0}. */
static void xtcp_abort_on_close(struct sock *sk, enum xtcp_mib why)
{
	xtcp_inc_stat(sock_net(sk), why);
	if (sk->sk_state != TCP_SYN_SENT)
		xtcp_send_active_reset(sk, sk->sk_allocation);
	xtcp_set_state(sk, TCP_CLOSE);
}

/* RFC 9293 §3.10.4: what CLOSE does in each state. */
static void xtcp_close_state(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		xtcp_set_state(sk, TCP_CLOSE);
		break;
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		if (xtcp_event(sk, XTCP_EV_CLOSE)) {
			xtcp_queue_fin(sk);	/* or later, if no memory now */
			xtcp_push(sk);
		}
		break;
	default:
		break;	/* FIN already sent */
	}
}

/* After close(): what happens to the orphan depends on where it stands. */
static void xtcp_adjudge_orphan(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);

	sock_orphan(sk);
	atomic_inc(&xn->orphans);
	xs->orphan_counted = 1;

	if (sk->sk_state == TCP_CLOSE) {
		xtcp_destroy_orphan(sk);
		return;
	}
	if (sk->sk_state == TCP_TIME_WAIT) {
		xtcp_orphan_wait(sk);
		return;
	}
	if (sk->sk_state == TCP_FIN_WAIT2) {
		if (xs->linger2 < 0) {
			xtcp_inc_stat(sock_net(sk), XTCP_MIB_ABORTONLINGER);
			xtcp_send_active_reset(sk, GFP_ATOMIC);
			xtcp_done(sk);
		} else {
			xtcp_arm_fin_wait2(sk);
		}
		return;
	}
	/* Still sending its FIN: the limit applies, as in tcp_close(). */
	if (atomic_read(&xn->orphans) > READ_ONCE(xn->max_orphans)) {
		net_info_ratelimited("xtcp: too many orphaned sockets\n");
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_ORPHANOVERFLOW);
		xtcp_send_active_reset(sk, GFP_ATOMIC);
		xtcp_done(sk);
	}
}

/* Our FIN is out but not yet acknowledged. */
static bool xtcp_fin_unacked(const struct sock *sk)
{
	return (1 << READ_ONCE(sk->sk_state)) &
	       (TCPF_FIN_WAIT1 | TCPF_CLOSING | TCPF_LAST_ACK);
}

/*
 * SO_LINGER with a time: close() sleeps until the peer has acknowledged
 * our FIN (or the connection ended), the linger time ran out or a signal
 * came. sk_wait_event() drops the socket lock while asleep, so the ACK
 * gets processed. Our own, as 7.x no longer exports sk_stream_wait_close().
 */
static void xtcp_linger_wait(struct sock *sk, long timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	add_wait_queue(sk_sleep(sk), &wait);
	while (timeo && xtcp_fin_unacked(sk) && !signal_pending(current)) {
		if (sk_wait_event(sk, &timeo, !xtcp_fin_unacked(sk), &wait))
			break;
	}
	remove_wait_queue(sk_sleep(sk), &wait);
}

static void xtcp_close(struct sock *sk, long timeout)
{
	bool unread;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);

	if (sk->sk_state == TCP_LISTEN) {
		xtcp_set_state(sk, TCP_CLOSE);
		xtcp_listen_stop(sk);
	} else if (sk->sk_state != TCP_CLOSE) {
		unread = xtcp_unread_data(sk);
		__skb_queue_purge(&sk->sk_receive_queue);
		xtcp_ooo_purge(sk);	/* nobody will read past the hole */
		if (unread) {
			/* RFC 9293 §3.10.4 / RFC 2525 §2.17: data lost: RST */
			xtcp_abort_on_close(sk, XTCP_MIB_ABORTONCLOSE);
		} else if (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime) {
			xtcp_abort_on_close(sk, XTCP_MIB_ABORTONDATA);
		} else {
			xtcp_close_state(sk);
			xtcp_linger_wait(sk, timeout);
		}
	}

	sock_hold(sk);
	xtcp_adjudge_orphan(sk);
	release_sock(sk);
	sock_put(sk);
}

static void xtcp_shutdown(struct sock *sk, int how)
{
	/* RFC 9293 §3.10.4: SHUT_WR is CLOSE for our direction only. */
	if (!(how & SEND_SHUTDOWN))
		return;
	if ((1 << sk->sk_state) &
	    (TCPF_ESTABLISHED | TCPF_SYN_RECV | TCPF_CLOSE_WAIT))
		xtcp_close_state(sk);
}

static __poll_t xtcp_poll_listen(struct sock *sk)
{
	return list_empty_careful(&xtcp_sk(sk)->accept_queue) ?
	       0 : EPOLLIN | EPOLLRDNORM;
}

static __poll_t xtcp_poll(struct file *file, struct socket *sock,
			  poll_table *wait)
{
	struct sock *sk = sock->sk;
	int state, shutdown;
	__poll_t mask = 0;

	sock_poll_wait(file, sock, wait);
	state = inet_sk_state_load(sk);
	if (state == TCP_LISTEN)
		return xtcp_poll_listen(sk);

	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;

	/* Connected, or failed: a connecting socket is neither. */
	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV) {
		if (!skb_queue_empty_lockless(&sk->sk_receive_queue) &&
		    xtcp_seq_before(READ_ONCE(xtcp_sk(sk)->copied_seq),
				    READ_ONCE(xtcp_sk(sk)->rcv_nxt)))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (!(shutdown & SEND_SHUTDOWN)) {
			if (sk_stream_memory_free(sk)) {
				mask |= EPOLLOUT | EPOLLWRNORM;
			} else {
				sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
				set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
				/*
				 * Order NOSPACE before the re-check: an ACK
				 * freeing space in between must see it set,
				 * or we must see the space (xtcp_write_space).
				 */
				smp_mb__after_atomic();
				if (sk_stream_memory_free(sk))
					mask |= EPOLLOUT | EPOLLWRNORM;
			}
		} else {
			mask |= EPOLLOUT | EPOLLWRNORM;
		}
	}
	if (READ_ONCE(sk->sk_err) ||
	    !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

#ifdef XTCP_HAVE_ACCEPT_ARG
static struct sock *xtcp_accept(struct sock *sk, struct proto_accept_arg *arg)
{
	return xtcp_accept_child(sk, arg->flags, &arg->err);
}
#else
static struct sock *xtcp_accept(struct sock *sk, int flags, int *err,
				bool kern)
{
	return xtcp_accept_child(sk, flags, err);
}
#endif

#ifdef XTCP_HAVE_RECVMSG_ADDR_LEN
/* A stream socket has no source address to report. */
static int xtcp_recvmsg_op(struct sock *sk, struct msghdr *msg, size_t len,
			   int flags, int *addr_len)
{
	return xtcp_recvmsg(sk, msg, len, flags);
}
#else
#define xtcp_recvmsg_op xtcp_recvmsg
#endif

#ifdef XTCP_HAVE_IOCTL_KARG
static int xtcp_ioctl(struct sock *sk, int cmd, int *karg)
{
	return xtcp_ioctl_value(sk, cmd, karg);
}
#else
static int xtcp_ioctl(struct sock *sk, int cmd, unsigned long arg)
{
	int val, err;

	err = xtcp_ioctl_value(sk, cmd, &val);
	if (err)
		return err;
	return put_user(val, (int __user *)arg);
}
#endif

struct proto xtcp_prot = {
	.name = "XTCP",
	.owner = THIS_MODULE,
	.close = xtcp_close,
	.connect = xtcp_connect,
	.disconnect = xtcp_disconnect,
	.accept = xtcp_accept,
	.ioctl = xtcp_ioctl,
	.init = xtcp_init_sock,
	.destroy = xtcp_destroy_sock,
	.shutdown = xtcp_shutdown,
	.setsockopt = xtcp_setsockopt,
	.keepalive = xtcp_set_keepalive,
	.getsockopt = xtcp_getsockopt,
	.sendmsg = xtcp_sendmsg,
	.recvmsg = xtcp_recvmsg_op,
	.backlog_rcv = xtcp_backlog_rcv,
	.release_cb = xtcp_release_cb,
	.hash = xtcp_hash,
	.unhash = xtcp_unhash,
	.get_port = xtcp_get_port,
	.put_port = xtcp_put_port,
	.obj_size = sizeof(struct xtcp_sock),
	.max_header = XTCP_MAX_HEADER,
	.no_autobind = true,
};

const struct proto_ops xtcp_stream_ops = {
	.family = PF_INET,
	.owner = THIS_MODULE,
	.release = inet_release,
	.bind = inet_bind,
	.connect = inet_stream_connect,
	.socketpair = sock_no_socketpair,
	.accept = inet_accept,
	.getname = inet_getname,
	.poll = xtcp_poll,
	.ioctl = inet_ioctl,
	.gettstamp = sock_gettstamp,
	.listen = xtcp_inet_listen,
	.shutdown = inet_shutdown,
	.setsockopt = sock_common_setsockopt,
	.getsockopt = sock_common_getsockopt,
	.sendmsg = inet_sendmsg,
	.recvmsg = inet_recvmsg,
	.mmap = sock_no_mmap,
	.set_rcvlowat = xtcp_set_rcvlowat,
};

/**
 * xtcp_purge_net() - a namespace is going away: the only xtcp sockets left
 * in it are orphans that gave up their namespace reference (TIME_WAIT,
 * FIN_WAIT2). End them now, as Linux purges its TIME_WAIT minisockets.
 * @net: the namespace.
 *
 * Context: process (pernet exit); locks each socket with BHs disabled.
 */
void xtcp_purge_net(struct net *net)
{
	struct sock *sk;

	while ((sk = xtcp_find_net_sock(net)) != NULL) {
		local_bh_disable();
		bh_lock_sock(sk);
		/*
		 * Its timer may have ended it between the walk and the lock:
		 * then it is in no table, and nothing is left to do.
		 */
		if (sk_unhashed(sk) && hlist_unhashed(&sk->sk_bind_node)) {
			bh_unlock_sock(sk);
			local_bh_enable();
			sock_put(sk);
			continue;
		}
		if (!sock_flag(sk, SOCK_DEAD)) {
			/* Cannot happen: a process's socket pins its netns. */
			WARN_ON_ONCE(1);
			sock_set_flag(sk, SOCK_DEAD);
		}
		if (sk->sk_state != TCP_CLOSE)
			xtcp_done(sk);
		else
			xtcp_destroy_orphan(sk);
		bh_unlock_sock(sk);
		local_bh_enable();
		sock_put(sk);
	}
}
