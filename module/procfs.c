// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: /proc/tcpstates (the events), /proc/tcpstates_conns (the live
 * connections and their lifecycle so far) and /proc/tcpstates_stats (the
 * counters).
 *
 * /proc/tcpstates is a seq_file whose position is the event sequence
 * number: position 0 is the header line, position N the event numbered N.
 * start() jumps forward to the oldest event still in the ring, so a slow
 * reader skips what was overwritten and the gap shows in the SEQ column.
 * A pass ends at the newest event as it was when the pass began (at the
 * first read, and at the first read after end of file): cat ends even
 * while connections keep coming faster than it reads, and reading on
 * after end of file gives the events since, with no gap or duplicate.
 * Each record is copied out of the ring under its lock; no lock is held
 * between start() and stop().
 *
 * A reader sees the events and connections of its own network namespace,
 * or of all of them when it opened the file with CAP_NET_ADMIN in the
 * initial user namespace.
 *
 * Fields are separated by blanks; a field that is not known is "-". COMM,
 * last on the line, has blanks, backslashes and non-printable bytes escaped
 * as \ooo (octal).
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

static const char * const tcpstates_cause_names[] = {
	[TCPSTATES_CAUSE_NONE] = "-",
	[TCPSTATES_CAUSE_NORMAL] = "normal",
	[TCPSTATES_CAUSE_RESET_RECEIVED] = "reset_received",
	[TCPSTATES_CAUSE_RESET_SENT] = "reset_sent",
	[TCPSTATES_CAUSE_REFUSED] = "refused",
	[TCPSTATES_CAUSE_TIMEOUT] = "timeout",
	[TCPSTATES_CAUSE_ABORTED] = "aborted",
	[TCPSTATES_CAUSE_TW_TIMER] = "tw_timer",
	[TCPSTATES_CAUSE_TW_EARLY] = "tw_early",
	[TCPSTATES_CAUSE_TW_NETNS] = "tw_netns",
};

static const char * const tcpstates_role_names[] = {
	[TCPSTATES_ROLE_UNKNOWN] = "-",
	[TCPSTATES_ROLE_ACTIVE] = "active",
	[TCPSTATES_ROLE_PASSIVE] = "passive",
	[TCPSTATES_ROLE_LISTENER] = "listener",
};

static const char *tcpstates_state_name(unsigned int state)
{
	if (state < ARRAY_SIZE(tcpstates_state_names) &&
	    tcpstates_state_names[state])
		return tcpstates_state_names[state];
	return "UNKNOWN";
}

/**
 * struct tcpstates_reader - one open /proc/tcpstates or /proc/tcpstates_conns
 * @all_netns: may see every namespace's records
 * @netns: else, the only namespace it sees
 * @resume_pos: tcpstates_conns: the position next() moved to last...
 * @resume_cur: ...and the table cursor before it
 * @end: tcpstates: this pass shows the events before this sequence number;
 *	0 until the pass begins (at the first read, and after end of file)
 * @cur: tcpstates_conns: the table cursor at the entry shown
 * @ev: the event being shown
 * @conn: the connection being shown
 */
struct tcpstates_reader {
	bool all_netns;
	u32 netns;
	loff_t resume_pos;
	struct tcpstates_conn_cursor resume_cur;
	struct tcpstates_conn_cursor cur;
	u64 end;
	union {
		struct tcpstates_event ev;
		struct tcpstates_conn conn;
	};
};

static bool tcpstates_may_see(const struct tcpstates_reader *r, u32 netns)
{
	return r->all_netns || netns == r->netns;
}

/* Open /proc/tcpstates and /proc/tcpstates_conns readers, for the stats. */
static atomic_t tcpstates_readers = ATOMIC_INIT(0);

static int tcpstates_reader_open(struct file *file,
				 const struct seq_operations *ops)
{
	struct tcpstates_reader *r;

	r = __seq_open_private(file, ops, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->all_netns = file_ns_capable(file, &init_user_ns, CAP_NET_ADMIN);
	r->netns = current->nsproxy->net_ns->ns.inum;
	atomic_inc(&tcpstates_readers);
	return 0;
}

static int tcpstates_reader_release(struct inode *inode, struct file *file)
{
	atomic_dec(&tcpstates_readers);
	return seq_release_private(inode, file);
}

/**
 * tcpstates_proc_readers_open() - how many event and connection readers are open
 *
 * Return: the number of open /proc/tcpstates and /proc/tcpstates_conns files.
 */
int tcpstates_proc_readers_open(void)
{
	return atomic_read(&tcpstates_readers);
}

/* The first event at or after @seq that this reader may see, or NULL. */
static void *tcpstates_seq_fetch(struct tcpstates_reader *r, loff_t *pos)
{
	u64 seq = *pos;

	while (tcpstates_ring_read(seq, &r->ev) && r->ev.seq < r->end) {
		if (tcpstates_may_see(r, r->ev.ep.netns)) {
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
	struct tcpstates_reader *r = m->private;
	struct tcpstates_ring_stats st;
	void *v;

	if (!r->end) {
		tcpstates_ring_stats(&st);
		r->end = st.next_seq;
	}
	if (*pos == 0)
		return SEQ_START_TOKEN;
	v = tcpstates_seq_fetch(r, pos);
	/* nothing left: this read is the end of file, the next one a pass */
	if (!v)
		r->end = 0;
	return v;
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

static void tcpstates_put_endpoint(struct seq_file *m,
				   const struct tcpstates_endpoints *ep,
				   const union tcpstates_addr *addr,
				   __be16 port)
{
	char buf[TCPSTATES_ENDPOINT_LEN];

	if (ep->family == AF_INET)
		snprintf(buf, sizeof(buf), "%pI4:%u", &addr->v4, ntohs(port));
	else
		snprintf(buf, sizeof(buf), "[%pI6c]:%u", &addr->v6, ntohs(port));
	seq_printf(m, " %-21s", buf);
}

/* " ms.us" of a duration in ns, or " -" */
static void tcpstates_put_ms(struct seq_file *m, u64 ns, int width)
{
	char buf[24];

	if (ns == TCPSTATES_UNKNOWN) {
		seq_printf(m, " %-*s", width, "-");
		return;
	}
	ns = div_u64(ns, NSEC_PER_USEC);
	snprintf(buf, sizeof(buf), "%llu.%03llu", div_u64(ns, 1000),
		 ns % 1000);
	seq_printf(m, " %-*s", width, buf);
}

static void tcpstates_put_u32(struct seq_file *m, bool known, u32 v)
{
	if (known)
		seq_printf(m, " %-10u", v);
	else
		seq_printf(m, " %-10s", "-");
}

/* " TGID PID UID COMM", COMM escaped, or dashes when unknown */
static void tcpstates_put_owner(struct seq_file *m,
				const struct tcpstates_owner *o)
{
	const unsigned char *c;

	if (!o->tgid) {
		seq_printf(m, " %-7s %-7s %-6s -", "-", "-", "-");
		return;
	}
	seq_printf(m, " %-7u %-7u %-6u ", o->tgid, o->pid, o->uid);
	for (c = o->comm; *c && c < (const unsigned char *)o->comm + sizeof(o->comm); c++) {
		if (*c <= ' ' || *c >= 0x7f || *c == '\\')
			seq_printf(m, "\\%03o", *c);
		else
			seq_putc(m, *c);
	}
}

static int tcpstates_seq_show(struct seq_file *m, void *v)
{
	const struct tcpstates_event *ev = v;
	char time[24];

	if (v == SEQ_START_TOKEN) {
		seq_printf(m, "%-8s %-16s %-10s %-18s %-12s %-12s %-10s %-14s %-21s %-21s %-10s %-10s %-7s %-7s %-6s %s\n",
			   "SEQ", "TIME", "NETNS", "COOKIE", "OLDSTATE",
			   "NEWSTATE", "PREV_MS", "CAUSE", "LOCAL", "REMOTE",
			   "SND", "RCV", "TGID", "PID", "UID", "COMM");
		return 0;
	}
	snprintf(time, sizeof(time), "%llu.%09llu", ev->ts_ns / NSEC_PER_SEC,
		 ev->ts_ns % NSEC_PER_SEC);
	seq_printf(m, "%-8llu %-16s %-10u %-18llu %-12s %-12s", ev->seq, time,
		   ev->ep.netns, ev->cookie, tcpstates_state_name(ev->oldstate),
		   tcpstates_state_name(ev->newstate));
	tcpstates_put_ms(m, ev->prev_ns, 10);
	seq_printf(m, " %-14s", tcpstates_cause_names[ev->cause]);
	tcpstates_put_endpoint(m, &ev->ep, &ev->ep.saddr, ev->ep.sport);
	tcpstates_put_endpoint(m, &ev->ep, &ev->ep.daddr, ev->ep.dport);
	seq_printf(m, " %-10u %-10u", ev->snd, ev->rcv);
	tcpstates_put_owner(m, &ev->owner);
	seq_putc(m, '\n');
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
	return tcpstates_reader_open(file, &tcpstates_seq_ops);
}

static const struct proc_ops tcpstates_proc_ops = {
	.proc_open = tcpstates_proc_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = tcpstates_reader_release,
};

/*
 * /proc/tcpstates_conns: position 0 is the header, then one entry per
 * step, each found from the previous one's table cursor.
 */
static void *tcpstates_conns_fetch(struct tcpstates_reader *r,
				   struct tcpstates_conn_cursor *cur)
{
	while (tcpstates_conn_read(cur, &r->conn))
		if (tcpstates_may_see(r, r->conn.ep.netns))
			return &r->conn;
	return NULL;
}

static void *tcpstates_conns_start(struct seq_file *m, loff_t *pos)
{
	struct tcpstates_reader *r = m->private;
	loff_t n = *pos;
	void *v;

	if (n == 0)
		return SEQ_START_TOKEN;
	/* seq_file restarts here after each buffer: resume where next() was */
	if (n == r->resume_pos) {
		r->cur = r->resume_cur;
		return tcpstates_conns_fetch(r, &r->cur);
	}
	memset(&r->cur, 0, sizeof(r->cur));
	for (v = tcpstates_conns_fetch(r, &r->cur); v && --n; )
		v = tcpstates_conns_fetch(r, &r->cur);
	return v;
}

static void *tcpstates_conns_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct tcpstates_reader *r = m->private;

	if (v == SEQ_START_TOKEN)
		memset(&r->cur, 0, sizeof(r->cur));
	r->resume_pos = ++*pos;
	r->resume_cur = r->cur;
	return tcpstates_conns_fetch(r, &r->cur);
}

static int tcpstates_conns_show(struct seq_file *m, void *v)
{
	const struct tcpstates_conn *c = v;
	bool first = true;
	unsigned int s;

	if (v == SEQ_START_TOKEN) {
		seq_printf(m, "%-18s %-10s %-12s %-10s %-8s %-11s %-21s %-21s %-10s %-10s %-10s %-10s %-9s %-12s %s %-7s %-7s %-6s %s\n",
			   "COOKIE", "NETNS", "STATE", "STATE_MS", "ROLE",
			   "FLAGS", "LOCAL", "REMOTE", "ISN_LOCAL",
			   "ISN_REMOTE", "FIN_LOCAL", "FIN_REMOTE", "FIRST_FIN",
			   "HANDSHAKE_US", "DURATIONS_MS", "TGID", "PID", "UID",
			   "COMM");
		return 0;
	}
	seq_printf(m, "%-18llu %-10u %-12s", c->cookie, c->ep.netns,
		   tcpstates_state_name(c->state));
	tcpstates_put_ms(m, c->state_ns == TCPSTATES_UNKNOWN ?
			 TCPSTATES_UNKNOWN : ktime_get_ns() - c->state_ns, 10);
	seq_printf(m, " %-8s %-11s", tcpstates_role_names[c->role],
		   (c->flags & TCPSTATES_CONN_PREEXISTING) ?
		   ((c->flags & TCPSTATES_CONN_TIMEWAIT) ? "pre,tw" : "pre") :
		   ((c->flags & TCPSTATES_CONN_TIMEWAIT) ? "tw" : "-"));
	tcpstates_put_endpoint(m, &c->ep, &c->ep.saddr, c->ep.sport);
	tcpstates_put_endpoint(m, &c->ep, &c->ep.daddr, c->ep.dport);
	tcpstates_put_u32(m, c->known & TCPSTATES_KNOW_ISN_LOCAL, c->isn_local);
	tcpstates_put_u32(m, c->known & TCPSTATES_KNOW_ISN_REMOTE, c->isn_remote);
	tcpstates_put_u32(m, c->known & TCPSTATES_KNOW_FIN_LOCAL, c->fin_local);
	tcpstates_put_u32(m, c->known & TCPSTATES_KNOW_FIN_REMOTE, c->fin_remote);
	seq_printf(m, " %-9s", c->first_fin == 1 ? "local" :
		   c->first_fin == 2 ? "remote" : "-");
	if (c->known & TCPSTATES_KNOW_HANDSHAKE)
		seq_printf(m, " %-12u ", c->handshake_us);
	else
		seq_printf(m, " %-12s ", "-");
	/* Time spent in each state left so far: STATE=ms,... */
	for (s = 1; s < TCPSTATES_NSTATES; s++) {
		if (!c->state_us[s])
			continue;
		seq_printf(m, "%s%s=%u.%03u", first ? "" : ",",
			   tcpstates_state_name(s), c->state_us[s] / 1000,
			   c->state_us[s] % 1000);
		first = false;
	}
	if (first)
		seq_putc(m, '-');
	tcpstates_put_owner(m, &c->owner);
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations tcpstates_conns_seq_ops = {
	.start = tcpstates_conns_start,
	.next = tcpstates_conns_next,
	.stop = tcpstates_seq_stop,
	.show = tcpstates_conns_show,
};

static int tcpstates_conns_open(struct inode *inode, struct file *file)
{
	return tcpstates_reader_open(file, &tcpstates_conns_seq_ops);
}

static const struct proc_ops tcpstates_conns_proc_ops = {
	.proc_open = tcpstates_conns_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = tcpstates_reader_release,
};

static int tcpstates_stats_show(struct seq_file *m, void *v)
{
	struct tcpstates_conn_stats cs;
	struct tcpstates_ring_stats st;

	tcpstates_ring_stats(&st);
	tcpstates_conn_stats(&cs);
	seq_printf(m, "events %llu\n", st.next_seq - 1);
	seq_printf(m, "ring_size %u\n", st.size);
	seq_printf(m, "ring_used %llu\n", st.next_seq - st.first_seq);
	seq_printf(m, "ring_first_seq %llu\n", st.first_seq);
	seq_printf(m, "drops_ring_overwritten %llu\n", st.overwritten);
	seq_printf(m, "kprobe_missed %lu\n", tcpstates_probe_missed());
	seq_printf(m, "conn_used %llu\n", cs.used);
	seq_printf(m, "conn_max %llu\n", cs.max);
	seq_printf(m, "conn_added %llu\n", cs.added);
	seq_printf(m, "conn_removed %llu\n", cs.removed);
	seq_printf(m, "conn_evicted %llu\n", cs.evicted);
	seq_printf(m, "conn_seeded %llu\n", cs.seeded);
	seq_printf(m, "mem_bytes %llu\n", st.bytes + cs.bytes);
	seq_printf(m, "readers_open %d\n", tcpstates_proc_readers_open());
	seq_printf(m, "dumps_running %d\n", tcpstates_nl_dumps_running());
	return 0;
}

static struct proc_dir_entry *tcpstates_proc, *tcpstates_conns_proc;
static struct proc_dir_entry *tcpstates_stats_proc;

/**
 * tcpstates_proc_init() - create the /proc/tcpstates* files
 *
 * Return: 0 or -ENOMEM.
 */
int tcpstates_proc_init(void)
{
	tcpstates_proc = proc_create("tcpstates", 0444, NULL,
				     &tcpstates_proc_ops);
	if (!tcpstates_proc)
		return -ENOMEM;
	tcpstates_conns_proc = proc_create("tcpstates_conns", 0444, NULL,
					   &tcpstates_conns_proc_ops);
	if (!tcpstates_conns_proc)
		goto out_remove_events;
	tcpstates_stats_proc = proc_create_single("tcpstates_stats", 0444, NULL,
						  tcpstates_stats_show);
	if (!tcpstates_stats_proc)
		goto out_remove_conns;
	return 0;

out_remove_conns:
	proc_remove(tcpstates_conns_proc);
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
	proc_remove(tcpstates_conns_proc);
	proc_remove(tcpstates_proc);
}
