// SPDX-License-Identifier: GPL-2.0
/*
 * nltest: drive the tcpstates generic netlink family for the VM tests.
 *
 *   nltest stats
 *   nltest conns  [--all] [FILTER]
 *   nltest events [--all] [--start SEQ] [FILTER]
 *   nltest listen [--all] [--count N] [--idle MS] [--rcvbuf BYTES]
 *                 [--delay MS] [--rcvbuf-after BYTES] [--recover] [--quiet]
 *                 [--ready FILE]
 *                 (--delay: wait that long after subscribing before reading,
 *                 so that a small receive buffer overflows; --rcvbuf-after:
 *                 then make it that large, so that it overflows then only)
 *   nltest subscribe [--all]      try to join the group: "subscribe ok" or
 *                                 "subscribe error ERRNO"
 *   nltest malformed              send bad requests; TAP, one line each
 *
 * FILTER: --family 4|6 --laddr A[/P] --raddr A[/P] --lport N --rport N
 *         --states MASK --tgid N --cookie N --cgroup ID
 *         --netns-id ID | --netns-file PATH (a namespace by its id, or by an
 *         open file of it) | --netns INUM (refused by the kernel: kept to
 *         check that it is)
 *
 * Records are printed as key=value lines. listen ends with a summary line:
 * "received N gaps G missed M recovered R unrecovered U enobufs E first F
 * last S contiguous 0|1": G gaps (PREV_SEQ not the last event received)
 * holding M sequence numbers, of which the event dump (--recover) fetched
 * R; U = M - R are gone from the ring or another namespace's. With
 * --recover, M counts the events of this listener's stream only: those the
 * dump returned between a gap's ends, plus every number of a gap's part
 * the ring no longer holds (other namespaces' events share the sequence
 * numbers, not the stream). Errors: "error ERRNO-NAME: extack message",
 * exit 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "nl.h"
#include "names.h"

static struct ts_nl nl;
static bool quiet;

static const char *errname(int err)
{
	switch (err) {
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case ENOENT: return "ENOENT";
	case ENOBUFS: return "ENOBUFS";
	case EMSGSIZE: return "EMSGSIZE";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EAGAIN: return "EAGAIN";
	default: return strerror(err);
	}
}

static void fail(const char *what, int ret)
{
	printf("error %s: %s%s%s\n", errname(-ret), what, nl.err[0] ? ": " : "",
	       nl.err);
	exit(1);
}

static void addr_str(uint8_t family, const uint8_t *a, uint16_t port,
		     char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(family == 2 ? AF_INET : AF_INET6, a, s, sizeof(s));
	snprintf(buf, len, family == 2 ? "%s:%u" : "[%s]:%u", s, port);
}

static void print_known(const char *name, bool known, unsigned long long v)
{
	if (known)
		printf(" %s=%llu", name, v);
	else
		printf(" %s=-", name);
}

/* What the kernel left out is "-" */
static void print_owner(const struct ts_nl_owner *o)
{
	print_known("tgid", o->have & TS_NL_OWNER_TGID, o->tgid);
	print_known("pid", o->have & TS_NL_OWNER_PID, o->pid);
	print_known("uid", o->have & TS_NL_OWNER_UID, o->uid);
	printf(" comm=%s", o->have & TS_NL_OWNER_COMM ? o->comm : "-");
}

static void print_event(const struct ts_nl_event *ev)
{
	char l[64], r[64];

	addr_str(ev->family, ev->laddr, ev->lport, l, sizeof(l));
	addr_str(ev->family, ev->raddr, ev->rport, r, sizeof(r));
	printf("seq=%llu prev=%llu cookie=%llu netns=%u netns_id=%llu old=%s new=%s cause=%s role=%s local=%s remote=%s",
	       (unsigned long long)ev->seq, (unsigned long long)ev->prev_seq,
	       (unsigned long long)ev->cookie, ev->netns,
	       (unsigned long long)ev->netns_id,
	       ts_state_name(ev->oldstate), ts_state_name(ev->newstate),
	       ts_cause_name(ev->cause), ts_role_name(ev->role), l, r);
	print_known("snd", ev->known & TS_NL_EV_SND_NXT, ev->snd_nxt);
	print_known("rcv", ev->known & TS_NL_EV_RCV_NXT, ev->rcv_nxt);
	print_known("errno", ev->known & TS_NL_EV_ERRNO, ev->err);
	printf(" flags=%u filtered=%d", ev->flags,
	       !!(ev->nlmsg_flags & NLM_F_DUMP_FILTERED));
	print_owner(&ev->owner);
	putchar('\n');
}

static int event_cb(const struct ts_nl_event *ev, void *data)
{
	(void)data;
	print_event(ev);
	return 0;
}

static int conn_cb(const struct ts_nl_conn *c, void *data)
{
	char l[64], r[64];

	(void)data;
	addr_str(c->family, c->laddr, c->lport, l, sizeof(l));
	addr_str(c->family, c->raddr, c->rport, r, sizeof(r));
	printf("cookie=%llu netns=%u netns_id=%llu state=%s role=%s flags=%u local=%s remote=%s",
	       (unsigned long long)c->cookie, c->netns,
	       (unsigned long long)c->netns_id,
	       ts_state_name(c->state), ts_role_name(c->role), c->flags,
	       l, r);
	print_known("isn_local", c->known & TS_NL_KNOW_ISN_LOCAL, c->isn_local);
	print_known("isn_remote", c->known & TS_NL_KNOW_ISN_REMOTE, c->isn_remote);
	print_known("fin_local", c->known & TS_NL_KNOW_FIN_LOCAL, c->fin_local);
	print_known("fin_remote", c->known & TS_NL_KNOW_FIN_REMOTE, c->fin_remote);
	print_known("handshake_us", c->known & TS_NL_KNOW_HANDSHAKE, c->handshake_us);
	printf(" filtered=%d", !!(c->nlmsg_flags & NLM_F_DUMP_FILTERED));
	print_owner(&c->owner);
	putchar('\n');
	return 0;
}

static const char *const stats_names[] = {
	[TCPSTATES_A_STATS_EVENTS] = "events",
	[TCPSTATES_A_STATS_RING_SIZE] = "ring_size",
	[TCPSTATES_A_STATS_RING_USED] = "ring_used",
	[TCPSTATES_A_STATS_RING_FIRST_SEQ] = "ring_first_seq",
	[TCPSTATES_A_STATS_RING_OVERWRITTEN] = "drops_ring_overwritten",
	[TCPSTATES_A_STATS_KPROBE_MISSED] = "kprobe_missed",
	[TCPSTATES_A_STATS_CONN_USED] = "conn_used",
	[TCPSTATES_A_STATS_CONN_MAX] = "conn_max",
	[TCPSTATES_A_STATS_CONN_ADDED] = "conn_added",
	[TCPSTATES_A_STATS_CONN_REMOVED] = "conn_removed",
	[TCPSTATES_A_STATS_CONN_EVICTED] = "conn_evicted",
	[TCPSTATES_A_STATS_CONN_SEEDED] = "conn_seeded",
	[TCPSTATES_A_STATS_MCAST_SENT] = "mcast_sent",
	[TCPSTATES_A_STATS_MCAST_OVERRUN] = "mcast_overrun",
	[TCPSTATES_A_STATS_MCAST_FAILED] = "mcast_failed",
	[TCPSTATES_A_STATS_MCAST_NOMEM] = "mcast_nomem",
	[TCPSTATES_A_STATS_MEM_BYTES] = "mem_bytes",
	[TCPSTATES_A_STATS_READERS_OPEN] = "readers_open",
	[TCPSTATES_A_STATS_DUMPS_RUNNING] = "dumps_running",
	[TCPSTATES_A_STATS_MCAST_UNHEARD] = "mcast_unheard",
	[TCPSTATES_A_STATS_CONN_EVICTED_TIME_WAIT] = "conn_evicted_time_wait",
	[TCPSTATES_A_STATS_CONN_EVICTED_CLOSING] = "conn_evicted_closing",
	[TCPSTATES_A_STATS_CONN_EVICTED_OPEN] = "conn_evicted_open",
	[TCPSTATES_A_STATS_CONN_EVICTED_HELD] = "conn_evicted_held",
	[TCPSTATES_A_STATS_CONN_PARTIAL] = "conn_partial",
	[TCPSTATES_A_STATS_EVENTS_PARTIAL] = "events_partial",
	[TCPSTATES_A_STATS_DROP_EVENTS_SUPPRESSED] = "drop_events_suppressed",
};

static int cmd_stats(void)
{
	struct ts_nl_stats st;
	int i, ret;

	ret = ts_nl_get_stats(&nl, &st);
	if (ret)
		fail("stats", ret);
	printf("family_version %u\n", nl.version);
	for (i = 0; i <= TCPSTATES_A_STATS_MAX; i++)
		if (st.have[i] && stats_names[i])
			printf("%s %llu\n", stats_names[i],
			       (unsigned long long)st.v[i]);
	return 0;
}

/* listen: what was received, and what is missing */
struct listen_state {
	unsigned long long received, gaps, missed, recovered, unrecovered;
	unsigned long long enobufs;
	unsigned long long count, first, last;
	bool contiguous, all;
	/*
	 * ENOBUFS was read: a datagram after those then queued was dropped.
	 * A gap seen later may be an earlier drop's (the queued datagrams
	 * came before it), so only the end, up to the newest event, settles
	 * it: the flag stays set.
	 */
	bool overflowed;
	/* seqs between a gap's ends still to fetch: [from, to) */
	unsigned long long want_from[4096], want_to[4096];
	unsigned int nwant;
};

static struct listen_state ls = { .contiguous = true };

/* The events from the last received to @to (excluded) are missing. */
static void add_gap(unsigned long long to)
{
	if (to <= ls.last + 1)
		return;
	ls.gaps++;
	if (ls.nwant < sizeof(ls.want_from) / sizeof(ls.want_from[0])) {
		ls.want_from[ls.nwant] = ls.last + 1;
		ls.want_to[ls.nwant++] = to;
	}
}

static int listen_cb(const struct ts_nl_event *ev, void *data)
{
	(void)data;
	if (!quiet)
		print_event(ev);
	if (ls.received && ev->seq != ls.last + 1)
		ls.contiguous = false;
	if (ls.received && ev->prev_seq != ls.last)
		add_gap(ev->seq);
	if (!ls.received)
		ls.first = ev->seq;
	ls.last = ev->seq;
	ls.received++;
	return ls.count && ls.received >= ls.count;
}

/* A gap's dump: events in [from, to) of the listened-to stream */
static unsigned long long gap_to;

static int recover_cb(const struct ts_nl_event *ev, void *data)
{
	(void)data;
	if (ev->seq >= gap_to)
		return 1;
	ls.recovered++;
	if (!quiet) {
		printf("recovered ");
		print_event(ev);
	}
	return 0;
}

static void recover(void)
{
	unsigned long long first;
	struct ts_nl_stats st;
	struct ts_nl rnl;
	unsigned int i;
	int ret;

	ret = ts_nl_open(&rnl);
	if (ret)
		fail("open", ret);
	/* what the ring no longer holds is gone, whoever's it was */
	ret = ts_nl_get_stats(&rnl, &st);
	if (ret)
		fail("stats", ret);
	first = st.v[TCPSTATES_A_STATS_RING_FIRST_SEQ];
	for (i = 0; i < ls.nwant; i++) {
		if (ls.want_from[i] < first)
			ls.unrecovered += (ls.want_to[i] < first ? ls.want_to[i] : first) -
					  ls.want_from[i];
		gap_to = ls.want_to[i];
		ret = ts_nl_dump_events(&rnl, ls.want_from[i], NULL, ls.all,
					recover_cb, NULL);
		if (ret < 0)
			fail("recover", ret);
	}
	ts_nl_close(&rnl);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The newest event's sequence number, asked on a socket of its own */
static unsigned long long newest_event(void)
{
	struct ts_nl_stats st;
	struct ts_nl snl;
	int ret;

	ret = ts_nl_open(&snl);
	if (ret)
		fail("open", ret);
	ret = ts_nl_get_stats(&snl, &st);
	if (ret)
		fail("stats", ret);
	ts_nl_close(&snl);
	return st.v[TCPSTATES_A_STATS_EVENTS];
}

static int cmd_listen(bool all, unsigned long long count, int idle_ms,
		      int rcvbuf, int delay_ms, int rcvbuf_after,
		      bool do_recover, const char *ready)
{
	unsigned long long newest = 0;
	bool grown = false;
	long long last_rx;
	FILE *f;
	int ret;

	ls.count = count;
	ls.all = all;
	if (rcvbuf) {
		ret = ts_nl_set_rcvbuf(&nl, rcvbuf);
		if (ret)
			fail("rcvbuf", ret);
	}
	ret = ts_nl_subscribe(&nl, all);
	if (ret)
		fail("subscribe", ret);
	if (ready) {
		f = fopen(ready, "w");
		if (!f || fclose(f))
			fail("ready file", -errno);
	}
	if (delay_ms)
		usleep(delay_ms * 1000);
	/*
	 * Room from now on: read what is queued (the socket takes datagrams
	 * again once its queue is empty), then the newest event. Whatever was
	 * dropped was sent before, so numbered up to it: the gaps end there.
	 */
	if (rcvbuf_after) {
		ret = ts_nl_set_rcvbuf(&nl, rcvbuf_after);
		if (ret)
			fail("rcvbuf", ret);
		do {
			ret = ts_nl_recv_events(&nl, 0, listen_cb, NULL);
			if (ret == -ENOBUFS) {
				ls.enobufs++;
				ls.overflowed = true;
			} else if (ret < 0) {
				fail("receive", ret);
			}
		} while (ret != 0);
		newest = newest_event();
		grown = true;
	}
	last_rx = now_ms();
	for (;;) {
		ret = ts_nl_recv_events(&nl, 100, listen_cb, NULL);
		/*
		 * Lost events: the first event after the queued ones shows a
		 * gap, or, when none comes, the gap runs to the newest event.
		 */
		if (ret == -ENOBUFS) {
			ls.enobufs++;
			ls.overflowed = true;
			continue;
		}
		if (ret < 0)
			fail("receive", ret);
		if (ret > 0 && count && ls.received >= count)
			break;
		if (ret > 0)
			last_rx = now_ms();
		else if (idle_ms && now_ms() - last_rx >= idle_ms)
			break;
	}
	/*
	 * After an overflow, the newest event, taken while still subscribed
	 * and given a moment to be sent (the sender runs a tick after an
	 * event): the events after it were not ours to miss.
	 */
	if (ls.overflowed && !grown) {
		newest = newest_event();
		for (long long end = now_ms() + 100; now_ms() < end;) {
			ret = ts_nl_recv_events(&nl, 20, listen_cb, NULL);
			if (ret == -ENOBUFS)
				ls.enobufs++;
			else if (ret < 0)
				fail("receive", ret);
		}
	}
	/*
	 * Leave the group, then read what is still queued: every event sent
	 * to this listener is then either received or counted as lost by
	 * the module (mcast_failed), even if events keep coming meanwhile.
	 */
	ret = ts_nl_unsubscribe(&nl, all);
	if (ret)
		fail("unsubscribe", ret);
	do {
		ret = ts_nl_recv_events(&nl, 50, listen_cb, NULL);
		if (ret == -ENOBUFS) {
			ls.enobufs++;
			if (!ls.overflowed && !grown)	/* only now: newest as it is */
				newest = newest_event();
			ls.overflowed = true;
		} else if (ret < 0) {
			fail("receive", ret);
		}
	} while (ret != 0);
	/* events after the last received, up to the newest, were dropped */
	if (ls.overflowed && ls.received)
		add_gap(newest + 1);
	if (do_recover) {
		recover();
		ls.missed = ls.recovered + ls.unrecovered;
	} else {
		for (unsigned int i = 0; i < ls.nwant; i++)
			ls.missed += ls.want_to[i] - ls.want_from[i];
		ls.unrecovered = ls.missed;
	}
	printf("received %llu gaps %llu missed %llu recovered %llu unrecovered %llu enobufs %llu first %llu last %llu contiguous %d\n",
	       ls.received, ls.gaps, ls.missed, ls.recovered,
	       ls.unrecovered, ls.enobufs, ls.first, ls.last,
	       ls.contiguous);
	return 0;
}

/* malformed: each case is one raw request and what must come back */
struct bad_case {
	const char *name;
	int want;		/* errno, or ETIMEDOUT for "no answer" */
	bool extack;		/* an extack message must come back */
};

static int tap_n;

static void tap(bool ok, const char *fmt, const char *name, int err,
		const char *msg)
{
	printf("%s %d - malformed: %s: got %s", ok ? "ok" : "not ok", ++tap_n,
	       name, err ? errname(err) : "success");
	if (msg && *msg)
		printf(" \"%s\"", msg);
	if (nl.err_off)
		printf(" (at byte %u)", nl.err_off);
	if (!ok)
		printf(" (%s)", fmt);
	putchar('\n');
}

static struct nlmsghdr *req(char *buf, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = nl.family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl.seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = TCPSTATES_GENL_VERSION;
	return nlh;
}

static void run_case(const struct bad_case *c, struct nlmsghdr *nlh)
{
	char want[64];
	int ret, err;

	ret = ts_nl_raw(&nl, nlh, nlh->nlmsg_len);
	err = ret == -EAGAIN ? ETIMEDOUT : -ret;
	snprintf(want, sizeof(want), "want %s%s", errname(c->want),
		 c->extack ? " with a message" : "");
	tap(err == c->want && (!c->extack || nl.err[0]), want, c->name, err,
	    nl.err);
}

static int cmd_malformed(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 2];
	struct timeval tv = { .tv_sec = 2 };
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct ts_nl_stats before, after;
	struct genlmsghdr *g;
	size_t sent;
	int i, ret;

	setsockopt(mnl_socket_get_fd(nl.sock), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	ret = ts_nl_get_stats(&nl, &before);
	if (ret)
		fail("stats", ret);

	nlh = req(buf, 99, 0);
	run_case(&(struct bad_case){ "unknown command 99", EOPNOTSUPP, false }, nlh);

	nlh = req(buf, TCPSTATES_CMD_UNSPEC, 0);
	run_case(&(struct bad_case){ "command 0", EOPNOTSUPP, false }, nlh);

	nlh = req(buf, TCPSTATES_CMD_EVENT, 0);
	run_case(&(struct bad_case){ "notification command as a request", EOPNOTSUPP, false }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_EVENTS, 0);
	run_case(&(struct bad_case){ "events without NLM_F_DUMP", EOPNOTSUPP, false }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_STATS, NLM_F_DUMP);
	run_case(&(struct bad_case){ "stats as a dump", EOPNOTSUPP, false }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_STATS, 0);
	mnl_attr_put_u32(nlh, 1, 1);
	run_case(&(struct bad_case){ "stats with an attribute", EINVAL, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_STATS, 0);
	g = mnl_nlmsg_get_payload(nlh);
	g->reserved = 1;
	run_case(&(struct bad_case){ "genl reserved field not 0", EINVAL, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_STATS, 0x100 /* NLM_F_REPLACE */);
	run_case(&(struct bad_case){ "reserved nlmsg flags", EINVAL, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_EVENTS, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, TCPSTATES_A_EVENT_START_SEQ, 1);
	run_case(&(struct bad_case){ "START_SEQ as u32", EINVAL, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_EVENTS, NLM_F_DUMP);
	mnl_attr_put_u64(nlh, TCPSTATES_A_EVENT_COOKIE, 1);
	run_case(&(struct bad_case){ "reply attribute COOKIE in a request", EINVAL, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_CONNS, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, 200, 1);
	run_case(&(struct bad_case){ "unknown attribute 200", EINVAL, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_CONNS, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, TCPSTATES_A_CONN_ALL_NETNS, 1);
	run_case(&(struct bad_case){ "ALL_NETNS flag with a payload", ERANGE, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_CONNS, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, TCPSTATES_A_CONN_FILTER, 1);
	run_case(&(struct bad_case){ "FILTER not a nest", EINVAL, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_CONNS, NLM_F_DUMP);
	nest = mnl_attr_nest_start(nlh, TCPSTATES_A_CONN_FILTER);
	mnl_attr_put_u8(nlh, TCPSTATES_A_FILTER_FAMILY, 3);
	mnl_attr_nest_end(nlh, nest);
	run_case(&(struct bad_case){ "FILTER family 3", EAFNOSUPPORT, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_CONNS, NLM_F_DUMP);
	nest = mnl_attr_nest_start(nlh, TCPSTATES_A_CONN_FILTER);
	mnl_attr_put_u32(nlh, TCPSTATES_A_FILTER_LOCAL_ADDR, htonl(0x7f000001));
	mnl_attr_nest_end(nlh, nest);
	run_case(&(struct bad_case){ "FILTER address without family", EINVAL, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_CONNS, NLM_F_DUMP);
	nest = mnl_attr_nest_start(nlh, TCPSTATES_A_CONN_FILTER);
	mnl_attr_put_u8(nlh, TCPSTATES_A_FILTER_FAMILY, AF_INET);
	mnl_attr_put(nlh, TCPSTATES_A_FILTER_LOCAL_ADDR, 16, &in6addr_loopback);
	mnl_attr_nest_end(nlh, nest);
	run_case(&(struct bad_case){ "FILTER IPv4 with 16-byte address", EINVAL, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_CONNS, NLM_F_DUMP);
	nest = mnl_attr_nest_start(nlh, TCPSTATES_A_CONN_FILTER);
	mnl_attr_put(nlh, TCPSTATES_A_FILTER_REMOTE_ADDR, 3, "abc");
	mnl_attr_nest_end(nlh, nest);
	run_case(&(struct bad_case){ "FILTER 3-byte address", ERANGE, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_CONNS, NLM_F_DUMP);
	nest = mnl_attr_nest_start(nlh, TCPSTATES_A_CONN_FILTER);
	mnl_attr_put_u8(nlh, TCPSTATES_A_FILTER_FAMILY, AF_INET);
	mnl_attr_put_u32(nlh, TCPSTATES_A_FILTER_LOCAL_ADDR, htonl(0x7f000001));
	mnl_attr_put_u8(nlh, TCPSTATES_A_FILTER_LOCAL_PREFIX, 33);
	mnl_attr_nest_end(nlh, nest);
	run_case(&(struct bad_case){ "FILTER IPv4 prefix 33", EINVAL, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_CONNS, NLM_F_DUMP);
	nest = mnl_attr_nest_start(nlh, TCPSTATES_A_CONN_FILTER);
	mnl_attr_put_u8(nlh, TCPSTATES_A_FILTER_LOCAL_PREFIX, 129);
	mnl_attr_nest_end(nlh, nest);
	run_case(&(struct bad_case){ "FILTER prefix 129", ERANGE, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_CONNS, NLM_F_DUMP);
	nest = mnl_attr_nest_start(nlh, TCPSTATES_A_CONN_FILTER);
	mnl_attr_put_u8(nlh, TCPSTATES_A_FILTER_REMOTE_PREFIX, 8);
	mnl_attr_nest_end(nlh, nest);
	run_case(&(struct bad_case){ "FILTER prefix without address", EINVAL, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_EVENTS, NLM_F_DUMP);
	nest = mnl_attr_nest_start(nlh, TCPSTATES_A_EVENT_FILTER);
	mnl_attr_put_u32(nlh, TCPSTATES_A_FILTER_STATES, 1U << 13);
	mnl_attr_nest_end(nlh, nest);
	run_case(&(struct bad_case){ "FILTER state 13", EINVAL, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_EVENTS, NLM_F_DUMP);
	nest = mnl_attr_nest_start(nlh, TCPSTATES_A_EVENT_FILTER);
	mnl_attr_put_u16(nlh, 99, 1);
	mnl_attr_nest_end(nlh, nest);
	run_case(&(struct bad_case){ "FILTER unknown attribute 99", EINVAL, true }, nlh);

	nlh = req(buf, TCPSTATES_CMD_GET_EVENTS, NLM_F_DUMP);
	nest = mnl_attr_nest_start(nlh, TCPSTATES_A_EVENT_FILTER);
	mnl_attr_put_u32(nlh, TCPSTATES_A_FILTER_LOCAL_PORT, 80);
	mnl_attr_nest_end(nlh, nest);
	run_case(&(struct bad_case){ "FILTER port as u32", EINVAL, true }, nlh);

	/* an attribute whose length runs past the message */
	nlh = req(buf, TCPSTATES_CMD_GET_EVENTS, NLM_F_DUMP);
	mnl_attr_put_u64(nlh, TCPSTATES_A_EVENT_START_SEQ, 1);
	((struct nlattr *)((char *)nlh + nlh->nlmsg_len - 12))->nla_len = 64;
	run_case(&(struct bad_case){ "attribute longer than the message", EINVAL, true }, nlh);

	/* a message too short for its genl header */
	nlh = req(buf, TCPSTATES_CMD_GET_STATS, 0);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	run_case(&(struct bad_case){ "truncated genl header", EINVAL, false }, nlh);

	/* nlmsg_len beyond the datagram: the netlink core drops it unanswered */
	nlh = req(buf, TCPSTATES_CMD_GET_STATS, 0);
	sent = nlh->nlmsg_len;
	nlh->nlmsg_len = 4096;
	nl.err[0] = '\0';
	nl.err_off = 0;
	ret = mnl_socket_sendto(nl.sock, nlh, sent) < 0 ? -errno : 0;
	if (!ret)
		ret = recv(mnl_socket_get_fd(nl.sock), buf, sizeof(buf), 0) < 0 ?
		      -errno : 0;
	tap(ret == -EAGAIN, "want no answer", "length beyond the datagram",
	    ret == -EAGAIN ? ETIMEDOUT : -ret, NULL);

	/* oversized: 1,000 unknown attributes */
	nlh = req(buf, TCPSTATES_CMD_GET_CONNS, NLM_F_DUMP);
	for (i = 0; i < 1000; i++)
		mnl_attr_put_u32(nlh, 100 + i % 50, i);
	run_case(&(struct bad_case){ "1,000 unknown attributes", EINVAL, true }, nlh);

	ret = ts_nl_get_stats(&nl, &after);
	tap(!ret, "want stats to answer", "family still answers", -ret, NULL);
	tap(!ret && after.v[TCPSTATES_A_STATS_RING_SIZE] ==
	    before.v[TCPSTATES_A_STATS_RING_SIZE] &&
	    after.v[TCPSTATES_A_STATS_CONN_MAX] ==
	    before.v[TCPSTATES_A_STATS_CONN_MAX],
	    "want the same ring and table", "configuration unchanged", -ret,
	    NULL);
	printf("1..%d\n", tap_n);
	return 0;
}

static int parse_addr(const char *s, struct ts_nl_filter *f, bool local)
{
	char a[INET6_ADDRSTRLEN + 5], *slash;
	uint8_t *dst = local ? f->laddr : f->raddr;
	int fam;

	snprintf(a, sizeof(a), "%s", s);
	slash = strchr(a, '/');
	if (slash)
		*slash++ = '\0';
	fam = strchr(a, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(fam, a, dst) != 1)
		return -1;
	f->family = fam;
	f->have |= 1U << TCPSTATES_A_FILTER_FAMILY;
	f->have |= 1U << (local ? TCPSTATES_A_FILTER_LOCAL_ADDR :
			  TCPSTATES_A_FILTER_REMOTE_ADDR);
	if (slash) {
		if (local)
			f->lplen = atoi(slash);
		else
			f->rplen = atoi(slash);
		f->have |= 1U << (local ? TCPSTATES_A_FILTER_LOCAL_PREFIX :
				  TCPSTATES_A_FILTER_REMOTE_PREFIX);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "start", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "idle", required_argument, NULL, 'i' },
		{ "rcvbuf", required_argument, NULL, 'b' },
		{ "delay", required_argument, NULL, 'w' },
		{ "rcvbuf-after", required_argument, NULL, 'B' },
		{ "recover", no_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "ready", required_argument, NULL, 'R' },
		{ "family", required_argument, NULL, 'f' },
		{ "laddr", required_argument, NULL, 'l' },
		{ "raddr", required_argument, NULL, 'd' },
		{ "lport", required_argument, NULL, 'L' },
		{ "rport", required_argument, NULL, 'D' },
		{ "states", required_argument, NULL, 'S' },
		{ "netns", required_argument, NULL, 'N' },
		{ "netns-id", required_argument, NULL, 'I' },
		{ "netns-file", required_argument, NULL, 'F' },
		{ "cookie", required_argument, NULL, 'C' },
		{ "cgroup", required_argument, NULL, 'G' },
		{ "tgid", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct ts_nl_filter f = { 0 };
	unsigned long long start = 0, count = 0;
	bool all = false, do_recover = false;
	const char *ready = NULL, *cmd;
	int c, ret, idle = 0, rcvbuf = 0, delay = 0, rcvbuf_after = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 's': start = strtoull(optarg, NULL, 0); break;
		case 'n': count = strtoull(optarg, NULL, 0); break;
		case 'i': idle = atoi(optarg); break;
		case 'b': rcvbuf = atoi(optarg); break;
		case 'w': delay = atoi(optarg); break;
		case 'B': rcvbuf_after = atoi(optarg); break;
		case 'r': do_recover = true; break;
		case 'q': quiet = true; break;
		case 'R': ready = optarg; break;
		case 'f':
			f.family = atoi(optarg) == 6 ? AF_INET6 : AF_INET;
			f.have |= 1U << TCPSTATES_A_FILTER_FAMILY;
			break;
		case 'l':
		case 'd':
			if (parse_addr(optarg, &f, c == 'l')) {
				fprintf(stderr, "nltest: bad address %s\n", optarg);
				return 2;
			}
			break;
		case 'L':
			f.lport = atoi(optarg);
			f.have |= 1U << TCPSTATES_A_FILTER_LOCAL_PORT;
			break;
		case 'D':
			f.rport = atoi(optarg);
			f.have |= 1U << TCPSTATES_A_FILTER_REMOTE_PORT;
			break;
		case 'S':
			f.states = strtoul(optarg, NULL, 0);
			f.have |= 1U << TCPSTATES_A_FILTER_STATES;
			break;
		case 'N':
			f.netns = strtoul(optarg, NULL, 0);
			f.have |= 1U << TCPSTATES_A_FILTER_NETNS;
			break;
		case 'I':
			f.netns_id = strtoull(optarg, NULL, 0);
			f.have |= 1U << TCPSTATES_A_FILTER_NETNS_ID;
			break;
		case 'F':
			f.netns_fd = open(optarg, O_RDONLY | O_CLOEXEC);
			if (f.netns_fd < 0) {
				fprintf(stderr, "nltest: %s: %s\n", optarg, strerror(errno));
				return 2;
			}
			f.have |= 1U << TCPSTATES_A_FILTER_NETNS_FD;
			break;
		case 'C':
			f.cookie = strtoull(optarg, NULL, 0);
			f.have |= 1U << TCPSTATES_A_FILTER_COOKIE;
			break;
		case 'G':
			f.cgroup_id = strtoull(optarg, NULL, 0);
			f.have |= 1U << TCPSTATES_A_FILTER_CGROUP_ID;
			break;
		case 'T':
			f.tgid = strtoul(optarg, NULL, 0);
			f.have |= 1U << TCPSTATES_A_FILTER_TGID;
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: nltest stats|conns|events|listen|subscribe|malformed [OPTIONS]\n");
		return 2;
	}
	cmd = argv[optind];
	ret = ts_nl_open(&nl);
	if (ret)
		fail("open", ret);
	if (!strcmp(cmd, "stats"))
		return cmd_stats();
	if (!strcmp(cmd, "conns")) {
		ret = ts_nl_dump_conns(&nl, &f, all, conn_cb, NULL);
		if (ret)
			fail("conns", ret);
		return 0;
	}
	if (!strcmp(cmd, "events")) {
		ret = ts_nl_dump_events(&nl, start, &f, all, event_cb, NULL);
		if (ret)
			fail("events", ret);
		return 0;
	}
	if (!strcmp(cmd, "listen"))
		return cmd_listen(all, count, idle, rcvbuf, delay, rcvbuf_after,
				  do_recover,
				  ready);
	if (!strcmp(cmd, "subscribe")) {
		ret = ts_nl_subscribe(&nl, all);
		if (ret)
			printf("subscribe error %s\n", errname(-ret));
		else
			printf("subscribe ok\n");
		return 0;
	}
	if (!strcmp(cmd, "malformed"))
		return cmd_malformed();
	fprintf(stderr, "nltest: unknown command %s\n", cmd);
	return 2;
}
