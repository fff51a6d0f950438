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
 * What a reader sees is view.c's rule, fixed when it opens the file: its
 * own network namespace (all of them with CAP_NET_ADMIN in the initial
 * user namespace), and sequence numbers and other users' processes only
 * with CAP_NET_ADMIN over the namespace; what it may not see is "-".
 *
 * Fields are separated by blanks; a field that is not known is "-". COMM,
 * last on the line, has blanks, backslashes and non-printable bytes escaped
 * as \ooo (octal).
 */
#include <linux/inet.h>
#include <linux/math64.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
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
	[TCPSTATES_CAUSE_TW_OVERFLOW] = "tw_overflow",
	[TCPSTATES_CAUSE_HOST_UNREACHABLE] = "host_unreachable",
	[TCPSTATES_CAUSE_NET_UNREACHABLE] = "net_unreachable",
	[TCPSTATES_CAUSE_ERROR] = "error",
	[TCPSTATES_CAUSE_SYN_DROPPED] = "syn_dropped",
	[TCPSTATES_CAUSE_ACK_DROPPED] = "ack_dropped",
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
 * @viewer: who opened it, and so what it sees
 * @resume_pos: tcpstates_conns: the position next() moved to last...
 * @resume_cur: ...and the table cursor before it
 * @cur: tcpstates_conns: the table cursor at the entry shown
 * @end: tcpstates: this pass shows the events before this sequence number;
 *	0 until the pass begins (at the first read, and after end of file)
 * @ev: the event being shown
 * @conn: the connection being shown
 */
struct tcpstates_reader {
	struct tcpstates_viewer viewer;
	loff_t resume_pos;
	struct tcpstates_conn_cursor resume_cur;
	struct tcpstates_conn_cursor cur;
	u64 end;
	union {
		struct tcpstates_event ev;
		struct tcpstates_conn conn;
	};
};

static int tcpstates_reader_open(struct file *file,
				 const struct seq_operations *ops)
{
	struct tcpstates_reader *r;

	r = __seq_open_private(file, ops, sizeof(*r));
	if (!r)
		return -ENOMEM;
	tcpstates_viewer_of_file(&r->viewer, file);
	tcpstates_count(TCPSTATES_C_READERS_OPEN, 1);
	return 0;
}

static int tcpstates_reader_release(struct inode *inode, struct file *file)
{
	tcpstates_count(TCPSTATES_C_READERS_OPEN, -1);
	return seq_release_private(inode, file);
}

/* The first event at or after @seq that this reader may see, or NULL. */
static void *tcpstates_seq_fetch(struct tcpstates_reader *r, loff_t *pos)
{
	u64 seq = *pos;

	while (tcpstates_ring_read(seq, &r->ev) && r->ev.seq < r->end) {
		if (tcpstates_view_sees(&r->viewer, r->ev.ep.netns_id)) {
			tcpstates_view_event(&r->viewer, &r->ev);
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

/* "ms.us" of a duration in microseconds */
static void tcpstates_fmt_us(char *buf, size_t len, u64 us)
{
	u32 rem;
	u64 ms = div_u64_rem(us, USEC_PER_MSEC, &rem);

	snprintf(buf, len, "%llu.%03u", ms, rem);
}

/* " ms.us" of a duration in ns, or " -" */
static void tcpstates_put_ms(struct seq_file *m, u64 ns, int width)
{
	char buf[32];

	if (ns == TCPSTATES_UNKNOWN) {
		seq_printf(m, " %-*s", width, "-");
		return;
	}
	tcpstates_fmt_us(buf, sizeof(buf), div_u64(ns, NSEC_PER_USEC));
	seq_printf(m, " %-*s", width, buf);
}

static void tcpstates_put_u32(struct seq_file *m, bool known, u32 v)
{
	if (known)
		seq_printf(m, " %-10u", v);
	else
		seq_printf(m, " %-10s", "-");
}

/* " TGID PID UID COMM", COMM escaped; "-" for what is not known or shown */
static void tcpstates_put_owner(struct seq_file *m,
				const struct tcpstates_owner *o)
{
	const unsigned char *c;

	if (o->known & TCPSTATES_OWNER_PROC)
		seq_printf(m, " %-7u %-7u", o->tgid, o->pid);
	else
		seq_printf(m, " %-7s %-7s", "-", "-");
	if (o->known & TCPSTATES_OWNER_UID)
		seq_printf(m, " %-6u ", o->uid);
	else
		seq_printf(m, " %-6s ", "-");
	if (!(o->known & TCPSTATES_OWNER_PROC)) {
		seq_putc(m, '-');
		return;
	}
	for (c = o->comm; *c && c < (const unsigned char *)o->comm + sizeof(o->comm); c++) {
		if (*c <= ' ' || *c >= 0x7f || *c == '\\')
			seq_printf(m, "\\%03o", *c);
		else
			seq_putc(m, *c);
	}
}

/* " CAUSE": its name; error(N) with the errno */
static void tcpstates_put_cause(struct seq_file *m,
				const struct tcpstates_event *ev)
{
	char buf[24];

	if (ev->cause == TCPSTATES_CAUSE_ERROR)
		snprintf(buf, sizeof(buf), "error(%u)", ev->err);
	else if (ev->cause < ARRAY_SIZE(tcpstates_cause_names) &&
		 tcpstates_cause_names[ev->cause])
		snprintf(buf, sizeof(buf), "%s", tcpstates_cause_names[ev->cause]);
	else
		snprintf(buf, sizeof(buf), "%u", ev->cause);
	seq_printf(m, " %-16s", buf);
}

static int tcpstates_seq_show(struct seq_file *m, void *v)
{
	const struct tcpstates_event *ev = v;
	char time[32];
	u64 sec;
	u32 nsec;

	if (v == SEQ_START_TOKEN) {
		seq_printf(m, "%-8s %-16s %-10s %-18s %-12s %-12s %-10s %-16s %-21s %-21s %-10s %-10s %-5s %-7s %-7s %-6s %s\n",
			   "SEQ", "TIME", "NETNS", "COOKIE", "OLDSTATE",
			   "NEWSTATE", "PREV_MS", "CAUSE", "LOCAL", "REMOTE",
			   "SND", "RCV", "FLAGS", "TGID", "PID", "UID", "COMM");
		return 0;
	}
	sec = div_u64_rem(ev->ts_ns, NSEC_PER_SEC, &nsec);
	snprintf(time, sizeof(time), "%llu.%09u", sec, nsec);
	seq_printf(m, "%-8llu %-16s %-10u %-18llu %-12s %-12s", ev->seq, time,
		   ev->ep.netns_ino, ev->cookie,
		   tcpstates_state_name(ev->oldstate),
		   tcpstates_state_name(ev->newstate));
	tcpstates_put_ms(m, ev->prev_ns, 10);
	tcpstates_put_cause(m, ev);
	tcpstates_put_endpoint(m, &ev->ep, &ev->ep.saddr, ev->ep.sport);
	tcpstates_put_endpoint(m, &ev->ep, &ev->ep.daddr, ev->ep.dport);
	tcpstates_put_u32(m, ev->known & TCPSTATES_EV_SND, ev->snd);
	tcpstates_put_u32(m, ev->known & TCPSTATES_EV_RCV, ev->rcv);
	seq_printf(m, " %-5s", (ev->flags & TCPSTATES_EVENT_F_PARTIAL) ?
		   "part" : "-");
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
	while (tcpstates_conn_read(cur, &r->conn)) {
		if (tcpstates_view_sees(&r->viewer, r->conn.ep.netns_id)) {
			tcpstates_view_conn(&r->viewer, &r->conn);
			return &r->conn;
		}
	}
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

/* " TX_BYTES RX_BYTES RETRANS SRTT_US", as of the last event that read them */
static void tcpstates_put_conn_data(struct seq_file *m,
				    const struct tcpstates_conn *c)
{
	const struct tcpstates_data *d = &c->data;

	if (!(c->known & TCPSTATES_KNOW_DATA)) {
		seq_printf(m, " %-12s %-12s %-7s %-8s", "-", "-", "-", "-");
		return;
	}
	seq_printf(m, " %-12llu %-12llu %-7u %-8u", d->bytes_acked,
		   d->bytes_received, d->retrans, d->srtt_us);
}

/* " ACCEPTQ DROPS": a listener's queue (len/max) and what it dropped */
static void tcpstates_put_conn_listener(struct seq_file *m,
					const struct tcpstates_conn *c)
{
	char q[24];

	if (c->role != TCPSTATES_ROLE_LISTENER) {
		seq_printf(m, " %-9s %-9s", "-", "-");
		return;
	}
	snprintf(q, sizeof(q), "%u/%u", c->acceptq_len, c->acceptq_max);
	seq_printf(m, " %-9s %-9llu", q, c->syn_drops + c->ack_drops);
}

/* " FLAGS": pre, tw, part, comma-separated, or "-" */
static void tcpstates_put_conn_flags(struct seq_file *m, u8 flags)
{
	char buf[16] = "";

	if (flags & TCPSTATES_CONN_F_PREEXISTING)
		strlcat(buf, ",pre", sizeof(buf));
	if (flags & TCPSTATES_CONN_F_TIMEWAIT)
		strlcat(buf, ",tw", sizeof(buf));
	if (flags & TCPSTATES_CONN_F_PARTIAL)
		strlcat(buf, ",part", sizeof(buf));
	seq_printf(m, " %-11s", buf[0] ? buf + 1 : "-");
}

static int tcpstates_conns_show(struct seq_file *m, void *v)
{
	const struct tcpstates_conn *c = v;
	bool first = true;
	unsigned int s;
	char buf[32];

	if (v == SEQ_START_TOKEN) {
		seq_printf(m, "%-18s %-10s %-12s %-10s %-8s %-11s %-21s %-21s %-10s %-10s %-10s %-10s %-9s %-12s %-10s %-7s %-12s %-12s %-7s %-8s %-9s %-9s %s %-7s %-7s %-6s %s\n",
			   "COOKIE", "NETNS", "STATE", "STATE_MS", "ROLE",
			   "FLAGS", "LOCAL", "REMOTE", "ISN_LOCAL",
			   "ISN_REMOTE", "FIN_LOCAL", "FIN_REMOTE", "FIRST_FIN",
			   "HANDSHAKE_US", "HS_RETRANS", "CGROUP", "TX_BYTES",
			   "RX_BYTES", "RETRANS", "SRTT_US", "ACCEPTQ", "DROPS",
			   "DURATIONS_MS", "TGID", "PID", "UID", "COMM");
		return 0;
	}
	seq_printf(m, "%-18llu %-10u %-12s", c->cookie, c->ep.netns_ino,
		   tcpstates_state_name(c->state));
	tcpstates_put_ms(m, c->state_ns == TCPSTATES_UNKNOWN ?
			 TCPSTATES_UNKNOWN : ktime_get_ns() - c->state_ns, 10);
	seq_printf(m, " %-8s", tcpstates_role_names[c->role]);
	tcpstates_put_conn_flags(m, c->flags);
	tcpstates_put_endpoint(m, &c->ep, &c->ep.saddr, c->ep.sport);
	tcpstates_put_endpoint(m, &c->ep, &c->ep.daddr, c->ep.dport);
	tcpstates_put_u32(m, c->known & TCPSTATES_KNOW_ISN_LOCAL, c->isn_local);
	tcpstates_put_u32(m, c->known & TCPSTATES_KNOW_ISN_REMOTE, c->isn_remote);
	tcpstates_put_u32(m, c->known & TCPSTATES_KNOW_FIN_LOCAL, c->fin_local);
	tcpstates_put_u32(m, c->known & TCPSTATES_KNOW_FIN_REMOTE, c->fin_remote);
	seq_printf(m, " %-9s", c->first_fin == TCPSTATES_FIRST_FIN_LOCAL ? "local" :
		   c->first_fin == TCPSTATES_FIRST_FIN_REMOTE ? "remote" : "-");
	if (c->known & TCPSTATES_KNOW_HANDSHAKE)
		seq_printf(m, " %-12llu", c->handshake_us);
	else
		seq_printf(m, " %-12s", "-");
	tcpstates_put_u32(m, c->known & TCPSTATES_KNOW_HS_RETRANS, c->hs_retrans);
	seq_printf(m, " %-7llu", c->cgroup_id);
	tcpstates_put_conn_data(m, c);
	tcpstates_put_conn_listener(m, c);
	seq_putc(m, ' ');
	/* Time spent in each state left so far: STATE=ms,... */
	for (s = 1; s < TCPSTATES_NSTATES; s++) {
		if (!c->state_us[s])
			continue;
		tcpstates_fmt_us(buf, sizeof(buf), c->state_us[s]);
		seq_printf(m, "%s%s=%s", first ? "" : ",",
			   tcpstates_state_name(s), buf);
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

/* Every counter, "name value" a line, in the order of TCPSTATES_A_STATS_* */
static int tcpstates_stats_show(struct seq_file *m, void *v)
{
	u64 val[TCPSTATES_A_STATS_MAX + 1];
	unsigned int i;

	tcpstates_stats_snapshot(val);
	for (i = 0; i <= TCPSTATES_A_STATS_MAX; i++)
		if (tcpstates_stat_name(i))
			seq_printf(m, "%s %llu\n", tcpstates_stat_name(i), val[i]);
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
