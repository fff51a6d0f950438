// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: show COOKIE, one connection as the textbook draws it: a
 * ladder between this socket (left) and its peer (right), with the real
 * sequence numbers. Each socket is one end: on loopback the peer has its
 * own cookie and ladder.
 *
 * Names as in the textbook: x is the client's ISN and y the server's; u is
 * the sequence number of the first FIN, w that of the second. Each number
 * is the one the module names for that segment (TCPSTATES_A_EVENT_SEG_*);
 * from an older module, what SND_NXT and RCV_NXT said then. A reader
 * without privilege over the connection gets no sequence numbers: "?".
 *
 * Beyond the textbook: the SYNs a client sent again (the last one at its
 * time: the first SYN plus HS_WAIT_NS; the times of those between are not
 * recorded), the SYN-ACKs a server sent again (how many), the data phase
 * before the event that leaves ESTABLISHED, and at the end how long the
 * connection lived and its totals.
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
	uint64_t last_ns;	/* the time of the last line with a time; 0: none */
};

/* The time column: the wall clock first, then the time since the last */
static void when(struct ladder *l, uint64_t ns, char *t, size_t len)
{
	char ms[32];

	if (l->last_ns && ns >= l->last_ns) {
		ts_format_ms(true, ns - l->last_ns, ms, sizeof(ms));
		snprintf(t, len, "+%s ms", ms);
	} else {
		ts_format_walltime(ns, t, len);
	}
	l->last_ns = ns;
}

/* A segment across; with a time (@ns) when it is known, else none (0) */
static void arrow_at(struct ladder *l, uint64_t ns, bool out,
		     const char *fmt, va_list ap)
{
	char msg[120], t[64] = "";

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (ns)
		when(l, ns, t, sizeof(t));
	if (out)
		fprintf(l->f, "%14s |  %-52s --> |\n", t, msg);
	else
		fprintf(l->f, "%14s | <-- %-52s  |\n", t, msg);
}

static void arrow(struct ladder *l, bool out, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void timed_arrow(struct ladder *l, uint64_t ns, bool out,
			const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void note(struct ladder *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void arrow(struct ladder *l, bool out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	arrow_at(l, 0, out, fmt, ap);
	va_end(ap);
}

static void timed_arrow(struct ladder *l, uint64_t ns, bool out,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	arrow_at(l, ns, out, fmt, ap);
	va_end(ap);
}

/* A line of text between the ends (the data phase, the totals) */
static void note(struct ladder *l, const char *fmt, ...)
{
	va_list ap;

	fprintf(l->f, "%14s |  ", "");
	va_start(ap, fmt);
	vfprintf(l->f, fmt, ap);
	va_end(ap);
	fputc('\n', l->f);
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

static void step(struct ladder *l, const struct ts_nl_event *ev)
{
	char t[64], ms[32];

	when(l, ev->time_ns, t, sizeof(t));
	fprintf(l->f, "%14s |  %s -> %s", t, ts_state_name(ev->oldstate),
		ts_state_name(ev->newstate));
	if ((ev->newstate == S(CLOSE) || (ev->known & TS_NL_EV_DROP)) &&
	    ev->cause)
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

/*
 * A sequence number: the segment's own field (TCPSTATES_A_EVENT_SEG_*,
 * @seg_bit) when the event carries it, else what SND_NXT or RCV_NXT
 * (@nxt_bit) then said, plus @add; "?" when the kernel sent neither (a
 * reader without privilege).
 */
static const char *seqno(const struct ts_nl_event *ev, uint32_t seg_bit,
			 uint32_t seg, uint32_t nxt_bit, uint32_t nxt, int add)
{
	static char buf[4][16];
	static int i;

	i = (i + 1) % 4;
	if (ev->known & seg_bit)
		snprintf(buf[i], sizeof(buf[i]), "%u", seg);
	else if (ev->known & nxt_bit)
		snprintf(buf[i], sizeof(buf[i]), "%u", nxt + add);
	else
		snprintf(buf[i], sizeof(buf[i]), "?");
	return buf[i];
}

/* The segment's field SEG (seg_FIELD), or SND_NXT/RCV_NXT + add */
#define OR_SND(SEG, field, add) \
	seqno(ev, TS_NL_EV_SEG_##SEG, ev->field, TS_NL_EV_SND_NXT, ev->snd_nxt, add)
#define OR_RCV(SEG, field, add) \
	seqno(ev, TS_NL_EV_SEG_##SEG, ev->field, TS_NL_EV_RCV_NXT, ev->rcv_nxt, add)

/* The data phase, before the event that leaves ESTABLISHED */
static void data_phase(struct ladder *l, const struct ts_nl_event *ev)
{
	const struct ts_nl_data *d = &ev->data;
	char ms[32], min[32];

	if (!d->known || ev->oldstate != S(ESTABLISHED))
		return;
	ts_format_ms(ev->has_prev_ns, ev->prev_ns, ms, sizeof(ms));
	note(l, "data, %s ms in ESTABLISHED: %llu bytes sent (acked), %llu received,",
	     ms, (unsigned long long)d->bytes_acked,
	     (unsigned long long)d->bytes_received);
	if (d->srtt_us) {
		ts_format_ms(true, (uint64_t)d->srtt_us * 1000, ms, sizeof(ms));
		ts_format_ms(true, (uint64_t)d->min_rtt_us * 1000, min, sizeof(min));
	}
	note(l, "  %u segments out, %u in, %u sent again (%u timer expiries, %u probes); RTT %s%s%s%s",
	     d->segs_out, d->segs_in, d->retrans, d->rto, d->tlp,
	     d->srtt_us ? ms : "-", d->srtt_us ? " ms (min " : "",
	     d->srtt_us ? min : "", d->srtt_us ? " ms)" : "");
}

/* The connection's end: how long it lived, its totals */
static void totals(struct ladder *l, const struct ts_nl_event *ev)
{
	const struct ts_nl_data *d = &ev->data;
	char life[32];

	if (!ts_event_is_last(ev) || !(d->known || (ev->known & TS_NL_EV_LIFE)))
		return;
	ts_format_age(ev->life_ns, life, sizeof(life));
	if (d->known)
		note(l, "%s%s%s%llu bytes sent (acked), %llu received, %u segments sent again",
		     ev->known & TS_NL_EV_LIFE ? "lived " : "",
		     ev->known & TS_NL_EV_LIFE ? life : "",
		     ev->known & TS_NL_EV_LIFE ? "; in all: " : "in all: ",
		     (unsigned long long)d->bytes_acked,
		     (unsigned long long)d->bytes_received, d->retrans);
	else
		note(l, "lived %s", life);
}

/*
 * The SYNs the client sent again, before the SYN-ACK: the kernel tells how
 * many and when the last one went (the first SYN plus HS_WAIT_NS); the
 * times of those between are not recorded.
 */
static void syn_again(struct ladder *l, const struct ts_nl_event *ev)
{
	uint64_t first = ev->has_prev_ns ? ev->time_ns - ev->prev_ns : 0;
	const char *xs = OR_SND(SYNACK_ACK, seg_synack_ack - 1, -1);
	char n[32] = "";

	if (!(ev->known & TS_NL_EV_HS_RETRANS) || !ev->hs_retrans)
		return;
	if (ev->hs_retrans > 1)
		arrow(l, true, "SYN seq=x (%s) sent again, unanswered (%u)",
		      xs, ev->hs_retrans - 1);
	if (ev->hs_retrans > 1)
		snprintf(n, sizeof(n), " (%u of %u)", ev->hs_retrans,
			 ev->hs_retrans);
	if ((ev->known & TS_NL_EV_HS_WAIT) && first)
		timed_arrow(l, first + ev->hs_wait_ns, true,
			    "SYN seq=x (%s) sent again%s", xs, n);
	else
		arrow(l, true, "SYN seq=x (%s) sent again%s", xs, n);
}

static void draw_event(struct ladder *l, const struct ts_nl_event *ev)
{
	const char *n;

	data_phase(l, ev);
	switch (ev->oldstate * 16 + ev->newstate) {
	case S(CLOSE) * 16 + S(SYN_SENT):
		step(l, ev);
		arrow(l, true, "SYN seq=x (%s)", OR_SND(SYN_SEQ, seg_syn_seq, 0));
		return;
	case S(SYN_SENT) * 16 + S(ESTABLISHED):
		syn_again(l, ev);
		arrow(l, false, "SYN-ACK seq=y (%s) ack=x+1 (%s)",
		      OR_RCV(SYNACK_SEQ, seg_synack_seq, -1),
		      OR_SND(SYNACK_ACK, seg_synack_ack, 0));
		step(l, ev);
		arrow(l, true, "ACK ack=y+1 (%s)", OR_RCV(ACK, seg_ack, 0));
		return;
	case S(NEW_SYN_RECV) * 16 + S(SYN_RECV):
		arrow(l, false, "SYN seq=x (%s)", OR_RCV(SYN_SEQ, seg_syn_seq, -1));
		arrow(l, true, "SYN-ACK seq=y (%s) ack=x+1 (%s)",
		      OR_SND(SYNACK_SEQ, seg_synack_seq, -1),
		      OR_RCV(SYNACK_ACK, seg_synack_ack, 0));
		if ((ev->known & TS_NL_EV_HS_RETRANS) && ev->hs_retrans)
			arrow(l, true, "SYN-ACK seq=y (%s) sent again %u time%s",
			      OR_SND(SYNACK_SEQ, seg_synack_seq, -1), ev->hs_retrans,
			      ev->hs_retrans > 1 ? "s" : "");
		step(l, ev);
		return;
	case S(SYN_RECV) * 16 + S(ESTABLISHED):	/* the child: at the ACK */
		arrow(l, false, "ACK ack=y+1 (%s)", OR_SND(ACK, seg_ack, 0));
		step(l, ev);
		return;
	case S(ESTABLISHED) * 16 + S(FIN_WAIT1):
	case S(CLOSE_WAIT) * 16 + S(LAST_ACK):
		step(l, ev);
		n = fin_name(l, true);
		arrow(l, true, "FIN seq=%s (%s)", n, OR_SND(FIN_SEQ, seg_fin_seq, 0));
		return;
	case S(FIN_WAIT1) * 16 + S(FIN_WAIT2):
	case S(LAST_ACK) * 16 + S(CLOSE):
	case S(CLOSING) * 16 + S(TIME_WAIT):
		if (ev->cause == CAUSE_RESET_RECEIVED) {
			arrow(l, false, "RST");
		} else {
			n = fin_name(l, true);
			arrow(l, false, "ACK ack=%s+1 (%s)", n,
			      OR_SND(FIN_ACK, seg_fin_ack, 0));
		}
		step(l, ev);
		totals(l, ev);
		return;
	case S(ESTABLISHED) * 16 + S(CLOSE_WAIT):
	case S(FIN_WAIT2) * 16 + S(TIME_WAIT):
	case S(FIN_WAIT1) * 16 + S(CLOSING):
		n = fin_name(l, false);
		arrow(l, false, "FIN seq=%s (%s)", n, OR_RCV(FIN_SEQ, seg_fin_seq, -1));
		step(l, ev);
		arrow(l, true, "ACK ack=%s+1 (%s)", n, OR_RCV(FIN_ACK, seg_fin_ack, 0));
		return;
	}
	if (ev->newstate == S(CLOSE) && (ev->cause == CAUSE_RESET_RECEIVED ||
					ev->cause == CAUSE_REFUSED))
		arrow(l, false, "RST");
	step(l, ev);
	if (ev->newstate == S(CLOSE) && ev->cause == CAUSE_RESET_SENT)
		arrow(l, true, "RST");
	totals(l, ev);
}

void ts_print_ladder(FILE *f, const struct ts_nl_event *evs, int n,
		     const struct ts_nl_conn *conn)
{
	struct ladder l = { .f = f };
	char lo[64], re[64], comm[80];
	const struct ts_nl_event *e0 = n ? &evs[0] : NULL;
	int i, role = conn ? conn->role : e0 ? e0->role : 0;
	const struct ts_nl_owner *o = conn ? &conn->owner : &e0->owner;
	uint64_t cg = conn ? conn->cgroup_id : e0->cgroup_id;
	const char *path = cg ? ts_cgroup_path(cg) : NULL;

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
	if (path) {
		char p[1024];

		ts_format_comm(path, p, sizeof(p));
		fprintf(f, ", cgroup %s", p);
	} else if (cg) {
		fprintf(f, ", cgroup id %llu", (unsigned long long)cg);
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
		draw_event(&l, &evs[i]);
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
