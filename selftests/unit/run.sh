#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh BIN... - run each kselftest_harness unit-test binary and print one
# KTAP stream: each binary is one top-level test whose own KTAP output is
# nested as "# " lines, the format tools/testing/selftests/run_kselftest.sh
# produces. Exit status is non-zero if any binary failed.

total=$#
n=0
rc=0

echo "TAP version 13"
echo "1..$total"
for bin in "$@"; do
	n=$((n + 1))
	name=${bin##*/}
	# The harness forks per test; a crash of the binary itself (sanitizer
	# abort outside a test) still shows up as a non-zero status here.
	"$bin" 2>&1 | sed -e 's/^/# /'
	status=${PIPESTATUS[0]}
	if [ "$status" -eq 0 ]; then
		echo "ok $n selftests: unit: $name"
	elif [ "$status" -eq 4 ]; then
		echo "ok $n selftests: unit: $name # SKIP"
	else
		echo "not ok $n selftests: unit: $name # exit=$status"
		rc=1
	fi
done
exit $rc
