// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: trace TCP state transitions into /proc/tcpstates.
 *
 * ORDER: the ring exists before anything can write or read it; the proc
 * files exist before the probes fire, so that nothing recorded is
 * unreachable. Exit undoes it in reverse: once the probes are unregistered
 * no handler runs, proc_remove() waits for readers, then the ring goes.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kernel.h>
#include <linux/log2.h>

#include "tcpstates.h"

static unsigned int ring_size = TCPSTATES_RING_DEFAULT;

static int ring_size_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || n < TCPSTATES_RING_MIN ||
	    n > TCPSTATES_RING_MAX) {
		pr_err("ring_size=%s: want a number of events from %u to %u\n",
		       val, TCPSTATES_RING_MIN, TCPSTATES_RING_MAX);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = n;
	return 0;
}

static const struct kernel_param_ops ring_size_ops = {
	.set = ring_size_set,
	.get = param_get_uint,
};

module_param_cb(ring_size, &ring_size_ops, &ring_size, 0444);
MODULE_PARM_DESC(ring_size,
		 "events kept for readers, 16..1048576, rounded up to a power of two (default 4096)");

static int __init tcpstates_init(void)
{
	int ret;

	ring_size = roundup_pow_of_two(ring_size);
	ret = tcpstates_ring_init(ring_size);
	if (ret)
		return ret;
	ret = tcpstates_proc_init();
	if (ret)
		goto out_free_ring;
	ret = tcpstates_probe_init();
	if (ret)
		goto out_remove_proc;
	pr_info("tracing TCP state transitions, ring of %u events\n",
		ring_size);
	return 0;

out_remove_proc:
	tcpstates_proc_exit();
out_free_ring:
	tcpstates_ring_exit();
	return ret;
}

static void __exit tcpstates_exit(void)
{
	tcpstates_probe_exit();
	tcpstates_proc_exit();
	tcpstates_ring_exit();
}

module_init(tcpstates_init);
module_exit(tcpstates_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TCP state transitions in /proc/tcpstates");
MODULE_AUTHOR("tcpstates developers");
MODULE_VERSION("0.1");
