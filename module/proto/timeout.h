/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timeout.h - retransmission backoff and connection-lifetime arithmetic.
 * Unit-agnostic (callers pass jiffies or milliseconds). Pure logic.
 */
#ifndef XTCP_PROTO_TIMEOUT_H
#define XTCP_PROTO_TIMEOUT_H

#include "types.h"

u32 xtcp_backoff(u32 base, unsigned int shift, u32 cap);
u64 xtcp_give_up_time(unsigned int retries, u32 base, u32 cap);
u32 xtcp_fin_wait2_time(int fin_timeout, u32 rto);
unsigned int xtcp_orphan_retries(unsigned int sysctl_val, bool alive);
u32 xtcp_isn(u32 keyed_hash, u64 clock_ns);
void xtcp_rtt_update(u32 *srtt8, u32 *rttvar4, u32 m);
u32 xtcp_rto_from(u32 srtt8, u32 rttvar4, u32 floor, u32 cap);

#endif /* XTCP_PROTO_TIMEOUT_H */
