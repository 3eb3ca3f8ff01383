/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synq.h - the rules of a listener's SYN queue: which SYN gets a request,
 * how long a request lives and when its SYN-ACK is sent again. Linux's
 * rules (shared/docs/linux-tcp-reference.md §3); pure logic.
 */
#ifndef XTCP_PROTO_SYNQ_H
#define XTCP_PROTO_SYNQ_H

#include "types.h"

/**
 * enum xtcp_synq_verdict - what becomes of a SYN for a listener.
 * @XTCP_SYNQ_ADMIT: keep a request for it.
 * @XTCP_SYNQ_COOKIE: answer it with a SYN cookie and keep nothing.
 * @XTCP_SYNQ_FULL: the SYN queue is full and cookies are off
 *	(TCPReqQFullDrop).
 * @XTCP_SYNQ_RESERVED: only the last quarter of max_syn_backlog is left,
 *	kept for peers already proven (Linux counts these as ListenDrops).
 * @XTCP_SYNQ_ACCEPT_FULL: the accept queue is full (ListenOverflows).
 */
enum xtcp_synq_verdict {
	XTCP_SYNQ_ADMIT,
	XTCP_SYNQ_COOKIE,
	XTCP_SYNQ_FULL,
	XTCP_SYNQ_RESERVED,
	XTCP_SYNQ_ACCEPT_FULL,
};

/**
 * struct xtcp_synq_state - what decides a SYN's fate.
 * @qlen: requests the listener holds now.
 * @acceptq_len: connections waiting for accept().
 * @backlog: the listen backlog, min(listen()'s argument, somaxconn).
 * @max_syn_backlog: net.xtcp.max_syn_backlog (negative counts as 0).
 * @syncookies: net.xtcp.syncookies: 0 off, 2 always, else on overflow.
 * @reopens_time_wait: the SYN ends a TIME_WAIT of its 4-tuple.
 */
struct xtcp_synq_state {
	u32 qlen;
	u32 acceptq_len;
	u32 backlog;
	s32 max_syn_backlog;
	u8 syncookies;
	bool reopens_time_wait;
};

enum xtcp_synq_verdict xtcp_synq_admit(const struct xtcp_synq_state *st);
unsigned int xtcp_synack_thresh(u32 qlen, u32 young, u32 backlog,
				unsigned int max_retries);
void xtcp_synack_recalc(unsigned int num_timeout, bool acked,
			unsigned int defer, unsigned int thresh, bool *expire,
			bool *resend);
bool xtcp_defer_drops_ack(unsigned int num_timeout, unsigned int defer,
			  bool has_data);

#endif /* XTCP_PROTO_SYNQ_H */
