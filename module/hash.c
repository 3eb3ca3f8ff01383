// SPDX-License-Identifier: GPL-2.0
/*
 * hash.c - xtcp's own lookup tables and port allocator.
 *
 * xtcp cannot share TCP's inet_hashinfo: lookups there do not compare the
 * protocol, so xtcp and TCP sockets on the same 4-tuple or port would find
 * each other. It keeps three tables of its own, for all namespaces:
 *
 *  - the connection table (4-tuple -> socket, via sk->sk_nulls_node)
 *    holds every socket with a peer: SYN_SENT through TIME_WAIT, and
 *    listener children;
 *  - the listener table (local port -> sockets, also via
 *    sk->sk_nulls_node, which a socket uses for one table at a time);
 *  - the port table (local port -> sockets, via sk->sk_bind_node) holds
 *    every socket that owns a local port, for bind conflicts and ephemeral
 *    port choice.
 *
 * Locking: every chain of every table has its own spinlock, taken with
 * BHs disabled, innermost (inside a socket lock; no two are ever held at
 * once). It guards the chain's membership. Lookups of the connection and
 * listener tables take no lock: they walk the chain under RCU. Sockets are
 * SOCK_RCU_FREE, so one stays memory while a reader may still see it; a
 * lookup takes its reference with refcount_inc_not_zero() and matches the
 * tuple again, and the chains are hlist_nulls lists whose end marker names
 * the chain, so a walk led astray by a socket that moved starts over.
 * sk->sk_hash records where a socket is, so it leaves the right chain
 * whatever its addresses became. A table holds a reference on every
 * socket in it; lookups return a socket with a reference taken. Half-open
 * connections are not sockets and live in request.c's own table; a
 * TIME_WAIT connection is a full socket here. See
 * Documentation/xtcp-locking.rst.
 */
#include <linux/jhash.h>
#include <linux/random.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>

#include "xtcp.h"
#include "proto/segment.h"

#define XTCP_EHASH_BITS	12
#define XTCP_PHASH_BITS	8

/* sk->sk_hash of a socket in the listener table, not the connection one. */
#define XTCP_HASH_LISTENER	BIT(31)

/*
 * End markers of listener chains are numbered after the connection
 * chains', so a walk that follows a socket from one table into the other
 * (connect(AF_UNSPEC) then listen(), say) ends on a marker that is not
 * its own and starts over rather than stopping early.
 */
#define XTCP_LHASH_NULLS(slot)	((1U << XTCP_EHASH_BITS) + (slot))

/**
 * struct xtcp_hslot - a chain of the connection or listener table.
 * @chain: the sockets, linked by sk->sk_nulls_node; walked under RCU.
 * @lock: guards @chain's membership.
 */
struct xtcp_hslot {
	struct hlist_nulls_head chain;
	spinlock_t lock;
};

/**
 * struct xtcp_bslot - a chain of the port table.
 * @chain: the sockets owning a port that hashes here, by sk->sk_bind_node.
 * @lock: guards @chain and its sockets' inet_num.
 */
struct xtcp_bslot {
	struct hlist_head chain;
	spinlock_t lock;
};

static struct xtcp_hslot *xtcp_ehash __read_mostly;
static struct xtcp_hslot *xtcp_lhash __read_mostly;
static struct xtcp_bslot *xtcp_bhash __read_mostly;
static u32 xtcp_hash_secret __read_mostly;

static unsigned int xtcp_ehashfn(const struct net *net, __be32 laddr,
				 __u16 lport, __be32 faddr, __be16 fport)
{
	return jhash_3words((__force u32)laddr, (__force u32)faddr,
			    ((u32)lport << 16) | (__force u16)fport,
			    xtcp_hash_secret + net_hash_mix(net)) &
	       ((1U << XTCP_EHASH_BITS) - 1);
}

static unsigned int xtcp_port_slot(const struct net *net, u16 port)
{
	return (port + net_hash_mix(net)) & ((1U << XTCP_PHASH_BITS) - 1);
}

static struct xtcp_bslot *xtcp_bslot(const struct net *net, u16 port)
{
	return &xtcp_bhash[xtcp_port_slot(net, port)];
}

/** xtcp_hash_init() - allocate the tables at module load. */
int xtcp_hash_init(void)
{
	unsigned int i;

	xtcp_ehash = kvcalloc(1U << XTCP_EHASH_BITS, sizeof(*xtcp_ehash),
			      GFP_KERNEL);
	xtcp_lhash = kvcalloc(1U << XTCP_PHASH_BITS, sizeof(*xtcp_lhash),
			      GFP_KERNEL);
	xtcp_bhash = kvcalloc(1U << XTCP_PHASH_BITS, sizeof(*xtcp_bhash),
			      GFP_KERNEL);
	if (!xtcp_ehash || !xtcp_lhash || !xtcp_bhash) {
		xtcp_hash_exit();
		return -ENOMEM;
	}
	/* A chain's end marker names the chain: see xtcp_lookup(). */
	for (i = 0; i < (1U << XTCP_EHASH_BITS); i++) {
		INIT_HLIST_NULLS_HEAD(&xtcp_ehash[i].chain, i);
		spin_lock_init(&xtcp_ehash[i].lock);
	}
	for (i = 0; i < (1U << XTCP_PHASH_BITS); i++) {
		INIT_HLIST_NULLS_HEAD(&xtcp_lhash[i].chain,
				      XTCP_LHASH_NULLS(i));
		spin_lock_init(&xtcp_lhash[i].lock);
		INIT_HLIST_HEAD(&xtcp_bhash[i].chain);
		spin_lock_init(&xtcp_bhash[i].lock);
	}
	xtcp_hash_secret = get_random_u32();
	return 0;
}

/** xtcp_hash_exit() - free the tables; every socket is gone by now. */
void xtcp_hash_exit(void)
{
	kvfree(xtcp_ehash);
	kvfree(xtcp_lhash);
	kvfree(xtcp_bhash);
	xtcp_ehash = NULL;
	xtcp_lhash = NULL;
	xtcp_bhash = NULL;
}

static bool xtcp_devs_overlap(const struct sock *a, const struct sock *b)
{
	return !a->sk_bound_dev_if || !b->sk_bound_dev_if ||
	       a->sk_bound_dev_if == b->sk_bound_dev_if;
}

/*
 * Linux's TCP bind rule: two owners of one port conflict when their
 * addresses and devices overlap, unless both set SO_REUSEADDR and the
 * existing one is not listening, or both set SO_REUSEPORT and belong to
 * the same user. A socket about to listen is checked again
 * (xtcp_listen_port_ok()), so of two sharing a port through SO_REUSEADDR
 * only one may listen; an SO_REUSEPORT group may all listen.
 */
static bool xtcp_bind_conflict(const struct sock *sk, u16 port)
{
	struct xtcp_bslot *slot = xtcp_bslot(sock_net(sk), port);
	__be32 addr = inet_sk(sk)->inet_rcv_saddr;
	struct sock *sk2;

	lockdep_assert_held(&slot->lock);
	sk_for_each_bound(sk2, &slot->chain) {
		__be32 addr2 = inet_sk(sk2)->inet_rcv_saddr;

		if (sk2 == sk || inet_sk(sk2)->inet_num != port ||
		    !net_eq(sock_net(sk2), sock_net(sk)))
			continue;
		if (!xtcp_devs_overlap(sk, sk2))
			continue;
		if (addr && addr2 && addr != addr2)
			continue;
		if (sk->sk_reuse && sk2->sk_reuse &&
		    sk2->sk_state != TCP_LISTEN)
			continue;
		/* SO_REUSEPORT: one group per user, listening or not. */
		if (sk->sk_reuseport && sk2->sk_reuseport &&
		    uid_eq(xtcp_sk_uid((struct sock *)sk),
			   xtcp_sk_uid(sk2)))
			continue;
		return true;
	}
	return false;
}

/* What an ephemeral port is wanted for (xtcp_bind_ephemeral()). */
enum xtcp_port_want {
	XTCP_PORT_BIND,		/* bind(0), listen(): an unused port */
	XTCP_PORT_CONNECT,	/* connect(): an unused one, shared later */
	XTCP_PORT_SHARE,	/* connect(): one only connect()s own */
};

/*
 * May @port be taken for @want? If nobody in this namespace owns it; for
 * XTCP_PORT_SHARE also if connect() gave it to every owner, as in Linux's
 * TCP: a port taken by bind() or listen() is not shared that way.
 */
static bool xtcp_port_free_for(const struct net *net, u16 port,
			       enum xtcp_port_want want)
{
	struct xtcp_bslot *slot = xtcp_bslot(net, port);
	struct sock *sk2;

	lockdep_assert_held(&slot->lock);
	sk_for_each_bound(sk2, &slot->chain)
		if (inet_sk(sk2)->inet_num == port &&
		    net_eq(sock_net(sk2), net) &&
		    (want != XTCP_PORT_SHARE || !xtcp_sk(sk2)->port_by_connect))
			return false;
	return true;
}

static void xtcp_bind_port_locked(struct sock *sk, u16 port)
{
	struct xtcp_bslot *slot = xtcp_bslot(sock_net(sk), port);

	lockdep_assert_held(&slot->lock);
	inet_sk(sk)->inet_num = port;
	sock_hold(sk);
	sk_add_bind_node(sk, &slot->chain);
}

static int xtcp_bind_ephemeral(struct sock *sk, enum xtcp_port_want want,
			       u32 *iss);

/**
 * xtcp_get_port() - claim local port @snum for @sk (proto.get_port, used
 * by bind() and listen()); 0 picks an ephemeral port.
 * @sk: the socket; its bound address, device and SO_REUSEADDR decide
 *	conflicts.
 * @snum: the port in host order, or 0.
 *
 * Context: process, socket locked; takes the port's chain lock.
 * Return: 0, or -EADDRINUSE (also when no ephemeral port is free).
 */
int xtcp_get_port(struct sock *sk, unsigned short snum)
{
	struct xtcp_bslot *slot;
	int err = 0;

	if (!snum)	/* EADDRINUSE is what bind(0) reports in TCP */
		return xtcp_bind_ephemeral(sk, XTCP_PORT_BIND, NULL) < 0 ?
		       -EADDRINUSE : 0;
	slot = xtcp_bslot(sock_net(sk), snum);
	spin_lock_bh(&slot->lock);
	if (xtcp_bind_conflict(sk, snum))
		err = -EADDRINUSE;
	else
		xtcp_bind_port_locked(sk, snum);
	spin_unlock_bh(&slot->lock);
	return err;
}

/**
 * xtcp_listen_port_ok() - @sk, now in LISTEN, may keep its port: checked
 * again because SO_REUSEADDR sharing ends where listening starts.
 * @sk: the socket entering LISTEN.
 *
 * Context: process, socket locked; takes the port's chain lock.
 * Return: true if no other owner of the port conflicts with a listener.
 */
bool xtcp_listen_port_ok(struct sock *sk)
{
	u16 port = inet_sk(sk)->inet_num;
	struct xtcp_bslot *slot = xtcp_bslot(sock_net(sk), port);
	bool ok;

	spin_lock_bh(&slot->lock);
	ok = !xtcp_bind_conflict(sk, port);
	spin_unlock_bh(&slot->lock);
	return ok;
}

/**
 * xtcp_put_port() - give up @sk's local port.
 * @sk: the socket; its inet_num changes only under the chain lock, so it
 *	names the chain while the socket is in it.
 */
void xtcp_put_port(struct sock *sk)
{
	struct xtcp_bslot *slot;
	bool owned;

	if (hlist_unhashed(&sk->sk_bind_node))
		return;
	slot = xtcp_bslot(sock_net(sk), inet_sk(sk)->inet_num);
	spin_lock_bh(&slot->lock);
	owned = !hlist_unhashed(&sk->sk_bind_node);
	if (owned) {
		hlist_del_init(&sk->sk_bind_node);
		inet_sk(sk)->inet_num = 0;
		xtcp_sk(sk)->port_by_connect = 0;
	}
	spin_unlock_bh(&slot->lock);
	if (owned)
		__sock_put(sk);
}

static bool xtcp_match(const struct sock *sk, const struct net *net,
		       __be32 saddr, __be16 sport, __be32 daddr, u16 hnum,
		       int dif)
{
	const struct inet_sock *inet = inet_sk(sk);
	int bound = READ_ONCE(sk->sk_bound_dev_if);

	return net_eq(sock_net(sk), net) && READ_ONCE(inet->inet_num) == hnum &&
	       READ_ONCE(inet->inet_dport) == sport &&
	       READ_ONCE(inet->inet_daddr) == saddr &&
	       READ_ONCE(inet->inet_rcv_saddr) == daddr &&
	       (!bound || bound == dif);
}

static struct sock *xtcp_ehash_find_locked(const struct net *net,
					   unsigned int slot,
					   __be32 saddr, __be16 sport,
					   __be32 daddr, u16 hnum, int dif)
{
	struct hlist_nulls_node *node;
	struct sock *sk;

	lockdep_assert_held(&xtcp_ehash[slot].lock);
	sk_nulls_for_each(sk, node, &xtcp_ehash[slot].chain)
		if (xtcp_match(sk, net, saddr, sport, daddr, hnum, dif))
			return sk;
	return NULL;
}

static unsigned int xtcp_sk_ehash_slot(const struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);

	return xtcp_ehashfn(sock_net(sk), inet->inet_rcv_saddr, inet->inet_num,
			    inet->inet_daddr, inet->inet_dport);
}

/*
 * Enter @sk in the connection table under its 4-tuple, in chain @slot,
 * unless a socket holds that tuple already. True if entered. If @tw is
 * not NULL and the holder is in TIME_WAIT, *@tw is set to it, with a
 * reference, for the caller to consider ending it (net.xtcp.tw_reuse).
 */
static bool xtcp_ehash_add_unique(struct sock *sk, unsigned int slot,
				  struct sock **tw)
{
	const struct inet_sock *inet = inet_sk(sk);
	struct xtcp_hslot *hs = &xtcp_ehash[slot];
	struct sock *dup;

	spin_lock_bh(&hs->lock);
	dup = xtcp_ehash_find_locked(sock_net(sk), slot, inet->inet_daddr,
				     inet->inet_dport, inet->inet_rcv_saddr,
				     inet->inet_num, sk->sk_bound_dev_if);
	if (!dup) {
		sk->sk_hash = slot;
		sk_nulls_add_node_rcu(sk, &hs->chain);
	} else if (tw && READ_ONCE(dup->sk_state) == TCP_TIME_WAIT) {
		sock_hold(dup);
		*tw = dup;
	}
	spin_unlock_bh(&hs->lock);
	return !dup;
}

/*
 * End TIME_WAIT @tw, which holds the 4-tuple @sk connects from, if
 * net.xtcp.tw_reuse and the old connection's timestamps allow it
 * (xtcp_tw_reuse_ok()); @port_bound: @sk's port came from bind(). Then
 * *@iss is the new connection's ISS, above all the old one sent, as for a
 * SYN that reopens TIME_WAIT. TIME_WAIT held by a system call (a
 * shutdown() socket still open) is left alone, as in rcv.c.
 * Return: 1 ended, 0 already gone (its timer, or a SYN), -1 refused.
 */
static int xtcp_tw_take_over(struct sock *sk, struct sock *tw,
			     bool port_bound, u32 *iss)
{
	u8 mode = READ_ONCE(xtcp_pernet(sock_net(sk))->sysctl_tw_reuse);
	struct xtcp_sock *old = xtcp_sk(tw);
	int ret = -1;

	local_bh_disable();
	bh_lock_sock_nested(tw);
	if (tw->sk_state == TCP_CLOSE) {
		ret = 0;
	} else if (tw->sk_state == TCP_TIME_WAIT && !sock_owned_by_user(tw) &&
		   xtcp_tw_reuse_ok(mode, xtcp_af(tw)->is_loopback(tw),
				    port_bound,
				    old->ts_ok ? &old->ts_recent : NULL,
				    xtcp_ts_secs())) {
		*iss = xtcp_tw_reopen_iss(old->snd_nxt);
		xtcp_done(tw);
		ret = 1;
	}
	bh_unlock_sock(tw);
	local_bh_enable();
	if (ret > 0)
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_TWRECYCLED);
	return ret;
}

/*
 * Enter @sk, its port set, in the connection table; a TIME_WAIT holder of
 * its 4-tuple may make way (xtcp_tw_take_over()). Return: 0 entered, 1
 * entered over a TIME_WAIT with *@iss set, -EADDRNOTAVAIL if taken.
 */
static int xtcp_ehash_connect(struct sock *sk, bool port_bound, u32 *iss)
{
	unsigned int slot = xtcp_sk_ehash_slot(sk);
	int recycled = 0, tries;

	/* Again after a TIME_WAIT ended; a new holder may have come. */
	for (tries = 0; tries < 3; tries++) {
		struct sock *tw = NULL;
		int ret;

		if (xtcp_ehash_add_unique(sk, slot, &tw))
			return recycled;
		if (!tw)
			break;
		ret = xtcp_tw_take_over(sk, tw, port_bound, iss);
		sock_put(tw);
		if (ret < 0)
			break;
		recycled |= ret;
	}
	return -EADDRNOTAVAIL;
}

/*
 * Use @port, which @sk holds in the port table already, as @sk's source
 * port and enter @sk in the connection table; if its 4-tuple is taken,
 * give the port back. Return: as xtcp_ehash_connect().
 */
static int xtcp_connect_on_port(struct sock *sk, u16 port, u32 *iss)
{
	int ret;

	inet_sk(sk)->inet_sport = htons(port);
	ret = xtcp_ehash_connect(sk, false, iss);
	if (ret < 0) {
		xtcp_put_port(sk);
		inet_sk(sk)->inet_sport = 0;
	}
	return ret;
}

/*
 * Claim an ephemeral port from net.ipv4.ip_local_port_range, like TCP's,
 * for @sk, trying them from a random one on; each candidate is tested
 * and taken under its chain's lock, so two sockets never get one unused
 * port. XTCP_PORT_SHARE also enters @sk in the connection table
 * (xtcp_ehash_connect(), which may set *@iss) and tries the next port if
 * its 4-tuple is taken. Return: the port, for XTCP_PORT_SHARE
 * xtcp_ehash_connect()'s 0 or 1; -EADDRNOTAVAIL if none will do.
 */
static int xtcp_bind_ephemeral(struct sock *sk, enum xtcp_port_want want,
			       u32 *iss)
{
	struct net *net = sock_net(sk);
	int low, high, range, i, offset, ret;

	inet_get_local_port_range(net, &low, &high);
	range = high - low + 1;
	if (range <= 0)
		return -EADDRNOTAVAIL;
	offset = get_random_u32_below(range);
	for (i = 0; i < range; i++) {
		u16 port = low + (offset + i) % range;
		struct xtcp_bslot *slot = xtcp_bslot(net, port);
		bool ok;

		if (inet_is_local_reserved_port(net, port))
			continue;
		spin_lock_bh(&slot->lock);
		ok = xtcp_port_free_for(net, port, want);
		if (ok) {
			xtcp_sk(sk)->port_by_connect = want != XTCP_PORT_BIND;
			xtcp_bind_port_locked(sk, port);
		}
		spin_unlock_bh(&slot->lock);
		if (ok && want != XTCP_PORT_SHARE)
			return port;
		if (ok) {
			ret = xtcp_connect_on_port(sk, port, iss);
			if (ret >= 0)
				return ret;
		}
		if (!(i & 1023))
			cond_resched();
	}
	return -EADDRNOTAVAIL;
}

/**
 * xtcp_hash_connect() - give a connecting socket a local port if it has
 * none and enter it in the connection table; the 4-tuple must be unique,
 * or held by a TIME_WAIT connection that net.xtcp.tw_reuse lets go.
 * @sk: the connecting socket, its peer address and port set.
 * @iss: set to the ISS the new connection must use when it took over a
 *	TIME_WAIT connection's 4-tuple.
 *
 * An unused port is preferred; only when none is left does @sk share a
 * port other connect()s own.
 *
 * Context: process, socket locked; takes a port chain's lock, then a
 * connection chain's, then maybe a TIME_WAIT socket's lock, one at a time.
 * Return: 0, 1 if *@iss was set, or -EADDRNOTAVAIL.
 */
int xtcp_hash_connect(struct sock *sk, u32 *iss)
{
	struct inet_sock *inet = inet_sk(sk);
	int port, ret;

	if (inet->inet_num)
		return xtcp_ehash_connect(sk, true, iss);
	port = xtcp_bind_ephemeral(sk, XTCP_PORT_CONNECT, NULL);
	if (port >= 0) {
		ret = xtcp_connect_on_port(sk, port, iss);
		if (ret >= 0)
			return ret;
	}
	/* None unused: share one, as Linux's TCP shares them. */
	return xtcp_bind_ephemeral(sk, XTCP_PORT_SHARE, iss);
}

/**
 * xtcp_ehash_insert() - enter a listener's new child in the connection
 * table and the port table (it shares the listener's port), unless a
 * socket has its 4-tuple already: a copy of the same SYN that another CPU
 * handed to the listener a moment earlier.
 * @sk: the child, its addresses and ports taken from the SYN.
 *
 * Context: BHs disabled, child locked; takes a connection chain's lock,
 * then a port chain's.
 * Return: true if entered.
 */
bool xtcp_ehash_insert(struct sock *sk)
{
	u16 port = inet_sk(sk)->inet_num;
	struct xtcp_bslot *bs = xtcp_bslot(sock_net(sk), port);

	if (!xtcp_ehash_add_unique(sk, xtcp_sk_ehash_slot(sk), NULL))
		return false;
	spin_lock(&bs->lock);
	xtcp_bind_port_locked(sk, port);
	spin_unlock(&bs->lock);
	return true;
}

/**
 * xtcp_hash() - enter a listening socket in the listener table.
 * @sk: the socket, its local port set.
 *
 * Context: process, socket locked; takes a listener chain's lock.
 * Return: 0.
 */
int xtcp_hash(struct sock *sk)
{
	unsigned int slot = xtcp_port_slot(sock_net(sk),
					   inet_sk(sk)->inet_num);
	struct xtcp_hslot *hs = &xtcp_lhash[slot];

	spin_lock_bh(&hs->lock);
	sk->sk_hash = XTCP_HASH_LISTENER | slot;
	sk_nulls_add_node_rcu(sk, &hs->chain);
	spin_unlock_bh(&hs->lock);
	return 0;
}

/**
 * xtcp_unhash() - remove @sk from the connection or listener table.
 * @sk: the socket; sk->sk_hash says which chain holds it.
 *
 * Context: socket locked (or owned by its last holder); takes that
 * chain's lock. Readers under RCU may still see @sk for a grace period.
 */
void xtcp_unhash(struct sock *sk)
{
	struct xtcp_hslot *hs;

	if (sk_unhashed(sk))
		return;
	if (sk->sk_hash & XTCP_HASH_LISTENER)
		hs = &xtcp_lhash[sk->sk_hash & ((1U << XTCP_PHASH_BITS) - 1)];
	else
		hs = &xtcp_ehash[sk->sk_hash & ((1U << XTCP_EHASH_BITS) - 1)];
	spin_lock_bh(&hs->lock);
	sk_nulls_del_node_init_rcu(sk);
	spin_unlock_bh(&hs->lock);
}

/**
 * xtcp_lookup() - the connection a segment from @saddr:@sport to
 * @daddr:@dport arriving on device @dif belongs to.
 * @net: the namespace the segment arrived in.
 * @saddr: the segment's source address (the peer's).
 * @sport: its source port, network order.
 * @daddr: its destination address (ours).
 * @dport: its destination port, network order.
 * @dif: ifindex of the arriving device.
 *
 * Context: any; takes no lock (RCU).
 * Return: the socket with a reference held, or NULL.
 */
struct sock *xtcp_lookup(struct net *net, __be32 saddr, __be16 sport,
			 __be32 daddr, __be16 dport, int dif)
{
	u16 hnum = ntohs(dport);
	unsigned int slot = xtcp_ehashfn(net, daddr, hnum, saddr, sport);
	struct hlist_nulls_node *node;
	struct sock *sk;

	rcu_read_lock();
begin:
	sk_nulls_for_each_rcu(sk, node, &xtcp_ehash[slot].chain) {
		if (!xtcp_match(sk, net, saddr, sport, daddr, hnum, dif))
			continue;
		if (unlikely(!refcount_inc_not_zero(&sk->sk_refcnt))) {
			sk = NULL;	/* on its way out: as good as gone */
			goto out;
		}
		/* It may have moved between the match and the reference. */
		if (unlikely(!xtcp_match(sk, net, saddr, sport, daddr, hnum,
					 dif))) {
			sock_put(sk);
			goto begin;
		}
		goto out;
	}
	/* Led onto another chain by a socket that moved: start over. */
	if (get_nulls_value(node) != slot)
		goto begin;
	sk = NULL;
out:
	rcu_read_unlock();
	return sk;
}

static bool xtcp_listener_fits(const struct sock *sk, const struct net *net,
			       __be32 daddr, u16 hnum, int dif, int *score)
{
	__be32 addr = READ_ONCE(inet_sk(sk)->inet_rcv_saddr);
	int bound = READ_ONCE(sk->sk_bound_dev_if);

	if (!net_eq(sock_net(sk), net) ||
	    READ_ONCE(inet_sk(sk)->inet_num) != hnum ||
	    READ_ONCE(sk->sk_state) != TCP_LISTEN)
		return false;
	if (addr && addr != daddr)
		return false;
	if (bound && bound != dif)
		return false;
	*score = (addr ? 2 : 0) + (bound ? 1 : 0);
	return true;
}

/*
 * The best listener in chain @slot, and of an SO_REUSEPORT group that
 * ties for the best, the @pick'th, counting from the chain's head; with
 * @pick negative, the first best and in *@group the size of its group.
 */
static struct sock *xtcp_listener_walk(unsigned int slot,
				       const struct net *net, __be32 daddr,
				       u16 hnum, int dif, int pick,
				       unsigned int *group)
{
	struct hlist_nulls_node *node;
	struct sock *sk, *best = NULL;
	int score, best_score = -1;

	*group = 0;
	sk_nulls_for_each_rcu(sk, node, &xtcp_lhash[slot].chain) {
		if (!xtcp_listener_fits(sk, net, daddr, hnum, dif, &score))
			continue;
		if (score > best_score) {
			best = sk;
			best_score = score;
			*group = 0;
		}
		if (score == best_score && sk->sk_reuseport)
			(*group)++;
	}
	if (get_nulls_value(node) != XTCP_LHASH_NULLS(slot))
		return ERR_PTR(-EAGAIN);
	if (pick < 0 || !best || !best->sk_reuseport)
		return best;
	sk_nulls_for_each_rcu(sk, node, &xtcp_lhash[slot].chain) {
		if (!xtcp_listener_fits(sk, net, daddr, hnum, dif, &score) ||
		    score != best_score || !sk->sk_reuseport)
			continue;
		if (!pick--)
			return sk;
	}
	return best;	/* the group shrank under us */
}

/**
 * xtcp_lookup_listener() - the listener for a SYN from @saddr:@sport to
 * @daddr:@dport; one bound to the exact address wins over a wildcard one,
 * a device-bound one over others. Of an SO_REUSEPORT group that ties for
 * the best, a hash of the 4-tuple picks one, so a connection's segments
 * always reach the same member while the group stays the same.
 * @net: the namespace the segment arrived in.
 * @saddr: the segment's source address.
 * @sport: its source port, network order.
 * @daddr: its destination address.
 * @dport: its destination port, network order.
 * @dif: ifindex of the arriving device.
 *
 * Context: any; takes no lock (RCU).
 * Return: the socket with a reference held, or NULL.
 */
struct sock *xtcp_lookup_listener(struct net *net, __be32 saddr,
				  __be16 sport, __be32 daddr, __be16 dport,
				  int dif)
{
	u16 hnum = ntohs(dport);
	unsigned int slot = xtcp_port_slot(net, hnum), group;
	int pick = -1, score;
	struct sock *sk;

	rcu_read_lock();
again:
	sk = xtcp_listener_walk(slot, net, daddr, hnum, dif, -1, &group);
	if (IS_ERR(sk))
		goto again;
	if (sk && sk->sk_reuseport && group > 1) {
		pick = reciprocal_scale(jhash_3words((__force u32)daddr,
						     (__force u32)saddr,
						     (u32)hnum << 16 |
						     (__force u16)sport,
						     xtcp_hash_secret),
					group);
		sk = xtcp_listener_walk(slot, net, daddr, hnum, dif, pick,
					&group);
		if (IS_ERR(sk))
			goto again;
	}
	if (sk && !refcount_inc_not_zero(&sk->sk_refcnt))
		sk = NULL;	/* closing: as if it had gone already */
	/* It may have stopped listening or moved since the walk saw it. */
	if (sk && unlikely(!xtcp_listener_fits(sk, net, daddr, hnum, dif,
					       &score))) {
		sock_put(sk);
		goto again;
	}
	rcu_read_unlock();
	return sk;
}

static void xtcp_walk_slots(struct xtcp_hslot *table, unsigned int size,
			    struct net *net, xtcp_sock_fn_t fn, void *arg)
{
	struct hlist_nulls_node *node;
	unsigned int i;
	struct sock *sk;

	for (i = 0; i < size; i++) {
		if (hlist_nulls_empty(&table[i].chain))
			continue;
		spin_lock_bh(&table[i].lock);
		sk_nulls_for_each(sk, node, &table[i].chain) {
			if (net_eq(sock_net(sk), net))
				fn(sk, arg);
		}
		spin_unlock_bh(&table[i].lock);
	}
}

/**
 * xtcp_visit_socks() - call @fn on every hashed socket of @net, listeners
 * first, each with its chain's lock held: @fn must not sleep or take
 * socket locks.
 * @net: the namespace whose sockets are visited.
 * @fn: called for each socket.
 * @arg: passed to @fn.
 */
void xtcp_visit_socks(struct net *net, xtcp_sock_fn_t fn, void *arg)
{
	xtcp_walk_slots(xtcp_lhash, 1U << XTCP_PHASH_BITS, net, fn, arg);
	xtcp_walk_slots(xtcp_ehash, 1U << XTCP_EHASH_BITS, net, fn, arg);
}

static struct sock *xtcp_first_in_ehash(unsigned int i, const struct net *net)
{
	struct hlist_nulls_node *node;
	struct sock *sk, *found = NULL;

	/* A dying namespace gains no sockets: an empty chain stays empty. */
	if (hlist_nulls_empty(&xtcp_ehash[i].chain))
		return NULL;
	spin_lock_bh(&xtcp_ehash[i].lock);
	sk_nulls_for_each(sk, node, &xtcp_ehash[i].chain) {
		if (net_eq(sock_net(sk), net)) {
			found = sk;
			sock_hold(found);
			break;
		}
	}
	spin_unlock_bh(&xtcp_ehash[i].lock);
	return found;
}

static struct sock *xtcp_first_in_bhash(unsigned int i, const struct net *net)
{
	struct sock *sk, *found = NULL;

	if (hlist_empty(&xtcp_bhash[i].chain))
		return NULL;
	spin_lock_bh(&xtcp_bhash[i].lock);
	sk_for_each_bound(sk, &xtcp_bhash[i].chain) {
		if (net_eq(sock_net(sk), net)) {
			found = sk;
			sock_hold(found);
			break;
		}
	}
	spin_unlock_bh(&xtcp_bhash[i].lock);
	return found;
}

/**
 * xtcp_find_net_sock() - any socket of @net still in a table, for tearing
 * a namespace down.
 * @net: the namespace.
 *
 * Return: the socket with a reference held, or NULL if none is left.
 */
struct sock *xtcp_find_net_sock(struct net *net)
{
	struct sock *found = NULL;
	unsigned int i;

	for (i = 0; i < (1U << XTCP_EHASH_BITS) && !found; i++)
		found = xtcp_first_in_ehash(i, net);
	for (i = 0; i < (1U << XTCP_PHASH_BITS) && !found; i++)
		found = xtcp_first_in_bhash(i, net);
	return found;
}
