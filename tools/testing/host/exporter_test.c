// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the exporter without a module: parsing GET_AGGR's reply
 * (a message built here as the kernel builds it), the histogram buckets
 * and their bounds, label escaping, ranking the holders, /proc/net/netstat.
 * TAP on stdout.
 *
 *   exporter_test            the tests
 *   exporter_test --render   the metrics of a snapshot that has every
 *                            family, state, cause, histogram, port and
 *                            holder, for promtool check metrics (exporter.t)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "exporter.h"

static int n, failed;

static void ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
	failed += !cond;
}

/* Does @text have the line @line? */
static int has_line(const char *text, const char *line)
{
	size_t len = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && (p[len] == '\n' || !p[len]))
			return 1;
		p += len;
	}
	return 0;
}

static void put_count(struct nlmsghdr *nlh, int attr, int k1, int v1, int k2,
		      int v2, uint64_t value)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, attr);

	mnl_attr_put_u8(nlh, k1, v1);
	if (k2)
		mnl_attr_put_u8(nlh, k2, v2);
	mnl_attr_put_u64(nlh, TCPSTATES_A_COUNT_VALUE, value);
	mnl_attr_nest_end(nlh, nest);
}

static void put_hist(struct nlmsghdr *nlh, int kind, int state, uint64_t sum,
		     const uint64_t *buckets)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, TCPSTATES_A_AGGR_HIST);

	mnl_attr_put_u8(nlh, TCPSTATES_A_HIST_KIND, kind);
	if (kind == TCPSTATES_HIST_STATE_TIME)
		mnl_attr_put_u8(nlh, TCPSTATES_A_HIST_STATE, state);
	mnl_attr_put_u64(nlh, TCPSTATES_A_HIST_SUM_US, sum);
	mnl_attr_put(nlh, TCPSTATES_A_HIST_BUCKETS,
		     TCPSTATES_HIST_BUCKETS * sizeof(uint64_t), buckets);
	mnl_attr_nest_end(nlh, nest);
}

/* GET_AGGR's reply for every namespace, as module/aggr.c puts it */
static void test_parse_aggr(void)
{
	static char buf[65536];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	uint64_t b[TCPSTATES_HIST_BUCKETS] = { 0 };
	struct genlmsghdr *g;
	struct ts_nl_aggr ag;

	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = TCPSTATES_CMD_GET_AGGR;
	put_count(nlh, TCPSTATES_A_AGGR_TRANSITION, TCPSTATES_A_COUNT_OLDSTATE,
		  TS_SYN_SENT, TCPSTATES_A_COUNT_NEWSTATE, TS_ESTABLISHED, 42);
	put_count(nlh, TCPSTATES_A_AGGR_STATE, TCPSTATES_A_COUNT_STATE,
		  TS_CLOSE_WAIT, 0, 0, 7);
	put_count(nlh, TCPSTATES_A_AGGR_STATE, TCPSTATES_A_COUNT_STATE,
		  TS_LAST_ACK, 0, 0, (uint64_t)-2);
	put_count(nlh, TCPSTATES_A_AGGR_CLOSE, TCPSTATES_A_COUNT_CAUSE,
		  TCPSTATES_CAUSE_REFUSED, TCPSTATES_A_COUNT_ROLE,
		  TCPSTATES_ROLE_ACTIVE, 3);
	b[0] = 1;
	b[5] = 2;
	b[TCPSTATES_HIST_BUCKETS - 1] = 4;
	put_hist(nlh, TCPSTATES_HIST_HANDSHAKE_PASSIVE, 0, 123, b);
	put_hist(nlh, TCPSTATES_HIST_STATE_TIME, TS_TIME_WAIT, 60000000, b);
	ts_nl_parse_aggr(nlh, &ag);
	ok(ag.trans[TS_SYN_SENT][TS_ESTABLISHED] == 42, "aggr: a transition");
	ok(ag.cur[TS_CLOSE_WAIT] == 7 && ag.has_cur[TS_CLOSE_WAIT],
	   "aggr: connections in a state");
	ok(ag.cur[TS_LAST_ACK] == -2, "aggr: a state's count is signed (s64 as u64)");
	ok(!ag.has_cur[TS_ESTABLISHED], "aggr: a state not sent is not there");
	ok(ag.closes[TCPSTATES_CAUSE_REFUSED][TCPSTATES_ROLE_ACTIVE] == 3,
	   "aggr: closes by cause and role");
	ok(ag.has_hist && ag.handshake[1].have && !ag.handshake[0].have &&
	   ag.handshake[1].sum_us == 123 && ag.handshake[1].bucket[5] == 2 &&
	   ag.handshake[1].bucket[TCPSTATES_HIST_BUCKETS - 1] == 4,
	   "aggr: the passive handshake histogram");
	ok(ag.state_time[TS_TIME_WAIT].have &&
	   ag.state_time[TS_TIME_WAIT].sum_us == 60000000,
	   "aggr: the time-in-state histogram of its state");
	ok(!ag.has_netns_id, "aggr: every namespace's has no namespace id");
}

static const struct ts_exp_config cfg_default = {
	.all_netns = true, .top = 5, .bucket_step = 1, .timeout_ms = 2000,
};

static char *render(const struct ts_exp_config *cfg, const struct ts_exp_snap *s)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	ts_exp_render(f, cfg, s);
	fclose(f);
	return buf;
}

/* A snapshot with something in every family */
static void full_snapshot(struct ts_exp_snap *s)
{
	struct ts_nl_aggr *ag = &s->aggr;
	int i, b;

	memset(s, 0, sizeof(*s));
	s->all_netns = true;
	for (i = 1; i < TS_NSTATES; i++) {
		ag->cur[i] = i;
		ag->has_cur[i] = true;
	}
	ag->trans[TS_SYN_SENT][TS_ESTABLISHED] = 10;
	ag->trans[TS_SYN_SENT][TS_CLOSE] = 2;
	ag->trans[TS_SYN_RECV][TS_FIN_WAIT1] = 1;	/* not a usual move */
	ag->closes[TCPSTATES_CAUSE_REFUSED][TCPSTATES_ROLE_ACTIVE] = 2;
	ag->closes[TCPSTATES_CAUSE_TW_TIMER][TCPSTATES_ROLE_UNKNOWN] = 1;
	ag->has_hist = true;
	ag->handshake[0].have = true;
	ag->handshake[0].bucket[0] = 1;		/* < 1 us */
	ag->handshake[0].bucket[3] = 2;		/* [4, 8) us */
	ag->handshake[0].bucket[TCPSTATES_HIST_BUCKETS - 1] = 4;	/* >= 76 h */
	ag->handshake[0].sum_us = 1500001;
	ag->handshake[1].have = true;
	ag->lifetime.have = true;
	for (i = 1; i < TS_NSTATES; i++) {
		ag->state_time[i].have = true;
		for (b = 0; b < TCPSTATES_HIST_BUCKETS; b++)
			ag->state_time[i].bucket[b] = b;
	}
	s->has_stats = true;
	for (i = 1; i <= TCPSTATES_A_STATS_MAX; i++) {
		if (i == TCPSTATES_A_STATS_PAD)
			continue;
		s->stats.v[i] = 1000 + i;
		s->stats.have[i] = true;
	}
	s->nlport = 2;
	s->lport[0].port = 443;
	s->lport[0].n[0][TS_ESTABLISHED] = 3;
	s->lport[0].n[1][TS_LISTEN] = 1;
	s->lport[1].port = 80;
	s->nrport = 1;
	s->rport[0].port = 5432;
	s->rport[0].n[0][TS_TIME_WAIT] = 9;
	s->ntop[0] = 2;
	s->top[0][0] = (struct ts_exp_holder){ 4242, "java", 17 };
	s->top[0][1] = (struct ts_exp_holder){ 77, "a\"b\\c\n\377", 3 };
	s->ntop[1] = 1;
	s->top[1][0] = (struct ts_exp_holder){ 99, "nginx", 500 };
	s->has_listen = true;
	s->listen_overflows = 5;
	s->listen_drops = 6;
	s->has_tw_max = true;
	s->tw_max = 262144;
	s->has_table = true;
	s->table_age = 7.5;
	s->seconds = 0.0012;
}

static void test_render(void)
{
	struct ts_exp_snap *s = malloc(sizeof(*s));
	struct ts_exp_config cfg = cfg_default;
	char *t;

	full_snapshot(s);
	t = render(&cfg, s);
	ok(has_line(t, "tcpstates_up 1"), "render: up 1");
	ok(!strstr(t, "tcpstates_scrape_error{"), "render: no error when up");
	ok(has_line(t, "tcpstates_connection_states{state=\"close_wait\"} 8") &&
	   has_line(t, "tcpstates_connection_states{state=\"fin_wait1\"} 4") &&
	   !strstr(t, "tcpstates_connection_states{state=\"close\"}") &&
	   !strstr(t, "tcpstates_connection_states{state=\"new_syn_recv\"}"),
	   "render: node_exporter's lowercase states, not close or new_syn_recv");
	ok(has_line(t, "tcpstates_transitions_total{old_state=\"syn_sent\",new_state=\"established\"} 10") &&
	   has_line(t, "tcpstates_transitions_total{old_state=\"time_wait\",new_state=\"close\"} 0") &&
	   has_line(t, "tcpstates_transitions_total{old_state=\"syn_recv\",new_state=\"fin_wait1\"} 1") &&
	   !strstr(t, "old_state=\"listen\",new_state=\"established\""),
	   "render: transitions: the usual ones at 0, others once seen");
	ok(has_line(t, "tcpstates_closes_total{cause=\"refused\",role=\"active\"} 2") &&
	   has_line(t, "tcpstates_closes_total{cause=\"tw_timer\",role=\"unknown\"} 1") &&
	   has_line(t, "tcpstates_closes_total{cause=\"error\",role=\"listener\"} 0") &&
	   !strstr(t, "cause=\"-\""),
	   "render: every cause and role, from the start");
	ok(has_line(t, "tcpstates_handshake_duration_seconds_bucket{role=\"active\",le=\"0.000001\"} 1") &&
	   has_line(t, "tcpstates_handshake_duration_seconds_bucket{role=\"active\",le=\"0.000004\"} 1") &&
	   has_line(t, "tcpstates_handshake_duration_seconds_bucket{role=\"active\",le=\"0.000008\"} 3") &&
	   has_line(t, "tcpstates_handshake_duration_seconds_bucket{role=\"active\",le=\"274877.906944\"} 3") &&
	   has_line(t, "tcpstates_handshake_duration_seconds_bucket{role=\"active\",le=\"+Inf\"} 7") &&
	   has_line(t, "tcpstates_handshake_duration_seconds_sum{role=\"active\"} 1.500001") &&
	   has_line(t, "tcpstates_handshake_duration_seconds_count{role=\"active\"} 7"),
	   "render: buckets are cumulative, le = 2^b us in seconds, the last one +Inf");
	ok(has_line(t, "tcpstates_connection_lifetime_seconds_count 0") &&
	   has_line(t, "tcpstates_connection_lifetime_seconds_sum 0"),
	   "render: a histogram without labels");
	ok(has_line(t, "tcpstates_state_duration_seconds_count{state=\"time_wait\"} 780") &&
	   !strstr(t, "tcpstates_state_duration_seconds_count{state=\"close\"}"),
	   "render: time in each state");
	ok(has_line(t, "tcpstates_kprobe_missed_total 1007") &&
	   has_line(t, "tcpstates_events_total 1002") &&
	   has_line(t, "tcpstates_conn_table_evicted_total{class=\"held\"} 1025"),
	   "render: the module's counters");
	ok(has_line(t, "tcpstates_local_port_connections{port=\"443\",family=\"ipv4\",state=\"established\"} 3") &&
	   has_line(t, "tcpstates_local_port_connections{port=\"443\",family=\"ipv6\",state=\"listen\"} 1") &&
	   has_line(t, "tcpstates_local_port_connections{port=\"80\",family=\"ipv6\",state=\"closing\"} 0") &&
	   has_line(t, "tcpstates_remote_port_connections{port=\"5432\",family=\"ipv4\",state=\"time_wait\"} 9"),
	   "render: the listed ports, every family and state");
	ok(has_line(t, "tcpstates_process_connections{state=\"close_wait\",pid=\"4242\",comm=\"java\"} 17") &&
	   has_line(t, "tcpstates_process_connections{state=\"close_wait\",pid=\"77\",comm=\"a\\\"b\\\\c\\\\012\\\\377\"} 3") &&
	   has_line(t, "tcpstates_process_connections{state=\"time_wait\",pid=\"99\",comm=\"nginx\"} 500"),
	   "render: top holders, comm escaped (\\ooo for bytes that are not printable ASCII)");
	ok(has_line(t, "tcpstates_listen_drops_total 6") &&
	   has_line(t, "tcpstates_tcp_max_tw_buckets 262144"), "render: /proc values");
	ok(has_line(t, "tcpstates_table_age_seconds 7.500"), "render: the table's age");
	free(t);

	cfg.bucket_step = 4;
	t = render(&cfg, s);
	ok(has_line(t, "tcpstates_handshake_duration_seconds_bucket{role=\"active\",le=\"0.000016\"} 3") &&
	   !strstr(t, "le=\"0.000008\"") &&
	   has_line(t, "tcpstates_handshake_duration_seconds_bucket{role=\"active\",le=\"+Inf\"} 7"),
	   "render: --bucket-step 4 serves every 4th bound, counts still cumulative");
	free(t);

	s->error = TS_EXP_NOT_LOADED;
	snprintf(s->message, sizeof(s->message), "the tcpstates module is not loaded");
	cfg.bucket_step = 1;
	t = render(&cfg, s);
	ok(has_line(t, "tcpstates_up 0") &&
	   has_line(t, "tcpstates_scrape_error{reason=\"module_not_loaded\"} 1") &&
	   has_line(t, "# tcpstates-exporter: the tcpstates module is not loaded") &&
	   !strstr(t, "tcpstates_transitions_total") &&
	   has_line(t, "tcpstates_listen_drops_total 6"),
	   "render: no module: up 0, the reason, nothing from the module");
	free(t);
	free(s);
}

static void test_rank(void)
{
	struct ts_exp_rank *r = ts_exp_rank_new();
	struct ts_exp_holder top[3];
	int i, k;

	for (i = 0; i < 1000; i++)
		ts_exp_rank_add(r, 1000 + i, "many");	/* one each */
	for (i = 0; i < 50; i++)
		ts_exp_rank_add(r, 7, "leaky");
	for (i = 0; i < 20; i++)
		ts_exp_rank_add(r, 9, "other");
	ts_exp_rank_add(r, 5, "tie");
	k = ts_exp_rank_top(r, top, 3);
	ok(k == 3 && top[0].tgid == 7 && top[0].n == 50 &&
	   !strcmp(top[0].comm, "leaky") && top[1].tgid == 9 && top[1].n == 20 &&
	   top[2].tgid == 5 && top[2].n == 1,
	   "rank: most first, ties by lower pid, through table growth");
	ts_exp_rank_add(r, 3, "again");
	k = ts_exp_rank_top(r, top, 3);
	ok(k == 1 && top[0].tgid == 3, "rank: starts afresh after ranking");
	ts_exp_rank_free(r);
}

static void test_netstat(void)
{
	static const char text[] =
		"TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPHPHits\n"
		"TcpExt: 1 22 333 4444\n"
		"IpExt: InNoRoutes\nIpExt: 0\n";
	uint64_t o = 0, d = 0;
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	ok(!ts_exp_parse_netstat(f, &o, &d) && o == 22 && d == 333,
	   "netstat: ListenOverflows and ListenDrops by name");
	fclose(f);
	f = fmemopen((void *)"IpExt: a\nIpExt: 1\n", 18, "r");
	ok(ts_exp_parse_netstat(f, &o, &d) == -ENOENT, "netstat: none there");
	fclose(f);
}

int main(int argc, char **argv)
{
	struct ts_exp_snap *s;
	char *t;

	if (argc > 1 && !strcmp(argv[1], "--render")) {
		s = malloc(sizeof(*s));
		full_snapshot(s);
		t = render(&cfg_default, s);
		fputs(t, stdout);
		free(t);
		free(s);
		return 0;
	}
	test_parse_aggr();
	test_render();
	test_rank();
	test_netstat();
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
