/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xtcp.h - what applications need to open an xtcp socket.
 *
 *	#include <linux/xtcp.h>
 *	int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_XTCP);
 *
 * Everything else is TCP's API: socket options at level IPPROTO_TCP
 * (SOL_TCP) from <netinet/tcp.h> are accepted as TCP accepts them.
 * IPPROTO_XTCP is the default of the module parameter "protocol"; a site
 * that loads xtcp.ko with protocol=254 opens sockets with 254 instead.
 */
#ifndef _UAPI_LINUX_XTCP_H
#define _UAPI_LINUX_XTCP_H

/* RFC 3692 experimental protocol number, the first of 253 and 254. */
#define IPPROTO_XTCP	253

/* Per-network-namespace socket table, in /proc/net/tcp's format. */
#define XTCP_PROC_SOCKETS	"/proc/net/xtcp"
/* Per-network-namespace counters, one "Name value" pair per line. */
#define XTCP_PROC_STATS		"/proc/net/xtcp_stats"

#endif /* _UAPI_LINUX_XTCP_H */
