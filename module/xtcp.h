/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp.h - definitions shared by every file of xtcp.ko: the socket
 * structure, per-namespace state, counters and the functions each file
 * offers the others.
 *
 * Locking: see Documentation/xtcp-locking.rst (the one locking essay);
 * every structure below names its rule where it is defined.
 */
#ifndef XTCP_H
#define XTCP_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <linux/ipv6.h>
#include <net/tcp_states.h>
#include <net/netns/generic.h>
#include <linux/siphash.h>

#include "proto/fsm.h"
#include "proto/cc.h"
#include "proto/options.h"
#include "proto/sack.h"
#include "proto/seq.h"
#include "proto/timestamp.h"
#include "compat.h"

struct xtcp_request;
struct xtcp_synq;

/* RFC 6298 §2.1 initial RTO, and Linux's TCP_RTO_MAX / TCP_RTO_MIN. */
#define XTCP_RTO_INIT		(1 * HZ)
#define XTCP_RTO_MAX		(120 * HZ)
#define XTCP_RTO_MIN		(HZ / 5)
/*
 * RFC 6298 §5.7: the RTO for data after a handshake that gave no RTT
 * sample (a SYN or SYN-ACK went again); Linux's TCP_TIMEOUT_FALLBACK.
 */
#define XTCP_RTO_FALLBACK	(3 * HZ)
/* Linux's TCP_DELACK_MIN (TCP_ATO_MIN): the shortest delayed-ACK wait. */
#define XTCP_DELACK_MIN		(HZ / 25)
/* 2MSL: fixed at 60 s as in Linux (TCP_TIMEWAIT_LEN). */
#define XTCP_TIMEWAIT_LEN	(60 * HZ)
#define XTCP_FIN_TIMEOUT_MAX	(120 * HZ)
/* Linux TCP's defaults (TCP_RETR1, TCP_RETR2). */
#define XTCP_RETRIES1		3
#define XTCP_RETRIES2		15
#define XTCP_MAX_SYNCNT		127
/* RFC 9293 §3.7.1: MSS assumed when the peer sends none. */
#define XTCP_DEFAULT_MSS	536
#define XTCP_MIN_MSS		88
/* Linux's TCP_MAX_QUICKACKS: ACKs sent at once when a connection starts. */
#define XTCP_MAX_QUICKACKS	16
/* Linux's TCP_MSS_DEFAULT: what a peer's segments are guessed at first. */
#define XTCP_RCV_MSS_GUESS	536

/* Linux's tcp_min_snd_mss default: no peer makes us send smaller segments. */
#define XTCP_MIN_SND_MSS	48
#define XTCP_MAX_WINDOW		65535U
/* TCP_CONGESTION reads this; see sockopt.c. */
#define XTCP_CONGESTION_NAME	"reno"
/* Room for link, IP and TCP headers with the largest options. */
#define XTCP_MAX_HEADER		(MAX_HEADER + 128)
/*
 * Enough in front of a data segment for TCP and IP with the largest
 * options and an Ethernet header; a device that needs more gets it from
 * the stack (skb_expand_head()).
 */
#define XTCP_MIN_HEADROOM	160

/**
 * enum xtcp_mib - per-namespace counters shown in /proc/net/xtcp_stats.
 * Names and meanings follow the kernel's TCP MIB where one exists.
 * @XTCP_MIB_INSEGS: segments received, valid or not.
 * @XTCP_MIB_OUTSEGS: segments sent, RSTs included.
 * @XTCP_MIB_ACTIVEOPENS: connect()s that queued a SYN.
 * @XTCP_MIB_PASSIVEOPENS: listener children that reached the accept queue.
 * @XTCP_MIB_ATTEMPTFAILS: connection attempts ended by a RST or a timeout
 *	in SYN_SENT or SYN_RECV.
 * @XTCP_MIB_ESTABRESETS: connections that went to CLOSE from ESTABLISHED
 *	or CLOSE_WAIT.
 * @XTCP_MIB_OUTRSTS: RSTs sent.
 * @XTCP_MIB_RETRANSSEGS: retransmissions of segments other than SYNs.
 * @XTCP_MIB_INHDRERRORS: segments dropped for a truncated header or a bad
 *	data offset.
 * @XTCP_MIB_INOPTERRORS: segments dropped for malformed options.
 * @XTCP_MIB_INCSUMERRORS: segments dropped for a bad checksum.
 * @XTCP_MIB_INNOSOCKET: segments that found no connection or listener.
 * @XTCP_MIB_OUTOFWINDOW: segments that failed the sequence-number check.
 * @XTCP_MIB_CHALLENGEACKS: challenge ACKs sent (RFC 5961).
 * @XTCP_MIB_SYNRETRANS: retransmissions of SYNs and SYN-ACKs.
 * @XTCP_MIB_TIMEOUTS: retransmission timeouts, the first expiry of each
 *	episode without progress (TcpExt TCPTimeouts, plus what Linux counts
 *	as TCPSackFailures, TCPRenoFailures and TCPLossFailures).
 * @XTCP_MIB_TIMEWAITOVERFLOW: connections that skipped TIME_WAIT above
 *	net.xtcp.max_tw_buckets.
 * @XTCP_MIB_ORPHANOVERFLOW: orphans reset above net.xtcp.max_orphans.
 * @XTCP_MIB_ABORTONLINGER: orphans reset on close() in FIN_WAIT2 because
 *	TCP_LINGER2 is negative.
 * @XTCP_MIB_ABORTONCLOSE: connections reset by close() with unread data.
 * @XTCP_MIB_ABORTONDATA: connections reset for data arriving after close(),
 *	or by close() with SO_LINGER {1, 0} (as Linux counts them).
 * @XTCP_MIB_LISTENOVERFLOWS: SYNs and handshake ACKs dropped because the
 *	accept queue was full.
 * @XTCP_MIB_LISTENDROPS: SYNs and handshake ACKs a listener dropped (full
 *	queues, no memory), overflows included.
 * @XTCP_MIB_BACKLOGDROP: segments dropped because the socket backlog was
 *	full.
 * @XTCP_MIB_DELAYEDACKS: delayed ACKs sent when their timer ran out.
 * @XTCP_MIB_RCVQDROP: in-window data dropped: the receive buffer was full
 *	even after compacting the queue (TcpExt TCPRcvQDrop).
 * @XTCP_MIB_RCVCOLLAPSED: times the receive queue was compacted
 *	(TcpExt TCPRcvCollapsed counts skbs; this counts compactions).
 * @XTCP_MIB_POLICYDROP: segments the IPsec policy refused.
 * @XTCP_MIB_FILTERDROP: segments a socket filter or the LSM refused.
 * @XTCP_MIB_OUTOFWINDOWICMPS: ICMP errors quoting a sequence number not in
 *	flight, ignored (TcpExt OutOfWindowIcmps).
 * @XTCP_MIB_ACKSKIPPEDCHALLENGE: challenge ACKs not sent, by the per-socket
 *	or per-namespace rate limit (TcpExt TCPACKSkippedChallenge).
 * @XTCP_MIB_ACKSKIPPEDSEQ: ACKs for out-of-window segments not sent, by
 *	the rate limit (TcpExt TCPACKSkippedSeq).
 * @XTCP_MIB_ACKSKIPPEDTIMEWAIT: TIME_WAIT ACKs not sent, by the rate limit
 *	(TcpExt TCPACKSkippedTimeWait).
 * @XTCP_MIB_WINPROBE: zero-window probes sent (TcpExt TCPWinProbe).
 * @XTCP_MIB_REQQFULLDROP: SYNs dropped because the SYN queue was full
 *	(TcpExt TCPReqQFullDrop).
 * @XTCP_MIB_REQTIMEOUTS: half-open connections (requests) given up after
 *	their SYN-ACK retransmissions (xtcp's own; Linux counts none).
 * @XTCP_MIB_EMBRYONICRSTS: half-open connections ended by a RST or an
 *	in-window SYN from the peer (TcpExt EmbryonicRsts).
 * @XTCP_MIB_DEFERACCEPTDROP: bare final ACKs dropped by TCP_DEFER_ACCEPT
 *	(TcpExt TCPDeferAcceptDrop).
 * @XTCP_MIB_ACKSKIPPEDSYNRECV: answers to a half-open connection's peer
 *	(SYN-ACK again, or an ACK) not sent, by the rate limit (TcpExt
 *	TCPACKSkippedSynRecv).
 * @XTCP_MIB_SYNCOOKIESSENT: SYN-ACKs sent with a cookie (SyncookiesSent).
 * @XTCP_MIB_SYNCOOKIESRECV: final ACKs with a valid cookie
 *	(SyncookiesRecv).
 * @XTCP_MIB_SYNCOOKIESFAILED: final ACKs with an invalid or stale cookie
 *	(SyncookiesFailed).
 * @XTCP_MIB_REQQFULLDOCOOKIES: SYNs answered with a cookie because the
 *	SYN queue was full or syncookies is 2 (TcpExt TCPReqQFullDoCookies).
 * @XTCP_MIB_REQEVICTED: unanswered requests pushed out of a full SYN queue
 *	for a new SYN, with syncookies off (xtcp's own).
 * @XTCP_MIB_PAWSESTAB: segments of a synchronized connection dropped by
 *	PAWS, an older timestamp than TS.Recent (TcpExt PAWSEstab).
 * @XTCP_MIB_PAWSTIMEWAIT: segments dropped by PAWS in TIME_WAIT (TcpExt
 *	PAWSTimewait).
 * @XTCP_MIB_ACKSKIPPEDPAWS: ACKs for PAWS-dropped segments not sent, by
 *	the rate limit (TcpExt TCPACKSkippedPAWS).
 * @XTCP_MIB_OFOQUEUE: segments put on the out-of-order queue (TcpExt
 *	TCPOFOQueue).
 * @XTCP_MIB_OFODROP: out-of-order segments dropped for want of receive
 *	buffer (TcpExt TCPOFODrop).
 * @XTCP_MIB_OFOMERGE: out-of-order segments that overlapped queued ones
 *	(TcpExt TCPOFOMerge).
 * @XTCP_MIB_OFOPRUNED: times queued out-of-order segments were dropped to
 *	make room for an earlier one (TcpExt OfoPruned).
 * @XTCP_MIB_DSACKOLDSENT: D-SACK blocks sent for data below RCV.NXT
 *	received again (TcpExt TCPDSACKOldSent).
 * @XTCP_MIB_DSACKOFOSENT: D-SACK blocks sent for out-of-order data
 *	received again (TcpExt TCPDSACKOfoSent).
 * @XTCP_MIB_KEEPALIVE: keepalive probes sent (TcpExt TCPKeepAlive).
 * @XTCP_MIB_FASTRETRANS: fast retransmits on three duplicate ACKs
 *	(TcpExt TCPFastRetrans).
 * @XTCP_MIB_RENORECOVERY: fast recoveries entered without SACK (TcpExt
 *	TCPRenoRecovery).
 * @XTCP_MIB_ABORTONTIMEOUT: connections given up because retransmissions,
 *	zero-window probes or keepalive probes went unanswered (TcpExt
 *	TCPAbortOnTimeout).
 * @XTCP_MIB_SACKRECOVERY: fast recoveries entered with SACK (TcpExt
 *	TCPSackRecovery).
 * @XTCP_MIB_DSACKRECV: D-SACK blocks received (TcpExt TCPDSACKRecv).
 * @XTCP_MIB_DSACKUNDO: window reductions undone because D-SACKs showed
 *	every retransmission of the episode was needless (TcpExt
 *	TCPDSACKUndo).
 * @XTCP_MIB_SACKDISCARD: SACK blocks ignored as impossible: beyond what
 *	was sent, reversed, or wholly acknowledged (TcpExt TCPSACKDiscard).
 * @XTCP_MIB_SACKRENEGING: the peer dropped data it had SACKed, so the
 *	marks were forgotten at a timeout (TcpExt TCPSACKReneging).
 * @XTCP_MIB_SACKREORDER: a segment sent once was found delivered below
 *	the highest SACKed one: reordering, not loss (TcpExt TCPSACKReorder).
 * @XTCP_MIB_PARTIALUNDO: fast recoveries undone on a partial ACK whose
 *	timestamp echo predates the first retransmission (TcpExt
 *	TCPPartialUndo).
 * @XTCP_MIB_FULLUNDO: the same, on the ACK that ended the recovery
 *	(TcpExt TCPFullUndo).
 * @XTCP_MIB_LOSSUNDO: retransmission timeouts undone that way (TcpExt
 *	TCPLossUndo).
 * @XTCP_MIB_LOSTRETRANSMIT: retransmissions found lost too, because a
 *	segment sent after them was delivered (RACK; TcpExt
 *	TCPLostRetransmit).
 * @XTCP_MIB_TWRECYCLED: TIME_WAIT connections ended for a new outgoing
 *	connection on their 4-tuple (net.xtcp.tw_reuse; TcpExt TWRecycled).
 * @XTCP_MIB_LOSSPROBES: tail loss probes sent (RFC 8985 §7; TcpExt
 *	TCPLossProbes).
 * @XTCP_MIB_LOSSPROBERECOVERY: losses a loss probe repaired, answered
 *	with a window reduction instead of a timeout (TcpExt
 *	TCPLossProbeRecovery).
 * @XTCP_MIB_MAX: number of counters.
 */
enum xtcp_mib {
	XTCP_MIB_INSEGS,
	XTCP_MIB_OUTSEGS,
	XTCP_MIB_ACTIVEOPENS,
	XTCP_MIB_PASSIVEOPENS,
	XTCP_MIB_ATTEMPTFAILS,
	XTCP_MIB_ESTABRESETS,
	XTCP_MIB_OUTRSTS,
	XTCP_MIB_RETRANSSEGS,
	XTCP_MIB_INHDRERRORS,
	XTCP_MIB_INOPTERRORS,
	XTCP_MIB_INCSUMERRORS,
	XTCP_MIB_INNOSOCKET,
	XTCP_MIB_OUTOFWINDOW,
	XTCP_MIB_CHALLENGEACKS,
	XTCP_MIB_SYNRETRANS,
	XTCP_MIB_TIMEOUTS,
	XTCP_MIB_TIMEWAITOVERFLOW,
	XTCP_MIB_ORPHANOVERFLOW,
	XTCP_MIB_ABORTONLINGER,
	XTCP_MIB_ABORTONCLOSE,
	XTCP_MIB_ABORTONDATA,
	XTCP_MIB_LISTENOVERFLOWS,
	XTCP_MIB_LISTENDROPS,
	XTCP_MIB_BACKLOGDROP,
	XTCP_MIB_DELAYEDACKS,
	XTCP_MIB_RCVQDROP,
	XTCP_MIB_RCVCOLLAPSED,
	XTCP_MIB_POLICYDROP,
	XTCP_MIB_FILTERDROP,
	XTCP_MIB_OUTOFWINDOWICMPS,
	XTCP_MIB_ACKSKIPPEDCHALLENGE,
	XTCP_MIB_ACKSKIPPEDSEQ,
	XTCP_MIB_ACKSKIPPEDTIMEWAIT,
	XTCP_MIB_WINPROBE,
	XTCP_MIB_REQQFULLDROP,
	XTCP_MIB_REQTIMEOUTS,
	XTCP_MIB_EMBRYONICRSTS,
	XTCP_MIB_DEFERACCEPTDROP,
	XTCP_MIB_ACKSKIPPEDSYNRECV,
	XTCP_MIB_SYNCOOKIESSENT,
	XTCP_MIB_SYNCOOKIESRECV,
	XTCP_MIB_SYNCOOKIESFAILED,
	XTCP_MIB_REQQFULLDOCOOKIES,
	XTCP_MIB_REQEVICTED,
	XTCP_MIB_PAWSESTAB,
	XTCP_MIB_PAWSTIMEWAIT,
	XTCP_MIB_ACKSKIPPEDPAWS,
	XTCP_MIB_OFOQUEUE,
	XTCP_MIB_OFODROP,
	XTCP_MIB_OFOMERGE,
	XTCP_MIB_OFOPRUNED,
	XTCP_MIB_DSACKOLDSENT,
	XTCP_MIB_DSACKOFOSENT,
	XTCP_MIB_KEEPALIVE,
	XTCP_MIB_ABORTONTIMEOUT,
	XTCP_MIB_FASTRETRANS,
	XTCP_MIB_RENORECOVERY,
	XTCP_MIB_SACKRECOVERY,
	XTCP_MIB_DSACKRECV,
	XTCP_MIB_DSACKUNDO,
	XTCP_MIB_SACKDISCARD,
	XTCP_MIB_SACKRENEGING,
	XTCP_MIB_SACKREORDER,
	XTCP_MIB_PARTIALUNDO,
	XTCP_MIB_FULLUNDO,
	XTCP_MIB_LOSSUNDO,
	XTCP_MIB_LOSTRETRANSMIT,
	XTCP_MIB_TWRECYCLED,
	XTCP_MIB_LOSSPROBES,
	XTCP_MIB_LOSSPROBERECOVERY,
	XTCP_MIB_MAX,
};

/*
 * net.xtcp.recovery's bits, Linux's tcp_recovery ones: RACK finds losses by
 * time (rack.c); its reordering window never grows (xtcp's never does);
 * DupThresh SACKed segments do not close the window.
 */
#define XTCP_RACK_LOSS_DETECTION	0x1
#define XTCP_RACK_STATIC_REO_WND	0x2
#define XTCP_RACK_NO_DUPTHRESH		0x4

/**
 * struct xtcp_net - per-network-namespace state (net_generic()).
 *
 * Sysctl fields are written by proc handlers and read locklessly with
 * READ_ONCE(); counters are atomic. Nothing here needs a lock.
 */
struct xtcp_net {
	/** @syn_retries: net.xtcp.syn_retries. */
	u8 syn_retries;
	/** @orphan_retries: net.xtcp.orphan_retries. */
	u8 orphan_retries;
	/** @sysctl_tw_reuse: net.xtcp.tw_reuse (tw_reuse is a macro in inet_timewait_sock.h). */
	u8 sysctl_tw_reuse;
	/** @rfc1337: net.xtcp.rfc1337. */
	u8 rfc1337;
	/** @synack_retries: net.xtcp.synack_retries. */
	u8 synack_retries;
	/** @abort_on_overflow: net.xtcp.abort_on_overflow. */
	u8 abort_on_overflow;
	/** @syncookies: net.xtcp.syncookies. */
	u8 syncookies;
	/** @timestamps: net.xtcp.timestamps (0 off, 1 on, 2 on, no offset). */
	u8 timestamps;
	/** @sack: net.xtcp.sack. */
	u8 sack;
	/** @dsack: net.xtcp.dsack. */
	u8 dsack;
	/** @early_retrans: net.xtcp.early_retrans (3, 4: loss probes). */
	u8 early_retrans;
	/** @recovery: net.xtcp.recovery, XTCP_RACK_* bits (rack.c). */
	u8 recovery;
	/** @window_scaling: net.xtcp.window_scaling (RFC 7323 §2). */
	u8 window_scaling;
	/** @moderate_rcvbuf: net.xtcp.moderate_rcvbuf (window.c). */
	u8 moderate_rcvbuf;
	/** @rmem: net.xtcp.rmem: receive buffer min, initial, max. */
	int rmem[3];
	/** @wmem: net.xtcp.wmem: send buffer min, initial, max. */
	int wmem[3];
	/** @keepalive_time: net.xtcp.keepalive_time, jiffies. */
	int keepalive_time;
	/** @keepalive_intvl: net.xtcp.keepalive_intvl, jiffies. */
	int keepalive_intvl;
	/** @keepalive_probes: net.xtcp.keepalive_probes. */
	u8 keepalive_probes;
	/** @retries1: net.xtcp.retries1 (time-based, as Linux). */
	u8 retries1;
	/** @retries2: net.xtcp.retries2 (time-based, as Linux). */
	u8 retries2;
	/** @max_syn_backlog: net.xtcp.max_syn_backlog. */
	int max_syn_backlog;
	/** @cookie_key: the SYN cookies' secret, chosen at namespace creation. */
	siphash_key_t cookie_key;
	/** @fin_timeout: net.xtcp.fin_timeout, in jiffies. */
	int fin_timeout;
	/** @max_orphans: net.xtcp.max_orphans. */
	int max_orphans;
	/** @max_tw_buckets: net.xtcp.max_tw_buckets. */
	int max_tw_buckets;
	/** @invalid_ratelimit: net.xtcp.invalid_ratelimit, in jiffies. */
	int invalid_ratelimit;
	/** @challenge_ack_limit: net.xtcp.challenge_ack_limit, per second. */
	int challenge_ack_limit;
	/** @challenge_stamp: second of @challenge_count (jiffies / HZ). */
	u32 challenge_stamp;
	/** @challenge_count: challenge ACKs left in that second. */
	u32 challenge_count;
	/** @orphans: sockets closed by their owner but not yet destroyed. */
	atomic_t orphans;
	/** @tw_count: sockets in TIME_WAIT. */
	atomic_t tw_count;
	/** @mib: counters, see &enum xtcp_mib. */
	atomic_long_t mib[XTCP_MIB_MAX];
	/** @sysctl_hdr: registration of this namespace's net.xtcp table. */
	struct ctl_table_header *sysctl_hdr;
	/** @sysctl_table: this namespace's copy of the table. */
	struct ctl_table *sysctl_table;
};

/**
 * union xtcp_ip_cb - the network layer's control block (IPCB() or IP6CB()),
 * which IP reads from the start of skb->cb when xtcp hands it a segment and
 * leaves there when it hands one up.
 * @h4: IPv4's.
 * @h6: IPv6's.
 */
union xtcp_ip_cb {
	struct inet_skb_parm h4;
	struct inet6_skb_parm h6;
};

/**
 * struct xtcp_skb_cb - what the receive path learns of a segment once, for
 * the per-state processing to use; also the sequence range of a queued
 * segment on the write and receive queues. Lives in skb->cb.
 *
 * Layout, as in TCP: the first fields overlap IP's control block. A
 * received segment's IP part is moved to @header before they are written
 * (xtcp_fill_cb()); every skb xtcp gives to IP has that area cleared first
 * (xtcp_clear_ip_cb()), or IP would read our flags as its own (an ACK flag
 * is IPSKB_REROUTED, which skips POSTROUTING) and @seq as IP options.
 */
struct xtcp_skb_cb {
	/** @seq: first sequence number (SYN counts as one). */
	u32 seq;
	/** @end_seq: @seq + payload length + SYN + FIN. */
	u32 end_seq;
	/** @flags: TCP flag byte (TCPHDR_*). */
	u8 flags;
	/** @retransmitted: sent more than once (Karn's rule, RFC 6298 §3). */
	u8 retransmitted:1;
	/**
	 * @reopens_time_wait: a SYN that ended a TIME_WAIT of its 4-tuple;
	 * the new connection's ISS is then @reopen_iss.
	 */
	u8 reopens_time_wait:1;
	/** @sack_ok: a received SYN offered SACK-permitted. */
	u8 sack_ok:1;
	/** @sacked: the peer SACKed this write-queue segment (sack.c). */
	u8 sacked:1;
	/** @lost: presumed lost, to be retransmitted (sack.c). */
	u8 lost:1;
	/** @rexmit: retransmitted in this recovery, not yet SACKed. */
	u8 rexmit:1;
	/**
	 * @tx_app_limited: last sent while the application, not the
	 * network, limited the sending (rate.c).
	 */
	u8 tx_app_limited:1;
	/** @mss: peer's MSS option on a received SYN, 0 if none. */
	u16 mss;
	union {
		struct {
			/** @ack_seq: acknowledgment number (received). */
			u32 ack_seq;
			/** @window: unscaled window field (received). */
			u16 window;
			/** @wscale: a received SYN's window scale, 15 if none. */
			u8 wscale;
		};
		/**
		 * @tx_delivered: xtcp_sock.delivered when this write-queue
		 * segment last went out (rate.c).
		 */
		u32 tx_delivered;
	};
	union {
		/** @reopen_iss: see @reopens_time_wait (received SYN). */
		u32 reopen_iss;
		/**
		 * @xmit_us: xtcp_clock_us() of the latest transmission
		 * (write queue): RTT samples and RACK's send order (rack.c).
		 */
		u32 xmit_us;
	};
	union {
		struct {
			/** @sent_at: jiffies of the first transmission. */
			u32 sent_at;
			/**
			 * @tx_delivered_us: xtcp_sock.delivered_us when this
			 * segment last went out (rate.c).
			 */
			u32 tx_delivered_us;
			/**
			 * @tx_first_us: xtcp_sock.first_tx_us then: when the
			 * flight it went in began (rate.c).
			 */
			u32 tx_first_us;
		};
		/** @header: IP's control block of a received segment. */
		union xtcp_ip_cb header;
	};
};

#define XTCP_SKB_CB(skb) ((struct xtcp_skb_cb *)&((skb)->cb[0]))

/**
 * enum xtcp_timer - the timers of an xtcp socket (timer.c).
 * @XTCP_TIMER_RTX: retransmission, zero-window probe, deferred FIN.
 * @XTCP_TIMER_DELACK: a delayed ACK.
 * @XTCP_TIMER_LIFE: end of TIME_WAIT or of an orphaned FIN_WAIT2
 *	(sk->sk_timer).
 * @XTCP_NR_TIMERS: how many there are.
 */
enum xtcp_timer {
	XTCP_TIMER_RTX,
	XTCP_TIMER_DELACK,
	XTCP_TIMER_LIFE,
	XTCP_NR_TIMERS,
};

/* xtcp_sock.deferred: work a softirq left for the socket's owner. */
#define XTCP_DEFER_MTU		0	/* xtcp_sock.mtu_info is new */

/**
 * struct xtcp_sock - one xtcp endpoint: a connection, a listener, or a
 * child of a listener waiting in its SYN or accept queue.
 *
 * Locking: every field is guarded by the socket lock (lock_sock() from
 * process context, bh_lock_sock() from softirq when the owner is not
 * holding it; segments that find it owned go to the backlog), except
 * where a field says otherwise.
 */
struct xtcp_sock {
	/** @inet: must be first; generic inet state incl. addresses, ports. */
	struct inet_sock inet;

	/* Send sequence space, RFC 9293 §3.3.1. */
	/** @iss: initial send sequence number. */
	u32 iss;
	/** @snd_una: oldest unacknowledged sequence number. */
	u32 snd_una;
	/** @snd_nxt: next sequence number to send. */
	u32 snd_nxt;
	/** @write_seq: sequence number after the last byte queued. */
	u32 write_seq;
	/**
	 * @snd_sml: end of the last data segment sent smaller than the MSS
	 * (Nagle's algorithm, Minshall's variant: proto/nagle.c).
	 */
	u32 snd_sml;
	/** @snd_wnd: send window from the peer. */
	u32 snd_wnd;
	/** @snd_wl1: segment sequence number of the last window update. */
	u32 snd_wl1;
	/** @snd_wl2: segment ack number of the last window update. */
	u32 snd_wl2;
	/** @max_window: largest window the peer has offered. */
	u32 max_window;
	/** @recover: RFC 6582 "recover", valid while @in_recovery. */
	u32 recover;
	/** @dup_acks: duplicate ACKs in a row (RFC 5681 §2). */
	u8 dup_acks;
	/** @in_recovery: retransmitting after a fast retransmit or RTO. */
	bool in_recovery;
	/** @mss: largest payload we send in one segment now. */
	u16 mss;
	/** @mss_cap: MSS agreed at the handshake (peer, route, TCP_MAXSEG). */
	u16 mss_cap;
	/** @user_mss: TCP_MAXSEG, 0 if unset. */
	u16 user_mss;
	/** @advmss: MSS we announce, from the route's MTU. */
	u16 advmss;
	/** @pmtu_cookie: path MTU that @mss_cap was last derived from. */
	u32 pmtu_cookie;

	/* Window scaling, RFC 7323 §2 (window.c); fixed at the handshake. */
	/** @snd_wscale: the peer's shift, applied to the windows it sends. */
	u8 snd_wscale;
	/** @rcv_wscale: our shift, applied to the windows we send. */
	u8 rcv_wscale;

	/* Receive-buffer autotuning (window.c); socket lock. */
	/** @rcvq_space: bytes the reader took in the last measured RTT. */
	u32 rcvq_space;
	/** @rcvq_seq: @copied_seq when the current measurement began. */
	u32 rcvq_seq;
	/** @rcvq_time: jiffies when it began, 0 before the first read. */
	u32 rcvq_time;
	/** @rcv_rtt_us: receiver's RTT estimate * 8 from TSecr, 0 if none. */
	u32 rcv_rtt_us;

	/* Congestion control (cc.c); socket lock. */
	/** @cc: the algorithm. */
	const struct xtcp_cc_ops *cc;
	/** @cw: congestion window and slow-start threshold, in segments. */
	struct xtcp_cwnd cw;
	/** @packets_out: segments sent once and not yet acknowledged. */
	u32 packets_out;
	/** @lsndtime: jiffies when new data last went out, 0 if never. */
	u32 lsndtime;
	/** @ca_state: TCP_CA_Open, TCP_CA_Recovery or TCP_CA_Loss. */
	u8 ca_state;

	/*
	 * The scoreboard (sack.c; socket lock): how many of the
	 * @packets_out segments carry each mark. Without SACK, @sacked_out
	 * counts duplicate ACKs instead (each one says a segment left).
	 */
	/** @sacked_out: segments SACKed. */
	u32 sacked_out;
	/** @lost_out: segments presumed lost. */
	u32 lost_out;
	/** @retrans_out: retransmissions of lost segments in flight. */
	u32 retrans_out;
	/** @total_retrans: segments retransmitted over the connection. */
	u32 total_retrans;
	/** @segs_out: segments sent, retransmissions and bare ACKs too. */
	u32 segs_out;
	/** @data_segs_out: those of @segs_out that carried data. */
	u32 data_segs_out;
	/** @segs_in: segments received for this connection. */
	u32 segs_in;
	/** @data_segs_in: those of @segs_in that carried data. */
	u32 data_segs_in;
	/** @bytes_sent: payload bytes sent, retransmissions too. */
	u64 bytes_sent;
	/** @bytes_acked: sequence space the peer acknowledged (SYN, FIN too). */
	u64 bytes_acked;
	/** @bytes_received: sequence space received in order (FIN too). */
	u64 bytes_received;
	/** @delivered: segments delivered, cumulatively or SACKed (rate.c). */
	u32 delivered;
	/** @delivered_us: xtcp_clock_us() when @delivered last grew. */
	u32 delivered_us;
	/** @first_tx_us: when the current flight's first segment went out. */
	u32 first_tx_us;
	/** @rate_delivered: segments of the last delivery-rate sample. */
	u32 rate_delivered;
	/** @rate_interval_us: its span; 0 if there is none yet. */
	u32 rate_interval_us;
	/**
	 * @app_limited: while not 0, sending is limited by the application:
	 * until @delivered passes this mark (rate.c).
	 */
	u32 app_limited;
	/**
	 * @rs_prior_delivered: for the sample the current ACK makes:
	 * @delivered when its newest delivered segment was sent.
	 */
	u32 rs_prior_delivered;
	/** @rs_prior_us: @delivered_us then. */
	u32 rs_prior_us;
	/** @rs_send_us: that segment's flight, first to its transmission. */
	u32 rs_send_us;
	/** @busy_start_us: when data last went in flight with none before. */
	u32 busy_start_us;
	/** @busy_us: microseconds with data in flight, before @busy_start_us. */
	u64 busy_us;
	/** @bytes_retrans: payload bytes retransmitted. */
	u64 bytes_retrans;
	/** @dsack_dups: D-SACK blocks received. */
	u32 dsack_dups;
	/**
	 * @fack: end of the highest segment SACKed; meaningful while it is
	 * after SND.UNA.
	 */
	u32 fack;
	/**
	 * @reordering: DupThresh, in segments: SACKed segments above a hole
	 * that make it lost. Starts at 3 and grows to the reordering seen
	 * (XTCP_MAX_REORDERING at most); TCP_INFO's reordering.
	 */
	u32 reordering;
	/** @reord_seen: reorderings detected (TCP_INFO reord_seen). */
	u32 reord_seen;
	/**
	 * @undo_marker: SND.UNA when the window was last reduced, 0 when
	 * there is nothing to undo (RFC 2883 §5 / Linux's D-SACK undo).
	 */
	u32 undo_marker;
	/** @undo_retrans: retransmissions since then no D-SACK excused. */
	u32 undo_retrans;
	/** @prior_cwnd: the window before that reduction. */
	u32 prior_cwnd;
	/** @prior_ssthresh: the threshold before it. */
	u32 prior_ssthresh;
	/**
	 * @prr_delivered: segments delivered (acknowledged or SACKed) since
	 * fast recovery began; @prr_out: segments sent since then. PRR's
	 * counts (RFC 6937, cc.c), its RecoverFS is @prior_cwnd.
	 */
	u32 prr_delivered;
	/** @prr_out: see @prr_delivered. */
	u32 prr_out;
	/**
	 * @retrans_tsval: the TSval of the first retransmission since the
	 * reduction, if @retrans_ts_set (Eifel detection, RFC 3522).
	 */
	u32 retrans_tsval;
	/** @retrans_ts_set: @retrans_tsval holds one. */
	bool retrans_ts_set;

	/*
	 * RACK (RFC 8985; rack.c; socket lock): of the segments delivered so
	 * far, the one whose latest transmission went out last.
	 */
	/** @rack_xmit_us: its transmission time (xtcp_clock_us()). */
	u32 rack_xmit_us;
	/** @rack_end_seq: its end sequence number. */
	u32 rack_end_seq;
	/** @rack_rtt_us: the RTT of that transmission. */
	u32 rack_rtt_us;
	/** @rack_valid: the three fields above describe a segment. */
	bool rack_valid;
	/** @rack_advanced: they changed since losses were last looked for. */
	bool rack_advanced;
	/**
	 * @rack_wait_us: after the last look, how long until the first
	 * segment still within its reordering window is overdue; 0 if none.
	 */
	u32 rack_wait_us;

	/* Tail loss probes (RFC 8985 §7; tlp.c; socket lock). */
	/** @tlp_high_seq: SND.NXT when the outstanding probe went. */
	u32 tlp_high_seq;
	/** @tlp_out: a probe is outstanding (@tlp_high_seq is valid). */
	u8 tlp_out:1;
	/** @tlp_retrans: it resent the last segment (rather than new data). */
	u8 tlp_retrans:1;
	/** @tlp_dsacked: the ACK being processed D-SACKs that resend. */
	u8 tlp_dsacked:1;
	/** @tlp_armed: the retransmission timer waits for a probe, not RTO. */
	u8 tlp_armed:1;
	/**
	 * @reo_armed: the retransmission timer waits for RACK's reordering
	 * window to end (rack.c), not for the RTO.
	 */
	u8 reo_armed:1;

	/* Timestamps, RFC 7323 (timestamps.c). */
	/** @ts_recent: TS.Recent, and when it was taken (seconds). */
	struct xtcp_ts_recent ts_recent;
	/** @ts_off: added to our millisecond clock in every TSval we send. */
	u32 ts_off;

	/* Receive sequence space. */
	/** @irs: initial receive sequence number. */
	u32 irs;
	/** @rcv_nxt: next sequence number expected. */
	u32 rcv_nxt;
	/** @rcv_wnd: window last advertised. */
	u32 rcv_wnd;
	/** @rcv_wup: rcv_nxt when @rcv_wnd was advertised. */
	u32 rcv_wup;
	/** @copied_seq: next sequence number the application will read. */
	u32 copied_seq;
	/** @ooo_queue: segments beyond a hole, by sequence number (ooo.c). */
	struct rb_root ooo_queue;
	/** @ooo_last_seq: where the segment last put on @ooo_queue starts. */
	u32 ooo_last_seq;
	/** @dsack: a duplicate to report in the next ACK's first block. */
	struct xtcp_sack_block dsack;
	/** @rcv_mss: the peer's full segment size, as far as seen. */
	u16 rcv_mss;
	/** @quick_acks: in-order segments still to be ACKed at once. */
	u8 quick_acks;
	/** @last_data_rcv: jiffies of the last in-order data, 0 if none. */
	u32 last_data_rcv;
	/** @rcv_tstamp: jiffies of the last acceptable ACK (keepalive.c). */
	u32 rcv_tstamp;

	/* Timers (timer.c); @timer_due and @timers_armed: socket lock. */
	/** @rtx_timer: retransmission, zero-window probes, deferred FIN. */
	struct timer_list rtx_timer;
	/** @delack_timer: a delayed ACK (RFC 1122 §4.2.3.2). */
	struct timer_list delack_timer;
	/** @timer_due: when each &enum xtcp_timer is due, in jiffies. */
	unsigned long timer_due[XTCP_NR_TIMERS];
	/** @timers_armed: bit per &enum xtcp_timer meant to be running. */
	u8 timers_armed;
	/** @probes_out: zero-window probes sent without an answer. */
	u8 probes_out;
	/**
	 * @probe_start: jiffies (never 0) of the first zero-window probe of
	 * the current episode, 0 while not probing; TCP_USER_TIMEOUT counts
	 * from it, answered probes or not (Linux's icsk_probes_tstamp).
	 */
	u32 probe_start;
	/** @last_oow_ack: jiffies of the last rate-limited ACK (RFC 5961 §7). */
	u32 last_oow_ack;
	/** @mtu_info: path MTU from an ICMP error, for xtcp_release_cb(). */
	u32 mtu_info;
	/** @deferred: XTCP_DEFER_* work for release_sock(); atomic bits. */
	unsigned long deferred;

	/* Retransmission, RFC 6298. */
	/** @rto: current retransmission timeout (jiffies), backed off. */
	u32 rto;
	/** @srtt_us: smoothed RTT * 8, microseconds; 0 until measured. */
	u32 srtt_us;
	/** @rttvar_us: RTT variation * 4, microseconds. */
	u32 rttvar_us;
	/**
	 * @min_rtt_us: the lowest RTT measured over the connection's life,
	 * microseconds, 0 until measured (TCP_INFO min_rtt, RACK).
	 */
	u32 min_rtt_us;
	/** @retransmits: consecutive timeouts without progress. */
	u8 retransmits;
	/** @syn_retries: TCP_SYNCNT, 0 means net.xtcp.syn_retries. */
	u8 syn_retries;

	/* Flags. */
	/** @nodelay: TCP_NODELAY. */
	u8 nodelay:1;
	/** @cork: TCP_CORK. */
	u8 cork:1;
	/**
	 * @quickack: not in "pingpong" mode: TCP_QUICKACK as last set, or
	 * cleared when we answer data within the delayed-ACK time and set
	 * again when a delayed ACK's timer runs out (Linux's rules).
	 */
	u8 quickack:1;
	/**
	 * @ack_pushed: segments smaller than @rcv_mss came since our last
	 * ACK (1, or 2 for more than one): a read that empties the queue
	 * sends the delayed ACK at once (recv.c), as Linux.
	 */
	u8 ack_pushed:2;
	/** @fin_queued: a FIN sits at the tail of the write queue. */
	u8 fin_queued:1;
	/**
	 * @fin_wanted: the FIN is due but could not be allocated; the
	 * retransmission timer tries again (xtcp_queue_fin()).
	 */
	u8 fin_wanted:1;
	/** @is_child: created by a listener, not yet accepted. */
	u8 is_child:1;
	/** @orphan_counted: counted in xtcp_net.orphans. */
	u8 orphan_counted:1;
	/** @rs_have: the current ACK delivered something (rate.c). */
	u8 rs_have:1;
	/** @rs_app_limited: that sample's newest segment was app-limited. */
	u8 rs_app_limited:1;
	/** @rate_app_limited: the kept sample was app-limited. */
	u8 rate_app_limited:1;
	/**
	 * @port_by_connect: connect() chose the local port, so other
	 * connect()s may share it (hash.c); written under the port chain's
	 * lock, cleared when the port is given up.
	 */
	u8 port_by_connect:1;
	/**
	 * @ts_ok: timestamps on every segment: offered in our SYN while in
	 * SYN_SENT, agreed by both ends once the peer's SYN is in.
	 */
	u8 ts_ok:1;
	/**
	 * @sack_ok: the peer's SYN offered SACK-permitted and net.xtcp.sack
	 * is on: our ACKs carry SACK blocks (RFC 2018).
	 */
	u8 sack_ok:1;
	/** @dsack_pending: @dsack holds a D-SACK block not sent yet. */
	u8 dsack_pending:1;
	/** @cwnd_limited: the last push stopped at the congestion window. */
	u8 cwnd_limited:1;
	/**
	 * @wscale_ok: both SYNs had a window-scale option (RFC 7323 §2.2);
	 * in SYN_SENT, that ours offers one.
	 */
	u8 wscale_ok:1;

	/* Options that are accepted and stored for TCP compatibility. */
	/** @linger2: TCP_LINGER2 in jiffies; 0 = sysctl, <0 = RST. */
	int linger2;
	/** @keepalive_time: TCP_KEEPIDLE in jiffies, 0 = default. */
	int keepalive_time;
	/** @keepalive_intvl: TCP_KEEPINTVL in jiffies, 0 = default. */
	int keepalive_intvl;
	/** @keepalive_probes: TCP_KEEPCNT, 0 = default. */
	u8 keepalive_probes;
	/** @defer_accept: TCP_DEFER_ACCEPT, as SYN-ACK retransmissions. */
	int defer_accept;
	/** @user_timeout: TCP_USER_TIMEOUT in milliseconds. */
	u32 user_timeout;
	/** @notsent_lowat: TCP_NOTSENT_LOWAT. */
	u32 notsent_lowat;
	/** @window_clamp: TCP_WINDOW_CLAMP. */
	int window_clamp;

	/* Listen queues and a child's place in them: see @queue_lock. */
	/**
	 * @queue_lock: guards the lists and counters below and the SYN
	 * queue's (struct xtcp_synq); taken with BHs off, before a request
	 * chain's lock, never with another socket's lock held inside it.
	 */
	spinlock_t queue_lock;
	/** @synq: the SYN queue of requests (request.h), once listening. */
	struct xtcp_synq *synq;
	/** @accept_queue: children ready for accept() (listener only). */
	struct list_head accept_queue;
	/** @syn_qlen: requests in @synq. */
	u32 syn_qlen;
	/** @queue_node: a child's link in its listener's queues. */
	struct list_head queue_node;
	/** @listener: a queued child's listener; holds a reference. */
	struct sock *listener;
	/** @in_accept_queue: @queue_node is on the accept queue. */
	bool in_accept_queue;
};

static inline struct xtcp_sock *xtcp_sk(const struct sock *sk)
{
	return (struct xtcp_sock *)sk;
}

/**
 * struct xtcp_af_ops - what differs between IPv4 and IPv6 (ipv4.c).
 * @net_header_len: the network header without options.
 * @gso_type: the skb_shared_info.gso_type of its GSO skbs (offload.c).
 * @send_check: fill in the checksum of the segment @skb holds.
 * @queue_xmit: hand a finished segment to the network layer; consumes it.
 * @route_mtu: the MTU of a fresh route to the socket's peer, 0 if none.
 * @update_pmtu: record a smaller path MTU from ICMP in the route; returns
 *	the route's MTU afterwards.
 * @accept_pmtu: does the socket follow path MTU discovery's ICMP errors?
 * @send_reply: send a bare TCP header (in @skb) back to where @in came
 *	from, without a socket; consumes @skb.
 * @route_req: a route from listener @sk to the peer of request @req, with
 *	a reference, or NULL.
 * @send_req: send the segment @skb (a TCP header) of request @req on
 *	route @dst; consumes both.
 * @is_loopback: does the connection of @sk run over loopback (bound to
 *	lo, or a loopback address at either end)? For net.xtcp.tw_reuse 2.
 */
struct xtcp_af_ops {
	unsigned int net_header_len;
	unsigned int gso_type;
	void (*send_check)(struct sock *sk, struct sk_buff *skb);
	int (*queue_xmit)(struct sock *sk, struct sk_buff *skb);
	u32 (*route_mtu)(struct sock *sk);
	u32 (*update_pmtu)(struct sock *sk, u32 mtu);
	bool (*accept_pmtu)(const struct sock *sk);
	void (*send_reply)(struct net *net, struct sk_buff *in,
			   struct sk_buff *skb);
	struct dst_entry *(*route_req)(struct sock *sk,
				       const struct xtcp_request *req);
	int (*send_req)(struct sock *sk, const struct xtcp_request *req,
			struct sk_buff *skb, struct dst_entry *dst);
	bool (*is_loopback)(const struct sock *sk);
};

extern const struct xtcp_af_ops xtcp_ipv4_ops;

/* The family ops of @sk (IPv4 only, for now). */
static inline const struct xtcp_af_ops *xtcp_af(const struct sock *sk)
{
	return &xtcp_ipv4_ops;
}

/*
 * Clear the network layer's part of skb->cb before IP sees @skb: it holds
 * xtcp's own fields (struct xtcp_skb_cb), not IP's.
 */
static inline void xtcp_clear_ip_cb(struct sk_buff *skb)
{
	memset(skb->cb, 0, sizeof(union xtcp_ip_cb));
}

/*
 * The socket lock is held: owned by a process (lock_sock()) or spin-locked
 * in softirq (bh_lock_sock()). Checked by lockdep on the debug kernel.
 */
static inline void xtcp_assert_locked(const struct sock *sk)
{
	sock_owned_by_me(sk);
}

/* rate.c */
void xtcp_rate_sent(struct sock *sk, struct sk_buff *skb);
void xtcp_rate_delivered(struct sock *sk, const struct xtcp_skb_cb *cb);
void xtcp_rate_ack_done(struct sock *sk);
void xtcp_rate_check_app_limited(struct sock *sk);
u64 xtcp_rate_info(const struct sock *sk, u64 *busy_us, bool *app_limited);

/* main.c */
extern unsigned int xtcp_net_id;
extern struct proto xtcp_prot;
extern const struct proto_ops xtcp_stream_ops;

static inline struct xtcp_net *xtcp_pernet(const struct net *net)
{
	return net_generic(net, xtcp_net_id);
}

static inline void xtcp_inc_stat(const struct net *net, enum xtcp_mib f)
{
	atomic_long_inc(&xtcp_pernet(net)->mib[f]);
}

static inline void xtcp_add_stat(const struct net *net, enum xtcp_mib f,
				 long n)
{
	atomic_long_add(n, &xtcp_pernet(net)->mib[f]);
}

/* sysctl.c */
int xtcp_sysctl_init_net(struct net *net);
void xtcp_sysctl_exit_net(struct net *net);

/* proc.c */
int xtcp_proc_init_net(struct net *net);
void xtcp_proc_exit_net(struct net *net);
extern const char *const xtcp_mib_names[XTCP_MIB_MAX];

/* hash.c */
int xtcp_hash_init(void);
void xtcp_hash_exit(void);
int xtcp_get_port(struct sock *sk, unsigned short snum);
void xtcp_put_port(struct sock *sk);
bool xtcp_listen_port_ok(struct sock *sk);
int xtcp_hash_connect(struct sock *sk, u32 *iss);
int xtcp_hash(struct sock *sk);
void xtcp_unhash(struct sock *sk);
bool xtcp_ehash_insert(struct sock *sk);
struct sock *xtcp_lookup(struct net *net, __be32 saddr, __be16 sport,
			 __be32 daddr, __be16 dport, int dif);
struct sock *xtcp_lookup_listener(struct net *net, __be32 saddr,
				  __be16 sport, __be32 daddr, __be16 dport,
				  int dif);
struct sock *xtcp_find_net_sock(struct net *net);
/* A callback run on each socket of a table walk. */
typedef void (*xtcp_sock_fn_t)(struct sock *sk, void *arg);
void xtcp_visit_socks(struct net *net, xtcp_sock_fn_t fn, void *arg);

/* sock.c */
void xtcp_set_state(struct sock *sk, int state);
bool xtcp_event(struct sock *sk, enum xtcp_event ev);
void xtcp_done(struct sock *sk);
void xtcp_destroy_orphan(struct sock *sk);
void xtcp_orphan_wait(struct sock *sk);
void xtcp_purge_queues(struct sock *sk);
void xtcp_purge_net(struct net *net);
void xtcp_write_space(struct sock *sk);
void xtcp_init_sock_fields(struct sock *sk);
void xtcp_reset_sequence_space(struct xtcp_sock *xs, u32 iss);

/* connect.c */
int xtcp_connect(struct sock *sk, struct xtcp_sockaddr *uaddr, int addr_len);
int xtcp_disconnect(struct sock *sk, int flags);

/* listen.c */
int xtcp_inet_listen(struct socket *sock, int backlog);
struct sock *xtcp_accept_child(struct sock *sk, int flags, int *err);
void xtcp_listen_rcv(struct sock *sk, struct sk_buff *skb);
void xtcp_req_rcv(struct xtcp_request *req, struct sk_buff *skb);
bool xtcp_child_established(struct sock *child);
void xtcp_child_unlink(struct sock *child);
void xtcp_listen_stop(struct sock *sk);

/* input.c */
void xtcp_init_from_syn(struct sock *sk, const struct xtcp_skb_cb *cb);
int xtcp_rcv_state(struct sock *sk, struct sk_buff *skb);
int xtcp_backlog_rcv(struct sock *sk, struct sk_buff *skb);

/* rcv.c */
int xtcp_v4_rcv(struct sk_buff *skb);
int xtcp_v4_err(struct sk_buff *skb, u32 info);
void xtcp_release_cb(struct sock *sk);

/* output.c */
int xtcp_queue_control(struct sock *sk, u8 flags);
int xtcp_queue_fin(struct sock *sk);
void xtcp_resend_syn(struct sock *sk);
void xtcp_push(struct sock *sk);
void xtcp_push_mode(struct sock *sk, unsigned int mode);
bool xtcp_push_held(struct sock *sk);
bool xtcp_fits_window(const struct sock *sk, const struct sk_buff *skb);
int xtcp_transmit_skb(struct sock *sk, struct sk_buff *skb);
void xtcp_retransmit_head(struct sock *sk);
void xtcp_sync_mss(struct sock *sk);
void xtcp_send_ack(struct sock *sk);
bool xtcp_probe_with_data(struct sock *sk);
void xtcp_send_probe(struct sock *sk);
void xtcp_send_active_reset(struct sock *sk, gfp_t gfp);
void xtcp_send_reply(struct net *net, struct sk_buff *in, u8 flags,
		     u32 seq, u32 ack, u16 window);
void xtcp_send_reset_for(struct net *net, struct sk_buff *in);
u16 xtcp_route_mss(struct sock *sk, unsigned int mtu);
void xtcp_mtu_reduced(struct sock *sk, u32 mtu);

/* offload.c */
unsigned int xtcp_gso_max_segs(const struct sock *sk, unsigned int mss);
struct sk_buff *xtcp_gso_build(struct sock *sk, struct sk_buff *first,
			       unsigned int n, u8 *flags);
struct sk_buff *xtcp_gso_segment(struct sk_buff *skb,
				 netdev_features_t features,
				 void (*csum)(struct sk_buff *seg,
					      unsigned int len, bool hw));
int xtcp_v4_offload_init(u8 protocol);
void xtcp_v4_offload_exit(u8 protocol);

/* timer.c */
void xtcp_init_timers(struct sock *sk);
void xtcp_clear_timers(struct sock *sk);
void xtcp_timer_arm(struct sock *sk, enum xtcp_timer which,
		    unsigned long when);
void xtcp_timer_stop(struct sock *sk, enum xtcp_timer which);
bool xtcp_timer_armed(const struct sock *sk, enum xtcp_timer which);
void xtcp_arm_rtx(struct sock *sk);
s32 xtcp_rto_left_us(struct sock *sk);
void xtcp_rearm_rto_left(struct sock *sk);
void xtcp_probe_answered(struct sock *sk);
void xtcp_delay_ack(struct sock *sk, unsigned long delay);
bool xtcp_ack_now(struct sock *sk, unsigned int len, bool hole);
void xtcp_ack_sent(struct sock *sk);
void xtcp_enter_time_wait(struct sock *sk);
void xtcp_restart_time_wait(struct sock *sk);
void xtcp_arm_fin_wait2(struct sock *sk);
void xtcp_rtt_sample_us(struct sock *sk, u32 m_us);
void xtcp_rto_reset(struct sock *sk);
void xtcp_sndbuf_expand(struct sock *sk);

/* cc.c */
/**
 * struct xtcp_cc_ops - a congestion-control algorithm.
 * @name: what TCP_CONGESTION reports.
 * @ssthresh: the slow-start threshold after a loss.
 * @cong_avoid: grow the window for segments newly acknowledged.
 */
struct xtcp_cc_ops {
	const char *name;
	u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, u32 acked);
};
extern const struct xtcp_cc_ops xtcp_reno;
void xtcp_cc_init(struct sock *sk);
bool xtcp_cc_may_send(struct sock *sk);
void xtcp_cc_acked(struct sock *sk, u32 acked);
void xtcp_cc_enter_recovery(struct sock *sk);
void xtcp_cc_recovered(struct sock *sk);
void xtcp_cc_prr(struct sock *sk, u32 delivered, bool una_advanced);
void xtcp_cc_timeout(struct sock *sk);
void xtcp_cc_reduce(struct sock *sk);

/* sack.c */
u32 xtcp_packets_in_flight(const struct sock *sk);
u32 xtcp_packets_undelivered(const struct sock *sk);
void xtcp_sack_forget(struct sock *sk, const struct sk_buff *skb);
void xtcp_sack_split(struct sock *sk, const struct sk_buff *nskb);
void xtcp_sack_reset(struct sock *sk);
u32 xtcp_sack_rcv(struct sock *sk, const struct sk_buff *ack_skb,
		  u32 *rtt_us);
void xtcp_check_reordering(struct sock *sk, u32 low);
void xtcp_undo_if_delayed(struct sock *sk, u32 prior_una, u32 ecr);
void xtcp_rack_advance(struct sock *sk, const struct xtcp_skb_cb *cb,
		       u32 now_us);
void xtcp_rack_detect_loss(struct sock *sk);
void xtcp_rack_arm_reo(struct sock *sk);
void xtcp_rack_reo_timeout(struct sock *sk);

/* tlp.c */
bool xtcp_tlp_schedule(struct sock *sk, bool advancing);
void xtcp_tlp_timeout(struct sock *sk);
void xtcp_tlp_ack(struct sock *sk, u32 ack, bool una_advanced,
		  bool pure_dupack);
void xtcp_tlp_dsack(struct sock *sk, u32 start, u32 end);

/**
 * xtcp_clock_us() - the clock of segment send times and RTT samples:
 * microseconds of the monotonic clock, cut to 32 bits (proto/rack.h).
 *
 * Return: the clock now.
 */
static inline u32 xtcp_clock_us(void)
{
	return (u32)div_u64(ktime_get_ns(), NSEC_PER_USEC);
}
int xtcp_retransmit_skb(struct sock *sk, struct sk_buff *skb);
void xtcp_retransmit_lost(struct sock *sk, bool force);
void xtcp_recovery_ack(struct sock *sk, u32 acked, bool dupack,
		       u32 prior_undelivered);
void xtcp_recovery_timeout(struct sock *sk);
void xtcp_recovery_marked(struct sock *sk);

/* keepalive.c */
int xtcp_keepalive_get(const struct sock *sk, int optname);
void xtcp_keepalive_reset(struct sock *sk);
void xtcp_set_keepalive(struct sock *sk, int on);
void xtcp_keepalive_timeout(struct sock *sk);

/* window.c */
u8 xtcp_choose_wscale(const struct sock *sk);
u32 xtcp_seg_window(const struct sock *sk, const struct xtcp_skb_cb *cb);
void xtcp_wscale_from_syn(struct sock *sk, u8 peer_wscale);
void xtcp_rcv_rtt_ts(struct sock *sk, u32 tsecr);
void xtcp_rcv_space_adjust(struct sock *sk);

/**
 * enum xtcp_rcv_verdict - what became of a segment's text (rcvq.c).
 * @XTCP_RCV_OLD: nothing new in it.
 * @XTCP_RCV_QUEUED: the skb itself is on the receive queue now.
 * @XTCP_RCV_COPIED: its bytes were copied onto the queue's last skb.
 * @XTCP_RCV_DROPPED: no room in the receive buffer; counted.
 */
enum xtcp_rcv_verdict {
	XTCP_RCV_OLD,
	XTCP_RCV_QUEUED,
	XTCP_RCV_COPIED,
	XTCP_RCV_DROPPED,
};

/* rcvq.c */
u32 xtcp_rcv_window_left(const struct xtcp_sock *xs);
u16 xtcp_current_window(struct sock *sk, bool syn);
u32 xtcp_max_rcv_window(const struct xtcp_sock *xs);
enum xtcp_rcv_verdict xtcp_queue_rcv(struct sock *sk, struct sk_buff *skb);
void xtcp_rcvq_append(struct sock *sk, struct sk_buff *skb);

/* ooo.c */
enum xtcp_rcv_verdict xtcp_ooo_insert(struct sock *sk, struct sk_buff *skb);
bool xtcp_ooo_drain(struct sock *sk);
bool xtcp_ooo_prune(struct sock *sk, u32 seq, unsigned int truesize);
unsigned int xtcp_ooo_sack(const struct sock *sk, struct xtcp_sack_block *out,
			   unsigned int max);
void xtcp_dsack_set(struct sock *sk, u32 start, u32 end, bool ofo);
void xtcp_ooo_purge(struct sock *sk);

/* send.c / recv.c */
int xtcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size);
int xtcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags);
void xtcp_cleanup_rbuf(struct sock *sk, int copied);
struct sk_buff *xtcp_find_seq(struct sock *sk, u32 seq, u32 *offset);

/* sockopt.c */
int xtcp_setsockopt(struct sock *sk, int level, int optname,
		    sockptr_t optval, unsigned int optlen);
int xtcp_getsockopt(struct sock *sk, int level, int optname,
		    char __user *optval, int __user *optlen);
int xtcp_ioctl_value(struct sock *sk, int cmd, int *karg);
int xtcp_set_rcvlowat(struct sock *sk, int val);

/* isn.c */
u32 xtcp_new_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);
u32 xtcp_ts_offset(const struct net *net, __be32 saddr, __be32 daddr,
		   __be16 sport, __be16 dport);

/**
 * struct xtcp_seg_ts - the timestamp option of a received segment.
 * @val: its TSval.
 * @ecr: its TSecr.
 * @has: the segment carried one (and the connection uses them).
 */
struct xtcp_seg_ts {
	u32 val;
	u32 ecr;
	bool has;
};

/* timestamps.c */
u32 xtcp_ts_clock_ms(void);
u32 xtcp_ts_secs(void);
u32 xtcp_tsval(const struct sock *sk);
bool xtcp_skb_ts(const struct sk_buff *skb, u32 *tsval, u32 *tsecr);
void xtcp_ts_connect(struct sock *sk);
void xtcp_ts_syn_in(struct sock *sk, const struct sk_buff *skb);
bool xtcp_ts_paws_reject(struct sock *sk, const struct sk_buff *skb,
			 struct xtcp_seg_ts *ts);
void xtcp_ts_take(struct sock *sk, u32 seq, const struct xtcp_seg_ts *ts);
void xtcp_rtt_from_ts(struct sock *sk, const struct xtcp_seg_ts *ts);
void xtcp_rtt_handshake_done(struct sock *sk, const struct sk_buff *skb);

#endif /* XTCP_H */
