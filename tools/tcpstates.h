/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpstates CLI: what the subcommands share (options, filters, output).
 */
#ifndef TCPSTATES_CLI_H
#define TCPSTATES_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "nl.h"

#define TS_VERSION	"0.1"
#define TS_MAX_LIST	64

/* The filters every subcommand takes */
struct ts_filter {
	int family;				/* 0, AF_INET or AF_INET6 */
	uint16_t lports[TS_MAX_LIST];
	int nlports;
	uint16_t rports[TS_MAX_LIST];
	int nrports;
	uint32_t pids[TS_MAX_LIST];
	int npids;
	const char *comm;
	uint32_t states;			/* bit per TCP state; 0: any */
	bool have_addr;
	int addr_family;
	uint8_t addr[16];
	int addr_plen;
	bool all_netns;
	uint32_t netns;				/* 0: own */
};

struct ts_opts {
	struct ts_filter f;
	bool time;			/* -T */
	bool json;			/* -j */
	bool wide;			/* -w */
	bool since_set;
	unsigned long long since;	/* --since; --replay: 1 */
	unsigned long long count;	/* -n */
	double duration;		/* -d */
	bool ladder;
	unsigned long long rcvbuf;	/* --rcvbuf; 0: default */
	const char *sort;
	bool reverse;
	const char *cookie;		/* show COOKIE */
};

/* filter.c */
int ts_parse_ports(const char *s, uint16_t *ports, int *n);
int ts_parse_pids(const char *s, uint32_t *pids, int *n);
int ts_parse_states(const char *s, uint32_t *mask);
int ts_parse_prefix(const char *s, struct ts_filter *f);
int ts_parse_netns(const char *s, struct ts_filter *f);
int ts_state_index(const char *name);
void ts_kernel_filter(const struct ts_filter *f, bool events,
		      struct ts_nl_filter *k);
bool ts_match_event(const struct ts_filter *f, const struct ts_nl_event *ev);
bool ts_match_conn(const struct ts_filter *f, const struct ts_nl_conn *c);

/* output.c */
const char *ts_state_kname(unsigned int state);	/* ESTABLISHED */
const char *ts_state_sname(unsigned int state);	/* estab, as ss */
void ts_format_addr(int family, const uint8_t *addr, uint16_t port,
		    char *buf, size_t len);
void ts_format_comm(const char *comm, char *buf, size_t len);
void ts_format_ms(bool known, uint64_t ns, char *buf, size_t len);
void ts_format_age(uint64_t ns, char *buf, size_t len);
void ts_json_string(FILE *f, const char *s);
void ts_clock_init(void);
void ts_format_walltime(uint64_t mono_ns, char *buf, size_t len);
void ts_print_event_header(FILE *f, const struct ts_opts *o);
void ts_print_event(FILE *f, const struct ts_opts *o,
		    const struct ts_nl_event *ev);
void ts_print_conn_header(FILE *f, const struct ts_opts *o);
void ts_print_conn(FILE *f, const struct ts_opts *o,
		   const struct ts_nl_conn *c);

/* tcpstates.c: report a failed netlink call the way users need it; exits */
void ts_nl_fail(const struct ts_nl *nl, const char *what, int err,
		const struct ts_opts *o);
extern volatile int ts_stop;

/* the subcommands */
int cmd_events(struct ts_nl *nl, const struct ts_opts *o);
int cmd_watch(struct ts_nl *nl, const struct ts_opts *o);
int cmd_conns(struct ts_nl *nl, const struct ts_opts *o);
int cmd_stats(struct ts_nl *nl, const struct ts_opts *o);
int cmd_show(struct ts_nl *nl, const struct ts_opts *o);
int cmd_summary(struct ts_nl *nl, const struct ts_opts *o);

/* show.c: the ladder of one connection from its events, oldest first */
void ts_print_ladder(FILE *f, const struct ts_nl_event *evs, int n,
		     const struct ts_nl_conn *conn);

#endif
