/* SPDX-License-Identifier: GPL-2.0 */
/* tcpstates CLI: events as read from /proc/tcpstates, and filters on them. */
#ifndef TCPSTATES_EVENT_H
#define TCPSTATES_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>

#define TS_STATE_LEN	16
#define TS_ADDR_LEN	INET6_ADDRSTRLEN
#define TS_MAX_PORTS	32

struct ts_event {
	unsigned long long seq;
	unsigned long long ts_ns;
	unsigned long long cookie;
	unsigned int netns;
	unsigned int snd;
	unsigned int rcv;
	char prev_ms[24];		/* "-" when unknown */
	char cause[16];			/* "-" unless a close */
	char tgid[12], pid[12], uid[12];	/* "-" when unknown */
	char comm[72];			/* as escaped by the module */
	int family;			/* AF_INET or AF_INET6 */
	char oldstate[TS_STATE_LEN];
	char newstate[TS_STATE_LEN];
	char laddr[TS_ADDR_LEN];	/* without brackets */
	char raddr[TS_ADDR_LEN];
	unsigned int lport;
	unsigned int rport;
};

struct ts_filter {
	int family;			/* 0: any */
	unsigned short lports[TS_MAX_PORTS];
	int nlports;
	unsigned short rports[TS_MAX_PORTS];
	int nrports;
	unsigned int states;		/* bit per ts_state_index(); 0: any */
};

int ts_parse_endpoint(const char *s, char *addr, size_t len, unsigned int *port,
		      int *family);
int ts_parse_event(const char *line, struct ts_event *ev);
int ts_state_index(const char *name);
const char *ts_state_name(int index);
int ts_parse_ports(const char *s, unsigned short *ports, int *n);
int ts_parse_states(const char *s, unsigned int *mask);
bool ts_filter_match(const struct ts_filter *f, const struct ts_event *ev);

#endif
