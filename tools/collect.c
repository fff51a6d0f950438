// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates-exporter: one scrape's snapshot. The aggregates and counters
 * come from the module (GET_AGGR, GET_STATS: a few KiB, whatever the
 * number of connections); the per-port counts and the top holders of
 * CLOSE_WAIT/TIME_WAIT from its connection table (GET_CONNS dumps,
 * filtered in the kernel, made only when asked for); listen drops and
 * tcp_max_tw_buckets from /proc.
 *
 * The table's dumps cost time in proportion to the connections they
 * return (each is a message of a few hundred bytes): they are made at
 * most every --table-interval, and the scrapes between serve what the
 * last one found, with its age.
 *
 * The netlink socket stays open between scrapes. Every wait for the
 * kernel is bounded (SO_RCVTIMEO); on any failure the socket is closed
 * and opened again, at once once (the module may have been reloaded: a
 * new family id) and then at each scrape, so the exporter picks the
 * module up whenever it is loaded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/tcpstates.h>

#include "exporter.h"

struct ts_exp_collector {
	struct ts_exp_config cfg;
	struct ts_nl nl;
	bool open;
	enum ts_exp_error last;		/* the previous scrape's, for the log */
	struct ts_exp_snap *table;	/* the last dumps' ports and holders */
	double table_time;		/* when they were read; 0: never */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct ts_exp_collector *ts_exp_collector_new(const struct ts_exp_config *cfg)
{
	struct ts_exp_collector *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cfg = *cfg;
	c->last = TS_EXP_OK;
	c->table = calloc(1, sizeof(*c->table));
	if (!c->table) {
		free(c);
		return NULL;
	}
	return c;
}

static void collector_close(struct ts_exp_collector *c)
{
	if (c->open)
		ts_nl_close(&c->nl);
	c->open = false;
}

void ts_exp_collector_free(struct ts_exp_collector *c)
{
	if (!c)
		return;
	collector_close(c);
	free(c->table);
	free(c);
}

/* Ranking the holders of one state: tgid -> connections, open addressing */
struct ts_exp_rank {
	struct ts_exp_holder *slot;
	bool *used;
	size_t size, n;
};

struct ts_exp_rank *ts_exp_rank_new(void)
{
	struct ts_exp_rank *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->size = 64;
	r->slot = calloc(r->size, sizeof(*r->slot));
	r->used = calloc(r->size, sizeof(*r->used));
	if (!r->slot || !r->used) {
		ts_exp_rank_free(r);
		return NULL;
	}
	return r;
}

void ts_exp_rank_free(struct ts_exp_rank *r)
{
	if (!r)
		return;
	free(r->slot);
	free(r->used);
	free(r);
}

static struct ts_exp_holder *rank_find(struct ts_exp_holder *slot, bool *used,
				       size_t size, uint32_t tgid)
{
	size_t i = (tgid * 2654435761U) & (size - 1);

	while (used[i] && slot[i].tgid != tgid)
		i = (i + 1) & (size - 1);
	used[i] = true;
	return &slot[i];
}

static int rank_grow(struct ts_exp_rank *r)
{
	size_t size = r->size * 2, i;
	struct ts_exp_holder *slot = calloc(size, sizeof(*slot)), *h;
	bool *used = calloc(size, sizeof(*used));

	if (!slot || !used) {
		free(slot);
		free(used);
		return -ENOMEM;
	}
	for (i = 0; i < r->size; i++) {
		if (!r->used[i])
			continue;
		h = rank_find(slot, used, size, r->slot[i].tgid);
		*h = r->slot[i];
	}
	free(r->slot);
	free(r->used);
	r->slot = slot;
	r->used = used;
	r->size = size;
	return 0;
}

/* One connection held by process @tgid (named @comm when first met) */
int ts_exp_rank_add(struct ts_exp_rank *r, uint32_t tgid, const char *comm)
{
	struct ts_exp_holder *h;

	if (2 * (r->n + 1) > r->size && rank_grow(r))
		return -ENOMEM;
	h = rank_find(r->slot, r->used, r->size, tgid);
	if (!h->n) {
		h->tgid = tgid;
		snprintf(h->comm, sizeof(h->comm), "%s", comm);
		r->n++;
	}
	h->n++;
	return 0;
}

static int holder_cmp(const void *a, const void *b)
{
	const struct ts_exp_holder *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

/* The @n processes holding the most, most first (ties: lower pid first) */
int ts_exp_rank_top(struct ts_exp_rank *r, struct ts_exp_holder *out, int n)
{
	size_t i, k = 0;

	for (i = 0; i < r->size; i++)
		if (r->used[i])
			r->slot[k++] = r->slot[i];
	memset(r->used, 0, r->size * sizeof(*r->used));
	qsort(r->slot, k, sizeof(*r->slot), holder_cmp);
	if ((size_t)n > k)
		n = k;
	memcpy(out, r->slot, n * sizeof(*out));
	/* the table is sorted now, not hashed: start again */
	memset(r->slot, 0, r->size * sizeof(*r->slot));
	r->n = 0;
	return n;
}

/* /proc/net/netstat: a "TcpExt:" line of names, then one of values */
int ts_exp_parse_netstat(FILE *f, uint64_t *overflows, uint64_t *drops)
{
	char *names = NULL, *values = NULL, *line = NULL, *sn, *sv, *n, *v;
	size_t len = 0;
	int found = 0;

	while (getline(&line, &len, f) > 0) {
		if (strncmp(line, "TcpExt:", 7))
			continue;
		if (!names) {
			names = strdup(line);
		} else {
			values = strdup(line);
			break;
		}
	}
	free(line);
	if (!names || !values) {
		free(names);
		free(values);
		return -ENOENT;
	}
	n = strtok_r(names, " \n", &sn);
	v = strtok_r(values, " \n", &sv);
	while (n && v) {
		if (!strcmp(n, "ListenOverflows")) {
			*overflows = strtoull(v, NULL, 10);
			found |= 1;
		} else if (!strcmp(n, "ListenDrops")) {
			*drops = strtoull(v, NULL, 10);
			found |= 2;
		}
		n = strtok_r(NULL, " \n", &sn);
		v = strtok_r(NULL, " \n", &sv);
	}
	free(names);
	free(values);
	return found == 3 ? 0 : -ENOENT;
}

static void read_proc(struct ts_exp_snap *s)
{
	FILE *f = fopen("/proc/net/netstat", "r");
	unsigned long long v;

	if (f) {
		s->has_listen = !ts_exp_parse_netstat(f, &s->listen_overflows,
						      &s->listen_drops);
		fclose(f);
	}
	f = fopen("/proc/sys/net/ipv4/tcp_max_tw_buckets", "r");
	if (f) {
		if (fscanf(f, "%llu", &v) == 1) {
			s->tw_max = v;
			s->has_tw_max = true;
		}
		fclose(f);
	}
}

/* Counting the table's connections of one port */
static int port_cb(const struct ts_nl_conn *conn, void *data)
{
	struct ts_exp_port *p = data;

	if (conn->state < TS_NSTATES)
		p->n[conn->family == AF_INET6][conn->state]++;
	return 0;
}

struct top_ctx {
	struct ts_exp_rank *rank[TS_EXP_HELD_STATES];
	uint64_t conns;
	int err;
};

static int top_cb(const struct ts_nl_conn *conn, void *data)
{
	struct top_ctx *t = data;
	int k = conn->state == TS_CLOSE_WAIT ? 0 :
		conn->state == TS_TIME_WAIT ? 1 : -1;

	t->conns++;
	if (k < 0 || !(conn->owner.have & TS_NL_OWNER_TGID))
		return 0;
	if (ts_exp_rank_add(t->rank[k], conn->owner.tgid,
			    conn->owner.have & TS_NL_OWNER_COMM ?
			    conn->owner.comm : "") && !t->err)
		t->err = -ENOMEM;
	return 0;
}

static int read_ports(struct ts_exp_collector *c, struct ts_exp_snap *s)
{
	struct ts_nl_filter f;
	int i, ret;

	for (i = 0; i < c->cfg.nlport + c->cfg.nrport; i++) {
		bool local = i < c->cfg.nlport;
		struct ts_exp_port *p = local ? &s->lport[i] :
					&s->rport[i - c->cfg.nlport];

		memset(&f, 0, sizeof(f));
		if (local) {
			p->port = c->cfg.lport[i];
			f.have = 1U << TCPSTATES_A_FILTER_LOCAL_PORT;
			f.lport = p->port;
		} else {
			p->port = c->cfg.rport[i - c->cfg.nlport];
			f.have = 1U << TCPSTATES_A_FILTER_REMOTE_PORT;
			f.rport = p->port;
		}
		ret = ts_nl_dump_conns(&c->nl, &f, c->cfg.all_netns, port_cb, p);
		if (ret)
			return ret;
	}
	s->nlport = c->cfg.nlport;
	s->nrport = c->cfg.nrport;
	return 0;
}

static int read_top(struct ts_exp_collector *c, struct ts_exp_snap *s)
{
	struct top_ctx t = { 0 };
	struct ts_nl_filter f = { 0 };
	int k, ret = -ENOMEM;

	for (k = 0; k < TS_EXP_HELD_STATES; k++)
		if (!(t.rank[k] = ts_exp_rank_new()))
			goto out;
	f.have = 1U << TCPSTATES_A_FILTER_STATES;
	f.states = TS_STATE_BIT(TS_CLOSE_WAIT) | TS_STATE_BIT(TS_TIME_WAIT);
	ret = ts_nl_dump_conns(&c->nl, &f, c->cfg.all_netns, top_cb, &t);
	if (!ret)
		ret = t.err;
	if (ret)
		goto out;
	for (k = 0; k < TS_EXP_HELD_STATES; k++)
		s->ntop[k] = ts_exp_rank_top(t.rank[k], s->top[k], c->cfg.top);
	s->top_conns = t.conns;
out:
	for (k = 0; k < TS_EXP_HELD_STATES; k++)
		ts_exp_rank_free(t.rank[k]);
	return ret;
}

/* The ports and holders: dumped afresh, or the last ones while young */
static int read_table(struct ts_exp_collector *c, struct ts_exp_snap *s,
		      const char **what)
{
	struct ts_exp_snap *t = c->table;
	double t0 = now();
	int ret = 0;

	if (!c->table_time || 1000 * (t0 - c->table_time) >= c->cfg.table_interval_ms) {
		memset(t, 0, sizeof(*t));
		*what = "GET_CONNS (--port)";
		ret = read_ports(c, t);
		if (!ret && c->cfg.top) {
			*what = "GET_CONNS (--top)";
			ret = read_top(c, t);
		}
		if (ret) {
			c->table_time = 0;
			return ret;
		}
		c->table_time = t0;
	}
	s->nlport = t->nlport;
	s->nrport = t->nrport;
	memcpy(s->lport, t->lport, sizeof(s->lport));
	memcpy(s->rport, t->rport, sizeof(s->rport));
	memcpy(s->ntop, t->ntop, sizeof(s->ntop));
	memcpy(s->top, t->top, sizeof(s->top));
	s->top_conns = t->top_conns;
	s->has_table = true;
	s->table_age = t0 - c->table_time;
	return 0;
}

static enum ts_exp_error classify(int err)
{
	switch (err) {
	case -ENOENT:
		return TS_EXP_NOT_LOADED;
	case -EPERM:
	case -EACCES:
		return TS_EXP_PERMISSION;
	case -EAGAIN:
	case -ETIMEDOUT:
		return TS_EXP_TIMEOUT;
	case -EOPNOTSUPP:
		return TS_EXP_UNSUPPORTED;
	default:
		return TS_EXP_NETLINK;
	}
}

/* The module's part of the snapshot; 0 or a negative errno (and s->message) */
static int read_module(struct ts_exp_collector *c, struct ts_exp_snap *s)
{
	const char *what = "opening the tcpstates netlink family";
	int ret;

	if (!c->open) {
		/*
		 * Not loaded: said by /sys at once. Asking the kernel for an
		 * unknown family would make it run modprobe (request_module())
		 * at every scrape. Without /sys/module (a container), ask.
		 */
		if (!access("/sys/module", F_OK) && access("/sys/module/tcpstates", F_OK)) {
			snprintf(s->message, sizeof(s->message),
				 "the tcpstates module is not loaded (modprobe tcpstates)");
			return -ENOENT;
		}
		ret = ts_nl_open(&c->nl);
		if (ret) {
			if (ret == -ENOENT)
				snprintf(s->message, sizeof(s->message),
					 "the tcpstates module is not loaded (modprobe tcpstates)");
			else
				snprintf(s->message, sizeof(s->message), "%s: %s",
					 what, strerror(-ret));
			return ret;
		}
		c->open = true;
		if (c->cfg.timeout_ms)
			ts_nl_set_timeout(&c->nl, c->cfg.timeout_ms);
	}
	what = "GET_AGGR";
	ret = ts_nl_get_aggr(&c->nl, c->cfg.all_netns, &s->aggr);
	if (!ret) {
		what = "GET_STATS";
		ret = ts_nl_get_stats(&c->nl, &s->stats);
		s->has_stats = !ret;
	}
	if (!ret && (c->cfg.nlport || c->cfg.nrport || c->cfg.top))
		ret = read_table(c, s, &what);
	if (ret) {
		if (ret == -EAGAIN)
			snprintf(s->message, sizeof(s->message),
				 "%s: no answer from the kernel within %d ms", what,
				 c->cfg.timeout_ms);
		else if (ret == -EOPNOTSUPP || (ret == -EINVAL && c->nl.version < 2))
			snprintf(s->message, sizeof(s->message),
				 "%s: the loaded module (family version %u) has no aggregates: load a newer tcpstates module",
				 what, c->nl.version);
		else
			snprintf(s->message, sizeof(s->message), "%s: %s%s%s", what,
				 strerror(-ret), c->nl.err[0] ? ": " : "", c->nl.err);
		if (ret == -EINVAL && c->nl.version < 2)
			ret = -EOPNOTSUPP;
	}
	return ret;
}

/**
 * ts_exp_collect() - one scrape's snapshot
 * @c: the collector
 * @s: filled in; s->error says whether the module answered
 *
 * Logs to stderr when the module goes away or comes back.
 */
void ts_exp_collect(struct ts_exp_collector *c, struct ts_exp_snap *s)
{
	double t0 = now();
	bool was_open = c->open;
	int ret;

	memset(s, 0, sizeof(*s));
	s->all_netns = c->cfg.all_netns;
	read_proc(s);
	ret = read_module(c, s);
	if (ret && was_open) {
		/* a stale socket (a reloaded module, a timed-out dump): once more */
		collector_close(c);
		memset(s, 0, sizeof(*s));
		s->all_netns = c->cfg.all_netns;
		read_proc(s);
		ret = read_module(c, s);
	}
	if (ret) {
		collector_close(c);
		c->table_time = 0;	/* the module may be another one next time */
		s->error = classify(ret);
	}
	if (s->error != c->last) {
		if (s->error)
			fprintf(stderr, "tcpstates-exporter: %s\n", s->message);
		else
			fprintf(stderr, "tcpstates-exporter: the module answers again\n");
		c->last = s->error;
	}
	s->seconds = now() - t0;
}
