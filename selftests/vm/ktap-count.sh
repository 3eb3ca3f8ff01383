#!/bin/bash
# ktap-count.sh - print "PASSED FAILED SKIPPED" for the KTAP/TAP results in a
# test VM console log (see ktap-count.py for the counting rules).
# Usage: ktap-count.sh [--all] [-v] LOGFILE|-
#   e.g. read -r p f s < <(selftests/vm/ktap-count.sh log)
exec python3 "$(dirname "${BASH_SOURCE[0]}")/ktap-count.py" "$@"
