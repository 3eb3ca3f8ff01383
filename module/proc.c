// SPDX-License-Identifier: GPL-2.0
/*
 * proc.c - per-namespace /proc/net/xtcp (every socket, in /proc/net/tcp's
 * format, so tools that parse that file parse this one) and
 * /proc/net/xtcp_stats (the counters, one "Name value" per line).
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "request.h"

/* Same order as enum xtcp_mib; names follow the kernel's TCP MIB. */
const char *const xtcp_mib_names[XTCP_MIB_MAX] = {
	[XTCP_MIB_INSEGS] = "InSegs",
	[XTCP_MIB_OUTSEGS] = "OutSegs",
	[XTCP_MIB_ACTIVEOPENS] = "ActiveOpens",
	[XTCP_MIB_PASSIVEOPENS] = "PassiveOpens",
	[XTCP_MIB_ATTEMPTFAILS] = "AttemptFails",
	[XTCP_MIB_ESTABRESETS] = "EstabResets",
	[XTCP_MIB_OUTRSTS] = "OutRsts",
	[XTCP_MIB_RETRANSSEGS] = "RetransSegs",
	[XTCP_MIB_INHDRERRORS] = "InHdrErrors",
	[XTCP_MIB_INOPTERRORS] = "InOptErrors",
	[XTCP_MIB_INCSUMERRORS] = "InCsumErrors",
	[XTCP_MIB_INNOSOCKET] = "InNoSocket",
	[XTCP_MIB_OUTOFWINDOW] = "OutOfWindow",
	[XTCP_MIB_CHALLENGEACKS] = "ChallengeAcks",
	[XTCP_MIB_SYNRETRANS] = "SynRetrans",
	[XTCP_MIB_TIMEOUTS] = "Timeouts",
	[XTCP_MIB_TIMEWAITOVERFLOW] = "TimeWaitOverflow",
	[XTCP_MIB_ORPHANOVERFLOW] = "OrphanOverflow",
	[XTCP_MIB_ABORTONLINGER] = "AbortOnLinger",
	[XTCP_MIB_ABORTONCLOSE] = "AbortOnClose",
	[XTCP_MIB_ABORTONDATA] = "AbortOnData",
	[XTCP_MIB_LISTENOVERFLOWS] = "ListenOverflows",
	[XTCP_MIB_LISTENDROPS] = "ListenDrops",
	[XTCP_MIB_BACKLOGDROP] = "BacklogDrop",
	[XTCP_MIB_DELAYEDACKS] = "DelayedACKs",
	[XTCP_MIB_RCVQDROP] = "RcvQDrop",
	[XTCP_MIB_RCVCOLLAPSED] = "RcvCollapsed",
	[XTCP_MIB_POLICYDROP] = "PolicyDrop",
	[XTCP_MIB_FILTERDROP] = "FilterDrop",
	[XTCP_MIB_OUTOFWINDOWICMPS] = "OutOfWindowIcmps",
	[XTCP_MIB_ACKSKIPPEDCHALLENGE] = "ACKSkippedChallenge",
	[XTCP_MIB_ACKSKIPPEDSEQ] = "ACKSkippedSeq",
	[XTCP_MIB_ACKSKIPPEDTIMEWAIT] = "ACKSkippedTimeWait",
	[XTCP_MIB_WINPROBE] = "WinProbe",
	[XTCP_MIB_REQQFULLDROP] = "ReqQFullDrop",
	[XTCP_MIB_REQTIMEOUTS] = "ReqTimeouts",
	[XTCP_MIB_EMBRYONICRSTS] = "EmbryonicRsts",
	[XTCP_MIB_DEFERACCEPTDROP] = "DeferAcceptDrop",
	[XTCP_MIB_ACKSKIPPEDSYNRECV] = "ACKSkippedSynRecv",
	[XTCP_MIB_SYNCOOKIESSENT] = "SyncookiesSent",
	[XTCP_MIB_SYNCOOKIESRECV] = "SyncookiesRecv",
	[XTCP_MIB_SYNCOOKIESFAILED] = "SyncookiesFailed",
	[XTCP_MIB_REQQFULLDOCOOKIES] = "ReqQFullDoCookies",
	[XTCP_MIB_REQEVICTED] = "ReqEvicted",
	[XTCP_MIB_PAWSESTAB] = "PAWSEstab",
	[XTCP_MIB_PAWSTIMEWAIT] = "PAWSTimewait",
	[XTCP_MIB_ACKSKIPPEDPAWS] = "ACKSkippedPAWS",
	[XTCP_MIB_OFOQUEUE] = "OFOQueue",
	[XTCP_MIB_OFODROP] = "OFODrop",
	[XTCP_MIB_OFOMERGE] = "OFOMerge",
	[XTCP_MIB_OFOPRUNED] = "OfoPruned",
	[XTCP_MIB_DSACKOLDSENT] = "DSACKOldSent",
	[XTCP_MIB_DSACKOFOSENT] = "DSACKOfoSent",
	[XTCP_MIB_KEEPALIVE] = "KeepAlive",
	[XTCP_MIB_ABORTONTIMEOUT] = "AbortOnTimeout",
	[XTCP_MIB_FASTRETRANS] = "FastRetrans",
	[XTCP_MIB_RENORECOVERY] = "RenoRecovery",
	[XTCP_MIB_SACKRECOVERY] = "SackRecovery",
	[XTCP_MIB_DSACKRECV] = "DSACKRecv",
	[XTCP_MIB_DSACKUNDO] = "DSACKUndo",
	[XTCP_MIB_SACKDISCARD] = "SACKDiscard",
	[XTCP_MIB_SACKRENEGING] = "SACKReneging",
	[XTCP_MIB_SACKREORDER] = "SACKReorder",
	[XTCP_MIB_PARTIALUNDO] = "PartialUndo",
	[XTCP_MIB_FULLUNDO] = "FullUndo",
	[XTCP_MIB_LOSSUNDO] = "LossUndo",
	[XTCP_MIB_LOSTRETRANSMIT] = "LostRetransmit",
	[XTCP_MIB_TWRECYCLED] = "TWRecycled",
	[XTCP_MIB_LOSSPROBES] = "LossProbes",
	[XTCP_MIB_LOSSPROBERECOVERY] = "LossProbeRecovery",
};

/* The header and line width of /proc/net/tcp (tcp4_seq_show()). */
#define XTCP_PROC_LINE	149

struct xtcp_proc_iter {
	struct seq_file *seq;
	int index;
};

static void xtcp_show_time_wait(struct seq_file *seq, struct sock *sk,
				int index)
{
	const struct inet_sock *inet = inet_sk(sk);
	long delta = sk->sk_timer.expires - jiffies;

	seq_printf(seq, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5d %8d %d %d %pK",
		   index, inet->inet_rcv_saddr, inet->inet_num,
		   inet->inet_daddr, ntohs(inet->inet_dport), TCP_TIME_WAIT,
		   0, 0, 3, jiffies_delta_to_clock_t(delta), 0, 0, 0, 0,
		   refcount_read(&sk->sk_refcnt), sk);
}

static void xtcp_show_sock(struct seq_file *seq, struct sock *sk, int index)
{
	const struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	int state = inet_sk_state_load(sk);
	u8 armed = READ_ONCE(xs->timers_armed);
	unsigned long expires = jiffies;
	int timer = 0, rx_queue;
	u32 tx_queue;

	/* /proc/net/tcp's codes: 1 retransmit, 4 zero-window probe, 2 other */
	if (armed & BIT(XTCP_TIMER_RTX)) {
		timer = READ_ONCE(xs->snd_una) == READ_ONCE(xs->snd_nxt) &&
			!skb_queue_empty_lockless(&sk->sk_write_queue) ? 4 : 1;
		expires = READ_ONCE(xs->timer_due[XTCP_TIMER_RTX]);
	} else if (armed & BIT(XTCP_TIMER_LIFE)) {
		timer = 2;
		expires = READ_ONCE(xs->timer_due[XTCP_TIMER_LIFE]);
	}
	/*
	 * As /proc/net/tcp: a listener's rx_queue is its accept queue; its
	 * backlog shows only through inet_diag (ss's Send-Q), not here.
	 */
	if (state == TCP_LISTEN)
		rx_queue = READ_ONCE(sk->sk_ack_backlog);
	else
		rx_queue = max_t(int, READ_ONCE(xs->rcv_nxt) -
				 READ_ONCE(xs->copied_seq), 0);
	tx_queue = READ_ONCE(xs->write_seq) - READ_ONCE(xs->snd_una);

	seq_printf(seq, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %llu %d %pK %lu %lu %u %u %d",
		   index, inet->inet_rcv_saddr, inet->inet_num,
		   inet->inet_daddr, ntohs(inet->inet_dport), state,
		   tx_queue, rx_queue, timer,
		   jiffies_delta_to_clock_t(expires - jiffies),
		   xs->retransmits,
		   from_kuid_munged(seq_user_ns(seq), xtcp_sk_uid(sk)),
		   READ_ONCE(xs->probes_out),
		   (u64)sock_i_ino(sk), refcount_read(&sk->sk_refcnt), sk,
		   jiffies_to_clock_t(xs->rto), jiffies_to_clock_t(0), 0, 10,
		   state == TCP_LISTEN ? 0 : -1);
}

static void xtcp_show_one(struct sock *sk, void *arg)
{
	struct xtcp_proc_iter *it = arg;

	seq_setwidth(it->seq, XTCP_PROC_LINE);
	if (sk->sk_state == TCP_TIME_WAIT)
		xtcp_show_time_wait(it->seq, sk, it->index);
	else
		xtcp_show_sock(it->seq, sk, it->index);
	seq_pad(it->seq, '\n');
	it->index++;
}

/* A request's row, in the format of Linux's get_openreq4(). */
static void xtcp_show_req(struct xtcp_request *req, void *arg)
{
	struct xtcp_proc_iter *it = arg;
	long ttd = READ_ONCE(req->expires) - jiffies;

	seq_setwidth(it->seq, XTCP_PROC_LINE);
	seq_printf(it->seq, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %u %d %pK",
		   it->index, req->laddr, ntohs(req->lport), req->raddr,
		   ntohs(req->rport), TCP_SYN_RECV, 0, 0, 1,
		   jiffies_delta_to_clock_t(ttd), READ_ONCE(req->num_timeout),
		   from_kuid_munged(seq_user_ns(it->seq),
				    xtcp_sk_uid(req->listener)),
		   0, 0, 0, req);
	seq_pad(it->seq, '\n');
	it->index++;
}

static int xtcp_sockets_show(struct seq_file *seq, void *v)
{
	struct xtcp_proc_iter it = { .seq = seq };

	seq_setwidth(seq, XTCP_PROC_LINE);
	seq_puts(seq, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
	seq_pad(seq, '\n');
	xtcp_visit_socks(seq_file_single_net(seq), xtcp_show_one, &it);
	xtcp_req_visit(seq_file_single_net(seq), xtcp_show_req, &it);
	return 0;
}

static int xtcp_stats_show(struct seq_file *seq, void *v)
{
	struct xtcp_net *xn = xtcp_pernet(seq_file_single_net(seq));
	int i;

	for (i = 0; i < XTCP_MIB_MAX; i++)
		seq_printf(seq, "%s %ld\n", xtcp_mib_names[i],
			   atomic_long_read(&xn->mib[i]));
	seq_printf(seq, "CurrOrphans %d\n", atomic_read(&xn->orphans));
	seq_printf(seq, "CurrTimeWait %d\n", atomic_read(&xn->tw_count));
	return 0;
}

/** xtcp_proc_init_net() - create a namespace's /proc/net files. */
int xtcp_proc_init_net(struct net *net)
{
	if (!proc_create_net_single("xtcp", 0444, net->proc_net,
				    xtcp_sockets_show, NULL))
		return -ENOMEM;
	if (!proc_create_net_single("xtcp_stats", 0444, net->proc_net,
				    xtcp_stats_show, NULL)) {
		remove_proc_entry("xtcp", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

/** xtcp_proc_exit_net() - remove them. */
void xtcp_proc_exit_net(struct net *net)
{
	remove_proc_entry("xtcp_stats", net->proc_net);
	remove_proc_entry("xtcp", net->proc_net);
}
