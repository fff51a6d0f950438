// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: trace TCP state transitions into /proc/tcpstates and a
 * generic netlink family; the module's parameters, init and exit.
 *
 * ORDER: the ring, the connection table and the aggregates exist before
 * anything can write or read them, and the per-namespace state before
 * anything asks a namespace's id; the proc files, the netlink family and its multicast
 * sender exist before the probes fire, so that nothing recorded is
 * unreachable (and the ring knows whom to wake); the table starts keeping
 * tombstones before the probes fire, and the connections that already
 * exist are seeded once the probes run, so that none falls in between or
 * comes back after it closed. Exit undoes it in reverse: once the probes
 * are unregistered no handler runs and nothing wakes the multicast
 * sender, which then sends what it was woken for and is stopped before
 * the family goes; proc_remove() waits for readers; then the aggregates,
 * the namespaces' state, the table and the ring go.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <net/genetlink.h>

#include "tcpstates.h"

static unsigned int ring_size = TCPSTATES_RING_DEFAULT;
static unsigned int conn_max = TCPSTATES_CONN_DEFAULT;

/* A size parameter: a number in [min, max], else refused with a message. */
static int size_param_set(const char *val, const struct kernel_param *kp,
			  const char *what, unsigned int min, unsigned int max)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || n < min || n > max) {
		pr_err("%s=%s: want a number of %s from %u to %u\n",
		       kp->name, val, what, min, max);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = n;
	return 0;
}

static int ring_size_set(const char *val, const struct kernel_param *kp)
{
	return size_param_set(val, kp, "events", TCPSTATES_RING_MIN,
			      TCPSTATES_RING_MAX);
}

static int conn_max_set(const char *val, const struct kernel_param *kp)
{
	return size_param_set(val, kp, "connections", TCPSTATES_CONN_MIN,
			      TCPSTATES_CONN_MAX);
}

static const struct kernel_param_ops ring_size_ops = {
	.set = ring_size_set,
	.get = param_get_uint,
};

static const struct kernel_param_ops conn_max_ops = {
	.set = conn_max_set,
	.get = param_get_uint,
};

module_param_cb(ring_size, &ring_size_ops, &ring_size, 0444);
MODULE_PARM_DESC(ring_size,
		 "events kept for readers, 16..1048576, rounded up to a power of two (default 4096)");
module_param_cb(conn_max, &conn_max_ops, &conn_max, 0444);
MODULE_PARM_DESC(conn_max,
		 "live connections tracked, 16..1048576 (default 16384); when full, TIME_WAIT entries are evicted first, CLOSE_WAIT and listeners last");

static int __init tcpstates_init(void)
{
	int ret;

	ring_size = roundup_pow_of_two(ring_size);
	ret = tcpstates_ring_init(ring_size);
	if (ret)
		return ret;
	ret = tcpstates_conn_init(conn_max);
	if (ret)
		goto out_free_ring;
	ret = tcpstates_netns_init();
	if (ret)
		goto out_free_table;
	ret = tcpstates_aggr_init();
	if (ret)
		goto out_drop_netns;
	ret = tcpstates_proc_init();
	if (ret)
		goto out_free_aggr;
	ret = tcpstates_map_init();
	if (ret)
		goto out_remove_proc;
	ret = tcpstates_nl_init();
	if (ret)
		goto out_remove_map;
	ret = tcpstates_mcast_init();
	if (ret)
		goto out_unregister_nl;
	tcpstates_conn_seed_begin();
	ret = tcpstates_probe_init();
	if (ret)
		goto out_stop_mcast;
	tcpstates_seed();
	pr_info("tracing TCP state transitions, ring of %u events, table of %u connections\n",
		ring_size, conn_max);
	return 0;

out_stop_mcast:
	tcpstates_mcast_exit();
out_unregister_nl:
	tcpstates_nl_exit();
out_remove_map:
	tcpstates_map_exit();
out_remove_proc:
	tcpstates_proc_exit();
out_free_aggr:
	tcpstates_aggr_exit();
out_drop_netns:
	tcpstates_netns_exit();
out_free_table:
	tcpstates_conn_exit();
out_free_ring:
	tcpstates_ring_exit();
	return ret;
}

static void __exit tcpstates_exit(void)
{
	tcpstates_probe_exit();
	tcpstates_mcast_exit();
	tcpstates_nl_exit();
	tcpstates_map_exit();
	tcpstates_proc_exit();
	tcpstates_aggr_exit();
	tcpstates_netns_exit();
	tcpstates_conn_exit();
	tcpstates_ring_exit();
}

module_init(tcpstates_init);
module_exit(tcpstates_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TCP state transitions in /proc/tcpstates and generic netlink");
MODULE_AUTHOR("tcpstates developers");
MODULE_ALIAS_GENL_FAMILY(TCPSTATES_GENL_NAME);
MODULE_VERSION("0.2");
