#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run_tests.sh [smoke|all] [TEST...] - run the xtcp selftests, print one KTAP stream.
#
# Reads tests.list (lines "<group> <test> [timeout]"; group smoke runs in
# both "smoke" and "all", group all only in "all"), runs each test from this
# directory under timeout(1), and prints the output the way kselftest's
# runner.sh does: "TAP version 13", "1..N", then per test a "# selftests:"
# header, the test's own KTAP/log lines prefixed with "# ", and
# "ok N selftests: xtcp: NAME" / "not ok ..." from its exit status
# (0 pass, 4 skip -> "ok ... # SKIP", 124 -> "not ok ... # TIMEOUT").
# TEST... restricts the run to the named tests of the group.
#
# Environment: TESTS (group when no argument), XTCP_PROTO (passed through:
# 6 runs the C tests against kernel TCP), KSFT_TIMEOUT (override every
# per-test limit).  Exit status: 0 if nothing failed, 1 otherwise.
# POSIX sh: the guest may run it with busybox sh as well as bash.

cd "$(dirname "$0")" || exit 1

SKIP_RC=4
TIMEOUT_RC=124
COLLECTION=xtcp

group=${1:-${TESTS:-all}}
[ $# -gt 0 ] && shift
case "$group" in
smoke|all) ;;
*)
	echo "usage: $0 [smoke|all] [TEST...]" >&2
	exit 2
	;;
esac

# "timeout" from the kselftest settings file; kselftest's own default is 45.
default_timeout=45
if [ -r settings ]; then
	t=$(sed -n 's/^timeout=\([0-9][0-9]*\)$/\1/p' settings | tail -n 1)
	[ -n "$t" ] && default_timeout=$t
fi

# Selected manifest entries as "name timeout" lines.
select_tests()
{
	[ -r tests.list ] || { echo "# tests.list missing" >&2; return; }
	sed -e 's/#.*//' tests.list | while read -r g name tmo rest; do
		[ -n "$name" ] || continue
		case "$group:$g" in
		smoke:smoke|all:smoke|all:all) ;;
		*) continue ;;
		esac
		if [ $# -gt 0 ]; then
			want=0
			for a in "$@"; do
				[ "$a" = "$name" ] && want=1
			done
			[ $want = 1 ] || continue
		fi
		echo "$name ${KSFT_TIMEOUT:-${tmo:-$default_timeout}}"
	done
}

# Every process of session $1 gets signal $2.  Harness binaries fork each
# test case into its own process group, so killing the runner's child or
# its group is not enough: a leftover case would keep the output pipe
# open and hang the run.  setsid() at start gives the whole tree one
# session id to find them by.
kill_session()
{
	_sid=$1 _sig=$2
	for _st in /proc/[0-9]*/stat; do
		# Builtins only: this runs after every test.
		read -r _line < "$_st" 2>/dev/null || continue
		# Fields after "(comm) ": state ppid pgrp session ...
		# shellcheck disable=SC2086
		set -- ${_line##*) }
		[ "$4" = "$_sid" ] || continue
		_p=${_st#/proc/}
		kill -s "$_sig" "${_p%/stat}" 2>/dev/null
	done
}

# Sleep $2 s, then mark the timeout in $3 and kill session $1 (TERM, then
# KILL 5 s later).  Killed itself with TERM when the test ends in time.
watchdog()
{
	trap 'kill $_spid 2>/dev/null; exit 0' TERM
	sleep "$2" &
	_spid=$!
	wait $_spid
	: > "$3"
	kill_session "$1" TERM
	sleep 5 &
	_spid=$!
	wait $_spid
	kill_session "$1" KILL
}

# run_limited SECONDS CMD...: exit status of CMD, 124 if it timed out.
# Falls back to timeout(1) where setsid(1) is missing.
run_limited()
{
	_tmo=$1
	shift
	if ! command -v setsid >/dev/null 2>&1; then
		if command -v timeout >/dev/null 2>&1; then
			timeout -k 10 "$_tmo" "$@"
			_rc=$?
			# busybox timeout: killed by SIGTERM/SIGKILL.
			[ $_rc = 143 ] || [ $_rc = 137 ] && _rc=$TIMEOUT_RC
			return $_rc
		fi
		"$@"
		return
	fi
	_marker=${TMPDIR:-/tmp}/xtcp-run_tests.$$.timeout
	rm -f "$_marker"
	# A background child of this non-job-control shell is not a group
	# leader, so setsid(1) execs in place: $! is the session id.
	setsid "$@" &
	_pid=$!
	watchdog $_pid "$_tmo" "$_marker" >/dev/null 2>&1 </dev/null &
	_wpid=$!
	wait $_pid
	_rc=$?
	kill $_wpid 2>/dev/null
	wait $_wpid 2>/dev/null
	# Leftovers (a server a shell test forgot, a process that ignored
	# SIGTERM) would hold the output pipe open: the session dies with
	# its leader.
	kill_session $_pid KILL
	if [ -e "$_marker" ]; then
		rm -f "$_marker"
		_rc=$TIMEOUT_RC
	fi
	return $_rc
}

# Line-at-a-time "# " prefix that keeps a final unterminated line.
tap_prefix()
{
	while IFS= read -r line || [ -n "$line" ]; do
		printf '# %s\n' "$line"
	done
}

list=$(select_tests "$@")
total=0
[ -n "$list" ] && total=$(printf '%s\n' "$list" | wc -l)

echo "TAP version 13"
echo "1..$total"

num=0 pass=0 fail=0 skip=0
exec 4>&1
while read -r name tmo; do
	[ -n "$name" ] || continue
	num=$((num + 1))
	hdr="selftests: $COLLECTION: $name"
	echo "# $hdr"
	if [ ! -e "$name" ]; then
		echo "# Warning: file $name is missing!"
		echo "not ok $num $hdr # missing"
		fail=$((fail + 1))
		continue
	fi
	if [ -x "$name" ]; then
		cmd="./$name"
	else
		case "$name" in
		*.sh) cmd="sh ./$name" ;;
		*)
			echo "# Warning: file $name is not executable"
			echo "not ok $num $hdr"
			fail=$((fail + 1))
			continue
			;;
		esac
	fi
	# Exit status travels over fd 3 while the output streams to fd 4,
	# so a hanging test is visible live on the console.
	t0=$(date +%s)
	# shellcheck disable=SC2086
	rc=$( { { run_limited "$tmo" $cmd 2>&1 </dev/null
		  echo $? >&3; } | tap_prefix >&4; } 3>&1 )
	# what each test costs, for keeping CI within its budget
	echo "# $name: $(( $(date +%s) - t0 )) s"
	if [ "$rc" = 0 ]; then
		echo "ok $num $hdr"
		pass=$((pass + 1))
	elif [ "$rc" = $SKIP_RC ]; then
		echo "ok $num $hdr # SKIP"
		skip=$((skip + 1))
	elif [ "$rc" = $TIMEOUT_RC ]; then
		echo "#"
		echo "not ok $num $hdr # TIMEOUT $tmo seconds"
		fail=$((fail + 1))
	else
		echo "not ok $num $hdr # exit=$rc"
		fail=$((fail + 1))
	fi
done <<EOF
$list
EOF

echo "# Totals: pass:$pass fail:$fail skip:$skip"
[ $fail -eq 0 ]
