// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: filters. Every filter, given as an option or as an ss
 * filter expression, is one predicate of one expression (expr.c parses
 * the expression); the states and the namespace are kept apart, for
 * their defaults. A record is shown when it matches all of it. What the
 * kernel can do is sent to it (ts_kernel_filter()): the predicates that
 * every match must pass, one value per attribute; the whole filter is
 * applied here again, so the kernel's part only has to be a superset.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpstates.h"

#define FILTER_BIT(x)	(1U << TCPSTATES_A_FILTER_##x)

void ts_filter_init(struct ts_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->netns_fd = -1;
	f->mask = TS_ALL_STATES;
}

static struct ts_expr *new_expr(int op)
{
	struct ts_expr *e = calloc(1, sizeof(*e));

	if (!e) {
		perror("tcpstates");
		exit(1);
	}
	e->op = op;
	e->host.port = -1;
	return e;
}

struct ts_expr *ts_pred(enum ts_key key, enum ts_cmp cmp, uint64_t num)
{
	struct ts_expr *e = new_expr(TS_E_PRED);

	e->key = key;
	e->cmp = cmp;
	e->num = num;
	return e;
}

static struct ts_expr *binary(int op, struct ts_expr *l, struct ts_expr *r)
{
	struct ts_expr *e;

	if (!l)
		return r;
	if (!r)
		return l;
	e = new_expr(op);
	e->l = l;
	e->r = r;
	return e;
}

struct ts_expr *ts_and(struct ts_expr *l, struct ts_expr *r)
{
	return binary(TS_E_AND, l, r);
}

struct ts_expr *ts_or(struct ts_expr *l, struct ts_expr *r)
{
	return binary(TS_E_OR, l, r);
}

struct ts_expr *ts_not(struct ts_expr *e)
{
	struct ts_expr *n = new_expr(TS_E_NOT);

	n->l = e;
	return n;
}

void ts_filter_and(struct ts_filter *f, struct ts_expr *e)
{
	f->expr = binary(TS_E_AND, f->expr, e);
}

static int parse_uint(const char *s, unsigned long long max,
		      unsigned long long *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || *end || *v > max)
		return -1;
	return 0;
}

/* "443", ":443", ":https"; "*" or ":*" is any (-1) */
int ts_parse_port(const char *s, int *port)
{
	unsigned long long v;
	struct servent *se;

	if (*s == ':')
		s++;
	if (!strcmp(s, "*")) {
		*port = -1;
		return 0;
	}
	if (!parse_uint(s, 65535, &v)) {
		*port = v;
		return 0;
	}
	if (!*s || isdigit((unsigned char)*s))
		return -1;
	se = getservbyname(s, "tcp");
	if (!se)
		return -1;
	*port = ntohs(se->s_port);
	return 0;
}

/* A comma-separated list of items, each or-ed as a predicate */
static int parse_list(const char *s, struct ts_expr **e,
		      struct ts_expr *(*item)(const char *))
{
	char buf[1024], *tok, *save = NULL;
	struct ts_expr *p, *all = NULL;
	int n = 0;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		p = item(tok);
		if (!p || ++n > TS_MAX_LIST) {
			ts_expr_free(p);
			ts_expr_free(all);
			return -1;
		}
		all = ts_or(all, p);
	}
	if (!all)
		return -1;
	*e = all;
	return 0;
}

static enum ts_key list_key;

static struct ts_expr *port_item(const char *s)
{
	int port;

	if (ts_parse_port(s, &port) || port < 0)
		return NULL;
	return ts_pred(list_key, TS_EQ, port);
}

/* -L 80,443: (sport = :80 or sport = :443) */
int ts_parse_ports(const char *s, struct ts_expr **e, enum ts_key key)
{
	list_key = key;
	return parse_list(s, e, port_item);
}

static struct ts_expr *pid_item(const char *s)
{
	unsigned long long v;

	if (parse_uint(s, 0x7fffffffULL, &v) || !v)
		return NULL;
	return ts_pred(TS_K_PID, TS_EQ, v);
}

int ts_parse_pids(const char *s, struct ts_expr **e)
{
	return parse_list(s, e, pid_item);
}

int ts_parse_states(const char *s, uint32_t *mask)
{
	char buf[1024], *tok, *save = NULL;
	uint32_t m = 0;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (ts_state_parse(tok, &m))
			return -1;
	if (!m)
		return -1;
	*mask |= m;
	return 0;
}

/* An IPv4 address, maybe cut short as ss takes it (10.1 is 10.1.0.0/16) */
static int parse_v4(const char *s, uint8_t *addr, int *octets)
{
	unsigned long long v;
	char buf[32], *tok, *save = NULL;
	int n = 0;

	if (strlen(s) >= sizeof(buf) || !*s || s[strlen(s) - 1] == '.')
		return -1;
	strcpy(buf, s);
	memset(addr, 0, 4);
	for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
		if (n == 4 || strlen(tok) > 3 || parse_uint(tok, 255, &v))
			return -1;
		addr[n++] = v;
	}
	*octets = n;
	return n ? 0 : -1;
}

/*
 * ss's HOST: [FAMILY:]ADDRESS[/PLEN][:PORT], with IPv6 in brackets when a
 * port follows ([::1]:443, [fe80::]/10); "*" for any address or port.
 * Numeric only: host and service names are not looked up, except services
 * from /etc/services.
 */
int ts_parse_host(const char *s, struct ts_host *h, bool need_addr)
{
	char buf[INET6_ADDRSTRLEN + 40], *a, *plen = NULL, *port = NULL, *c;
	unsigned long long v;
	int fam = 0, octets = 4, max;

	memset(h, 0, sizeof(*h));
	h->port = -1;
	if (!strncmp(s, "inet:", 5)) {
		fam = AF_INET;
		s += 5;
	} else if (!strncmp(s, "inet6:", 6)) {
		fam = AF_INET6;
		s += 6;
	}
	if (strlen(s) >= sizeof(buf) || !*s)
		return -1;
	strcpy(buf, s);
	a = buf;
	if (*a == '[') {		/* [ADDR[/PLEN]][/PLEN][:PORT] */
		c = strchr(a, ']');
		if (!c || fam == AF_INET)
			return -1;
		*c++ = '\0';
		a++;
		if (*c == '/') {
			plen = c + 1;
			c = strchr(plen, ':');
			if (c) {
				*c = '\0';
				port = c + 1;
			}
		} else if (*c == ':') {
			port = c + 1;
		} else if (*c) {
			return -1;
		}
		fam = AF_INET6;
	} else if (strchr(a, ':') && strchr(a, ':') != strrchr(a, ':')) {
		if (fam == AF_INET)	/* ::1, fe80::/10: no port */
			return -1;
		fam = AF_INET6;
	} else if ((c = strchr(a, ':'))) {	/* ADDR[/PLEN]:PORT */
		*c = '\0';
		port = c + 1;
	}
	if (!plen && (c = strchr(a, '/'))) {
		*c = '\0';
		plen = c + 1;
	}
	if (port && ts_parse_port(port, &h->port))
		return -1;
	if (!*a || !strcmp(a, "*")) {	/* any address: "*", "*:80", ":80" */
		if (plen || (!*a && !port) || (need_addr && h->port < 0))
			return -1;
		return 0;
	}
	if (fam == AF_INET6 || (!fam && strchr(a, ':'))) {
		if (inet_pton(AF_INET6, a, h->addr) != 1)
			return -1;
		h->family = AF_INET6;
		max = 128;
	} else {
		if (parse_v4(a, h->addr, &octets))
			return -1;
		h->family = AF_INET;
		max = 32;
	}
	h->plen = h->family == AF_INET ? octets * 8 : max;
	if (plen) {
		if (parse_uint(plen, max, &v))
			return -1;
		h->plen = v;
	}
	return 0;
}

/* The states wanted, once the command is known: ss's defaults */
void ts_filter_finish(struct ts_filter *f, bool conns, bool states)
{
	uint32_t m;

	if (!states) {			/* show: the whole connection */
		f->mask = TS_ALL_STATES;
		return;
	}
	if (f->states)
		m = f->states;
	else if (conns && !f->all)	/* ss: not the listeners */
		m = TS_ALL_STATES & ~(TS_STATE_BIT(TS_LISTEN) | TS_STATE_BIT(TS_CLOSE));
	else
		m = TS_ALL_STATES;
	f->mask = m & ~f->exclude;
}

/* What a record shows the filter */
struct rec {
	int family;
	const uint8_t *laddr, *raddr;
	uint16_t lport, rport;
	unsigned int state;		/* an event's new state */
	int cause;			/* -1: a connection */
	unsigned int role;
	const struct ts_nl_owner *o;
	uint64_t cookie, netns_id, cgroup_id;
	bool has_netns_id, has_cgroup;
	uint32_t netns;
};

static bool prefix_match(const uint8_t *a, const uint8_t *p, int plen)
{
	int bytes = plen / 8, bits = plen % 8;

	if (memcmp(a, p, bytes))
		return false;
	return !bits || !((a[bytes] ^ p[bytes]) & (0xff << (8 - bits)));
}

static bool addr_match(const struct ts_host *h, int family, const uint8_t *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!h->family)
		return true;
	if (h->family == family)
		return prefix_match(a, h->addr, h->plen);
	/* an IPv4 prefix matches IPv4-mapped IPv6 addresses too */
	if (h->family == AF_INET && family == AF_INET6 &&
	    !memcmp(a, mapped, sizeof(mapped)))
		return prefix_match(a + 12, h->addr, h->plen);
	return false;
}

static bool host_match(const struct ts_host *h, int family, const uint8_t *a,
		       uint16_t port)
{
	return (h->port < 0 || h->port == port) && addr_match(h, family, a);
}

static bool compare(enum ts_cmp cmp, uint64_t a, uint64_t b)
{
	switch (cmp) {
	case TS_EQ: return a == b;
	case TS_NE: return a != b;
	case TS_LT: return a < b;
	case TS_LE: return a <= b;
	case TS_GT: return a > b;
	case TS_GE: return a >= b;
	}
	return false;
}

static bool pred_match(const struct ts_expr *e, const struct rec *r)
{
	bool m;

	switch (e->key) {
	case TS_K_FAMILY:
		return compare(e->cmp, r->family, e->num);
	case TS_K_STATE:
		return e->mask & TS_STATE_BIT(r->state);
	case TS_K_SRC:
		return host_match(&e->host, r->family, r->laddr, r->lport);
	case TS_K_DST:
		return host_match(&e->host, r->family, r->raddr, r->rport);
	case TS_K_ADDR:
		return host_match(&e->host, r->family, r->laddr, r->lport) ||
		       host_match(&e->host, r->family, r->raddr, r->rport);
	case TS_K_SPORT:
		return compare(e->cmp, r->lport, e->num);
	case TS_K_DPORT:
		return compare(e->cmp, r->rport, e->num);
	case TS_K_PID:
		return (r->o->have & TS_NL_OWNER_TGID) &&
		       compare(e->cmp, r->o->tgid, e->num);
	case TS_K_COMM:
		if (!(r->o->have & TS_NL_OWNER_COMM))
			return false;
		m = !fnmatch(e->glob, r->o->comm, 0);
		return e->cmp == TS_NE ? !m : m;
	case TS_K_CAUSE:
		return r->cause >= 0 && r->cause < 32 &&
		       (e->mask & (1U << r->cause));
	case TS_K_ROLE:
		return r->role < 32 && (e->mask & (1U << r->role));
	case TS_K_COOKIE:
		return compare(e->cmp, r->cookie, e->num);
	case TS_K_NETNS_ID:
		return r->has_netns_id && compare(e->cmp, r->netns_id, e->num);
	case TS_K_CGROUP:
		return r->has_cgroup && compare(e->cmp, r->cgroup_id, e->num);
	}
	return false;
}

static bool expr_match(const struct ts_expr *e, const struct rec *r)
{
	switch (e->op) {
	case TS_E_AND: return expr_match(e->l, r) && expr_match(e->r, r);
	case TS_E_OR: return expr_match(e->l, r) || expr_match(e->r, r);
	case TS_E_NOT: return !expr_match(e->l, r);
	case TS_E_PRED: return pred_match(e, r);
	}
	return false;
}

static bool match(const struct ts_filter *f, const struct rec *r)
{
	if (f->mask != TS_ALL_STATES &&
	    (r->state >= TS_NSTATES || !(f->mask & TS_STATE_BIT(r->state))))
		return false;
	/* the file keeps the namespace, so nothing else has its inode */
	if (f->netns_fd >= 0 && r->netns != f->netns_ino)
		return false;
	return !f->expr || expr_match(f->expr, r);
}

/* Events: the state filters are about the new state */
bool ts_match_event(const struct ts_filter *f, const struct ts_nl_event *ev)
{
	struct rec r = {
		.family = ev->family, .laddr = ev->laddr, .raddr = ev->raddr,
		.lport = ev->lport, .rport = ev->rport, .state = ev->newstate,
		.cause = ev->cause, .role = ev->role, .o = &ev->owner,
		.cookie = ev->cookie, .netns_id = ev->netns_id,
		.has_netns_id = ev->known & TS_NL_EV_NETNS_ID,
		.netns = ev->netns, .cgroup_id = ev->cgroup_id,
		.has_cgroup = ev->known & TS_NL_EV_CGROUP,
	};

	return match(f, &r);
}

bool ts_match_conn(const struct ts_filter *f, const struct ts_nl_conn *c)
{
	struct rec r = {
		.family = c->family, .laddr = c->laddr, .raddr = c->raddr,
		.lport = c->lport, .rport = c->rport, .state = c->state,
		.cause = -1, .role = c->role, .o = &c->owner,
		.cookie = c->cookie, .netns_id = c->netns_id,
		.has_netns_id = c->known & TS_NL_KNOW_NETNS_ID,
		.netns = c->netns, .cgroup_id = c->cgroup_id,
		.has_cgroup = c->known & TS_NL_KNOW_CGROUP,
	};

	return match(f, &r);
}

/* What every match must pass: the predicates and-ed at the top */
struct push {
	struct ts_nl_filter *k;
	uint32_t supported;
	const struct ts_host *src, *dst;	/* the first address of each end */
};

static void set(struct push *p, uint32_t bit)
{
	p->k->have |= bit;
}

static bool room(const struct push *p, uint32_t bit)
{
	return (p->supported & bit) && !(p->k->have & bit);
}

static void push_pred(struct push *p, const struct ts_expr *e)
{
	struct ts_nl_filter *k = p->k;
	const struct ts_host *h = &e->host;

	if (e->key == TS_K_STATE) {
		/* the kernel matches an event by its old or new state: a superset */
		if (!(p->supported & FILTER_BIT(STATES)))
			return;
		k->states = (k->have & FILTER_BIT(STATES)) ? k->states & e->mask :
			    e->mask;
		set(p, FILTER_BIT(STATES));
		return;
	}
	if ((e->key == TS_K_SRC || e->key == TS_K_DST) && h->port >= 0) {
		if (e->key == TS_K_SRC && room(p, FILTER_BIT(LOCAL_PORT))) {
			k->lport = h->port;
			set(p, FILTER_BIT(LOCAL_PORT));
		} else if (e->key == TS_K_DST && room(p, FILTER_BIT(REMOTE_PORT))) {
			k->rport = h->port;
			set(p, FILTER_BIT(REMOTE_PORT));
		}
	}
	if (e->key == TS_K_SRC && h->family && !p->src)
		p->src = h;
	if (e->key == TS_K_DST && h->family && !p->dst)
		p->dst = h;
	if (e->cmp != TS_EQ)
		return;
	switch (e->key) {
	case TS_K_FAMILY:
		if (room(p, FILTER_BIT(FAMILY))) {
			k->family = e->num;
			set(p, FILTER_BIT(FAMILY));
		}
		break;
	case TS_K_SPORT:
		if (room(p, FILTER_BIT(LOCAL_PORT))) {
			k->lport = e->num;
			set(p, FILTER_BIT(LOCAL_PORT));
		}
		break;
	case TS_K_DPORT:
		if (room(p, FILTER_BIT(REMOTE_PORT))) {
			k->rport = e->num;
			set(p, FILTER_BIT(REMOTE_PORT));
		}
		break;
	case TS_K_PID:
		if (room(p, FILTER_BIT(TGID)) && e->num <= UINT32_MAX) {
			k->tgid = e->num;
			set(p, FILTER_BIT(TGID));
		}
		break;
	case TS_K_COOKIE:
		if (room(p, FILTER_BIT(COOKIE))) {
			k->cookie = e->num;
			set(p, FILTER_BIT(COOKIE));
		}
		break;
	case TS_K_NETNS_ID:
		if (room(p, FILTER_BIT(NETNS_ID))) {
			k->netns_id = e->num;
			set(p, FILTER_BIT(NETNS_ID));
		}
		break;
	case TS_K_CGROUP:
		if (room(p, FILTER_BIT(CGROUP_ID))) {
			k->cgroup_id = e->num;
			set(p, FILTER_BIT(CGROUP_ID));
		}
		break;
	default:
		break;
	}
}

static void push_and(struct push *p, const struct ts_expr *e)
{
	if (!e)
		return;
	if (e->op == TS_E_AND) {
		push_and(p, e->l);
		push_and(p, e->r);
	} else if (e->op == TS_E_PRED) {
		push_pred(p, e);
	}
}

/*
 * An address goes to the kernel with its family, which the kernel then
 * matches exactly: an IPv4 prefix only under -4 (here it also matches
 * IPv4-mapped IPv6 addresses); an IPv6 one matches only IPv6 records here
 * too, so it brings its family along.
 */
static void push_addr(struct push *p, const struct ts_host *h, bool local)
{
	struct ts_nl_filter *k = p->k;
	uint32_t abit = local ? FILTER_BIT(LOCAL_ADDR) : FILTER_BIT(REMOTE_ADDR);
	uint32_t pbit = local ? FILTER_BIT(LOCAL_PREFIX) : FILTER_BIT(REMOTE_PREFIX);

	if (!h || !(p->supported & abit) || !(p->supported & pbit))
		return;
	if (!(k->have & FILTER_BIT(FAMILY))) {
		if (h->family != AF_INET6 || !(p->supported & FILTER_BIT(FAMILY)))
			return;
		k->family = AF_INET6;
		set(p, FILTER_BIT(FAMILY));
	}
	if (k->family != h->family)
		return;
	memcpy(local ? k->laddr : k->raddr, h->addr, 16);
	if (local)
		k->lplen = h->plen;
	else
		k->rplen = h->plen;
	set(p, abit | pbit);
}

/*
 * The filter attributes to count on: the module is asked (a policy dump)
 * only when the filter needs one of version 2's; the others every version
 * takes (but NETNS, which is only sent when the module has no NETNS_FD).
 */
uint32_t ts_filter_attrs(struct ts_nl *nl, const struct ts_filter *f)
{
	if (f->netns_fd >= 0 || ts_expr_has(f->expr, TS_K_COOKIE) ||
	    ts_expr_has(f->expr, TS_K_NETNS_ID) ||
	    ts_expr_has(f->expr, TS_K_CGROUP))
		return ts_nl_filter_attrs(nl);
	return TS_NL_FILTER_V1 & ~FILTER_BIT(NETNS);
}

void ts_kernel_filter(const struct ts_filter *f, uint32_t supported,
		      struct ts_nl_filter *k)
{
	struct push p = { .k = k, .supported = supported };

	memset(k, 0, sizeof(*k));
	k->netns_fd = -1;
	if (f->mask != TS_ALL_STATES && f->mask &&
	    (supported & FILTER_BIT(STATES))) {
		k->states = f->mask;
		set(&p, FILTER_BIT(STATES));
	}
	if (f->netns_fd >= 0) {
		if (supported & FILTER_BIT(NETNS_FD)) {
			k->netns_fd = f->netns_fd;
			set(&p, FILTER_BIT(NETNS_FD));
		} else if (supported & FILTER_BIT(NETNS)) {	/* version 1 */
			k->netns = f->netns_ino;
			set(&p, FILTER_BIT(NETNS));
		}
	}
	push_and(&p, f->expr);
	if (k->have & FILTER_BIT(STATES) && !k->states)
		k->have &= ~FILTER_BIT(STATES);	/* nothing: left to us */
	push_addr(&p, p.src, true);
	push_addr(&p, p.dst, false);
}
