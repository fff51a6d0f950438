// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: summary. Over the ring (or a live window, -d): counts per
 * transition, a log2 histogram of handshake latency (SYN_SENT ->
 * ESTABLISHED for clients, the SYN-ACK round trip for servers), close
 * causes; and, from the live table, the processes holding the most
 * connections in CLOSE_WAIT and TIME_WAIT.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcpstates.h"

#define NST	13
#define NBUCKETS 40
#define NCAUSES	16
#define NTOP	10

struct holder {
	uint32_t tgid;
	char comm[17];
	unsigned long close_wait, time_wait;
};

struct summary {
	const struct ts_opts *o;
	unsigned long events;
	unsigned long trans[NST][NST];
	unsigned long hist[NBUCKETS];
	unsigned long handshakes;
	unsigned long causes[NCAUSES];
	struct holder *h;
	int nh, caph;
};

static int bucket(uint64_t us)
{
	int b = 0;

	while (us > 1 && b < NBUCKETS - 1) {
		us >>= 1;
		b++;
	}
	return us ? b + 1 : 0;	/* 0: [0, 1), b: [2^(b-1), 2^b) */
}

static int sum_ev_cb(const struct ts_nl_event *ev, void *data)
{
	struct summary *s = data;

	if (!ts_match_event(&s->o->f, ev))
		return 0;
	s->events++;
	if (ev->oldstate < NST && ev->newstate < NST)
		s->trans[ev->oldstate][ev->newstate]++;
	if (ev->has_prev_ns &&
	    ((ev->oldstate == 2 && ev->newstate == 1) ||	/* SYN_SENT -> ESTABLISHED */
	     (ev->oldstate == 12 && ev->newstate == 3))) {	/* NEW_SYN_RECV -> SYN_RECV */
		s->hist[bucket(ev->prev_ns / 1000)]++;
		s->handshakes++;
	}
	if (ev->newstate == 7 && ev->cause < NCAUSES)
		s->causes[ev->cause]++;
	return ts_stop;
}

static int sum_conn_cb(const struct ts_nl_conn *c, void *data)
{
	struct summary *s = data;
	struct holder *h;
	int i;

	if ((c->state != 8 && c->state != 6) || !ts_match_conn(&s->o->f, c))
		return 0;
	for (i = 0; i < s->nh; i++)
		if (s->h[i].tgid == c->owner.tgid &&
		    !strcmp(s->h[i].comm, c->owner.comm))
			break;
	if (i == s->nh) {
		if (s->nh == s->caph) {
			s->caph = s->caph ? s->caph * 2 : 64;
			h = realloc(s->h, s->caph * sizeof(*h));
			if (!h) {
				perror("tcpstates");
				exit(1);
			}
			s->h = h;
		}
		memset(&s->h[i], 0, sizeof(s->h[i]));
		s->h[i].tgid = c->owner.known ? c->owner.tgid : 0;
		snprintf(s->h[i].comm, sizeof(s->h[i].comm), "%s",
			 c->owner.known ? c->owner.comm : "-");
		s->nh++;
	}
	if (c->state == 8)
		s->h[i].close_wait++;
	else
		s->h[i].time_wait++;
	return 0;
}

static int holder_cmp(const void *pa, const void *pb)
{
	const struct holder *a = pa, *b = pb;
	unsigned long ta = a->close_wait + a->time_wait;
	unsigned long tb = b->close_wait + b->time_wait;

	if (ta != tb)
		return ta < tb ? 1 : -1;
	return a->tgid < b->tgid ? -1 : a->tgid > b->tgid;
}

static void bucket_label(int b, char *buf, size_t len)
{
	static const char *const unit[] = { "", "K", "M", "G" };
	unsigned long long lo = b ? 1ULL << (b - 1) : 0, hi = 1ULL << b;
	int ul = 0, uh = 0;

	while (lo >= 1024 && !(lo % 1024) && ul < 3) {
		lo /= 1024;
		ul++;
	}
	while (hi >= 1024 && !(hi % 1024) && uh < 3) {
		hi /= 1024;
		uh++;
	}
	snprintf(buf, len, "[%llu%s, %llu%s)", lo, unit[ul], hi, unit[uh]);
}

static void print_text(struct summary *s)
{
	unsigned long max = 0;
	int i, j, lo = NBUCKETS, hi = -1, w;
	char label[64];

	printf("%lu events%s\n\ntransitions:\n", s->events,
	       s->o->duration ? " seen live" : " in the ring");
	for (i = 0; i < NST; i++)
		for (j = 0; j < NST; j++)
			if (s->trans[i][j]) {
				snprintf(label, sizeof(label), "%s -> %s",
					 ts_state_kname(i), ts_state_kname(j));
				printf("  %-30s %lu\n", label, s->trans[i][j]);
			}
	printf("\nhandshake latency, us (%lu handshakes):\n", s->handshakes);
	for (i = 0; i < NBUCKETS; i++) {
		if (!s->hist[i])
			continue;
		lo = i < lo ? i : lo;
		hi = i;
		max = s->hist[i] > max ? s->hist[i] : max;
	}
	for (i = lo; i <= hi; i++) {
		bucket_label(i, label, sizeof(label));
		w = max ? (int)(s->hist[i] * 50 / max) : 0;
		printf("  %-14s %8lu |%-50.*s|\n", label, s->hist[i], w,
		       "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	}
	printf("\nclose causes:\n");
	for (i = 1; i < NCAUSES; i++)
		if (s->causes[i])
			printf("  %-16s %lu\n", ts_nl_cause_name(i), s->causes[i]);
	printf("\ntop holders of CLOSE_WAIT and TIME_WAIT (live table):\n");
	printf("  %-7s %-16s %10s %10s\n", "PID", "COMM", "CLOSE_WAIT", "TIME_WAIT");
	for (i = 0; i < s->nh && i < NTOP; i++) {
		char comm[80];

		ts_format_comm(s->h[i].comm, comm, sizeof(comm));
		if (s->h[i].tgid)
			snprintf(label, sizeof(label), "%u", s->h[i].tgid);
		else
			strcpy(label, "-");
		printf("  %-7s %-16s %10lu %10lu\n", label, comm,
		       s->h[i].close_wait, s->h[i].time_wait);
	}
}

static void print_json(struct summary *s)
{
	bool first = true;
	int i, j;

	printf("{\"type\":\"summary\",\"events\":%lu,\"transitions\":{", s->events);
	for (i = 0; i < NST; i++)
		for (j = 0; j < NST; j++)
			if (s->trans[i][j]) {
				printf("%s\"%s->%s\":%lu", first ? "" : ",",
				       ts_state_kname(i), ts_state_kname(j),
				       s->trans[i][j]);
				first = false;
			}
	printf("},\"handshakes\":%lu,\"handshake_us_log2\":[", s->handshakes);
	first = true;
	for (i = 0; i < NBUCKETS; i++)
		if (s->hist[i]) {
			printf("%s{\"from\":%llu,\"to\":%llu,\"count\":%lu}",
			       first ? "" : ",", i ? 1ULL << (i - 1) : 0,
			       1ULL << i, s->hist[i]);
			first = false;
		}
	printf("],\"close_causes\":{");
	first = true;
	for (i = 1; i < NCAUSES; i++)
		if (s->causes[i]) {
			printf("%s\"%s\":%lu", first ? "" : ",",
			       ts_nl_cause_name(i), s->causes[i]);
			first = false;
		}
	printf("},\"top_holders\":[");
	for (i = 0; i < s->nh && i < NTOP; i++) {
		printf("%s{\"tgid\":", i ? "," : "");
		if (s->h[i].tgid)
			printf("%u", s->h[i].tgid);
		else
			printf("null");
		printf(",\"comm\":");
		ts_json_string(stdout, s->h[i].comm);
		printf(",\"close_wait\":%lu,\"time_wait\":%lu}",
		       s->h[i].close_wait, s->h[i].time_wait);
	}
	printf("]}\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int cmd_summary(struct ts_nl *nl, const struct ts_opts *o)
{
	struct summary s = { .o = o };
	struct ts_nl_filter k;
	double end;
	int ret;

	if (o->duration) {
		ts_nl_set_rcvbuf(nl, 8 << 20);
		ret = ts_nl_subscribe(nl, o->f.all_netns);
		if (ret)
			ts_nl_fail(nl, "subscribing to live events", ret, o);
		end = now_s() + o->duration;
		while (!ts_stop && now_s() < end) {
			ret = ts_nl_recv_events(nl, 200, sum_ev_cb, &s);
			if (ret == -ENOBUFS)
				fprintf(stderr, "tcpstates: receive buffer overflow: the summary misses events\n");
			else if (ret < 0 && ret != -EINTR)
				ts_nl_fail(nl, "receiving live events", ret, o);
		}
	} else {
		ts_kernel_filter(&o->f, true, &k);
		ret = ts_nl_dump_events(nl, 0, &k, o->f.all_netns, sum_ev_cb, &s);
		if (ret < 0)
			ts_nl_fail(nl, "event dump", ret, o);
	}
	ts_kernel_filter(&o->f, false, &k);
	k.have &= ~(1U << TCPSTATES_A_FILTER_STATES);
	if (o->duration) {
		/* the live socket is subscribed: ask on a fresh one */
		struct ts_nl dump;

		ret = ts_nl_open(&dump);
		if (!ret) {
			ret = ts_nl_dump_conns(&dump, &k, o->f.all_netns, sum_conn_cb, &s);
			ts_nl_close(&dump);
		}
	} else {
		ret = ts_nl_dump_conns(nl, &k, o->f.all_netns, sum_conn_cb, &s);
	}
	if (ret < 0)
		ts_nl_fail(nl, "connection dump", ret, o);
	qsort(s.h, s.nh, sizeof(*s.h), holder_cmp);
	if (o->json)
		print_json(&s);
	else
		print_text(&s);
	free(s.h);
	return 0;
}
