// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: /proc/tcpstates (the events) and /proc/tcpstates_stats (the
 * counters).
 *
 * /proc/tcpstates is a seq_file whose position is the event sequence
 * number: position 0 is the header line, position N the event numbered N.
 * start() jumps forward to the oldest event still in the ring, so a slow
 * reader skips what was overwritten and the gap shows in the SEQ column.
 * Each record is copied out of the ring under its lock; no lock is held
 * between start() and stop().
 *
 * A reader sees the events of its own network namespace, or of all of
 * them when it opened the file with CAP_NET_ADMIN in the initial user
 * namespace.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/nsproxy.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <linux/inet.h>
#include <linux/socket.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "tcpstates.h"

#define TCPSTATES_ENDPOINT_LEN	(INET6_ADDRSTRLEN + 9)	/* "[addr]:port" */

static const char * const tcpstates_state_names[] = {
	[TCP_ESTABLISHED] = "ESTABLISHED",
	[TCP_SYN_SENT] = "SYN_SENT",
	[TCP_SYN_RECV] = "SYN_RECV",
	[TCP_FIN_WAIT1] = "FIN_WAIT1",
	[TCP_FIN_WAIT2] = "FIN_WAIT2",
	[TCP_TIME_WAIT] = "TIME_WAIT",
	[TCP_CLOSE] = "CLOSE",
	[TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_LAST_ACK] = "LAST_ACK",
	[TCP_LISTEN] = "LISTEN",
	[TCP_CLOSING] = "CLOSING",
	[TCP_NEW_SYN_RECV] = "NEW_SYN_RECV",
};

static const char *tcpstates_state_name(unsigned int state)
{
	if (state < ARRAY_SIZE(tcpstates_state_names) &&
	    tcpstates_state_names[state])
		return tcpstates_state_names[state];
	return "UNKNOWN";
}

/**
 * struct tcpstates_reader - one open /proc/tcpstates
 * @all_netns: may see every namespace's events
 * @netns: else, the only namespace it sees
 * @ev: the record being shown
 */
struct tcpstates_reader {
	bool all_netns;
	u32 netns;
	struct tcpstates_event ev;
};

/* The first event at or after @seq that this reader may see, or NULL. */
static void *tcpstates_seq_fetch(struct tcpstates_reader *r, loff_t *pos)
{
	u64 seq = *pos;

	while (tcpstates_ring_read(seq, &r->ev)) {
		if (r->all_netns || r->ev.netns == r->netns) {
			*pos = r->ev.seq;
			return &r->ev;
		}
		seq = r->ev.seq + 1;
		cond_resched();
	}
	*pos = seq;
	return NULL;
}

static void *tcpstates_seq_start(struct seq_file *m, loff_t *pos)
{
	if (*pos == 0)
		return SEQ_START_TOKEN;
	return tcpstates_seq_fetch(m->private, pos);
}

static void *tcpstates_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct tcpstates_reader *r = m->private;

	*pos = v == SEQ_START_TOKEN ? 1 : r->ev.seq + 1;
	return tcpstates_seq_fetch(r, pos);
}

static void tcpstates_seq_stop(struct seq_file *m, void *v)
{
}

static void tcpstates_format_endpoint(char *buf, size_t len, u16 family,
				      const union tcpstates_addr *addr,
				      __be16 port)
{
	if (family == AF_INET)
		snprintf(buf, len, "%pI4:%u", &addr->v4, ntohs(port));
	else
		snprintf(buf, len, "[%pI6c]:%u", &addr->v6, ntohs(port));
}

static int tcpstates_seq_show(struct seq_file *m, void *v)
{
	char local[TCPSTATES_ENDPOINT_LEN], remote[TCPSTATES_ENDPOINT_LEN];
	const struct tcpstates_event *ev = v;
	char time[24];

	if (v == SEQ_START_TOKEN) {
		seq_printf(m, "%-8s %-16s %-10s %-11s %-11s %-21s %s\n",
			   "SEQ", "TIME", "NETNS", "OLDSTATE", "NEWSTATE",
			   "LOCAL", "REMOTE");
		return 0;
	}
	tcpstates_format_endpoint(local, sizeof(local), ev->family,
				  &ev->saddr, ev->sport);
	tcpstates_format_endpoint(remote, sizeof(remote), ev->family,
				  &ev->daddr, ev->dport);
	snprintf(time, sizeof(time), "%llu.%09llu", ev->ts_ns / NSEC_PER_SEC,
		 ev->ts_ns % NSEC_PER_SEC);
	seq_printf(m, "%-8llu %-16s %-10u %-11s %-11s %-21s %s\n",
		   ev->seq, time, ev->netns, tcpstates_state_name(ev->oldstate),
		   tcpstates_state_name(ev->newstate), local, remote);
	return 0;
}

static const struct seq_operations tcpstates_seq_ops = {
	.start = tcpstates_seq_start,
	.next = tcpstates_seq_next,
	.stop = tcpstates_seq_stop,
	.show = tcpstates_seq_show,
};

static int tcpstates_proc_open(struct inode *inode, struct file *file)
{
	struct tcpstates_reader *r;

	r = __seq_open_private(file, &tcpstates_seq_ops, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->all_netns = file_ns_capable(file, &init_user_ns, CAP_NET_ADMIN);
	r->netns = current->nsproxy->net_ns->ns.inum;
	return 0;
}

static const struct proc_ops tcpstates_proc_ops = {
	.proc_open = tcpstates_proc_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = seq_release_private,
};

static int tcpstates_stats_show(struct seq_file *m, void *v)
{
	struct tcpstates_ring_stats st;

	tcpstates_ring_stats(&st);
	seq_printf(m, "events %llu\n", st.next_seq - 1);
	seq_printf(m, "ring_size %u\n", st.size);
	seq_printf(m, "ring_used %llu\n", st.next_seq - st.first_seq);
	seq_printf(m, "ring_first_seq %llu\n", st.first_seq);
	seq_printf(m, "drops_ring_overwritten %llu\n", st.overwritten);
	seq_printf(m, "kprobe_missed %lu\n", tcpstates_probe_missed());
	return 0;
}

static struct proc_dir_entry *tcpstates_proc, *tcpstates_stats_proc;

/**
 * tcpstates_proc_init() - create /proc/tcpstates and /proc/tcpstates_stats
 *
 * Return: 0 or -ENOMEM.
 */
int tcpstates_proc_init(void)
{
	tcpstates_proc = proc_create("tcpstates", 0444, NULL,
				     &tcpstates_proc_ops);
	if (!tcpstates_proc)
		return -ENOMEM;
	tcpstates_stats_proc = proc_create_single("tcpstates_stats", 0444, NULL,
						  tcpstates_stats_show);
	if (!tcpstates_stats_proc)
		goto out_remove_events;
	return 0;

out_remove_events:
	proc_remove(tcpstates_proc);
	return -ENOMEM;
}

/**
 * tcpstates_proc_exit() - remove the files; waits for readers inside them
 */
void tcpstates_proc_exit(void)
{
	proc_remove(tcpstates_stats_proc);
	proc_remove(tcpstates_proc);
}
