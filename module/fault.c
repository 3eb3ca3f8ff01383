// SPDX-License-Identifier: GPL-2.0
/*
 * fault.c - fault injection for xtcp's allocations, on kernels built with
 * CONFIG_FAULT_INJECTION (the debug kernel the suite runs on; Debian's
 * stock kernels have none, and there every xtcp_should_fail() is false).
 *
 * /sys/kernel/debug/xtcp_fail/ holds the framework's usual knobs
 * (probability, interval, times, space, verbose, task-filter, ...; see
 * Documentation/fault-injection/fault-injection.rst) and one switch per
 * allocation site, fail_<site>, all off at load. A site fails only while
 * its switch is on and the knobs say so: "probability 100, times 3" fails
 * the next three allocations at the chosen sites, whatever context they
 * run in. failslab and fail-nth cannot aim at these: most of them run in
 * softirq and use caches every other protocol shares.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>

#include "fault.h"

static DECLARE_FAULT_ATTR(xtcp_fail_attr);
static bool xtcp_fail_site[XTCP_NR_FAULTS];
static struct dentry *xtcp_fail_dir;

static const char *const xtcp_fault_names[XTCP_NR_FAULTS] = {
	[XTCP_FAULT_SYN] = "fail_syn",
	[XTCP_FAULT_SYNACK] = "fail_synack",
	[XTCP_FAULT_FIN] = "fail_fin",
	[XTCP_FAULT_DATA] = "fail_data",
	[XTCP_FAULT_XMIT] = "fail_xmit",
	[XTCP_FAULT_BARE] = "fail_bare",
	[XTCP_FAULT_REPLY] = "fail_reply",
	[XTCP_FAULT_CHILD] = "fail_child",
	[XTCP_FAULT_REQUEST] = "fail_request",
};

/**
 * xtcp_should_fail() - should the allocation at @site fail this time?
 * @site: the allocation site.
 *
 * Return: true to make the caller behave as if the allocation failed.
 */
bool xtcp_should_fail(enum xtcp_fault site)
{
	if (!READ_ONCE(xtcp_fail_site[site]))
		return false;
	return should_fail(&xtcp_fail_attr, 1);
}

/**
 * xtcp_fault_init() - create /sys/kernel/debug/xtcp_fail at module load.
 * Without debugfs the sites stay off: loading never fails for it.
 */
void xtcp_fault_init(void)
{
	struct dentry *dir;
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(xtcp_fault_names) != XTCP_NR_FAULTS);
	dir = fault_create_debugfs_attr("xtcp_fail", NULL, &xtcp_fail_attr);
	if (IS_ERR(dir))
		return;
	for (i = 0; i < XTCP_NR_FAULTS; i++)
		debugfs_create_bool(xtcp_fault_names[i], 0600, dir,
				    &xtcp_fail_site[i]);
	xtcp_fail_dir = dir;
}

/** xtcp_fault_exit() - remove the debugfs directory at module unload. */
void xtcp_fault_exit(void)
{
	debugfs_remove_recursive(xtcp_fail_dir);
	xtcp_fail_dir = NULL;
}
