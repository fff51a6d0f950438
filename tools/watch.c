// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: events (the ring, once) and watch (live); and life, the
 * same streams seen as one line per closed connection, from its last
 * event (live, or with --ring from the ring once).
 *
 * watch subscribes first, then (--since) dumps the ring from the wanted
 * sequence number, then follows the multicast group. It keeps the last
 * sequence number of the stream it has accounted for: a notification at or
 * below it is a duplicate of what the dump printed; one whose PREV_SEQ is
 * beyond it reveals a gap, which is fetched back from the ring and printed
 * first. A receive buffer overflow (ENOBUFS) is fetched back at once.
 * Events the ring overwrote before they could be fetched are reported on
 * stderr as lost, with their count.
 *
 * Output is buffered (by lines on a terminal, by blocks otherwise) and
 * flushed whenever the socket has nothing more to read, before waiting:
 * one write(2) per burst rather than per event, and nothing held back
 * while the stream is quiet. Exit flushes the rest, a signal included
 * (SIGINT and SIGTERM only end the loop); a reader that went away
 * (| head) ends it at the next flush.
 *
 * Another namespace's events (-N) come only to the group of every
 * namespace, events-all: watch subscribes to it and keeps that
 * namespace's events (by the inode of the namespace file it holds open).
 *
 * A reader allowed to open the mapped ring (map.c: root in the initial
 * namespaces) takes the live events from it instead of the multicast
 * groups, unless told --no-map or watching another namespace: the same
 * events, the same output, without a message each. There a gap is an
 * overwritten event, lost for good (the ring no longer has it either).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tcpstates.h"

struct watch {
	const struct ts_opts *o;
	struct ts_out *out;
	struct ts_nl *dump;		/* a second socket for fetching gaps */
	unsigned long long last;	/* stream accounted for up to here */
	unsigned long long printed;
	unsigned long long lost;
	unsigned long long upto;	/* gap fetch: stop before this */
	bool started;
	bool overflowed;		/* ENOBUFS, not settled yet */
	unsigned long long fetch_next;	/* dump: the next seq it should return */
	struct ts_nl_stats base;	/* the kernel's counters at the start */
	struct ts_nl_stats told;	/* ... when last reported */
};

struct ladder_conn;
static void ladder_add(const struct ts_nl_event *ev);

static bool done(const struct watch *w)
{
	return ts_stop || (w->o->count && w->printed >= w->o->count);
}

static void emit(struct watch *w, const struct ts_nl_event *ev)
{
	if (done(w) || !ts_match_event(&w->o->f, ev) ||
	    (w->o->life && !ts_event_is_last(ev)))
		return;
	if (w->o->ladder)
		ladder_add(ev);
	else
		ts_out_row(w->out, ev);
	w->printed++;
}

/* A message on stderr, after the events printed before it */
static void say(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void flush_stdout(void *data)
{
	(void)data;
	ts_flush(stdout);
}

static int nothing_cb(const struct ts_nl_event *ev, void *data)
{
	(void)ev;
	(void)data;
	return 0;
}

/*
 * The own namespace's group, or for another namespace (or all) the group
 * of every namespace. That one reaches only readers with CAP_NET_ADMIN in
 * the initial user namespace, where a container's root may subscribe and
 * hear nothing: a dump of nothing (from past the newest event) with the
 * same filter first asks the kernel, so that such a reader is told.
 */
int ts_subscribe(struct ts_nl *nl, const struct ts_filter *f)
{
	bool all = f->all_netns || f->netns_fd >= 0;
	struct ts_nl_filter k;
	struct ts_nl_stats st;
	int ret;

	if (all) {
		ret = ts_nl_get_stats(nl, &st);
		if (ret)
			return ret;
		ts_kernel_filter(f, ts_filter_attrs(nl, f), &k);
		ret = ts_nl_dump_events(nl, st.v[TCPSTATES_A_STATS_EVENTS] + 1, &k,
					f->all_netns, nothing_cb, NULL);
		if (ret < 0)
			return ret;
	}
	return ts_nl_subscribe(nl, all);
}

static int dump_cb(const struct ts_nl_event *ev, void *data)
{
	struct watch *w = data;
	unsigned long long gone = ev->prev_seq + 1;

	/* PREV_SEQ past what the dump returned last: overwritten meanwhile */
	if (w->upto && gone > w->upto)
		gone = w->upto;
	if (gone > w->fetch_next)
		w->lost += gone - w->fetch_next;
	if (w->upto && ev->seq >= w->upto)
		return 1;
	w->fetch_next = ev->seq + 1;
	if (ev->seq > w->last) {
		emit(w, ev);
		w->last = ev->seq;
	}
	return 0;
}

/* Fetch events [from, upto) (upto 0: to the newest) from the ring. */
static void fetch(struct watch *w, unsigned long long from,
		  unsigned long long upto)
{
	struct ts_nl_filter k;
	unsigned long long lost0 = w->lost;
	int ret;

	ts_kernel_filter(&w->o->f, ts_filter_attrs(w->dump, &w->o->f), &k);
	w->upto = upto;
	w->fetch_next = from;
	/*
	 * Only a fetch to the newest settles an overflow: a gap shown by a
	 * datagram queued before the drop (the ENOBUFS) is an earlier one's.
	 */
	if (!upto)
		w->overflowed = false;
	ret = ts_nl_dump_events(w->dump, from, &k, w->o->f.all_netns, dump_cb, w);
	if (ret < 0)
		ts_nl_fail(w->dump, "event dump", ret, w->o);
	w->upto = 0;
	if (upto && w->last < upto - 1)
		w->last = upto - 1;
	if (w->lost > lost0)
		say("tcpstates: lost up to %llu events: overwritten in the ring before they could be fetched (ring_size too small?)\n",
			w->lost - lost0);
}

/* After a loss: what the kernel counted since the watch began */
static void report_kernel_counters(struct watch *w)
{
	static const struct {
		int attr;
		const char *what;
	} c[] = {
		{ TCPSTATES_A_STATS_MCAST_FAILED, "found a listener's buffer full" },
		{ TCPSTATES_A_STATS_MCAST_OVERRUN, "were overwritten before they could be sent" },
		{ TCPSTATES_A_STATS_MCAST_NOMEM, "found no memory for a datagram" },
	};
	struct ts_nl_stats st;
	unsigned int i;

	if (ts_nl_get_stats(w->dump, &st))
		return;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (st.v[c[i].attr] > w->told.v[c[i].attr])
			break;
	if (i == sizeof(c) / sizeof(c[0]))
		return;		/* nothing new since the last report */
	w->told = st;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (st.v[c[i].attr] > w->base.v[c[i].attr])
			say("tcpstates: kernel: since the watch began, %llu live events %s (all listeners)\n",
				(unsigned long long)(st.v[c[i].attr] - w->base.v[c[i].attr]),
				c[i].what);
}

static int live_cb(const struct ts_nl_event *ev, void *data)
{
	struct watch *w = data;

	if (w->started && ev->seq <= w->last)
		return 0;	/* printed by the dump already */
	if (w->started && ev->prev_seq > w->last) {
		say("tcpstates: missed events %llu to %llu (multicast: receive buffer overflow, or the module fell behind); fetching them\n",
			w->last + 1, (unsigned long long)ev->prev_seq);
		fetch(w, w->last + 1, ev->seq);
		report_kernel_counters(w);
	}
	emit(w, ev);
	w->last = ev->seq;
	w->started = true;
	return done(w);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* How long to wait for news: 200 ms, less near the end; -1: the end */
static int wait_ms(double end)
{
	double left;

	if (!end)
		return 200;
	left = end - now_s();
	if (left <= 0)
		return -1;
	return left * 1000 < 200 ? (int)(left * 1000) + 1 : 200;
}

static void map_lost(struct watch *w, unsigned long long n)
{
	if (!n)
		return;
	w->lost += n;
	say("tcpstates: lost %llu events: overwritten in the ring before they were read (ring_size too small?)\n",
	    n);
}

/*
 * Follow the mapped ring from the event after w->last: the events of
 * every namespace, or (without --all-netns) of the reader's own. PREV_SEQ
 * is the previous event of the same, as the multicast groups give it.
 */
static void watch_map(struct watch *w, struct ts_map *m, double end)
{
	bool all = w->o->f.all_netns;
	unsigned long long lost = 0, prev = w->last, n = 0;
	struct ts_nl_event *ev;
	int ret, timeout;

	ret = ts_map_start(m, w->last + 1);
	if (ret) {
		fprintf(stderr, "tcpstates: mapped ring: %s\n", strerror(-ret));
		exit(1);
	}
	while (!done(w)) {
		ev = ts_map_next(m);
		/* a stream that never pauses: its losses and the end, now and then */
		if (ev && ++n % TS_MAP_BATCH == 0) {
			map_lost(w, m->lost_told - lost);
			lost = m->lost_told;
			if (wait_ms(end) < 0)
				break;
		}
		if (ev) {
			if (!all && ev->netns_id != m->info.netns_id)
				continue;
			ev->prev_seq = prev;
			prev = ev->seq;
			emit(w, ev);
			w->last = ev->seq;
			continue;
		}
		map_lost(w, m->lost_told - lost);
		lost = m->lost_told;
		ts_flush(stdout);
		timeout = wait_ms(end);
		if (timeout < 0)
			break;
		ret = ts_map_wait(m, timeout);
		if (ret < 0 && ret != -EINTR) {
			fprintf(stderr, "tcpstates: waiting on the mapped ring: %s\n",
				strerror(-ret));
			exit(1);
		}
	}
	map_lost(w, ts_map_lost(m) - lost);
}

static void ladder_flush(void);

/* stdout's buffer: glibc would make one of st_blksize (4 KiB) */
static char outbuf[1 << 16];

int cmd_watch(struct ts_nl *nl, const struct ts_opts *o)
{
	struct watch w = { .o = o };
	struct ts_map map;
	struct ts_nl dump;
	double end = o->duration ? now_s() + o->duration : 0;
	bool mapped = false;
	int ret, timeout;

	setvbuf(stdout, outbuf, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF,
		sizeof(outbuf));
	ret = ts_nl_open(&dump);
	if (ret)
		ts_nl_fail(&dump, "netlink", ret, o);
	w.dump = &dump;
	/* first: the events from its start_seq are for us */
	if (!o->no_map && o->f.netns_fd < 0)
		mapped = !ts_map_open(&map);
	if (!mapped) {
		nl->idle = flush_stdout;
		ts_nl_set_rcvbuf(nl, o->rcvbuf ? (int)o->rcvbuf : 8 << 20);
		ret = ts_subscribe(nl, &o->f);
		if (ret)
			ts_nl_fail(nl, "subscribing to live events", ret, o);
	}
	if (o->life)
		w.out = ts_life_open(stdout, o, true);
	else if (!o->ladder)
		w.out = ts_events_open(stdout, o, true);
	ret = ts_nl_get_stats(&dump, &w.base);
	if (ret)
		ts_nl_fail(&dump, "stats", ret, o);
	w.told = w.base;
	if (o->since_set)
		fetch(&w, o->since ? o->since : 1, 0);
	else	/* from now on: what comes after the newest event is ours */
		w.last = w.base.v[TCPSTATES_A_STATS_EVENTS];
	w.started = true;
	if (mapped) {
		watch_map(&w, &map, end);
		ts_map_close(&map);
	}
	while (!mapped && !done(&w)) {
		timeout = wait_ms(end);
		if (timeout < 0)
			break;
		ret = ts_nl_recv_events(nl, timeout, live_cb, &w);
		/*
		 * The socket overflowed: events after those still queued in it
		 * were dropped. Read the queued ones first; the next event
		 * shows the gap (PREV_SEQ), or, when none comes, fetch up to
		 * the newest.
		 */
		if (ret == -ENOBUFS) {
			say("tcpstates: receive buffer overflow: the missed events will be fetched from the ring\n");
			w.overflowed = true;
			continue;
		}
		if (ret < 0 && ret != -EINTR)
			ts_nl_fail(nl, "receiving live events", ret, o);
		if (ret == 0 && w.overflowed) {
			fetch(&w, w.last + 1, 0);
			report_kernel_counters(&w);
		}
	}
	if (w.overflowed && !ts_stop) {
		fetch(&w, w.last + 1, 0);
		report_kernel_counters(&w);
	}
	if (o->ladder)
		ladder_flush();
	else
		ts_out_close(w.out);
	ts_flush(stdout);
	ts_nl_close(&dump);
	if (w.lost)
		say("tcpstates: %llu events lost in all\n", w.lost);
	return 0;
}

/* events: the ring, once (life --ring: its closed connections) */
struct events {
	const struct ts_opts *o;
	struct ts_out *out;
	unsigned long long printed;
};

static int events_cb(const struct ts_nl_event *ev, void *data)
{
	struct events *e = data;

	if (!ts_match_event(&e->o->f, ev) ||
	    (e->o->life && !ts_event_is_last(ev)))
		return ts_stop;
	ts_out_row(e->out, ev);
	e->printed++;
	return ts_stop || (e->o->count && e->printed >= e->o->count);
}

int cmd_events(struct ts_nl *nl, const struct ts_opts *o)
{
	struct events e = { .o = o };
	struct ts_nl_filter k;
	int ret;

	ts_kernel_filter(&o->f, ts_filter_attrs(nl, &o->f), &k);
	if (o->life)
		e.out = ts_life_open(stdout, o, false);
	else
		e.out = ts_events_open(stdout, o, false);
	ret = ts_nl_dump_events(nl, o->since_set ? o->since : 0, &k,
				o->f.all_netns, events_cb, &e);
	if (ret < 0)
		ts_nl_fail(nl, "event dump", ret, o);
	ts_out_close(e.out);
	ts_flush(stdout);
	return 0;
}

/*
 * life: live as watch is (--since and --replay first print the ring's),
 * or --ring: the ring's, once. The filter asks for CLOSE (main()).
 */
int cmd_life(struct ts_nl *nl, const struct ts_opts *o)
{
	return o->ring ? cmd_events(nl, o) : cmd_watch(nl, o);
}

/*
 * watch --ladder: the events of each connection are kept until it closes,
 * then drawn. At most LADDER_CONNS connections are kept; the oldest is
 * drawn as it is when more come.
 */
#define LADDER_CONNS	1024
#define LADDER_EVENTS	24

struct ladder_conn {
	unsigned long long cookie;
	unsigned long long born;
	int n;
	struct ts_nl_event ev[LADDER_EVENTS];
};

static struct ladder_conn *ladders;
static unsigned long long ladder_clock;

static void ladder_draw(struct ladder_conn *lc)
{
	ts_print_ladder(stdout, lc->ev, lc->n, NULL);
	putchar('\n');
	lc->cookie = 0;
	lc->n = 0;
}

static void ladder_add(const struct ts_nl_event *ev)
{
	struct ladder_conn *lc = NULL, *oldest = NULL;
	int i;

	if (!ladders) {
		ladders = calloc(LADDER_CONNS, sizeof(*ladders));
		if (!ladders) {
			perror("tcpstates");
			exit(1);
		}
	}
	for (i = 0; i < LADDER_CONNS && !lc; i++)
		if (ladders[i].cookie == ev->cookie)
			lc = &ladders[i];
	if (!lc) {
		for (i = 0; i < LADDER_CONNS && !lc; i++) {
			if (!ladders[i].cookie)
				lc = &ladders[i];
			else if (!oldest || ladders[i].born < oldest->born)
				oldest = &ladders[i];
		}
		if (!lc) {
			lc = oldest;
			ladder_draw(lc);
		}
		lc->cookie = ev->cookie;
		lc->born = ++ladder_clock;
	}
	if (lc->n < LADDER_EVENTS)
		lc->ev[lc->n++] = *ev;
	/* the end: CLOSE, but not a timewait socket's hand-over */
	if (ev->newstate == TS_CLOSE)
		ladder_draw(lc);
}

static void ladder_flush(void)
{
	int i;

	for (i = 0; ladders && i < LADDER_CONNS; i++)
		if (ladders[i].cookie)
			ladder_draw(&ladders[i]);
	free(ladders);
	ladders = NULL;
}
