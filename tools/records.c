// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: the fields of an event and of a connection, one list
 * each, in order, for every output: narrow text, wide text (-e) and JSON
 * (-j); the table (output.c) keeps those of its view.
 *
 * One naming rule for all of them: states, causes and roles by the
 * kernel's names (ESTABLISHED, reset_received, passive), as in
 * /proc/tcpstates. Text shows times in milliseconds or for people
 * (4.2s) and endpoints as ADDR:PORT; JSON has nanoseconds (microseconds
 * where the kernel counts those) and separate addresses and ports. A
 * value the kernel did not send (a reader without privilege gets no
 * sequence numbers, and an owner's uid only) is "-" in text, null in JSON.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpstates.h"

const char *ts_owner_comm(const struct ts_nl_owner *o)
{
	return (o->have & TS_NL_OWNER_COMM) ? o->comm : NULL;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "inet" : "inet6";
}

/* LOCAL and REMOTE in text, the addresses and ports apart in JSON */
static void endpoints(struct ts_out *t, int family, const uint8_t *laddr,
		      uint16_t lport, const uint8_t *raddr, uint16_t rport)
{
	bool text = ts_out_shows(t, TS_T);	/* JSON has no use for it */
	char buf[64] = "";

	if (text)
		ts_format_addr(family, laddr, lport, buf, sizeof(buf));
	ts_out_str(t, TS_T, NULL, "LOCAL", buf);
	ts_out_addr(t, "local_addr", family, laddr);
	ts_out_num(t, TS_J, "local_port", NULL, true, lport);
	if (text)
		ts_format_addr(family, raddr, rport, buf, sizeof(buf));
	ts_out_str(t, TS_T, NULL, "REMOTE", buf);
	ts_out_addr(t, "remote_addr", family, raddr);
	ts_out_num(t, TS_J, "remote_port", NULL, true, rport);
}

/* PID (the process), TID with -T (the thread), COMM */
static void owner(struct ts_out *t, const struct ts_nl_owner *o)
{
	ts_out_num(t, TS_T | TS_J, "tgid", "PID", o->have & TS_NL_OWNER_TGID,
		   o->tgid);
	ts_out_num(t, TS_TID | TS_J, "pid", "TID", o->have & TS_NL_OWNER_PID,
		   o->pid);
	ts_out_comm(t, TS_T | TS_J, "comm", "COMM", ts_owner_comm(o));
}

static void event_fields(struct ts_out *t, const void *rec)
{
	const struct ts_nl_event *ev = rec;
	char buf[64], err[32];

	if (ts_out_shows(t, TS_TT | TS_JT)) {
		ts_format_walltime(ev->time_ns, buf, sizeof(buf));
		ts_out_str(t, TS_TT | TS_JT, "time", "TIME", buf);
	}
	ts_out_num(t, TS_W | TS_J, "seq", "SEQ", true, ev->seq);
	ts_out_num(t, TS_J, "prev_seq", NULL, true, ev->prev_seq);
	ts_out_num(t, TS_J, "time_ns", NULL, true, ev->time_ns);
	ts_out_num(t, TS_T | TS_J, "cookie", "COOKIE", true, ev->cookie);
	owner(t, &ev->owner);
	endpoints(t, ev->family, ev->laddr, ev->lport, ev->raddr, ev->rport);
	ts_out_str(t, TS_J, "family", NULL, family_name(ev->family));
	ts_out_str(t, TS_T | TS_J, "oldstate", "OLDSTATE",
		   ts_state_name(ev->oldstate));
	ts_out_str(t, TS_T | TS_J, "newstate", "NEWSTATE",
		   ts_state_name(ev->newstate));
	if (ts_out_shows(t, TS_T)) {		/* text only: JSON has prev_ns */
		ts_format_ms(ev->has_prev_ns, ev->prev_ns, buf, sizeof(buf));
		ts_out_str(t, TS_T, NULL, "MS", buf);
	}
	ts_out_num(t, TS_J, "prev_ns", NULL, ev->has_prev_ns, ev->prev_ns);
	if (ts_out_shows(t, TS_W)) {
		if (ev->cause == TCPSTATES_CAUSE_ERROR && (ev->known & TS_NL_EV_ERRNO))
			snprintf(buf, sizeof(buf), "%s(%s)", ts_cause_name(ev->cause),
				 ts_errno_name(ev->err, err, sizeof(err)));
		else
			snprintf(buf, sizeof(buf), "%s", ts_cause_name(ev->cause));
		ts_out_str(t, TS_W, NULL, "CAUSE", buf);
	}
	ts_out_str(t, TS_J, "cause", NULL, ts_cause_name(ev->cause));
	ts_out_num(t, TS_J, "errno", NULL, ev->known & TS_NL_EV_ERRNO, ev->err);
	ts_out_str(t, TS_W | TS_J, "role", "ROLE", ts_role_name(ev->role));
	ts_out_num(t, TS_W | TS_J, "netns", "NETNS", true, ev->netns);
	ts_out_num(t, TS_J, "netns_id", NULL, ev->known & TS_NL_EV_NETNS_ID,
		   ev->netns_id);
	ts_out_num(t, TS_W | TS_J, "snd_nxt", "SND",
		   ev->known & TS_NL_EV_SND_NXT, ev->snd_nxt);
	ts_out_num(t, TS_W | TS_J, "rcv_nxt", "RCV",
		   ev->known & TS_NL_EV_RCV_NXT, ev->rcv_nxt);
	ts_out_num(t, TS_W | TS_J, "uid", "UID",
		   ev->owner.have & TS_NL_OWNER_UID, ev->owner.uid);
	ts_out_str(t, TS_W, NULL, "FLAGS",
		   ev->flags & TCPSTATES_EVENT_F_PARTIAL ? "partial" : "-");
	ts_out_bool(t, "partial", ev->flags & TCPSTATES_EVENT_F_PARTIAL);
}

/* pre,tw,partial */
static void conn_flags(const struct ts_nl_conn *c, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (c->flags & TCPSTATES_CONN_F_PREEXISTING)
		n += snprintf(buf + n, len - n, "pre,");
	if (c->flags & TCPSTATES_CONN_F_TIMEWAIT)
		n += snprintf(buf + n, len - n, "tw,");
	if (c->flags & TCPSTATES_CONN_F_PARTIAL)
		n += snprintf(buf + n, len - n, "partial,");
	if (n)
		buf[n - 1] = '\0';
}

/* STATE=ms,... in text; {"STATE":us,...} in JSON */
static void durations(struct ts_out *t, const struct ts_nl_conn *c)
{
	char text[512], json[512], ms[32];
	size_t nt = 0, nj = 0;
	unsigned int s;

	json[nj++] = '{';
	text[0] = '\0';
	for (s = 1; s < TS_NSTATES; s++) {
		if (!c->duration_us[s])
			continue;
		ts_format_ms(true, c->duration_us[s] * 1000, ms, sizeof(ms));
		nt += snprintf(text + nt, sizeof(text) - nt, "%s%s=%s",
			       nt ? "," : "", ts_state_name(s), ms);
		nj += snprintf(json + nj, sizeof(json) - nj, "%s\"%s\":%llu",
			       nj > 1 ? "," : "", ts_state_name(s),
			       (unsigned long long)c->duration_us[s]);
		if (nt >= sizeof(text) || nj >= sizeof(json) - 2)
			break;
	}
	json[nj < sizeof(json) - 2 ? nj : sizeof(json) - 2] = '}';
	json[nj < sizeof(json) - 2 ? nj + 1 : sizeof(json) - 1] = '\0';
	ts_out_str(t, TS_W, NULL, "DURATIONS_MS", text);
	ts_out_raw(t, "durations_us", json);
}

static void conn_fields(struct ts_out *t, const void *rec)
{
	const struct ts_conn_row *row = rec;
	const struct ts_nl_conn *c = &row->c;
	char buf[64];

	ts_out_num(t, TS_T | TS_J, "cookie", "COOKIE", true, c->cookie);
	ts_out_str(t, TS_T | TS_J, "state", "STATE", ts_state_name(c->state));
	ts_format_age(c->state_ns, buf, sizeof(buf));
	ts_out_str(t, TS_T, NULL, "FOR",
		   c->known & TS_NL_KNOW_STATE_NS ? buf : "-");
	ts_out_num(t, TS_J, "state_ns", NULL, c->known & TS_NL_KNOW_STATE_NS,
		   c->state_ns);
	ts_format_age(c->age_ns, buf, sizeof(buf));
	ts_out_str(t, TS_W, NULL, "AGE", buf);
	ts_out_num(t, TS_J, "age_ns", NULL, true, c->age_ns);
	ts_out_num(t, TS_T | TS_J, "recv_q", "RECV-Q", row->has_queues,
		   row->rqueue);
	ts_out_num(t, TS_T | TS_J, "send_q", "SEND-Q", row->has_queues,
		   row->wqueue);
	ts_out_str(t, TS_W | TS_J, "role", "ROLE", ts_role_name(c->role));
	endpoints(t, c->family, c->laddr, c->lport, c->raddr, c->rport);
	ts_out_str(t, TS_J, "family", NULL, family_name(c->family));
	owner(t, &c->owner);
	ts_format_ms(c->known & TS_NL_KNOW_HANDSHAKE, c->handshake_us * 1000,
		     buf, sizeof(buf));
	ts_out_str(t, TS_T, NULL, "HS_MS", buf);
	ts_out_num(t, TS_J, "handshake_us", NULL, c->known & TS_NL_KNOW_HANDSHAKE,
		   c->handshake_us);
	ts_out_num(t, TS_W | TS_J, "isn_local", "ISN_LOCAL",
		   c->known & TS_NL_KNOW_ISN_LOCAL, c->isn_local);
	ts_out_num(t, TS_W | TS_J, "isn_remote", "ISN_REMOTE",
		   c->known & TS_NL_KNOW_ISN_REMOTE, c->isn_remote);
	ts_out_num(t, TS_W | TS_J, "fin_local", "FIN_LOCAL",
		   c->known & TS_NL_KNOW_FIN_LOCAL, c->fin_local);
	ts_out_num(t, TS_W | TS_J, "fin_remote", "FIN_REMOTE",
		   c->known & TS_NL_KNOW_FIN_REMOTE, c->fin_remote);
	ts_out_str(t, TS_W | TS_J, "first_fin", "FIRST_FIN",
		   c->first_fin == TCPSTATES_FIRST_FIN_LOCAL ? "local" :
		   c->first_fin == TCPSTATES_FIRST_FIN_REMOTE ? "remote" : "none");
	ts_out_num(t, TS_W | TS_J, "netns", "NETNS", true, c->netns);
	ts_out_num(t, TS_J, "netns_id", NULL, c->known & TS_NL_KNOW_NETNS_ID,
		   c->netns_id);
	ts_out_num(t, TS_W | TS_J, "uid", "UID",
		   c->owner.have & TS_NL_OWNER_UID, c->owner.uid);
	conn_flags(c, buf, sizeof(buf));
	ts_out_str(t, TS_W, NULL, "FLAGS", buf);
	ts_out_bool(t, "preexisting", c->flags & TCPSTATES_CONN_F_PREEXISTING);
	ts_out_bool(t, "timewait", c->flags & TCPSTATES_CONN_F_TIMEWAIT);
	ts_out_bool(t, "partial", c->flags & TCPSTATES_CONN_F_PARTIAL);
	durations(t, c);
}

static const struct ts_nl_event blank_event;
static const struct ts_conn_row blank_conn;

/* A table of events: @stream for watch (each row at once) */
struct ts_out *ts_events_open(FILE *f, const struct ts_opts *o, bool stream)
{
	return ts_out_open(f, o, "event", event_fields, &blank_event, stream);
}

struct ts_out *ts_conns_open(FILE *f, const struct ts_opts *o)
{
	return ts_out_open(f, o, "conn", conn_fields, &blank_conn, false);
}

/* One record, with its header in text (the unit tests) */
void ts_print_event(FILE *f, const struct ts_opts *o,
		    const struct ts_nl_event *ev)
{
	struct ts_out *t = ts_events_open(f, o, false);

	ts_out_row(t, ev);
	ts_out_close(t);
}

void ts_print_conn(FILE *f, const struct ts_opts *o, const struct ts_nl_conn *c)
{
	struct ts_out *t = ts_conns_open(f, o);
	struct ts_conn_row row = { .c = *c };

	ts_out_row(t, &row);
	ts_out_close(t);
}
