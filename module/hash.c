// SPDX-License-Identifier: GPL-2.0
/*
 * hash.c - xtcp's own lookup tables and port allocator.
 *
 * xtcp cannot share TCP's inet_hashinfo: lookups there do not compare the
 * protocol, so xtcp and TCP sockets on the same 4-tuple or port would find
 * each other. It keeps three tables of its own, for all namespaces:
 *
 *  - the connection table (4-tuple -> socket, via sk->sk_node) holds every
 *    socket with a peer: SYN_SENT through TIME_WAIT, and listener children;
 *  - the listener table (local port -> sockets, also via sk->sk_node, which
 *    a socket uses for one table at a time);
 *  - the port table (local port -> sockets, via sk->sk_bind_node) holds
 *    every socket that owns a local port, for bind conflicts and ephemeral
 *    port choice.
 *
 * Locking: xtcp_hash_lock guards all three tables and each socket's
 * membership in them. It is taken with BHs disabled and nests inside the
 * socket lock, never the other way round. A table holds a reference on
 * every socket in it; lookups return a socket with a reference taken.
 */
#include <linux/jhash.h>
#include <linux/random.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>

#include "xtcp.h"

#define XTCP_EHASH_BITS	12
#define XTCP_PHASH_BITS	8

static struct hlist_head *xtcp_ehash;
static struct hlist_head *xtcp_lhash;
static struct hlist_head *xtcp_bhash;
static DEFINE_SPINLOCK(xtcp_hash_lock);
static u32 xtcp_hash_secret __read_mostly;

static unsigned int xtcp_ehashfn(const struct net *net, __be32 laddr,
				 __u16 lport, __be32 faddr, __be16 fport)
{
	return jhash_3words((__force u32)laddr, (__force u32)faddr,
			    ((u32)lport << 16) | (__force u16)fport,
			    xtcp_hash_secret + net_hash_mix(net)) &
	       ((1U << XTCP_EHASH_BITS) - 1);
}

static struct hlist_head *xtcp_port_chain(struct hlist_head *table,
					  const struct net *net, u16 port)
{
	return &table[(port + net_hash_mix(net)) &
		      ((1U << XTCP_PHASH_BITS) - 1)];
}

/** xtcp_hash_init() - allocate the tables at module load. */
int xtcp_hash_init(void)
{
	xtcp_ehash = kvcalloc(1U << XTCP_EHASH_BITS, sizeof(*xtcp_ehash),
			      GFP_KERNEL);
	xtcp_lhash = kcalloc(1U << XTCP_PHASH_BITS, sizeof(*xtcp_lhash),
			     GFP_KERNEL);
	xtcp_bhash = kcalloc(1U << XTCP_PHASH_BITS, sizeof(*xtcp_bhash),
			     GFP_KERNEL);
	if (!xtcp_ehash || !xtcp_lhash || !xtcp_bhash) {
		xtcp_hash_exit();
		return -ENOMEM;
	}
	xtcp_hash_secret = get_random_u32();
	return 0;
}

/** xtcp_hash_exit() - free the tables; every socket is gone by now. */
void xtcp_hash_exit(void)
{
	kvfree(xtcp_ehash);
	kfree(xtcp_lhash);
	kfree(xtcp_bhash);
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
	__be32 addr = inet_sk(sk)->inet_rcv_saddr;
	struct sock *sk2;

	lockdep_assert_held(&xtcp_hash_lock);
	sk_for_each_bound(sk2, xtcp_port_chain(xtcp_bhash, sock_net(sk), port)) {
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

static bool xtcp_port_unused(const struct net *net, u16 port)
{
	struct sock *sk2;

	lockdep_assert_held(&xtcp_hash_lock);
	sk_for_each_bound(sk2, xtcp_port_chain(xtcp_bhash, net, port))
		if (inet_sk(sk2)->inet_num == port &&
		    net_eq(sock_net(sk2), net))
			return false;
	return true;
}

static void xtcp_bind_port_locked(struct sock *sk, u16 port)
{
	lockdep_assert_held(&xtcp_hash_lock);
	inet_sk(sk)->inet_num = port;
	sock_hold(sk);
	sk_add_bind_node(sk, xtcp_port_chain(xtcp_bhash, sock_net(sk), port));
}

/* Ephemeral ports come from net.ipv4.ip_local_port_range, like TCP's. */
static int xtcp_pick_port_locked(struct sock *sk)
{
	struct net *net = sock_net(sk);
	int low, high, range, i, offset;

	lockdep_assert_held(&xtcp_hash_lock);
	inet_get_local_port_range(net, &low, &high);
	range = high - low + 1;
	if (range <= 0)
		return -EADDRNOTAVAIL;
	offset = get_random_u32_below(range);
	for (i = 0; i < range; i++) {
		u16 port = low + (offset + i) % range;

		if (inet_is_local_reserved_port(net, port))
			continue;
		if (xtcp_port_unused(net, port))
			return port;
	}
	return -EADDRNOTAVAIL;
}

/**
 * xtcp_get_port() - claim local port @snum for @sk (proto.get_port, used
 * by bind() and listen()); 0 picks an ephemeral port.
 * @sk: the socket; its bound address, device and SO_REUSEADDR decide
 *	conflicts.
 * @snum: the port in host order, or 0.
 *
 * Context: process, socket locked; takes xtcp_hash_lock.
 * Return: 0, or -EADDRINUSE (also when no ephemeral port is free).
 */
int xtcp_get_port(struct sock *sk, unsigned short snum)
{
	int port = snum, err = 0;

	spin_lock_bh(&xtcp_hash_lock);
	if (!port) {
		port = xtcp_pick_port_locked(sk);
		if (port < 0) {
			err = -EADDRINUSE;	/* what bind(0) reports in TCP */
			goto out;
		}
	} else if (xtcp_bind_conflict(sk, port)) {
		err = -EADDRINUSE;
		goto out;
	}
	xtcp_bind_port_locked(sk, port);
out:
	spin_unlock_bh(&xtcp_hash_lock);
	return err;
}

/**
 * xtcp_listen_port_ok() - @sk, now in LISTEN, may keep its port: checked
 * again because SO_REUSEADDR sharing ends where listening starts.
 * @sk: the socket entering LISTEN.
 *
 * Context: process, socket locked; takes xtcp_hash_lock.
 * Return: true if no other owner of the port conflicts with a listener.
 */
bool xtcp_listen_port_ok(struct sock *sk)
{
	bool ok;

	spin_lock_bh(&xtcp_hash_lock);
	ok = !xtcp_bind_conflict(sk, inet_sk(sk)->inet_num);
	spin_unlock_bh(&xtcp_hash_lock);
	return ok;
}

/** xtcp_put_port() - give up @sk's local port. */
void xtcp_put_port(struct sock *sk)
{
	bool owned;

	spin_lock_bh(&xtcp_hash_lock);
	owned = !hlist_unhashed(&sk->sk_bind_node);
	if (owned) {
		hlist_del_init(&sk->sk_bind_node);
		inet_sk(sk)->inet_num = 0;
	}
	spin_unlock_bh(&xtcp_hash_lock);
	if (owned)
		__sock_put(sk);
}

static bool xtcp_match(const struct sock *sk, const struct net *net,
		       __be32 saddr, __be16 sport, __be32 daddr, u16 hnum,
		       int dif)
{
	const struct inet_sock *inet = inet_sk(sk);

	return net_eq(sock_net(sk), net) && inet->inet_num == hnum &&
	       inet->inet_dport == sport && inet->inet_daddr == saddr &&
	       inet->inet_rcv_saddr == daddr &&
	       (!sk->sk_bound_dev_if || sk->sk_bound_dev_if == dif);
}

static struct sock *xtcp_ehash_find_locked(const struct net *net,
					   __be32 saddr, __be16 sport,
					   __be32 daddr, u16 hnum, int dif)
{
	struct hlist_head *chain;
	struct sock *sk;

	lockdep_assert_held(&xtcp_hash_lock);
	chain = &xtcp_ehash[xtcp_ehashfn(net, daddr, hnum, saddr, sport)];
	sk_for_each(sk, chain)
		if (xtcp_match(sk, net, saddr, sport, daddr, hnum, dif))
			return sk;
	return NULL;
}

/* Enter @sk in the connection table under its 4-tuple. */
static void xtcp_ehash_add_locked(struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);
	unsigned int slot;

	lockdep_assert_held(&xtcp_hash_lock);
	slot = xtcp_ehashfn(sock_net(sk), inet->inet_rcv_saddr, inet->inet_num,
			    inet->inet_daddr, inet->inet_dport);
	sk_add_node(sk, &xtcp_ehash[slot]);
}

/**
 * xtcp_hash_connect() - give a connecting socket a local port if it has
 * none and enter it in the connection table; the 4-tuple must be unique.
 * @sk: the connecting socket, its peer address and port set.
 *
 * Context: process, socket locked; takes xtcp_hash_lock.
 * Return: 0 or -EADDRNOTAVAIL.
 */
int xtcp_hash_connect(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	int port, err = 0;
	bool new_port = false;

	spin_lock_bh(&xtcp_hash_lock);
	if (!inet->inet_num) {
		port = xtcp_pick_port_locked(sk);
		if (port < 0) {
			err = port;
			goto out;
		}
		xtcp_bind_port_locked(sk, port);
		inet->inet_sport = htons(port);
		new_port = true;
	}
	if (xtcp_ehash_find_locked(sock_net(sk), inet->inet_daddr,
				   inet->inet_dport, inet->inet_rcv_saddr,
				   inet->inet_num, sk->sk_bound_dev_if)) {
		err = -EADDRNOTAVAIL;
		if (new_port) {
			hlist_del_init(&sk->sk_bind_node);
			inet->inet_num = 0;
			inet->inet_sport = 0;
			__sock_put(sk);
		}
		goto out;
	}
	xtcp_ehash_add_locked(sk);
out:
	spin_unlock_bh(&xtcp_hash_lock);
	return err;
}

/**
 * xtcp_ehash_insert() - enter a listener's new child in the connection
 * table and the port table (it shares the listener's port), unless a
 * socket has its 4-tuple already: a copy of the same SYN that another CPU
 * handed to the listener a moment earlier.
 * @sk: the child, its addresses and ports taken from the SYN.
 *
 * Context: BHs disabled, child locked; takes xtcp_hash_lock.
 * Return: true if entered.
 */
bool xtcp_ehash_insert(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	bool dup;

	spin_lock(&xtcp_hash_lock);
	dup = xtcp_ehash_find_locked(sock_net(sk), inet->inet_daddr,
				     inet->inet_dport, inet->inet_rcv_saddr,
				     inet->inet_num, sk->sk_bound_dev_if) != NULL;
	if (!dup) {
		xtcp_ehash_add_locked(sk);
		xtcp_bind_port_locked(sk, inet->inet_num);
	}
	spin_unlock(&xtcp_hash_lock);
	return !dup;
}

/** xtcp_hash() - enter a listening socket in the listener table. */
int xtcp_hash(struct sock *sk)
{
	spin_lock_bh(&xtcp_hash_lock);
	sk_add_node(sk, xtcp_port_chain(xtcp_lhash, sock_net(sk),
					inet_sk(sk)->inet_num));
	spin_unlock_bh(&xtcp_hash_lock);
	return 0;
}

/** xtcp_unhash() - remove @sk from the connection or listener table. */
void xtcp_unhash(struct sock *sk)
{
	spin_lock_bh(&xtcp_hash_lock);
	sk_del_node_init(sk);
	spin_unlock_bh(&xtcp_hash_lock);
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
 * Context: any; takes xtcp_hash_lock with BHs disabled.
 * Return: the socket with a reference held, or NULL.
 */
struct sock *xtcp_lookup(struct net *net, __be32 saddr, __be16 sport,
			 __be32 daddr, __be16 dport, int dif)
{
	struct sock *sk;

	spin_lock_bh(&xtcp_hash_lock);
	sk = xtcp_ehash_find_locked(net, saddr, sport, daddr, ntohs(dport),
				    dif);
	if (sk)
		sock_hold(sk);
	spin_unlock_bh(&xtcp_hash_lock);
	return sk;
}

static bool xtcp_listener_fits(const struct sock *sk, const struct net *net,
			       __be32 daddr, u16 hnum, int dif, int *score)
{
	__be32 addr = inet_sk(sk)->inet_rcv_saddr;

	if (!net_eq(sock_net(sk), net) || inet_sk(sk)->inet_num != hnum ||
	    sk->sk_state != TCP_LISTEN)
		return false;
	if (addr && addr != daddr)
		return false;
	if (sk->sk_bound_dev_if && sk->sk_bound_dev_if != dif)
		return false;
	*score = (addr ? 2 : 0) + (sk->sk_bound_dev_if ? 1 : 0);
	return true;
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
 * Context: any; takes xtcp_hash_lock with BHs disabled.
 * Return: the socket with a reference held, or NULL.
 */
struct sock *xtcp_lookup_listener(struct net *net, __be32 saddr,
				  __be16 sport, __be32 daddr, __be16 dport,
				  int dif)
{
	u16 hnum = ntohs(dport);
	struct hlist_head *chain = xtcp_port_chain(xtcp_lhash, net, hnum);
	struct sock *sk, *best = NULL;
	int score, best_score = -1;
	unsigned int group = 0, pick;

	spin_lock_bh(&xtcp_hash_lock);
	sk_for_each(sk, chain) {
		if (!xtcp_listener_fits(sk, net, daddr, hnum, dif, &score))
			continue;
		if (score > best_score) {
			best = sk;
			best_score = score;
			group = 0;
		}
		if (score == best_score && sk->sk_reuseport)
			group++;
	}
	if (best && best->sk_reuseport && group > 1) {
		pick = reciprocal_scale(jhash_3words((__force u32)daddr,
						     (__force u32)saddr,
						     (u32)hnum << 16 |
						     (__force u16)sport,
						     xtcp_hash_secret),
					group);
		sk_for_each(sk, chain) {
			if (!xtcp_listener_fits(sk, net, daddr, hnum, dif,
						&score) ||
			    score != best_score || !sk->sk_reuseport)
				continue;
			if (!pick--) {
				best = sk;
				break;
			}
		}
	}
	if (best)
		sock_hold(best);
	spin_unlock_bh(&xtcp_hash_lock);
	return best;
}

static void xtcp_walk_table(struct hlist_head *table, unsigned int size,
			    struct net *net, xtcp_sock_fn_t fn, void *arg)
{
	unsigned int i;
	struct sock *sk;

	for (i = 0; i < size; i++) {
		sk_for_each(sk, &table[i]) {
			if (net_eq(sock_net(sk), net))
				fn(sk, arg);
		}
	}
}

/**
 * xtcp_visit_socks() - call @fn on every hashed socket of @net, listeners
 * first, with xtcp_hash_lock held: @fn must not sleep or take socket locks.
 * @net: the namespace whose sockets are visited.
 * @fn: called for each socket.
 * @arg: passed to @fn.
 */
void xtcp_visit_socks(struct net *net, xtcp_sock_fn_t fn, void *arg)
{
	spin_lock_bh(&xtcp_hash_lock);
	xtcp_walk_table(xtcp_lhash, 1U << XTCP_PHASH_BITS, net, fn, arg);
	xtcp_walk_table(xtcp_ehash, 1U << XTCP_EHASH_BITS, net, fn, arg);
	spin_unlock_bh(&xtcp_hash_lock);
}

static struct sock *xtcp_first_of_net(struct hlist_head *chain,
				      const struct net *net, bool port_table)
{
	struct sock *sk;

	if (port_table) {
		sk_for_each_bound(sk, chain)
			if (net_eq(sock_net(sk), net))
				return sk;
		return NULL;
	}
	sk_for_each(sk, chain)
		if (net_eq(sock_net(sk), net))
			return sk;
	return NULL;
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

	spin_lock_bh(&xtcp_hash_lock);
	for (i = 0; i < (1U << XTCP_EHASH_BITS) && !found; i++)
		found = xtcp_first_of_net(&xtcp_ehash[i], net, false);
	for (i = 0; i < (1U << XTCP_PHASH_BITS) && !found; i++)
		found = xtcp_first_of_net(&xtcp_bhash[i], net, true);
	if (found)
		sock_hold(found);
	spin_unlock_bh(&xtcp_hash_lock);
	return found;
}
