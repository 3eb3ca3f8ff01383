# SPDX-License-Identifier: GPL-2.0
#
# xtcp - an alternative TCP as a loadable kernel module.
#
#   make              build module/xtcp.ko for the running kernel
#                     (or for KDIR=/path/to/kernel/build)
#   make demo         install what is needed, boot a VM with xtcp loaded and
#                     show a handshake, a transfer and a close, decoded as TCP
#   make check        the whole suite: unit tests, then the selftests in a VM
#                     (KERNEL=6.1|6.12|6.12-rt|7|debug|DIR, SUITE=all|smoke|c)
#   make unit         user-space unit tests and fuzz smoke of module/proto/
#   make bench        xtcp vs the kernel's TCP in a VM, as ratios
#   make checkpatch   kernel coding style and kernel-doc comments of module/
#   make help         this list
#
# The host running "make check" needs no module support: every module test
# runs in a QEMU guest (selftests/vm/).

KERNEL ?= 6.1
SUITE ?= all
HOST_KDIR := /lib/modules/$(shell uname -r)/build
# Plain "make" builds for this machine's kernel when its headers are there.
ifneq ($(wildcard $(HOST_KDIR)/Makefile),)
KDIR ?= $(HOST_KDIR)
endif

include selftests/vm/vm.mk

# make -C with the headers of the VM kernel that "make check" boots (in
# the build root they need, for 7: selftests/vm/kbuild-root.sh).
VM_KMAKE = selftests/vm/kmake.sh $(KERNEL)
# The module built for that kernel is kept apart from a host build.
VM_KO := .cache/build/xtcp-$(subst /,_,$(KERNEL)).ko

.PHONY: all module clean deps unit check check-build vm-module demo bench \
	checkpatch help

all: module

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: install linux-headers-$$(uname -r) or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/module modules

deps:	## install host packages (Debian 12)
	selftests/vm/install-deps.sh

unit:	## unit tests + fuzz smoke of the pure protocol logic
	$(MAKE) -C selftests/unit MAKEOVERRIDES= run fuzz-smoke

# Build the module against the VM kernel's headers, and the selftests.
check-build: deps
	$(MAKE) vm-module
	$(MAKE) -C selftests MAKEOVERRIDES=

vm-module:	## the module for the VM kernel, as $(VM_KO)
	+$(VM_KMAKE) M=$(CURDIR)/module clean >/dev/null
	+$(VM_KMAKE) M=$(CURDIR)/module modules
	mkdir -p .cache/build
	cp module/xtcp.ko $(VM_KO)
	+$(VM_KMAKE) M=$(CURDIR)/module clean >/dev/null

# On the KASAN/lockdep kernel (several times slower) the bulk transfers
# move 1 MiB instead of 8-10: it is there to catch memory and locking
# errors, the stock kernels cover volume.
GUEST_ENV_debug := XTCP_XFER_BYTES=1048576 XTCP_FLOOD_RATE=2000 XTCP_FLOOD_SECS=2
GUEST_ENV := $(GUEST_ENV_$(KERNEL))
# SUITE=c: only the kselftest_harness C tests (socket API, data, close,
# options, /proc, injected segments): a quick pass on a slow kernel.
SUITE_ARGS_c := all xtcp_connect xtcp_data xtcp_close xtcp_sockopt xtcp_proc \
		xtcp_wire xtcp_peer xtcp_fault xtcp_listen
# SUITE=debug: what CI runs on the KASAN/lockdep kernel, sized to fit CI's
# budget (the whole suite takes over 70 minutes there). Every C test (the
# fault injection runs only there) and the shell tests of paths the C tests
# do not reach: close races, namespaces and the module going away with
# sockets. netem data, the tc rewrite, PMTU/NAT, SYN floods, reuseport and
# linger run on 6.1 and 6.12 (`make check KERNEL=debug` runs them all).
SUITE_ARGS_debug := all xtcp_connect xtcp_data xtcp_close xtcp_sockopt \
		xtcp_proc xtcp_wire xtcp_fault xtcp_peer xtcp_listen xtcp_window \
		xtcp_keepalive xtcp_cc xtcp_sack xtcp_nagle close_sequences.sh \
		netns_delete.sh module.sh
SUITE_ARGS := $(or $(SUITE_ARGS_$(SUITE)),$(SUITE))

check: check-build unit	## the whole suite in a VM
	cd selftests && ../selftests/vm/run-vm.sh --kernel $(KERNEL) \
		--timeout $(VM_TIMEOUT) --module $(CURDIR)/$(VM_KO) \
		-- env $(GUEST_ENV) ./run_tests.sh $(SUITE_ARGS)

# make demo tells only its story: one line per setup step (step.sh shows a
# step's output when it fails), the guest's demo.sh output alone (run-vm.sh
# --quiet prints the console part that matters when the run fails), then the
# capture decoded on the host (tshark's errors shown, its warning about
# running as root not).
DEMO_PCAP := .cache/demo/xtcp-demo.pcap
DEMO_DECODE := tshark -r $(DEMO_PCAP) -d ip.proto==253,tcp -d tcp.port==7000,data
STEP := selftests/vm/step.sh
demo:	## show xtcp at work in a VM, decoded as TCP
	@$(STEP) "checking the host packages" selftests/vm/install-deps.sh
	@$(STEP) "getting the $(KERNEL) kernel" selftests/vm/get-kernel.sh $(KERNEL)
	@$(STEP) "building xtcp.ko for the $(KERNEL) kernel" $(MAKE) vm-module
	@$(STEP) "building the test tools" $(MAKE) -C selftests MAKEOVERRIDES=
	@cd selftests && ../selftests/vm/run-vm.sh --quiet --kernel $(KERNEL) \
		--timeout 300 --module $(CURDIR)/$(VM_KO) -- ./demo.sh
	@echo
	@echo "=== the capture, decoded as TCP: $(DEMO_DECODE)"
	@$(DEMO_DECODE) -Y 'ip.proto == 253' >.cache/demo/decode.out \
		2>.cache/demo/decode.err; rc=$$?; cat .cache/demo/decode.out; \
	grep -v '^Running as user "root" and group "root"' .cache/demo/decode.err >&2; \
	if [ $$rc -eq 0 ] && [ ! -s .cache/demo/decode.out ]; then \
		echo "demo: no xtcp segment in $(DEMO_PCAP)" >&2; rc=1; fi; \
	exit $$rc

# BENCH_SECONDS / BENCH_RUNS: length and number of runs per protocol;
# BENCH_TESTS: only these throughput tests ("veth loss1").
bench: check-build	## xtcp vs the kernel's TCP side by side, as ratios (VM)
	$(MAKE) -C selftests/tools
	cd selftests && ../selftests/vm/run-vm.sh --kernel $(KERNEL) \
		--timeout 900 --module $(CURDIR)/$(VM_KO) -- env \
		BENCH_SECONDS=$(or $(BENCH_SECONDS),3) \
		BENCH_RUNS=$(or $(BENCH_RUNS),3) BENCH_TESTS="$(BENCH_TESTS)" \
		./bench/bench.sh

# Kernel style and kernel-doc comments, both scripts from linux-source-6.1.
# kernel-doc 6.1 exits 0 despite warnings: any stderr line other than -v's
# "info:" lines (a warning, its "N warnings" total, a perl error) fails.
CHECK_SRCS = $$(find module -name '*.[ch]' -not -name '*.mod.c' | sort)

checkpatch:	## kernel coding style and kernel-doc comments of module/
	perl $$(selftests/vm/fetch-kselftest.sh)/scripts/checkpatch.pl \
		--no-tree --show-types -f $(CHECK_SRCS)
	perl $$(selftests/vm/fetch-kselftest.sh)/scripts/kernel-doc -v -none \
		$(CHECK_SRCS) 2>&1 >/dev/null | grep -v ': info: ' | { ! grep .; }

clean:
	-$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR)/module clean)
	rm -rf module/*.o module/proto/*.o module/*.ko module/*.mod* \
		module/.*.cmd module/proto/.*.cmd module/Module.symvers \
		module/modules.order .cache/build
	-$(MAKE) -C selftests clean
	-$(MAKE) -C selftests/unit clean

help:
	@sed -n '3,18p' Makefile
