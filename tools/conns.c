// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: conns, the live connection table, sortable, as ss lists
 * sockets (not the listeners unless -a or -l), with each connection's
 * Recv-Q and Send-Q from sock_diag (diag.c); and listeners, the same
 * table's listeners with their accept queues and drops.
 */
#include <stdlib.h>
#include <string.h>

#include "tcpstates.h"

struct conn_list {
	const struct ts_opts *o;
	struct ts_conn_row *c;
	size_t n, cap;
};

static int conns_cb(const struct ts_nl_conn *c, void *data)
{
	struct conn_list *l = data;
	struct ts_conn_row *grown;

	if (!ts_match_conn(&l->o->f, c))
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		grown = realloc(l->c, l->cap * sizeof(*l->c));
		if (!grown) {
			perror("tcpstates");
			exit(1);
		}
		l->c = grown;
	}
	memset(&l->c[l->n], 0, sizeof(l->c[l->n]));
	l->c[l->n++].c = *c;
	return 0;
}

static const char *sort_key;
static int sort_sign = 1;

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_addr(int fa, const uint8_t *a, uint16_t pa, int fb,
		    const uint8_t *b, uint16_t pb)
{
	int r = fa - fb;

	if (!r)
		r = memcmp(a, b, fa == 2 ? 4 : 16);
	return r ? r : pa - pb;
}

static int conn_cmp(const void *pa, const void *pb)
{
	const struct ts_nl_conn *a = &((const struct ts_conn_row *)pa)->c;
	const struct ts_nl_conn *b = &((const struct ts_conn_row *)pb)->c;
	int r = 0;

	if (!strcmp(sort_key, "age"))		/* longest in its state first */
		r = cmp_u64(b->state_ns, a->state_ns);
	else if (!strcmp(sort_key, "state"))
		r = a->state - b->state;
	else if (!strcmp(sort_key, "pid"))
		r = cmp_u64(a->owner.tgid, b->owner.tgid);
	else if (!strcmp(sort_key, "comm"))
		r = strcmp(a->owner.comm, b->owner.comm);
	else if (!strcmp(sort_key, "local"))
		r = cmp_addr(a->family, a->laddr, a->lport, b->family, b->laddr, b->lport);
	else if (!strcmp(sort_key, "remote"))
		r = cmp_addr(a->family, a->raddr, a->rport, b->family, b->raddr, b->rport);
	else if (!strcmp(sort_key, "handshake"))	/* slowest first */
		r = cmp_u64(b->known & TS_NL_KNOW_HANDSHAKE ? b->handshake_us : 0,
			    a->known & TS_NL_KNOW_HANDSHAKE ? a->handshake_us : 0);
	else if (!strcmp(sort_key, "bytes"))	/* the most first */
		r = cmp_u64(b->data.bytes_acked + b->data.bytes_received,
			    a->data.bytes_acked + a->data.bytes_received);
	else if (!strcmp(sort_key, "retrans"))
		r = cmp_u64(b->data.retrans + b->hs_retrans,
			    a->data.retrans + a->hs_retrans);
	else if (!strcmp(sort_key, "rtt"))
		r = cmp_u64(b->data.srtt_us, a->data.srtt_us);
	else if (!strcmp(sort_key, "drops"))
		r = cmp_u64(b->syn_drops + b->ack_drops, a->syn_drops + a->ack_drops);
	if (!r)
		r = cmp_u64(a->cookie, b->cookie);
	return r * sort_sign;
}

static int list(struct ts_nl *nl, const struct ts_opts *o,
		struct ts_out *(*open)(FILE *f, const struct ts_opts *o))
{
	struct conn_list l = { .o = o };
	struct ts_nl_filter k;
	struct ts_diag *d;
	struct ts_out *out;
	size_t i;
	int ret;

	ts_kernel_filter(&o->f, ts_filter_attrs(nl, &o->f), &k);
	ret = ts_nl_dump_conns(nl, &k, o->f.all_netns, conns_cb, &l);
	if (ret < 0)
		ts_nl_fail(nl, "connection dump", ret, o);
	if (o->sort || o->reverse) {
		sort_key = o->sort ? o->sort : "cookie";
		sort_sign = o->reverse ? -1 : 1;
		qsort(l.c, l.n, sizeof(*l.c), conn_cmp);
	}
	d = ts_diag_load();
	for (i = 0; i < l.n; i++)
		l.c[i].has_queues = ts_diag_find(d, l.c[i].c.cookie,
						 &l.c[i].rqueue, &l.c[i].wqueue);
	ts_diag_free(d);
	out = open(stdout, o);
	for (i = 0; i < l.n; i++)
		ts_out_row(out, &l.c[i]);
	ts_out_close(out);
	ts_flush(stdout);
	free(l.c);
	return 0;
}

int cmd_conns(struct ts_nl *nl, const struct ts_opts *o)
{
	return list(nl, o, ts_conns_open);
}

/* The filter asks for LISTEN (main()) */
int cmd_listeners(struct ts_nl *nl, const struct ts_opts *o)
{
	return list(nl, o, ts_listeners_open);
}
