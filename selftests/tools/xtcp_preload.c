// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_preload.so - run an unmodified program over xtcp:
 *
 *   LD_PRELOAD=selftests/tools/xtcp_preload.so nginx ...
 *
 * Every socket(AF_INET, SOCK_STREAM, 0 or IPPROTO_TCP) the program opens
 * becomes socket(AF_INET, SOCK_STREAM, PROTO), PROTO from env XTCP_PROTO,
 * else 253 (IPPROTO_XTCP); XTCP_PROTO=6 leaves the kernel's TCP in place,
 * so one test runs against both. Everything else (bind, listen,
 * setsockopt at IPPROTO_TCP, accept4, epoll) goes to the socket as is.
 * A dynamically linked program is needed (LD_PRELOAD).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

int socket(int domain, int type, int protocol)
{
	static int (*real_socket)(int, int, int);
	const char *env = getenv("XTCP_PROTO");

	if (!real_socket)
		real_socket = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
	if (domain == AF_INET &&
	    (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_STREAM &&
	    (protocol == 0 || protocol == IPPROTO_TCP))
		protocol = env && *env ? atoi(env) : 253;
	return real_socket(domain, type, protocol);
}
