// SPDX-License-Identifier: GPL-2.0
/*
 * test_timeout.c - timer arithmetic of module/proto/timeout.c: exponential
 * backoff with a cap (RFC 6298 §5.5, TCP_RTO_MAX), the resulting give-up
 * times (RFC 9293 §3.8.3 R1/R2, Linux's tcp_syn_retries semantics), the
 * FIN_WAIT2 lifetime floor (Linux tcp_fin_time()), orphan retries (Linux
 * tcp_orphan_retries()), the clock part of the ISN (RFC 6528 §3) and the
 * RTT estimator and RTO formula of RFC 6298 §2.
 */
#include <limits.h>
#include <math.h>

#include "kselftest_harness.h"
#include "timeout.h"
#include "seq.h"

#define MS_RTO_MAX	120000u		/* TCP_RTO_MAX in ms */

/* min(base * 2^shift, cap) without any chance of overflow. */
static u32 model_backoff(u32 base, unsigned int shift, u32 cap)
{
	unsigned __int128 v;

	if (base >= cap)
		return cap;
	if (shift >= 64)
		return cap;
	v = (unsigned __int128)base << shift;
	return v > cap ? cap : (u32)v;
}

TEST(backoff_doubles_then_caps)
{
	static const u32 want[] = {
		1000, 2000, 4000, 8000, 16000, 32000, 64000, 120000, 120000,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(want); i++)
		EXPECT_EQ(want[i], xtcp_backoff(1000, i, MS_RTO_MAX))
			TH_LOG("shift %u", i);
	/* Exactly reaching the cap is not "above" it. */
	EXPECT_EQ(64u, xtcp_backoff(1, 6, 64));
	EXPECT_EQ(64u, xtcp_backoff(1, 7, 64));
	EXPECT_EQ(63u, xtcp_backoff(63, 0, 64));
}

TEST(backoff_base_at_or_above_cap)
{
	EXPECT_EQ(100u, xtcp_backoff(100, 0, 100));
	EXPECT_EQ(100u, xtcp_backoff(5000, 0, 100));
	EXPECT_EQ(100u, xtcp_backoff(5000, 3, 100));
	EXPECT_EQ(0u, xtcp_backoff(5, 2, 0));
}

TEST(backoff_huge_shifts)
{
	static const unsigned int shifts[] = {
		31, 32, 33, 63, 64, 65, 255, 1000, UINT_MAX,
	};
	unsigned int i;

	/* Shifting a u32 by >= 32 is undefined in C: must not happen. */
	for (i = 0; i < ARRAY_SIZE(shifts); i++) {
		EXPECT_EQ(MS_RTO_MAX, xtcp_backoff(200, shifts[i],
						   MS_RTO_MAX));
		EXPECT_EQ(0xffffffffu, xtcp_backoff(2, shifts[i], 0xffffffffu))
			TH_LOG("shift %u", shifts[i]);
	}
	/* Largest shift that still fits, and one whose bits fall off. */
	EXPECT_EQ(0x80000000u, xtcp_backoff(1, 31, 0xffffffffu));
	EXPECT_EQ(0xffffffffu, xtcp_backoff(3, 31, 0xffffffffu));
	EXPECT_EQ(0xffffffffu, xtcp_backoff(0x10000, 16, 0xffffffffu));
	EXPECT_EQ(0xffff0000u, xtcp_backoff(0xffff, 16, 0xffffffffu));
}

TEST(backoff_matches_model)
{
	static const u32 vals[] = {
		1, 2, 3, 200, 1000, 65535, 0x7fffffff, 0x80000000u,
		0xfffffffeu, 0xffffffffu,
	};
	unsigned int b, c, s;

	for (b = 0; b < ARRAY_SIZE(vals); b++) {
		for (c = 0; c < ARRAY_SIZE(vals); c++) {
			u32 prev = 0;

			for (s = 0; s < 70; s++) {
				u32 got = xtcp_backoff(vals[b], s, vals[c]);

				ASSERT_EQ(model_backoff(vals[b], s, vals[c]),
					  got)
					TH_LOG("base %u shift %u cap %u",
					       vals[b], s, vals[c]);
				/* Never shrinks as timeouts pile up. */
				ASSERT_GE(got, prev);
				prev = got;
			}
		}
	}
}

TEST(give_up_time_syn_retries)
{
	/* Linux: syn_retries 6 -> 127 s, 2 -> 7 s with a 1 s initial RTO. */
	EXPECT_EQ(127000ull, xtcp_give_up_time(6, 1000, MS_RTO_MAX));
	EXPECT_EQ(7000ull, xtcp_give_up_time(2, 1000, MS_RTO_MAX));
	EXPECT_EQ(127ull, xtcp_give_up_time(6, 1, 120));
	EXPECT_EQ(7ull, xtcp_give_up_time(2, 1, 120));
	EXPECT_EQ(3000ull, xtcp_give_up_time(1, 1000, MS_RTO_MAX));
	EXPECT_EQ(1000ull, xtcp_give_up_time(0, 1000, MS_RTO_MAX));
	/* syn_retries 127 (the sysctl maximum): 7 doublings, 121 caps. */
	EXPECT_EQ(127000ull + 121ull * 120000,
		  xtcp_give_up_time(127, 1000, MS_RTO_MAX));
}

TEST(give_up_time_retries2)
{
	/* ip-sysctl.rst: tcp_retries2 = 15 at 200 ms minimum RTO: 924.6 s. */
	EXPECT_EQ(924600ull, xtcp_give_up_time(15, 200, MS_RTO_MAX));
	/* orphan_retries 8 at 200 ms: 200 * (2^9 - 1). */
	EXPECT_EQ(102200ull, xtcp_give_up_time(8, 200, MS_RTO_MAX));
}

TEST(give_up_time_matches_model)
{
	static const u32 bases[] = { 1, 200, 1000, 3000, 0x7fffffff };
	static const u32 caps[] = { 1, 120, 60000, MS_RTO_MAX, 0xffffffffu };
	unsigned int b, c, r, i;

	for (b = 0; b < ARRAY_SIZE(bases); b++) {
		for (c = 0; c < ARRAY_SIZE(caps); c++) {
			for (r = 0; r < 300; r++) {
				u64 want = 0;

				for (i = 0; i <= r; i++)
					want += model_backoff(bases[b], i,
							      caps[c]);
				ASSERT_EQ(want, xtcp_give_up_time(r, bases[b],
								  caps[c]))
					TH_LOG("r %u base %u cap %u", r,
					       bases[b], caps[c]);
			}
		}
	}
}

TEST(give_up_time_huge_retries)
{
	/*
	 * Any unsigned retries count must give a result at once, without
	 * overflowing u64: (2^32) * (2^32 - 1) < 2^64.
	 */
	EXPECT_EQ(127ull + (0x100000000ull - 7) * 120,
		  xtcp_give_up_time(UINT_MAX, 1, 120));
	EXPECT_EQ(0x100000000ull * 0xffffffffull,
		  xtcp_give_up_time(UINT_MAX, 0xffffffffu, 0xffffffffu));
	EXPECT_EQ(127000ull + (0x80000000ull - 7) * MS_RTO_MAX,
		  xtcp_give_up_time(INT_MAX, 1000, MS_RTO_MAX));
}

TEST(fin_wait2_floor)
{
	/* At least 3.5 RTO, as tcp_fin_time(). */
	EXPECT_EQ(60000u, xtcp_fin_wait2_time(60000, 200));
	EXPECT_EQ(700u, xtcp_fin_wait2_time(100, 200));
	EXPECT_EQ(700u, xtcp_fin_wait2_time(700, 200));
	EXPECT_EQ(701u, xtcp_fin_wait2_time(701, 200));
	EXPECT_EQ(3500u, xtcp_fin_wait2_time(0, 1000));
	/* rto >> 1 rounds down: 3 * 4 - 1. */
	EXPECT_EQ(11u, xtcp_fin_wait2_time(0, 3));
	EXPECT_EQ(420000u, xtcp_fin_wait2_time(60000, MS_RTO_MAX));
	EXPECT_EQ(5u, xtcp_fin_wait2_time(5, 0));
}

TEST(fin_wait2_negative_fin_timeout)
{
	/*
	 * net.xtcp.fin_timeout is an int like tcp_fin_timeout; Linux's
	 * tcp_fin_time() compares it signed, so a negative value gives the
	 * 3.5 RTO floor, not a timer of years.
	 */
	EXPECT_EQ(700u, xtcp_fin_wait2_time(-1, 200));
	EXPECT_EQ(700u, xtcp_fin_wait2_time(-60000, 200));
	EXPECT_EQ(700u, xtcp_fin_wait2_time(INT_MIN, 200));
	EXPECT_EQ((u32)INT_MAX, xtcp_fin_wait2_time(INT_MAX, 200));
}

TEST(orphan_retries)
{
	/* 0 = "8 while the peer is alive, else none", as Linux. */
	EXPECT_EQ(8u, xtcp_orphan_retries(0, true));
	EXPECT_EQ(0u, xtcp_orphan_retries(0, false));
	EXPECT_EQ(1u, xtcp_orphan_retries(1, true));
	EXPECT_EQ(1u, xtcp_orphan_retries(1, false));
	EXPECT_EQ(5u, xtcp_orphan_retries(5, false));
	EXPECT_EQ(255u, xtcp_orphan_retries(255, true));
	EXPECT_EQ(255u, xtcp_orphan_retries(255, false));
}

TEST(isn_clock)
{
	/* One tick per 64 ns, added to the keyed hash. */
	EXPECT_EQ(0x1000u, xtcp_isn(0x1000, 0));
	EXPECT_EQ(0x1000u, xtcp_isn(0x1000, 63));
	EXPECT_EQ(0x1001u, xtcp_isn(0x1000, 64));
	EXPECT_EQ(0x1000u + 15625000u, xtcp_isn(0x1000, 1000000000ull));
	/* The sum wraps modulo 2^32. */
	EXPECT_EQ(0u, xtcp_isn(0xffffffffu, 64));
	EXPECT_EQ(0xffffffffu, xtcp_isn(0, 64ull << 32 | 0xffffffffull << 6));
	EXPECT_EQ(5u, xtcp_isn(5, 64ull << 32));
	EXPECT_EQ(0xdeadbeeeu, xtcp_isn(0xdeadbeefu, ~0ull));
}

TEST(isn_monotone_with_clock)
{
	static const u32 hashes[] = { 0, 1, 0x7fffffff, 0xfffffff0u };
	static const u64 starts[] = {
		0, 1000, (1ull << 38) - 4096, 1ull << 38,
		0xffffffffffff0000ull, 0xfffffffffffff000ull,
	};
	unsigned int h, s, i;

	/*
	 * RFC 6528: a later incarnation of the same 4-tuple starts above
	 * the earlier one, in sequence space. With a 2^31 horizon that
	 * holds for clock gaps below 2^37 ns (~137 s).
	 */
	for (h = 0; h < ARRAY_SIZE(hashes); h++) {
		for (s = 0; s < ARRAY_SIZE(starts); s++) {
			u64 t = starts[s];
			u32 first = xtcp_isn(hashes[h], t);
			u32 prev = first;

			for (i = 0; i < 64; i++) {
				u64 t2 = t + 64 + ((u64)i << 31);
				u32 isn = xtcp_isn(hashes[h], t2);

				if (t2 < t)
					break;	/* the u64 clock wrapped */
				EXPECT_TRUE(xtcp_seq_after(isn, prev))
					TH_LOG("hash %#x t %llu i %u",
					       hashes[h],
					       (unsigned long long)t, i);
				EXPECT_TRUE(xtcp_seq_after(isn, first));
				/* Exactly the ticks elapsed, modulo 2^32. */
				EXPECT_EQ((u32)((t2 >> 6) - (t >> 6)),
					  (u32)(isn - first));
				prev = isn;
			}
		}
	}
}

TEST(rtt_first_sample)
{
	u32 srtt8 = 0, rttvar4 = 12345;

	/* §2.2: SRTT = R, RTTVAR = R / 2, so RTO = 3R without a floor. */
	xtcp_rtt_update(&srtt8, &rttvar4, 100);
	EXPECT_EQ(800u, srtt8);
	EXPECT_EQ(200u, rttvar4);
	EXPECT_EQ(300u, xtcp_rto_from(srtt8, rttvar4, 0, MS_RTO_MAX));

	/* A zero RTT still marks the estimator as initialised. */
	srtt8 = 0;
	xtcp_rtt_update(&srtt8, &rttvar4, 0);
	EXPECT_NE(0u, srtt8);
	EXPECT_EQ(0u, rttvar4);
	xtcp_rtt_update(&srtt8, &rttvar4, 0);
	EXPECT_NE(0u, srtt8);
}

TEST(rtt_second_sample)
{
	u32 srtt8 = 0, rttvar4 = 0;

	/*
	 * §2.3 with R = 100 then R' = 180: RTTVAR = 3/4 * 50 + 1/4 * 80 =
	 * 57.5, SRTT = 7/8 * 100 + 1/8 * 180 = 110.
	 */
	xtcp_rtt_update(&srtt8, &rttvar4, 100);
	xtcp_rtt_update(&srtt8, &rttvar4, 180);
	EXPECT_EQ(880u, srtt8);
	EXPECT_EQ(230u, rttvar4);
	EXPECT_EQ(110u + 230u, xtcp_rto_from(srtt8, rttvar4, 0, MS_RTO_MAX));
	/* A faster sample pulls both down. */
	xtcp_rtt_update(&srtt8, &rttvar4, 30);
	EXPECT_EQ(880u - 110u + 30u, srtt8);
	EXPECT_EQ(230u - 57u + 80u, rttvar4);
}

TEST(rtt_converges)
{
	u32 srtt8 = 0, rttvar4 = 0;
	unsigned int i;

	xtcp_rtt_update(&srtt8, &rttvar4, 5000);
	for (i = 0; i < 200; i++)
		xtcp_rtt_update(&srtt8, &rttvar4, 40);
	EXPECT_EQ(40u, srtt8 >> 3);
	/* The variance decays to below one unit. */
	EXPECT_LE(rttvar4, 3u);

	/* Samples of 0 shrink SRTT but never to "no sample yet". */
	for (i = 0; i < 200; i++) {
		xtcp_rtt_update(&srtt8, &rttvar4, 0);
		ASSERT_NE(0u, srtt8);
	}
	EXPECT_EQ(0u, srtt8 >> 3);
}

TEST(rtt_matches_real_arithmetic)
{
	/* Deterministic xorshift so a failure is reproducible. */
	u32 x = 2463534242u;
	unsigned int run, i;

	for (run = 0; run < 50; run++) {
		u32 srtt8 = 0, rttvar4 = 0;
		/* Up to 2^29 - 1: the estimator keeps 8 * SRTT in a u32. */
		u32 limit = run & 1 ? (1u << 29) - 1 : 1000 + run * 997;
		double srtt = 0, rttvar = 0;

		for (i = 0; i < 1000; i++) {
			u32 m;

			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			m = run & 2 ? (i & 1 ? limit : 1) : x % (limit + 1);
			xtcp_rtt_update(&srtt8, &rttvar4, m);
			if (!i) {
				srtt = m;
				rttvar = m / 2.0;
			} else {
				rttvar = 0.75 * rttvar + 0.25 * fabs(srtt - m);
				srtt = 0.875 * srtt + 0.125 * m;
			}
			/* Truncation costs at most a unit or two. */
			ASSERT_LE(fabs(srtt8 / 8.0 - srtt), 1.0)
				TH_LOG("run %u sample %u m %u", run, i, m);
			ASSERT_LE(fabs(rttvar4 / 4.0 - rttvar), 2.0)
				TH_LOG("run %u sample %u m %u", run, i, m);
		}
	}
}

TEST(rto_formula)
{
	/* RTO = SRTT + max(floor, 4 * RTTVAR), capped. */
	EXPECT_EQ(100u + 200u, xtcp_rto_from(800, 10, 200, MS_RTO_MAX));
	EXPECT_EQ(100u + 1000u, xtcp_rto_from(800, 1000, 200, MS_RTO_MAX));
	EXPECT_EQ(100u + 200u, xtcp_rto_from(800, 200, 200, MS_RTO_MAX));
	EXPECT_EQ(MS_RTO_MAX, xtcp_rto_from(8 * 100000, 40000, 200,
					    MS_RTO_MAX));
	EXPECT_EQ(MS_RTO_MAX, xtcp_rto_from(8 * 100000, 20000, 200,
					    MS_RTO_MAX));
	EXPECT_EQ(MS_RTO_MAX - 1, xtcp_rto_from(8 * 100000, 19999, 200,
						MS_RTO_MAX));
	/* SRTT is kept times 8: the fraction is dropped. */
	EXPECT_EQ(1u + 200u, xtcp_rto_from(15, 0, 200, MS_RTO_MAX));
	/* No overflow even at the extremes. */
	EXPECT_EQ(0xffffffffu, xtcp_rto_from(0xffffffffu, 0xffffffffu,
					     0xffffffffu, 0xffffffffu));
	EXPECT_EQ(MS_RTO_MAX, xtcp_rto_from(0xffffffffu, 0xffffffffu, 0,
					    MS_RTO_MAX));
	EXPECT_EQ(0u, xtcp_rto_from(0, 0, 0, MS_RTO_MAX));
}

TEST_HARNESS_MAIN
