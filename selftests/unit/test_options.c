// SPDX-License-Identifier: GPL-2.0
/*
 * test_options.c - TCP option parsing and building (module/proto/options.c):
 * RFC 9293 §3.1 (option format, EOL/NOP, unknown kinds, MUST-7 length
 * check), RFC 9293 §3.7.1 (MSS), RFC 7323 §2 (window scale, clamp to 14)
 * and §3 (timestamps), RFC 2018 (SACK-permitted, SACK blocks), and the
 * data-offset check of xtcp_header_len().
 *
 * Every parse buffer is allocated with exactly its length so ASan flags any
 * read past the options area.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "options.h"

/* Parse @len bytes copied into a heap buffer of exactly that size. */
static int parse(const u8 *bytes, unsigned int len, bool syn,
		 struct xtcp_options *o)
{
	u8 *buf = malloc(len ? len : 1);
	int ret;

	if (!buf)
		abort();
	if (len)
		memcpy(buf, bytes, len);
	ret = xtcp_parse_options(buf, len, syn, o);
	free(buf);
	return ret;
}

#define PARSE(arr, syn, o) parse(arr, sizeof(arr), syn, o)

/* True if no option was recorded at all. */
static bool opts_empty(const struct xtcp_options *o)
{
	struct xtcp_options zero;

	memset(&zero, 0, sizeof(zero));
	return !memcmp(o, &zero, sizeof(zero));
}

TEST(empty_area)
{
	struct xtcp_options o;

	memset(&o, 0xaa, sizeof(o));
	ASSERT_EQ(0, xtcp_parse_options(NULL, 0, true, &o));
	/* The result is fully cleared, not left with stale bytes. */
	EXPECT_TRUE(opts_empty(&o));
}

TEST(mss)
{
	const u8 a[] = { 2, 4, 0x05, 0xb4 };
	struct xtcp_options o;

	ASSERT_EQ(0, PARSE(a, true, &o));
	EXPECT_TRUE(o.has_mss);
	EXPECT_EQ(1460, o.mss);
	EXPECT_FALSE(o.has_wscale);
	EXPECT_FALSE(o.sack_permitted);
	EXPECT_FALSE(o.has_ts);
	EXPECT_EQ(0, o.nr_sacks);
}

TEST(mss_extremes)
{
	const u8 lo[] = { 2, 4, 0x00, 0x00 };
	const u8 hi[] = { 2, 4, 0xff, 0xff };
	struct xtcp_options o;

	ASSERT_EQ(0, PARSE(lo, true, &o));
	EXPECT_TRUE(o.has_mss);
	EXPECT_EQ(0, o.mss);
	ASSERT_EQ(0, PARSE(hi, true, &o));
	EXPECT_EQ(0xffff, o.mss);
}

TEST(wscale_and_clamp)
{
	/* RFC 7323 §2.3: a shift above 14 is used as 14. */
	static const struct { u8 in, want; } cases[] = {
		{ 0, 0 }, { 1, 1 }, { 7, 7 }, { 13, 13 }, { 14, 14 },
		{ 15, 14 }, { 16, 14 }, { 128, 14 }, { 255, 14 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const u8 a[] = { 1, 3, 3, cases[i].in };
		struct xtcp_options o;

		ASSERT_EQ(0, PARSE(a, true, &o));
		EXPECT_TRUE(o.has_wscale);
		EXPECT_EQ(cases[i].want, o.wscale)
			TH_LOG("wscale %u", cases[i].in);
	}
}

TEST(sack_permitted)
{
	const u8 a[] = { 1, 1, 4, 2 };
	struct xtcp_options o;

	ASSERT_EQ(0, PARSE(a, true, &o));
	EXPECT_TRUE(o.sack_permitted);
	EXPECT_FALSE(o.has_mss);
}

TEST(timestamp_on_syn_and_not)
{
	const u8 a[] = { 1, 1, 8, 10, 0x01, 0x02, 0x03, 0x04,
			 0xfe, 0xdc, 0xba, 0x98 };
	struct xtcp_options o;
	int syn;

	/* RFC 7323 §3.2: TSopt may be on any segment once negotiated. */
	for (syn = 0; syn <= 1; syn++) {
		ASSERT_EQ(0, PARSE(a, syn, &o));
		EXPECT_TRUE(o.has_ts);
		EXPECT_EQ(0x01020304u, o.tsval);
		EXPECT_EQ(0xfedcba98u, o.tsecr);
	}
}

TEST(linux_syn)
{
	/* What Linux puts in a SYN: MSS, SACK_PERM, TS, NOP, WS. */
	const u8 a[] = { 2, 4, 0xff, 0xd7, 4, 2, 8, 10, 0x9a, 0xbc, 0xde,
			 0xf0, 0, 0, 0, 0, 1, 3, 3, 7 };
	struct xtcp_options o;

	ASSERT_EQ(0, PARSE(a, true, &o));
	EXPECT_TRUE(o.has_mss);
	EXPECT_EQ(65495, o.mss);
	EXPECT_TRUE(o.sack_permitted);
	EXPECT_TRUE(o.has_ts);
	EXPECT_EQ(0x9abcdef0u, o.tsval);
	EXPECT_EQ(0, o.tsecr);
	EXPECT_TRUE(o.has_wscale);
	EXPECT_EQ(7, o.wscale);
	EXPECT_EQ(0, o.nr_sacks);
}

TEST(syn_only_options_ignored_without_syn)
{
	/* RFC 7323 §2.2, RFC 2018 §2, RFC 9293 §3.7.1: SYN only. */
	const u8 a[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2 };
	struct xtcp_options o;

	ASSERT_EQ(0, PARSE(a, false, &o));
	EXPECT_FALSE(o.has_mss);
	EXPECT_EQ(0, o.mss);
	EXPECT_FALSE(o.has_wscale);
	EXPECT_EQ(0, o.wscale);
	EXPECT_FALSE(o.sack_permitted);
	EXPECT_TRUE(opts_empty(&o));
}

TEST(sack_ignored_on_syn)
{
	const u8 a[] = { 1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
	struct xtcp_options o;

	ASSERT_EQ(0, PARSE(a, true, &o));
	EXPECT_EQ(0, o.nr_sacks);
	ASSERT_EQ(0, PARSE(a, false, &o));
	EXPECT_EQ(1, o.nr_sacks);
}

TEST(sack_blocks_1_to_4)
{
	unsigned int n, i;

	for (n = 1; n <= XTCP_MAX_SACK_BLOCKS; n++) {
		u8 a[2 + 2 + 8 * XTCP_MAX_SACK_BLOCKS];
		unsigned int len = 2 + 2 + 8 * n;
		struct xtcp_options o;

		a[0] = 1;
		a[1] = 1;
		a[2] = 5;
		a[3] = 2 + 8 * n;
		for (i = 0; i < n; i++) {
			/* Distinct values, the last one wrapping past 0. */
			xtcp_put_be32(a + 4 + 8 * i, 0xfffffff0u + 0x100 * i);
			xtcp_put_be32(a + 8 + 8 * i, 0x10 + 0x100 * i);
		}
		ASSERT_EQ(0, parse(a, len, false, &o));
		ASSERT_EQ(n, o.nr_sacks);
		for (i = 0; i < n; i++) {
			EXPECT_EQ(0xfffffff0u + 0x100 * i, o.sacks[i].start);
			EXPECT_EQ(0x10 + 0x100 * i, o.sacks[i].end);
		}
		/* Entries past nr_sacks stay zero. */
		for (i = n; i < XTCP_MAX_SACK_BLOCKS; i++) {
			EXPECT_EQ(0, o.sacks[i].start);
			EXPECT_EQ(0, o.sacks[i].end);
		}
	}
}

TEST(sack_with_timestamp)
{
	/* The usual ACK: NOP NOP TS NOP NOP SACK(3 blocks) = 40 bytes. */
	u8 a[40] = { 1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6, 1, 1, 5, 26 };
	struct xtcp_options o;
	unsigned int i;

	for (i = 0; i < 6; i++)
		xtcp_put_be32(a + 16 + 4 * i, 1000 * (i + 1));
	ASSERT_EQ(0, PARSE(a, false, &o));
	EXPECT_TRUE(o.has_ts);
	EXPECT_EQ(5, o.tsval);
	EXPECT_EQ(6, o.tsecr);
	ASSERT_EQ(3, o.nr_sacks);
	EXPECT_EQ(1000, o.sacks[0].start);
	EXPECT_EQ(2000, o.sacks[0].end);
	EXPECT_EQ(5000, o.sacks[2].start);
	EXPECT_EQ(6000, o.sacks[2].end);
}

TEST(sack_bad_lengths_ignored)
{
	/* Not 2 + 8k, or no block at all: ignored, not an error. */
	static const u8 lens[] = { 2, 3, 9, 11, 14, 17, 19, 25, 33, 35, 37 };
	unsigned int i;

	for (i = 0; i < sizeof(lens); i++) {
		u8 a[40];
		struct xtcp_options o;

		memset(a, 0x11, sizeof(a));
		a[0] = 5;
		a[1] = lens[i];
		ASSERT_EQ(0, parse(a, lens[i], false, &o))
			TH_LOG("SACK length %u", lens[i]);
		EXPECT_EQ(0, o.nr_sacks) TH_LOG("SACK length %u", lens[i]);
	}
}

TEST(nop_and_eol)
{
	const u8 nops[] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	/* EOL ends the list: the garbage after it must not be looked at. */
	const u8 eol[] = { 2, 4, 0x02, 0x18, 0, 0xff, 0x00, 2, 4, 9, 9 };
	const u8 eol_first[] = { 0, 2, 4, 0x05, 0xb4 };
	struct xtcp_options o;

	ASSERT_EQ(0, PARSE(nops, true, &o));
	EXPECT_TRUE(opts_empty(&o));

	ASSERT_EQ(0, PARSE(eol, true, &o));
	EXPECT_TRUE(o.has_mss);
	EXPECT_EQ(0x218, o.mss);

	ASSERT_EQ(0, PARSE(eol_first, true, &o));
	EXPECT_TRUE(opts_empty(&o));
}

TEST(unknown_option_skipped)
{
	/* Kinds 30 (MPTCP), 34 (TFO), 254 (experimental), then MSS. */
	const u8 a[] = { 30, 4, 0xee, 0xee, 34, 2, 254, 6, 0xf9, 0x89, 1, 2,
			 2, 4, 0x05, 0x00 };
	struct xtcp_options o;

	ASSERT_EQ(0, PARSE(a, true, &o));
	EXPECT_TRUE(o.has_mss);
	EXPECT_EQ(0x500, o.mss);
}

TEST(known_option_wrong_length_skipped)
{
	/*
	 * MSS of length 6, WS of 4, TS of 8 and SACK_PERM of 3 are skipped
	 * by their length field; the following valid MSS is still seen.
	 */
	const u8 a[] = { 2, 6, 1, 2, 3, 4, 3, 4, 9, 9, 8, 8, 1, 2, 3, 4, 5,
			 6, 4, 3, 0, 2, 4, 0x01, 0x00 };
	struct xtcp_options o;

	ASSERT_EQ(0, PARSE(a, true, &o));
	EXPECT_TRUE(o.has_mss);
	EXPECT_EQ(0x100, o.mss);
	EXPECT_FALSE(o.has_wscale);
	EXPECT_FALSE(o.has_ts);
	EXPECT_FALSE(o.sack_permitted);
}

TEST(bad_length_is_einval)
{
	/* RFC 9293 MUST-7: a malformed length is an error. */
	const u8 zero[] = { 30, 0, 1, 1 };
	const u8 one[] = { 2, 1, 1, 1 };
	const u8 no_len_byte[] = { 1, 1, 1, 8 };
	const u8 overlong[] = { 8, 10, 0, 0, 0, 0, 0, 0, 0 };
	const u8 overlong_unknown[] = { 1, 1, 99, 3 };
	const u8 after_good[] = { 2, 4, 5, 0xb4, 3, 3, 7, 8 };
	struct xtcp_options o;

	EXPECT_EQ(-EINVAL, PARSE(zero, true, &o));
	EXPECT_EQ(-EINVAL, PARSE(one, true, &o));
	EXPECT_EQ(-EINVAL, PARSE(no_len_byte, true, &o));
	EXPECT_EQ(-EINVAL, PARSE(overlong, true, &o));
	EXPECT_EQ(-EINVAL, PARSE(overlong_unknown, false, &o));
	/* An error after valid options still fails the whole area. */
	EXPECT_EQ(-EINVAL, PARSE(after_good, true, &o));
}

TEST(length_exactly_to_end)
{
	/* An option ending on the last byte of the area is fine. */
	const u8 a[] = { 1, 1, 1, 1, 254, 4, 0, 0 };
	const u8 b[] = { 2, 4, 0x05, 0xb4 };
	struct xtcp_options o;

	EXPECT_EQ(0, PARSE(a, true, &o));
	/* One byte short of the MSS: now it runs past the end. */
	EXPECT_EQ(-EINVAL, parse(b, 3, true, &o));
	EXPECT_EQ(-EINVAL, parse(b, 2, true, &o));
	EXPECT_EQ(-EINVAL, parse(b, 1, true, &o));
	EXPECT_EQ(0, parse(b, 4, true, &o));
}

TEST(forty_byte_limit)
{
	u8 a[41];
	struct xtcp_options o;

	/* RFC 9293 §3.1: data offset caps options at 40 bytes. */
	memset(a, XTCP_OPT_NOP, sizeof(a));
	EXPECT_EQ(0, parse(a, 40, true, &o));
	EXPECT_EQ(-EINVAL, parse(a, 41, true, &o));
	EXPECT_EQ(-EINVAL, xtcp_parse_options(a, 0xffffffffu, true, &o));

	/* One 40-byte unknown option fills the area exactly. */
	memset(a, 0, sizeof(a));
	a[0] = 253;
	a[1] = 40;
	EXPECT_EQ(0, parse(a, 40, true, &o));
	a[1] = 41;
	EXPECT_EQ(-EINVAL, parse(a, 40, true, &o));
}

TEST(later_duplicate_wins)
{
	const u8 a[] = { 2, 4, 0, 100, 2, 4, 0, 200 };
	struct xtcp_options o;

	ASSERT_EQ(0, PARSE(a, true, &o));
	EXPECT_EQ(200, o.mss);
}

/* Bits of the combination index used by the build tests. */
#define C_SYN	0x01
#define C_MSS	0x02
#define C_WS	0x04
#define C_SP	0x08
#define C_TS	0x10
#define C_ALL	0x20

static void combo(unsigned int c, unsigned int v, struct xtcp_options *o)
{
	memset(o, 0, sizeof(*o));
	o->has_mss = c & C_MSS;
	o->mss = c & C_MSS ? 536 + 977 * v : 0;
	o->has_wscale = c & C_WS;
	o->wscale = c & C_WS ? v % 15 : 0;
	o->sack_permitted = c & C_SP;
	o->has_ts = c & C_TS;
	o->tsval = c & C_TS ? 0xfffffff0u + 0x1234567u * v : 0;
	o->tsecr = c & C_TS ? 0x89abcdefu * v : 0;
}

TEST(build_parse_roundtrip_all_combos)
{
	unsigned int c, v;

	for (c = 0; c < C_ALL; c++) {
		for (v = 0; v < 16; v++) {
			bool syn = c & C_SYN;
			struct xtcp_options in, out;
			u8 buf[XTCP_MAX_OPTION_BYTES + 16];
			unsigned int len, i;

			combo(c, v, &in);
			memset(buf, 0xa5, sizeof(buf));
			len = xtcp_build_options(buf, &in, syn);
			ASSERT_EQ(0, len % 4) TH_LOG("combo %#x", c);
			ASSERT_LE(len, XTCP_MAX_OPTION_BYTES);
			/* Nothing written past what was reported. */
			for (i = len; i < sizeof(buf); i++)
				ASSERT_EQ(0xa5, buf[i]) TH_LOG("combo %#x", c);

			ASSERT_EQ(0, parse(buf, len, syn, &out));
			EXPECT_EQ(syn && in.has_mss, out.has_mss);
			EXPECT_EQ(syn && in.has_mss ? in.mss : 0, out.mss);
			EXPECT_EQ(syn && in.has_wscale, out.has_wscale);
			EXPECT_EQ(syn && in.has_wscale ? in.wscale : 0,
				  out.wscale);
			EXPECT_EQ(syn && in.sack_permitted, out.sack_permitted);
			EXPECT_EQ(in.has_ts, out.has_ts);
			EXPECT_EQ(in.tsval, out.tsval);
			EXPECT_EQ(in.tsecr, out.tsecr);
			EXPECT_EQ(0, out.nr_sacks);

			/*
			 * SYN-only options must not even be written on
			 * other segments: parsing as a SYN sees none.
			 */
			if (!syn) {
				ASSERT_EQ(0, parse(buf, len, true, &out));
				EXPECT_FALSE(out.has_mss);
				EXPECT_FALSE(out.has_wscale);
				EXPECT_FALSE(out.sack_permitted);
			}
		}
	}
}

TEST(build_linux_layout)
{
	/* Byte-for-byte what Linux sends, so captures look familiar. */
	const u8 syn_all[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1,
			       0, 0, 0, 0, 1, 3, 3, 7 };
	const u8 syn_nots[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7 };
	const u8 ack_ts[] = { 1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 1 };
	struct xtcp_options o;
	u8 buf[XTCP_MAX_OPTION_BYTES];
	unsigned int len;

	memset(&o, 0, sizeof(o));
	o.has_mss = true;
	o.mss = 1460;
	o.sack_permitted = true;
	o.has_ts = true;
	o.tsval = 1;
	o.has_wscale = true;
	o.wscale = 7;
	len = xtcp_build_options(buf, &o, true);
	ASSERT_EQ(sizeof(syn_all), len);
	EXPECT_EQ(0, memcmp(buf, syn_all, len));

	o.has_ts = false;
	len = xtcp_build_options(buf, &o, true);
	ASSERT_EQ(sizeof(syn_nots), len);
	EXPECT_EQ(0, memcmp(buf, syn_nots, len));

	o.has_ts = true;
	o.tsval = 2;
	o.tsecr = 1;
	len = xtcp_build_options(buf, &o, false);
	ASSERT_EQ(sizeof(ack_ts), len);
	EXPECT_EQ(0, memcmp(buf, ack_ts, len));

	memset(&o, 0, sizeof(o));
	EXPECT_EQ(0, xtcp_build_options(buf, &o, true));
	EXPECT_EQ(0, xtcp_build_options(buf, &o, false));
}

TEST(build_wscale_written_as_given)
{
	/* The builder sends what it is told; the parser clamps on input. */
	struct xtcp_options o, out;
	u8 buf[XTCP_MAX_OPTION_BYTES];
	unsigned int len;

	memset(&o, 0, sizeof(o));
	o.has_wscale = true;
	o.wscale = 14;
	len = xtcp_build_options(buf, &o, true);
	ASSERT_EQ(4, len);
	ASSERT_EQ(0, parse(buf, len, true, &out));
	EXPECT_EQ(14, out.wscale);
}

TEST(header_len_bounds)
{
	/* doff 5..15 words; the low nibble (reserved, AE) is ignored. */
	EXPECT_EQ(20, xtcp_header_len(20, 0x50));
	EXPECT_EQ(20, xtcp_header_len(20, 0x5f));
	EXPECT_EQ(60, xtcp_header_len(60, 0xf0));
	EXPECT_EQ(60, xtcp_header_len(1500, 0xf0));
	EXPECT_EQ(-EINVAL, xtcp_header_len(59, 0xf0));
	EXPECT_EQ(-EINVAL, xtcp_header_len(19, 0x50));
	EXPECT_EQ(-EINVAL, xtcp_header_len(0, 0x50));
	EXPECT_EQ(-EINVAL, xtcp_header_len(100, 0x40));
	EXPECT_EQ(-EINVAL, xtcp_header_len(100, 0x00));
	EXPECT_EQ(-EINVAL, xtcp_header_len(100, 0x0f));
}

TEST(header_len_exhaustive)
{
	unsigned int seg, b;

	/* Against the definition: 20 <= doff * 4 <= seg_len. */
	for (seg = 0; seg < 80; seg++) {
		for (b = 0; b < 256; b++) {
			int hlen = (b >> 4) * 4;
			int want = hlen >= 20 && hlen <= (int)seg ?
				   hlen : -EINVAL;
			int got = xtcp_header_len(seg, b);

			ASSERT_EQ(want, got) TH_LOG("seg %u doff %#x", seg, b);
		}
	}
	EXPECT_EQ(40, xtcp_header_len(0xffffffffu, 0xa0));
}

/* SACK blocks: written after the timestamp, as many as fit, read back. */
TEST(build_sack_blocks)
{
	struct xtcp_options in = { 0 }, out;
	u8 buf[XTCP_MAX_OPTION_BYTES];
	unsigned int len, i;

	in.nr_sacks = 4;
	for (i = 0; i < 4; i++) {
		in.sacks[i].start = 1000 * (i + 1);
		in.sacks[i].end = 1000 * (i + 1) + 500;
	}
	len = xtcp_build_options(buf, &in, false);
	EXPECT_EQ(4 + 4 * 8, len);
	ASSERT_EQ(0, parse(buf, len, false, &out));
	ASSERT_EQ(4, out.nr_sacks);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(in.sacks[i].start, out.sacks[i].start);
		EXPECT_EQ(in.sacks[i].end, out.sacks[i].end);
	}
	in.has_ts = true;
	in.tsval = 7;
	len = xtcp_build_options(buf, &in, false);
	EXPECT_EQ(12 + 4 + 3 * 8, len);
	ASSERT_EQ(0, parse(buf, len, false, &out));
	EXPECT_TRUE(out.has_ts);
	EXPECT_EQ(3, out.nr_sacks);
	EXPECT_EQ(3000u, out.sacks[2].start);
	/* never on a SYN */
	EXPECT_EQ(12u, xtcp_build_options(buf, &in, true));
}

/* xtcp_find_ts() on a heap copy of exactly @len bytes (ASan sees overreads). */
static bool find_ts(const u8 *area, unsigned int len, u32 *val, u32 *ecr)
{
	u8 *b = malloc(len);
	bool found;

	memcpy(b, area, len);
	found = xtcp_find_ts(b, len, val, ecr);
	free(b);
	return found;
}

/* The aligned form is read directly, any other layout through the parser. */
TEST(find_ts_fast_and_slow)
{
	const u8 aligned[] = { 1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9 };
	const u8 after_sack[] = { 1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2,
				  8, 10, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0 };
	const u8 none[] = { 1, 1, 1, 0 };
	const u8 truncated[] = { 1, 1, 8, 10, 0, 0 };
	u32 val = 0, ecr = 0;

	EXPECT_TRUE(find_ts(aligned, sizeof(aligned), &val, &ecr));
	EXPECT_EQ(7u, val);
	EXPECT_EQ(9u, ecr);
	EXPECT_TRUE(find_ts(after_sack, sizeof(after_sack), &val, &ecr));
	EXPECT_EQ(256u, val);
	EXPECT_EQ(512u, ecr);
	EXPECT_FALSE(find_ts(none, sizeof(none), &val, &ecr));
	/* too short for the fast path, and malformed for the parser */
	EXPECT_FALSE(find_ts(truncated, sizeof(truncated), &val, &ecr));
	EXPECT_FALSE(xtcp_find_ts(NULL, 0, &val, &ecr));
}

TEST_HARNESS_MAIN
