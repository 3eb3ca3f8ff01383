// SPDX-License-Identifier: GPL-2.0
/*
 * sockopt.c - socket options at level IPPROTO_TCP (SOL_TCP) and ioctls,
 * accepted with the same values, ranges and errors as Linux's TCP so that
 * programs written for TCP only change the protocol number. Options for
 * other levels go to the IP layer, as for TCP.
 *
 * Options whose machinery xtcp does not have yet (the user timeout outside
 * keepalive, corking) are validated and stored, and read back as TCP reads
 * them back.
 */
#include <linux/uaccess.h>
#include <asm/ioctls.h>
#include <net/ip.h>
#include <net/tcp.h>

#include "xtcp.h"
#include "proto/nagle.h"

/* TCP_DEFER_ACCEPT is given in seconds but kept as SYN-ACK retransmits. */
static u8 xtcp_secs_to_retrans(int seconds, int timeout, int rto_max)
{
	u8 res = 0;

	if (seconds > 0) {
		int period = timeout;

		res = 1;
		while (seconds > period && res < 255) {
			res++;
			timeout <<= 1;
			if (timeout > rto_max)
				timeout = rto_max;
			period += timeout;
		}
	}
	return res;
}

static int xtcp_retrans_to_secs(u8 retrans, int timeout, int rto_max)
{
	int period = 0;

	if (retrans > 0) {
		period = timeout;
		while (--retrans) {
			timeout <<= 1;
			if (timeout > rto_max)
				timeout = rto_max;
			period += timeout;
		}
	}
	return period;
}

static int xtcp_set_int_option(struct sock *sk, int optname, int val)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	switch (optname) {
	case TCP_NODELAY:
		/* What Nagle held goes now; a cork still holds (as Linux). */
		xs->nodelay = !!val;
		if (val)
			xtcp_push_mode(sk, XTCP_NAGLE_PUSH);
		return 0;
	case TCP_CORK:
		/* Uncorked: a partial segment goes now with TCP_NODELAY, else
		 * when Nagle lets it.
		 */
		xs->cork = !!val;
		if (!val)
			xtcp_push_mode(sk, xs->nodelay ? XTCP_NAGLE_PUSH : 0);
		return 0;
	case TCP_MAXSEG:
		if (val && (val < TCP_MIN_MSS || val > MAX_TCP_WINDOW))
			return -EINVAL;
		xs->user_mss = val;
		return 0;
	case TCP_SYNCNT:
		if (val < 1 || val > MAX_TCP_SYNCNT)
			return -EINVAL;
		xs->syn_retries = val;
		return 0;
	case TCP_LINGER2:
		if (val < 0)
			xs->linger2 = -1;
		else if (val > XTCP_FIN_TIMEOUT_MAX / HZ)
			xs->linger2 = XTCP_FIN_TIMEOUT_MAX;
		else
			xs->linger2 = val * HZ;
		return 0;
	case TCP_KEEPIDLE:
		if (val < 1 || val > MAX_TCP_KEEPIDLE)
			return -EINVAL;
		xs->keepalive_time = val * HZ;
		xtcp_keepalive_reset(sk);	/* the new idle time counts now */
		return 0;
	case TCP_KEEPINTVL:
		if (val < 1 || val > MAX_TCP_KEEPINTVL)
			return -EINVAL;
		xs->keepalive_intvl = val * HZ;
		return 0;
	case TCP_KEEPCNT:
		if (val < 1 || val > MAX_TCP_KEEPCNT)
			return -EINVAL;
		xs->keepalive_probes = val;
		return 0;
	case TCP_DEFER_ACCEPT:
		xs->defer_accept = xtcp_secs_to_retrans(val, TCP_TIMEOUT_INIT / HZ,
							TCP_RTO_MAX / HZ);
		return 0;
	case TCP_WINDOW_CLAMP:
		if (!val) {
			if (sk->sk_state != TCP_CLOSE)
				return -EINVAL;
			xs->window_clamp = 0;
		} else {
			xs->window_clamp = max_t(int, val, SOCK_MIN_RCVBUF / 2);
		}
		return 0;
	case TCP_QUICKACK:
		/* As Linux: 1 also sends an ACK the timer was holding. */
		xs->quickack = !!val;
		if (val && xtcp_timer_armed(sk, XTCP_TIMER_DELACK) &&
		    ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)))
			xtcp_send_ack(sk);
		return 0;
	case TCP_USER_TIMEOUT:
		if (val < 0)
			return -EINVAL;
		xs->user_timeout = val;
		return 0;
	case TCP_NOTSENT_LOWAT:
		xs->notsent_lowat = val;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

/*
 * TCP_CONGESTION: xtcp has one algorithm so far, the RFC 5681 behaviour
 * named "reno" in Linux; other names fail as unknown ones do in TCP.
 */
static int xtcp_set_congestion(sockptr_t optval, unsigned int optlen)
{
	char name[TCP_CA_NAME_MAX];
	unsigned int len = min_t(unsigned int, optlen, TCP_CA_NAME_MAX - 1);

	if (optlen < 1)
		return -EINVAL;
	if (copy_from_sockptr(name, optval, len))
		return -EFAULT;
	name[len] = 0;
	return strcmp(name, XTCP_CONGESTION_NAME) ? -ENOENT : 0;
}

static int xtcp_get_congestion(char __user *optval, int __user *optlen,
			       int len)
{
	len = min_t(unsigned int, len, TCP_CA_NAME_MAX);
	if (put_user(len, optlen) ||
	    copy_to_user(optval, XTCP_CONGESTION_NAME,
			 min_t(int, len, sizeof(XTCP_CONGESTION_NAME))))
		return -EFAULT;
	return 0;
}

/**
 * xtcp_set_rcvlowat() - proto_ops.set_rcvlowat: SO_RCVLOWAT as for TCP,
 * capped at half the largest receive buffer, growing the buffer so the
 * low-water mark can be reached.
 * @sk: the socket.
 * @val: the low-water mark in bytes.
 *
 * Context: process (sk_setsockopt()).
 * Return: 0.
 */
int xtcp_set_rcvlowat(struct sock *sk, int val)
{
	int cap;

	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		cap = sk->sk_rcvbuf >> 1;
	else
		cap = READ_ONCE(xtcp_pernet(sock_net(sk))->rmem[2]) >> 1;
	val = min(val, cap);
	WRITE_ONCE(sk->sk_rcvlowat, val ? : 1);
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK) && 2 * val > sk->sk_rcvbuf)
		WRITE_ONCE(sk->sk_rcvbuf, 2 * val);
	return 0;
}

/**
 * xtcp_setsockopt() - proto.setsockopt.
 * @sk: the socket.
 * @level: the option level; other than SOL_TCP goes to ip_setsockopt().
 * @optname: the option.
 * @optval: the value: an int, or for TCP_CONGESTION a name.
 * @optlen: length of @optval.
 *
 * Context: process; takes the socket lock for SOL_TCP int options.
 * Return: 0 or a negative errno (-ENOPROTOOPT for an unknown option).
 */
int xtcp_setsockopt(struct sock *sk, int level, int optname,
		    sockptr_t optval, unsigned int optlen)
{
	int val, err;

	if (level != SOL_TCP)
		return ip_setsockopt(sk, level, optname, optval, optlen);
	if (optname == TCP_CONGESTION)
		return xtcp_set_congestion(optval, optlen);
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	lock_sock(sk);
	err = xtcp_set_int_option(sk, optname, val);
	release_sock(sk);
	return err;
}

/* Milliseconds since jiffies @t, as Linux reports the tcpi_last_* ages. */
static u32 xtcp_info_age(u32 now, u32 t)
{
	return jiffies_to_msecs(now - t);
}

static void xtcp_fill_info(struct sock *sk, struct tcp_info *info)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool app_limited;
	u32 now = jiffies;
	u64 busy;

	memset(info, 0, sizeof(*info));
	info->tcpi_state = inet_sk_state_load(sk);
	info->tcpi_retransmits = xs->retransmits;
	info->tcpi_probes = xs->probes_out;
	info->tcpi_backoff = max_t(u32, xs->retransmits, xs->probes_out);
	/* xtcp's delayed-ACK timeout is fixed: Linux's lowest (40 ms) */
	if (xs->last_data_rcv)
		info->tcpi_ato = jiffies_to_usecs(XTCP_DELACK_MIN);
	info->tcpi_last_data_sent = xtcp_info_age(now, xs->lsndtime);
	info->tcpi_last_data_recv = xtcp_info_age(now, xs->last_data_rcv);
	info->tcpi_last_ack_recv = xtcp_info_age(now, xs->rcv_tstamp);
	info->tcpi_pmtu = xs->pmtu_cookie;
	/* In SYN_SENT ts_ok only says they were offered. */
	if (xs->ts_ok && info->tcpi_state != TCP_SYN_SENT)
		info->tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (xs->sack_ok && info->tcpi_state != TCP_SYN_SENT)
		info->tcpi_options |= TCPI_OPT_SACK;
	if (xs->wscale_ok && info->tcpi_state != TCP_SYN_SENT) {
		info->tcpi_options |= TCPI_OPT_WSCALE;
		info->tcpi_snd_wscale = xs->snd_wscale;
		info->tcpi_rcv_wscale = xs->rcv_wscale;
	}
	info->tcpi_rto = jiffies_to_usecs(xs->rto);
	info->tcpi_snd_mss = xs->mss;
	info->tcpi_rcv_mss = xs->advmss;
	info->tcpi_ca_state = xs->ca_state;
	info->tcpi_unacked = xs->packets_out;
	info->tcpi_sacked = xs->sacked_out;
	info->tcpi_lost = xs->lost_out;
	info->tcpi_retrans = xs->retrans_out;
	info->tcpi_total_retrans = xs->total_retrans;
	info->tcpi_bytes_retrans = xs->bytes_retrans;
	info->tcpi_dsack_dups = xs->dsack_dups;
	info->tcpi_reordering = xs->reordering;
	info->tcpi_reord_seen = xs->reord_seen;
	info->tcpi_snd_ssthresh = xs->cw.ssthresh;
	info->tcpi_rtt = xs->srtt_us >> 3;
	info->tcpi_rttvar = xs->rttvar_us >> 2;
	/* as Linux: all ones until an RTT was measured */
	info->tcpi_min_rtt = xs->min_rtt_us ? : ~0U;
	info->tcpi_snd_cwnd = xs->cw.cwnd;
	info->tcpi_rcv_space = xs->rcvq_space ? : xs->rcv_wnd;
	info->tcpi_advmss = xs->advmss;
	info->tcpi_snd_wnd = xs->snd_wnd;
	info->tcpi_bytes_acked = xs->bytes_acked;
	info->tcpi_bytes_received = xs->bytes_received;
	info->tcpi_bytes_sent = xs->bytes_sent;
	info->tcpi_segs_out = xs->segs_out;
	info->tcpi_segs_in = xs->segs_in;
	info->tcpi_data_segs_out = xs->data_segs_out;
	info->tcpi_data_segs_in = xs->data_segs_in;
	info->tcpi_delivered = xs->delivered;
	info->tcpi_delivery_rate = xtcp_rate_info(sk, &busy, &app_limited);
	info->tcpi_delivery_rate_app_limited = app_limited;
	info->tcpi_busy_time = busy;
	info->tcpi_notsent_bytes = xs->write_seq - xs->snd_nxt;
}

static int xtcp_get_int_option(struct sock *sk, int optname, int *val)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);

	switch (optname) {
	case TCP_NODELAY:
		*val = xs->nodelay;
		return 0;
	case TCP_CORK:
		*val = xs->cork;
		return 0;
	case TCP_MAXSEG:
		*val = xs->mss;
		if (xs->user_mss &&
		    ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
			*val = xs->user_mss;
		return 0;
	case TCP_SYNCNT:
		*val = xs->syn_retries ? : READ_ONCE(xn->syn_retries);
		return 0;
	case TCP_LINGER2:
		*val = xs->linger2;
		if (*val >= 0)
			*val = (*val ? : READ_ONCE(xn->fin_timeout)) / HZ;
		return 0;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
	case TCP_KEEPCNT:
		*val = xtcp_keepalive_get(sk, optname);
		return 0;
	case TCP_DEFER_ACCEPT:
		*val = xtcp_retrans_to_secs(xs->defer_accept,
					    TCP_TIMEOUT_INIT / HZ,
					    TCP_RTO_MAX / HZ);
		return 0;
	case TCP_WINDOW_CLAMP:
		*val = xs->window_clamp;
		return 0;
	case TCP_QUICKACK:
		*val = xs->quickack;
		return 0;
	case TCP_USER_TIMEOUT:
		*val = xs->user_timeout;
		return 0;
	case TCP_NOTSENT_LOWAT:
		*val = xs->notsent_lowat;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

/**
 * xtcp_getsockopt() - proto.getsockopt.
 * @sk: the socket.
 * @level: the option level; other than SOL_TCP goes to ip_getsockopt().
 * @optname: the option.
 * @optval: user buffer for the value: a struct tcp_info for TCP_INFO, a
 *	name for TCP_CONGESTION, an int otherwise.
 * @optlen: user pointer to the buffer's length, set to the length written.
 *
 * Context: process; takes the socket lock to read SOL_TCP state.
 * Return: 0 or a negative errno.
 */
int xtcp_getsockopt(struct sock *sk, int level, int optname,
		    char __user *optval, int __user *optlen)
{
	struct tcp_info info;
	int len, val, err;

	if (level != SOL_TCP)
		return ip_getsockopt(sk, level, optname, optval, optlen);
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if (optname == TCP_CONGESTION)
		return xtcp_get_congestion(optval, optlen, len);
	if (optname == TCP_INFO) {
		lock_sock(sk);
		xtcp_fill_info(sk, &info);
		release_sock(sk);
		len = min_t(unsigned int, len, sizeof(info));
		if (put_user(len, optlen) || copy_to_user(optval, &info, len))
			return -EFAULT;
		return 0;
	}
	lock_sock(sk);
	err = xtcp_get_int_option(sk, optname, &val);
	release_sock(sk);
	if (err)
		return err;
	len = min_t(unsigned int, len, sizeof(int));
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}

/**
 * xtcp_ioctl_value() - SIOCINQ, SIOCOUTQ and SIOCOUTQNSD, as for TCP.
 * @sk: the socket.
 * @cmd: the ioctl: unread, unacknowledged or unsent bytes.
 * @karg: where the value goes.
 *
 * Context: process, socket not locked (SIOCINQ takes the lock).
 * Return: 0, -EINVAL on a listener, or -ENOIOCTLCMD for another @cmd.
 */
int xtcp_ioctl_value(struct sock *sk, int cmd, int *karg)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	switch (cmd) {
	case SIOCINQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		*karg = xs->rcv_nxt - xs->copied_seq;
		/* The FIN takes a sequence number but is not a byte. */
		if (sock_flag(sk, SOCK_DONE) && *karg > 0)
			(*karg)--;
		release_sock(sk);
		return 0;
	case SIOCOUTQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		*karg = READ_ONCE(xs->write_seq) - READ_ONCE(xs->snd_una);
		return 0;
	case SIOCOUTQNSD:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		*karg = READ_ONCE(xs->write_seq) - READ_ONCE(xs->snd_nxt);
		return 0;
	default:
		return -ENOIOCTLCMD;
	}
}
