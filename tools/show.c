// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: show COOKIE, one connection as the textbook draws it: a
 * ladder between this socket (left) and its peer (right), with the real
 * sequence numbers. Each socket is one end: on loopback the peer has its
 * own cookie and ladder.
 *
 * Names as in the textbook: x is the client's ISN and y the server's; u is
 * the sequence number of the first FIN, w that of the second. A reader
 * without privilege over the connection gets no sequence numbers: "?".
 *
 * The kernel sends only that connection's events and entry (a cookie
 * filter, family version 2); with an older module they are picked here.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tcpstates.h"

#define S(x)	TS_##x
#define CAUSE_RESET_RECEIVED	TCPSTATES_CAUSE_RESET_RECEIVED
#define CAUSE_RESET_SENT	TCPSTATES_CAUSE_RESET_SENT
#define CAUSE_REFUSED		TCPSTATES_CAUSE_REFUSED

struct ladder {
	FILE *f;
	bool active;		/* we are the client */
	bool have_u;		/* the first FIN's number is named */
	bool u_ours;
};

static void arrow(struct ladder *l, bool out, const char *fmt, ...)
{
	char msg[120];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (out)
		fprintf(l->f, "%14s |  %-52s --> |\n", "", msg);
	else
		fprintf(l->f, "%14s | <-- %-52s  |\n", "", msg);
}

/* "u" or "w" for a FIN: the first one sent, either way, is u */
static const char *fin_name(struct ladder *l, bool ours)
{
	if (!l->have_u) {
		l->have_u = true;
		l->u_ours = ours;
	}
	return l->u_ours == ours ? "u" : "w";
}

static void step(struct ladder *l, const struct ts_nl_event *ev,
		 const struct ts_nl_event *prev)
{
	char t[64], ms[32];

	if (prev) {
		ts_format_ms(true, ev->time_ns - prev->time_ns, ms, sizeof(ms));
		snprintf(t, sizeof(t), "+%s ms", ms);
	} else {
		ts_format_walltime(ev->time_ns, t, sizeof(t));
	}
	fprintf(l->f, "%14s |  %s -> %s", t, ts_state_name(ev->oldstate),
		ts_state_name(ev->newstate));
	if (ev->newstate == S(CLOSE) && ev->cause)
		fprintf(l->f, "  (%s)", ts_cause_name(ev->cause));
	if (ev->has_prev_ns && ev->oldstate == S(TIME_WAIT)) {
		ts_format_ms(true, ev->prev_ns, ms, sizeof(ms));
		fprintf(l->f, "  TIME_WAIT lasted %s ms", ms);
	} else if (ev->has_prev_ns &&
		   (ev->oldstate == S(CLOSE_WAIT) || ev->oldstate == S(FIN_WAIT2))) {
		ts_format_ms(true, ev->prev_ns, ms, sizeof(ms));
		fprintf(l->f, "  after %s ms in %s", ms,
			ts_state_name(ev->oldstate));
	}
	fputc('\n', l->f);
}

/* A sequence number plus @add, or "?" when the kernel did not send it */
static const char *seqno(bool known, uint32_t v, int add)
{
	static char buf[4][16];
	static int i;

	i = (i + 1) % 4;
	if (known)
		snprintf(buf[i], sizeof(buf[i]), "%u", v + add);
	else
		snprintf(buf[i], sizeof(buf[i]), "?");
	return buf[i];
}

static void draw_event(struct ladder *l, const struct ts_nl_event *ev,
		       const struct ts_nl_event *prev)
{
	bool sk = ev->known & TS_NL_EV_SND_NXT, rk = ev->known & TS_NL_EV_RCV_NXT;
	const char *n;

	switch (ev->oldstate * 16 + ev->newstate) {
	case S(CLOSE) * 16 + S(SYN_SENT):
		step(l, ev, prev);
		arrow(l, true, "SYN seq=x (%s)", seqno(sk, ev->snd_nxt, 0));
		return;
	case S(SYN_SENT) * 16 + S(ESTABLISHED):
		arrow(l, false, "SYN-ACK seq=y (%s) ack=x+1 (%s)",
		      seqno(rk, ev->rcv_nxt, -1), seqno(sk, ev->snd_nxt, 0));
		step(l, ev, prev);
		arrow(l, true, "ACK ack=y+1 (%s)", seqno(rk, ev->rcv_nxt, 0));
		return;
	case S(NEW_SYN_RECV) * 16 + S(SYN_RECV):
		arrow(l, false, "SYN seq=x (%s)", seqno(rk, ev->rcv_nxt, -1));
		arrow(l, true, "SYN-ACK seq=y (%s) ack=x+1 (%s)",
		      seqno(sk, ev->snd_nxt, -1), seqno(rk, ev->rcv_nxt, 0));
		arrow(l, false, "ACK ack=y+1 (%s)", seqno(sk, ev->snd_nxt, 0));
		step(l, ev, prev);
		return;
	case S(ESTABLISHED) * 16 + S(FIN_WAIT1):
	case S(CLOSE_WAIT) * 16 + S(LAST_ACK):
		step(l, ev, prev);
		n = fin_name(l, true);
		arrow(l, true, "FIN seq=%s (%s)", n, seqno(sk, ev->snd_nxt, 0));
		return;
	case S(FIN_WAIT1) * 16 + S(FIN_WAIT2):
	case S(LAST_ACK) * 16 + S(CLOSE):
	case S(CLOSING) * 16 + S(TIME_WAIT):
		if (ev->cause == CAUSE_RESET_RECEIVED) {
			arrow(l, false, "RST");
		} else {
			n = fin_name(l, true);
			arrow(l, false, "ACK ack=%s+1 (%s)", n,
			      seqno(sk, ev->snd_nxt, 0));
		}
		step(l, ev, prev);
		return;
	case S(ESTABLISHED) * 16 + S(CLOSE_WAIT):
	case S(FIN_WAIT2) * 16 + S(TIME_WAIT):
	case S(FIN_WAIT1) * 16 + S(CLOSING):
		n = fin_name(l, false);
		arrow(l, false, "FIN seq=%s (%s)", n, seqno(rk, ev->rcv_nxt, -1));
		step(l, ev, prev);
		arrow(l, true, "ACK ack=%s+1 (%s)", n, seqno(rk, ev->rcv_nxt, 0));
		return;
	}
	if (ev->newstate == S(CLOSE) && (ev->cause == CAUSE_RESET_RECEIVED ||
					ev->cause == CAUSE_REFUSED))
		arrow(l, false, "RST");
	step(l, ev, prev);
	if (ev->newstate == S(CLOSE) && ev->cause == CAUSE_RESET_SENT)
		arrow(l, true, "RST");
}

void ts_print_ladder(FILE *f, const struct ts_nl_event *evs, int n,
		     const struct ts_nl_conn *conn)
{
	struct ladder l = { .f = f };
	char lo[64], re[64], comm[80];
	const struct ts_nl_event *e0 = n ? &evs[0] : NULL;
	int i, role = conn ? conn->role : e0 ? e0->role : 0;
	const struct ts_nl_owner *o = conn ? &conn->owner : &e0->owner;

	l.active = role == 1;
	if (conn) {
		ts_format_addr(conn->family, conn->laddr, conn->lport, lo, sizeof(lo));
		ts_format_addr(conn->family, conn->raddr, conn->rport, re, sizeof(re));
	} else {
		ts_format_addr(e0->family, e0->laddr, e0->lport, lo, sizeof(lo));
		ts_format_addr(e0->family, e0->raddr, e0->rport, re, sizeof(re));
	}
	fprintf(f, "connection %llu, %s", (unsigned long long)
		(conn ? conn->cookie : e0->cookie), ts_role_name(role));
	if (o->have & TS_NL_OWNER_COMM) {
		ts_format_comm(o->comm, comm, sizeof(comm));
		fprintf(f, ", owner %s", comm);
	}
	if (o->have & (TS_NL_OWNER_TGID | TS_NL_OWNER_UID)) {
		fprintf(f, " (");
		if (o->have & TS_NL_OWNER_TGID)
			fprintf(f, "pid %u%s", o->tgid,
				o->have & TS_NL_OWNER_UID ? ", " : "");
		if (o->have & TS_NL_OWNER_UID)
			fprintf(f, "uid %u", o->uid);
		fputc(')', f);
	}
	fputc('\n', f);
	fprintf(f, "%14s   %-30s %28s\n", "", lo, re);
	if (conn && (conn->known & TS_NL_KNOW_ISN_LOCAL))
		fprintf(f, "%14s   %s = %u (ours)", "", l.active ? "x" : "y",
			conn->isn_local);
	if (conn && (conn->known & TS_NL_KNOW_ISN_REMOTE))
		fprintf(f, ", %s = %u (peer's)\n", l.active ? "y" : "x",
			conn->isn_remote);
	else if (conn && (conn->known & TS_NL_KNOW_ISN_LOCAL))
		fputc('\n', f);
	if (conn && (conn->flags & TCPSTATES_CONN_F_PREEXISTING))
		fprintf(f, "%14s   (opened before the module loaded: its handshake and owner are not known)\n", "");
	if (e0 && e0->oldstate != S(CLOSE) && e0->oldstate != S(NEW_SYN_RECV) &&
	    !(conn && (conn->flags & TCPSTATES_CONN_F_PREEXISTING)))
		fprintf(f, "%14s   (its first events are no longer in the ring: from event %llu on)\n",
			"", (unsigned long long)e0->seq);
	for (i = 0; i < n; i++)
		draw_event(&l, &evs[i], i ? &evs[i - 1] : NULL);
	if (conn) {
		char age[32];

		if (conn->known & TS_NL_KNOW_STATE_NS)
			ts_format_age(conn->state_ns, age, sizeof(age));
		else
			strcpy(age, "?");
		fprintf(f, "%14s |  now %s, for %s\n", "", ts_state_name(conn->state), age);
	}
}

struct show {
	unsigned long long cookie;
	struct ts_nl_event *ev;
	int n, cap;
	struct ts_nl_conn conn;
	bool have_conn;
};

static int show_ev_cb(const struct ts_nl_event *ev, void *data)
{
	struct show *s = data;
	struct ts_nl_event *grown;

	if (ev->cookie != s->cookie)
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		grown = realloc(s->ev, s->cap * sizeof(*s->ev));
		if (!grown) {
			perror("tcpstates");
			exit(1);
		}
		s->ev = grown;
	}
	s->ev[s->n++] = *ev;
	return 0;
}

static int show_conn_cb(const struct ts_nl_conn *c, void *data)
{
	struct show *s = data;

	if (c->cookie == s->cookie) {
		s->conn = *c;
		s->have_conn = true;
	}
	return 0;
}

int cmd_show(struct ts_nl *nl, const struct ts_opts *o)
{
	struct show s = { .cookie = strtoull(o->cookie, NULL, 10) };
	uint32_t attrs = ts_nl_filter_attrs(nl);
	struct ts_nl_filter k;
	int ret;

	ts_kernel_filter(&o->f, attrs, &k);
	if (attrs & (1U << TCPSTATES_A_FILTER_COOKIE)) {
		k.cookie = s.cookie;
		k.have |= 1U << TCPSTATES_A_FILTER_COOKIE;
	}
	ret = ts_nl_dump_conns(nl, &k, o->f.all_netns, show_conn_cb, &s);
	if (ret < 0)
		ts_nl_fail(nl, "connection dump", ret, o);
	ret = ts_nl_dump_events(nl, 0, &k, o->f.all_netns, show_ev_cb, &s);
	if (ret < 0)
		ts_nl_fail(nl, "event dump", ret, o);
	if (!s.n && !s.have_conn) {
		fprintf(stderr, "tcpstates: no connection %s in the table or in the ring\n",
			o->cookie);
		return 1;
	}
	ts_print_ladder(stdout, s.ev, s.n, s.have_conn ? &s.conn : NULL);
	ts_flush(stdout);
	free(s.ev);
	return 0;
}
