/* SPDX-License-Identifier: GPL-2.0 */
/*
 * buffers.h - arithmetic on socket buffer sizes, which users can push to
 * INT_MAX (SO_SNDBUFFORCE, SO_RCVBUFFORCE): done in 64 bits so that no
 * limit wraps. Pure logic.
 */
#ifndef XTCP_PROTO_BUFFERS_H
#define XTCP_PROTO_BUFFERS_H

#include "types.h"

bool xtcp_sndbuf_wakes(int queued, int sndbuf);
u32 xtcp_backlog_limit(int rcvbuf, int sndbuf, u32 headroom);
u8 xtcp_rcv_wscale(u32 space);
int xtcp_drs_rcvbuf(u32 copied, u32 mss, u32 truesize, int cap);

#endif /* XTCP_PROTO_BUFFERS_H */
