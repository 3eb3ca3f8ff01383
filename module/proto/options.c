// SPDX-License-Identifier: GPL-2.0
/*
 * options.c - parse the options area of a received segment and build the
 * options area of one we send. Shared by xtcp.ko and the user-space unit
 * tests and fuzzer, so it touches nothing but the buffers it is given.
 */
#include "options.h"

static void xtcp_take_option(u8 kind, const u8 *p, u8 olen, bool syn,
			     struct xtcp_options *out)
{
	/*
	 * A known option with an unexpected length is ignored, as are
	 * SYN-only options on other segments (RFC 7323 §2.2, RFC 2018 §2).
	 */
	switch (kind) {
	case XTCP_OPT_MSS:
		if (olen == XTCP_OLEN_MSS && syn) {
			out->mss = xtcp_get_be16(p + 2);
			out->has_mss = true;
		}
		break;
	case XTCP_OPT_WSCALE:
		if (olen == XTCP_OLEN_WSCALE && syn) {
			out->wscale = min_t(u8, p[2], XTCP_MAX_WSCALE);
			out->has_wscale = true;
		}
		break;
	case XTCP_OPT_SACK_PERM:
		if (olen == XTCP_OLEN_SACK_PERM && syn)
			out->sack_permitted = true;
		break;
	case XTCP_OPT_TIMESTAMP:
		if (olen == XTCP_OLEN_TIMESTAMP) {
			out->tsval = xtcp_get_be32(p + 2);
			out->tsecr = xtcp_get_be32(p + 6);
			out->has_ts = true;
		}
		break;
	case XTCP_OPT_SACK:
		if (olen >= 2 + XTCP_OLEN_SACK_BLOCK &&
		    (olen - 2) % XTCP_OLEN_SACK_BLOCK == 0 && !syn) {
			unsigned int i, n = (olen - 2) / XTCP_OLEN_SACK_BLOCK;

			n = min_t(unsigned int, n, XTCP_MAX_SACK_BLOCKS);
			for (i = 0; i < n; i++) {
				const u8 *b = p + 2 + i * XTCP_OLEN_SACK_BLOCK;

				out->sacks[i].start = xtcp_get_be32(b);
				out->sacks[i].end = xtcp_get_be32(b + 4);
			}
			out->nr_sacks = n;
		}
		break;
	default:
		break;	/* RFC 9293 §3.1: unknown options are skipped */
	}
}

/**
 * xtcp_parse_options() - decode the options area of a segment.
 * @opts: first byte after the fixed 20-byte header.
 * @len: bytes of options (data offset * 4 - 20), at most 40.
 * @syn: the segment carries SYN, so SYN-only options count.
 * @out: filled in; fields whose has_ flag is false are zero.
 *
 * Return: 0, or -EINVAL if an option's length is below 2 or runs past the
 * end of the area (RFC 9293 MUST-7: a malformed length is an error; the
 * caller drops and counts the segment).
 */
int xtcp_parse_options(const u8 *opts, unsigned int len, bool syn,
		       struct xtcp_options *out)
{
	unsigned int off = 0;

	memset(out, 0, sizeof(*out));
	if (len > XTCP_MAX_OPTION_BYTES)
		return -EINVAL;

	while (off < len) {
		u8 kind = opts[off];
		u8 olen;

		if (kind == XTCP_OPT_EOL)
			break;
		if (kind == XTCP_OPT_NOP) {
			off++;
			continue;
		}
		if (off + 1 >= len)
			return -EINVAL;
		olen = opts[off + 1];
		if (olen < 2 || olen > len - off)
			return -EINVAL;
		xtcp_take_option(kind, opts + off, olen, syn, out);
		off += olen;
	}
	return 0;
}

/**
 * xtcp_find_ts() - the timestamp option of an options area already checked
 * by xtcp_parse_options(). The common aligned form (NOP, NOP, TS first,
 * RFC 7323 Appendix A) is read directly; anything else is parsed.
 * @opts: first byte after the fixed 20-byte header.
 * @len: bytes of options.
 * @tsval: set to the TSval if found.
 * @tsecr: set to the TSecr if found.
 *
 * Return: true if the area holds a timestamp option.
 */
bool xtcp_find_ts(const u8 *opts, unsigned int len, u32 *tsval, u32 *tsecr)
{
	struct xtcp_options o;

	if (len >= 12 && opts[0] == XTCP_OPT_NOP && opts[1] == XTCP_OPT_NOP &&
	    opts[2] == XTCP_OPT_TIMESTAMP && opts[3] == XTCP_OLEN_TIMESTAMP) {
		*tsval = xtcp_get_be32(opts + 4);
		*tsecr = xtcp_get_be32(opts + 8);
		return true;
	}
	if (!len || xtcp_parse_options(opts, len, false, &o) || !o.has_ts)
		return false;
	*tsval = o.tsval;
	*tsecr = o.tsecr;
	return true;
}

/**
 * xtcp_build_options() - write the options area for an outgoing segment.
 * @buf: room for XTCP_MAX_OPTION_BYTES bytes.
 * @o: which options to send. MSS, window scale and SACK-permitted are
 *     written only when @syn is set; timestamps whenever @o->has_ts; SACK
 *     blocks (as many as fit: 3 beside a timestamp, else 4) only when
 *     @syn is not set.
 * @syn: the segment is a SYN or SYN-ACK.
 *
 * Layout follows the common 4-byte-aligned forms (RFC 7323 Appendix A) so
 * middleboxes and capture tools see what they see from other stacks.
 *
 * Return: bytes written, a multiple of 4.
 */
unsigned int xtcp_build_options(u8 *buf, const struct xtcp_options *o,
				bool syn)
{
	unsigned int off = 0;

	if (syn && o->has_mss) {
		buf[off++] = XTCP_OPT_MSS;
		buf[off++] = XTCP_OLEN_MSS;
		xtcp_put_be16(buf + off, o->mss);
		off += 2;
	}
	if (syn && o->sack_permitted && o->has_ts) {
		buf[off++] = XTCP_OPT_SACK_PERM;
		buf[off++] = XTCP_OLEN_SACK_PERM;
	} else if (o->has_ts || (syn && o->sack_permitted)) {
		buf[off++] = XTCP_OPT_NOP;
		buf[off++] = XTCP_OPT_NOP;
		if (!o->has_ts) {
			buf[off++] = XTCP_OPT_SACK_PERM;
			buf[off++] = XTCP_OLEN_SACK_PERM;
		}
	}
	if (o->has_ts) {
		buf[off++] = XTCP_OPT_TIMESTAMP;
		buf[off++] = XTCP_OLEN_TIMESTAMP;
		xtcp_put_be32(buf + off, o->tsval);
		xtcp_put_be32(buf + off + 4, o->tsecr);
		off += 8;
	}
	if (syn && o->has_wscale) {
		buf[off++] = XTCP_OPT_NOP;
		buf[off++] = XTCP_OPT_WSCALE;
		buf[off++] = XTCP_OLEN_WSCALE;
		buf[off++] = o->wscale;
	}
	if (!syn && o->nr_sacks) {
		/* What fits beside a timestamp: 3 blocks, else 4 (RFC 2018). */
		unsigned int i, n = min_t(unsigned int, o->nr_sacks,
					  o->has_ts ? 3 : XTCP_MAX_SACK_BLOCKS);

		buf[off++] = XTCP_OPT_NOP;
		buf[off++] = XTCP_OPT_NOP;
		buf[off++] = XTCP_OPT_SACK;
		buf[off++] = 2 + n * XTCP_OLEN_SACK_BLOCK;
		for (i = 0; i < n; i++) {
			xtcp_put_be32(buf + off, o->sacks[i].start);
			xtcp_put_be32(buf + off + 4, o->sacks[i].end);
			off += XTCP_OLEN_SACK_BLOCK;
		}
	}
	return off;
}

/**
 * xtcp_header_len() - validate the data offset of a received segment.
 * @seg_len: bytes from the start of the TCP header to the end of the IP
 *           payload.
 * @doff_byte: byte 12 of the header (data offset in its high nibble).
 *
 * Return: header length in bytes (20..60), or -EINVAL if the segment is
 * shorter than a header or the offset points outside it.
 */
int xtcp_header_len(unsigned int seg_len, u8 doff_byte)
{
	unsigned int hlen = (doff_byte >> 4) * 4;

	if (seg_len < XTCP_HEADER_MIN || hlen < XTCP_HEADER_MIN ||
	    hlen > seg_len)
		return -EINVAL;
	return hlen;
}
