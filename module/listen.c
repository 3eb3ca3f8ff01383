// SPDX-License-Identifier: GPL-2.0
/*
 * listen.c - passive open: listen(), the SYN queue and accept queue of a
 * listener, accept(), and what happens to queued children when the
 * listener closes.
 *
 * A SYN creates a request (request.c), not a socket; the handshake's final
 * ACK turns the request into a child socket, which goes straight to the
 * accept queue, from which accept() takes it. Limits follow Linux
 * (shared/docs §3.2, proto/synq.c): the SYN queue is full at the backlog,
 * the accept queue above it, and the backlog is min(listen()'s argument,
 * net.core.somaxconn).
 *
 * Locking: SYNs and final ACKs are handled without the listener's socket
 * lock (so a process in accept() or setsockopt() never pushes them to the
 * backlog, and several CPUs serve one listener at once). The listener's
 * queue_lock (BHs off) guards the SYN queue, the accept queue, syn_qlen
 * and sk_ack_backlog. A child's ->listener pointer and ->is_child change
 * only under the child's socket lock. A child carries SOCK_DEAD until it
 * is in the accept queue, so that failing on the way destroys it. See
 * Documentation/xtcp-locking.rst.
 */
#include <net/ip.h>
#include <net/inet_common.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "fault.h"
#include "request.h"
#include "proto/segment.h"
#include "proto/synq.h"

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
	if (!xtcp_sk(sk)->synq) {
		err = -ENOMEM;
		xtcp_sk(sk)->synq = xtcp_synq_alloc(sk);
		if (!xtcp_sk(sk)->synq)
			goto out;
		err = -EINVAL;
	}
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

/*
 * Make the connection of @req: a copy of the listener in SYN_RECV, its
 * sequence space and MSS from the request, as if it had sent the SYN-ACK.
 * Returned locked (bh_lock_sock()), with SOCK_DEAD and two references.
 */
static struct sock *xtcp_child_from_req(struct sock *sk,
					const struct xtcp_request *req)
{
	struct xtcp_skb_cb syn = {
		.seq = req->irs,
		.flags = TCPHDR_SYN,
		.mss = req->mss,
		.window = req->window,
	};
	struct inet_sock *newinet;
	struct xtcp_sock *cxs;
	struct sock *child;
	u32 mtu;

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
	newinet->inet_daddr = req->raddr;
	newinet->inet_dport = req->rport;
	newinet->inet_rcv_saddr = req->laddr;
	newinet->inet_saddr = req->laddr;
	newinet->inet_sport = req->lport;
	atomic_set(&newinet->inet_id, get_random_u16());
	child->sk_ack_backlog = 0;
	child->sk_max_ack_backlog = 0;

	xtcp_reset_sequence_space(cxs, req->iss);
	cxs->snd_nxt = req->iss + 1;	/* the SYN-ACK */
	cxs->sack_ok = req->sack_ok &&
		       READ_ONCE(xtcp_pernet(sock_net(sk))->sack);
	if (req->wscale <= XTCP_MAX_WSCALE &&
	    req->rcv_wscale <= XTCP_MAX_WSCALE) {
		cxs->wscale_ok = 1;
		cxs->snd_wscale = req->wscale;
		cxs->rcv_wscale = req->rcv_wscale;
	}
	if (req->ts_ok) {	/* before the MSS, which they shrink */
		cxs->ts_ok = 1;
		cxs->ts_off = xtcp_ts_offset(sock_net(sk), req->laddr,
					     req->raddr, req->lport,
					     req->rport);
		xtcp_ts_update(&cxs->ts_recent, req->ts_recent,
			       xtcp_ts_secs());
	}
	cxs->write_seq = req->iss + 1;
	/* The MSS we offer comes from the route back to the peer. */
	mtu = xtcp_af(child)->route_mtu(child);
	cxs->pmtu_cookie = mtu;
	cxs->advmss = xtcp_route_mss(child, mtu ? mtu : XTCP_DEFAULT_MSS +
				     sizeof(struct iphdr) +
				     sizeof(struct tcphdr));
	xtcp_init_from_syn(child, &syn);
	/* What the SYN-ACK offered, so the window never shrinks from it. */
	cxs->rcv_wnd = req->rcv_wnd;
	cxs->is_child = 1;
	sock_hold(sk);
	cxs->listener = sk;
	sock_set_flag(child, SOCK_DEAD);
	xtcp_event(child, XTCP_EV_RCV_SYN);
	return child;
}

/* Count what became of a SYN that got no request. */
static void xtcp_syn_refused(struct net *net, enum xtcp_synq_verdict v)
{
	if (v == XTCP_SYNQ_FULL)
		xtcp_inc_stat(net, XTCP_MIB_REQQFULLDROP);
	else if (v == XTCP_SYNQ_ACCEPT_FULL)
		xtcp_inc_stat(net, XTCP_MIB_LISTENOVERFLOWS);
	xtcp_inc_stat(net, XTCP_MIB_LISTENDROPS);
}

/* What a request learns of its SYN: addresses, ports, ISNs, options. */
static void xtcp_req_from_syn(struct sock *sk, struct xtcp_request *req,
			      const struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 tsval = 0, tsecr;

	xtcp_req_init_tuple(sk, req, skb);
	req->irs = cb->seq;
	req->mss = cb->mss;
	req->wscale = cb->wscale;
	req->rcv_wscale = xtcp_req_rcv_wscale(sk, req->wscale);
	req->sack_ok = cb->sack_ok;
	/* RFC 7323 §3.2: timestamps only if the SYN had them. */
	req->ts_ok = READ_ONCE(xtcp_pernet(sock_net(sk))->timestamps) &&
		     xtcp_skb_ts(skb, &tsval, &tsecr);
	req->ts_recent = req->ts_ok ? tsval : 0;
}

/*
 * No room in the SYN queue (or syncookies 2): answer with a cookie and
 * keep nothing. Linux's log line, once per listener, unless cookies are
 * what the administrator asked for anyway.
 */
static void xtcp_listen_syn_cookie(struct sock *sk, struct sk_buff *skb)
{
	struct net *net = sock_net(sk);
	struct xtcp_synq *q = xtcp_sk(sk)->synq;
	struct xtcp_request req;

	xtcp_inc_stat(net, XTCP_MIB_REQQFULLDOCOOKIES);
	if (READ_ONCE(xtcp_pernet(net)->syncookies) != 2 &&
	    !xchg(&q->synflood_warned, 1))
		net_info_ratelimited("xtcp: possible SYN flooding on port %u. Sending cookies.\n",
				     inet_sk(sk)->inet_num);
	xtcp_req_init_stack(sk, &req);
	xtcp_req_from_syn(sk, &req, skb);
	req.cookie = 1;
	req.iss = xtcp_cookie_isn(sk, &req);
	if (!xtcp_req_send_synack(&req))
		xtcp_inc_stat(net, XTCP_MIB_SYNCOOKIESSENT);
}

/* RFC 9293 §3.10.7.2: a SYN for a listener gets a request and a SYN-ACK. */
static void xtcp_listen_syn(struct sock *sk, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_synq_state st = {
		.qlen = READ_ONCE(xtcp_sk(sk)->syn_qlen),
		.acceptq_len = READ_ONCE(sk->sk_ack_backlog),
		.backlog = READ_ONCE(sk->sk_max_ack_backlog),
		.max_syn_backlog = READ_ONCE(xn->max_syn_backlog),
		.syncookies = READ_ONCE(xn->syncookies),
		.reopens_time_wait = cb->reopens_time_wait,
	};
	struct net *net = sock_net(sk);
	enum xtcp_synq_verdict v;
	struct xtcp_request *req;

	v = xtcp_synq_admit(&st);
	/*
	 * Cookies off and no room (the queue full, or only the reserved
	 * quarter of max_syn_backlog left): an old unanswered request may go.
	 */
	if ((v == XTCP_SYNQ_FULL || v == XTCP_SYNQ_RESERVED) &&
	    xtcp_synq_evict(sk)) {
		st.qlen = READ_ONCE(xtcp_sk(sk)->syn_qlen);
		v = xtcp_synq_admit(&st);
	}
	if (v == XTCP_SYNQ_COOKIE) {
		xtcp_listen_syn_cookie(sk, skb);
		return;
	}
	if (v != XTCP_SYNQ_ADMIT) {
		xtcp_syn_refused(net, v);
		return;
	}
	req = xtcp_req_alloc(sk);
	if (!req) {
		xtcp_inc_stat(net, XTCP_MIB_LISTENDROPS);
		return;
	}
	xtcp_req_from_syn(sk, req, skb);
	if (cb->reopens_time_wait)
		req->iss = cb->reopen_iss;
	else
		req->iss = xtcp_new_isn(iph->daddr, iph->saddr, th->dest,
					th->source);
	if (!xtcp_req_insert(sk, req)) {
		/* The queue filled meanwhile, or a copy of this SYN won. */
		xtcp_req_free_unpublished(req);
		xtcp_inc_stat(net, XTCP_MIB_LISTENDROPS);
		return;
	}
	/* Without a SYN-ACK now the timer sends one, as in Linux. */
	xtcp_req_send_synack(req);
	xtcp_req_put(req);
}

/*
 * The child's first RTT sample: the time since the SYN-ACK went if it
 * went once (Karn's rule), else what xtcp_rtt_handshake_done() finds in
 * the final ACK @skb. Its RTO then starts from the path's RTT instead of
 * the initial second.
 */
static void xtcp_child_rtt(struct sock *child, const struct xtcp_request *req,
			   const struct sk_buff *skb)
{
	if (!req->cookie && !READ_ONCE(req->num_timeout))
		xtcp_rtt_sample_us(child,
				   max_t(u32, xtcp_clock_us() - req->born, 1));
	xtcp_rtt_handshake_done(child, skb);
}

/*
 * Make the connection of @req, whose final ACK @skb is, and hand it the
 * ACK (and any data on it), which moves it to the accept queue. @unlink
 * is the request to take out of the tables (NULL for a cookie's). True if
 * @skb was consumed.
 */
static bool xtcp_make_child(struct sock *sk, const struct xtcp_request *req,
			    struct xtcp_request *unlink, struct sk_buff *skb)
{
	struct net *net = sock_net(sk);
	struct sock *child;

	child = xtcp_child_from_req(sk, req);
	if (!child) {
		xtcp_inc_stat(net, XTCP_MIB_LISTENDROPS);
		return false;
	}
	xtcp_child_rtt(child, req, skb);
	/*
	 * The child enters the connection table before the request leaves
	 * its own, so that the peer's next segment finds one of them. A
	 * copy of this ACK on another CPU may have made the child already:
	 * then this one goes.
	 */
	if (!xtcp_ehash_insert(child)) {
		xtcp_done(child);
		bh_unlock_sock(child);
		sock_put(child);
		return false;
	}
	/*
	 * Pairs with smp_rmb() in xtcp_v4_rcv(): whoever sees the request
	 * gone sees the child's entry.
	 */
	smp_wmb();
	if (unlink)
		xtcp_req_unlink(unlink);
	xtcp_rcv_state(child, skb);
	/* Checked above, so this cannot happen; but never leave it behind. */
	if (WARN_ON_ONCE(child->sk_state == TCP_SYN_RECV))
		xtcp_done(child);
	bh_unlock_sock(child);
	sock_put(child);	/* sk_clone_lock()'s second reference */
	return true;
}

/*
 * A bare ACK for a listener that may be a cookie's: make the connection
 * if it is one. True if @skb was consumed; false leaves it to the caller
 * (a RST for an ACK that is no cookie).
 */
static bool xtcp_listen_cookie_ack(struct sock *sk, struct sk_buff *skb,
				   bool *valid)
{
	struct net *net = sock_net(sk);
	struct xtcp_request req;

	*valid = xtcp_cookie_check(sk, skb, &req);
	if (!*valid)
		return false;
	if (xtcp_accept_queue_full(sk)) {
		xtcp_inc_stat(net, XTCP_MIB_LISTENOVERFLOWS);
		xtcp_inc_stat(net, XTCP_MIB_LISTENDROPS);
		return false;
	}
	return xtcp_make_child(sk, &req, NULL, skb);
}

/**
 * xtcp_listen_rcv() - a segment for a listening socket; consumes @skb.
 * @sk: the listener.
 * @skb: the segment.
 *
 * Context: softirq, the listener not locked; or process (backlog), locked.
 */
void xtcp_listen_rcv(struct sock *sk, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	bool consumed;

	if (cb->flags & TCPHDR_RST)
		goto drop;
	if (cb->flags & TCPHDR_ACK) {
		bool valid = false;

		if (!(cb->flags & TCPHDR_SYN) && xtcp_cookie_wanted(sk)) {
			local_bh_disable();
			consumed = xtcp_listen_cookie_ack(sk, skb, &valid);
			local_bh_enable();
			if (consumed)
				return;
		}
		/* No connection for this ACK: RFC 9293 says reset. */
		if (!valid)
			xtcp_send_reset_for(sock_net(sk), skb);
		goto drop;
	}
	if ((cb->flags & (TCPHDR_SYN | TCPHDR_FIN)) == TCPHDR_SYN &&
	    skb->pkt_type == PACKET_HOST) {
		local_bh_disable();
		xtcp_listen_syn(sk, skb);
		local_bh_enable();
	}
drop:
	kfree_skb(skb);
}

/*
 * Answers to a half-open connection's peer (a SYN-ACK again, an ACK for
 * an out-of-window segment) at most one per net.xtcp.invalid_ratelimit,
 * as Linux limits them (tcp_oow_rate_limited()). True if limited.
 */
static bool xtcp_req_rate_limited(struct xtcp_request *req)
{
	struct net *net = xtcp_req_net(req);
	u32 now = jiffies, last = READ_ONCE(req->last_oow);
	s32 gap = READ_ONCE(xtcp_pernet(net)->invalid_ratelimit);

	if (last && (s32)(now - last) < gap) {
		xtcp_inc_stat(net, XTCP_MIB_ACKSKIPPEDSYNRECV);
		return true;
	}
	WRITE_ONCE(req->last_oow, now ? now : 1);
	return false;
}

/* Mark @req acked (its final ACK was dropped) under the queue lock. */
static void xtcp_req_set_acked(struct xtcp_request *req)
{
	struct xtcp_sock *xs = xtcp_sk(req->listener);

	spin_lock_bh(&xs->queue_lock);
	req->acked = 1;
	spin_unlock_bh(&xs->queue_lock);
}

/*
 * The final ACK of @req's handshake, acceptable: make the connection and
 * hand it the ACK (and any data on it), which moves it to the accept
 * queue. True if @skb was consumed.
 */
static bool xtcp_req_complete(struct xtcp_request *req, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct sock *sk = req->listener;
	struct net *net = sock_net(sk);

	if (xtcp_defer_drops_ack(READ_ONCE(req->num_timeout),
				 READ_ONCE(xtcp_sk(sk)->defer_accept),
				 cb->end_seq != cb->seq)) {
		xtcp_req_set_acked(req);
		xtcp_inc_stat(net, XTCP_MIB_DEFERACCEPTDROP);
		return false;
	}
	if (xtcp_accept_queue_full(sk)) {
		xtcp_inc_stat(net, XTCP_MIB_LISTENOVERFLOWS);
		xtcp_inc_stat(net, XTCP_MIB_LISTENDROPS);
		if (READ_ONCE(xtcp_pernet(net)->abort_on_overflow)) {
			xtcp_send_reset_for(net, skb);
			if (xtcp_req_unlink(req))
				xtcp_inc_stat(net, XTCP_MIB_EMBRYONICRSTS);
		} else {
			/* The peer's next ACK or data tries again. */
			xtcp_req_set_acked(req);
		}
		return false;
	}
	if (xtcp_make_child(sk, req, req, skb)) {
		xtcp_synq_rtt_sample(sk, req);
		return true;
	}
	/* No memory for it: the next ACK, drawn by the SYN-ACK, tries again. */
	xtcp_req_set_acked(req);
	return false;
}

/**
 * xtcp_req_rcv() - a segment for a half-open connection (RFC 9293
 * §3.10.7.4 in SYN-RECEIVED, as Linux's tcp_check_req() applies it);
 * consumes @skb.
 * @req: the request; the caller holds a reference.
 * @skb: the segment, its header pulled, its control block filled.
 *
 * Context: softirq; nothing locked.
 */
void xtcp_req_rcv(struct xtcp_request *req, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct net *net = sock_net(req->listener);
	u32 rcv_nxt = req->irs + 1;
	u8 flags = cb->flags;

	if (READ_ONCE(req->unlinked))
		goto drop;	/* on its way out; the peer will try again */
	/* The peer's SYN again: it did not get our SYN-ACK. */
	if ((flags & (TCPHDR_SYN | TCPHDR_ACK | TCPHDR_RST)) == TCPHDR_SYN &&
	    cb->seq == req->irs) {
		if (!xtcp_req_rate_limited(req) && !xtcp_req_send_synack(req))
			xtcp_inc_stat(net, XTCP_MIB_SYNRETRANS);
		goto drop;
	}
	/* An ACK of something we never sent: RST, the request stays. */
	if ((flags & TCPHDR_ACK) && cb->ack_seq != req->iss + 1) {
		if (!(flags & TCPHDR_RST))
			xtcp_send_reset_for(net, skb);
		goto drop;
	}
	if (!xtcp_seq_acceptable(cb->seq, cb->end_seq - cb->seq, rcv_nxt,
				 req->rcv_wnd)) {
		xtcp_inc_stat(net, XTCP_MIB_OUTOFWINDOW);
		if (!(flags & TCPHDR_RST) && !xtcp_req_rate_limited(req))
			xtcp_send_reply(net, skb, TCPHDR_ACK, req->iss + 1,
					rcv_nxt, xtcp_req_ack_window(req));
		goto drop;
	}
	/* A RST, or a new SYN, in the window ends the attempt. */
	if (flags & (TCPHDR_RST | TCPHDR_SYN)) {
		if (!(flags & TCPHDR_RST))
			xtcp_send_reset_for(net, skb);
		if (xtcp_req_unlink(req)) {
			xtcp_inc_stat(net, XTCP_MIB_EMBRYONICRSTS);
			xtcp_inc_stat(net, XTCP_MIB_ATTEMPTFAILS);
		}
		goto drop;
	}
	if (!(flags & TCPHDR_ACK))
		goto drop;
	if (xtcp_req_complete(req, skb))
		return;
drop:
	kfree_skb(skb);
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
	ok = sk->sk_state == TCP_LISTEN && list_empty(&cxs->queue_node);
	if (ok) {
		list_add_tail(&cxs->queue_node, &xs->accept_queue);
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
		sk_acceptq_removed(sk);
	}
	cxs->in_accept_queue = false;
	spin_unlock_bh(&xs->queue_lock);
	cxs->listener = NULL;
	cxs->is_child = 0;
	sock_put(sk);
}

/* Pop the oldest child of the accept queue, or NULL; takes a reference. */
static struct sock *xtcp_pop_child(struct xtcp_sock *xs)
{
	struct xtcp_sock *cxs = NULL;

	spin_lock_bh(&xs->queue_lock);
	cxs = list_first_entry_or_null(&xs->accept_queue, struct xtcp_sock,
				       queue_node);
	if (cxs) {
		sk_acceptq_removed(&xs->inet.sk);
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
 * xtcp_listen_stop() - the listener closed: free its requests and reset
 * its unaccepted children (RFC 9293 §3.10.4, like Linux's
 * inet_csk_listen_stop()).
 * @sk: the listener, already in CLOSE.
 *
 * Context: process, listener locked; locks each child in turn.
 */
void xtcp_listen_stop(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sock *child, *listener;

	xtcp_synq_stop(sk);
	while ((child = xtcp_pop_child(xs)) != NULL) {
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
	child = xtcp_pop_child(xtcp_sk(sk));
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
