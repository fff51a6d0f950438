// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: the filter expression, ss's grammar (ss(8), STATE-FILTER
 * and EXPRESSION), as far as it maps onto our records, and our own keys:
 *
 *   FILTER := { state STATE | exclude STATE } [ EXPR ]
 *   EXPR   := EXPR or EXPR | EXPR [and] EXPR | not EXPR | ( EXPR ) | PRED
 *             (or: | ||, and: & &&, not: !; not binds tightest, then and)
 *   PRED   := {src|dst} [=|!=] HOST       HOST: [inet:|inet6:]ADDR[/PLEN][:PORT]
 *           | {sport|dport} [OP] [:]PORT  OP: = == eq != ne neq < lt <= le leq
 *           | state STATE                     > gt >= ge geq
 *           | pid [OP] N | cookie [OP] N | netns_id [OP] N
 *           | comm [=|!=] GLOB | cause [=|!=] CAUSE | role [=|!=] ROLE
 *           | family [=|!=] inet|inet6
 *           | cgroup [=|!=] PATH|ID   the socket's cgroup (v2): a path under
 *                                     the cgroup2 mount, or its id (cgroup.c)
 *
 * Lists take commas (pid 1,2; cause timeout,refused; state a,b). ss's
 * dev, fwmark and autobound are refused: the module does not record them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpstates.h"

#define MAX_TOKENS	512

struct parser {
	char *tok[MAX_TOKENS];
	int n, pos;
	char *err;
	size_t errlen;
	bool failed;
};

static void fail(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
}

static const char *peek(const struct parser *p)
{
	return p->pos < p->n ? p->tok[p->pos] : NULL;
}

static const char *next(struct parser *p)
{
	return p->pos < p->n ? p->tok[p->pos++] : NULL;
}

static bool is(const struct parser *p, const char *a, const char *b,
	       const char *c)
{
	const char *t = peek(p);

	return t && ((a && !strcmp(t, a)) || (b && !strcmp(t, b)) ||
		     (c && !strcmp(t, c)));
}

static bool operator_char(char c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '=' ||
	       c == '&' || c == '|';
}

static int add(struct parser *p, const char *s, size_t len)
{
	if (p->n == MAX_TOKENS) {
		fail(p, "bad filter: too long");
		return -1;
	}
	p->tok[p->n] = strndup(s, len);
	if (!p->tok[p->n]) {
		perror("tcpstates");
		exit(1);
	}
	p->n++;
	return 0;
}

/* Words, parentheses and operators, as ss splits them */
static int lex(struct parser *p, char **argv, int argc)
{
	static const char *const ops[] = {
		"!=", "<=", ">=", "==", "&&", "||", "!", "<", ">", "=", "&",
		"|", "(", ")",
	};
	const char *s;
	size_t i, len;
	int a;

	for (a = 0; a < argc; a++) {
		for (s = argv[a]; *s;) {
			if (isspace((unsigned char)*s)) {
				s++;
				continue;
			}
			for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
				if (!strncmp(s, ops[i], strlen(ops[i])))
					break;
			if (i < sizeof(ops) / sizeof(ops[0])) {
				len = strlen(ops[i]);
			} else {
				for (len = 0; s[len] && !isspace((unsigned char)s[len]) &&
				     !operator_char(s[len]) &&
				     !(s[len] == '!' && s[len + 1] == '='); len++)
					;
			}
			if (add(p, s, len))
				return -1;
			s += len;
		}
	}
	return 0;
}

static struct ts_expr *parse_or(struct parser *p);

/* An operator, or "=" when none is given */
static enum ts_cmp parse_cmp(struct parser *p, bool ordered, const char *key)
{
	static const struct {
		const char *name;
		enum ts_cmp cmp;
	} ops[] = {
		{ "=", TS_EQ }, { "==", TS_EQ }, { "eq", TS_EQ },
		{ "!=", TS_NE }, { "ne", TS_NE }, { "neq", TS_NE },
		{ "<", TS_LT }, { "lt", TS_LT }, { "<=", TS_LE }, { "le", TS_LE },
		{ "leq", TS_LE }, { ">", TS_GT }, { "gt", TS_GT },
		{ ">=", TS_GE }, { "ge", TS_GE }, { "geq", TS_GE },
	};
	const char *t = peek(p);
	unsigned int i;

	for (i = 0; t && i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(t, ops[i].name))
			continue;
		if (!ordered && ops[i].cmp != TS_EQ && ops[i].cmp != TS_NE)
			fail(p, "bad filter: '%s' takes = or != only, not '%s'", key, t);
		next(p);
		return ops[i].cmp;
	}
	return TS_EQ;
}

/* The value after KEY [OP]; NULL (and an error) at the end or before ")" */
static const char *value(struct parser *p, const char *key, const char *want)
{
	const char *t = next(p);

	if (!t || !strcmp(t, ")") || !strcmp(t, "(")) {
		fail(p, "bad filter: '%s' wants %s", key, want);
		return NULL;
	}
	return t;
}

static struct ts_expr *negate(enum ts_cmp cmp, struct ts_expr *e)
{
	return cmp == TS_NE ? ts_not(e) : e;
}

/* A name list (states, causes, roles) into a mask */
static int names(const char *s, uint32_t *mask, int (*one)(const char *))
{
	char buf[256], *tok, *save = NULL;
	int v;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		v = one(tok);
		if (v < 0 || v >= 32)
			return -1;
		*mask |= 1U << v;
	}
	return *mask ? 0 : -1;
}

static struct ts_expr *number_pred(struct parser *p, enum ts_key key,
				   const char *name)
{
	enum ts_cmp cmp = parse_cmp(p, true, name);
	const char *t = value(p, name, "a number");
	struct ts_expr *e = NULL, *one;
	char buf[256], *tok, *save = NULL, *end;
	unsigned long long v;

	if (!t)
		return NULL;
	if (strlen(t) >= sizeof(buf)) {
		fail(p, "bad filter: '%s' wants a number, not '%s'", name, t);
		return NULL;
	}
	strcpy(buf, t);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		errno = 0;
		v = strtoull(tok, &end, 10);
		if (!isdigit((unsigned char)*tok) || *end || errno ||
		    (key == TS_K_PID && (!v || v > 0x7fffffff))) {
			fail(p, "bad filter: '%s' wants a number, not '%s'", name, t);
			ts_expr_free(e);
			return NULL;
		}
		one = ts_pred(key, cmp == TS_NE ? TS_EQ : cmp, v);
		e = ts_or(e, one);
	}
	if (!e) {
		fail(p, "bad filter: '%s' wants a number, not '%s'", name, t);
		return NULL;
	}
	if (e->op != TS_E_PRED && cmp != TS_EQ && cmp != TS_NE) {
		fail(p, "bad filter: '%s %s' takes one number", name, t);
		ts_expr_free(e);
		return NULL;
	}
	return negate(cmp, e);
}

static struct ts_expr *port_pred(struct parser *p, enum ts_key key,
				 const char *name)
{
	enum ts_cmp cmp = parse_cmp(p, true, name);
	const char *t = value(p, name, "a port (:443)");
	int port;

	if (!t)
		return NULL;
	if (!strncmp(t, "inet:", 5))
		t += 5;
	else if (!strncmp(t, "inet6:", 6))
		t += 6;
	if (ts_parse_port(t, &port) || port < 0) {
		fail(p, "bad filter: '%s' wants a port (:443 or a service), not '%s'",
		     name, t);
		return NULL;
	}
	return ts_pred(key, cmp, port);
}

static struct ts_expr *host_pred(struct parser *p, enum ts_key key,
				 const char *name)
{
	enum ts_cmp cmp = parse_cmp(p, false, name);
	const char *t = value(p, name, "an address (10.0.0.0/8, [::1]:443)");
	struct ts_expr *e;

	if (!t)
		return NULL;
	e = ts_pred(key, TS_EQ, 0);
	if (ts_parse_host(t, &e->host, false)) {
		fail(p, "bad filter: '%s' wants ADDRESS[/PLEN][:PORT] (10.0.0.0/8, [::1]:443, *:80; numeric), not '%s'",
		     name, t);
		ts_expr_free(e);
		return NULL;
	}
	return negate(cmp, e);
}

static struct ts_expr *mask_pred(struct parser *p, enum ts_key key,
				 const char *name, const char *want,
				 int (*one)(const char *))
{
	enum ts_cmp cmp = parse_cmp(p, false, name);
	const char *t = value(p, name, want);
	struct ts_expr *e;

	if (!t)
		return NULL;
	e = ts_pred(key, TS_EQ, 0);
	if ((key == TS_K_STATE ? ts_parse_states(t, &e->mask) :
	     names(t, &e->mask, one))) {
		fail(p, "bad filter: '%s' wants %s, not '%s'", name, want, t);
		ts_expr_free(e);
		return NULL;
	}
	return negate(cmp, e);
}

static int one_family(const char *s)
{
	if (!strcmp(s, "inet") || !strcmp(s, "4") || !strcmp(s, "ipv4"))
		return AF_INET;
	if (!strcmp(s, "inet6") || !strcmp(s, "6") || !strcmp(s, "ipv6"))
		return AF_INET6;
	return -1;
}

static struct ts_expr *parse_pred(struct parser *p)
{
	const char *k = next(p), *t;
	struct ts_expr *e;
	enum ts_cmp cmp;
	int fam;

	if (!k || !strcmp(k, ")")) {
		fail(p, "bad filter: an expression ends too early%s",
		     k ? " (before ')')" : "");
		return NULL;
	}
	if (!strcmp(k, "src") || !strcmp(k, "dst"))
		return host_pred(p, *k == 's' ? TS_K_SRC : TS_K_DST, k);
	if (!strcmp(k, "sport") || !strcmp(k, "dport"))
		return port_pred(p, *k == 's' ? TS_K_SPORT : TS_K_DPORT, k);
	if (!strcmp(k, "state"))
		return mask_pred(p, TS_K_STATE, k, "a TCP state (established, time-wait, CLOSE_WAIT, ...)",
				 NULL);
	if (!strcmp(k, "cause"))
		return mask_pred(p, TS_K_CAUSE, k, "a close cause (normal, reset_received, timeout, ...)",
				 ts_cause_parse);
	if (!strcmp(k, "role"))
		return mask_pred(p, TS_K_ROLE, k, "a role (active, passive, listener, unknown)",
				 ts_role_parse);
	if (!strcmp(k, "pid"))
		return number_pred(p, TS_K_PID, k);
	if (!strcmp(k, "cookie"))
		return number_pred(p, TS_K_COOKIE, k);
	if (!strcmp(k, "netns_id"))
		return number_pred(p, TS_K_NETNS_ID, k);
	if (!strcmp(k, "comm")) {
		cmp = parse_cmp(p, false, k);
		t = value(p, k, "a command name or glob (nginx, 'java*')");
		if (!t)
			return NULL;
		e = ts_pred(TS_K_COMM, TS_EQ, 0);
		e->glob = strdup(t);
		return negate(cmp, e);
	}
	if (!strcmp(k, "family")) {
		cmp = parse_cmp(p, false, k);
		t = value(p, k, "inet or inet6");
		if (!t)
			return NULL;
		fam = one_family(t);
		if (fam < 0) {
			fail(p, "bad filter: 'family' wants inet or inet6, not '%s'", t);
			return NULL;
		}
		return ts_pred(TS_K_FAMILY, cmp, fam);
	}
	if (!strcmp(k, "cgroup")) {
		char err[256];
		uint64_t id;

		cmp = parse_cmp(p, false, k);
		t = value(p, k, "a cgroup path (/system.slice/nginx.service) or id");
		if (!t)
			return NULL;
		if (ts_cgroup_resolve(t, &id, err, sizeof(err))) {
			fail(p, "bad filter: cgroup '%s': %s", t, err);
			return NULL;
		}
		return negate(cmp, ts_pred(TS_K_CGROUP, TS_EQ, id));
	}
	if (!strcmp(k, "dev") || !strcmp(k, "fwmark") || !strcmp(k, "autobound")) {
		fail(p, "bad filter: %s: not supported (the module does not record it)", k);
		return NULL;
	}
	if (!strcmp(k, "exclude") || !strcmp(k, "excl")) {
		fail(p, "bad filter: '%s' goes before the expression, as in ss", k);
		return NULL;
	}
	if (isdigit((unsigned char)*k)) {
		fail(p, "bad filter: '%s': a number needs a key (pid %s, sport = :%s; -p shows processes, as in ss)",
		     k, k, k);
		return NULL;
	}
	fail(p, "bad filter: unknown key '%s' (src, dst, sport, dport, state, pid, comm, cause, role, cookie, netns_id, family, cgroup)",
	     k);
	return NULL;
}

static struct ts_expr *parse_unary(struct parser *p)
{
	struct ts_expr *e;

	if (p->failed)
		return NULL;
	if (is(p, "not", "!", NULL)) {
		next(p);
		e = parse_unary(p);
		return e ? ts_not(e) : NULL;
	}
	if (is(p, "(", NULL, NULL)) {
		next(p);
		e = parse_or(p);
		if (!p->failed && !is(p, ")", NULL, NULL))
			fail(p, "bad filter: '(' without ')'");
		next(p);
		return e;
	}
	return parse_pred(p);
}

static bool ends_and(const struct parser *p)
{
	return !peek(p) || is(p, ")", "or", "|") || is(p, "||", NULL, NULL);
}

static struct ts_expr *parse_and(struct parser *p)
{
	struct ts_expr *l = parse_unary(p), *r;

	while (!p->failed && !ends_and(p)) {
		if (is(p, "and", "&", "&&"))
			next(p);
		r = parse_unary(p);
		if (!r)
			break;
		l = ts_and(l, r);
	}
	return l;
}

static struct ts_expr *parse_or(struct parser *p)
{
	struct ts_expr *l = parse_and(p), *r;

	while (!p->failed && is(p, "or", "|", "||")) {
		next(p);
		r = parse_and(p);
		if (!r)
			break;
		l = ts_or(l, r);
	}
	return l;
}

int ts_expr_parse(char **argv, int argc, struct ts_filter *f, char *err,
		  size_t errlen)
{
	struct parser p = { .err = err, .errlen = errlen };
	struct ts_expr *e = NULL;
	const char *t;
	uint32_t *mask;
	int i;

	if (lex(&p, argv, argc))
		goto out;
	/* ss's state filter first: state NAME, exclude NAME */
	while (is(&p, "state", "exclude", "excl")) {
		mask = !strcmp(next(&p), "state") ? &f->states : &f->exclude;
		t = next(&p);
		if (!t || ts_parse_states(t, mask)) {
			fail(&p, "bad filter: %s%s%s TCP state (established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, closed, close-wait, last-ack, listening, closing, new-syn-recv; all, connected, synchronized, bucket, big; or kernel names such as CLOSE_WAIT)",
			     t ? "'" : "'state' wants a", t ? t : "",
			     t ? "' is not a" : "");
			goto out;
		}
	}
	if (peek(&p)) {
		e = parse_or(&p);
		if (!p.failed && peek(&p))
			fail(&p, "bad filter: unexpected '%s'", peek(&p));
	}
	if (!p.failed)
		ts_filter_and(f, e);
	else
		ts_expr_free(e);
out:
	for (i = 0; i < p.n; i++)
		free(p.tok[i]);
	return p.failed ? -1 : 0;
}

void ts_expr_free(struct ts_expr *e)
{
	if (!e)
		return;
	ts_expr_free(e->l);
	ts_expr_free(e->r);
	free(e->glob);
	free(e);
}

bool ts_expr_has(const struct ts_expr *e, enum ts_key key)
{
	if (!e)
		return false;
	if (e->op == TS_E_PRED)
		return e->key == key;
	return ts_expr_has(e->l, key) || ts_expr_has(e->r, key);
}
