/* SPDX-License-Identifier: GPL-2.0 */
/*
 * options.h - TCP option parsing and building (RFC 9293 §3.1, RFC 7323,
 * RFC 2018). Pure logic: works on byte buffers, no kernel objects.
 */
#ifndef XTCP_PROTO_OPTIONS_H
#define XTCP_PROTO_OPTIONS_H

#include "types.h"

#define XTCP_OPT_EOL		0
#define XTCP_OPT_NOP		1
#define XTCP_OPT_MSS		2
#define XTCP_OPT_WSCALE		3
#define XTCP_OPT_SACK_PERM	4
#define XTCP_OPT_SACK		5
#define XTCP_OPT_TIMESTAMP	8

#define XTCP_OLEN_MSS		4
#define XTCP_OLEN_WSCALE	3
#define XTCP_OLEN_SACK_PERM	2
#define XTCP_OLEN_TIMESTAMP	10
#define XTCP_OLEN_SACK_BLOCK	8

/* RFC 7323 §2.3: a shift above 14 is treated as 14. */
#define XTCP_MAX_WSCALE		14
/* RFC 2018 §3: at most four blocks fit in 40 bytes of options. */
#define XTCP_MAX_SACK_BLOCKS	4
/* RFC 9293 §3.1: data offset is 4 bits of 32-bit words. */
#define XTCP_MAX_OPTION_BYTES	40
#define XTCP_HEADER_MIN		20
/* Bytes the aligned timestamp option takes in every segment (NOP NOP TS). */
#define XTCP_TS_ALIGNED_LEN	12

/**
 * struct xtcp_sack_block - one SACK block, [@start, @end) in sequence space.
 * @start: first sequence number covered.
 * @end: first sequence number after the block.
 */
struct xtcp_sack_block {
	u32 start;
	u32 end;
};

/**
 * struct xtcp_options - options found in (or to be put in) one segment.
 * @mss: MSS option value, valid if @has_mss.
 * @wscale: window shift, valid if @has_wscale; already clamped to 14.
 * @tsval: timestamp value, valid if @has_ts.
 * @tsecr: timestamp echo reply, valid if @has_ts.
 * @has_mss: an MSS option was present (honoured only on SYNs).
 * @has_wscale: a window-scale option was present (only on SYNs).
 * @sack_permitted: SACK-permitted was present (only on SYNs).
 * @has_ts: a timestamp option was present.
 * @nr_sacks: number of valid entries in @sacks.
 * @sacks: SACK blocks in the order they appeared.
 */
struct xtcp_options {
	u16 mss;
	u8 wscale;
	u32 tsval;
	u32 tsecr;
	bool has_mss;
	bool has_wscale;
	bool sack_permitted;
	bool has_ts;
	u8 nr_sacks;
	struct xtcp_sack_block sacks[XTCP_MAX_SACK_BLOCKS];
};

int xtcp_parse_options(const u8 *opts, unsigned int len, bool syn,
		       struct xtcp_options *out);
bool xtcp_find_ts(const u8 *opts, unsigned int len, u32 *tsval, u32 *tsecr);
unsigned int xtcp_build_options(u8 *buf, const struct xtcp_options *o,
				bool syn);
int xtcp_header_len(unsigned int seg_len, u8 doff_byte);

#endif /* XTCP_PROTO_OPTIONS_H */
