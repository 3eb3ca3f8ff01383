// SPDX-License-Identifier: GPL-2.0
/*
 * tlp.c - tail loss probes (RFC 8985 §7), on by default as in Linux
 * (net.xtcp.early_retrans 3 or 4). When the last segments of a flight are
 * lost, no ACK comes back to tell, and only the RTO would send them again,
 * after which the window starts from one segment. Instead, about two RTTs
 * after the last transmission with no ACK, one segment goes: new data if
 * the peer's window takes it, else the last segment sent, again. Its ACK
 * (with SACK) shows what is missing, and fast recovery repairs it.
 *
 * At most one probe is outstanding (@tlp_out, up to @tlp_high_seq). An ACK
 * beyond it tells whether a resent probe repaired a loss, and then the
 * window is reduced as after any loss (LossProbeRecovery), or whether both
 * copies arrived (a D-SACK of it, or a plain duplicate ACK): no loss.
 *
 * The probe timer is the retransmission timer armed earlier, with
 * @tlp_armed set; once the probe went, the RTO takes over. As the numbers
 * Linux uses: two smoothed RTTs plus 2 ms, or plus the minimum RTO when a
 * single segment is out (proto/rack.c), never later than the RTO; only for
 * connections with SACK, outside recovery.
 *
 * Everything here runs with the socket locked.
 */
#include <net/tcp.h>

#include "xtcp.h"
#include "proto/rack.h"

/* May a loss probe be planned now? */
static bool xtcp_tlp_allowed(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	return READ_ONCE(xtcp_pernet(sock_net(sk))->early_retrans) >= 3 &&
	       xs->packets_out && xs->sack_ok && !xs->in_recovery &&
	       xs->ca_state == TCP_CA_Open &&
	       !((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV));
}

/**
 * xtcp_tlp_schedule() - new data went out, or an ACK acknowledged some:
 * plan a loss probe instead of the RTO, if the connection may have one.
 * @sk: the socket.
 * @advancing: an ACK restarts the timer (the RTO would be a whole RTO from
 *	now), rather than a transmission (the RTO keeps its time).
 *
 * Return: true if the retransmission timer now waits for a probe.
 */
bool xtcp_tlp_schedule(struct sock *sk, bool advancing)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long when;
	s32 left;
	u32 pto;

	xtcp_assert_locked(sk);
	if (!xtcp_tlp_allowed(sk))
		return false;
	pto = xtcp_tlp_pto_us(xs->srtt_us, xs->packets_out,
			      jiffies_to_usecs(XTCP_RTO_MIN));
	when = pto ? usecs_to_jiffies(pto) : XTCP_RTO_INIT;
	left = advancing ? (s32)jiffies_to_usecs(xs->rto) :
			   xtcp_rto_left_us(sk);
	if (left > 0)
		when = min(when, usecs_to_jiffies(left));
	xtcp_timer_arm(sk, XTCP_TIMER_RTX, jiffies + max(when, 1UL));
	xs->tlp_armed = 1;
	return true;
}

/**
 * xtcp_tlp_timeout() - the probe timer ran out with data in flight: send
 * the probe, unless one is outstanding already, then wait for the RTO.
 * @sk: the socket.
 */
void xtcp_tlp_timeout(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb, *head = NULL, *last = NULL;

	xtcp_assert_locked(sk);
	if (xs->tlp_out || !xtcp_tlp_allowed(sk))
		goto rearm;
	/* unsent segments sit at the tail: the last one sent is before them */
	skb_queue_reverse_walk(&sk->sk_write_queue, skb) {
		if (xtcp_seq_before(XTCP_SKB_CB(skb)->seq, xs->snd_nxt)) {
			last = skb;
			break;
		}
		head = skb;
	}
	/* new data first: whatever the congestion window or Nagle says */
	if (head && head->len && xtcp_fits_window(sk, head)) {
		if (xtcp_transmit_skb(sk, head))
			goto rearm;
		xs->tlp_retrans = 0;
	} else {
		if (!last || xtcp_retransmit_skb(sk, last))
			goto rearm;
		xs->tlp_retrans = 1;
	}
	xs->tlp_high_seq = xs->snd_nxt;
	xs->tlp_out = 1;
	xs->tlp_dsacked = 0;
	xtcp_inc_stat(sock_net(sk), XTCP_MIB_LOSSPROBES);
	xtcp_arm_rtx(sk);	/* a whole RTO from the probe */
	return;
rearm:
	xtcp_rearm_rto_left(sk);
}

/**
 * xtcp_tlp_dsack() - the ACK being processed D-SACKs @start..@end: if
 * that is the resent probe, both copies arrived.
 * @sk: the socket.
 * @start: the block's first sequence number.
 * @end: the one after its last.
 */
void xtcp_tlp_dsack(struct sock *sk, u32 start, u32 end)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->tlp_out && end == xs->tlp_high_seq &&
	    end - start <= xs->mss)
		xs->tlp_dsacked = 1;
}

/**
 * xtcp_tlp_ack() - an acceptable ACK of @ack, while a probe may be
 * outstanding: end the probe's episode once the ACK tells how it went
 * (RFC 8985 §7.4, as Linux's tcp_process_tlp_ack()).
 * @sk: the socket.
 * @ack: the ACK's acknowledgment number.
 * @una_advanced: it acknowledged new data.
 * @pure_dupack: it is a duplicate ACK that changes nothing at all.
 */
void xtcp_tlp_ack(struct sock *sk, u32 ack, bool una_advanced,
		  bool pure_dupack)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool dsacked = xs->tlp_dsacked;

	xtcp_assert_locked(sk);
	xs->tlp_dsacked = 0;
	if (!xs->tlp_out || xtcp_seq_before(ack, xs->tlp_high_seq))
		return;
	if (!xs->tlp_retrans || dsacked) {
		xs->tlp_out = 0;	/* new data probed, or no loss */
	} else if (xtcp_seq_after(ack, xs->tlp_high_seq)) {
		/* the probe repaired a loss: respond to it (§7.4.2) */
		xs->tlp_out = 0;
		xtcp_cc_reduce(sk);
		xtcp_inc_stat(sock_net(sk), XTCP_MIB_LOSSPROBERECOVERY);
	} else if (pure_dupack && !una_advanced) {
		xs->tlp_out = 0;	/* both copies arrived */
	}
}
