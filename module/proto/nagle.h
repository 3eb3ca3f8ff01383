/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nagle.h - when a partly filled segment waits for more data: Nagle's
 * algorithm (RFC 896, RFC 1122 §4.2.3.4) in Linux's form, Minshall's
 * variant, with TCP_NODELAY, TCP_CORK and MSG_MORE. Pure logic; output.c
 * applies it to the last segment of the write queue.
 */
#ifndef XTCP_PROTO_NAGLE_H
#define XTCP_PROTO_NAGLE_H

#include "types.h"

/* What a push is asked to do with a partly filled last segment. */
#define XTCP_NAGLE_OFF	0x1	/* TCP_NODELAY: no Nagle */
#define XTCP_NAGLE_CORK	0x2	/* TCP_CORK or MSG_MORE: wait for a full one */
#define XTCP_NAGLE_PUSH	0x4	/* send it now whatever the rest says */

bool xtcp_nagle_hold(u32 len, u32 mss, unsigned int mode, bool fin,
		     u32 snd_sml, u32 snd_una, u32 snd_nxt);
u32 xtcp_nagle_sent(u32 snd_sml, u32 len, u32 mss, u32 end_seq);

#endif /* XTCP_PROTO_NAGLE_H */
