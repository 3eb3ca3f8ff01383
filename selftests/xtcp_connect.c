// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_connect.c - connection establishment over loopback.
 *
 * Covers: blocking three-way handshake, getsockname/getpeername, connect
 * to a closed port (ECONNREFUSED), non-blocking connect (EINPROGRESS,
 * EPOLLOUT, SO_ERROR 0 / ECONNREFUSED, reconnect 0 then EISCONN),
 * connect on a listening socket (EISCONN), bind conflicts with and
 * without SO_REUSEADDR (also over a TIME_WAIT: server restart), ephemeral
 * ports inside net.ipv4.ip_local_port_range (also a narrowed, exhausted
 * range in a private netns), listen() autobind, accept4 flags,
 * accept/listen on sockets in the wrong state, an empty non-blocking
 * accept queue, FIFO accept order, one port number used by TCP and xtcp
 * at the same time, a reconnect over the server's TIME_WAIT, SYNs
 * handled from a busy listener's backlog, and net.xtcp.tw_reuse (a new
 * connection over the client's own TIME_WAIT).
 *
 * Every expectation is native TCP's behaviour: XTCP_PROTO=6 must pass.
 */
#include <sys/epoll.h>
#include <sys/prctl.h>

#include <sys/wait.h>

#include "kselftest_harness.h"
#include "xtcp_common.h"

/* Port that is bound (so nobody else takes it) but has no listener. */
static int closed_port(int *holder)
{
	struct sockaddr_in sin;
	int fd = xtcp_socket();

	if (fd < 0)
		return -1;
	xtcp_addr(&sin, 0);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	*holder = fd;
	return xtcp_local_port(fd);
}

TEST(socket_create)
{
	int fd = xtcp_socket();

	ASSERT_LE(0, fd) TH_LOG("socket(AF_INET, SOCK_STREAM, %d): %s",
				xtcp_proto(), strerror(errno));
	close(fd);
}

TEST(handshake_blocking)
{
	struct sockaddr_in cl, cp, sl, sp;
	socklen_t len;
	int lfd, port, c, s;

	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd) TH_LOG("listener: %s", strerror(errno));
	ASSERT_LT(0, port);

	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xtcp_connect_port(c, port))
		TH_LOG("connect: %s", strerror(errno));
	s = xtcp_accept(lfd);
	ASSERT_LE(0, s) TH_LOG("accept: %s", strerror(errno));

	len = sizeof(cl);
	ASSERT_EQ(0, getsockname(c, (struct sockaddr *)&cl, &len));
	ASSERT_EQ(sizeof(cl), len);
	len = sizeof(cp);
	ASSERT_EQ(0, getpeername(c, (struct sockaddr *)&cp, &len));
	len = sizeof(sl);
	ASSERT_EQ(0, getsockname(s, (struct sockaddr *)&sl, &len));
	len = sizeof(sp);
	ASSERT_EQ(0, getpeername(s, (struct sockaddr *)&sp, &len));

	EXPECT_EQ(AF_INET, cl.sin_family);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), cl.sin_addr.s_addr);
	EXPECT_NE(0, cl.sin_port);
	EXPECT_EQ(htons(port), cp.sin_port);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), cp.sin_addr.s_addr);
	/* Both ends must agree on the 4-tuple. */
	EXPECT_EQ(cl.sin_port, sp.sin_port);
	EXPECT_EQ(cl.sin_addr.s_addr, sp.sin_addr.s_addr);
	EXPECT_EQ(cp.sin_port, sl.sin_port);

	/* The listener itself has no peer. */
	len = sizeof(sp);
	EXPECT_EQ(-1, getpeername(lfd, (struct sockaddr *)&sp, &len));
	EXPECT_EQ(ENOTCONN, errno);

	close(s);
	close(c);
	close(lfd);
}

TEST(connect_refused)
{
	int holder, port, fd;

	port = closed_port(&holder);
	ASSERT_LT(0, port);
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, xtcp_connect_port(fd, port));
	EXPECT_EQ(ECONNREFUSED, errno);
	/* The error was reported by connect() and is consumed. */
	EXPECT_EQ(0, xtcp_sock_error(fd));
	close(fd);
	close(holder);
}

TEST(connect_nonblock)
{
	struct epoll_event ev = { .events = EPOLLOUT };
	struct sockaddr_in sin;
	int lfd, port, c, s, ep, n;

	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	c = xtcp_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, c);
	xtcp_addr(&sin, port);
	ASSERT_EQ(-1, connect(c, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(EINPROGRESS, errno);

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev));
	n = epoll_wait(ep, &ev, 1, XTCP_WAIT_MS);
	ASSERT_EQ(1, n);
	EXPECT_TRUE(ev.events & EPOLLOUT);
	EXPECT_FALSE(ev.events & (EPOLLERR | EPOLLHUP));
	EXPECT_EQ(0, xtcp_sock_error(c));

	/*
	 * inet_stream_connect(): the first connect() after completion
	 * returns 0 (the classic "connect again to learn the result"
	 * idiom moves SS_CONNECTING to SS_CONNECTED); the next says EISCONN.
	 */
	EXPECT_EQ(0, connect(c, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(-1, connect(c, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EISCONN, errno);

	s = xtcp_accept(lfd);
	ASSERT_LE(0, s);
	close(ep);
	close(s);
	close(c);
	close(lfd);
}

TEST(connect_nonblock_refused)
{
	struct sockaddr_in sin;
	int holder, port, fd, rev;

	port = closed_port(&holder);
	ASSERT_LT(0, port);
	fd = xtcp_socket_flags(SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	xtcp_addr(&sin, port);
	ASSERT_EQ(-1, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(EINPROGRESS, errno);

	rev = xtcp_poll1(fd, POLLOUT, XTCP_WAIT_MS);
	ASSERT_LT(0, rev) TH_LOG("no poll event after RST");
	/* TCP: a refused socket is POLLOUT|POLLERR|POLLHUP. */
	EXPECT_TRUE(rev & POLLERR);
	EXPECT_TRUE(rev & POLLHUP);
	EXPECT_TRUE(rev & POLLOUT);
	EXPECT_EQ(ECONNREFUSED, xtcp_sock_error(fd));
	/* SO_ERROR clears the pending error. */
	EXPECT_EQ(0, xtcp_sock_error(fd));
	close(fd);
	close(holder);
}

TEST(connect_listener_eisconn)
{
	struct sockaddr_in sin;
	int lfd, port;

	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	xtcp_addr(&sin, port);
	EXPECT_EQ(-1, connect(lfd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EISCONN, errno);
	close(lfd);
}

TEST(bind_addrinuse)
{
	struct sockaddr_in sin;
	int a, b, port;

	/* Neither socket has SO_REUSEADDR: plain conflict. */
	a = xtcp_socket();
	ASSERT_LE(0, a);
	xtcp_addr(&sin, 0);
	ASSERT_EQ(0, bind(a, (struct sockaddr *)&sin, sizeof(sin)));
	port = xtcp_local_port(a);
	ASSERT_LT(0, port);
	b = xtcp_socket();
	ASSERT_LE(0, b);
	xtcp_addr(&sin, port);
	EXPECT_EQ(-1, bind(b, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EADDRINUSE, errno);
	/* A socket binds only once. */
	EXPECT_EQ(-1, bind(a, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EINVAL, errno);
	close(b);
	close(a);
}

TEST(bind_reuseaddr)
{
	struct sockaddr_in sin;
	int a, b, c, port, one = 1;

	/* Both SO_REUSEADDR, first only bound: TCP allows the second. */
	a = xtcp_socket();
	ASSERT_LE(0, a);
	ASSERT_EQ(0, setsockopt(a, SOL_SOCKET, SO_REUSEADDR, &one,
				sizeof(one)));
	xtcp_addr(&sin, 0);
	ASSERT_EQ(0, bind(a, (struct sockaddr *)&sin, sizeof(sin)));
	port = xtcp_local_port(a);
	b = xtcp_socket();
	ASSERT_LE(0, b);
	ASSERT_EQ(0, setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one,
				sizeof(one)));
	xtcp_addr(&sin, port);
	EXPECT_EQ(0, bind(b, (struct sockaddr *)&sin, sizeof(sin)));
	/* Only one of them may listen: the second listen() conflicts. */
	EXPECT_EQ(0, listen(a, 1));
	EXPECT_EQ(-1, listen(b, 1));
	EXPECT_EQ(EADDRINUSE, errno);
	close(b);

	/* A listener keeps its port even against SO_REUSEADDR binders. */
	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one,
				sizeof(one)));
	EXPECT_EQ(-1, bind(c, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EADDRINUSE, errno);
	close(c);
	close(a);
}

TEST(ephemeral_port_range)
{
	struct sockaddr_in sin;
	long range[2];
	int lfd, port, c, b, lp, i;

	ASSERT_EQ(0, xtcp_read_sysctl_ints(
		"/proc/sys/net/ipv4/ip_local_port_range", range, 2));

	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	EXPECT_GE(port, range[0]);
	EXPECT_LE(port, range[1]);

	/* connect() without bind() autobinds inside the range. */
	for (i = 0; i < 4; i++) {
		int s;

		c = xtcp_socket();
		ASSERT_LE(0, c);
		ASSERT_EQ(0, xtcp_connect_port(c, port));
		lp = xtcp_local_port(c);
		EXPECT_GE(lp, range[0]);
		EXPECT_LE(lp, range[1]);
		EXPECT_NE(port, lp);
		s = xtcp_accept(lfd);
		ASSERT_LE(0, s);
		close(s);
		close(c);
	}

	/* Explicit bind to port 0 too. */
	b = xtcp_socket();
	ASSERT_LE(0, b);
	xtcp_addr(&sin, 0);
	ASSERT_EQ(0, bind(b, (struct sockaddr *)&sin, sizeof(sin)));
	lp = xtcp_local_port(b);
	EXPECT_GE(lp, range[0]);
	EXPECT_LE(lp, range[1]);
	close(b);
	close(lfd);
}

TEST(bind_over_time_wait)
{
	struct sockaddr_in sin;
	int lfd, port, cport, c, s, b, one = 1;

	/*
	 * Server restart: the server closed first, so its side of the
	 * connection sits in TIME_WAIT on the listening port.  A new
	 * listener needs SO_REUSEADDR to bind that port again.
	 */
	ASSERT_EQ(0, xtcp_pair_ex(&c, &s, &lfd));
	port = xtcp_local_port(lfd);
	cport = xtcp_local_port(c);
	close(lfd);
	close(s);
	ASSERT_EQ(0, xtcp_set_timeouts(c, XTCP_WAIT_MS));
	ASSERT_EQ(0, recv(c, &b, 1, 0));
	close(c);
	ASSERT_EQ(0x06, xtcp_wait_proc_state(port, cport, 0x06,
					     XTCP_WAIT_MS));

	b = xtcp_socket();
	ASSERT_LE(0, b);
	xtcp_addr(&sin, port);
	EXPECT_EQ(-1, bind(b, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EADDRINUSE, errno);
	close(b);

	b = xtcp_socket();
	ASSERT_LE(0, b);
	ASSERT_EQ(0, setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one,
				sizeof(one)));
	EXPECT_EQ(0, bind(b, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(0, listen(b, 1));
	close(b);
}

TEST(ephemeral_custom_range)
{
	struct sockaddr_in sin;
	int fd[4], extra, lfd, port, c, i;
	FILE *f;

	/*
	 * ip_local_port_range is per netns: narrow it in a private one and
	 * check that autobind honours it and reports exhaustion like TCP
	 * (bind: EADDRINUSE; connect: EADDRNOTAVAIL).
	 */
	ASSERT_EQ(0, xtcp_new_netns()) TH_LOG("unshare: %s", strerror(errno));
	f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "w");
	ASSERT_NE(NULL, f);
	ASSERT_LT(0, fprintf(f, "40000 40003\n"));
	ASSERT_EQ(0, fclose(f));

	lfd = xtcp_listener_port(5000, 8, &port);
	ASSERT_LE(0, lfd);
	for (i = 0; i < 4; i++) {
		fd[i] = xtcp_socket();
		ASSERT_LE(0, fd[i]);
		xtcp_addr(&sin, 0);
		ASSERT_EQ(0, bind(fd[i], (struct sockaddr *)&sin, sizeof(sin)))
			TH_LOG("bind #%d: %s", i, strerror(errno));
		port = xtcp_local_port(fd[i]);
		EXPECT_LE(40000, port);
		EXPECT_GE(40003, port);
	}
	extra = xtcp_socket();
	ASSERT_LE(0, extra);
	xtcp_addr(&sin, 0);
	EXPECT_EQ(-1, bind(extra, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EADDRINUSE, errno);
	close(extra);

	c = xtcp_socket();
	ASSERT_LE(0, c);
	EXPECT_EQ(-1, xtcp_connect_port(c, 5000));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	close(c);

	/* One port freed: connect() gets exactly that one. */
	port = xtcp_local_port(fd[2]);
	close(fd[2]);
	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xtcp_connect_port(c, 5000));
	EXPECT_EQ(port, xtcp_local_port(c));
	close(c);
	for (i = 0; i < 4; i++)
		if (i != 2)
			close(fd[i]);
	close(lfd);
}

TEST(listen_autobind)
{
	long range[2];
	int fd, port;

	ASSERT_EQ(0, xtcp_read_sysctl_ints(
		"/proc/sys/net/ipv4/ip_local_port_range", range, 2));
	/* listen() on an unbound socket picks an ephemeral port. */
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, listen(fd, 4));
	port = xtcp_local_port(fd);
	EXPECT_GE(port, range[0]);
	EXPECT_LE(port, range[1]);
	close(fd);
}

TEST(accept4_flags)
{
	int lfd, port, c, s, fl;

	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xtcp_connect_port(c, port));
	ASSERT_EQ(POLLIN, xtcp_poll1(lfd, POLLIN, XTCP_WAIT_MS));
	s = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_LE(0, s) TH_LOG("accept4: %s", strerror(errno));
	fl = fcntl(s, F_GETFL);
	EXPECT_TRUE(fl & O_NONBLOCK);
	fl = fcntl(s, F_GETFD);
	EXPECT_TRUE(fl & FD_CLOEXEC);
	/* Non-blocking accepted socket with nothing to read. */
	EXPECT_EQ(-1, recv(s, &fl, sizeof(fl), 0));
	EXPECT_EQ(EAGAIN, errno);
	close(s);

	/* Without flags the accepted socket is blocking, no CLOEXEC. */
	close(c);
	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xtcp_connect_port(c, port));
	ASSERT_EQ(POLLIN, xtcp_poll1(lfd, POLLIN, XTCP_WAIT_MS));
	s = accept4(lfd, NULL, NULL, 0);
	ASSERT_LE(0, s);
	EXPECT_FALSE(fcntl(s, F_GETFL) & O_NONBLOCK);
	EXPECT_FALSE(fcntl(s, F_GETFD) & FD_CLOEXEC);
	close(s);
	close(c);
	close(lfd);
}

TEST(accept_not_listening)
{
	struct sockaddr_in sin;
	int fd, c, s;

	/* Fresh socket. */
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, accept(fd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	/* Bound but not listening. */
	xtcp_addr(&sin, 0);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(-1, accept(fd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	close(fd);

	/* Connected socket. */
	ASSERT_EQ(0, xtcp_pair(&c, &s));
	EXPECT_EQ(-1, accept(c, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	/* listen() on a connected socket is refused the same way. */
	EXPECT_EQ(-1, listen(c, 1));
	EXPECT_EQ(EINVAL, errno);
	close(s);
	close(c);
}

TEST(accept_empty_nonblock)
{
	int lfd, port, c, s;

	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, xtcp_set_nonblock(lfd, true));
	EXPECT_EQ(-1, accept(lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, xtcp_poll1(lfd, POLLIN, 0));

	/* The queue fills, then drains back to EAGAIN. */
	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xtcp_connect_port(c, port));
	ASSERT_EQ(POLLIN, xtcp_poll1(lfd, POLLIN, XTCP_WAIT_MS));
	s = accept(lfd, NULL, NULL);
	EXPECT_LE(0, s);
	EXPECT_EQ(-1, accept(lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	close(s);
	close(c);
	close(lfd);
}

TEST(accept_backlog_queue)
{
	int lfd, port, c[3], s, i;

	/* Three handshakes complete before any accept(): all get queued. */
	lfd = xtcp_listener_port(0, 8, &port);
	ASSERT_LE(0, lfd);
	for (i = 0; i < 3; i++) {
		c[i] = xtcp_socket();
		ASSERT_LE(0, c[i]);
		ASSERT_EQ(0, xtcp_connect_port(c[i], port));
	}
	for (i = 0; i < 3; i++) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);

		s = xtcp_accept(lfd);
		ASSERT_LE(0, s) TH_LOG("accept %d: %s", i, strerror(errno));
		/* FIFO: accepted in connect order. */
		ASSERT_EQ(0, getpeername(s, (struct sockaddr *)&peer, &len));
		EXPECT_EQ(xtcp_local_port(c[i]), ntohs(peer.sin_port));
		close(s);
	}
	for (i = 0; i < 3; i++)
		close(c[i]);
	close(lfd);
}

TEST(same_port_tcp_and_xtcp)
{
	struct sockaddr_in sin;
	int x, t, port, c, s, one = 1;
	char buf[8];

	if (xtcp_is_native_tcp())
		SKIP(return, "XTCP_PROTO=6: TCP and xtcp are the same protocol");

	x = xtcp_listener(&port);
	ASSERT_LE(0, x);
	/* A TCP listener on the same number: separate port spaces. */
	t = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_LE(0, t);
	setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	xtcp_addr(&sin, port);
	ASSERT_EQ(0, bind(t, (struct sockaddr *)&sin, sizeof(sin)))
		TH_LOG("TCP bind to xtcp's port %d: %s", port, strerror(errno));
	ASSERT_EQ(0, listen(t, 4));

	/* A TCP client reaches the TCP listener, not the xtcp one. */
	c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect(c, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(POLLIN, xtcp_poll1(t, POLLIN, XTCP_WAIT_MS));
	s = accept(t, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(0, xtcp_poll1(x, POLLIN, 0));
	ASSERT_EQ(3, send(s, "tcp", 3, 0));
	ASSERT_EQ(3, recv(c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "tcp", 3));
	close(s);
	close(c);

	/* And an xtcp client reaches the xtcp listener. */
	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xtcp_connect_port(c, port));
	s = xtcp_accept(x);
	ASSERT_LE(0, s);
	EXPECT_EQ(0, xtcp_poll1(t, POLLIN, 0));
	ASSERT_EQ(4, send(s, "xtcp", 4, 0));
	ASSERT_EQ(4, recv(c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "xtcp", 4));
	close(s);
	close(c);
	close(t);
	close(x);
}

/* SYN retransmissions so far, of the protocol under test. */
static long long syn_retrans(void)
{
	if (xtcp_is_native_tcp())
		return mib_stat("/proc/net/netstat", "TcpExt:",
				"TCPSynRetrans");
	return xtcp_stat("SynRetrans");
}

/*
 * A server that closes first keeps the connection in TIME_WAIT; a client
 * that reconnects from the same port reaches that TIME_WAIT with its SYN.
 * Its sequence number is beyond the old connection's, so the listener
 * takes it at once (RFC 1122 §4.2.2.13, Linux's behaviour): no ACK from
 * TIME_WAIT, no RST from the client and no SYN retransmitted a second
 * later.
 */
TEST(reconnect_over_server_time_wait)
{
	int c, s, lfd, port, cport, one = 1;
	struct sockaddr_in sin;
	long long retrans;
	char buf[8];

	ASSERT_EQ(0, xtcp_pair_ex(&c, &s, &lfd));
	port = xtcp_local_port(lfd);
	cport = xtcp_local_port(c);
	ASSERT_EQ(0, xtcp_set_timeouts(c, XTCP_WAIT_MS));
	close(s);
	EXPECT_EQ(0, recv(c, buf, sizeof(buf), 0));
	close(c);
	ASSERT_EQ(TCP_TIME_WAIT, xtcp_wait_proc_state(port, cport,
						      TCP_TIME_WAIT,
						      XTCP_WAIT_MS));
	ASSERT_EQ(-1, xtcp_wait_proc_state(cport, port, -1, XTCP_WAIT_MS));

	retrans = syn_retrans();
	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one,
				sizeof(one)));
	xtcp_addr(&sin, cport);
	ASSERT_EQ(0, bind(c, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(0, xtcp_connect_port(c, port)) TH_LOG("%s", strerror(errno));
	s = xtcp_accept(lfd);
	ASSERT_LE(0, s);
	EXPECT_EQ(retrans, syn_retrans());
	ASSERT_EQ(4, send(c, "ping", 4, 0));
	ASSERT_EQ(4, xtcp_read_all(s, buf, 4));
	EXPECT_EQ(0, memcmp(buf, "ping", 4));
	close(s);
	close(c);
	close(lfd);
}

/*
 * Many short connections while the server sits in accept(): SYNs then
 * often reach the listener's backlog and are handled in process context,
 * where the new child's lock once was held with BHs on -- the SYN-ACK's
 * loopback softirq then spun on it forever (found by make bench crr).
 * A hang here fails the test by its timeout, a soft lockup also fails the
 * VM run's kernel-log scan.  The timeout is generous: under emulation on
 * a busy host 1000 connections have taken up to 25 s.
 */
FIXTURE(storm) {};
FIXTURE_SETUP(storm) {}
FIXTURE_TEARDOWN(storm) {}

TEST_F_TIMEOUT(storm, connect_accept, 240)
{
	int lfd, port, i, n = 1000, status, slowest_i = -1;
	long long start = xtcp_now_ms(), slowest = 0;
	pid_t pid;
	char c;

	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		for (i = 0; i < n; i++) {
			int fd = accept(lfd, NULL, NULL);

			if (fd < 0 || recv(fd, &c, 1, 0) != 1 ||
			    send(fd, &c, 1, 0) != 1)
				_exit(1);
			close(fd);
		}
		_exit(0);
	}
	for (i = 0; i < n; i++) {
		long long t0 = xtcp_now_ms(), dt;
		int fd = xtcp_socket();

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, xtcp_connect_port(fd, port))
			TH_LOG("connection %d: %s", i, strerror(errno));
		c = (char)i;
		ASSERT_EQ(1, send(fd, &c, 1, 0));
		ASSERT_EQ(1, recv(fd, &c, 1, 0));
		EXPECT_EQ((char)i, c);
		close(fd);
		/* a slow one is a lost segment waiting for its timer */
		dt = xtcp_now_ms() - t0;
		if (dt > slowest) {
			slowest = dt;
			slowest_i = i;
		}
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(lfd);
	TH_LOG("%d connections in %lld ms, slowest #%d %lld ms", n,
	       xtcp_now_ms() - start, slowest_i, slowest);
}

/*
 * SYNs that find the listener owned by a process go to its backlog and
 * are handled by release_sock() in process context.  A second process
 * keeps the listener owned (setsockopt takes the socket lock each call)
 * while 128 non-blocking connects arrive, so many SYNs take that path:
 * before a5d27fe every one of them deadlocked its CPU (the SYN-ACK's
 * loopback softirq spun on the child's lock), which ends this test by
 * its timeout and the VM run by its soft-lockup scan.
 */
TEST_F_TIMEOUT(storm, syn_to_owned_listener, 240)
{
	enum { n = 128 };
	int lfd, port, i, status, fds[n];
	int size = 65536;
	long long deadline, start = xtcp_now_ms();
	long long drops = xtcp_stat("BacklogDrop");
	pid_t pid;

	lfd = xtcp_listener_port(0, 2 * n, &port);
	ASSERT_LE(0, lfd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);	/* if an ASSERT ends us */
		for (;;)
			setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &size,
				   sizeof(size));
	}
	for (i = 0; i < n; i++) {
		struct sockaddr_in sin;

		fds[i] = xtcp_socket_flags(SOCK_NONBLOCK);
		ASSERT_LE(0, fds[i]);
		xtcp_addr(&sin, port);
		if (connect(fds[i], (struct sockaddr *)&sin, sizeof(sin)))
			ASSERT_EQ(EINPROGRESS, errno);
	}
	deadline = xtcp_now_ms() + XTCP_WAIT_MS;
	for (i = 0; i < n; i++) {
		long long left = deadline - xtcp_now_ms();

		EXPECT_NE(0, xtcp_poll1(fds[i], POLLOUT,
					left > 0 ? (int)left : 0) & POLLOUT)
			TH_LOG("connection %d not established", i);
		EXPECT_EQ(0, xtcp_sock_error(fds[i]));
	}
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	for (i = 0; i < n; i++) {
		int s = xtcp_accept(lfd);

		ASSERT_LE(0, s) TH_LOG("accept %d: %s", i, strerror(errno));
		close(s);
		close(fds[i]);
	}
	close(lfd);
	TH_LOG("%d connections in %lld ms, %lld backlog drops", n,
	       xtcp_now_ms() - start, xtcp_stat("BacklogDrop") - drops);
}

/*
 * net.xtcp.tw_reuse (Linux's tcp_tw_reuse): a new outgoing connection may
 * take over a 4-tuple in TIME_WAIT only if the old connection used
 * timestamps; a port from bind() always may, an ephemeral one with mode 1,
 * or 2 over loopback, once a second has passed since the last timestamp.
 * Ephemeral variants use up a 4-port range with connections to one
 * server that all end in TIME_WAIT on the client, so the next connect()
 * to that server has no other 4-tuple left.  10.99.0.1 is an address on
 * lo that is not a loopback address, which mode 2 refuses as Linux does.
 */
#define TWR_PORTS	4
#define TWR_SRV		5000
#define TWR_BOUND	41000

FIXTURE(tw_reuse) {
	struct sockaddr_in dst;
	int lfd;
};

FIXTURE_VARIANT(tw_reuse) {
	const char *mode;
	const char *timestamps;
	bool loopback;		/* 127.0.0.1, else 10.99.0.1 */
	bool bound;		/* the client binds TWR_BOUND */
	bool reuses;
};

FIXTURE_VARIANT_ADD(tw_reuse, mode2_loopback) {
	.mode = "2", .timestamps = "1", .loopback = true, .reuses = true,
};
FIXTURE_VARIANT_ADD(tw_reuse, mode0) {
	.mode = "0", .timestamps = "1", .loopback = true, .reuses = false,
};
FIXTURE_VARIANT_ADD(tw_reuse, mode2_not_loopback) {
	.mode = "2", .timestamps = "1", .loopback = false, .reuses = false,
};
FIXTURE_VARIANT_ADD(tw_reuse, mode1_not_loopback) {
	.mode = "1", .timestamps = "1", .loopback = false, .reuses = true,
};
FIXTURE_VARIANT_ADD(tw_reuse, mode1_no_timestamps) {
	.mode = "1", .timestamps = "0", .loopback = true, .reuses = false,
};
FIXTURE_VARIANT_ADD(tw_reuse, bound_port_mode0) {
	.mode = "0", .timestamps = "1", .loopback = true, .bound = true,
	.reuses = true,
};
FIXTURE_VARIANT_ADD(tw_reuse, bound_port_no_timestamps) {
	.mode = "1", .timestamps = "0", .loopback = true, .bound = true,
	.reuses = false,
};

FIXTURE_SETUP(tw_reuse)
{
	struct sockaddr_in sin;
	FILE *f;

	self->lfd = -1;
	ASSERT_EQ(0, xtcp_new_netns()) TH_LOG("unshare: %s", strerror(errno));
	f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "w");
	ASSERT_NE(NULL, f);
	ASSERT_LT(0, fprintf(f, "40000 %d\n", 40000 + TWR_PORTS - 1));
	ASSERT_EQ(0, fclose(f));
	ASSERT_EQ(0, xtcp_set_sysctl("tw_reuse", variant->mode));
	ASSERT_EQ(0, xtcp_set_sysctl("timestamps", variant->timestamps));
	xtcp_addr(&self->dst, TWR_SRV);
	if (!variant->loopback) {
		ASSERT_EQ(0, system("ip addr add 10.99.0.1/32 dev lo"));
		self->dst.sin_addr.s_addr = htonl(0x0a630001);
	}
	sin = self->dst;
	self->lfd = xtcp_socket();
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, bind(self->lfd, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(0, listen(self->lfd, 16));
}

FIXTURE_TEARDOWN(tw_reuse)
{
	if (self->lfd >= 0)
		close(self->lfd);
}

/* A client socket, bound to TWR_BOUND (SO_REUSEADDR) if @bound. */
static int twr_client(bool bound)
{
	struct sockaddr_in sin;
	int fd = xtcp_socket(), one = 1;

	if (fd < 0 || !bound)
		return fd;
	xtcp_addr(&sin, TWR_BOUND);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* TIME_WAIT rows towards the server's port, whatever the addresses. */
static int twr_time_waits(void)
{
	char line[512], r[64], want[8];
	FILE *f = fopen(xtcp_proc_sockets(), "r");
	unsigned int st;
	int n = 0;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), ":%04X", TWR_SRV);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %*[0-9]: %*s %63s %x", r, &st) == 2 &&
		    st == TCP_TIME_WAIT && strlen(r) > 5 &&
		    !strcmp(r + strlen(r) - 5, want))
			n++;
	fclose(f);
	return n;
}

static bool twr_wait_time_waits(int n)
{
	long long end = xtcp_now_ms() + XTCP_WAIT_MS;

	while (twr_time_waits() != n) {
		if (xtcp_now_ms() > end)
			return false;
		usleep(10 * 1000);
	}
	return true;
}

/*
 * Connect a fresh client to @dst every 100 ms until one succeeds or
 * @ms pass.  Return: the connected socket, or -1 with errno of the last try.
 */
static int twr_connect_until(const struct sockaddr_in *dst, bool bound,
			     int ms)
{
	long long end = xtcp_now_ms() + ms;
	int fd, err;

	for (;;) {
		fd = twr_client(bound);
		if (fd < 0)
			return -1;
		if (!connect(fd, (const struct sockaddr *)dst, sizeof(*dst)))
			return fd;
		err = errno;
		close(fd);
		if (err != EADDRNOTAVAIL || xtcp_now_ms() >= end) {
			errno = err;
			return -1;
		}
		usleep(100 * 1000);
	}
}

TEST_F(tw_reuse, connect)
{
	int n = variant->bound ? 1 : TWR_PORTS, i, c, s, fd;
	long long recycled;
	uint16_t ports[TWR_PORTS];
	char buf[4];

	/* Every client 4-tuple to the server ends in TIME_WAIT. */
	for (i = 0; i < n; i++) {
		c = twr_client(variant->bound);
		ASSERT_LE(0, c);
		ASSERT_EQ(0, connect(c, (struct sockaddr *)&self->dst,
				     sizeof(self->dst)))
			TH_LOG("connect #%d: %s", i, strerror(errno));
		ports[i] = xtcp_local_port(c);
		s = xtcp_accept(self->lfd);
		ASSERT_LE(0, s);
		ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));
		close(c);
		ASSERT_EQ(0, recv(s, buf, sizeof(buf), 0));
		close(s);
		ASSERT_TRUE(twr_wait_time_waits(i + 1))
			TH_LOG("%d TIME_WAITs, not %d", twr_time_waits(), i + 1);
	}
	recycled = xtcp_twin_stat("TWRecycled", "TWRecycled");
	ASSERT_LE(0, recycled);

	/* 2.5 s: more than the second the ephemeral rule waits for. */
	fd = twr_connect_until(&self->dst, variant->bound,
			       variant->reuses ? XTCP_WAIT_MS : 2500);
	if (!variant->reuses) {
		EXPECT_EQ(-1, fd);
		EXPECT_EQ(EADDRNOTAVAIL, errno);
		EXPECT_EQ(recycled, xtcp_twin_stat("TWRecycled", "TWRecycled"));
		if (fd >= 0)
			close(fd);
		return;
	}
	ASSERT_LE(0, fd) TH_LOG("connect: %s", strerror(errno));
	EXPECT_EQ(recycled + 1, xtcp_twin_stat("TWRecycled", "TWRecycled"));
	for (i = 0; i < n; i++)
		if (ports[i] == xtcp_local_port(fd))
			break;
	EXPECT_LT(i, n) TH_LOG("port %d was not in TIME_WAIT",
			       xtcp_local_port(fd));
	EXPECT_EQ(n - 1, twr_time_waits());
	/* The new incarnation works. */
	s = xtcp_accept(self->lfd);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, xtcp_set_timeouts(s, XTCP_WAIT_MS));
	ASSERT_EQ(2, send(fd, "hi", 2, 0));
	ASSERT_EQ(2, xtcp_read_all(s, buf, 2));
	EXPECT_EQ(0, memcmp(buf, "hi", 2));
	close(s);
	close(fd);
}

TEST_HARNESS_MAIN
