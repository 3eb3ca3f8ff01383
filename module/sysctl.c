// SPDX-License-Identifier: GPL-2.0
/*
 * sysctl.c - net.xtcp.* tunables, one copy per network namespace, with the
 * names (less "tcp_"), defaults, ranges and units of net.ipv4.tcp_*.
 *
 * The template below is duplicated for each namespace and its .data
 * pointers aimed at that namespace's struct xtcp_net, as net/mptcp/ctrl.c
 * does. Values are read locklessly (READ_ONCE) where they are used.
 */
#include <linux/random.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>
#include <net/tcp.h>

#include "xtcp.h"

/* proc_dou8vec_minmax() reads its bounds as unsigned int. */
static unsigned int xtcp_syn_retries_min = 1;
static unsigned int xtcp_syn_retries_max = MAX_TCP_SYNCNT;
static unsigned int xtcp_tw_reuse_max = 2;
static unsigned int xtcp_timestamps_max = 2;
static unsigned int xtcp_early_retrans_max = 4;
static unsigned int xtcp_recovery_max = 7;
/* Linux's tcp_rmem floor; tcp_wmem's is 1. */
static int xtcp_rmem_min = 4096;

/* Indices into the template, used to aim .data at a namespace's copy. */
enum {
	XTCP_SYSCTL_SYN_RETRIES,
	XTCP_SYSCTL_FIN_TIMEOUT,
	XTCP_SYSCTL_ORPHAN_RETRIES,
	XTCP_SYSCTL_MAX_ORPHANS,
	XTCP_SYSCTL_MAX_TW_BUCKETS,
	XTCP_SYSCTL_TW_REUSE,
	XTCP_SYSCTL_RFC1337,
	XTCP_SYSCTL_INVALID_RATELIMIT,
	XTCP_SYSCTL_CHALLENGE_ACK_LIMIT,
	XTCP_SYSCTL_SYNACK_RETRIES,
	XTCP_SYSCTL_MAX_SYN_BACKLOG,
	XTCP_SYSCTL_ABORT_ON_OVERFLOW,
	XTCP_SYSCTL_SYNCOOKIES,
	XTCP_SYSCTL_TIMESTAMPS,
	XTCP_SYSCTL_SACK,
	XTCP_SYSCTL_DSACK,
	XTCP_SYSCTL_EARLY_RETRANS,
	XTCP_SYSCTL_RECOVERY,
	XTCP_SYSCTL_WINDOW_SCALING,
	XTCP_SYSCTL_MODERATE_RCVBUF,
	XTCP_SYSCTL_RMEM,
	XTCP_SYSCTL_WMEM,
	XTCP_SYSCTL_KEEPALIVE_TIME,
	XTCP_SYSCTL_KEEPALIVE_INTVL,
	XTCP_SYSCTL_KEEPALIVE_PROBES,
	XTCP_SYSCTL_RETRIES1,
	XTCP_SYSCTL_RETRIES2,
	XTCP_SYSCTL_COUNT,
};

static struct ctl_table xtcp_sysctl_template[XTCP_SYSCTL_COUNT + 1] = {
	[XTCP_SYSCTL_SYN_RETRIES] = {
		.procname = "syn_retries",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
		.extra1 = &xtcp_syn_retries_min,
		.extra2 = &xtcp_syn_retries_max,
	},
	[XTCP_SYSCTL_FIN_TIMEOUT] = {
		.procname = "fin_timeout",
		.maxlen = sizeof(int),
		.mode = 0644,
		.proc_handler = proc_dointvec_jiffies,
	},
	[XTCP_SYSCTL_ORPHAN_RETRIES] = {
		.procname = "orphan_retries",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
	},
	[XTCP_SYSCTL_MAX_ORPHANS] = {
		.procname = "max_orphans",
		.maxlen = sizeof(int),
		.mode = 0644,
		.proc_handler = proc_dointvec,
	},
	[XTCP_SYSCTL_MAX_TW_BUCKETS] = {
		.procname = "max_tw_buckets",
		.maxlen = sizeof(int),
		.mode = 0644,
		.proc_handler = proc_dointvec,
	},
	[XTCP_SYSCTL_TW_REUSE] = {
		.procname = "tw_reuse",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
		.extra1 = SYSCTL_ZERO,
		.extra2 = &xtcp_tw_reuse_max,
	},
	[XTCP_SYSCTL_RFC1337] = {
		.procname = "rfc1337",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
	},
	[XTCP_SYSCTL_INVALID_RATELIMIT] = {
		.procname = "invalid_ratelimit",
		.maxlen = sizeof(int),
		.mode = 0644,
		.proc_handler = proc_dointvec_ms_jiffies,
	},
	[XTCP_SYSCTL_CHALLENGE_ACK_LIMIT] = {
		.procname = "challenge_ack_limit",
		.maxlen = sizeof(int),
		.mode = 0644,
		.proc_handler = proc_dointvec,
	},
	[XTCP_SYSCTL_SYNACK_RETRIES] = {
		.procname = "synack_retries",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
	},
	/* Any int, as Linux's; a negative value counts as 0. */
	[XTCP_SYSCTL_MAX_SYN_BACKLOG] = {
		.procname = "max_syn_backlog",
		.maxlen = sizeof(int),
		.mode = 0644,
		.proc_handler = proc_dointvec,
	},
	[XTCP_SYSCTL_ABORT_ON_OVERFLOW] = {
		.procname = "abort_on_overflow",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
	},
	[XTCP_SYSCTL_SYNCOOKIES] = {
		.procname = "syncookies",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
	},
	/* Linux takes any u8 (and treats 3-255 as 1); xtcp refuses them. */
	[XTCP_SYSCTL_TIMESTAMPS] = {
		.procname = "timestamps",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
		.extra1 = SYSCTL_ZERO,
		.extra2 = &xtcp_timestamps_max,
	},
	/* Linux takes any u8 (non-zero is on); xtcp refuses 2-255. */
	[XTCP_SYSCTL_SACK] = {
		.procname = "sack",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
		.extra1 = SYSCTL_ZERO,
		.extra2 = SYSCTL_ONE,
	},
	[XTCP_SYSCTL_DSACK] = {
		.procname = "dsack",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
		.extra1 = SYSCTL_ZERO,
		.extra2 = SYSCTL_ONE,
	},
	/* 0-2 no loss probes, 3-4 loss probes; Linux's range */
	[XTCP_SYSCTL_EARLY_RETRANS] = {
		.procname = "early_retrans",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
		.extra1 = SYSCTL_ZERO,
		.extra2 = &xtcp_early_retrans_max,
	},
	/* RACK's bits (XTCP_RACK_*); Linux takes any int, its bits the same */
	[XTCP_SYSCTL_RECOVERY] = {
		.procname = "recovery",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
		.extra1 = SYSCTL_ZERO,
		.extra2 = &xtcp_recovery_max,
	},
	/* Linux takes any u8 (non-zero is on); xtcp refuses 2-255. */
	[XTCP_SYSCTL_WINDOW_SCALING] = {
		.procname = "window_scaling",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
		.extra1 = SYSCTL_ZERO,
		.extra2 = SYSCTL_ONE,
	},
	[XTCP_SYSCTL_MODERATE_RCVBUF] = {
		.procname = "moderate_rcvbuf",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
		.extra1 = SYSCTL_ZERO,
		.extra2 = SYSCTL_ONE,
	},
	/* Three ints, each at least the floor, as Linux's. */
	[XTCP_SYSCTL_RMEM] = {
		.procname = "rmem",
		.maxlen = 3 * sizeof(int),
		.mode = 0644,
		.proc_handler = proc_dointvec_minmax,
		.extra1 = &xtcp_rmem_min,
	},
	[XTCP_SYSCTL_WMEM] = {
		.procname = "wmem",
		.maxlen = 3 * sizeof(int),
		.mode = 0644,
		.proc_handler = proc_dointvec_minmax,
		.extra1 = SYSCTL_ONE,
	},
	/* Seconds, any int, as Linux's (a value under one jiffy waits one). */
	[XTCP_SYSCTL_KEEPALIVE_TIME] = {
		.procname = "keepalive_time",
		.maxlen = sizeof(int),
		.mode = 0644,
		.proc_handler = proc_dointvec_jiffies,
	},
	[XTCP_SYSCTL_KEEPALIVE_INTVL] = {
		.procname = "keepalive_intvl",
		.maxlen = sizeof(int),
		.mode = 0644,
		.proc_handler = proc_dointvec_jiffies,
	},
	[XTCP_SYSCTL_KEEPALIVE_PROBES] = {
		.procname = "keepalive_probes",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
	},
	[XTCP_SYSCTL_RETRIES1] = {
		.procname = "retries1",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
	},
	[XTCP_SYSCTL_RETRIES2] = {
		.procname = "retries2",
		.maxlen = sizeof(u8),
		.mode = 0644,
		.proc_handler = proc_dou8vec_minmax,
	},
	/* Kernels before 6.6 stop at this empty entry. */
	[XTCP_SYSCTL_COUNT] = { }
};

/*
 * Linux sizes tcp_max_tw_buckets and tcp_max_orphans as half its
 * established-hash size (the namespace's own, and the initial namespace's
 * for the global orphan limit); xtcp takes the same numbers so the
 * defaults match net.ipv4's on every machine. tcp_hashinfo itself is no
 * longer exported after 6.1, the death row's pointer to it is.
 */
static int xtcp_ehash_half(const struct net *net)
{
	return (net->ipv4.tcp_death_row.hashinfo->ehash_mask + 1) / 2;
}

/*
 * Buffer triples: the initial namespace starts from net.ipv4.tcp_rmem and
 * tcp_wmem as they are when the module loads, Linux's own defaults for
 * this machine (it reckons the maxima at boot from memory, and the cap
 * moved between versions: 6 MiB of receive buffer in 6.1 and 6.12, more
 * in 7.x); a new namespace copies the initial one's, as Linux's do.
 */
static void xtcp_set_buffer_defaults(const struct net *net,
				     struct xtcp_net *xn)
{
	const struct net *from = &init_net;
	int i;

	if (!net_eq(net, &init_net)) {
		memcpy(xn->rmem, xtcp_pernet(&init_net)->rmem, sizeof(xn->rmem));
		memcpy(xn->wmem, xtcp_pernet(&init_net)->wmem, sizeof(xn->wmem));
		return;
	}
	for (i = 0; i < 3; i++) {
		xn->rmem[i] = READ_ONCE(from->ipv4.sysctl_tcp_rmem[i]);
		xn->wmem[i] = READ_ONCE(from->ipv4.sysctl_tcp_wmem[i]);
	}
}

static void xtcp_set_defaults(const struct net *net, struct xtcp_net *xn)
{
	xn->syn_retries = TCP_SYN_RETRIES;
	xn->fin_timeout = TCP_FIN_TIMEOUT;
	xn->orphan_retries = 0;
	xn->max_orphans = xtcp_ehash_half(&init_net);
	xn->max_tw_buckets = xtcp_ehash_half(net);
	xn->sysctl_tw_reuse = 2;
	xn->rfc1337 = 0;
	xn->invalid_ratelimit = HZ / 2;
	xn->challenge_ack_limit = INT_MAX;
	xn->synack_retries = TCP_SYNACK_RETRIES;
	xn->abort_on_overflow = 0;
	xn->syncookies = 1;
	xn->timestamps = 1;
	xn->sack = 1;
	xn->dsack = 1;
	xn->early_retrans = 3;
	xn->recovery = XTCP_RACK_LOSS_DETECTION;
	xn->window_scaling = 1;
	xn->moderate_rcvbuf = 1;
	xn->keepalive_time = TCP_KEEPALIVE_TIME;
	xn->keepalive_intvl = TCP_KEEPALIVE_INTVL;
	xn->keepalive_probes = TCP_KEEPALIVE_PROBES;
	xn->retries1 = XTCP_RETRIES1;
	xn->retries2 = XTCP_RETRIES2;
	xtcp_set_buffer_defaults(net, xn);
	get_random_bytes(&xn->cookie_key, sizeof(xn->cookie_key));
	/* Linux: max(128, established-hash entries / 128). */
	xn->max_syn_backlog = max(128, xtcp_ehash_half(net) * 2 / 128);
}

/** xtcp_sysctl_init_net() - defaults and net.xtcp for a new namespace. */
int xtcp_sysctl_init_net(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	struct ctl_table *table;

	xtcp_set_defaults(net, xn);
	table = kmemdup(xtcp_sysctl_template, sizeof(xtcp_sysctl_template),
			GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	table[XTCP_SYSCTL_SYN_RETRIES].data = &xn->syn_retries;
	table[XTCP_SYSCTL_FIN_TIMEOUT].data = &xn->fin_timeout;
	table[XTCP_SYSCTL_ORPHAN_RETRIES].data = &xn->orphan_retries;
	table[XTCP_SYSCTL_MAX_ORPHANS].data = &xn->max_orphans;
	table[XTCP_SYSCTL_MAX_TW_BUCKETS].data = &xn->max_tw_buckets;
	table[XTCP_SYSCTL_TW_REUSE].data = &xn->sysctl_tw_reuse;
	table[XTCP_SYSCTL_RFC1337].data = &xn->rfc1337;
	table[XTCP_SYSCTL_INVALID_RATELIMIT].data = &xn->invalid_ratelimit;
	table[XTCP_SYSCTL_CHALLENGE_ACK_LIMIT].data = &xn->challenge_ack_limit;
	table[XTCP_SYSCTL_SYNACK_RETRIES].data = &xn->synack_retries;
	table[XTCP_SYSCTL_MAX_SYN_BACKLOG].data = &xn->max_syn_backlog;
	table[XTCP_SYSCTL_ABORT_ON_OVERFLOW].data = &xn->abort_on_overflow;
	table[XTCP_SYSCTL_SYNCOOKIES].data = &xn->syncookies;
	table[XTCP_SYSCTL_TIMESTAMPS].data = &xn->timestamps;
	table[XTCP_SYSCTL_SACK].data = &xn->sack;
	table[XTCP_SYSCTL_DSACK].data = &xn->dsack;
	table[XTCP_SYSCTL_EARLY_RETRANS].data = &xn->early_retrans;
	table[XTCP_SYSCTL_RECOVERY].data = &xn->recovery;
	table[XTCP_SYSCTL_WINDOW_SCALING].data = &xn->window_scaling;
	table[XTCP_SYSCTL_MODERATE_RCVBUF].data = &xn->moderate_rcvbuf;
	table[XTCP_SYSCTL_RMEM].data = &xn->rmem;
	table[XTCP_SYSCTL_WMEM].data = &xn->wmem;
	table[XTCP_SYSCTL_KEEPALIVE_TIME].data = &xn->keepalive_time;
	table[XTCP_SYSCTL_KEEPALIVE_INTVL].data = &xn->keepalive_intvl;
	table[XTCP_SYSCTL_KEEPALIVE_PROBES].data = &xn->keepalive_probes;
	table[XTCP_SYSCTL_RETRIES1].data = &xn->retries1;
	table[XTCP_SYSCTL_RETRIES2].data = &xn->retries2;

	xn->sysctl_hdr = xtcp_register_net_sysctl(net, "net/xtcp", table,
						  XTCP_SYSCTL_COUNT);
	if (!xn->sysctl_hdr) {
		kfree(table);
		return -ENOMEM;
	}
	xn->sysctl_table = table;
	return 0;
}

/** xtcp_sysctl_exit_net() - remove a namespace's net.xtcp. */
void xtcp_sysctl_exit_net(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	unregister_net_sysctl_table(xn->sysctl_hdr);
	kfree(xn->sysctl_table);
	xn->sysctl_hdr = NULL;
	xn->sysctl_table = NULL;
}
