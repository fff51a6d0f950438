/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpstates-exporter: what its files share. One scrape is a snapshot
 * (collect.c reads it from the module and /proc), rendered as the
 * Prometheus text format (metrics.c); exporter.c serves it over HTTP.
 */
#ifndef TCPSTATES_EXPORTER_H
#define TCPSTATES_EXPORTER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "names.h"
#include "nl.h"

#define TS_EXP_DEFAULT_PORT	18238
#define TS_EXP_MAX_PORTS	64	/* --port and --remote-port, each */
#define TS_EXP_MAX_TOP		100	/* --top */
#define TS_EXP_DEFAULT_TOP	5
#define TS_EXP_DEFAULT_TABLE_INTERVAL	15	/* seconds */

/* What the operator asked for (the command line) */
struct ts_exp_config {
	bool all_netns;			/* --netns all (default) or own */
	int nlport, nrport;
	uint16_t lport[TS_EXP_MAX_PORTS];	/* --port: local ports */
	uint16_t rport[TS_EXP_MAX_PORTS];	/* --remote-port */
	int top;			/* --top N holders per state; 0: none */
	int bucket_step;		/* --bucket-step: every Nth power of 2 */
	int timeout_ms;			/* --timeout: per netlink request */
	/* --table-interval: the table's dumps (--port, --top) at most this often */
	int table_interval_ms;
};

/* Why a scrape found no module to read (the "reason" label) */
enum ts_exp_error {
	TS_EXP_OK,
	TS_EXP_NOT_LOADED,		/* no tcpstates family */
	TS_EXP_PERMISSION,		/* EPERM: CAP_NET_ADMIN */
	TS_EXP_TIMEOUT,			/* the kernel did not answer in time */
	TS_EXP_UNSUPPORTED,		/* a module without GET_AGGR */
	TS_EXP_NETLINK,			/* any other error */
};

/* Connections in the table by family (0: IPv4, 1: IPv6) and state */
struct ts_exp_port {
	uint16_t port;
	uint64_t n[2][TS_NSTATES];
};

/* One process holding connections in a state */
struct ts_exp_holder {
	uint32_t tgid;
	char comm[17];
	uint64_t n;
};

/* The two states whose holders are ranked: CLOSE_WAIT, TIME_WAIT */
#define TS_EXP_HELD_STATES	2

struct ts_exp_snap {
	enum ts_exp_error error;
	char message[320];		/* the error, for people */
	bool all_netns;
	struct ts_nl_aggr aggr;
	struct ts_nl_stats stats;
	bool has_stats;
	int nlport, nrport;
	struct ts_exp_port lport[TS_EXP_MAX_PORTS];
	struct ts_exp_port rport[TS_EXP_MAX_PORTS];
	int ntop[TS_EXP_HELD_STATES];
	struct ts_exp_holder top[TS_EXP_HELD_STATES][TS_EXP_MAX_TOP];
	uint64_t top_conns;		/* table entries the ranking read */
	bool has_table;			/* the ports and holders below are read */
	double table_age;		/* seconds since the table was read */
	bool has_listen;		/* /proc/net/netstat */
	uint64_t listen_overflows, listen_drops;
	bool has_tw_max;		/* net.ipv4.tcp_max_tw_buckets */
	uint64_t tw_max;
	double seconds;			/* how long collecting took */
};

/* collect.c: one snapshot; keeps the netlink socket open between scrapes */
struct ts_exp_collector;
struct ts_exp_collector *ts_exp_collector_new(const struct ts_exp_config *cfg);
void ts_exp_collect(struct ts_exp_collector *c, struct ts_exp_snap *s);
void ts_exp_collector_free(struct ts_exp_collector *c);
/* parsing /proc/net/netstat's TcpExt lines (also for the unit tests) */
int ts_exp_parse_netstat(FILE *f, uint64_t *overflows, uint64_t *drops);
/* ranking holders: count one connection, then sort (unit tests too) */
struct ts_exp_rank;
struct ts_exp_rank *ts_exp_rank_new(void);
int ts_exp_rank_add(struct ts_exp_rank *r, uint32_t tgid, const char *comm);
int ts_exp_rank_top(struct ts_exp_rank *r, struct ts_exp_holder *out, int n);
void ts_exp_rank_free(struct ts_exp_rank *r);

/* metrics.c: the Prometheus text format of a snapshot */
void ts_exp_render(FILE *f, const struct ts_exp_config *cfg,
		   const struct ts_exp_snap *s);
/* the states counted in the state gauge, in node_exporter's order */
extern const unsigned int ts_exp_states[];
extern const int ts_exp_nstates;
const char *ts_exp_state_label(unsigned int state);

#endif
