#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nginx.sh - an unmodified multi-worker server over xtcp: Debian's nginx
# (unpacked by selftests/vm/fetch-nginx.sh) under tools/xtcp_preload.so,
# 2 worker processes and "listen ... reuseport", so nginx opens one
# listening socket per worker on the same address and port with
# SO_REUSEPORT (before xtcp had it, the second bind() got EADDRINUSE and
# nginx did not start). Clients are bash's /dev/tcp under the same shim.
# Cases:
#  nginx-starts-with-reuseport  nginx runs, 2 LISTEN sockets on the port
#  every-request-served         40 HTTP/1.0 requests, each "200" + body
#  requests-spread-over-workers both workers served some (access log $pid)
#  worker-killed-others-serve   a worker killed with SIGKILL while requests
#                               go on: every request is still answered
#                               (the master starts a new worker; the
#                               others' connections are untouched)
# Env: XTCP_PROTO (6: the kernel's TCP, the same test).
source "$(dirname "$0")/lib/topo.sh"

NGINX=${XTCP_NGINX:-$REPO/.cache/nginx/usr/sbin/nginx}
SHIM=$REPO/selftests/tools/xtcp_preload.so
PORT=8380
BODY=xtcp-nginx-ok
REQS=40

topo_init
ktap_plan 4
[[ -x $NGINX ]] || ktap_skip_all "no nginx at $NGINX: selftests/vm/fetch-nginx.sh"
[[ -f $SHIM ]] || ktap_skip_all "no $SHIM: make -C selftests/tools"
topo_one_ns || { ktap_fail setup; ktap_finish; }

mkdir -p "$TMPD/ngx/logs" "$TMPD/ngx/tmp"
cat >"$TMPD/ngx/nginx.conf" <<EOF
worker_processes 2;
master_process on;
daemon off;
user root;
pid $TMPD/ngx/nginx.pid;
error_log $TMPD/ngx/logs/error.log info;
events { worker_connections 256; }
http {
	access_log $TMPD/ngx/logs/access.log;
	log_format pids '\$pid \$status';
	client_body_temp_path $TMPD/ngx/tmp/body;
	proxy_temp_path $TMPD/ngx/tmp/proxy;
	fastcgi_temp_path $TMPD/ngx/tmp/fastcgi;
	uwsgi_temp_path $TMPD/ngx/tmp/uwsgi;
	scgi_temp_path $TMPD/ngx/tmp/scgi;
	server {
		listen 127.0.0.1:$PORT reuseport;
		access_log $TMPD/ngx/logs/pids.log pids;
		location / { return 200 "$BODY\n"; }
	}
}
EOF

# one request: the status line and the body, or nothing
req() {
	ip netns exec "$NS_A" env LD_PRELOAD="$SHIM" XTCP_PROTO="$PROTO" \
		timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'$PORT' || exit 1
		printf "GET / HTTP/1.0\r\nHost: t\r\n\r\n" >&3; cat <&3' 2>/dev/null
}
# reqs N: how many of N requests got "200" and the body
reqs() {
	local i ok=0 out
	for ((i = 0; i < $1; i++)); do
		out=$(req)
		[[ $out == "HTTP/1.1 200"* && $out == *"$BODY"* ]] && ok=$((ok + 1))
	done
	echo "$ok"
}
listeners() { count_socks "$NS_A" 0A; }
# workers: pids of the master's children (/proc/PID/stat: pid (comm) st ppid)
workers() {
	local master
	master=$(cat "$TMPD/ngx/nginx.pid" 2>/dev/null) || return 0
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v m="$master" '$4 == m { print $1 }'
}
two_listening() { [[ $(listeners) -eq 2 && $(workers | wc -l) -eq 2 ]]; }

bg nginx "$NS_A" env LD_PRELOAD="$SHIM" XTCP_PROTO="$PROTO" \
	"$NGINX" -p "$TMPD/ngx" -c "$TMPD/ngx/nginx.conf" -e "$TMPD/ngx/logs/error.log"
if wait_for 20 two_listening; then
	ktap_ok nginx-starts-with-reuseport
else
	ktap_diag "listening sockets: $(listeners), workers: $(workers | wc -l)"
	ktap_diag_file "$TMPD/ngx/logs/error.log"
	bg_diag nginx
	sock_dump "$NS_A"
	ktap_fail nginx-starts-with-reuseport
	ktap_skip every-request-served "nginx did not start"
	ktap_skip requests-spread-over-workers "nginx did not start"
	ktap_skip worker-killed-others-serve "nginx did not start"
	ktap_finish
fi

ok=$(reqs $REQS)
ktap_diag "$ok of $REQS requests answered"
ktap_check every-request-served test "$ok" -eq $REQS
pids=$(awk '$2 == 200 { print $1 }' "$TMPD/ngx/logs/pids.log" | sort -u | wc -l)
ktap_diag "workers that served: $pids"
ktap_check requests-spread-over-workers test "$pids" -eq 2

# kill one worker mid-stream: its socket stays open in the master (and is
# the new worker's), the other's connections go on
victim=$(workers | head -1)
bg load - bash -c "$(declare -f req reqs); NS_A=$NS_A SHIM=$SHIM PROTO=$PROTO PORT=$PORT BODY=$BODY reqs $REQS"
isleep 0.3
kill -KILL "$victim" 2>/dev/null
bg_wait load 120
ok=$(cat "$(bg_out load)")
ktap_diag "killed worker $victim; $ok of $REQS requests answered meanwhile;" \
	"workers now: $(workers | tr '\n' ' ')"
ktap_check worker-killed-others-serve test "${ok:-0}" -eq $REQS
ip netns exec "$NS_A" "$NGINX" -p "$TMPD/ngx" -c "$TMPD/ngx/nginx.conf" \
	-e "$TMPD/ngx/logs/error.log" -s stop 2>/dev/null
bg_wait nginx 20 || bg_kill nginx KILL
ktap_finish
