/* SPDX-License-Identifier: GPL-2.0 */
/*
 * request.h - request objects: what a listener keeps of a SYN it answered
 * (a half-open connection, SYN_RECV) until the handshake's final ACK
 * creates the connection's socket; and the listener's SYN queue of them.
 * See request.c, and Documentation/xtcp-locking.rst for the locking.
 */
#ifndef XTCP_REQUEST_H
#define XTCP_REQUEST_H

#include <linux/list.h>
#include <linux/list_nulls.h>
#include <linux/refcount.h>
#include <linux/timer.h>
#include <net/net_namespace.h>
#include <net/sock.h>

/*
 * SYN-ACK timeouts double from 1 s and stop at 120 s (Linux's TCP_RTO_MAX):
 * the first seven retransmissions each have their own timeout, all later
 * ones share 120 s. Requests that are at the same level all wait the same
 * time, so a FIFO list per level is ordered by expiry.
 */
#define XTCP_SYNQ_LEVELS	8

/**
 * struct xtcp_request - a half-open connection of a listener.
 *
 * Lifetime: the cache is SLAB_TYPESAFE_BY_RCU, as TCP's request sockets
 * are: an object found by an RCU lookup may be freed and reused at any
 * time, so a lookup takes a reference with refcount_inc_not_zero() and
 * checks the 4-tuple again (xtcp_req_lookup()). One reference belongs to
 * the tables (the hash chain and the SYN queue, left together by
 * xtcp_req_unlink()), others to whoever is working on the request. The
 * last xtcp_req_put() drops the listener and frees the object.
 *
 * Locking: @hash_node by the hash chain's lock; @list, @expires,
 * @num_timeout, @acked, @young and @unlinked by the listener's
 * queue_lock; @last_oow is a rate-limit stamp read and written
 * locklessly; everything else is written once, before the request is
 * published, and read-only after.
 */
struct xtcp_request {
	/** @hash_node: link in the request table (request.c). */
	struct hlist_nulls_node hash_node;
	/** @list: link in the listener's SYN queue, at its level. */
	struct list_head list;
	/** @listener: the listener; the request holds a reference. */
	struct sock *listener;
	/** @net: the namespace, kept for the lookup's checks. */
	possible_net_t net;
	/** @laddr: our address (the SYN's destination). */
	__be32 laddr;
	/** @raddr: the peer's address. */
	__be32 raddr;
	/** @lport: our port. */
	__be16 lport;
	/** @rport: the peer's port. */
	__be16 rport;
	/** @dif: device the listener is bound to, 0 if none. */
	int dif;
	/** @iss: our initial sequence number (the SYN-ACK's). */
	u32 iss;
	/** @irs: the peer's initial sequence number (its SYN's). */
	u32 irs;
	/** @expires: jiffies when the SYN-ACK timer runs out. */
	unsigned long expires;
	/** @refcnt: references; 0 while free or not yet published. */
	refcount_t refcnt;
	/** @last_oow: jiffies of the last rate-limited answer. */
	u32 last_oow;
	/** @mss: the peer's MSS option, 0 if it sent none. */
	u16 mss;
	/** @window: the window of the peer's SYN. */
	u16 window;
	/** @rcv_wnd: the window our SYN-ACK offers. */
	u16 rcv_wnd;
	/** @num_timeout: times the SYN-ACK timer ran out. */
	u8 num_timeout;
	/** @acked: a final ACK came but was dropped (defer, full queue). */
	u8 acked;
	/** @young: counted in xtcp_synq.young (no timeout yet). */
	u8 young;
	/** @unlinked: out of the tables; nobody may claim it any more. */
	u8 unlinked;
	/** @wscale: the SYN's window scale, 15 if none (kept for later). */
	u8 wscale;
	/** @sack_ok: the SYN offered SACK-permitted (kept for later). */
	u8 sack_ok;
	/** @ts_ok: the SYN had timestamps and we use them: so does the SYN-ACK. */
	u8 ts_ok;
	/** @cookie: a SYN cookie's (on the stack, never published). */
	u8 cookie;
	/** @rcv_wscale: the shift our SYN-ACK offers, 15 if it offers none. */
	u8 rcv_wscale;
	/**
	 * @born: xtcp_clock_us() when the first SYN-ACK went (written once):
	 * the handshake's RTT, and the request's age in the SYN queue.
	 */
	u32 born;
	/** @ts_recent: the SYN's TSval, echoed in the SYN-ACK, if @ts_ok. */
	u32 ts_recent;
};

/**
 * struct xtcp_synq - a listener's SYN queue, allocated by its first
 * listen() and freed with the socket.
 *
 * Locking: the listener's queue_lock guards the lists and @young (and the
 * listener's syn_qlen, the number of requests); @timer runs without it and
 * takes it.
 */
struct xtcp_synq {
	/** @level: requests by min(num_timeout, LEVELS - 1), oldest first. */
	struct list_head level[XTCP_SYNQ_LEVELS];
	/** @timer: runs when the earliest request's SYN-ACK timer is due. */
	struct timer_list timer;
	/** @sk: the listener. */
	struct sock *sk;
	/** @young: requests that have not timed out yet. */
	u32 young;
	/** @last_overflow: jiffies of the last cookie sent, 0 if none. */
	unsigned long last_overflow;
	/** @synflood_warned: the "possible SYN flooding" line was logged. */
	u8 synflood_warned;
	/**
	 * @hs_rtt: smoothed time from SYN-ACK to final ACK of the handshakes
	 * completed (microseconds * 8), 0 until one is measured; lockless.
	 */
	u32 hs_rtt;
};

static inline struct net *xtcp_req_net(const struct xtcp_request *req)
{
	return read_pnet(&req->net);
}

int xtcp_request_init(void);
void xtcp_request_exit(void);
struct xtcp_synq *xtcp_synq_alloc(struct sock *sk);
void xtcp_synq_stop(struct sock *sk);
struct xtcp_request *xtcp_req_alloc(struct sock *sk);
void xtcp_req_init_stack(struct sock *sk, struct xtcp_request *req);
void xtcp_req_init_tuple(struct sock *sk, struct xtcp_request *req,
			 const struct sk_buff *skb);
void xtcp_req_free_unpublished(struct xtcp_request *req);
bool xtcp_req_insert(struct sock *sk, struct xtcp_request *req);
void xtcp_req_put(struct xtcp_request *req);
bool xtcp_req_unlink(struct xtcp_request *req);
struct xtcp_request *xtcp_req_lookup(struct net *net, __be32 saddr,
				     __be16 sport, __be32 daddr, __be16 dport,
				     int dif);
int xtcp_req_send_synack(struct xtcp_request *req);
bool xtcp_synq_evict(struct sock *sk);
void xtcp_synq_rtt_sample(struct sock *sk, const struct xtcp_request *req);
u16 xtcp_req_window(const struct sock *sk);
u8 xtcp_req_rcv_wscale(const struct sock *sk, u8 peer_wscale);
u16 xtcp_req_ack_window(const struct xtcp_request *req);
u32 xtcp_req_tsval(const struct xtcp_request *req);
/* A callback run on each request of a table walk (under a chain lock). */
typedef void (*xtcp_req_fn_t)(struct xtcp_request *req, void *arg);
void xtcp_req_visit(struct net *net, xtcp_req_fn_t fn, void *arg);

/* syncookie.c */
u32 xtcp_cookie_isn(struct sock *sk, struct xtcp_request *req);
bool xtcp_cookie_wanted(const struct sock *sk);
bool xtcp_cookie_check(struct sock *sk, struct sk_buff *skb,
		       struct xtcp_request *req);

#endif /* XTCP_REQUEST_H */
