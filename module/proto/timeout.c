// SPDX-License-Identifier: GPL-2.0
/*
 * timeout.c - exponential backoff (RFC 6298 §5.5), the resulting give-up
 * times, FIN_WAIT2 and orphan limits, and the clock part of the initial
 * sequence number (RFC 6528). Shared with the user-space unit tests.
 */
#include "timeout.h"

/**
 * xtcp_backoff() - @base doubled @shift times, never above @cap.
 * @base: the first timeout.
 * @shift: how many timeouts have already expired.
 * @cap: the largest timeout allowed (TCP_RTO_MAX's 120 s for Linux).
 *
 * Return: min(@base * 2^@shift, @cap).
 */
u32 xtcp_backoff(u32 base, unsigned int shift, u32 cap)
{
	if (base >= cap)
		return cap;
	if (shift >= 32 || base > (cap >> shift))
		return cap;
	return base << shift;
}

/**
 * xtcp_give_up_time() - when a sender retransmitting with exponential
 * backoff gives up: the first send at 0, @retries retransmissions, and one
 * more timeout to wait for their answer.
 * @retries: retransmissions allowed (e.g. net.xtcp.syn_retries).
 * @base: initial timeout.
 * @cap: largest single timeout.
 *
 * With syn_retries = 6 and a 1 s base this is 127 s, as for Linux's TCP.
 * Once a timeout reaches @cap all later ones equal it, so the sum is
 * finished by one multiplication: any @retries value returns at once and
 * the result, at most 2^32 * (2^32 - 1), fits in a u64.
 *
 * Return: the time from the first send to giving up, in @base's unit.
 */
u64 xtcp_give_up_time(unsigned int retries, u32 base, u32 cap)
{
	u64 total = 0;
	unsigned int i;

	for (i = 0; i <= retries; i++) {
		u32 t = xtcp_backoff(base, i, cap);

		if (t == cap)
			return total + ((u64)retries - i + 1) * cap;
		total += t;
	}
	return total;
}

/**
 * xtcp_fin_wait2_time() - how long an orphaned FIN_WAIT2 connection lives:
 * the configured fin_timeout, but no less than 3.5 RTOs so a slow peer's
 * FIN can still arrive.
 * @fin_timeout: net.xtcp.fin_timeout or the socket's TCP_LINGER2. An int
 *	like tcp_fin_timeout: a negative value means the floor, as in
 *	tcp_fin_time(), not a huge unsigned timeout.
 * @rto: current retransmission timeout, same unit.
 *
 * Return: the lifetime, in @rto's unit.
 */
u32 xtcp_fin_wait2_time(int fin_timeout, u32 rto)
{
	u32 floor = (rto << 2) - (rto >> 1);

	if (fin_timeout < 0 || (u32)fin_timeout < floor)
		return floor;
	return fin_timeout;
}

/**
 * xtcp_orphan_retries() - retransmissions allowed for a socket no process
 * holds any more. 0 in net.xtcp.orphan_retries means 8 while the peer is
 * still answering at a sane RTO (@alive) and none otherwise.
 * @sysctl_val: net.xtcp.orphan_retries.
 * @alive: the RTO has not backed off to its maximum.
 *
 * Return: the number of retransmissions allowed.
 */
unsigned int xtcp_orphan_retries(unsigned int sysctl_val, bool alive)
{
	if (sysctl_val)
		return sysctl_val;
	return alive ? 8 : 0;
}

/**
 * xtcp_isn() - RFC 6528 initial sequence number: ISN = M + F(4-tuple,
 * secret), where @keyed_hash is F and M is a clock. The clock ticks every
 * 64 ns, so it outruns any single connection's sequence numbers and a new
 * incarnation of a 4-tuple starts above the old one's.
 * @keyed_hash: keyed hash of the 4-tuple.
 * @clock_ns: a monotonic clock in nanoseconds.
 *
 * Return: the ISN.
 */
u32 xtcp_isn(u32 keyed_hash, u64 clock_ns)
{
	return keyed_hash + (u32)(clock_ns >> 6);
}

/**
 * xtcp_rtt_update() - fold one RTT measurement into the estimator of
 * RFC 6298 §2 (alpha = 1/8, beta = 1/4).
 * @srtt8: 8 * SRTT, 0 before the first measurement.
 * @rttvar4: 4 * RTTVAR.
 * @m: the measurement (any unit, same as the others).
 */
void xtcp_rtt_update(u32 *srtt8, u32 *rttvar4, u32 m)
{
	s64 err;

	if (!*srtt8) {
		/* §2.2: SRTT = R, RTTVAR = R / 2 */
		*srtt8 = max_t(u32, m << 3, 1);
		*rttvar4 = m << 1;
		return;
	}
	/* §2.3: RTTVAR first, from the old SRTT, then SRTT. */
	err = (s64)m - (*srtt8 >> 3);
	*rttvar4 = *rttvar4 - (*rttvar4 >> 2) + (u32)(err < 0 ? -err : err);
	*srtt8 = max_t(s64, (s64)*srtt8 + err, 1);
}

/**
 * xtcp_rto_from() - RTO = SRTT + max(@floor, 4 * RTTVAR), at most @cap.
 * RFC 6298 §2.4 names the clock granularity as the floor of the variance
 * term; like Linux, xtcp uses 200 ms there so delayed ACKs do not fire it.
 * @srtt8: 8 * SRTT.
 * @rttvar4: 4 * RTTVAR.
 * @floor: least value of the variance term.
 * @cap: largest RTO.
 *
 * All in the same unit.
 *
 * Return: the RTO.
 */
u32 xtcp_rto_from(u32 srtt8, u32 rttvar4, u32 floor, u32 cap)
{
	u64 rto = (u64)(srtt8 >> 3) + max(rttvar4, floor);

	return rto > cap ? cap : (u32)rto;
}
