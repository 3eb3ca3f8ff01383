# vm.mk - make fragment for the QEMU test VM; included by the top-level
# Makefile. Provides KERNEL/KDIR, VM_RUN (the run-vm.sh command line) and the
# vm-* helper targets. KERNEL: 6.1 (default), 6.12, 6.12-rt, 7, debug or a
# dir of .debs.
VM_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
KERNEL ?= 6.1
# Headers of the test kernel (fetched and cached on first use).
KDIR ?= $(shell $(VM_DIR)/get-kernel.sh --kdir $(KERNEL))
VM_TIMEOUT ?= 900
VM_MODULE ?= module/xtcp.ko
VM_RUN = $(VM_DIR)/run-vm.sh --kernel $(KERNEL) --timeout $(VM_TIMEOUT)
# -I path for kselftest.h / kselftest_harness.h (extracted on first use).
KSELFTEST_INC ?= $(shell $(VM_DIR)/fetch-kselftest.sh)/tools/testing/selftests

.PHONY: vm-deps vm-kernel vm-shell vm-selftest vm-smoke vm-kselftest
vm-deps:	## install host packages for the VM tests
	$(VM_DIR)/install-deps.sh
vm-kernel:	## fetch/extract the test kernel; prints its dir
	$(VM_DIR)/get-kernel.sh $(KERNEL)
vm-shell:	## interactive guest shell (with $(VM_MODULE) loaded if built)
	$(VM_RUN) --shell $(if $(wildcard $(VM_MODULE)),--module $(VM_MODULE))
vm-selftest:	## unit tests of the klog scanner and KTAP counter
	$(VM_DIR)/test-scan-klog.sh
vm-smoke:	## boot KERNEL with a hello module and check the guest tools
	$(VM_DIR)/smoke.sh $(KERNEL)
vm-kselftest:	## extract kselftest headers + checkpatch into .cache/linux-src
	$(VM_DIR)/fetch-kselftest.sh
