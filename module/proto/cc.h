/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cc.h - congestion window arithmetic (RFC 5681, RFC 6928, Linux's
 * restart after idle), in segments. Pure logic; module/cc.c applies it
 * to sockets through the per-socket congestion-control ops.
 */
#ifndef XTCP_PROTO_CC_H
#define XTCP_PROTO_CC_H

#include "types.h"

/* RFC 6928: the initial window, in segments. */
#define XTCP_INIT_CWND		10
/* Linux's TCP_INFINITE_SSTHRESH: slow start until the first loss. */
#define XTCP_INFINITE_SSTHRESH	0x7fffffffU

/**
 * struct xtcp_cwnd - a congestion window.
 * @cwnd: the window, in segments.
 * @ssthresh: the slow-start threshold, in segments.
 * @cnt: segments acknowledged towards the next increase in congestion
 *	avoidance.
 */
struct xtcp_cwnd {
	u32 cwnd;
	u32 ssthresh;
	u32 cnt;
};

void xtcp_cwnd_init(struct xtcp_cwnd *w);
u32 xtcp_slow_start(struct xtcp_cwnd *w, u32 acked);
void xtcp_cong_avoid_ai(struct xtcp_cwnd *w, u32 per, u32 acked);
void xtcp_reno_increase(struct xtcp_cwnd *w, u32 acked);
u32 xtcp_reno_ssthresh(u32 cwnd);
u32 xtcp_cwnd_restart(u32 cwnd, u32 idle, u32 rto);
u32 xtcp_prr_sndcnt(u32 in_flight, u32 ssthresh, u32 prior_cwnd,
		    u32 prr_delivered, u32 prr_out, u32 delivered,
		    bool una_advanced);

#endif /* XTCP_PROTO_CC_H */
