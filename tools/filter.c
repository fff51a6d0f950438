// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: filters. Parsed from the command line, sent to the kernel
 * where it can apply them (one port, one process, the family, states,
 * namespace), and applied here for the rest.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "tcpstates.h"

/* Kernel names first (index = TCP state), then the ss names */
static const char *const knames[] = {
	"", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
	"NEW_SYN_RECV",
};

static const char *const snames[] = {
	"", "estab", "syn-sent", "syn-recv", "fin-wait-1", "fin-wait-2",
	"time-wait", "close", "close-wait", "last-ack", "listen", "closing",
	"new-syn-recv",
};

#define NSTATES ((int)(sizeof(knames) / sizeof(knames[0])))

const char *ts_state_kname(unsigned int state)
{
	return state > 0 && state < NSTATES ? knames[state] : "UNKNOWN";
}

const char *ts_state_sname(unsigned int state)
{
	return state > 0 && state < NSTATES ? snames[state] : "unknown";
}

/* A state by either name, any case, '-' or '_'; -1 if none */
int ts_state_index(const char *name)
{
	char a[32], b[32];
	int i, j;

	for (i = 1; i < NSTATES; i++) {
		for (j = 0; j < 2; j++) {
			const char *s = j ? snames[i] : knames[i];
			size_t k, l = strlen(name);

			if (l >= sizeof(a) || strlen(s) != l)
				continue;
			for (k = 0; k <= l; k++) {
				a[k] = name[k] == '-' ? '_' : tolower((unsigned char)name[k]);
				b[k] = s[k] == '-' ? '_' : tolower((unsigned char)s[k]);
			}
			if (!strcmp(a, b))
				return i;
		}
	}
	if (!strcasecmp(name, "established"))
		return 1;
	return -1;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end || *v > max)
		return -1;
	return 0;
}

/*
 * A comma-separated list of numbers from @min to @max, appended to @out
 * (at most TS_MAX_LIST): 0, or -1 on a bad item or an empty list.
 */
static int parse_list(const char *s, unsigned long min, unsigned long max,
		      unsigned long *out, int *n)
{
	char buf[1024], *tok, *save = NULL;
	unsigned long v;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n >= TS_MAX_LIST || parse_uint(tok, max, &v) || v < min)
			return -1;
		out[(*n)++] = v;
	}
	return *n ? 0 : -1;
}

/* "80,443" */
int ts_parse_ports(const char *s, uint16_t *ports, int *n)
{
	unsigned long v[TS_MAX_LIST];
	int i, m = *n;

	if (parse_list(s, 0, 65535, v, &m))
		return -1;
	for (i = *n; i < m; i++)
		ports[i] = v[i];
	*n = m;
	return 0;
}

int ts_parse_pids(const char *s, uint32_t *pids, int *n)
{
	unsigned long v[TS_MAX_LIST];
	int i, m = *n;

	if (parse_list(s, 1, 0x7fffffffUL, v, &m))
		return -1;
	for (i = *n; i < m; i++)
		pids[i] = v[i];
	*n = m;
	return 0;
}

int ts_parse_states(const char *s, uint32_t *mask)
{
	char buf[1024], *tok, *save = NULL;
	int i;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		i = ts_state_index(tok);
		if (i < 0)
			return -1;
		*mask |= 1U << i;
	}
	return *mask ? 0 : -1;
}

/* "10.0.0.0/8", "::1", "192.168.1.5/32" */
int ts_parse_prefix(const char *s, struct ts_filter *f)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	unsigned long plen;
	int max;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	f->addr_family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(f->addr_family, buf, f->addr) != 1)
		return -1;
	max = f->addr_family == AF_INET ? 32 : 128;
	plen = max;
	if (slash && parse_uint(slash, max, &plen))
		return -1;
	f->addr_plen = plen;
	f->have_addr = true;
	return 0;
}

int ts_parse_netns(const char *s, struct ts_filter *f)
{
	unsigned long v;

	if (!strcmp(s, "all")) {
		f->all_netns = true;
		return 0;
	}
	if (parse_uint(s, 0xffffffffUL, &v) || !v)
		return -1;
	f->netns = v;
	return 0;
}

/* What the kernel can do for us: exactly one value per attribute. */
void ts_kernel_filter(const struct ts_filter *f, bool events,
		      struct ts_nl_filter *k)
{
	memset(k, 0, sizeof(*k));
	if (f->family) {
		k->family = f->family;
		k->have |= 1U << TCPSTATES_A_FILTER_FAMILY;
	}
	if (f->nlports == 1) {
		k->lport = f->lports[0];
		k->have |= 1U << TCPSTATES_A_FILTER_LOCAL_PORT;
	}
	if (f->nrports == 1) {
		k->rport = f->rports[0];
		k->have |= 1U << TCPSTATES_A_FILTER_REMOTE_PORT;
	}
	if (f->npids == 1) {
		k->tgid = f->pids[0];
		k->have |= 1U << TCPSTATES_A_FILTER_TGID;
	}
	/* for events the kernel matches old or new state: a superset */
	if (f->states) {
		k->states = f->states;
		k->have |= 1U << TCPSTATES_A_FILTER_STATES;
	}
	if (f->netns) {
		k->netns = f->netns;
		k->have |= 1U << TCPSTATES_A_FILTER_NETNS;
	}
	(void)events;
}

static bool port_in(uint16_t p, const uint16_t *ports, int n)
{
	int i;

	if (!n)
		return true;
	for (i = 0; i < n; i++)
		if (ports[i] == p)
			return true;
	return false;
}

static bool prefix_match(const uint8_t *a, const uint8_t *p, int plen)
{
	int bytes = plen / 8, bits = plen % 8;

	if (memcmp(a, p, bytes))
		return false;
	return !bits || !((a[bytes] ^ p[bytes]) & (0xff << (8 - bits)));
}

/* An address of a record of @family against the filter's prefix */
static bool addr_match(const struct ts_filter *f, int family, const uint8_t *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (f->addr_family == family)
		return prefix_match(a, f->addr, f->addr_plen);
	/* an IPv4 prefix matches IPv4-mapped IPv6 addresses too */
	if (f->addr_family == AF_INET && family == AF_INET6 &&
	    !memcmp(a, mapped, sizeof(mapped)))
		return prefix_match(a + 12, f->addr, f->addr_plen);
	return false;
}

static bool match_common(const struct ts_filter *f, int family,
			 const uint8_t *laddr, const uint8_t *raddr,
			 uint16_t lport, uint16_t rport, uint32_t netns,
			 const struct ts_nl_owner *o)
{
	int i;

	if (f->family && family != f->family)
		return false;
	if (!port_in(lport, f->lports, f->nlports) ||
	    !port_in(rport, f->rports, f->nrports))
		return false;
	if (f->have_addr && !addr_match(f, family, laddr) &&
	    !addr_match(f, family, raddr))
		return false;
	if (f->netns && netns != f->netns)
		return false;
	if (f->npids) {
		for (i = 0; i < f->npids; i++)
			if (o->known && o->tgid == f->pids[i])
				break;
		if (i == f->npids)
			return false;
	}
	if (f->comm && (!o->known || strcmp(o->comm, f->comm)))
		return false;
	return true;
}

/* Events: --state is about the new state */
bool ts_match_event(const struct ts_filter *f, const struct ts_nl_event *ev)
{
	if (f->states && !(f->states & (1U << ev->newstate)))
		return false;
	return match_common(f, ev->family, ev->laddr, ev->raddr, ev->lport,
			    ev->rport, ev->netns, &ev->owner);
}

bool ts_match_conn(const struct ts_filter *f, const struct ts_nl_conn *c)
{
	if (f->states && !(f->states & (1U << c->state)))
		return false;
	return match_common(f, c->family, c->laddr, c->raddr, c->lport,
			    c->rport, c->netns, &c->owner);
}
