// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates-exporter: the metrics, in the Prometheus text format (0.0.4),
 * from one snapshot. Every metric name, label and help text is here, in
 * the order they are served; the README's "Fleets: Prometheus" section
 * lists the same.
 *
 * Conventions (node_exporter's): base units (seconds), counters end in
 * _total, states are lowercase kernel names as in
 * node_tcp_connection_states{state}, histograms have _bucket{le}, _sum and
 * _count. Labels take values from fixed sets only (states, causes, roles,
 * address families), except the ports the operator lists and the top N
 * holders' pid and comm.
 */
#include <ctype.h>
#include <string.h>
#include <linux/tcpstates.h>

#include "exporter.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The states a connection stays in, in node_exporter's order */
const unsigned int ts_exp_states[] = {
	TS_ESTABLISHED, TS_SYN_SENT, TS_SYN_RECV, TS_FIN_WAIT1, TS_FIN_WAIT2,
	TS_TIME_WAIT, TS_CLOSE_WAIT, TS_LAST_ACK, TS_LISTEN, TS_CLOSING,
};
const int ts_exp_nstates = ARRAY_SIZE(ts_exp_states);

/*
 * The moves TCP makes, served from the start (at 0) so that rate() and
 * increase() see their first one; any other the kernel counts is served
 * once it has happened.
 */
static const unsigned char known_moves[][2] = {
	{ TS_CLOSE, TS_LISTEN }, { TS_LISTEN, TS_CLOSE },
	{ TS_CLOSE, TS_SYN_SENT }, { TS_SYN_SENT, TS_ESTABLISHED },
	{ TS_SYN_SENT, TS_CLOSE }, { TS_NEW_SYN_RECV, TS_SYN_RECV },
	{ TS_SYN_RECV, TS_ESTABLISHED }, { TS_SYN_RECV, TS_CLOSE },
	{ TS_ESTABLISHED, TS_FIN_WAIT1 }, { TS_ESTABLISHED, TS_CLOSE_WAIT },
	{ TS_ESTABLISHED, TS_CLOSE }, { TS_FIN_WAIT1, TS_FIN_WAIT2 },
	{ TS_FIN_WAIT1, TS_CLOSING }, { TS_FIN_WAIT1, TS_CLOSE },
	{ TS_FIN_WAIT2, TS_TIME_WAIT }, { TS_FIN_WAIT2, TS_CLOSE },
	{ TS_CLOSING, TS_TIME_WAIT }, { TS_CLOSING, TS_CLOSE },
	{ TS_CLOSE_WAIT, TS_LAST_ACK }, { TS_CLOSE_WAIT, TS_CLOSE },
	{ TS_LAST_ACK, TS_CLOSE }, { TS_TIME_WAIT, TS_CLOSE },
};

static const char *const error_reasons[] = {
	[TS_EXP_OK] = "none",
	[TS_EXP_NOT_LOADED] = "module_not_loaded",
	[TS_EXP_PERMISSION] = "permission_denied",
	[TS_EXP_TIMEOUT] = "timeout",
	[TS_EXP_UNSUPPORTED] = "unsupported",
	[TS_EXP_NETLINK] = "netlink_error",
};

/* "established", "fin_wait1", "new_syn_recv": the kernel's name, lowercase */
const char *ts_exp_state_label(unsigned int state)
{
	static char names[TS_NSTATES + 1][16];
	const char *k = ts_state_name(state);
	char *out = names[state < TS_NSTATES ? state : TS_NSTATES];
	size_t i;

	for (i = 0; k[i] && i < sizeof(names[0]) - 1; i++)
		out[i] = tolower((unsigned char)k[i]);
	out[i] = '\0';
	return out;
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * A label value: \, " and newline escaped as the format wants; bytes that
 * are not printable ASCII as \ooo (octal, the backslash itself escaped),
 * as /proc/tcpstates shows them, so the value is valid UTF-8.
 */
static void label_value(FILE *f, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '\\' || *p == '"')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\\\%03o", *p);
		else
			fputc(*p, f);
	}
}

/* Microseconds as seconds, exactly: 1 -> 0.000001, 1048576 -> 1.048576 */
static void seconds_of_us(char *buf, size_t len, uint64_t us)
{
	size_t n;

	snprintf(buf, len, "%llu.%06llu", (unsigned long long)(us / 1000000),
		 (unsigned long long)(us % 1000000));
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
}

/*
 * One histogram's samples. The kernel's bucket b (b >= 1) holds values
 * in [2^(b-1), 2^b) us, bucket 0 the values under 1 us, the last one
 * everything from 2^(B-2) us on: bucket b's cumulative count is served as
 * le = 2^b us (every @step-th one; the others are folded into the next
 * served bound, which cumulative buckets allow), the last as +Inf.
 */
static void histogram(FILE *f, const char *name, const char *labels,
		      const struct ts_nl_hist *h, int step)
{
	const char *sep = *labels ? "," : "";
	uint64_t cum = 0;
	char le[32];
	int b;

	for (b = 0; b < TCPSTATES_HIST_BUCKETS - 1; b++) {
		cum += h->bucket[b];
		if (b % step)
			continue;
		seconds_of_us(le, sizeof(le), 1ULL << b);
		fprintf(f, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, labels, sep,
			le, (unsigned long long)cum);
	}
	cum += h->bucket[TCPSTATES_HIST_BUCKETS - 1];
	fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
		(unsigned long long)cum);
	seconds_of_us(le, sizeof(le), h->sum_us);
	fprintf(f, "%s_sum%s%s%s %s\n", name, *labels ? "{" : "", labels,
		*labels ? "}" : "", le);
	fprintf(f, "%s_count%s%s%s %llu\n", name, *labels ? "{" : "", labels,
		*labels ? "}" : "", (unsigned long long)cum);
}

static bool known_move(unsigned int from, unsigned int to)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known_moves); i++)
		if (known_moves[i][0] == from && known_moves[i][1] == to)
			return true;
	return false;
}

static void render_aggr(FILE *f, const struct ts_exp_config *cfg,
			const struct ts_exp_snap *s)
{
	const struct ts_nl_aggr *ag = &s->aggr;
	unsigned int i, j, st;
	char labels[64];
	int k;

	family(f, "tcpstates_connection_states", "gauge",
	       "TCP connections now in each state, from the transitions the module counted (every namespace unless --netns own); a TIME_WAIT socket in its FIN_WAIT2 substate is fin_wait2, as ss shows it.");
	for (k = 0; k < ts_exp_nstates; k++) {
		st = ts_exp_states[k];
		fprintf(f, "tcpstates_connection_states{state=\"%s\"} %lld\n",
			ts_exp_state_label(st), (long long)ag->cur[st]);
	}

	family(f, "tcpstates_transitions_total", "counter",
	       "TCP state transitions, by old and new state.");
	for (i = 1; i < TS_NSTATES; i++) {
		for (j = 1; j < TS_NSTATES; j++) {
			if (!ag->trans[i][j] && !known_move(i, j))
				continue;
			fprintf(f, "tcpstates_transitions_total{old_state=\"%s\",",
				ts_exp_state_label(i));
			fprintf(f, "new_state=\"%s\"} %llu\n", ts_exp_state_label(j),
				(unsigned long long)ag->trans[i][j]);
		}
	}

	family(f, "tcpstates_closes_total", "counter",
	       "Connections that reached CLOSE, by cause and by role (active: connect(), passive: accepted, listener, unknown: opened before the module loaded).");
	for (i = TCPSTATES_CAUSE_NORMAL; i < TS_NL_AGGR_CAUSES; i++) {
		for (j = 0; j < TS_NL_AGGR_ROLES; j++) {
			if (i > TCPSTATES_CAUSE_ERROR && !ag->closes[i][j])
				continue;
			fprintf(f, "tcpstates_closes_total{cause=\"%s\",role=\"%s\"} %llu\n",
				ts_cause_name(i),
				j == TCPSTATES_ROLE_UNKNOWN ? "unknown" : ts_role_name(j),
				(unsigned long long)ag->closes[i][j]);
		}
	}

	if (!ag->has_hist)
		return;
	family(f, "tcpstates_handshake_duration_seconds", "histogram",
	       "Handshake time: active, SYN sent to ESTABLISHED (connect latency); passive, SYN-ACK sent to the final ACK.");
	histogram(f, "tcpstates_handshake_duration_seconds", "role=\"active\"",
		  &ag->handshake[0], cfg->bucket_step);
	histogram(f, "tcpstates_handshake_duration_seconds", "role=\"passive\"",
		  &ag->handshake[1], cfg->bucket_step);
	family(f, "tcpstates_connection_lifetime_seconds", "histogram",
	       "Connection lifetime, first event to CLOSE (after TIME_WAIT), of connections the module saw begin; listeners excluded.");
	histogram(f, "tcpstates_connection_lifetime_seconds", "", &ag->lifetime,
		  cfg->bucket_step);
	family(f, "tcpstates_state_duration_seconds", "histogram",
	       "Time a connection spent in a state, one observation per stay, when it left it.");
	for (k = 0; k < ts_exp_nstates; k++) {
		st = ts_exp_states[k];
		snprintf(labels, sizeof(labels), "state=\"%s\"",
			 ts_exp_state_label(st));
		histogram(f, "tcpstates_state_duration_seconds", labels,
			  &ag->state_time[st], cfg->bucket_step);
	}
}

/* The module's counters (GET_STATS) */
static const struct {
	int attr;
	const char *name;
	const char *type;
	const char *help;
} stats[] = {
	{ TCPSTATES_A_STATS_EVENTS, "tcpstates_events_total", "counter",
	  "State transitions the module recorded since it was loaded." },
	{ TCPSTATES_A_STATS_KPROBE_MISSED, "tcpstates_kprobe_missed_total", "counter",
	  "Hits of the module's return probes (kretprobes) the kernel's kprobes core skipped: each may be a transition missing from every count here (a loss of events)." },
	{ TCPSTATES_A_STATS_RING_OVERWRITTEN, "tcpstates_ring_overwritten_total", "counter",
	  "Events overwritten in the module's ring before a reader of /proc/tcpstates or GET_EVENTS read them; normal when nobody reads the ring, and no loss for these metrics." },
	{ TCPSTATES_A_STATS_MCAST_SENT, "tcpstates_mcast_sent_total", "counter",
	  "Events sent live to netlink listeners (per group and namespace)." },
	{ TCPSTATES_A_STATS_MCAST_UNHEARD, "tcpstates_mcast_unheard_total", "counter",
	  "Events sent live that no listener took (none listened in their namespace)." },
	{ TCPSTATES_A_STATS_MCAST_OVERRUN, "tcpstates_mcast_overrun_total", "counter",
	  "Events a live listener waited for but the ring overwrote before they were sent (a loss of events)." },
	{ TCPSTATES_A_STATS_MCAST_FAILED, "tcpstates_mcast_failed_total", "counter",
	  "Events a live listener had no room for (ENOBUFS; a loss of events)." },
	{ TCPSTATES_A_STATS_MCAST_NOMEM, "tcpstates_mcast_nomem_total", "counter",
	  "Events not sent live for want of memory (a loss of events)." },
	{ TCPSTATES_A_STATS_CONN_ADDED, "tcpstates_conn_table_added_total", "counter",
	  "Entries made in the module's connection table." },
	{ TCPSTATES_A_STATS_CONN_REMOVED, "tcpstates_conn_table_removed_total", "counter",
	  "Table entries removed with their connection." },
	{ TCPSTATES_A_STATS_CONN_PARTIAL, "tcpstates_conn_table_partial_total", "counter",
	  "Table entries made for connections met mid-life (after an eviction or a missed probe hit)." },
	{ TCPSTATES_A_STATS_EVENTS_PARTIAL, "tcpstates_events_partial_total", "counter",
	  "Events of such entries: their owner, role and time in the old state are unknown." },
	{ TCPSTATES_A_STATS_DROP_EVENTS_SUPPRESSED, "tcpstates_drop_events_suppressed_total", "counter",
	  "Listeners' drops that had no drop event of their own (at most one a second per listener; every drop is in the listener's totals)." },
	{ TCPSTATES_A_STATS_CONN_USED, "tcpstates_conn_table_used", "gauge",
	  "Live connections in the module's table (at most conn_max)." },
	{ TCPSTATES_A_STATS_CONN_MAX, "tcpstates_conn_table_size", "gauge",
	  "The table's capacity (module parameter conn_max)." },
	{ TCPSTATES_A_STATS_CONN_SEEDED, "tcpstates_conn_table_seeded", "gauge",
	  "Connections found when the module was loaded." },
	{ TCPSTATES_A_STATS_RING_USED, "tcpstates_ring_used", "gauge",
	  "Events in the module's ring." },
	{ TCPSTATES_A_STATS_RING_SIZE, "tcpstates_ring_size", "gauge",
	  "The ring's capacity in events (module parameter ring_size)." },
	{ TCPSTATES_A_STATS_MEM_BYTES, "tcpstates_memory_bytes", "gauge",
	  "Memory of the module's ring and table, fixed at load." },
	{ TCPSTATES_A_STATS_READERS_OPEN, "tcpstates_readers_open", "gauge",
	  "Open /proc/tcpstates and /proc/tcpstates_conns files." },
	{ TCPSTATES_A_STATS_DUMPS_RUNNING, "tcpstates_dumps_running", "gauge",
	  "Netlink dumps started and not finished." },
};

static const struct {
	int attr;
	const char *class;
} evicted[] = {
	{ TCPSTATES_A_STATS_CONN_EVICTED_TIME_WAIT, "time_wait" },
	{ TCPSTATES_A_STATS_CONN_EVICTED_CLOSING, "closing" },
	{ TCPSTATES_A_STATS_CONN_EVICTED_OPEN, "open" },
	{ TCPSTATES_A_STATS_CONN_EVICTED_HELD, "held" },
};

static void render_stats(FILE *f, const struct ts_exp_snap *s)
{
	const struct ts_nl_stats *st = &s->stats;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stats); i++) {
		if (!st->have[stats[i].attr])
			continue;
		family(f, stats[i].name, stats[i].type, stats[i].help);
		fprintf(f, "%s %llu\n", stats[i].name,
			(unsigned long long)st->v[stats[i].attr]);
	}
	family(f, "tcpstates_conn_table_evicted_total", "counter",
	       "Table entries evicted to make room (the table was full), by what they were: time_wait first, then closing, open, and held (CLOSE_WAIT, LISTEN) last.");
	for (i = 0; i < ARRAY_SIZE(evicted); i++)
		if (st->have[evicted[i].attr])
			fprintf(f, "tcpstates_conn_table_evicted_total{class=\"%s\"} %llu\n",
				evicted[i].class,
				(unsigned long long)st->v[evicted[i].attr]);
}

static void render_ports(FILE *f, const char *name, const char *help,
			 const struct ts_exp_port *p, int n)
{
	static const char *const fam[2] = { "ipv4", "ipv6" };
	int i, k, a;

	if (!n)
		return;
	family(f, name, "gauge", help);
	for (i = 0; i < n; i++)
		for (a = 0; a < 2; a++)
			for (k = 0; k < ts_exp_nstates; k++)
				fprintf(f, "%s{port=\"%u\",family=\"%s\",state=\"%s\"} %llu\n",
					name, p[i].port, fam[a],
					ts_exp_state_label(ts_exp_states[k]),
					(unsigned long long)p[i].n[a][ts_exp_states[k]]);
}

static void render_top(FILE *f, const struct ts_exp_snap *s)
{
	static const unsigned int held[TS_EXP_HELD_STATES] = {
		TS_CLOSE_WAIT, TS_TIME_WAIT
	};
	const struct ts_exp_holder *h;
	int k, i;

	family(f, "tcpstates_process_connections", "gauge",
	       "Connections in CLOSE_WAIT or TIME_WAIT held by each of the top --top processes, from the module's connection table (bounded by conn_max; owners unknown to the module are left out).");
	for (k = 0; k < TS_EXP_HELD_STATES; k++) {
		for (i = 0; i < s->ntop[k]; i++) {
			h = &s->top[k][i];
			fprintf(f, "tcpstates_process_connections{state=\"%s\",pid=\"%u\",comm=\"",
				ts_exp_state_label(held[k]), h->tgid);
			label_value(f, h->comm);
			fprintf(f, "\"} %llu\n", (unsigned long long)h->n);
		}
	}
}

/**
 * ts_exp_render() - one scrape's answer
 * @f: where to
 * @cfg: what the operator asked for
 * @s: the snapshot
 */
void ts_exp_render(FILE *f, const struct ts_exp_config *cfg,
		   const struct ts_exp_snap *s)
{
	char secs[32];

	family(f, "tcpstates_up", "gauge",
	       "1 when the tcpstates module answered this scrape, 0 when not (see tcpstates_scrape_error).");
	fprintf(f, "tcpstates_up %d\n", s->error == TS_EXP_OK);
	if (s->error != TS_EXP_OK) {
		/* the whole message for people; the reason is a fixed word */
		fprintf(f, "# tcpstates-exporter: %s\n", s->message);
		family(f, "tcpstates_scrape_error", "gauge",
		       "Why the module did not answer this scrape (reason: module_not_loaded, permission_denied, timeout, unsupported, netlink_error); absent when it did.");
		fprintf(f, "tcpstates_scrape_error{reason=\"%s\"} 1\n",
			error_reasons[s->error]);
	}
	family(f, "tcpstates_scrape_duration_seconds", "gauge",
	       "Time this scrape took to read the module and /proc.");
	snprintf(secs, sizeof(secs), "%.6f", s->seconds);
	fprintf(f, "tcpstates_scrape_duration_seconds %s\n", secs);

	if (s->error == TS_EXP_OK) {
		render_aggr(f, cfg, s);
		if (s->has_stats)
			render_stats(f, s);
		render_ports(f, "tcpstates_local_port_connections",
			     "Connections with a local port listed by --port, by address family and state, from the module's connection table (bounded by conn_max).",
			     s->lport, s->nlport);
		render_ports(f, "tcpstates_remote_port_connections",
			     "Connections with a remote port listed by --remote-port, by address family and state, from the module's connection table (bounded by conn_max).",
			     s->rport, s->nrport);
		if (cfg->top)
			render_top(f, s);
		if (s->has_table) {
			snprintf(secs, sizeof(secs), "%.3f", s->table_age);
			family(f, "tcpstates_table_age_seconds", "gauge",
			       "Age of the per-port and per-process series: the module's table is dumped at most every --table-interval.");
			fprintf(f, "tcpstates_table_age_seconds %s\n", secs);
		}
	}

	if (s->has_listen) {
		family(f, "tcpstates_listen_overflows_total", "counter",
		       "Connections dropped because a listener's accept queue was full (TcpExt ListenOverflows of the exporter's network namespace).");
		fprintf(f, "tcpstates_listen_overflows_total %llu\n",
			(unsigned long long)s->listen_overflows);
		family(f, "tcpstates_listen_drops_total", "counter",
		       "SYNs and handshakes a listener dropped, overflows included (TcpExt ListenDrops of the exporter's network namespace).");
		fprintf(f, "tcpstates_listen_drops_total %llu\n",
			(unsigned long long)s->listen_drops);
	}
	if (s->has_tw_max) {
		family(f, "tcpstates_tcp_max_tw_buckets", "gauge",
		       "net.ipv4.tcp_max_tw_buckets of the exporter's network namespace: past it, an active close gets no TIME_WAIT socket (cause tw_overflow).");
		fprintf(f, "tcpstates_tcp_max_tw_buckets %llu\n",
			(unsigned long long)s->tw_max);
	}
}
