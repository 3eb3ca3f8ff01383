/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rate.h - the arithmetic of delivery-rate samples (as Linux's tcp_rate.c
 * and draft-cheng-iccrg-delivery-rate-estimation): how long a sample
 * spans and what rate it shows. module/rate.c takes the samples.
 */
#ifndef XTCP_PROTO_RATE_H
#define XTCP_PROTO_RATE_H

#include "types.h"

u32 xtcp_rate_interval(u32 send_us, u32 ack_us, u32 min_rtt_us);
u64 xtcp_delivery_rate(u32 delivered, u32 mss, u32 interval_us);

#endif /* XTCP_PROTO_RATE_H */
