/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rack.h - the time rules of RACK (RFC 8985) that need no socket: which of
 * two transmissions went out later, how much reordering to allow for, how
 * long a segment sent before a delivered one may still be on its way, and
 * when a tail loss probe goes (§7).
 * module/rack.c applies them to the write queue.
 *
 * Times are a microsecond clock cut to 32 bits (it wraps every 71
 * minutes); differences are taken modulo 2^32, so they are right for
 * transmissions less than 35 minutes apart.
 */
#ifndef XTCP_PROTO_RACK_H
#define XTCP_PROTO_RACK_H

#include "types.h"

bool xtcp_rack_sent_after(u32 t1, u32 end1, u32 t2, u32 end2);
u32 xtcp_rack_reo_wnd(u32 min_rtt_us, u32 srtt_us, bool reord_seen,
		      bool no_wait);
s32 xtcp_rack_remaining(u32 now_us, u32 xmit_us, u32 rack_rtt_us,
			u32 reo_wnd_us);
u32 xtcp_tlp_pto_us(u32 srtt8_us, u32 packets_out, u32 rto_min_us);

#endif /* XTCP_PROTO_RACK_H */
