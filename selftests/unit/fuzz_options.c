// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_options.c - fuzz target for the header/option parser of
 * module/proto/options.c (RFC 9293 §3.1, RFC 7323, RFC 2018).
 *
 * Input layout:
 *   byte 0      bit 0: the segment is a SYN
 *   byte 1      byte 12 of the TCP header (data offset in the high nibble)
 *   bytes 2..   what follows the fixed 20-byte header: options, payload
 *
 * Properties checked (any violation aborts, so libFuzzer or the standalone
 * driver reports it; ASan catches out-of-bounds reads since every buffer
 * handed to the parser is allocated with exactly its length):
 *   - xtcp_parse_options() returns 0 or -EINVAL, -EINVAL above 40 bytes,
 *     and agrees with an independent reference parser written here;
 *   - on success nr_sacks <= 4, wscale <= 14, SYN-only options only on a
 *     SYN, SACK blocks never on a SYN, absent options are zero;
 *   - build(parse(x)) is 4-byte aligned, at most 40 bytes, writes nothing
 *     past its length, and reparses to the same values;
 *   - xtcp_header_len() is -EINVAL or a multiple of 4 in [20, 60] that is
 *     <= seg_len, exactly doff * 4;
 *   - the parsed SACK blocks through xtcp_sack_view() (proto/sack.c), for
 *     SND.UNA and SND.NXT taken from the input: every block kept is
 *     non-empty, within [SND.UNA, SND.NXT], ascending; a D-SACK is
 *     non-empty and below SND.NXT; no more blocks out than in.
 *
 * Built two ways: with -DXTCP_LIBFUZZER and clang -fsanitize=fuzzer as a
 * libFuzzer target; otherwise as a standalone driver (gcc, ASan+UBSan)
 * that replays files and directories given on the command line and then
 * runs -runs=N pseudo-random inputs from -seed=S, deterministically:
 *
 *   fuzz_options [-runs=N] [-seed=S] [FILE|DIR]...
 */
#include <stdio.h>
#include <stdlib.h>

#include "options.h"
#include "sack.h"
#include "seq.h"

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",		\
			__FILE__, __LINE__, #cond);			\
		dump_input();						\
		abort();						\
	}								\
} while (0)

/* The input being checked, for the failure report. */
static const u8 *cur_data;
static size_t cur_size;

static void dump_input(void)
{
	size_t i;

	fprintf(stderr, "input (%zu bytes):", cur_size);
	for (i = 0; i < cur_size; i++)
		fprintf(stderr, " %02x", cur_data[i]);
	fputc('\n', stderr);
}

/*
 * Reference parser, written from the RFCs rather than from options.c:
 * the area is a list of (kind, length, value) after single-byte NOPs, up
 * to an EOL or the end; a length below 2 or past the end is an error.
 */
static int ref_parse(const u8 *p, size_t len, bool syn,
		     struct xtcp_options *o)
{
	const u8 *end = p + len;

	memset(o, 0, sizeof(*o));
	if (len > 40)
		return -EINVAL;
	while (p < end && *p != XTCP_OPT_EOL) {
		size_t olen;

		if (*p == XTCP_OPT_NOP) {
			p++;
			continue;
		}
		if (end - p < 2 || p[1] < 2 || p[1] > end - p)
			return -EINVAL;
		olen = p[1];
		if (p[0] == 2 && olen == 4 && syn) {
			o->has_mss = true;
			o->mss = p[2] << 8 | p[3];
		} else if (p[0] == 3 && olen == 3 && syn) {
			o->has_wscale = true;
			o->wscale = p[2] > 14 ? 14 : p[2];
		} else if (p[0] == 4 && olen == 2 && syn) {
			o->sack_permitted = true;
		} else if (p[0] == 8 && olen == 10) {
			o->has_ts = true;
			o->tsval = xtcp_get_be32(p + 2);
			o->tsecr = xtcp_get_be32(p + 6);
		} else if (p[0] == 5 && !syn && olen % 8 == 2 && olen > 2) {
			size_t i;

			/* 40 bytes of area hold at most 4 blocks anyway. */
			o->nr_sacks = (olen - 2) / 8;
			for (i = 0; i < o->nr_sacks; i++) {
				o->sacks[i].start = xtcp_get_be32(p + 2 + 8 * i);
				o->sacks[i].end = xtcp_get_be32(p + 6 + 8 * i);
			}
		}
		p += olen;
	}
	return 0;
}

static void check_same(const struct xtcp_options *a,
		       const struct xtcp_options *b, bool sacks)
{
	unsigned int i;

	CHECK(a->has_mss == b->has_mss && a->mss == b->mss);
	CHECK(a->has_wscale == b->has_wscale && a->wscale == b->wscale);
	CHECK(a->sack_permitted == b->sack_permitted);
	CHECK(a->has_ts == b->has_ts);
	CHECK(a->tsval == b->tsval && a->tsecr == b->tsecr);
	if (!sacks)
		return;
	CHECK(a->nr_sacks == b->nr_sacks);
	for (i = 0; i < XTCP_MAX_SACK_BLOCKS; i++) {
		CHECK(a->sacks[i].start == b->sacks[i].start);
		CHECK(a->sacks[i].end == b->sacks[i].end);
	}
}

static void check_valid(const struct xtcp_options *o, bool syn)
{
	CHECK(o->nr_sacks <= XTCP_MAX_SACK_BLOCKS);
	CHECK(o->wscale <= XTCP_MAX_WSCALE);
	CHECK(o->has_mss || o->mss == 0);
	CHECK(o->has_wscale || o->wscale == 0);
	CHECK(o->has_ts || (o->tsval == 0 && o->tsecr == 0));
	if (!syn)
		CHECK(!o->has_mss && !o->has_wscale && !o->sack_permitted);
	else
		CHECK(o->nr_sacks == 0);
}

/* Parse an exactly-sized copy, check it, and round-trip it. */
/* What the sender would believe of these blocks (proto/sack.c). */
static void check_sack_view(const struct xtcp_options *o, u32 una, u32 nxt)
{
	struct xtcp_sack_view v;
	unsigned int i;

	xtcp_sack_view(o->sacks, o->nr_sacks, una, una, nxt, &v);
	CHECK(v.nr + v.dsack <= o->nr_sacks);
	if (v.dsack)
		CHECK(xtcp_seq_before(v.dup.start, v.dup.end) &&
		      xtcp_seq_leq(v.dup.end, nxt));
	for (i = 0; i < v.nr; i++) {
		CHECK(xtcp_seq_before(v.blocks[i].start, v.blocks[i].end));
		CHECK(xtcp_seq_geq(v.blocks[i].start, una));
		CHECK(xtcp_seq_leq(v.blocks[i].end, nxt));
		if (i)
			CHECK(xtcp_seq_leq(v.blocks[i - 1].start,
					   v.blocks[i].start));
	}
}

static void check_area(const u8 *area, size_t len, bool syn)
{
	struct xtcp_options o, ref, o2;
	u8 out[XTCP_MAX_OPTION_BYTES + 8];
	u8 *buf = malloc(len ? len : 1);
	unsigned int blen, i;
	int ret, ref_ret;

	if (!buf)
		abort();
	memcpy(buf, area, len);
	ret = xtcp_parse_options(buf, len, syn, &o);
	free(buf);

	CHECK(ret == 0 || ret == -EINVAL);
	if (len > XTCP_MAX_OPTION_BYTES)
		CHECK(ret == -EINVAL);
	ref_ret = ref_parse(area, len, syn, &ref);
	CHECK(ret == ref_ret);
	if (ret)
		return;
	check_valid(&o, syn);
	check_same(&o, &ref, true);
	if (o.nr_sacks) {
		/* a window around the first block, shaped by the input */
		u32 una = o.sacks[0].start - (u32)cur_size * 977u;
		u32 nxt = una + ((u32)cur_data[1] << 12) + o.nr_sacks * 1000u;

		check_sack_view(&o, una, nxt);
		check_sack_view(&o, o.sacks[o.nr_sacks - 1].start,
				o.sacks[0].end);
	}

	memset(out, 0x5a, sizeof(out));
	blen = xtcp_build_options(out, &o, syn);
	CHECK(blen % 4 == 0);
	CHECK(blen <= XTCP_MAX_OPTION_BYTES);
	for (i = blen; i < sizeof(out); i++)
		CHECK(out[i] == 0x5a);
	CHECK(xtcp_parse_options(out, blen, syn, &o2) == 0);
	/*
	 * Everything survives, SACK blocks (never on a SYN) as many as fit
	 * beside a timestamp (3) or without one (4), first ones first.
	 */
	check_same(&o, &o2, false);
	if (syn) {
		CHECK(o2.nr_sacks == 0);
	} else {
		unsigned int want = o.nr_sacks < (o.has_ts ? 3u : 4u) ?
				    o.nr_sacks : (o.has_ts ? 3u : 4u);

		CHECK(o2.nr_sacks == want);
		for (i = 0; i < want; i++)
			CHECK(o2.sacks[i].start == o.sacks[i].start &&
			      o2.sacks[i].end == o.sacks[i].end);
	}
}

static void check_header(unsigned int seg_len, u8 doff, const u8 *after,
			 size_t after_len, bool syn)
{
	int hlen = xtcp_header_len(seg_len, doff);

	if (hlen == -EINVAL) {
		CHECK(seg_len < 20 || (doff >> 4) * 4u < 20 ||
		      (doff >> 4) * 4u > seg_len);
		return;
	}
	CHECK(hlen >= XTCP_HEADER_MIN && hlen <= 60);
	CHECK(hlen % 4 == 0 && hlen == (doff >> 4) * 4);
	CHECK((unsigned int)hlen <= seg_len);
	/* What the receive path then does with it. */
	if ((size_t)hlen - XTCP_HEADER_MIN <= after_len)
		check_area(after, hlen - XTCP_HEADER_MIN, syn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const u8 *rest;
	size_t n;
	bool syn;

	if (size < 2)
		return 0;
	cur_data = data;
	cur_size = size;
	syn = data[0] & 1;
	rest = data + 2;
	n = size - 2;

	/* The whole remainder as an options area (> 40 must fail). */
	check_area(rest, n, syn);
	/* As a segment: fixed header + remainder, then a short one. */
	check_header(XTCP_HEADER_MIN + n, data[1], rest, n, syn);
	if (n >= XTCP_HEADER_MIN)
		check_header(n, data[1], rest + XTCP_HEADER_MIN,
			     n - XTCP_HEADER_MIN, syn);
	else
		check_header(n, data[1], rest, 0, syn);
	return 0;
}

#ifndef XTCP_LIBFUZZER
#include <dirent.h>
#include <time.h>

/* xorshift64*: small, fast and the same everywhere. */
static u64 rng_state;

static u64 rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static unsigned int nr_seeds;
static u8 seeds[64][128];
static size_t seed_len[64];

static void run_file(const char *path)
{
	u8 buf[4096];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f) {
		perror(path);
		exit(2);
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	if (nr_seeds < 64 && n <= sizeof(seeds[0])) {
		memcpy(seeds[nr_seeds], buf, n);
		seed_len[nr_seeds++] = n;
	}
}

static int run_path(const char *path)
{
	struct dirent **ents;
	int i, n, files = 0;
	char sub[4096];

	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		run_file(path);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path,
				 ents[i]->d_name);
			files += run_path(sub);
		}
		free(ents[i]);
	}
	free(ents);
	return files;
}

/* Append one option, well-formed or deliberately not. */
static size_t gen_option(u8 *p, size_t room)
{
	static const u8 kinds[] = { 0, 1, 2, 3, 4, 5, 8, 30, 34, 254, 255 };
	static const u8 good_len[] = { 1, 1, 4, 3, 2, 10, 10, 4, 2, 4, 2 };
	unsigned int k = rng() % sizeof(kinds);
	size_t len, i;

	if (!room)
		return 0;
	if (kinds[k] == 0 || kinds[k] == 1) {
		p[0] = kinds[k];
		return 1;
	}
	len = good_len[k];
	if (kinds[k] == 5)
		len = 2 + 8 * (1 + rng() % 4);
	switch (rng() % 8) {
	case 0:
		len = rng() % 4;		/* 0, 1: invalid */
		break;
	case 1:
		len = rng() % 48;		/* anything */
		break;
	case 2:
		len = len + 1 - 2 * (rng() % 2);	/* off by one */
		break;
	}
	p[0] = kinds[k];
	if (room < 2)
		return 1;
	p[1] = len;
	for (i = 2; i < len && i < room; i++)
		p[i] = rng();
	return len < 2 ? 2 : (len < room ? len : room);
}

static size_t gen_input(u8 *buf, size_t cap)
{
	size_t n, i, area;

	switch (rng() % 4) {
	case 0:		/* raw bytes */
		n = rng() % cap;
		for (i = 0; i < n; i++)
			buf[i] = rng();
		return n;
	case 1:		/* a seed with a few bytes changed */
		if (nr_seeds) {
			i = rng() % nr_seeds;
			n = seed_len[i];
			memcpy(buf, seeds[i], n);
			for (i = rng() % 4 + 1; i && n; i--)
				buf[rng() % n] ^= 1u << (rng() % 8);
			if (rng() % 4 == 0)
				n = rng() % (n + 1);	/* truncate */
			return n;
		}
		/* fall through */
	default:	/* a list of options, mostly well formed */
		buf[0] = rng();
		area = rng() % 10 == 0 ? rng() % (cap - 2) : rng() % 41;
		n = 2;
		while (n < 2 + area)
			n += gen_option(buf + n, 2 + area - n);
		/* A sane data offset most of the time. */
		if (rng() % 4)
			buf[1] = ((XTCP_HEADER_MIN + area) / 4) << 4 |
				 (rng() & 0xf);
		else
			buf[1] = rng();
		return n;
	}
}

int main(int argc, char **argv)
{
	unsigned long long runs = 100000, seed = 1, i;
	unsigned int files = 0;
	struct timespec t0, t1;
	u8 buf[128];
	int a;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (a = 1; a < argc; a++) {
		if (!strncmp(argv[a], "-runs=", 6))
			runs = strtoull(argv[a] + 6, NULL, 0);
		else if (!strncmp(argv[a], "-seed=", 6))
			seed = strtoull(argv[a] + 6, NULL, 0);
		else
			files += run_path(argv[a]);
	}
	printf("TAP version 13\n1..2\n");
	printf("ok 1 fuzz_options: replayed %u input files\n", files);
	fflush(stdout);

	rng_state = seed ? seed : 1;
	for (i = 0; i < runs; i++) {
		size_t n = gen_input(buf, sizeof(buf));

		LLVMFuzzerTestOneInput(buf, n);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("ok 2 fuzz_options: %llu random inputs, seed %llu, %.2f s\n",
	       runs, seed, (t1.tv_sec - t0.tv_sec) +
	       (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
#endif /* XTCP_LIBFUZZER */
