// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: summary. Over the ring (or a live window, --duration):
 * counts per transition, log2 histograms of handshake latency (SYN_SENT
 * -> ESTABLISHED for clients, the SYN-ACK round trip for servers), one
 * for handshakes where a SYN or SYN-ACK was sent again and one for the
 * others (a slow handshake is most often a retransmission: 1 s, then 3 s),
 * close causes; and, from the live table, the processes holding the most
 * connections in CLOSE_WAIT and TIME_WAIT, and the listeners whose accept
 * queue overflowed, with what they dropped.
 *
 * Linear in the records: holders are counted in a hash table keyed by
 * owner (process id and command name); every connection whose owner is
 * not known to the reader (opened before the module loaded, met mid-life,
 * or not the reader's to see) counts under one owner, "-".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "tcpstates.h"

#define NBUCKETS 40
#define NCAUSES	32
#define NTOP	10

struct holder {
	bool used;
	bool known;			/* false: the one unknown owner */
	uint32_t tgid;
	char comm[17];
	unsigned long close_wait, time_wait;
};

/* Handshakes by whether a SYN or SYN-ACK was sent again */
enum { HS_CLEAN, HS_RETRANSMITTED, HS_UNKNOWN, HS_KINDS };

static const char *const hs_kind_name[HS_KINDS] = {
	[HS_CLEAN] = "nothing sent again",
	[HS_RETRANSMITTED] = "a SYN or SYN-ACK sent again",
	[HS_UNKNOWN] = "not known (the module does not tell)",
};

static const char *const hs_kind_key[HS_KINDS] = {
	[HS_CLEAN] = "handshake_us_log2_clean",
	[HS_RETRANSMITTED] = "handshake_us_log2_retransmitted",
	[HS_UNKNOWN] = "handshake_us_log2_unknown",
};

/* A listener that dropped */
struct dropper {
	struct ts_nl_conn c;
};

struct ts_summary {
	const struct ts_opts *o;
	struct ts_filter conns;		/* the filter, without the states */
	unsigned long events;
	unsigned long trans[TS_NSTATES][TS_NSTATES];
	unsigned long hist[NBUCKETS];
	unsigned long handshakes;
	unsigned long hs_hist[HS_KINDS][NBUCKETS];
	unsigned long hs_count[HS_KINDS];
	unsigned long causes[NCAUSES];
	struct holder *h;		/* open addressing, at most half full */
	size_t mask, nh;
	struct dropper *d;		/* listeners that dropped */
	size_t nd, dcap;
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

struct ts_summary *ts_summary_new(const struct ts_opts *o)
{
	struct ts_summary *s = calloc(1, sizeof(*s));

	if (!s) {
		perror("tcpstates");
		exit(1);
	}
	s->o = o;
	s->conns = o->f;
	s->conns.mask = TS_ALL_STATES;
	s->mask = 63;
	s->h = calloc(s->mask + 1, sizeof(*s->h));
	if (!s->h) {
		perror("tcpstates");
		exit(1);
	}
	return s;
}

void ts_summary_free(struct ts_summary *s)
{
	free(s->h);
	free(s->d);
	free(s);
}

void ts_summary_event(struct ts_summary *s, const struct ts_nl_event *ev)
{
	if (!ts_match_event(&s->o->f, ev))
		return;
	s->events++;
	if (ev->oldstate < TS_NSTATES && ev->newstate < TS_NSTATES &&
	    !(ev->known & TS_NL_EV_DROP))	/* (a drop is no transition) */
		s->trans[ev->oldstate][ev->newstate]++;
	if (ev->has_prev_ns &&
	    ((ev->oldstate == TS_SYN_SENT && ev->newstate == TS_ESTABLISHED) ||
	     (ev->oldstate == TS_NEW_SYN_RECV && ev->newstate == TS_SYN_RECV))) {
		int kind = !(ev->known & TS_NL_EV_HS_RETRANS) ? HS_UNKNOWN :
			   ev->hs_retrans ? HS_RETRANSMITTED : HS_CLEAN;
		int b = bucket(ev->prev_ns / 1000);

		s->hist[b]++;
		s->hs_hist[kind][b]++;
		s->hs_count[kind]++;
		s->handshakes++;
	}
	if (ev->newstate == TS_CLOSE && ev->cause < NCAUSES)
		s->causes[ev->cause]++;
}

/* FNV-1a over what tells owners apart */
static size_t owner_hash(bool known, uint32_t tgid, const char *comm)
{
	size_t h = 14695981039346656037ULL;
	const unsigned char *c = (const unsigned char *)comm;
	int i;

	if (!known)
		return 0;
	for (i = 0; i < 4; i++) {
		h ^= (tgid >> (8 * i)) & 0xff;
		h *= 1099511628211ULL;
	}
	for (; *c; c++) {
		h ^= *c;
		h *= 1099511628211ULL;
	}
	return h;
}

static struct holder *holder(struct ts_summary *s, bool known, uint32_t tgid,
			     const char *comm)
{
	struct holder *h, *old;
	size_t i, n;

	if (2 * (s->nh + 1) > s->mask + 1) {
		old = s->h;
		n = s->mask + 1;
		s->h = calloc(2 * n, sizeof(*s->h));
		if (!s->h) {
			perror("tcpstates");
			exit(1);
		}
		s->mask = 2 * n - 1;
		for (i = 0; i < n; i++) {
			if (!old[i].used)
				continue;
			h = &s->h[owner_hash(old[i].known, old[i].tgid,
					     old[i].comm) & s->mask];
			while (h->used)
				h = &s->h[(h - s->h + 1) & s->mask];
			*h = old[i];
		}
		free(old);
	}
	for (i = owner_hash(known, tgid, comm) & s->mask; s->h[i].used;
	     i = (i + 1) & s->mask) {
		h = &s->h[i];
		if (h->known == known &&
		    (!known || (h->tgid == tgid && !strcmp(h->comm, comm))))
			return h;
	}
	h = &s->h[i];
	h->used = true;
	h->known = known;
	h->tgid = known ? tgid : 0;
	snprintf(h->comm, sizeof(h->comm), "%s", known ? comm : "-");
	s->nh++;
	return h;
}

void ts_summary_conn(struct ts_summary *s, const struct ts_nl_conn *c)
{
	const struct ts_nl_owner *o = &c->owner;
	bool known = (o->have & (TS_NL_OWNER_TGID | TS_NL_OWNER_COMM)) ==
		     (TS_NL_OWNER_TGID | TS_NL_OWNER_COMM);
	struct holder *h;

	if (!ts_match_conn(&s->conns, c))
		return;
	if ((c->known & TS_NL_KNOW_LISTENER) && (c->syn_drops || c->ack_drops)) {
		if (s->nd == s->dcap) {
			struct dropper *grown;

			s->dcap = s->dcap ? 2 * s->dcap : 16;
			grown = realloc(s->d, s->dcap * sizeof(*s->d));
			if (!grown) {
				perror("tcpstates");
				exit(1);
			}
			s->d = grown;
		}
		s->d[s->nd++].c = *c;
	}
	if (c->state != TS_CLOSE_WAIT && c->state != TS_TIME_WAIT)
		return;
	h = holder(s, known, o->tgid, o->comm);
	if (c->state == TS_CLOSE_WAIT)
		h->close_wait++;
	else
		h->time_wait++;
}

int ts_summary_holders(const struct ts_summary *s)
{
	return s->nh;
}

/* The most drops first */
static int dropper_cmp(const void *pa, const void *pb)
{
	const struct ts_nl_conn *a = &((const struct dropper *)pa)->c;
	const struct ts_nl_conn *b = &((const struct dropper *)pb)->c;
	uint64_t da = a->syn_drops + a->ack_drops, db = b->syn_drops + b->ack_drops;

	if (da != db)
		return da < db ? 1 : -1;
	return a->cookie < b->cookie ? -1 : a->cookie > b->cookie;
}

static int holder_cmp(const void *pa, const void *pb)
{
	const struct holder *a = pa, *b = pb;
	unsigned long ta = a->close_wait + a->time_wait;
	unsigned long tb = b->close_wait + b->time_wait;

	if (a->used != b->used)
		return a->used ? -1 : 1;
	if (ta != tb)
		return ta < tb ? 1 : -1;
	if (a->known != b->known)
		return a->known ? -1 : 1;
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

/*
 * The histograms of one kind each, each from its lowest bucket to its
 * highest, the bars of all against the largest count.
 */
static void print_histograms(struct ts_summary *s, FILE *f)
{
	unsigned long max = 0;
	int i, k, lo, hi, w;
	char label[64];

	for (k = 0; k < HS_KINDS; k++)
		for (i = 0; i < NBUCKETS; i++)
			max = s->hs_hist[k][i] > max ? s->hs_hist[k][i] : max;
	for (k = 0; k < HS_KINDS; k++) {
		if (!s->hs_count[k])
			continue;
		for (lo = 0; !s->hs_hist[k][lo]; lo++)
			;
		for (hi = NBUCKETS - 1; !s->hs_hist[k][hi]; hi--)
			;
		fprintf(f, " %s (%lu):\n", hs_kind_name[k], s->hs_count[k]);
		for (i = lo; i <= hi; i++) {
			bucket_label(i, label, sizeof(label));
			w = max ? (int)(s->hs_hist[k][i] * 50 / max) : 0;
			fprintf(f, "  %-14s %8lu |%-50.*s|\n", label,
				s->hs_hist[k][i], w,
				"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
		}
	}
}

/* The columns of a listener that dropped (NULL: the header) */
#define DROP_COLS	7

static void dropper_cells(const struct ts_nl_conn *c, char cell[][80])
{
	static const char *const head[DROP_COLS] = {
		"COOKIE", "PID", "COMM", "LOCAL", "QUEUE", "SYN_DROPS", "ACK_DROPS",
	};
	int j;

	if (!c) {
		for (j = 0; j < DROP_COLS; j++)
			snprintf(cell[j], 80, "%s", head[j]);
		return;
	}
	snprintf(cell[0], 80, "%llu", (unsigned long long)c->cookie);
	if (c->owner.have & TS_NL_OWNER_TGID)
		snprintf(cell[1], 80, "%u", c->owner.tgid);
	else
		snprintf(cell[1], 80, "-");
	if (c->owner.have & TS_NL_OWNER_COMM)
		ts_format_comm(c->owner.comm, cell[2], 80);
	else
		snprintf(cell[2], 80, "-");
	ts_format_addr(c->family, c->laddr, c->lport, cell[3], 80);
	snprintf(cell[4], 80, "%u/%u", c->acceptq_len, c->acceptq_max);
	snprintf(cell[5], 80, "%llu", (unsigned long long)c->syn_drops);
	snprintf(cell[6], 80, "%llu", (unsigned long long)c->ack_drops);
}

/* The listeners that dropped, the most first, in columns that fit */
static void print_droppers(struct ts_summary *s, FILE *f)
{
	char cell[DROP_COLS][80];
	int w[DROP_COLS] = { 0 }, j, pass;
	size_t r, n = s->nd < NTOP ? s->nd : NTOP;

	fprintf(f, "\nlisteners that dropped (accept queue full; live table):\n");
	if (!s->nd)
		return;
	qsort(s->d, s->nd, sizeof(*s->d), dropper_cmp);
	for (pass = 0; pass < 2; pass++) {	/* the widths, then the lines */
		for (r = 0; r <= n; r++) {
			dropper_cells(r ? &s->d[r - 1].c : NULL, cell);
			for (j = 0; j < DROP_COLS; j++) {
				if (!pass && (int)strlen(cell[j]) > w[j])
					w[j] = strlen(cell[j]);
				if (pass)
					fprintf(f, j ? " %-*s" : "  %-*s",
						j < DROP_COLS - 1 ? w[j] : 0, cell[j]);
			}
			if (pass)
				fputc('\n', f);
		}
	}
}

static void print_text(struct ts_summary *s, FILE *f)
{
	int i, j, wc = 4, wp = 3;
	char label[64], comm[80];

	fprintf(f, "%lu events%s\n\ntransitions:\n", s->events,
		s->o->duration ? " seen live" : " in the ring");
	for (i = 0; i < TS_NSTATES; i++)
		for (j = 0; j < TS_NSTATES; j++)
			if (s->trans[i][j]) {
				snprintf(label, sizeof(label), "%s -> %s",
					 ts_state_name(i), ts_state_name(j));
				fprintf(f, "  %-30s %lu\n", label, s->trans[i][j]);
			}
	fprintf(f, "\nhandshake latency, us (%lu handshakes, %lu with a SYN or SYN-ACK sent again):\n",
		s->handshakes, s->hs_count[HS_RETRANSMITTED]);
	print_histograms(s, f);
	fprintf(f, "\nclose causes:\n");
	for (i = 1; i < NCAUSES; i++)
		if (s->causes[i])
			fprintf(f, "  %-16s %lu\n", ts_cause_name(i), s->causes[i]);
	fprintf(f, "\ntop holders of CLOSE_WAIT and TIME_WAIT (live table):\n");
	for (i = 0; i < (int)s->nh && i < NTOP; i++) {
		ts_format_comm(s->h[i].comm, comm, sizeof(comm));
		wc = (int)strlen(comm) > wc ? (int)strlen(comm) : wc;
		snprintf(label, sizeof(label), "%u", s->h[i].tgid);
		wp = (int)strlen(label) > wp ? (int)strlen(label) : wp;
	}
	fprintf(f, "  %-*s %-*s %10s %10s\n", wp, "PID", wc, "COMM", "CLOSE_WAIT",
		"TIME_WAIT");
	for (i = 0; i < (int)s->nh && i < NTOP; i++) {
		ts_format_comm(s->h[i].comm, comm, sizeof(comm));
		if (s->h[i].known)
			snprintf(label, sizeof(label), "%u", s->h[i].tgid);
		else
			strcpy(label, "-");
		fprintf(f, "  %-*s %-*s %10lu %10lu\n", wp, label, wc, comm,
			s->h[i].close_wait, s->h[i].time_wait);
	}
	print_droppers(s, f);
}

/* "key":[{"from":..,"to":..,"count":..},...] */
static void json_hist(FILE *f, const char *key, const unsigned long *hist)
{
	bool first = true;
	int i;

	fprintf(f, ",\"%s\":[", key);
	for (i = 0; i < NBUCKETS; i++)
		if (hist[i]) {
			fprintf(f, "%s{\"from\":%llu,\"to\":%llu,\"count\":%lu}",
				first ? "" : ",", i ? 1ULL << (i - 1) : 0,
				1ULL << i, hist[i]);
			first = false;
		}
	fputc(']', f);
}

static void json_droppers(struct ts_summary *s, FILE *f)
{
	const struct ts_nl_conn *c;
	char addr[64];
	size_t i;

	qsort(s->d, s->nd, sizeof(*s->d), dropper_cmp);
	fprintf(f, ",\"dropping_listeners\":[");
	for (i = 0; i < s->nd && i < NTOP; i++) {
		c = &s->d[i].c;
		if (!inet_ntop(c->family == AF_INET ? AF_INET : AF_INET6,
			       c->laddr, addr, sizeof(addr)))
			strcpy(addr, "?");
		fprintf(f, "%s{\"cookie\":%llu,\"tgid\":", i ? "," : "",
			(unsigned long long)c->cookie);
		if (c->owner.have & TS_NL_OWNER_TGID)
			fprintf(f, "%u", c->owner.tgid);
		else
			fputs("null", f);
		fputs(",\"comm\":", f);
		if (c->owner.have & TS_NL_OWNER_COMM)
			ts_json_string(f, c->owner.comm);
		else
			fputs("null", f);
		fprintf(f, ",\"local_addr\":\"%s\",\"local_port\":%u,\"acceptq_len\":%u,\"acceptq_max\":%u,\"syn_drops\":%llu,\"ack_drops\":%llu}",
			addr, c->lport, c->acceptq_len, c->acceptq_max,
			(unsigned long long)c->syn_drops,
			(unsigned long long)c->ack_drops);
	}
	fputc(']', f);
}

static void print_json(struct ts_summary *s, FILE *f)
{
	bool first = true;
	int i, j;

	fprintf(f, "{\"type\":\"summary\",\"events\":%lu,\"transitions\":{", s->events);
	for (i = 0; i < TS_NSTATES; i++)
		for (j = 0; j < TS_NSTATES; j++)
			if (s->trans[i][j]) {
				fprintf(f, "%s\"%s->%s\":%lu", first ? "" : ",",
					ts_state_name(i), ts_state_name(j),
					s->trans[i][j]);
				first = false;
			}
	fprintf(f, "},\"handshakes\":%lu,\"handshakes_retransmitted\":%lu",
		s->handshakes, s->hs_count[HS_RETRANSMITTED]);
	json_hist(f, "handshake_us_log2", s->hist);
	for (i = 0; i < HS_KINDS; i++)
		json_hist(f, hs_kind_key[i], s->hs_hist[i]);
	fprintf(f, ",\"close_causes\":{");
	first = true;
	for (i = 1; i < NCAUSES; i++)
		if (s->causes[i]) {
			fprintf(f, "%s\"%s\":%lu", first ? "" : ",",
				ts_cause_name(i), s->causes[i]);
			first = false;
		}
	fprintf(f, "},\"top_holders\":[");
	for (i = 0; i < (int)s->nh && i < NTOP; i++) {
		fprintf(f, "%s{\"tgid\":", i ? "," : "");
		if (s->h[i].known)
			fprintf(f, "%u,\"comm\":", s->h[i].tgid);
		else
			fprintf(f, "null,\"comm\":");
		if (s->h[i].known)
			ts_json_string(f, s->h[i].comm);
		else
			fputs("null", f);
		fprintf(f, ",\"close_wait\":%lu,\"time_wait\":%lu}",
			s->h[i].close_wait, s->h[i].time_wait);
	}
	fputc(']', f);
	json_droppers(s, f);
	fprintf(f, "}\n");
}

/* Sorts the holders (the table is no longer looked up after) and prints */
void ts_summary_print(struct ts_summary *s, FILE *f)
{
	qsort(s->h, s->mask + 1, sizeof(*s->h), holder_cmp);
	if (s->o->json)
		print_json(s, f);
	else
		print_text(s, f);
}

static int sum_ev_cb(const struct ts_nl_event *ev, void *data)
{
	ts_summary_event(data, ev);
	return ts_stop;
}

static int sum_conn_cb(const struct ts_nl_conn *c, void *data)
{
	ts_summary_conn(data, c);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int cmd_summary(struct ts_nl *nl, const struct ts_opts *o)
{
	struct ts_summary *s = ts_summary_new(o);
	struct ts_nl_filter k;
	struct ts_nl dump;
	double end;
	int ret;

	/* a second socket for the dumps: the first may be subscribed */
	ret = ts_nl_open(&dump);
	if (ret)
		ts_nl_fail(&dump, "netlink", ret, o);
	if (o->duration) {
		ts_nl_set_rcvbuf(nl, 8 << 20);
		ret = ts_subscribe(nl, &o->f);
		if (ret)
			ts_nl_fail(nl, "subscribing to live events", ret, o);
		end = now_s() + o->duration;
		while (!ts_stop && now_s() < end) {
			ret = ts_nl_recv_events(nl, 200, sum_ev_cb, s);
			if (ret == -ENOBUFS)
				fprintf(stderr, "tcpstates: receive buffer overflow: the summary misses events\n");
			else if (ret < 0 && ret != -EINTR)
				ts_nl_fail(nl, "receiving live events", ret, o);
		}
	} else {
		ts_kernel_filter(&o->f, ts_filter_attrs(&dump, &o->f), &k);
		ret = ts_nl_dump_events(&dump, 0, &k, o->f.all_netns, sum_ev_cb, s);
		if (ret < 0)
			ts_nl_fail(&dump, "event dump", ret, o);
	}
	ts_kernel_filter(&s->conns, ts_filter_attrs(&dump, &s->conns), &k);
	ret = ts_nl_dump_conns(&dump, &k, o->f.all_netns, sum_conn_cb, s);
	if (ret < 0)
		ts_nl_fail(&dump, "connection dump", ret, o);
	ts_nl_close(&dump);
	ts_summary_print(s, stdout);
	ts_flush(stdout);
	ts_summary_free(s);
	return 0;
}
