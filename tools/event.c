// SPDX-License-Identifier: GPL-2.0
/* tcpstates CLI: parsing /proc/tcpstates lines, and filters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "event.h"

/* Index order = the kernel's TCP_* values (net/tcp_states.h). */
static const char *const state_names[] = {
	"UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
	"FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK",
	"LISTEN", "CLOSING", "NEW_SYN_RECV",
};

#define NSTATES ((int)(sizeof(state_names) / sizeof(state_names[0])))

int ts_state_index(const char *name)
{
	int i;

	for (i = 1; i < NSTATES; i++)
		if (!strcasecmp(name, state_names[i]))
			return i;
	return -1;
}

const char *ts_state_name(int index)
{
	return index > 0 && index < NSTATES ? state_names[index] : "UNKNOWN";
}

/* "a.b.c.d:port" or "[v6]:port" -> address text, port, family. */
int ts_parse_endpoint(const char *s, char *addr, size_t len, unsigned int *port,
		      int *family)
{
	const char *colon, *start = s, *end;
	unsigned char buf[sizeof(struct in6_addr)];
	char tmp[TS_ADDR_LEN];
	char *p;
	unsigned long v;

	if (*s == '[') {
		start = s + 1;
		end = strchr(start, ']');
		if (!end || end[1] != ':')
			return -1;
		colon = end + 1;
		*family = AF_INET6;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		end = colon;
		*family = AF_INET;
	}
	if ((size_t)(end - start) >= sizeof(tmp) || (size_t)(end - start) >= len)
		return -1;
	memcpy(tmp, start, end - start);
	tmp[end - start] = '\0';
	if (inet_pton(*family, tmp, buf) != 1)
		return -1;
	errno = 0;
	v = strtoul(colon + 1, &p, 10);
	if (errno || p == colon + 1 || *p || v > 65535)
		return -1;
	strcpy(addr, tmp);
	*port = v;
	return 0;
}

/*
 * One event line:
 * SEQ TIME(s.ns) NETNS COOKIE OLDSTATE NEWSTATE PREV_MS CAUSE LOCAL REMOTE
 * SND RCV TGID PID UID COMM
 * Return: 0, or -1 for the header and anything malformed.
 */
int ts_parse_event(const char *line, struct ts_event *ev)
{
	char time[32], local[64], remote[64];
	unsigned long long sec, nsec;
	int lf, rf, n = 0;
	char *dot, *p;

	memset(ev, 0, sizeof(*ev));
	if (sscanf(line, "%llu %31s %u %llu %15s %15s %23s %15s %63s %63s %u %u %11s %11s %11s %71s %n",
		   &ev->seq, time, &ev->netns, &ev->cookie, ev->oldstate,
		   ev->newstate, ev->prev_ms, ev->cause, local, remote, &ev->snd,
		   &ev->rcv, ev->tgid, ev->pid, ev->uid, ev->comm, &n) != 16)
		return -1;
	if (line[n] != '\0')
		return -1;
	dot = strchr(time, '.');
	if (!dot || strlen(dot + 1) != 9)
		return -1;
	*dot = '\0';
	sec = strtoull(time, &p, 10);
	if (*p)
		return -1;
	nsec = strtoull(dot + 1, &p, 10);
	if (*p)
		return -1;
	ev->ts_ns = sec * 1000000000ULL + nsec;
	if (ts_state_index(ev->oldstate) < 0 || ts_state_index(ev->newstate) < 0)
		return -1;
	if (ts_parse_endpoint(local, ev->laddr, sizeof(ev->laddr), &ev->lport, &lf) ||
	    ts_parse_endpoint(remote, ev->raddr, sizeof(ev->raddr), &ev->rport, &rf) ||
	    lf != rf)
		return -1;
	ev->family = lf;
	return 0;
}

/* "80,443,8080" -> ports. Return: 0, or -1 naming nothing (caller reports). */
int ts_parse_ports(const char *s, unsigned short *ports, int *n)
{
	const char *p = s;
	unsigned long v;
	char *end;

	*n = 0;
	if (!*s)
		return -1;
	for (;;) {
		if (*p < '0' || *p > '9')
			return -1;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || v == 0 || v > 65535 || *n >= TS_MAX_PORTS)
			return -1;
		ports[(*n)++] = v;
		if (*end == '\0')
			return 0;
		if (*end != ',')
			return -1;
		p = end + 1;
	}
}

/* "ESTABLISHED,close_wait" -> bit mask of state indexes. */
int ts_parse_states(const char *s, unsigned int *mask)
{
	char buf[256], *tok, *save = NULL;
	int i;

	if (!*s || strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		i = ts_state_index(tok);
		if (i < 0)
			return -1;
		*mask |= 1U << i;
	}
	return *mask ? 0 : -1;
}

static bool port_in(const unsigned short *ports, int n, unsigned int port)
{
	int i;

	for (i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

bool ts_filter_match(const struct ts_filter *f, const struct ts_event *ev)
{
	if (f->family && f->family != ev->family)
		return false;
	if (f->nlports && !port_in(f->lports, f->nlports, ev->lport))
		return false;
	if (f->nrports && !port_in(f->rports, f->nrports, ev->rport))
		return false;
	if (f->states && !(f->states & (1U << ts_state_index(ev->newstate))))
		return false;
	return true;
}
