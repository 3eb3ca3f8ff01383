/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fault.h - xtcp's fault-injection points: every allocation whose failure
 * the protocol must survive can be made to fail on purpose, in any context
 * (softirq included), through the kernel's fault-injection framework.
 * See fault.c and Documentation/xtcp-testing.rst.
 */
#ifndef XTCP_FAULT_H
#define XTCP_FAULT_H

#include <linux/types.h>

/**
 * enum xtcp_fault - where an allocation may be made to fail.
 * @XTCP_FAULT_SYN: the SYN that connect() queues.
 * @XTCP_FAULT_SYNACK: a listener's SYN-ACK (sent or retransmitted).
 * @XTCP_FAULT_FIN: a FIN that needs an skb of its own.
 * @XTCP_FAULT_DATA: a new data segment in sendmsg().
 * @XTCP_FAULT_XMIT: the clone or copy of a queued segment being sent.
 * @XTCP_FAULT_BARE: an ACK, probe or RST of a connection.
 * @XTCP_FAULT_REPLY: a RST or ACK answering a segment without a socket.
 * @XTCP_FAULT_CHILD: a listener's child socket.
 * @XTCP_FAULT_REQUEST: a listener's request object for a SYN.
 * @XTCP_NR_FAULTS: how many there are.
 */
enum xtcp_fault {
	XTCP_FAULT_SYN,
	XTCP_FAULT_SYNACK,
	XTCP_FAULT_FIN,
	XTCP_FAULT_DATA,
	XTCP_FAULT_XMIT,
	XTCP_FAULT_BARE,
	XTCP_FAULT_REPLY,
	XTCP_FAULT_CHILD,
	XTCP_FAULT_REQUEST,
	XTCP_NR_FAULTS,
};

#ifdef CONFIG_FAULT_INJECTION
bool xtcp_should_fail(enum xtcp_fault site);
void xtcp_fault_init(void);
void xtcp_fault_exit(void);
#else
static inline bool xtcp_should_fail(enum xtcp_fault site)
{
	return false;
}

static inline void xtcp_fault_init(void)
{
}

static inline void xtcp_fault_exit(void)
{
}
#endif

#endif /* XTCP_FAULT_H */
