// SPDX-License-Identifier: GPL-2.0
/*
 * request.c - request objects: a listener answers a SYN with a compact
 * record of the half-open connection (struct xtcp_request, its own slab
 * cache "xtcp_request"), not a socket; the socket is made only when the
 * handshake's final ACK arrives (listen.c). Here: the cache, the request
 * table that the input path searches by 4-tuple (after the connection
 * table, before the listeners), the listener's SYN queue with its SYN-ACK
 * retransmission timer, and the SYN-ACK itself.
 *
 * Locking: the request table has a lock per group of chains and RCU
 * lookups; the SYN queue is guarded by the listener's queue_lock; neither
 * needs the listener's socket lock, so SYNs and final ACKs are handled in
 * softirq while a process owns the listener. Lock order: queue_lock, then
 * a chain lock. See Documentation/xtcp-locking.rst.
 */
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "fault.h"
#include "request.h"
#include "proto/synq.h"
#include "proto/timeout.h"

#define XTCP_REQ_HASH_BITS	12
#define XTCP_REQ_LOCK_BITS	8
/* The timer serves every request due this soon together. */
#define XTCP_SYNQ_SLACK		(HZ / 50)

static struct kmem_cache *xtcp_req_cache __read_mostly;
static struct hlist_nulls_head *xtcp_req_hash __read_mostly;
static spinlock_t *xtcp_req_locks __read_mostly;
static u32 xtcp_req_secret __read_mostly;

static unsigned int xtcp_req_slot(const struct net *net, __be32 laddr,
				  __be16 lport, __be32 raddr, __be16 rport)
{
	return jhash_3words((__force u32)laddr, (__force u32)raddr,
			    ((__force u32)lport << 16) | (__force u16)rport,
			    xtcp_req_secret + net_hash_mix(net)) &
	       ((1U << XTCP_REQ_HASH_BITS) - 1);
}

static spinlock_t *xtcp_req_lock(unsigned int slot)
{
	return &xtcp_req_locks[slot & ((1U << XTCP_REQ_LOCK_BITS) - 1)];
}

static unsigned int xtcp_req_slot_of(const struct xtcp_request *req)
{
	return xtcp_req_slot(xtcp_req_net(req), req->laddr, req->lport,
			     req->raddr, req->rport);
}

/** xtcp_request_init() - the cache and the table, at module load. */
int xtcp_request_init(void)
{
	unsigned int i;

	BUILD_BUG_ON(sizeof(struct xtcp_request) > 128);
	xtcp_req_cache = kmem_cache_create("xtcp_request",
					   sizeof(struct xtcp_request), 0,
					   SLAB_TYPESAFE_BY_RCU, NULL);
	xtcp_req_hash = kvmalloc_array(1U << XTCP_REQ_HASH_BITS,
				       sizeof(*xtcp_req_hash), GFP_KERNEL);
	xtcp_req_locks = kvmalloc_array(1U << XTCP_REQ_LOCK_BITS,
					sizeof(*xtcp_req_locks), GFP_KERNEL);
	if (!xtcp_req_cache || !xtcp_req_hash || !xtcp_req_locks) {
		xtcp_request_exit();
		return -ENOMEM;
	}
	/* A chain's end marker names the chain: see xtcp_req_lookup(). */
	for (i = 0; i < (1U << XTCP_REQ_HASH_BITS); i++)
		INIT_HLIST_NULLS_HEAD(&xtcp_req_hash[i], i);
	for (i = 0; i < (1U << XTCP_REQ_LOCK_BITS); i++)
		spin_lock_init(&xtcp_req_locks[i]);
	xtcp_req_secret = get_random_u32();
	return 0;
}

/** xtcp_request_exit() - free them; every listener, so every request, is gone. */
void xtcp_request_exit(void)
{
	kmem_cache_destroy(xtcp_req_cache);	/* waits for RCU readers */
	kvfree(xtcp_req_hash);
	kvfree(xtcp_req_locks);
	xtcp_req_cache = NULL;
	xtcp_req_hash = NULL;
	xtcp_req_locks = NULL;
}

/**
 * xtcp_req_window() - the window a listener's SYN-ACK offers: what a new
 * connection would, half its receive buffer (within TCP_WINDOW_CLAMP and
 * the unscaled maximum).
 * @sk: the listener.
 *
 * Return: the window.
 */
u16 xtcp_req_window(const struct sock *sk)
{
	int clamp = READ_ONCE(xtcp_sk(sk)->window_clamp);
	u32 wnd = max(READ_ONCE(sk->sk_rcvbuf), 0) / 2;

	if (clamp > 0 && wnd > clamp)
		wnd = clamp;
	return min_t(u32, wnd, XTCP_MAX_WINDOW);
}

/**
 * xtcp_req_ack_window() - the window field of an ACK a request sends
 * after its SYN-ACK: the SYN-ACK's window, scaled if both SYNs agreed to.
 * @req: the request.
 *
 * Return: the field.
 */
u16 xtcp_req_ack_window(const struct xtcp_request *req)
{
	if (req->wscale > XTCP_MAX_WSCALE || req->rcv_wscale > XTCP_MAX_WSCALE)
		return req->rcv_wnd;
	return req->rcv_wnd >> req->rcv_wscale;
}

/**
 * xtcp_req_rcv_wscale() - the shift a listener's SYN-ACK offers: ours, if
 * the SYN offered one and scaling is on (RFC 7323 §2.2). A cookie's ACK
 * computes it again, as Linux does: a change of net.xtcp.rmem[2] between
 * the SYN-ACK and the ACK would then use another shift than the SYN-ACK
 * offered, a window error only (no data lost).
 * @sk: the listener.
 * @peer_wscale: the SYN's shift, or XTCP_COOKIE_NO_WSCALE.
 *
 * Return: 0-14, or XTCP_COOKIE_NO_WSCALE for no option.
 */
u8 xtcp_req_rcv_wscale(const struct sock *sk, u8 peer_wscale)
{
	if (peer_wscale > XTCP_MAX_WSCALE ||
	    !READ_ONCE(xtcp_pernet(sock_net(sk))->window_scaling))
		return XTCP_COOKIE_NO_WSCALE;
	return xtcp_choose_wscale(sk);
}

/**
 * xtcp_req_alloc() - a new request for listener @sk, not yet published;
 * the caller fills in the connection and then calls xtcp_req_insert().
 * @sk: the listener.
 *
 * Context: softirq or process with BHs off.
 * Return: the request (holding a reference on @sk), or NULL.
 */
struct xtcp_request *xtcp_req_alloc(struct sock *sk)
{
	struct xtcp_request *req;

	if (xtcp_should_fail(XTCP_FAULT_REQUEST))
		return NULL;
	req = kmem_cache_alloc(xtcp_req_cache, GFP_ATOMIC);
	if (!req)
		return NULL;
	/*
	 * The object may be one a reader still looks at: its reference
	 * count must stay 0 until every field is new (xtcp_req_insert()).
	 */
	memset((u8 *)req + offsetof(struct xtcp_request, list), 0,
	       sizeof(*req) - offsetof(struct xtcp_request, list));
	INIT_LIST_HEAD(&req->list);
	sock_hold(sk);
	req->listener = sk;
	write_pnet(&req->net, sock_net(sk));
	req->dif = sk->sk_bound_dev_if;
	req->young = 1;
	return req;
}

/**
 * xtcp_req_init_stack() - set up @req on the caller's stack for listener
 * @sk: a request that is never published (a SYN cookie's), so it holds no
 * reference on the listener and is never freed.
 * @sk: the listener.
 * @req: the request.
 */
void xtcp_req_init_stack(struct sock *sk, struct xtcp_request *req)
{
	memset(req, 0, sizeof(*req));
	req->listener = sk;
	write_pnet(&req->net, sock_net(sk));
	req->dif = sk->sk_bound_dev_if;
}

/**
 * xtcp_req_init_tuple() - what a request takes from a segment of its
 * connection (the SYN, or a cookie's final ACK): addresses and ports seen
 * from our side, the window the segment offers, and the window our
 * SYN-ACK offers.
 * @sk: the listener.
 * @req: the request.
 * @skb: the segment, its control block filled.
 */
void xtcp_req_init_tuple(struct sock *sk, struct xtcp_request *req,
			 const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	const struct iphdr *iph = ip_hdr(skb);

	req->laddr = iph->daddr;
	req->raddr = iph->saddr;
	req->lport = th->dest;
	req->rport = th->source;
	req->window = XTCP_SKB_CB(skb)->window;
	req->rcv_wnd = xtcp_req_window(sk);
}

/* The last reference is gone: let go of the listener, free the object. */
static void xtcp_req_free(struct xtcp_request *req)
{
	struct sock *sk = req->listener;

	kmem_cache_free(xtcp_req_cache, req);
	sock_put(sk);
}

/**
 * xtcp_req_free_unpublished() - free a request xtcp_req_insert() refused
 * or that was never offered to it.
 * @req: the request; its reference count is still 0.
 */
void xtcp_req_free_unpublished(struct xtcp_request *req)
{
	xtcp_req_free(req);
}

/** xtcp_req_put() - drop a reference on @req, freeing it with the last. */
void xtcp_req_put(struct xtcp_request *req)
{
	if (refcount_dec_and_test(&req->refcnt))
		xtcp_req_free(req);
}

static bool xtcp_req_match(const struct xtcp_request *req,
			   const struct net *net, __be32 saddr, __be16 sport,
			   __be32 daddr, __be16 dport, int dif)
{
	return req->raddr == saddr && req->rport == sport &&
	       req->laddr == daddr && req->lport == dport &&
	       net_eq(xtcp_req_net(req), net) &&
	       (!req->dif || req->dif == dif);
}

/* Caller holds the chain's lock. */
static bool xtcp_req_chain_has(unsigned int slot,
			       const struct xtcp_request *req)
{
	struct hlist_nulls_node *node;
	struct xtcp_request *r;

	lockdep_assert_held(xtcp_req_lock(slot));
	hlist_nulls_for_each_entry(r, node, &xtcp_req_hash[slot], hash_node)
		if (xtcp_req_match(r, xtcp_req_net(req), req->raddr,
				   req->rport, req->laddr, req->lport,
				   req->dif))
			return true;
	return false;
}

/* Run the timer by @when at the latest. Caller holds queue_lock. */
static void xtcp_synq_schedule(struct xtcp_synq *q, unsigned long when)
{
	lockdep_assert_held(&xtcp_sk(q->sk)->queue_lock);
	timer_reduce(&q->timer, when);
}

/**
 * xtcp_req_insert() - publish a filled-in request: on the listener's SYN
 * queue and in the request table, its SYN-ACK timer running.
 * @sk: the listener.
 * @req: from xtcp_req_alloc(), every field set.
 *
 * Refused if the listener stopped listening, if its SYN queue is full
 * (checked again here, under the lock, so the queue never outgrows the
 * backlog whatever several CPUs do at once), or if a request for the same
 * 4-tuple exists (a copy of the same SYN, on another CPU).
 *
 * Context: any; takes the listener's queue_lock and a chain lock.
 * Return: true if published, @req then holding the tables' reference
 * and one for the caller; false if refused (free it then).
 */
bool xtcp_req_insert(struct sock *sk, struct xtcp_request *req)
{
	unsigned int slot = xtcp_req_slot_of(req);
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_synq *q = xs->synq;
	spinlock_t *lock = xtcp_req_lock(slot);
	bool ok = false;

	spin_lock_bh(&xs->queue_lock);
	if (READ_ONCE(sk->sk_state) != TCP_LISTEN ||
	    xs->syn_qlen > READ_ONCE(sk->sk_max_ack_backlog))
		goto out;
	spin_lock(lock);
	if (!xtcp_req_chain_has(slot, req)) {
		req->born = xtcp_clock_us();
		req->expires = jiffies + XTCP_RTO_INIT;
		/* Every field before the count that makes it findable. */
		smp_wmb();
		refcount_set(&req->refcnt, 2);
		hlist_nulls_add_head_rcu(&req->hash_node, &xtcp_req_hash[slot]);
		list_add_tail(&req->list, &q->level[0]);
		xs->syn_qlen++;
		q->young++;
		xtcp_synq_schedule(q, req->expires);
		ok = true;
	}
	spin_unlock(lock);
out:
	spin_unlock_bh(&xs->queue_lock);
	return ok;
}

/**
 * xtcp_req_unlink() - take @req out of the SYN queue and the request
 * table, if nobody did yet; the one caller that does owns its end (made
 * the connection's socket, reset, expired, or dropped it).
 * @req: the request; the caller holds a reference.
 *
 * Context: BHs off or process; takes the listener's queue_lock and then a
 * chain lock.
 * Return: true if this call unlinked it.
 */
bool xtcp_req_unlink(struct xtcp_request *req)
{
	struct sock *sk = req->listener;
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned int slot = xtcp_req_slot_of(req);
	spinlock_t *lock = xtcp_req_lock(slot);
	bool won;

	spin_lock_bh(&xs->queue_lock);
	won = !req->unlinked;
	if (won) {
		WRITE_ONCE(req->unlinked, 1);
		list_del_init(&req->list);
		xs->syn_qlen--;
		if (req->young) {
			req->young = 0;
			xs->synq->young--;
		}
		spin_lock(lock);
		hlist_nulls_del_init_rcu(&req->hash_node);
		spin_unlock(lock);
	}
	spin_unlock_bh(&xs->queue_lock);
	if (won)
		xtcp_req_put(req);	/* the tables' reference */
	return won;
}

/*
 * How long a request must have waited for its final ACK before a SYN may
 * push it out of a full queue: four handshake round trips as this
 * listener has seen them, within [20 ms, 500 ms]; 200 ms until one is
 * measured.
 */
static u32 xtcp_synq_min_age_us(const struct xtcp_synq *q)
{
	u32 srtt8 = READ_ONCE(q->hs_rtt);

	if (!srtt8)
		return 200 * USEC_PER_MSEC;
	return clamp_t(u32, srtt8 / 2, 20 * USEC_PER_MSEC,
		       500 * USEC_PER_MSEC);
}

/**
 * xtcp_synq_rtt_sample() - a handshake completed: learn how long its
 * final ACK took after the SYN-ACK (only from a request whose SYN-ACK went
 * once, Karn's rule).
 * @sk: the listener.
 * @req: the request.
 */
void xtcp_synq_rtt_sample(struct sock *sk, const struct xtcp_request *req)
{
	struct xtcp_synq *q = xtcp_sk(sk)->synq;
	u32 m = xtcp_clock_us() - req->born, srtt8;

	if (!q || READ_ONCE(req->num_timeout))
		return;
	/* a handshake is shorter than 2^29 us (its request lives < 2 min) */
	m = clamp_t(u32, m, 1, U32_MAX >> 3) << 3;
	srtt8 = READ_ONCE(q->hs_rtt);
	/* RFC 6298's gain of 1/8; racing updates lose a sample, no more */
	WRITE_ONCE(q->hs_rtt, srtt8 ? srtt8 - (srtt8 >> 3) + (m >> 3) : m);
}

/**
 * xtcp_synq_evict() - the SYN queue is full (or down to max_syn_backlog's
 * reserved quarter) and cookies are off: make room
 * for a new SYN by dropping the request that waited longest for an answer
 * that never came, if it waited long enough.
 * @sk: the listener.
 *
 * Linux drops the new SYN instead. Under a flood of spoofed SYNs the queue
 * is then always full of requests that will never be answered, and a real
 * client gets in only when one of them times out (129 slots for the seconds
 * a request lives). Pushing out the oldest unanswered request, once it
 * waited several handshake round trips (xtcp_synq_min_age_us()), admits new
 * SYNs at the rate at which requests grow that old: a real client's
 * request then lives long enough for its final ACK, and the queue never
 * grows. A request whose final ACK came (kept by TCP_DEFER_ACCEPT or a
 * full accept queue) is never pushed out.
 *
 * Context: BHs off; takes the listener's queue_lock.
 * Return: true if a request was dropped (counted in ReqEvicted).
 */
bool xtcp_synq_evict(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_synq *q = xs->synq;
	struct xtcp_request *req, *victim = NULL;
	u32 now = xtcp_clock_us(), min_age = xtcp_synq_min_age_us(q);
	int i;

	spin_lock(&xs->queue_lock);
	for (i = XTCP_SYNQ_LEVELS - 1; i >= 0 && !victim; i--) {
		list_for_each_entry(req, &q->level[i], list) {
			if (req->acked)
				continue;
			/* @born is 32 bits of microseconds: compare in 32 */
			if (i == 0 && (s32)(now - req->born) < (s32)min_age)
				break;
			victim = req;
			refcount_inc(&victim->refcnt);
			break;
		}
	}
	spin_unlock(&xs->queue_lock);
	if (!victim)
		return false;
	if (xtcp_req_unlink(victim))
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_REQEVICTED);
	xtcp_req_put(victim);
	return true;
}

/**
 * xtcp_req_lookup() - the half-open connection a segment from
 * @saddr:@sport to @daddr:@dport belongs to.
 * @net: the namespace the segment arrived in.
 * @saddr: its source address (the peer's).
 * @sport: its source port.
 * @daddr: its destination address (ours).
 * @dport: its destination port.
 * @dif: ifindex of the arriving device.
 *
 * Lockless. A request freed and reused during the walk can lead it onto
 * another chain; the chain's end marker tells, and the walk starts over.
 *
 * Context: rcu_read_lock() held (the input path's).
 * Return: the request with a reference taken, or NULL.
 */
struct xtcp_request *xtcp_req_lookup(struct net *net, __be32 saddr,
				     __be16 sport, __be32 daddr, __be16 dport,
				     int dif)
{
	unsigned int slot = xtcp_req_slot(net, daddr, dport, saddr, sport);
	struct hlist_nulls_node *node;
	struct xtcp_request *req;

begin:
	hlist_nulls_for_each_entry_rcu(req, node, &xtcp_req_hash[slot],
				       hash_node) {
		if (!xtcp_req_match(req, net, saddr, sport, daddr, dport, dif))
			continue;
		if (unlikely(!refcount_inc_not_zero(&req->refcnt)))
			goto begin;
		if (unlikely(!xtcp_req_match(req, net, saddr, sport, daddr,
					     dport, dif))) {
			xtcp_req_put(req);
			goto begin;
		}
		return req;
	}
	if (get_nulls_value(node) != slot)
		goto begin;
	return NULL;
}

/**
 * xtcp_req_tsval() - the TSval of @req's SYN-ACK: the clock with the
 * connection's offset, and for a cookie the SYN's window scale and
 * SACK-permitted in its low bits (proto/timestamp.c), to come back in the
 * final ACK's TSecr.
 * @req: the request.
 *
 * Return: the TSval.
 */
u32 xtcp_req_tsval(const struct xtcp_request *req)
{
	u32 ts = xtcp_ts_now(xtcp_ts_clock_ms(),
			     xtcp_ts_offset(xtcp_req_net(req), req->laddr,
					    req->raddr, req->lport,
					    req->rport));
	struct xtcp_cookie_opts o = {
		.wscale = req->wscale,
		.sack_ok = req->sack_ok,
		.ts = true,
	};

	return req->cookie ? xtcp_ts_cookie_encode(ts, &o) : ts;
}

/**
 * xtcp_req_send_synack() - send (or send again) @req's SYN-ACK: our ISS,
 * the peer's ISN + 1, our MSS from the route to the peer, the window of a
 * new connection.
 * @req: the request; the caller holds a reference.
 *
 * Context: BHs off.
 * Return: 0, -ENOBUFS without memory, or a routing or output error.
 */
int xtcp_req_send_synack(struct xtcp_request *req)
{
	struct sock *sk = req->listener;
	const struct xtcp_af_ops *af = xtcp_af(sk);
	struct xtcp_options opts = { .has_mss = true };
	u8 obuf[XTCP_MAX_OPTION_BYTES];
	struct dst_entry *dst;
	struct sk_buff *skb;
	unsigned int olen;
	struct tcphdr *th;

	if (xtcp_should_fail(XTCP_FAULT_SYNACK))
		return -ENOBUFS;
	skb = alloc_skb(XTCP_MAX_HEADER, GFP_ATOMIC);
	if (!skb)
		return -ENOBUFS;
	skb_reserve(skb, XTCP_MAX_HEADER);
	dst = af->route_req(sk, req);
	if (!dst) {
		kfree_skb(skb);
		return -EHOSTUNREACH;
	}
	opts.mss = xtcp_route_mss(sk, dst_mtu(dst));
	if (req->rcv_wscale <= XTCP_MAX_WSCALE) {
		opts.has_wscale = true;
		opts.wscale = req->rcv_wscale;
	}
	opts.sack_permitted = req->sack_ok &&
			      READ_ONCE(xtcp_pernet(sock_net(sk))->sack);
	if (req->ts_ok) {
		opts.has_ts = true;
		opts.tsval = xtcp_req_tsval(req);
		opts.tsecr = req->ts_recent;
	}
	olen = xtcp_build_options(obuf, &opts, true);
	th = skb_push(skb, sizeof(*th) + olen);
	skb_reset_transport_header(skb);
	memset(th, 0, sizeof(*th));
	th->source = req->lport;
	th->dest = req->rport;
	th->seq = htonl(req->iss);
	th->ack_seq = htonl(req->irs + 1);
	th->doff = (sizeof(*th) + olen) / 4;
	tcp_flag_byte(th) = TCPHDR_SYN | TCPHDR_ACK;
	/* RFC 7323 §2.2: a SYN's window is never scaled. */
	th->window = htons(req->rcv_wnd);
	memcpy(th + 1, obuf, olen);
	xtcp_inc_stat(sock_net(sk), XTCP_MIB_OUTSEGS);
	return af->send_req(sk, req, skb, dst);
}

/*
 * The timer ran out for @req (popped from its level, a reference held):
 * expire it, or send its SYN-ACK again and put it back one level up.
 */
static void xtcp_synq_expired(struct sock *sk, struct xtcp_request *req,
			      unsigned int thresh)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_synq *q = xs->synq;
	bool expire, resend, readd;
	unsigned int level;

	xtcp_synack_recalc(req->num_timeout, req->acked,
			   READ_ONCE(xs->defer_accept), thresh, &expire,
			   &resend);
	if (expire) {
		if (xtcp_req_unlink(req))
			xtcp_inc_stat(sock_net(sk), XTCP_MIB_REQTIMEOUTS);
		return;
	}
	if (resend && !xtcp_req_send_synack(req))
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_SYNRETRANS);

	spin_lock(&xs->queue_lock);
	readd = !req->unlinked && READ_ONCE(sk->sk_state) == TCP_LISTEN;
	if (readd) {
		if (req->young) {
			req->young = 0;
			q->young--;
		}
		if (req->num_timeout < U8_MAX)
			req->num_timeout++;
		level = min_t(unsigned int, req->num_timeout,
			      XTCP_SYNQ_LEVELS - 1);
		req->expires = jiffies + xtcp_backoff(XTCP_RTO_INIT,
						      req->num_timeout,
						      XTCP_RTO_MAX);
		list_add_tail(&req->list, &q->level[level]);
		xtcp_synq_schedule(q, req->expires);
	}
	spin_unlock(&xs->queue_lock);
	/* The listener closed meanwhile: xtcp_synq_stop() did not see it. */
	if (!readd)
		xtcp_req_unlink(req);
}

/*
 * The SYN-ACK timer of a listener: every request whose time is up (each
 * level's list is in expiry order, so only their heads are looked at) is
 * expired or has its SYN-ACK sent again, with Linux's retry limit under
 * pressure (xtcp_synack_thresh()). The work is done outside queue_lock,
 * one request at a time, so that sending never holds it.
 */
static void xtcp_synq_timer(struct timer_list *t)
{
	struct xtcp_synq *q = xtcp_timer_container_of(q, t, timer);
	struct sock *sk = q->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	unsigned long now = jiffies, next = 0;
	struct xtcp_request *req, *tmp;
	unsigned int thresh, retries;
	bool have_next = false;
	LIST_HEAD(due);
	int i;

	spin_lock(&xs->queue_lock);
	if (READ_ONCE(sk->sk_state) != TCP_LISTEN) {
		spin_unlock(&xs->queue_lock);
		return;
	}
	for (i = 0; i < XTCP_SYNQ_LEVELS; i++) {
		list_for_each_entry_safe(req, tmp, &q->level[i], list) {
			if (time_after(req->expires, now + XTCP_SYNQ_SLACK))
				break;
			list_move_tail(&req->list, &due);
		}
	}
	retries = READ_ONCE(xs->syn_retries);
	if (!retries)
		retries = READ_ONCE(xn->synack_retries);
	thresh = xtcp_synack_thresh(xs->syn_qlen, q->young,
				    READ_ONCE(sk->sk_max_ack_backlog), retries);
	for (;;) {
		req = list_first_entry_or_null(&due, struct xtcp_request, list);
		if (!req)
			break;
		list_del_init(&req->list);
		refcount_inc(&req->refcnt);
		spin_unlock(&xs->queue_lock);
		xtcp_synq_expired(sk, req, thresh);
		xtcp_req_put(req);
		spin_lock(&xs->queue_lock);
	}
	for (i = 0; i < XTCP_SYNQ_LEVELS; i++) {
		req = list_first_entry_or_null(&q->level[i],
					       struct xtcp_request, list);
		if (req && (!have_next || time_before(req->expires, next))) {
			next = req->expires;
			have_next = true;
		}
	}
	if (have_next && READ_ONCE(sk->sk_state) == TCP_LISTEN)
		xtcp_synq_schedule(q, next);
	spin_unlock(&xs->queue_lock);
}

/**
 * xtcp_synq_stop() - the listener stopped listening: free every request
 * (their peers' final ACKs will find no connection and be reset, as in
 * Linux) and stop the timer.
 * @sk: the listener, no longer in LISTEN, so no request can be added.
 *
 * Context: process, listener locked.
 */
void xtcp_synq_stop(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_synq *q = xs->synq;
	struct xtcp_request *req;
	int i;

	if (!q)
		return;
	for (;;) {
		req = NULL;
		spin_lock_bh(&xs->queue_lock);
		for (i = 0; i < XTCP_SYNQ_LEVELS && !req; i++)
			req = list_first_entry_or_null(&q->level[i],
						       struct xtcp_request,
						       list);
		if (req)
			refcount_inc(&req->refcnt);
		spin_unlock_bh(&xs->queue_lock);
		if (!req)
			break;
		xtcp_req_unlink(req);
		xtcp_req_put(req);
	}
	/* The timer re-arms only while the listener is in LISTEN. */
	xtcp_timer_delete_sync(&q->timer);
}

/**
 * xtcp_synq_alloc() - the SYN queue for a socket about to listen.
 * @sk: the socket.
 *
 * Context: process.
 * Return: the queue, or NULL without memory.
 */
struct xtcp_synq *xtcp_synq_alloc(struct sock *sk)
{
	struct xtcp_synq *q = kzalloc(sizeof(*q), GFP_KERNEL);
	int i;

	if (!q)
		return NULL;
	for (i = 0; i < XTCP_SYNQ_LEVELS; i++)
		INIT_LIST_HEAD(&q->level[i]);
	q->sk = sk;
	timer_setup(&q->timer, xtcp_synq_timer, 0);
	return q;
}

/**
 * xtcp_req_visit() - call @fn on every request of @net, under the lock of
 * its chain: @fn must not sleep.
 * @net: the namespace.
 * @fn: called for each request.
 * @arg: passed to @fn.
 */
void xtcp_req_visit(struct net *net, xtcp_req_fn_t fn, void *arg)
{
	struct hlist_nulls_node *node;
	struct xtcp_request *req;
	unsigned int i;

	for (i = 0; i < (1U << XTCP_REQ_HASH_BITS); i++) {
		if (hlist_nulls_empty(&xtcp_req_hash[i]))
			continue;
		spin_lock_bh(xtcp_req_lock(i));
		hlist_nulls_for_each_entry(req, node, &xtcp_req_hash[i],
					   hash_node)
			if (net_eq(xtcp_req_net(req), net))
				fn(req, arg);
		spin_unlock_bh(xtcp_req_lock(i));
	}
}
