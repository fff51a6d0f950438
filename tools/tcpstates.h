/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpstates CLI: what the subcommands share (options, filters, output).
 */
#ifndef TCPSTATES_CLI_H
#define TCPSTATES_CLI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "nl.h"

#define TS_VERSION	"0.2"
#define TS_MAX_LIST	64

/*
 * A filter expression (expr.c): ss's grammar, the part that maps onto our
 * records, and our own keys. Options (-4, -L, --pid, -c, ...) become the
 * same predicates, and-ed to it.
 */
enum ts_key {
	TS_K_FAMILY,	/* family inet|inet6 (-4, -6, -f) */
	TS_K_STATE,	/* state NAME: events by their new state */
	TS_K_SRC,	/* src HOST */
	TS_K_DST,	/* dst HOST */
	TS_K_ADDR,	/* either end (--addr) */
	TS_K_SPORT,	/* sport OP :PORT */
	TS_K_DPORT,	/* dport OP :PORT */
	TS_K_PID,	/* pid OP N: the owner's process id */
	TS_K_COMM,	/* comm [!=] GLOB */
	TS_K_CAUSE,	/* cause NAME: events */
	TS_K_ROLE,	/* role NAME */
	TS_K_COOKIE,	/* cookie OP N */
	TS_K_NETNS_ID,	/* netns_id OP N */
	TS_K_CGROUP,	/* cgroup [!=] PATH|ID: the socket's cgroup (v2), by id */
};

enum ts_cmp { TS_EQ, TS_NE, TS_LT, TS_LE, TS_GT, TS_GE };

/* An ss HOST: [FAMILY:]ADDRESS[/PLEN][:PORT], "*" for any */
struct ts_host {
	int family;		/* AF_INET, AF_INET6; 0: any address */
	uint8_t addr[16];
	int plen;
	int port;		/* -1: any */
};

struct ts_expr {
	enum { TS_E_AND, TS_E_OR, TS_E_NOT, TS_E_PRED } op;
	struct ts_expr *l, *r;		/* NOT: l only */
	enum ts_key key;
	enum ts_cmp cmp;
	uint64_t num;			/* ports, pid, cookie, netns_id, family, cgroup id */
	uint32_t mask;			/* states, causes, roles: a bit each */
	struct ts_host host;
	char *glob;
};

/* The filters every subcommand takes */
struct ts_filter {
	struct ts_expr *expr;		/* NULL: everything */
	uint32_t states;		/* state / --state / -l; 0: the default */
	uint32_t exclude;		/* exclude STATE */
	bool all;			/* -a: every state, listeners too */
	uint32_t mask;			/* the states wanted (ts_filter_finish) */
	bool all_netns;			/* -N all */
	int netns_fd;			/* -N another namespace: a file of it; -1 */
	uint64_t netns_ino;		/* ... its inode, while the file is open */
};

struct ts_opts {
	struct ts_filter f;
	bool time;			/* --time */
	bool json;			/* -j */
	bool wide;			/* -e */
	bool threads;			/* -T */
	bool no_header;			/* -H */
	bool since_set;
	unsigned long long since;	/* --since; --replay: 1 */
	unsigned long long count;	/* --count */
	double duration;		/* --duration */
	bool ladder;
	bool life;			/* life: one line per closed connection */
	bool ring;			/* life --ring: from the ring, then exit */
	unsigned long long rcvbuf;	/* --rcvbuf; 0: default */
	bool no_map;			/* --no-map: live events by netlink only */
	const char *sort;
	bool reverse;
	const char *cookie;		/* show COOKIE */
};

/* expr.c: the trailing arguments, ss's filter grammar */
int ts_expr_parse(char **argv, int argc, struct ts_filter *f, char *err,
		  size_t errlen);
void ts_expr_free(struct ts_expr *e);
bool ts_expr_has(const struct ts_expr *e, enum ts_key key);

/* filter.c */
void ts_filter_init(struct ts_filter *f);
void ts_filter_and(struct ts_filter *f, struct ts_expr *e);
struct ts_expr *ts_pred(enum ts_key key, enum ts_cmp cmp, uint64_t num);
struct ts_expr *ts_and(struct ts_expr *l, struct ts_expr *r);
struct ts_expr *ts_or(struct ts_expr *l, struct ts_expr *r);
struct ts_expr *ts_not(struct ts_expr *e);
int ts_parse_port(const char *s, int *port);
int ts_parse_ports(const char *s, struct ts_expr **e, enum ts_key key);
int ts_parse_pids(const char *s, struct ts_expr **e);
int ts_parse_states(const char *s, uint32_t *mask);
int ts_parse_host(const char *s, struct ts_host *h, bool need_addr);
void ts_filter_finish(struct ts_filter *f, bool conns, bool states);
uint32_t ts_filter_attrs(struct ts_nl *nl, const struct ts_filter *f);
void ts_kernel_filter(const struct ts_filter *f, uint32_t supported,
		      struct ts_nl_filter *k);
bool ts_match_event(const struct ts_filter *f, const struct ts_nl_event *ev);
bool ts_match_conn(const struct ts_filter *f, const struct ts_nl_conn *c);

/* cgroup.c: cgroup (v2) paths <-> ids */
int ts_cgroup_resolve(const char *arg, uint64_t *id, char *err, size_t errlen);
const char *ts_cgroup_path(uint64_t id);	/* NULL: not found */
void ts_cgroup_set_root(const char *root);	/* the unit tests' tree */

/* netns.c: -N NAME|PATH|INODE|all */
int ts_netns_resolve(const char *arg, struct ts_filter *f, char *err,
		     size_t errlen);

/* output.c: text columns (widths from the content) or JSON lines */
#define TS_T	(1U << 0)	/* a text column */
#define TS_W	(1U << 1)	/* a text column with -e */
#define TS_TT	(1U << 2)	/* a text column with --time */
#define TS_TID	(1U << 3)	/* a text column with -T */
#define TS_J	(1U << 4)	/* a JSON field */
#define TS_JT	(1U << 5)	/* a JSON field with --time */

struct ts_out;
typedef void (*ts_fields_fn)(struct ts_out *t, const void *rec);
/* a JSON line at @p, whole; @end: one past the line's buffer (32 KiB) */
typedef char *(*ts_json_fn)(char *p, char *end, const void *rec,
			    const struct ts_opts *o);

struct ts_out *ts_out_open(FILE *f, const struct ts_opts *o, const char *type,
			   ts_fields_fn fields, const void *blank, bool stream);
void ts_out_row(struct ts_out *t, const void *rec);
void ts_out_set_json(struct ts_out *t, ts_json_fn fn);
void ts_out_close(struct ts_out *t);
bool ts_out_shows(const struct ts_out *t, unsigned int show);
/*
 * The writers of a field take its JSON key with the key's length, which
 * each macro below works out where the key is a literal: at compile time.
 */
static inline size_t ts_key_len(const char *key)
{
	return key ? strlen(key) : 0;
}

void ts_out_num_k(struct ts_out *t, unsigned int show, const char *key,
		  size_t klen, const char *head, bool known, uint64_t v);
void ts_out_str_k(struct ts_out *t, unsigned int show, const char *key,
		  size_t klen, const char *head, const char *s);
void ts_out_comm_k(struct ts_out *t, unsigned int show, const char *key,
		   size_t klen, const char *head, const char *comm);
void ts_out_bool_k(struct ts_out *t, const char *key, size_t klen, bool v);
void ts_out_addr_k(struct ts_out *t, const char *key, size_t klen,
		   int family, const uint8_t *addr);
void ts_out_raw_k(struct ts_out *t, const char *key, size_t klen,
		  const char *json);
void ts_out_obj_begin_k(struct ts_out *t, const char *key, size_t klen);
#define ts_out_num(t, show, key, head, known, v) \
	ts_out_num_k(t, show, key, ts_key_len(key), head, known, v)
#define ts_out_str(t, show, key, head, s) \
	ts_out_str_k(t, show, key, ts_key_len(key), head, s)
#define ts_out_comm(t, show, key, head, comm) \
	ts_out_comm_k(t, show, key, ts_key_len(key), head, comm)
#define ts_out_bool(t, key, v)	ts_out_bool_k(t, key, ts_key_len(key), v)
#define ts_out_addr(t, key, family, addr) \
	ts_out_addr_k(t, key, ts_key_len(key), family, addr)
#define ts_out_raw(t, key, json)	ts_out_raw_k(t, key, ts_key_len(key), json)
#define ts_out_obj_begin(t, key)	ts_out_obj_begin_k(t, key, ts_key_len(key))
void ts_out_obj_end(struct ts_out *t);

/* A JSON line written whole (ts_json_fn): a literal, then each value */
#define TS_JSON_LIT(p, lit)	(memcpy((p), (lit), sizeof(lit) - 1), \
				 (p) + sizeof(lit) - 1)
char *ts_json_num(char *p, bool known, uint64_t v);
char *ts_json_str(char *p, char *end, const char *s);
char *ts_json_name(char *p, const char *s);
char *ts_json_addr(char *p, int family, const uint8_t *addr);
char *ts_json_end(char *p, char *end);

void ts_format_addr(int family, const uint8_t *addr, uint16_t port,
		    char *buf, size_t len);
void ts_format_comm(const char *comm, char *buf, size_t len);
void ts_format_ms(bool known, uint64_t ns, char *buf, size_t len);
void ts_format_age(uint64_t ns, char *buf, size_t len);
void ts_json_string(FILE *f, const char *s);
void ts_clock_init(void);
void ts_format_walltime(uint64_t mono_ns, char *buf, size_t len);

/* records.c: the fields of events and connections, text and JSON alike */
struct ts_conn_row {
	struct ts_nl_conn c;
	bool has_queues;		/* found by sock_diag */
	uint32_t rqueue, wqueue;
};

struct ts_out *ts_events_open(FILE *f, const struct ts_opts *o, bool stream);
struct ts_out *ts_conns_open(FILE *f, const struct ts_opts *o);
/* life: a closed connection from its last event (ts_event_is_last()) */
struct ts_out *ts_life_open(FILE *f, const struct ts_opts *o, bool stream);
struct ts_out *ts_listeners_open(FILE *f, const struct ts_opts *o);
bool ts_event_is_last(const struct ts_nl_event *ev);
void ts_print_event(FILE *f, const struct ts_opts *o,
		    const struct ts_nl_event *ev);
void ts_print_conn(FILE *f, const struct ts_opts *o,
		   const struct ts_nl_conn *c);
const char *ts_owner_comm(const struct ts_nl_owner *o);

/* diag.c: Recv-Q and Send-Q of the reader's namespace's TCP sockets */
struct ts_diag;
struct ts_diag *ts_diag_load(void);
bool ts_diag_find(const struct ts_diag *d, uint64_t cookie, uint32_t *rq,
		  uint32_t *wq);
void ts_diag_free(struct ts_diag *d);

/* errors.c: failures told as users need them: one line, an exit status */
void ts_nl_fail(const struct ts_nl *nl, const char *what, int err,
		const struct ts_opts *o) __attribute__((noreturn));
void ts_usage_error(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
void ts_flush(FILE *f);
extern volatile int ts_stop;

/* subscribe to what the filter asks for: the own namespace's group or all */
int ts_subscribe(struct ts_nl *nl, const struct ts_filter *f);

/* the subcommands */
int cmd_events(struct ts_nl *nl, const struct ts_opts *o);
int cmd_watch(struct ts_nl *nl, const struct ts_opts *o);

/* map.c: the mapped ring, /proc/tcpstates_map */
#define TS_MAP_BATCH	256U
struct ts_map {
	int fd;				/* -1: not open */
	const unsigned char *base;
	struct tcpstates_map_info info;
	/* the copying thread's, under @lock once it runs */
	unsigned long long next;	/* the next event wanted from the ring */
	unsigned long long lost;	/* overwritten before read */
	unsigned long long lost_told;	/* ... when the printer last looked */
	unsigned long long torn;	/* copies made again */
	struct tcpstates_map_rec *q;	/* copied, not handed out yet */
	size_t qhead, qlen, qcap;
	bool running, stop;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* the queue has news */
	/* the printer's: taken from the queue, not handed out yet */
	struct ts_nl_event batch[TS_MAP_BATCH];
	unsigned int bi, bn;
};

/* 0, or a negative errno (-EPERM: not allowed; -ENOENT: no such file) */
int ts_map_open(struct ts_map *m);
/* Start copying, from event @from on (or later: the first written for us) */
int ts_map_start(struct ts_map *m, unsigned long long from);
void ts_map_close(struct ts_map *m);
/*
 * The next event, the printer's until the next call; NULL when none is
 * there yet (m->lost_told: the events lost so far). A thread copies the
 * ring ahead into a queue.
 */
struct ts_nl_event *ts_map_next(struct ts_map *m);
/* Events lost so far, those not handed out yet included */
unsigned long long ts_map_lost(struct ts_map *m);
/* Wait up to @timeout_ms for news: > 0 news, 0 none, or a negative errno */
int ts_map_wait(struct ts_map *m, int timeout_ms);
int cmd_conns(struct ts_nl *nl, const struct ts_opts *o);
int cmd_stats(struct ts_nl *nl, const struct ts_opts *o);
int cmd_show(struct ts_nl *nl, const struct ts_opts *o);
int cmd_summary(struct ts_nl *nl, const struct ts_opts *o);
int cmd_life(struct ts_nl *nl, const struct ts_opts *o);
int cmd_listeners(struct ts_nl *nl, const struct ts_opts *o);

/* stats.c: every counter of @st, known ones by name */
void ts_print_stats(FILE *f, const struct ts_opts *o, uint32_t version,
		    const struct ts_nl_stats *st);

/* show.c: the ladder of one connection from its events, oldest first */
void ts_print_ladder(FILE *f, const struct ts_nl_event *evs, int n,
		     const struct ts_nl_conn *conn);

/* summary.c: the aggregation, apart from netlink (for the unit tests) */
struct ts_summary;
struct ts_summary *ts_summary_new(const struct ts_opts *o);
void ts_summary_event(struct ts_summary *s, const struct ts_nl_event *ev);
void ts_summary_conn(struct ts_summary *s, const struct ts_nl_conn *c);
void ts_summary_print(struct ts_summary *s, FILE *f);
int ts_summary_holders(const struct ts_summary *s);
void ts_summary_free(struct ts_summary *s);

#endif
