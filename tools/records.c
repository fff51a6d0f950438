// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: the fields of an event and of a connection, one list
 * each, in order, for every output: narrow text, wide text (-e) and JSON
 * (-j); the table (output.c) keeps those of its view. An event's JSON
 * line, which watch -j prints for every event, also has a writer of its
 * own that writes it whole (event_json()): the same bytes, faster.
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

/*
 * The socket's cgroup: its path in text (CGROUP, "-" when the cgroup is
 * gone or not under this reader's cgroup2 mount), id and path in JSON.
 */
static void cgroup(struct ts_out *t, unsigned int show, bool known,
		   uint64_t id)
{
	const char *path = NULL;

	if (known && id && ts_out_shows(t, show | TS_J))
		path = ts_cgroup_path(id);
	ts_out_num(t, TS_J, "cgroup_id", NULL, known && id, id);
	ts_out_comm(t, show | TS_J, "cgroup", "CGROUP", path);
}

/*
 * The data phase as one JSON object, or null; a round-trip time of 0 is
 * none yet: null
 */
static void data_json(struct ts_out *t, const struct ts_nl_data *d)
{
	if (!ts_out_shows(t, TS_J))
		return;
	if (!d->known) {
		ts_out_raw(t, "data", "null");
		return;
	}
	ts_out_obj_begin(t, "data");
	ts_out_num(t, TS_J, "bytes_acked", NULL, true, d->bytes_acked);
	ts_out_num(t, TS_J, "bytes_received", NULL, true, d->bytes_received);
	ts_out_num(t, TS_J, "segs_out", NULL, true, d->segs_out);
	ts_out_num(t, TS_J, "segs_in", NULL, true, d->segs_in);
	ts_out_num(t, TS_J, "retrans", NULL, true, d->retrans);
	ts_out_num(t, TS_J, "rto", NULL, true, d->rto);
	ts_out_num(t, TS_J, "tlp", NULL, true, d->tlp);
	ts_out_num(t, TS_J, "srtt_us", NULL, d->srtt_us, d->srtt_us);
	ts_out_num(t, TS_J, "min_rtt_us", NULL, d->min_rtt_us, d->min_rtt_us);
	ts_out_obj_end(t);
}

/* Milliseconds of a round-trip time in microseconds; 0 is none yet */
static void rtt_ms(struct ts_out *t, unsigned int show, const char *head,
		   const struct ts_nl_data *d, uint32_t us)
{
	char buf[32];

	if (!ts_out_shows(t, show))
		return;
	ts_format_ms(d->known && us, (uint64_t)us * 1000, buf, sizeof(buf));
	ts_out_str(t, show, NULL, head, buf);
}

/* TX_BYTES RX_BYTES (text; JSON has them in "data") */
static void data_bytes(struct ts_out *t, unsigned int show,
		       const struct ts_nl_data *d)
{
	ts_out_num(t, show, NULL, "TX_BYTES", d->known, d->bytes_acked);
	ts_out_num(t, show, NULL, "RX_BYTES", d->known, d->bytes_received);
}

/* "normal", "error(ENOPROTOOPT)" */
static void cause_text(struct ts_out *t, unsigned int show,
		       const struct ts_nl_event *ev)
{
	char buf[64], err[32];

	if (!ts_out_shows(t, show))
		return;
	if (ev->cause == TCPSTATES_CAUSE_ERROR && (ev->known & TS_NL_EV_ERRNO))
		snprintf(buf, sizeof(buf), "%s(%s)", ts_cause_name(ev->cause),
			 ts_errno_name(ev->err, err, sizeof(err)));
	else if (ev->known & TS_NL_EV_DROP)	/* its queue, drops without event */
		snprintf(buf, sizeof(buf), "%s(%u/%u,+%u)",
			 ts_cause_name(ev->cause), ev->drops.acceptq_len,
			 ev->drops.acceptq_max, ev->drops.suppressed);
	else
		snprintf(buf, sizeof(buf), "%s", ts_cause_name(ev->cause));
	ts_out_str(t, show, NULL, "CAUSE", buf);
}

/*
 * The segments of the textbook's diagram this event stands for (JSON),
 * each only on its own events: SYN seq=x; SYN-ACK seq=y ack=x+1; ACK
 * ack=y+1; FIN seq=u or w; its ACK u+1 or w+1.
 */
static void segments(struct ts_out *t, const struct ts_nl_event *ev)
{
	ts_out_num(t, TS_J, "seg_syn_seq", NULL,
		   ev->known & TS_NL_EV_SEG_SYN_SEQ, ev->seg_syn_seq);
	ts_out_num(t, TS_J, "seg_synack_seq", NULL,
		   ev->known & TS_NL_EV_SEG_SYNACK_SEQ, ev->seg_synack_seq);
	ts_out_num(t, TS_J, "seg_synack_ack", NULL,
		   ev->known & TS_NL_EV_SEG_SYNACK_ACK, ev->seg_synack_ack);
	ts_out_num(t, TS_J, "seg_ack", NULL, ev->known & TS_NL_EV_SEG_ACK,
		   ev->seg_ack);
	ts_out_num(t, TS_J, "seg_fin_seq", NULL,
		   ev->known & TS_NL_EV_SEG_FIN_SEQ, ev->seg_fin_seq);
	ts_out_num(t, TS_J, "seg_fin_ack", NULL,
		   ev->known & TS_NL_EV_SEG_FIN_ACK, ev->seg_fin_ack);
}

/* A listener's drop event: its totals, queue, drops without an event */
static void drops_json(struct ts_out *t, const struct ts_nl_event *ev)
{
	if (!(ev->known & TS_NL_EV_DROP))
		return;		/* (only there: every other event is as it was) */
	ts_out_num(t, TS_J, "syn_drops", NULL, true, ev->drops.syn_drops);
	ts_out_num(t, TS_J, "ack_drops", NULL, true, ev->drops.ack_drops);
	ts_out_num(t, TS_J, "drops_suppressed", NULL, true, ev->drops.suppressed);
	ts_out_num(t, TS_J, "acceptq_len", NULL, true, ev->drops.acceptq_len);
	ts_out_num(t, TS_J, "acceptq_max", NULL, true, ev->drops.acceptq_max);
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
	char buf[64];

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
	/* a listener's drop stays in LISTEN: the text says which drop */
	if (ev->known & TS_NL_EV_DROP)
		ts_out_str(t, TS_T, "newstate", "NEWSTATE",
			   ev->cause == TCPSTATES_CAUSE_ACK_DROPPED ? "ACK_DROPPED" :
								       "SYN_DROPPED");
	else
		ts_out_str(t, TS_T, "newstate", "NEWSTATE",
			   ts_state_name(ev->newstate));
	ts_out_str(t, TS_J, "newstate", NULL, ts_state_name(ev->newstate));
	if (ts_out_shows(t, TS_T)) {		/* text only: JSON has prev_ns */
		ts_format_ms(ev->has_prev_ns, ev->prev_ns, buf, sizeof(buf));
		ts_out_str(t, TS_T, NULL, "MS", buf);
	}
	ts_out_num(t, TS_J, "prev_ns", NULL, ev->has_prev_ns, ev->prev_ns);
	cause_text(t, TS_W, ev);
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
	ts_out_num(t, TS_J, "life_ns", NULL, ev->known & TS_NL_EV_LIFE,
		   ev->life_ns);
	ts_out_num(t, TS_J, "hs_retrans", NULL, ev->known & TS_NL_EV_HS_RETRANS,
		   ev->hs_retrans);
	ts_out_num(t, TS_J, "hs_wait_ns", NULL, ev->known & TS_NL_EV_HS_WAIT,
		   ev->hs_wait_ns);
	segments(t, ev);
	data_json(t, &ev->data);
	drops_json(t, ev);
	cgroup(t, TS_W, ev->known & TS_NL_EV_CGROUP, ev->cgroup_id);
}

/* ,"key": (a literal) */
#define JKEY(p, key)	TS_JSON_LIT(p, ",\"" key "\":")

/* "data" as data_json() writes it */
static char *data_json_line(char *p, const struct ts_nl_data *d)
{
	if (!d->known)
		return TS_JSON_LIT(p, ",\"data\":null");
	p = TS_JSON_LIT(p, ",\"data\":{\"bytes_acked\":");
	p = ts_json_num(p, true, d->bytes_acked);
	p = ts_json_num(JKEY(p, "bytes_received"), true, d->bytes_received);
	p = ts_json_num(JKEY(p, "segs_out"), true, d->segs_out);
	p = ts_json_num(JKEY(p, "segs_in"), true, d->segs_in);
	p = ts_json_num(JKEY(p, "retrans"), true, d->retrans);
	p = ts_json_num(JKEY(p, "rto"), true, d->rto);
	p = ts_json_num(JKEY(p, "tlp"), true, d->tlp);
	p = ts_json_num(JKEY(p, "srtt_us"), d->srtt_us, d->srtt_us);
	p = ts_json_num(JKEY(p, "min_rtt_us"), d->min_rtt_us, d->min_rtt_us);
	return TS_JSON_LIT(p, "}");
}

/*
 * event_json(): the JSON line event_fields() makes, written whole with
 * its keys as constants. watch -j prints one for every event, and a call
 * per field, with its checks of what the view shows, was most of the
 * CLI's cost. The same bytes, which cli_test checks on random events; a
 * field added to one goes in both. Room: the values take at most a few
 * hundred bytes, the line 32 KiB; the cgroup path, the only one without a
 * bound, is written as ts_out_str() writes it (null if it has no room).
 */
static char *event_json(char *p, char *end, const void *rec,
			const struct ts_opts *o)
{
	const struct ts_nl_event *ev = rec;
	const struct ts_nl_owner *ow = &ev->owner;
	uint32_t k = ev->known;
	char buf[64];

	p = TS_JSON_LIT(p, "{\"type\":\"event\"");
	if (o->time) {
		ts_format_walltime(ev->time_ns, buf, sizeof(buf));
		p = ts_json_str(JKEY(p, "time"), end, buf);
	}
	p = ts_json_num(JKEY(p, "seq"), true, ev->seq);
	p = ts_json_num(JKEY(p, "prev_seq"), true, ev->prev_seq);
	p = ts_json_num(JKEY(p, "time_ns"), true, ev->time_ns);
	p = ts_json_num(JKEY(p, "cookie"), true, ev->cookie);
	p = ts_json_num(JKEY(p, "tgid"), ow->have & TS_NL_OWNER_TGID, ow->tgid);
	p = ts_json_num(JKEY(p, "pid"), ow->have & TS_NL_OWNER_PID, ow->pid);
	p = ts_json_str(JKEY(p, "comm"), end, ts_owner_comm(ow));
	p = ts_json_addr(JKEY(p, "local_addr"), ev->family, ev->laddr);
	p = ts_json_num(JKEY(p, "local_port"), true, ev->lport);
	p = ts_json_addr(JKEY(p, "remote_addr"), ev->family, ev->raddr);
	p = ts_json_num(JKEY(p, "remote_port"), true, ev->rport);
	p = ts_json_name(JKEY(p, "family"), family_name(ev->family));
	p = ts_json_name(JKEY(p, "oldstate"), ts_state_name(ev->oldstate));
	p = ts_json_name(JKEY(p, "newstate"), ts_state_name(ev->newstate));
	p = ts_json_num(JKEY(p, "prev_ns"), ev->has_prev_ns, ev->prev_ns);
	p = ts_json_name(JKEY(p, "cause"), ts_cause_name(ev->cause));
	p = ts_json_num(JKEY(p, "errno"), k & TS_NL_EV_ERRNO, ev->err);
	p = ts_json_name(JKEY(p, "role"), ts_role_name(ev->role));
	p = ts_json_num(JKEY(p, "netns"), true, ev->netns);
	p = ts_json_num(JKEY(p, "netns_id"),
			k & TS_NL_EV_NETNS_ID, ev->netns_id);
	p = ts_json_num(JKEY(p, "snd_nxt"), k & TS_NL_EV_SND_NXT, ev->snd_nxt);
	p = ts_json_num(JKEY(p, "rcv_nxt"), k & TS_NL_EV_RCV_NXT, ev->rcv_nxt);
	p = ts_json_num(JKEY(p, "uid"), ow->have & TS_NL_OWNER_UID, ow->uid);
	if (ev->flags & TCPSTATES_EVENT_F_PARTIAL)
		p = TS_JSON_LIT(p, ",\"partial\":true");
	else
		p = TS_JSON_LIT(p, ",\"partial\":false");
	p = ts_json_num(JKEY(p, "life_ns"), k & TS_NL_EV_LIFE, ev->life_ns);
	p = ts_json_num(JKEY(p, "hs_retrans"),
			k & TS_NL_EV_HS_RETRANS, ev->hs_retrans);
	p = ts_json_num(JKEY(p, "hs_wait_ns"),
			k & TS_NL_EV_HS_WAIT, ev->hs_wait_ns);
	p = ts_json_num(JKEY(p, "seg_syn_seq"),
			k & TS_NL_EV_SEG_SYN_SEQ, ev->seg_syn_seq);
	p = ts_json_num(JKEY(p, "seg_synack_seq"),
			k & TS_NL_EV_SEG_SYNACK_SEQ, ev->seg_synack_seq);
	p = ts_json_num(JKEY(p, "seg_synack_ack"),
			k & TS_NL_EV_SEG_SYNACK_ACK, ev->seg_synack_ack);
	p = ts_json_num(JKEY(p, "seg_ack"), k & TS_NL_EV_SEG_ACK, ev->seg_ack);
	p = ts_json_num(JKEY(p, "seg_fin_seq"),
			k & TS_NL_EV_SEG_FIN_SEQ, ev->seg_fin_seq);
	p = ts_json_num(JKEY(p, "seg_fin_ack"),
			k & TS_NL_EV_SEG_FIN_ACK, ev->seg_fin_ack);
	p = data_json_line(p, &ev->data);
	if (k & TS_NL_EV_DROP) {
		p = ts_json_num(JKEY(p, "syn_drops"), true, ev->drops.syn_drops);
		p = ts_json_num(JKEY(p, "ack_drops"), true, ev->drops.ack_drops);
		p = ts_json_num(JKEY(p, "drops_suppressed"), true,
				ev->drops.suppressed);
		p = ts_json_num(JKEY(p, "acceptq_len"), true, ev->drops.acceptq_len);
		p = ts_json_num(JKEY(p, "acceptq_max"), true, ev->drops.acceptq_max);
	}
	p = ts_json_num(JKEY(p, "cgroup_id"),
			(k & TS_NL_EV_CGROUP) && ev->cgroup_id, ev->cgroup_id);
	p = ts_json_str(JKEY(p, "cgroup"), end,
			(k & TS_NL_EV_CGROUP) && ev->cgroup_id ?
				ts_cgroup_path(ev->cgroup_id) : NULL);
	return ts_json_end(p, end);
}

/*
 * A connection's last event: its CLOSE (after TIME_WAIT if it had one; a
 * hand-over to a TIME_WAIT socket is no CLOSE), not a listener's.
 */
bool ts_event_is_last(const struct ts_nl_event *ev)
{
	return ev->newstate == TS_CLOSE && ev->oldstate != TS_LISTEN &&
	       ev->role != TCPSTATES_ROLE_LISTENER;
}

/*
 * life: a closed connection on one line, from its last event (as bcc's
 * tcplife): the owner, the endpoints, the data each way, how long it
 * lived, what was sent again, the round-trip time, why it closed, its
 * cgroup.
 */
static void life_fields(struct ts_out *t, const void *rec)
{
	const struct ts_nl_event *ev = rec;
	const struct ts_nl_data *d = &ev->data;
	char buf[64];

	if (ts_out_shows(t, TS_TT | TS_JT)) {
		ts_format_walltime(ev->time_ns, buf, sizeof(buf));
		ts_out_str(t, TS_TT | TS_JT, "time", "TIME", buf);
	}
	ts_out_num(t, TS_W | TS_J, "seq", "SEQ", true, ev->seq);
	ts_out_num(t, TS_J, "time_ns", NULL, true, ev->time_ns);
	ts_out_num(t, TS_T | TS_J, "cookie", "COOKIE", true, ev->cookie);
	owner(t, &ev->owner);
	endpoints(t, ev->family, ev->laddr, ev->lport, ev->raddr, ev->rport);
	ts_out_str(t, TS_J, "family", NULL, family_name(ev->family));
	data_bytes(t, TS_T, d);
	if (ts_out_shows(t, TS_T)) {
		ts_format_ms(ev->known & TS_NL_EV_LIFE, ev->life_ns, buf, sizeof(buf));
		ts_out_str(t, TS_T, NULL, "LIFE_MS", buf);
	}
	ts_out_num(t, TS_J, "life_ns", NULL, ev->known & TS_NL_EV_LIFE,
		   ev->life_ns);
	ts_out_num(t, TS_T, NULL, "RETRANS", d->known, d->retrans);
	rtt_ms(t, TS_T, "RTT_MS", d, d->srtt_us);
	cause_text(t, TS_T, ev);
	ts_out_str(t, TS_J, "cause", NULL, ts_cause_name(ev->cause));
	ts_out_num(t, TS_J, "errno", NULL, ev->known & TS_NL_EV_ERRNO, ev->err);
	ts_out_str(t, TS_W | TS_J, "oldstate", "FROM", ts_state_name(ev->oldstate));
	ts_out_str(t, TS_W | TS_J, "role", "ROLE", ts_role_name(ev->role));
	ts_out_num(t, TS_W, NULL, "SEGS_OUT", d->known, d->segs_out);
	ts_out_num(t, TS_W, NULL, "SEGS_IN", d->known, d->segs_in);
	ts_out_num(t, TS_W, NULL, "RTO", d->known, d->rto);
	ts_out_num(t, TS_W, NULL, "TLP", d->known, d->tlp);
	rtt_ms(t, TS_W, "MIN_RTT_MS", d, d->min_rtt_us);
	data_json(t, d);
	ts_out_num(t, TS_W | TS_J, "netns", "NETNS", true, ev->netns);
	ts_out_num(t, TS_J, "netns_id", NULL, ev->known & TS_NL_EV_NETNS_ID,
		   ev->netns_id);
	ts_out_num(t, TS_W | TS_J, "uid", "UID",
		   ev->owner.have & TS_NL_OWNER_UID, ev->owner.uid);
	ts_out_str(t, TS_W, NULL, "FLAGS",
		   ev->flags & TCPSTATES_EVENT_F_PARTIAL ? "partial" : "-");
	ts_out_bool(t, "partial", ev->flags & TCPSTATES_EVENT_F_PARTIAL);
	cgroup(t, TS_T, ev->known & TS_NL_EV_CGROUP, ev->cgroup_id);
}

/* A listener's accept queue and drops (JSON; null for other sockets) */
static void listener_json(struct ts_out *t, const struct ts_nl_conn *c)
{
	bool lk = c->known & TS_NL_KNOW_LISTENER;

	ts_out_num(t, TS_J, "acceptq_len", NULL, lk, c->acceptq_len);
	ts_out_num(t, TS_J, "acceptq_max", NULL, lk, c->acceptq_max);
	ts_out_num(t, TS_J, "syn_drops", NULL, lk, c->syn_drops);
	ts_out_num(t, TS_J, "ack_drops", NULL, lk, c->ack_drops);
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
	ts_out_num(t, TS_W | TS_J, "hs_retrans", "HS_RETRANS",
		   c->known & TS_NL_KNOW_HS_RETRANS, c->hs_retrans);
	data_bytes(t, TS_W, &c->data);
	ts_out_num(t, TS_W, NULL, "RETRANS", c->data.known, c->data.retrans);
	rtt_ms(t, TS_W, "RTT_MS", &c->data, c->data.srtt_us);
	data_json(t, &c->data);
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
	listener_json(t, c);
	cgroup(t, TS_W, c->known & TS_NL_KNOW_CGROUP, c->cgroup_id);
	durations(t, c);
}

/*
 * listeners: each listener with its accept queue (QUEUE: waiting/limit;
 * live from sock_diag for the reader's namespace, as ss -lt's Recv-Q and
 * Send-Q; else as of the listener's last handshake or drop) and what it
 * dropped because the queue was full: SYNs refused, final ACKs dropped.
 */
static void listener_fields(struct ts_out *t, const void *rec)
{
	const struct ts_conn_row *row = rec;
	const struct ts_nl_conn *c = &row->c;
	bool lk = c->known & TS_NL_KNOW_LISTENER;
	char buf[64];

	ts_out_num(t, TS_T | TS_J, "cookie", "COOKIE", true, c->cookie);
	ts_format_age(c->state_ns, buf, sizeof(buf));
	ts_out_str(t, TS_T, NULL, "FOR",
		   c->known & TS_NL_KNOW_STATE_NS ? buf : "-");
	ts_out_num(t, TS_J, "state_ns", NULL, c->known & TS_NL_KNOW_STATE_NS,
		   c->state_ns);
	owner(t, &c->owner);
	endpoints(t, c->family, c->laddr, c->lport, c->raddr, c->rport);
	ts_out_str(t, TS_J, "family", NULL, family_name(c->family));
	if (row->has_queues)
		snprintf(buf, sizeof(buf), "%u/%u", row->rqueue, row->wqueue);
	else if (lk)
		snprintf(buf, sizeof(buf), "%u/%u", c->acceptq_len, c->acceptq_max);
	else
		snprintf(buf, sizeof(buf), "-");
	ts_out_str(t, TS_T, NULL, "QUEUE", buf);
	ts_out_num(t, TS_J, "recv_q", NULL, row->has_queues, row->rqueue);
	ts_out_num(t, TS_J, "send_q", NULL, row->has_queues, row->wqueue);
	ts_out_num(t, TS_T, NULL, "SYN_DROPS", lk, c->syn_drops);
	ts_out_num(t, TS_T, NULL, "ACK_DROPS", lk, c->ack_drops);
	listener_json(t, c);
	ts_out_num(t, TS_W | TS_J, "netns", "NETNS", true, c->netns);
	ts_out_num(t, TS_J, "netns_id", NULL, c->known & TS_NL_KNOW_NETNS_ID,
		   c->netns_id);
	ts_out_num(t, TS_W | TS_J, "uid", "UID",
		   c->owner.have & TS_NL_OWNER_UID, c->owner.uid);
	conn_flags(c, buf, sizeof(buf));
	ts_out_str(t, TS_W, NULL, "FLAGS", buf);
	ts_out_bool(t, "preexisting", c->flags & TCPSTATES_CONN_F_PREEXISTING);
	ts_out_bool(t, "partial", c->flags & TCPSTATES_CONN_F_PARTIAL);
	cgroup(t, TS_T, c->known & TS_NL_KNOW_CGROUP, c->cgroup_id);
}

static const struct ts_nl_event blank_event;
static const struct ts_conn_row blank_conn;

/* A table of events: @stream for watch (each row at once) */
struct ts_out *ts_events_open(FILE *f, const struct ts_opts *o, bool stream)
{
	struct ts_out *t = ts_out_open(f, o, "event", event_fields,
				       &blank_event, stream);

	ts_out_set_json(t, event_json);
	return t;
}

struct ts_out *ts_conns_open(FILE *f, const struct ts_opts *o)
{
	return ts_out_open(f, o, "conn", conn_fields, &blank_conn, false);
}

struct ts_out *ts_life_open(FILE *f, const struct ts_opts *o, bool stream)
{
	return ts_out_open(f, o, "life", life_fields, &blank_event, stream);
}

struct ts_out *ts_listeners_open(FILE *f, const struct ts_opts *o)
{
	return ts_out_open(f, o, "listener", listener_fields, &blank_conn, false);
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
