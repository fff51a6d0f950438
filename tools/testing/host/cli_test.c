// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the CLI's parsing, filters (ss's grammar and what goes to
 * the kernel), names, message parsing (family versions 1 and 2), text
 * columns, JSON and the summary (TAP). JSON output is also checked by a
 * real parser in cli.t.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "tcpstates.h"

static int tests, failed;

static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!cond)
		failed++;
	printf("%sok %d - ", cond ? "" : "not ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void is(const char *got, const char *want, const char *name)
{
	ok(!strcmp(got, want), "%s", name);
	if (strcmp(got, want))
		printf("#   got:  '%s'\n#   want: '%s'\n", got, want);
}

#define FB(x)	(1U << TCPSTATES_A_FILTER_##x)
#define ALL_ATTRS	0xffffffffU
#define V1_ATTRS	(((1U << (TCPSTATES_A_FILTER_TGID + 1)) - 1) & ~1U)

static struct ts_nl_event event(int family, const char *l, uint16_t lport,
				const char *r, uint16_t rport, int old, int new)
{
	struct ts_nl_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.family = family;
	inet_pton(family, l, ev.laddr);
	inet_pton(family, r, ev.raddr);
	ev.lport = lport;
	ev.rport = rport;
	ev.oldstate = old;
	ev.newstate = new;
	ev.netns = 4026531840U;
	ev.cookie = 77;
	ev.owner.known = true;
	ev.owner.have = TS_NL_OWNER_TGID | TS_NL_OWNER_PID | TS_NL_OWNER_UID |
			TS_NL_OWNER_COMM;
	ev.owner.tgid = 42;
	ev.owner.pid = 43;
	strcpy(ev.owner.comm, "nginx");
	ev.known = TS_NL_EV_SND_NXT | TS_NL_EV_RCV_NXT;
	return ev;
}

/* A filter from an ss expression, finished for events or conns */
static int expr(struct ts_filter *f, bool conns, const char *s)
{
	char buf[1024], err[256], *argv[64], *tok, *save = NULL;
	int argc = 0, ret;

	ts_filter_init(f);
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, "\t", &save); tok && argc < 64;
	     tok = strtok_r(NULL, "\t", &save))
		argv[argc++] = tok;
	ret = ts_expr_parse(argv, argc, f, err, sizeof(err));
	ts_filter_finish(f, conns, true);
	return ret;
}

static const char *expr_err(const char *s)
{
	static char err[256];
	char buf[256], *argv[1] = { buf };
	struct ts_filter f;

	ts_filter_init(&f);
	snprintf(buf, sizeof(buf), "%s", s);
	err[0] = '\0';
	if (!ts_expr_parse(argv, 1, &f, err, sizeof(err)))
		return "(accepted)";
	return err;
}

static void test_names(void)
{
	uint32_t m = 0;

	is(ts_state_name(TS_NEW_SYN_RECV), "NEW_SYN_RECV", "kernel state name");
	is(ts_state_name(99), "UNKNOWN", "unknown state");
	ok(!ts_state_parse("close-wait", &m) && m == TS_STATE_BIT(TS_CLOSE_WAIT),
	   "state: ss name");
	m = 0;
	ok(!ts_state_parse("FIN_WAIT1", &m) && !ts_state_parse("fin-wait-2", &m) &&
	   !ts_state_parse("listening", &m) && !ts_state_parse("closed", &m) &&
	   !ts_state_parse("estab", &m) &&
	   m == (TS_STATE_BIT(TS_FIN_WAIT1) | TS_STATE_BIT(TS_FIN_WAIT2) |
		 TS_STATE_BIT(TS_LISTEN) | TS_STATE_BIT(TS_CLOSE) |
		 TS_STATE_BIT(TS_ESTABLISHED)),
	   "state: kernel names, ss names, ss's ESTAB");
	m = 0;
	ok(!ts_state_parse("connected", &m) &&
	   m == (TS_ALL_STATES & ~(TS_STATE_BIT(TS_LISTEN) | TS_STATE_BIT(TS_CLOSE))),
	   "state group connected: all but listening and closed");
	m = 0;
	ok(!ts_state_parse("bucket", &m) &&
	   m == (TS_STATE_BIT(TS_SYN_RECV) | TS_STATE_BIT(TS_NEW_SYN_RECV) |
		 TS_STATE_BIT(TS_TIME_WAIT)), "state group bucket");
	ok(ts_state_parse("nope", &m) == -1, "state: unknown refused");
	is(ts_cause_name(TCPSTATES_CAUSE_TW_OVERFLOW), "tw_overflow", "cause tw_overflow");
	is(ts_cause_name(TCPSTATES_CAUSE_HOST_UNREACHABLE), "host_unreachable",
	   "cause host_unreachable");
	is(ts_cause_name(TCPSTATES_CAUSE_NET_UNREACHABLE), "net_unreachable",
	   "cause net_unreachable");
	is(ts_cause_name(TCPSTATES_CAUSE_ERROR), "error", "cause error");
	is(ts_cause_name(TCPSTATES_CAUSE_RESET_RECEIVED), "reset_received",
	   "cause reset_received unchanged");
	is(ts_cause_name(40), "cause_40", "a cause newer than the tool: by number");
	ok(ts_cause_parse("reset-received") == TCPSTATES_CAUSE_RESET_RECEIVED &&
	   ts_cause_parse("tw_netns") == TCPSTATES_CAUSE_TW_NETNS &&
	   ts_cause_parse("bogus") == -1, "cause names parse");
	ok(ts_role_parse("passive") == TCPSTATES_ROLE_PASSIVE &&
	   ts_role_parse("unknown") == TCPSTATES_ROLE_UNKNOWN, "role names parse");
}

static void test_options(void)
{
	struct ts_host h;
	struct ts_expr *e;
	uint32_t mask = 0;
	int port;

	ok(!ts_parse_ports("80,443,0,65535", &e, TS_K_SPORT) && e->op == TS_E_OR,
	   "ports: a list is an or");
	ts_expr_free(e);
	ok(ts_parse_ports("65536", &e, TS_K_SPORT) && ts_parse_ports("80,x", &e, TS_K_SPORT) &&
	   ts_parse_ports("-1", &e, TS_K_SPORT) && ts_parse_ports("", &e, TS_K_SPORT),
	   "ports: out of range, junk, negative, empty refused");
	ok(!ts_parse_port(":https", &port) && port == 443, "port by service name");
	ok(!ts_parse_pids("1,4194304", &e) && e->op == TS_E_OR, "pids: a list");
	ts_expr_free(e);
	ok(ts_parse_pids("0", &e), "pids: 0 refused");
	ok(!ts_parse_states("CLOSE_WAIT,time-wait,estab,Listen", &mask) &&
	   mask == (TS_STATE_BIT(8) | TS_STATE_BIT(6) | TS_STATE_BIT(1) | TS_STATE_BIT(10)),
	   "states: kernel and ss names, any case");
	ok(ts_parse_states("ESTABLISHED,NOPE", &mask), "states: unknown refused");
	ok(!ts_parse_host("10.1.0.0/16", &h, false) && h.family == AF_INET &&
	   h.plen == 16 && h.addr[1] == 1 && h.port == -1, "host: IPv4/16");
	ok(!ts_parse_host("193.233.7/24", &h, false) && h.plen == 24 && h.addr[2] == 7 &&
	   h.addr[3] == 0, "host: an IPv4 address cut short, as ss takes it");
	ok(!ts_parse_host("10.1", &h, false) && h.plen == 16, "host: 10.1 is 10.1.0.0/16");
	ok(!ts_parse_host("10.0.0.1:443", &h, false) && h.plen == 32 && h.port == 443,
	   "host: ADDR:PORT");
	ok(!ts_parse_host("[::1]:8080", &h, false) && h.family == AF_INET6 &&
	   h.addr[15] == 1 && h.port == 8080, "host: [IPv6]:PORT");
	ok(!ts_parse_host("[fe80::]/10", &h, false) && h.plen == 10 &&
	   !ts_parse_host("fe80::/10", &h, false) && h.plen == 10 && h.port == -1,
	   "host: IPv6 prefixes, bracketed or not");
	ok(!ts_parse_host("[fe80::]/10:80", &h, false) && h.plen == 10 && h.port == 80 &&
	   !ts_parse_host("[fe80::/10]:80", &h, false) && h.plen == 10 && h.port == 80,
	   "host: an IPv6 prefix with a port");
	ok(!ts_parse_host("*:22", &h, false) && !h.family && h.port == 22,
	   "host: *:PORT");
	ok(!ts_parse_host("inet6:[::1]:1", &h, false) && h.family == AF_INET6,
	   "host: FAMILY:ADDR");
	ok(ts_parse_host("10.0.0.0/33", &h, false) && ts_parse_host("fe80::/129", &h, false) &&
	   ts_parse_host("10.0.0.300", &h, false) && ts_parse_host("host.example", &h, false) &&
	   ts_parse_host("inet:[::1]", &h, false),
	   "host: bad prefixes, addresses, names refused");
}

static void test_netns(void)
{
	struct ts_filter f;
	char err[256], own[64];
	ssize_t n;

	ts_filter_init(&f);
	ok(!ts_netns_resolve("all", &f, err, sizeof(err)) && f.all_netns, "-N all");
	ts_filter_init(&f);
	ok(!ts_netns_resolve("/proc/self/ns/net", &f, err, sizeof(err)) &&
	   f.netns_fd < 0, "-N PATH of one's own namespace: no filter");
	n = readlink("/proc/self/ns/net", own, sizeof(own) - 1);
	own[n > 0 ? n : 0] = '\0';
	if (n > 6) {
		memmove(own, own + 5, strlen(own + 5) + 1);	/* net:[N] */
		own[strlen(own) - 1] = '\0';
	}
	ts_filter_init(&f);
	ok(!ts_netns_resolve(own, &f, err, sizeof(err)) && f.netns_fd < 0,
	   "-N INODE (%s) found among the processes: one's own", own);
	ok(ts_netns_resolve("4026531", &f, err, sizeof(err)) &&
	   strstr(err, "no process is in network namespace 4026531"),
	   "-N INODE of no namespace: %s", err);
	ok(ts_netns_resolve("no-such-ns", &f, err, sizeof(err)) &&
	   strstr(err, "no network namespace named 'no-such-ns'"),
	   "-N NAME not in /run/netns: %s", err);
	ok(ts_netns_resolve("/etc/hostname", &f, err, sizeof(err)) &&
	   strstr(err, "not a network namespace"), "-N PATH of another file: %s", err);
}

static void test_expr(void)
{
	struct ts_nl_event v4 = event(AF_INET, "10.1.2.3", 443, "192.168.0.9", 5555, 1, 8);
	struct ts_nl_event v6 = event(AF_INET6, "::1", 8080, "::1", 40000, 2, 1);
	struct ts_nl_event mapped = event(AF_INET6, "::ffff:10.1.2.3", 443,
					  "::ffff:10.9.9.9", 1, 1, 4);
	struct ts_nl_conn c;
	struct ts_filter f;

	ok(!expr(&f, false, "") && ts_match_event(&f, &v4) && ts_match_event(&f, &v6),
	   "no filter: all");
	ok(!expr(&f, false, "state\testablished\t( dport = :443 or sport = :443 )") &&
	   !ts_match_event(&f, &v4) && !expr(&f, false, "state\tclose-wait\t( dport = :443 or sport = :443 )") &&
	   ts_match_event(&f, &v4) && !ts_match_event(&f, &v6),
	   "ss: state close-wait '( dport = :443 or sport = :443 )'");
	ok(!expr(&f, false, "dst 192.168.0.0/16") && ts_match_event(&f, &v4) &&
	   !ts_match_event(&f, &v6), "ss: dst PREFIX");
	ok(!expr(&f, false, "src 10.1.0.0/16") && ts_match_event(&f, &v4) &&
	   ts_match_event(&f, &mapped) && !ts_match_event(&f, &v6),
	   "src with an IPv4 prefix matches IPv4-mapped IPv6 too");
	ok(!expr(&f, false, "sport > :1024") && !ts_match_event(&f, &v4) &&
	   ts_match_event(&f, &v6), "ss: sport > :1024");
	ok(!expr(&f, false, "sport ge :443 and sport leq :443") && ts_match_event(&f, &v4),
	   "ss: ge, leq, and");
	ok(!expr(&f, false, "not dport = :5555") && !ts_match_event(&f, &v4) &&
	   ts_match_event(&f, &v6), "ss: not");
	ok(!expr(&f, false, "! ( sport = :443 || sport = :8080 )") &&
	   !ts_match_event(&f, &v4) && !ts_match_event(&f, &v6), "ss: ! ( || )");
	ok(!expr(&f, false, "sport = :8080 dport = :40000") && ts_match_event(&f, &v6) &&
	   !expr(&f, false, "sport = :8080 dport = :1") && !ts_match_event(&f, &v6),
	   "an implicit and between predicates");
	ok(!expr(&f, false, "dport = :1 or sport = :8080 and dport = :40000") &&
	   ts_match_event(&f, &v6) && ts_match_event(&f, &mapped),
	   "and binds tighter than or");
	ok(!expr(&f, false, "(sport = :443)") && ts_match_event(&f, &v4),
	   "parentheses without blanks");
	ok(!expr(&f, false, "dst [::1]:40000") && ts_match_event(&f, &v6) &&
	   !expr(&f, false, "dst *:40001") && !ts_match_event(&f, &v6),
	   "dst with a port, IPv6 in brackets, * for any address");
	ok(!expr(&f, false, "pid 7,42") && ts_match_event(&f, &v4), "pid a list");
	v6.owner.have = TS_NL_OWNER_UID;	/* what a reader without privilege gets */
	ok(!ts_match_event(&f, &v6), "pid: an owner not sent does not match");
	ok(!expr(&f, false, "comm ngi*") && ts_match_event(&f, &v4) &&
	   !ts_match_event(&f, &v6), "comm: a glob");
	ok(!expr(&f, false, "comm nginx") && ts_match_event(&f, &v4) &&
	   !expr(&f, false, "comm nginx2") && !ts_match_event(&f, &v4),
	   "comm: an exact name still matches exactly");
	ok(!expr(&f, false, "comm != ngi*") && !ts_match_event(&f, &v4), "comm !=");
	v4.cause = TCPSTATES_CAUSE_TIMEOUT;
	ok(!expr(&f, false, "cause timeout,refused") && ts_match_event(&f, &v4) &&
	   !ts_match_event(&f, &v6), "cause: a list");
	v4.role = TCPSTATES_ROLE_PASSIVE;
	ok(!expr(&f, false, "role passive") && ts_match_event(&f, &v4) &&
	   !ts_match_event(&f, &v6), "role");
	ok(!expr(&f, false, "cookie = 77") && ts_match_event(&f, &v4) &&
	   !expr(&f, false, "cookie != 77") && !ts_match_event(&f, &v4), "cookie");
	v4.netns_id = 5;
	v4.known |= TS_NL_EV_NETNS_ID;
	ok(!expr(&f, false, "netns_id 5") && ts_match_event(&f, &v4) &&
	   !ts_match_event(&f, &v6), "netns_id: only records that carry it");
	ok(!expr(&f, false, "family inet6") && !ts_match_event(&f, &v4) &&
	   ts_match_event(&f, &v6), "family");
	ok(!expr(&f, false, "state time-wait") && !ts_match_event(&f, &v4),
	   "events: state is the new state");
	ok(!expr(&f, false, "exclude close-wait") && !ts_match_event(&f, &v4) &&
	   ts_match_event(&f, &v6), "exclude STATE");

	memset(&c, 0, sizeof(c));
	c.family = AF_INET;
	c.state = TS_LISTEN;
	ok(!expr(&f, true, "") && !ts_match_conn(&f, &c),
	   "conns: listeners left out by default, as ss");
	ts_filter_init(&f);
	f.all = true;
	ts_filter_finish(&f, true, true);
	ok(ts_match_conn(&f, &c), "conns -a: listeners too");
	ok(!expr(&f, true, "state listening") && ts_match_conn(&f, &c),
	   "conns state listening");
	c.state = TS_TIME_WAIT;
	ok(!expr(&f, true, "") && ts_match_conn(&f, &c), "conns: TIME_WAIT by default");

	is(expr_err("cgroup relative/path"),
	   "bad filter: cgroup 'relative/path': want a path under the cgroup2 mount, from its top (/system.slice/nginx.service), or a cgroup id",
	   "cgroup: a relative path refused, saying what to type");
	is(expr_err("dport = :99999"),
	   "bad filter: 'dport' wants a port (:443 or a service), not ':99999'",
	   "a bad port");
	is(expr_err("sport"), "bad filter: 'sport' wants a port (:443)", "a key without value");
	is(expr_err("( sport = :1"), "bad filter: '(' without ')'", "unbalanced parenthesis");
	is(expr_err("sport = :1 )"), "bad filter: unexpected ')'", "a stray parenthesis");
	is(expr_err("frob 1"),
	   "bad filter: unknown key 'frob' (src, dst, sport, dport, state, pid, comm, cause, role, cookie, netns_id, family, cgroup)",
	   "an unknown key");
	is(expr_err("1234"),
	   "bad filter: '1234': a number needs a key (pid 1234, sport = :1234; -p shows processes, as in ss)",
	   "bcc's -p 1234 habit: a bare number says what to type");
	is(expr_err("state nope"),
	   "bad filter: 'nope' is not a TCP state (established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, closed, close-wait, last-ack, listening, closing, new-syn-recv; all, connected, synchronized, bucket, big; or kernel names such as CLOSE_WAIT)",
	   "an unknown state");
	is(expr_err("comm < x"), "bad filter: 'comm' takes = or != only, not '<'",
	   "an order on a name");
	is(expr_err("dev = eth0"),
	   "bad filter: dev: not supported (the module does not record it)",
	   "ss's dev: refused");
}

/* What goes to the kernel */
static void test_kernel_filter(void)
{
	struct ts_nl_filter k;
	struct ts_filter f;
	struct ts_expr *e;

	expr(&f, false, "state\testablished\tsport = :443 dport = :1 pid 42 cookie 9");
	ts_kernel_filter(&f, ALL_ATTRS, &k);
	ok(k.have == (FB(STATES) | FB(LOCAL_PORT) | FB(REMOTE_PORT) | FB(TGID) | FB(COOKIE)) &&
	   k.states == TS_STATE_BIT(TS_ESTABLISHED) && k.lport == 443 && k.rport == 1 &&
	   k.tgid == 42 && k.cookie == 9,
	   "kernel: states, one port each way, one pid, the cookie");
	ts_kernel_filter(&f, V1_ATTRS, &k);
	ok(!(k.have & FB(COOKIE)), "kernel: no cookie to a module without the filter");
	expr(&f, false, "sport = :443 or sport = :80");
	ts_kernel_filter(&f, ALL_ATTRS, &k);
	ok(!k.have, "kernel: an or stays here");
	expr(&f, false, "not sport = :443 sport > :10");
	ts_kernel_filter(&f, ALL_ATTRS, &k);
	ok(!k.have, "kernel: not and > stay here");
	expr(&f, false, "dst 10.0.0.0/8");
	ts_kernel_filter(&f, ALL_ATTRS, &k);
	ok(!k.have, "kernel: an IPv4 prefix alone stays here (it matches IPv4-mapped)");
	expr(&f, false, "dst 10.0.0.0/8");
	ts_filter_and(&f, ts_pred(TS_K_FAMILY, TS_EQ, AF_INET));
	ts_kernel_filter(&f, ALL_ATTRS, &k);
	ok(k.have == (FB(FAMILY) | FB(REMOTE_ADDR) | FB(REMOTE_PREFIX)) &&
	   k.family == AF_INET && k.raddr[0] == 10 && k.rplen == 8,
	   "kernel: with -4 it goes");
	expr(&f, false, "src fe80::/10");
	ts_kernel_filter(&f, ALL_ATTRS, &k);
	ok(k.have == (FB(FAMILY) | FB(LOCAL_ADDR) | FB(LOCAL_PREFIX)) &&
	   k.family == AF_INET6 && k.lplen == 10,
	   "kernel: an IPv6 prefix goes, with its family");
	ts_filter_init(&f);
	ts_parse_ports("1,2", &e, TS_K_SPORT);
	ts_filter_and(&f, e);
	ts_parse_ports("443", &e, TS_K_DPORT);
	ts_filter_and(&f, e);
	ts_filter_finish(&f, false, true);
	ts_kernel_filter(&f, ALL_ATTRS, &k);
	ok(k.have == FB(REMOTE_PORT) && k.rport == 443,
	   "kernel: -L 1,2 stays here, --rport 443 goes");
	expr(&f, true, "");
	ts_kernel_filter(&f, ALL_ATTRS, &k);
	ok(k.have == FB(STATES) && !(k.states & TS_STATE_BIT(TS_LISTEN)),
	   "kernel: conns without -a: every state but LISTEN");
	ts_filter_init(&f);
	f.netns_fd = 7;
	f.netns_ino = 4026532000ULL;
	ts_filter_finish(&f, false, true);
	ts_kernel_filter(&f, ALL_ATTRS & ~FB(NETNS), &k);
	ok(k.have == FB(NETNS_FD) && k.netns_fd == 7,
	   "kernel: -N as an open file of the namespace (version 2)");
	ts_kernel_filter(&f, V1_ATTRS, &k);
	ok(k.have == FB(NETNS) && k.netns == 4026532000U,
	   "kernel: -N by its inode to a module that has no NETNS_FD (version 1)");
	expr(&f, false, "netns_id 12");
	ts_kernel_filter(&f, ALL_ATTRS, &k);
	ok(k.have == FB(NETNS_ID) && k.netns_id == 12, "kernel: netns_id");
	expr(&f, false, "cgroup 4242");
	ts_kernel_filter(&f, ALL_ATTRS, &k);
	ok(k.have == FB(CGROUP_ID) && k.cgroup_id == 4242, "kernel: cgroup, by id");
	ts_kernel_filter(&f, ALL_ATTRS & ~FB(CGROUP_ID), &k);
	ok(!k.have, "kernel: no cgroup to a module without the filter");
	expr(&f, false, "cgroup != 4242");
	ts_kernel_filter(&f, ALL_ATTRS, &k);
	ok(!k.have, "kernel: cgroup != stays here");
}

static void json_of(const char *s, char *out, size_t len);
static char *capture(void (*print)(FILE *f, const void *arg), const void *arg);

/* print_long_cg: one event, as JSON or text (-e shows the cgroup) */
static struct ts_nl_event long_cg_ev;

static void print_long_cg(FILE *f, const void *arg)
{
	struct ts_out *t = ts_events_open(f, arg, true);

	ts_out_row(t, &long_cg_ev);
	ts_out_close(t);
}

/*
 * A cgroup path near PATH_MAX (cgroups nest without limit but for the
 * path): its JSON line is longer than 4 KiB, and still one whole line with
 * the whole path, plain or with a character that needs escaping.
 */
static void long_cgroup(const char *root)
{
	static char path[4096], want[4200], name[251];
	struct ts_opts o = { .json = true };
	size_t rootlen = strlen(root), len;
	const char *out;
	struct stat st;
	int level, pass;

	for (pass = 0; pass < 2; pass++) {
		memset(name, pass ? 'b' : 'a', 250);
		name[250] = '\0';
		if (pass)
			memcpy(name, "\xc3\xa9\"", 3);	/* UTF-8, and a quote */
		snprintf(path, sizeof(path), "%s", root);
		for (level = 0; strlen(path) + 252 < 3900; level++) {
			len = strlen(path);
			snprintf(path + len, sizeof(path) - len, "/%s", name);
			mkdir(path, 0755);
		}
		stat(path, &st);
		long_cg_ev = event(AF_INET, "10.0.0.1", 1, "10.0.0.2", 2,
				   TS_ESTABLISHED, TS_FIN_WAIT1);
		long_cg_ev.known |= TS_NL_EV_CGROUP;
		long_cg_ev.cgroup_id = st.st_ino;
		sleep(1);	/* made since the last walk: walked again */
		out = capture(print_long_cg, &o);
		json_of(path + rootlen, want, sizeof(want));
		len = strlen(out);
		ok(len > 4096 && strchr(out, '\n') == out + len - 1 && out[len - 2] == '}' &&
		   strstr(out, want) != NULL,
		   "JSON: a cgroup path of %zu bytes (%s): one line of %zu bytes, the whole path",
		   strlen(path) - rootlen, pass ? "escaped" : "plain", len);
		o.json = false;
		o.wide = true;
		out = capture(print_long_cg, &o);
		ok(strchr(out, '\n') && strstr(out, " FIN_WAIT1 "),
		   "text -e: the same event, its columns whole");
		o.json = true;
		o.wide = false;
	}
	/* both trees kept until now: no inode of the first one reused */
	for (pass = 0; pass < 2; pass++) {
		memset(name, pass ? 'b' : 'a', 250);
		name[250] = '\0';
		if (pass)
			memcpy(name, "\xc3\xa9\"", 3);
		snprintf(path, sizeof(path), "%s", root);
		while (strlen(path) + 252 < 3900) {
			len = strlen(path);
			snprintf(path + len, sizeof(path) - len, "/%s", name);
		}
		while (strlen(path) > rootlen) {
			rmdir(path);
			*strrchr(path, '/') = '\0';
		}
	}
}

/* Random numbers that the test repeats (xorshift64) */
static uint64_t rnd_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* A value with every number of digits about as likely: 0, 9, 10, the max */
static uint64_t rnd_value(void)
{
	static const uint64_t edge[] = { 0, 1, 9, 10, 99, 100, 4294967295ULL,
					 4294967296ULL, UINT64_MAX };

	if (rnd() % 4 == 0)
		return edge[rnd() % (sizeof(edge) / sizeof(edge[0]))];
	return rnd() >> (rnd() % 64);
}

/* An event with every field at random; cgroup ids among @ids */
static void rnd_event(struct ts_nl_event *ev, const uint64_t *ids, int nids)
{
	static const char bytes[] = "ab\"\\\x01\n\t\x7f\xc3\xa9\xff ";
	unsigned int i, n;

	memset(ev, 0, sizeof(*ev));
	ev->seq = rnd_value();
	ev->prev_seq = rnd_value();
	ev->time_ns = rnd_value();
	ev->prev_ns = rnd_value();
	ev->cookie = rnd_value();
	ev->netns_id = rnd_value();
	ev->has_prev_ns = rnd() & 1;
	ev->known = rnd();
	ev->netns = rnd_value();
	ev->snd_nxt = rnd_value();
	ev->rcv_nxt = rnd_value();
	ev->flags = rnd();
	ev->err = rnd_value();
	ev->family = rnd() & 1 ? AF_INET : AF_INET6;
	ev->oldstate = rnd() % 16;
	ev->newstate = rnd() % 16;
	ev->cause = rnd() % 32;
	ev->role = rnd() % 8;
	for (i = 0; i < 16; i++) {
		ev->laddr[i] = rnd() % 3 ? rnd() : 0;
		ev->raddr[i] = rnd() % 3 ? rnd() : 0;
	}
	ev->lport = rnd();
	ev->rport = rnd();
	ev->owner.known = rnd() & 1;
	ev->owner.have = rnd();
	ev->owner.tgid = rnd_value();
	ev->owner.pid = rnd_value();
	ev->owner.uid = rnd_value();
	n = rnd() % 17;
	for (i = 0; i < n; i++)
		ev->owner.comm[i] = rnd() % 2 ? (char)('a' + rnd() % 26) :
						bytes[rnd() % (sizeof(bytes) - 1)];
	ev->cgroup_id = ids[rnd() % nids];
	ev->life_ns = rnd_value();
	ev->hs_wait_ns = rnd_value();
	ev->hs_retrans = rnd_value();
	ev->seg_syn_seq = rnd_value();
	ev->seg_synack_seq = rnd_value();
	ev->seg_synack_ack = rnd_value();
	ev->seg_ack = rnd_value();
	ev->seg_fin_seq = rnd_value();
	ev->seg_fin_ack = rnd_value();
	ev->data.known = rnd() & 1;
	ev->data.bytes_acked = rnd_value();
	ev->data.bytes_received = rnd_value();
	ev->data.segs_out = rnd_value();
	ev->data.segs_in = rnd_value();
	ev->data.retrans = rnd_value();
	ev->data.rto = rnd_value();
	ev->data.tlp = rnd_value();
	ev->data.srtt_us = rnd() & 1 ? rnd_value() : 0;
	ev->data.min_rtt_us = rnd() & 1 ? rnd_value() : 0;
	ev->drops.syn_drops = rnd_value();
	ev->drops.ack_drops = rnd_value();
	ev->drops.suppressed = rnd_value();
	ev->drops.acceptq_len = rnd_value();
	ev->drops.acceptq_max = rnd_value();
}

/* @n events as JSON lines, whole (as watch -j) or a call per field */
static char *events_json(const struct ts_nl_event *evs, int n, bool whole,
			 bool time)
{
	struct ts_opts o = { .json = true, .time = time };
	struct ts_out *t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int i;

	if (!f)
		return NULL;
	t = ts_events_open(f, &o, true);
	if (!whole)
		ts_out_set_json(t, NULL);
	for (i = 0; i < n; i++)
		ts_out_row(t, &evs[i]);
	ts_out_close(t);
	fclose(f);
	return buf;
}

/*
 * The event line watch -j writes whole (event_json()) is the one the
 * fields make a call at a time (event_fields()), byte for byte, on
 * random events: every field known or not, edge values, odd comms and
 * cgroup paths, --time or not.
 */
static void json_whole_same(const uint64_t *ids, int nids)
{
	enum { N = 20000 };
	static struct ts_nl_event evs[N];
	char *a, *b, *x, *y;
	int i, pass, lines;

	/*
	 * The paths looked up once first: the trees of long_cgroup() are
	 * gone, and a lookup that walks the tree again (an unknown id, a
	 * second after the last walk) would change the path of an inode
	 * number reused since, between the two runs.
	 */
	for (i = 0; i < nids; i++)
		ts_cgroup_path(ids[i]);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < N; i++)
			rnd_event(&evs[i], ids, nids);
		a = events_json(evs, N, true, pass);
		b = events_json(evs, N, false, pass);
		ok(a && b && !strcmp(a, b),
		   "JSON written whole = a call per field, %d random events%s",
		   N, pass ? " with --time" : "");
		for (x = a, y = b, lines = 0; a && b && *x && *x == *y; x++, y++)
			lines += *x == '\n';
		if (a && b && (*x || *y)) {
			printf("#   line %d differs at: '%.60s'\n", lines + 1, x);
			printf("#   a call per field:  '%.60s'\n", y);
		}
		free(a);
		free(b);
	}
}

/* A tree that stands for the cgroup2 mount: ids are its inode numbers */
static void test_cgroup(void)
{
	char root[] = "/tmp/cli_test.cgroup.XXXXXX", path[256], err[256];
	struct ts_nl_event ev = event(AF_INET, "10.0.0.1", 1, "10.0.0.2", 2, 1, 4);
	uint64_t id = 0, id2 = 0, ids[5] = { 0, 0, 0, 1234567, 0 };
	struct ts_filter f;
	struct stat st;
	const char *p;

	if (!mkdtemp(root)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/system.slice", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/system.slice/nginx.service", root);
	mkdir(path, 0755);
	stat(path, &st);
	ts_cgroup_set_root(root);
	ok(!ts_cgroup_resolve("/system.slice/nginx.service", &id, err, sizeof(err)) &&
	   id == st.st_ino, "cgroup: a path from the top of the mount is its inode number");
	snprintf(path, sizeof(path), "%s/system.slice/nginx.service", root);
	ok(!ts_cgroup_resolve(path, &id2, err, sizeof(err)) && id2 == id,
	   "cgroup: the same with the mount's own path in front");
	ok(!ts_cgroup_resolve("77", &id2, err, sizeof(err)) && id2 == 77,
	   "cgroup: a number is an id");
	ok(ts_cgroup_resolve("/system.slice/none.service", &id2, err, sizeof(err)) &&
	   strstr(err, "no cgroup /system.slice/none.service under"),
	   "cgroup: no such cgroup: %s", err);
	ok(ts_cgroup_resolve("system.slice", &id2, err, sizeof(err)) &&
	   strstr(err, "want a path under the cgroup2 mount"), "cgroup: a relative path refused");
	p = ts_cgroup_path(id);
	is(p ? p : "(null)", "/system.slice/nginx.service", "cgroup: id -> path");
	stat(root, &st);
	p = ts_cgroup_path(st.st_ino);
	is(p ? p : "(null)", "/", "cgroup: the mount itself is /");
	ok(!ts_cgroup_path(1234567) && !ts_cgroup_path(0),
	   "cgroup: an id not under the mount, or 0, has no path");
	snprintf(path, sizeof(path), "%s/new.scope", root);
	mkdir(path, 0755);
	stat(path, &st);
	sleep(1);	/* a cgroup made since the walk: found by walking again */
	p = ts_cgroup_path(st.st_ino);
	is(p ? p : "(null)", "/new.scope", "cgroup: one made since the last walk");
	rmdir(path);

	long_cgroup(root);
	snprintf(path, sizeof(path), "%s/q\"\\\x01\xff\xc3\xa9.scope", root);
	mkdir(path, 0755);
	stat(path, &st);
	ids[0] = id;
	ids[1] = st.st_ino;
	stat(root, &st);
	ids[2] = st.st_ino;
	sleep(1);	/* made since the last walk */
	json_whole_same(ids, 5);
	snprintf(path, sizeof(path), "%s/q\"\\\x01\xff\xc3\xa9.scope", root);
	rmdir(path);

	ev.cgroup_id = id;
	ev.known |= TS_NL_EV_CGROUP;
	ok(!expr(&f, false, "cgroup /system.slice/nginx.service") && ts_match_event(&f, &ev) &&
	   !expr(&f, false, "cgroup != /system.slice/nginx.service") && !ts_match_event(&f, &ev) &&
	   !expr(&f, false, "cgroup /system.slice") && !ts_match_event(&f, &ev),
	   "cgroup PATH: that cgroup exactly (not its parent), != too");
	ev.known &= ~TS_NL_EV_CGROUP;
	ok(!expr(&f, false, "cgroup /system.slice/nginx.service") && !ts_match_event(&f, &ev),
	   "cgroup: a record without one does not match");
	snprintf(path, sizeof(path), "%s/system.slice/nginx.service", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/system.slice", root);
	rmdir(path);
	rmdir(root);
	ts_cgroup_set_root(NULL);
	ok(ts_cgroup_resolve("/x", &id2, err, sizeof(err)) &&
	   strstr(err, "no cgroup2 file system is mounted"), "cgroup: no mount: %s", err);
}

/* A netlink message as the module sends it */
struct msg {
	char buf[4096];
	struct nlmsghdr *nlh;
};

static void msg_start(struct msg *m, uint8_t cmd)
{
	struct genlmsghdr *g;

	memset(m->buf, 0, sizeof(m->buf));
	m->nlh = mnl_nlmsg_put_header(m->buf);
	m->nlh->nlmsg_type = 0x20;
	g = mnl_nlmsg_put_extra_header(m->nlh, sizeof(*g));
	g->cmd = cmd;
}

static void test_messages(void)
{
	struct nlattr *nest;
	struct ts_nl_event ev;
	struct ts_nl_conn c;
	struct msg m;
	uint32_t a4 = htonl(0x7f000001);

	/* version 1: u32 durations */
	msg_start(&m, TCPSTATES_CMD_GET_CONNS);
	mnl_attr_put_u64(m.nlh, TCPSTATES_A_CONN_COOKIE, 5);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_CONN_HANDSHAKE_US, 1500);
	nest = mnl_attr_nest_start(m.nlh, TCPSTATES_A_CONN_DURATION);
	mnl_attr_put_u8(m.nlh, TCPSTATES_A_DURATION_STATE, TS_ESTABLISHED);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_DURATION_US, 8474);
	mnl_attr_nest_end(m.nlh, nest);
	ts_nl_parse_conn(m.nlh, &c);
	ok(c.handshake_us == 1500 && (c.known & TS_NL_KNOW_HANDSHAKE) &&
	   c.duration_us[TS_ESTABLISHED] == 8474,
	   "version 1: 4-byte HANDSHAKE_US and DURATION_US");
	/* version 2: u64 */
	msg_start(&m, TCPSTATES_CMD_GET_CONNS);
	mnl_attr_put_u64(m.nlh, TCPSTATES_A_CONN_HANDSHAKE_US, 5000000000ULL);
	nest = mnl_attr_nest_start(m.nlh, TCPSTATES_A_CONN_DURATION);
	mnl_attr_put_u8(m.nlh, TCPSTATES_A_DURATION_STATE, TS_CLOSE_WAIT);
	mnl_attr_put_u64(m.nlh, TCPSTATES_A_DURATION_US, 7000000000ULL);
	mnl_attr_nest_end(m.nlh, nest);
	mnl_attr_put_u64(m.nlh, TCPSTATES_A_CONN_NETNS_ID, 3);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_CONN_FLAGS, TCPSTATES_CONN_F_PARTIAL);
	nest = mnl_attr_nest_start(m.nlh, TCPSTATES_A_CONN_OWNER);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_OWNER_UID, 1000);
	mnl_attr_nest_end(m.nlh, nest);
	ts_nl_parse_conn(m.nlh, &c);
	ok(c.handshake_us == 5000000000ULL &&
	   c.duration_us[TS_CLOSE_WAIT] == 7000000000ULL,
	   "version 2: 8-byte HANDSHAKE_US and DURATION_US (over 71 minutes)");
	ok(c.netns_id == 3 && (c.known & TS_NL_KNOW_NETNS_ID) &&
	   (c.flags & TCPSTATES_CONN_F_PARTIAL), "conn: NETNS_ID, partial flag");
	ok(c.owner.known && c.owner.have == TS_NL_OWNER_UID && c.owner.uid == 1000,
	   "an owner with its uid only (a reader without privilege)");
	ok(!(c.known & (TS_NL_KNOW_ISN_LOCAL | TS_NL_KNOW_FIN_REMOTE)),
	   "conn: sequence numbers left out stay unknown");

	msg_start(&m, TCPSTATES_CMD_EVENT);
	mnl_attr_put_u64(m.nlh, TCPSTATES_A_EVENT_SEQ, 9);
	mnl_attr_put_u8(m.nlh, TCPSTATES_A_EVENT_FAMILY, AF_INET);
	mnl_attr_put(m.nlh, TCPSTATES_A_EVENT_LOCAL_ADDR, 4, &a4);
	mnl_attr_put_u8(m.nlh, TCPSTATES_A_EVENT_NEWSTATE, TS_CLOSE);
	mnl_attr_put_u8(m.nlh, TCPSTATES_A_EVENT_CAUSE, TCPSTATES_CAUSE_ERROR);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_EVENT_ERRNO, ENOPROTOOPT);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_EVENT_FLAGS, TCPSTATES_EVENT_F_PARTIAL);
	mnl_attr_put_u64(m.nlh, TCPSTATES_A_EVENT_NETNS_ID, 11);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_EVENT_RCV_NXT, 1234);
	ts_nl_parse_event(m.nlh, &ev);
	ok(ev.seq == 9 && ev.cause == TCPSTATES_CAUSE_ERROR && ev.err == ENOPROTOOPT &&
	   (ev.known & TS_NL_EV_ERRNO) && (ev.flags & TCPSTATES_EVENT_F_PARTIAL) &&
	   ev.netns_id == 11 && (ev.known & TS_NL_EV_NETNS_ID) && ev.laddr[0] == 127,
	   "event: ERRNO, FLAGS, NETNS_ID");
	ok(!(ev.known & TS_NL_EV_SND_NXT) && (ev.known & TS_NL_EV_RCV_NXT) &&
	   !ev.owner.known, "event: SND_NXT and the owner left out stay unknown");
	ok(!(ev.known & (TS_NL_EV_CGROUP | TS_NL_EV_LIFE | TS_NL_EV_HS_RETRANS |
			 TS_NL_EV_SEG_SYN_SEQ | TS_NL_EV_SEG_FIN_ACK)) && !ev.data.known,
	   "event of an older module: no cgroup, life, handshake, segments or data");

	/* issue 17: the whole story */
	msg_start(&m, TCPSTATES_CMD_EVENT);
	mnl_attr_put_u64(m.nlh, TCPSTATES_A_EVENT_SEQ, 10);
	mnl_attr_put_u8(m.nlh, TCPSTATES_A_EVENT_OLDSTATE, TS_SYN_SENT);
	mnl_attr_put_u8(m.nlh, TCPSTATES_A_EVENT_NEWSTATE, TS_ESTABLISHED);
	mnl_attr_put_u64(m.nlh, TCPSTATES_A_EVENT_CGROUP_ID, 4242);
	mnl_attr_put_u64(m.nlh, TCPSTATES_A_EVENT_LIFE_NS, 61000000000ULL);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_EVENT_SEG_SYNACK_SEQ, 100);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_EVENT_SEG_SYNACK_ACK, 201);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_EVENT_SEG_ACK, 101);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_EVENT_HS_RETRANS, 2);
	mnl_attr_put_u64(m.nlh, TCPSTATES_A_EVENT_HS_WAIT_NS, 3000000000ULL);
	nest = mnl_attr_nest_start(m.nlh, TCPSTATES_A_EVENT_DATA);
	mnl_attr_put_u64(m.nlh, TCPSTATES_A_DATA_BYTES_ACKED, 5000000000ULL);
	mnl_attr_put_u64(m.nlh, TCPSTATES_A_DATA_BYTES_RECEIVED, 7);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_DATA_SEGS_OUT, 11);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_DATA_SEGS_IN, 12);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_DATA_RETRANS, 3);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_DATA_RTO, 2);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_DATA_TLP, 1);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_DATA_SRTT_US, 1500);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_DATA_MIN_RTT_US, 900);
	mnl_attr_nest_end(m.nlh, nest);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_EVENT_NETNS, 4026531840U);
	ts_nl_parse_event(m.nlh, &ev);
	ok(ev.cgroup_id == 4242 && (ev.known & TS_NL_EV_CGROUP) &&
	   ev.life_ns == 61000000000ULL && (ev.known & TS_NL_EV_LIFE) &&
	   ev.hs_retrans == 2 && (ev.known & TS_NL_EV_HS_RETRANS) &&
	   ev.hs_wait_ns == 3000000000ULL && (ev.known & TS_NL_EV_HS_WAIT),
	   "event: CGROUP_ID, LIFE_NS, HS_RETRANS, HS_WAIT_NS");
	ok(ev.seg_synack_seq == 100 && ev.seg_synack_ack == 201 && ev.seg_ack == 101 &&
	   (ev.known & (TS_NL_EV_SEG_SYNACK_SEQ | TS_NL_EV_SEG_SYNACK_ACK | TS_NL_EV_SEG_ACK)) ==
	   (TS_NL_EV_SEG_SYNACK_SEQ | TS_NL_EV_SEG_SYNACK_ACK | TS_NL_EV_SEG_ACK) &&
	   !(ev.known & (TS_NL_EV_SEG_SYN_SEQ | TS_NL_EV_SEG_FIN_SEQ | TS_NL_EV_SEG_FIN_ACK)),
	   "event: the segments it carries, and only those");
	ok(ev.data.known && ev.data.bytes_acked == 5000000000ULL &&
	   ev.data.bytes_received == 7 && ev.data.segs_out == 11 && ev.data.segs_in == 12 &&
	   ev.data.retrans == 3 && ev.data.rto == 2 && ev.data.tlp == 1 &&
	   ev.data.srtt_us == 1500 && ev.data.min_rtt_us == 900 && ev.netns == 4026531840U,
	   "event: the DATA nest, every field, and what follows it");

	msg_start(&m, TCPSTATES_CMD_GET_CONNS);
	mnl_attr_put_u8(m.nlh, TCPSTATES_A_CONN_STATE, TS_LISTEN);
	mnl_attr_put_u64(m.nlh, TCPSTATES_A_CONN_CGROUP_ID, 1);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_CONN_HS_RETRANS, 1);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_CONN_ACCEPTQ_LEN, 2);
	mnl_attr_put_u32(m.nlh, TCPSTATES_A_CONN_ACCEPTQ_MAX, 1);
	mnl_attr_put_u64(m.nlh, TCPSTATES_A_CONN_SYN_DROPS, 9);
	mnl_attr_put_u64(m.nlh, TCPSTATES_A_CONN_ACK_DROPS, 4);
	nest = mnl_attr_nest_start(m.nlh, TCPSTATES_A_CONN_DATA);
	mnl_attr_put_u64(m.nlh, TCPSTATES_A_DATA_BYTES_RECEIVED, 33);
	mnl_attr_nest_end(m.nlh, nest);
	ts_nl_parse_conn(m.nlh, &c);
	ok(c.cgroup_id == 1 && (c.known & TS_NL_KNOW_CGROUP) && c.hs_retrans == 1 &&
	   (c.known & TS_NL_KNOW_HS_RETRANS) && c.data.known && c.data.bytes_received == 33,
	   "conn: CGROUP_ID, HS_RETRANS, DATA");
	ok((c.known & TS_NL_KNOW_LISTENER) && c.acceptq_len == 2 && c.acceptq_max == 1 &&
	   c.syn_drops == 9 && c.ack_drops == 4, "conn: a listener's accept queue and drops");
}

static char *capture(void (*print)(FILE *f, const void *arg), const void *arg)
{
	static char buf[65536];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	print(f, arg);
	fclose(f);
	return buf;
}

/*
 * Every column starts where its header does, after a blank: no value runs
 * into the next column. A header may come again (a live table that
 * widened): the lines after it go by it. Return: the first line that
 * breaks it (0: none).
 */
static int aligned(const char *text)
{
	const char *line, *nl;
	int starts[64], n = 0, i, len, lineno = 0;
	size_t first = strcspn(text, " \n");

	for (line = text; *line; line = nl + 1) {
		lineno++;
		nl = strchr(line, '\n');
		len = nl - line;
		if (!strncmp(line, text, first) && line[first] == ' ') {
			for (n = 0, i = 0; i < len && n < 64; i++)
				if (line[i] != ' ' && (!i || line[i - 1] == ' '))
					starts[n++] = i;
			continue;
		}
		for (i = 1; i < n; i++)
			if (starts[i] >= len || line[starts[i] - 1] != ' ' ||
			    line[starts[i]] == ' ')
				return lineno;
	}
	return 0;
}

/* The @n-th word (from 0) of the first line */
static const char *word(const char *text, int n)
{
	static char w[64];
	const char *p = text;
	size_t l;

	for (;;) {
		p += strspn(p, " ");
		l = strcspn(p, " \n");
		if (!n-- || !l || p[l] == '\n') {
			snprintf(w, sizeof(w), "%.*s", n < 0 ? (int)l : 0, p);
			return w;
		}
		p += l;
	}
}

static struct ts_nl_event sample[6];

static void print_sample(FILE *f, const void *arg)
{
	struct ts_out *t = ts_events_open(f, arg, false);
	unsigned int i;

	for (i = 0; i < sizeof(sample) / sizeof(sample[0]); i++)
		ts_out_row(t, &sample[i]);
	ts_out_close(t);
}

static void print_sample_live(FILE *f, const void *arg)
{
	struct ts_out *t = ts_events_open(f, arg, true);
	unsigned int i;

	for (i = 0; i < sizeof(sample) / sizeof(sample[0]); i++)
		ts_out_row(t, &sample[i]);
	ts_out_close(t);
}

static void print_conns(FILE *f, const void *arg)
{
	struct ts_out *t = ts_conns_open(f, arg);
	struct ts_conn_row r;
	unsigned int i;

	for (i = 0; i < sizeof(sample) / sizeof(sample[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.c.family = sample[i].family;
		memcpy(r.c.laddr, sample[i].laddr, 16);
		memcpy(r.c.raddr, sample[i].raddr, 16);
		r.c.lport = sample[i].lport;
		r.c.rport = sample[i].rport;
		r.c.state = sample[i].newstate;
		r.c.cookie = sample[i].cookie;
		r.c.owner = sample[i].owner;
		r.has_queues = i & 1;
		r.rqueue = 123456;
		ts_out_row(t, &r);
	}
	ts_out_close(t);
}

/* life: the sample as closed connections (each its last event) */
static void print_life(FILE *f, const void *arg)
{
	struct ts_out *t = ts_life_open(f, arg, false);
	struct ts_nl_event ev;
	unsigned int i;

	for (i = 0; i < sizeof(sample) / sizeof(sample[0]); i++) {
		ev = sample[i];
		ev.newstate = TS_CLOSE;
		ev.life_ns = 123456789ULL * (i + 1);
		ev.known |= TS_NL_EV_LIFE;
		ev.data.known = i != 2;
		ev.data.bytes_acked = 1000000000000ULL >> i;
		ev.data.bytes_received = 7;
		ev.data.srtt_us = i * 1000;
		ev.data.retrans = i;
		ts_out_row(t, &ev);
	}
	ts_out_close(t);
}

static void print_listeners(FILE *f, const void *arg)
{
	struct ts_out *t = ts_listeners_open(f, arg);
	struct ts_conn_row r;
	unsigned int i;

	for (i = 0; i < sizeof(sample) / sizeof(sample[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.c.family = sample[i].family;
		memcpy(r.c.laddr, sample[i].laddr, 16);
		r.c.lport = sample[i].lport;
		r.c.state = TS_LISTEN;
		r.c.role = TCPSTATES_ROLE_LISTENER;
		r.c.cookie = sample[i].cookie;
		r.c.owner = sample[i].owner;
		r.c.known = TS_NL_KNOW_LISTENER;
		r.c.acceptq_len = i;
		r.c.acceptq_max = 4096;
		r.c.syn_drops = 123456789ULL * i;
		r.has_queues = i == 1;
		r.rqueue = 3;
		r.wqueue = 128;
		ts_out_row(t, &r);
	}
	ts_out_close(t);
}

static void print_stats(FILE *f, const void *arg)
{
	struct ts_nl_stats st = { 0 };

	st.v[TCPSTATES_A_STATS_EVENTS] = 10;
	st.have[TCPSTATES_A_STATS_EVENTS] = true;
	st.v[TCPSTATES_A_STATS_CONN_EVICTED_HELD] = 3;
	st.have[TCPSTATES_A_STATS_CONN_EVICTED_HELD] = true;
	st.v[TCPSTATES_A_STATS_EVENTS_PARTIAL] = 4;
	st.have[TCPSTATES_A_STATS_EVENTS_PARTIAL] = true;
	st.v[40] = 5;			/* newer than this tool */
	st.have[40] = true;
	ts_print_stats(f, arg, 2, &st);
}

static void test_output(void)
{
	struct ts_opts o = { 0 };
	const char *out;

	sample[0] = event(AF_INET, "127.0.0.1", 8080, "127.0.0.1", 43696, TS_CLOSE, TS_LISTEN);
	sample[1] = event(AF_INET6, "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", 443,
			  "2001:db8:1111:2222:3333:4444:5555:6666", 65535,
			  TS_NEW_SYN_RECV, TS_SYN_RECV);
	sample[2] = event(AF_INET6, "::ffff:192.168.100.200", 8080,
			  "::ffff:192.168.100.201", 54321, TS_SYN_RECV, TS_ESTABLISHED);
	sample[3] = event(AF_INET, "10.0.0.1", 1, "10.0.0.2", 2, TS_LAST_ACK, TS_CLOSE);
	sample[3].cause = TCPSTATES_CAUSE_ERROR;
	sample[3].err = ENOPROTOOPT;
	sample[3].known |= TS_NL_EV_ERRNO;
	sample[4] = event(AF_INET, "10.0.0.1", 1, "10.0.0.2", 2, TS_ESTABLISHED,
			  TS_CLOSE_WAIT);
	sample[4].owner.have = TS_NL_OWNER_UID;	/* no privilege: uid only */
	sample[4].known = 0;			/* and no sequence numbers */
	sample[4].flags = TCPSTATES_EVENT_F_PARTIAL;
	sample[5] = event(AF_INET, "10.0.0.1", 1, "10.0.0.2", 2, TS_FIN_WAIT2,
			  TS_TIME_WAIT);
	strcpy(sample[5].owner.comm, "a very long nam");
	sample[5].cookie = 123456789012ULL;

	out = capture(print_sample, &o);
	printf("# narrow:\n# %.*s\n", (int)(strchr(out, '\n') - out), out);
	ok(!aligned(out), "narrow events: no value overflows its column (line %d)",
	   aligned(out));
	ok(strstr(out, "COOKIE") && strstr(out, "123456789012"),
	   "narrow events: the COOKIE column, for show");
	ok(strstr(out, "NEW_SYN_RECV") && strstr(out, "CLOSE_WAIT") &&
	   !strstr(out, "new-syn-recv") && !strstr(out, "estab "),
	   "narrow events: the kernel's state names, as -e and -j");
	ok(strstr(out, "[2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff]:443") &&
	   strstr(out, "[::ffff:192.168.100.200]:8080"),
	   "narrow events: IPv6 and IPv4-mapped endpoints whole");
	out = capture(print_sample_live, &o);
	ok(!aligned(out), "live events (watch): no overflow either, columns widen (line %d)",
	   aligned(out));
	ok(strstr(strchr(out, '\n'), "\nCOOKIE ") != NULL,
	   "live events: the header again when a column widened");
	o.wide = true;
	o.threads = true;
	o.time = true;
	out = capture(print_sample, &o);
	printf("# wide:\n# %.*s\n", (int)(strchr(out, '\n') - out), out);
	ok(!aligned(out), "wide events: no overflow (line %d)", aligned(out));
	ok(strstr(out, "error(ENOPROTOOPT)") != NULL, "wide: cause error(ENOPROTOOPT)");
	ok(strstr(out, " NETNS ") && strstr(out, "4026531840") && strstr(out, " TID ") &&
	   strstr(out, "partial"), "wide: NETNS, TID (-T), the partial flag");
	o.time = false;
	o.threads = false;
	out = capture(print_sample, &o);
	ok(!strcmp(word(out, 0), "SEQ") && !strcmp(word(out, 6), "OLDSTATE") &&
	   !strcmp(word(out, 7), "NEWSTATE"),
	   "wide: OLDSTATE and NEWSTATE are columns 7 and 8");
	o.wide = false;
	out = capture(print_conns, &o);
	printf("# conns:\n# %.*s\n", (int)(strchr(out, '\n') - out), out);
	ok(!aligned(out), "narrow conns: no overflow (line %d)", aligned(out));
	ok(strstr(out, "COOKIE") && strstr(out, "RECV-Q") && strstr(out, "SEND-Q") &&
	   strstr(out, "123456 "), "narrow conns: COOKIE, RECV-Q, SEND-Q");
	o.no_header = true;
	out = capture(print_conns, &o);
	ok(!strstr(out, "COOKIE"), "-H: no header");
	o.no_header = false;
	o.wide = true;
	out = capture(print_conns, &o);
	ok(!aligned(out), "wide conns: no overflow (line %d)", aligned(out));
	out = capture(print_life, &o);
	ok(!aligned(out), "life -e: no overflow (line %d)", aligned(out));
	ok(strstr(out, " SEGS_OUT ") && strstr(out, " MIN_RTT_MS ") && strstr(out, " FROM "),
	   "life -e: SEGS_OUT, MIN_RTT_MS, FROM");
	o.wide = false;
	out = capture(print_life, &o);
	printf("# life:\n# %.*s\n", (int)(strchr(out, '\n') - out), out);
	ok(!aligned(out), "life: no overflow (line %d)", aligned(out));
	ok(!strcmp(word(out, 0), "COOKIE") && !strcmp(word(out, 5), "TX_BYTES") &&
	   !strcmp(word(out, 6), "RX_BYTES") && !strcmp(word(out, 7), "LIFE_MS") &&
	   !strcmp(word(out, 8), "RETRANS") && !strcmp(word(out, 9), "RTT_MS") &&
	   !strcmp(word(out, 10), "CAUSE") && !strcmp(word(out, 11), "CGROUP"),
	   "life: COOKIE PID COMM LOCAL REMOTE TX_BYTES RX_BYTES LIFE_MS RETRANS RTT_MS CAUSE CGROUP");
	ok(strstr(out, " 1000000000000 ") && strstr(out, " 123.456 ") &&
	   strstr(out, " error(ENOPROTOOPT) "),
	   "life: exact bytes, the lifespan in ms, the cause with its errno");
	out = capture(print_listeners, &o);
	printf("# listeners:\n# %.*s\n", (int)(strchr(out, '\n') - out), out);
	ok(!aligned(out), "listeners: no overflow (line %d)", aligned(out));
	ok(strstr(out, " QUEUE ") && strstr(out, " SYN_DROPS ") && strstr(out, " ACK_DROPS ") &&
	   strstr(out, " 3/128 ") && strstr(out, " 2/4096 ") && strstr(out, " 617283945 "),
	   "listeners: QUEUE (live from sock_diag when found, else the module's), drops");
	o.wide = true;
	out = capture(print_listeners, &o);
	ok(!aligned(out), "listeners -e: no overflow (line %d)", aligned(out));
	o.wide = false;
	out = capture(print_stats, &o);
	ok(strstr(out, "events ") && strstr(out, "conn_evicted_held") &&
	   strstr(out, "events_partial") && strstr(out, "stat_40") &&
	   strstr(out, "newer than this tool"),
	   "stats: every counter sent, a new one by its number");
	o.json = true;
	out = capture(print_stats, &o);
	ok(strstr(out, "\"conn_evicted_held\":3") && strstr(out, "\"stat_40\":5"),
	   "stats -j: every counter sent");
}

static struct ts_nl_event ladder_ev[8];

static void print_ladder(FILE *f, const void *arg)
{
	(void)arg;
	ts_print_ladder(f, ladder_ev, 6, NULL);
}

/* show: the segments' own numbers, a SYN sent again, the data, the end */
static void test_ladder(void)
{
	struct ts_nl_event *e = ladder_ev;
	const char *out, *a, *b;
	int i;

	e[0] = event(AF_INET, "127.0.0.1", 40000, "127.0.0.1", 80, TS_CLOSE, TS_SYN_SENT);
	e[0].time_ns = 10000000000ULL;
	e[0].seg_syn_seq = 1000;
	e[0].known |= TS_NL_EV_SEG_SYN_SEQ;
	e[0].snd_nxt = 5;	/* the segment's own field wins */
	e[1] = event(AF_INET, "127.0.0.1", 40000, "127.0.0.1", 80, TS_SYN_SENT,
		     TS_ESTABLISHED);
	e[1].time_ns = 11003000000ULL;
	e[1].has_prev_ns = true;
	e[1].prev_ns = 1003000000ULL;
	e[1].hs_retrans = 1;
	e[1].hs_wait_ns = 1001500000ULL;
	e[1].seg_synack_seq = 2000;
	e[1].seg_synack_ack = 1001;
	e[1].seg_ack = 2001;
	e[1].known |= TS_NL_EV_HS_RETRANS | TS_NL_EV_HS_WAIT | TS_NL_EV_SEG_SYNACK_SEQ |
		      TS_NL_EV_SEG_SYNACK_ACK | TS_NL_EV_SEG_ACK;
	e[2] = event(AF_INET, "127.0.0.1", 40000, "127.0.0.1", 80, TS_ESTABLISHED,
		     TS_FIN_WAIT1);
	e[2].time_ns = 11013000000ULL;
	e[2].has_prev_ns = true;
	e[2].prev_ns = 10000000;
	e[2].data.known = true;
	e[2].data.bytes_acked = 100000;
	e[2].data.bytes_received = 100000;
	e[2].data.srtt_us = 52;
	e[2].data.min_rtt_us = 31;
	e[2].seg_fin_seq = 101001;
	e[2].known |= TS_NL_EV_SEG_FIN_SEQ;
	e[3] = event(AF_INET, "127.0.0.1", 40000, "127.0.0.1", 80, TS_FIN_WAIT1,
		     TS_FIN_WAIT2);
	e[3].time_ns = 11013100000ULL;
	e[3].seg_fin_ack = 101002;
	e[3].known |= TS_NL_EV_SEG_FIN_ACK;
	e[4] = event(AF_INET, "127.0.0.1", 40000, "127.0.0.1", 80, TS_FIN_WAIT2,
		     TS_TIME_WAIT);
	e[4].time_ns = 11013200000ULL;
	e[4].seg_fin_seq = 102001;
	e[4].seg_fin_ack = 102002;
	e[4].known |= TS_NL_EV_SEG_FIN_SEQ | TS_NL_EV_SEG_FIN_ACK;
	e[5] = event(AF_INET, "127.0.0.1", 40000, "127.0.0.1", 80, TS_TIME_WAIT, TS_CLOSE);
	e[5].time_ns = 71013200000ULL;
	e[5].cause = TCPSTATES_CAUSE_TW_TIMER;
	e[5].life_ns = 61013200000ULL;
	e[5].known |= TS_NL_EV_LIFE;
	e[5].data = e[2].data;
	for (i = 0; i < 6; i++)
		e[i].role = TCPSTATES_ROLE_ACTIVE;
	out = capture(print_ladder, NULL);
	printf("# %s", out);
	for (a = out; (b = strchr(a, '\n')); a = b + 1)
		if (*a == '#')
			break;
	ok(strstr(out, "|  SYN seq=x (1000) ") && strstr(out, "SYN-ACK seq=y (2000) ack=x+1 (1001)") &&
	   strstr(out, "ACK ack=y+1 (2001)") && strstr(out, "FIN seq=u (101001)") &&
	   strstr(out, "ACK ack=u+1 (101002)") && strstr(out, "FIN seq=w (102001)") &&
	   strstr(out, "ACK ack=w+1 (102002)"),
	   "ladder: the segments' own numbers, x, y, u, w and their acks");
	a = strstr(out, "+1001.500 ms |  SYN seq=x (1000) sent again");
	b = strstr(out, "<-- SYN-ACK");
	ok(a && b && a < b && strstr(out, "   +1.500 ms |  SYN_SENT -> ESTABLISHED"),
	   "ladder: the SYN sent again at its time (+1001.500 ms), before the SYN-ACK; the next line timed from it");
	a = strstr(out, "|  data, 10.000 ms in ESTABLISHED: 100000 bytes sent (acked), 100000 received,");
	b = strstr(out, "ESTABLISHED -> FIN_WAIT1");
	ok(a && b && a < b && strstr(out, "RTT 0.052 ms (min 0.031 ms)"),
	   "ladder: the data phase before leaving ESTABLISHED, with its RTT");
	ok(strstr(out, "|  lived 1m01s; in all: 100000 bytes sent (acked), 100000 received, 0 segments sent again") != NULL,
	   "ladder: how long it lived, its totals");
	e[1].hs_retrans = 3;
	out = capture(print_ladder, NULL);
	ok(strstr(out, "               |  SYN seq=x (1000) sent again, unanswered (2)") &&
	   strstr(out, "  +1001.500 ms |  SYN seq=x (1000) sent again (3 of 3)"),
	   "ladder: SYNs sent again 3 times: the ones without a time, the last at its time");
}

/*
 * Endpoints and milliseconds are written by hand: the same as printf()
 * would, for every octet and port, IPv6, large values, and buffers too
 * small (cut short, NUL-terminated, as snprintf() cuts).
 */
static void test_format_printf(void)
{
	static const uint64_t ns[] = { 0, 999, 1000, 999999, 1000000, 1484250,
				       59999999999ULL, 18446744073709551615ULL };
	char buf[80], want[80], small[8], a6[INET6_ADDRSTRLEN];
	uint8_t a[16];
	unsigned int i, bad = 0, n = 0;
	uint32_t port;

	for (i = 0; i < 256; i++) {
		a[0] = i;
		a[1] = 255 - i;
		a[2] = i / 10;
		a[3] = i % 7;
		for (port = i; port < 65536; port += 257, n++) {
			ts_format_addr(AF_INET, a, port, buf, sizeof(buf));
			snprintf(want, sizeof(want), "%u.%u.%u.%u:%u", a[0], a[1],
				 a[2], a[3], port);
			bad += strcmp(buf, want) != 0;
			ts_format_addr(AF_INET, a, port, small, sizeof(small));
			bad += strncmp(small, want, sizeof(small) - 1) ||
			       strlen(small) != (strlen(want) < sizeof(small) ?
						 strlen(want) : sizeof(small) - 1);
		}
	}
	ok(!bad, "IPv4 endpoints as printf() writes them, whole and cut short (%u, %u wrong)",
	   n, bad);
	inet_pton(AF_INET6, "2001:db8::ff00:42:8329", a);
	inet_ntop(AF_INET6, a, a6, sizeof(a6));
	ts_format_addr(AF_INET6, a, 65535, buf, sizeof(buf));
	snprintf(want, sizeof(want), "[%s]:65535", a6);
	is(buf, want, "IPv6 endpoint in brackets");
	for (i = bad = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		ts_format_ms(true, ns[i], buf, sizeof(buf));
		snprintf(want, sizeof(want), "%llu.%03llu",
			 (unsigned long long)(ns[i] / 1000000),
			 (unsigned long long)(ns[i] / 1000 % 1000));
		bad += strcmp(buf, want) != 0;
		ts_format_ms(true, ns[i], small, 4);
		bad += strncmp(small, want, 3) || strlen(small) > 3;
	}
	ok(!bad, "ms as printf() writes them, whole and cut short (%u wrong)", bad);
}

static void test_format(void)
{
	char buf[256];
	uint8_t a[16] = { 127, 0, 0, 1 };

	ts_format_ms(true, 1484250, buf, sizeof(buf));
	is(buf, "1.484", "ms with microseconds");
	ts_format_ms(false, 0, buf, sizeof(buf));
	is(buf, "-", "unknown ms");
	ts_format_age(850000000ULL, buf, sizeof(buf));
	is(buf, "850ms", "age < 1 s");
	ts_format_age(12345000000ULL, buf, sizeof(buf));
	is(buf, "12.3s", "age in seconds");
	ts_format_age(245000000000ULL, buf, sizeof(buf));
	is(buf, "4m05s", "age in minutes");
	ts_format_age(7380000000000ULL, buf, sizeof(buf));
	is(buf, "2h03m", "age in hours");
	ts_format_addr(AF_INET, a, 8080, buf, sizeof(buf));
	is(buf, "127.0.0.1:8080", "IPv4 endpoint");
	inet_pton(AF_INET6, "::ffff:10.0.0.1", a);
	ts_format_addr(AF_INET6, a, 1, buf, sizeof(buf));
	is(buf, "[::ffff:10.0.0.1]:1", "v4-mapped endpoint in brackets");
	ts_format_comm("a b\\c\n\xff", buf, sizeof(buf));
	is(buf, "a\\040b\\134c\\012\\377", "comm for a terminal: octal escapes");
	test_format_printf();
}

static void json_of(const char *s, char *out, size_t len)
{
	FILE *f = fmemopen(out, len, "w");

	ts_json_string(f, s);
	fclose(f);
}

static void test_json(void)
{
	char buf[256];

	json_of("nginx", buf, sizeof(buf));
	is(buf, "\"nginx\"", "plain string");
	json_of("a\"b\\c", buf, sizeof(buf));
	is(buf, "\"a\\\"b\\\\c\"", "quote and backslash escaped");
	json_of("x\ny\tz\x01\x1f\x7f", buf, sizeof(buf));
	is(buf, "\"x\\ny\\tz\\u0001\\u001f\\u007f\"", "control characters escaped");
	json_of("caf\xc3\xa9 \xe2\x82\xac", buf, sizeof(buf));
	is(buf, "\"caf\xc3\xa9 \xe2\x82\xac\"", "valid UTF-8 passes through");
	json_of("\xff\xc3(\xed\xa0\x80\xc0\xaf", buf, sizeof(buf));
	is(buf, "\"\\u00ff\\u00c3(\\u00ed\\u00a0\\u0080\\u00c0\\u00af\"",
	   "invalid UTF-8 (stray, truncated, surrogate, overlong) as \\u00XX");
	json_of("\xf0\x9f\x98\x80", buf, sizeof(buf));
	is(buf, "\"\xf0\x9f\x98\x80\"", "4-byte UTF-8 passes through");
}

static struct ts_nl_event num_ev;

static void print_num_ev(FILE *f, const void *arg)
{
	struct ts_out *t = ts_events_open(f, arg, true);

	ts_out_row(t, &num_ev);
	ts_out_close(t);
}

/*
 * JSON lines as written by hand (output.c): numbers at every digit count
 * and the ends of 64 bits, as printf() writes them; names plain and
 * escaped.
 */
static void test_json_fields(void)
{
	static const char *names[] = { "nginx", "a\"b", "x\001y", "" };
	unsigned long long v[64 * 3 + 40], p = 1;
	char want[128], comm[64];
	struct ts_opts o = { 0 };
	const char *out;
	int n = 0, i, bad = 0;

	o.json = true;
	for (i = 0; i < 64; i++) {
		v[n++] = (1ULL << i) - 1;
		v[n++] = 1ULL << i;
		v[n++] = (1ULL << i) + 1;
	}
	for (i = 0; i < 20; i++, p *= 10) {
		v[n++] = p - 1;
		v[n++] = p;
	}
	v[n - 1] = ~0ULL;
	num_ev = event(AF_INET, "10.0.0.1", 1, "10.0.0.2", 2, TS_ESTABLISHED,
		       TS_FIN_WAIT1);
	for (i = 0; i < n; i++) {
		num_ev.seq = v[i];
		num_ev.cookie = ~v[i];
		out = capture(print_num_ev, &o);
		snprintf(want, sizeof(want), "\"seq\":%llu,", v[i]);
		bad += !strstr(out, want);
		snprintf(want, sizeof(want), "\"cookie\":%llu,", ~v[i]);
		bad += !strstr(out, want);
		if (bad == 1 || bad == 2)
			printf("#   %llu: %.200s\n", v[i], out);
	}
	ok(!bad, "JSON numbers: %d values, 1 to 20 digits, as printf() (%d wrong)",
	   n, bad);
	num_ev.seq = 7;
	for (i = 0; i < 4; i++) {
		strcpy(num_ev.owner.comm, names[i]);
		out = capture(print_num_ev, &o);
		json_of(names[i], comm, sizeof(comm));
		snprintf(want, sizeof(want), "\"comm\":%s,", comm);
		ok(strstr(out, want) != NULL, "JSON name %s in the event's line", want);
	}
	strcpy(num_ev.owner.comm, "nginx");
	num_ev.cgroup_id = 0;
	out = capture(print_num_ev, &o);
	ok(strstr(out, "\"oldstate\":\"ESTABLISHED\",\"newstate\":\"FIN_WAIT1\",") &&
	   strstr(out, "\"local_addr\":\"10.0.0.1\",\"local_port\":1,") &&
	   out[strlen(out) - 2] == '}' && out[strlen(out) - 1] == '\n',
	   "JSON states, endpoints, one line");
}

static struct ts_nl_conn tw_conn(uint32_t tgid, const char *comm, int state)
{
	struct ts_nl_conn c;

	memset(&c, 0, sizeof(c));
	c.family = AF_INET;
	c.state = state;
	if (comm) {
		c.owner.known = true;
		c.owner.have = TS_NL_OWNER_TGID | TS_NL_OWNER_PID |
			       TS_NL_OWNER_UID | TS_NL_OWNER_COMM;
		c.owner.tgid = tgid;
		snprintf(c.owner.comm, sizeof(c.owner.comm), "%s", comm);
	}
	return c;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct ts_summary *summary_sample;

static void print_summary(FILE *f, const void *arg)
{
	(void)arg;
	ts_summary_print(summary_sample, f);
}

static void test_summary(void)
{
	struct ts_opts o = { 0 };
	const char *out;
	struct ts_summary *s;
	struct ts_nl_conn c;
	struct ts_nl_event ev;
	char name[17];
	double t0, t1;
	int i;

	ts_filter_init(&o.f);
	s = ts_summary_new(&o);
	for (i = 0; i < 25; i++) {	/* seeded at load: no owner */
		c = tw_conn(0, NULL, TS_TIME_WAIT);
		ts_summary_conn(s, &c);
	}
	c = tw_conn(0, NULL, TS_CLOSE_WAIT);
	c.owner.known = true;		/* an owner sent with its uid only */
	c.owner.have = TS_NL_OWNER_UID;
	ts_summary_conn(s, &c);
	ok(ts_summary_holders(s) == 1,
	   "summary: 26 connections of unknown owners are one holder, not %d",
	   ts_summary_holders(s));
	c = tw_conn(42, "nginx", TS_CLOSE_WAIT);
	ts_summary_conn(s, &c);
	ts_summary_conn(s, &c);
	c = tw_conn(43, "nginx", TS_CLOSE_WAIT);
	ts_summary_conn(s, &c);
	ok(ts_summary_holders(s) == 3, "summary: holders by process id and name");
	ts_summary_free(s);

	/* the handshakes split by retransmission; the listeners that dropped */
	s = ts_summary_new(&o);
	for (i = 0; i < 3; i++) {
		ev = event(AF_INET, "10.0.0.1", 1, "10.0.0.2", 2, TS_SYN_SENT, TS_ESTABLISHED);
		ev.has_prev_ns = true;
		ev.prev_ns = i ? 1000000000ULL : 50000;
		ev.hs_retrans = i ? 1 : 0;
		ev.known |= TS_NL_EV_HS_RETRANS;
		ts_summary_event(s, &ev);
	}
	ev = event(AF_INET, "10.0.0.1", 1, "10.0.0.2", 2, TS_NEW_SYN_RECV, TS_SYN_RECV);
	ev.has_prev_ns = true;
	ev.prev_ns = 70000;	/* an older module: not known */
	ts_summary_event(s, &ev);
	c = tw_conn(7, "nginx", TS_LISTEN);
	c.role = TCPSTATES_ROLE_LISTENER;
	c.known |= TS_NL_KNOW_LISTENER;
	c.acceptq_len = 129;
	c.acceptq_max = 128;
	c.syn_drops = 5;
	c.lport = 443;
	ts_summary_conn(s, &c);
	c.syn_drops = 0;		/* a listener that dropped nothing */
	c.lport = 80;
	ts_summary_conn(s, &c);
	summary_sample = s;
	o.json = true;
	out = capture(print_summary, NULL);
	printf("# %s", out);
	ok(strstr(out, "\"handshakes\":4,\"handshakes_retransmitted\":2") &&
	   strstr(out, "\"handshake_us_log2_clean\":[{\"from\":32,\"to\":64,\"count\":1}]") &&
	   strstr(out, "\"handshake_us_log2_retransmitted\":[{\"from\":524288,\"to\":1048576,\"count\":2}]") &&
	   strstr(out, "\"handshake_us_log2_unknown\":[{\"from\":64,\"to\":128,\"count\":1}]"),
	   "summary -j: handshakes split: clean, retransmitted, not known");
	ok(strstr(out, "\"dropping_listeners\":[{\"cookie\":0,\"tgid\":7,\"comm\":\"nginx\",\"local_addr\":\"0.0.0.0\",\"local_port\":443,\"acceptq_len\":129,\"acceptq_max\":128,\"syn_drops\":5,\"ack_drops\":0}]") != NULL,
	   "summary -j: the listener that dropped, not the other");
	o.json = false;
	out = capture(print_summary, NULL);
	printf("# %s", out);
	ok(strstr(out, " nothing sent again (1):\n") &&
	   strstr(out, " a SYN or SYN-ACK sent again (2):\n") &&
	   strstr(out, "(4 handshakes, 2 with a SYN or SYN-ACK sent again)"),
	   "summary: one histogram per kind, on one scale");
	ok(strstr(out, "listeners that dropped (accept queue full; live table):\n"
			"  COOKIE PID COMM  LOCAL       QUEUE   SYN_DROPS ACK_DROPS\n"
			"  0      7   nginx 0.0.0.0:443 129/128 5         0\n") != NULL,
	   "summary: the listeners that dropped, in columns");
	ts_summary_free(s);

	/* 60,000 connections and 600,000 events: linear (a report, not a limit) */
	s = ts_summary_new(&o);
	t0 = now_ms();
	for (i = 0; i < 60000; i++) {
		snprintf(name, sizeof(name), "p%d", i % 20000);
		c = tw_conn(1000 + i % 20000, name, i % 2 ? TS_TIME_WAIT : TS_CLOSE_WAIT);
		ts_summary_conn(s, &c);
	}
	t1 = now_ms();
	for (i = 0; i < 600000; i++) {
		ev = event(AF_INET, "10.0.0.1", 1, "10.0.0.2", 2, TS_SYN_SENT,
			   TS_ESTABLISHED);
		ev.has_prev_ns = true;
		ev.prev_ns = 1000 * (i % 5000);
		ts_summary_event(s, &ev);
	}
	printf("# summary of 60000 connections (20000 owners): %.1f ms; 600000 events: %.1f ms\n",
	       t1 - t0, now_ms() - t1);
	ok(ts_summary_holders(s) == 20000, "summary: 60000 connections, 20000 holders");
	ts_summary_free(s);
}

/*
 * The mapped ring's copying thread and a record whose writer stopped in
 * it (a vCPU the hypervisor does not run): it looks again after a pause,
 * sleeps 100 us after 64 looks, and so makes at most 64 looks per 100 us
 * the writer stays away, where it used to spin. The record is read once
 * written. A ring of 64 records in anonymous memory stands for the
 * mapped file, a pipe nobody writes for its poll().
 */
static void test_map_torn(void)
{
	const struct timespec hold = { 0, 200 * 1000 * 1000 };
	const size_t size = 64 * sizeof(struct tcpstates_map_rec);
	struct tcpstates_map_rec *recs;
	struct ts_nl_event *ev = NULL;
	unsigned long long torn, bound;
	struct ts_map *m;
	double t0, held_ms;
	int p[2], i;

	m = calloc(1, sizeof(*m));
	recs = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!m || recs == MAP_FAILED || pipe(p)) {
		ok(0, "map: set up (%s)", strerror(errno));
		free(m);
		return;
	}
	m->fd = p[0];
	m->base = (const unsigned char *)recs;
	m->info.version = TCPSTATES_MAP_VERSION;
	m->info.rec_size = sizeof(*recs);
	m->info.nrecs = 64;
	m->info.map_size = size;
	m->next = 1;
	t0 = now_ms();
	__atomic_store_n(&recs[1].gen, 1, __ATOMIC_RELEASE);	/* in it, stopped */
	if (ts_map_start(m, 1)) {
		ok(0, "map: the copying thread starts");
		ts_map_close(m);
		close(p[1]);
		free(m);
		return;
	}
	nanosleep(&hold, NULL);
	recs[1].seq = 1;
	recs[1].family = AF_INET;
	recs[1].oldstate = TS_ESTABLISHED;
	recs[1].newstate = TS_CLOSE_WAIT;
	__atomic_store_n(&recs[1].gen, 2, __ATOMIC_RELEASE);	/* written */
	held_ms = now_ms() - t0;
	for (i = 0; i < 50 && !ev; i++) {
		if (ts_map_wait(m, 100) < 0)
			break;
		ev = ts_map_next(m);
	}
	ok(ev && ev->seq == 1 && ev->newstate == TS_CLOSE_WAIT,
	   "map: a record its writer stopped in is read once written");
	pthread_mutex_lock(&m->lock);
	torn = m->torn;
	pthread_mutex_unlock(&m->lock);
	bound = 64 * (unsigned long long)(held_ms * 10 + 2);	/* 10 per ms */
	ok(torn > 0 && torn <= bound,
	   "map: %llu looks at it in %.0f ms, at most %llu (64 per 100 us)",
	   torn, held_ms, bound);
	ts_map_close(m);
	close(p[1]);
	free(m);
}

/* A reader that went away (| head): ts_flush() ends the program with 0 */
static void test_epipe(void)
{
	int fd[2], status = -1;
	pid_t pid;

	fflush(stdout);
	if (pipe(fd)) {
		ok(0, "pipe: %s", strerror(errno));
		return;
	}
	/* the reader gone before the writer exists: no race with its write */
	close(fd[0]);
	pid = fork();
	if (!pid) {
		FILE *f;

		signal(SIGPIPE, SIG_IGN);
		f = fdopen(fd[1], "w");
		fputs("x\n", f);
		ts_flush(f);
		_exit(3);
	}
	close(fd[1]);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "a closed pipe: exit 0, quietly (status %d)", status);
}

/* Hostile and partial records printed as JSON, for cli.t's parser */
static void print_hostile(void)
{
	struct ts_opts o = { .json = true };
	struct ts_nl_event ev = event(AF_INET6, "::1", 1, "::2", 2, 2, 1);
	struct ts_nl_conn c;

	strcpy(ev.owner.comm, "\"},{\\\n\x01\xff\xc3");
	ev.has_prev_ns = true;
	ev.prev_ns = 1234;
	ts_print_event(stdout, &o, &ev);
	memset(&c, 0, sizeof(c));
	c.family = AF_INET;
	c.state = 6;
	c.owner = ev.owner;
	c.duration_us[1] = 5;
	c.duration_us[8] = 5000000000ULL;
	ts_print_conn(stdout, &o, &c);
}

static void print_partial(void)
{
	struct ts_opts o = { .json = true };
	struct ts_nl_event ev = event(AF_INET, "10.0.0.1", 1, "10.0.0.2", 2,
				      TS_LAST_ACK, TS_CLOSE);
	struct ts_nl_conn c;

	ev.owner.have = TS_NL_OWNER_UID;
	ev.known = TS_NL_EV_ERRNO | TS_NL_EV_NETNS_ID;
	ev.cause = TCPSTATES_CAUSE_ERROR;
	ev.err = ENOPROTOOPT;
	ev.netns_id = 99;
	ev.flags = TCPSTATES_EVENT_F_PARTIAL;
	ts_print_event(stdout, &o, &ev);
	memset(&c, 0, sizeof(c));
	c.family = AF_INET;
	c.state = TS_ESTABLISHED;
	c.flags = TCPSTATES_CONN_F_PARTIAL;
	ts_print_conn(stdout, &o, &c);
}

/*
 * A listener's drop event, as JSON and then as text (default, then -e),
 * and an ordinary event after it as JSON, for cli.t
 */
static void print_drop(void)
{
	struct ts_opts o = { .json = true };
	struct ts_nl_event ev = event(AF_INET, "10.0.0.1", 80, "0.0.0.0", 0,
				      TS_LISTEN, TS_LISTEN);

	ev.role = TCPSTATES_ROLE_LISTENER;
	ev.cause = TCPSTATES_CAUSE_ACK_DROPPED;
	ev.known |= TS_NL_EV_DROP;
	ev.drops.syn_drops = 7;
	ev.drops.ack_drops = 1;
	ev.drops.suppressed = 3;
	ev.drops.acceptq_len = 2;
	ev.drops.acceptq_max = 1;
	ts_print_event(stdout, &o, &ev);
	o.json = false;
	ts_print_event(stdout, &o, &ev);
	o.wide = true;
	ts_print_event(stdout, &o, &ev);
	o.wide = false;
	o.json = true;
	ev = event(AF_INET, "10.0.0.1", 1, "10.0.0.2", 2, TS_LISTEN, TS_CLOSE);
	ts_print_event(stdout, &o, &ev);
}

/*
 * --bench [text|json]: what printing an event costs the CLI, natively:
 * 1,000,000 events of a closing connection (data phase, owner, cgroup id)
 * as text and as JSON (or only the one named), to /dev/null, into one live
 * table as watch prints them. A measurement, never a test.
 */
static void bench_print(const char *only)
{
	struct ts_nl_event ev = event(AF_INET, "10.0.0.1", 443, "10.0.0.2",
				      50000, TS_ESTABLISHED, TS_FIN_WAIT1);
	FILE *f = fopen("/dev/null", "w");
	struct timespec a, b;
	int mode, i, n = 1000000;

	if (!f)
		return;
	ev.known |= TS_NL_EV_NETNS_ID | TS_NL_EV_CGROUP;
	ev.has_prev_ns = true;
	ev.prev_ns = 123456789;
	ev.time_ns = 1234567890123ULL;
	ev.cgroup_id = 99;
	ev.data.known = true;
	ev.data.bytes_acked = 100000;
	ev.data.srtt_us = 50;
	for (mode = 0; mode < 2; mode++) {
		struct ts_opts o = { .json = mode };
		struct ts_out *t;

		if (only && strcmp(only, mode ? "json" : "text"))
			continue;
		clock_gettime(CLOCK_MONOTONIC, &a);
		t = ts_events_open(f, &o, true);	/* as watch prints */
		for (i = 0; i < n; i++) {
			ev.seq = i + 1;
			ts_out_row(t, &ev);
		}
		ts_out_close(t);
		fflush(f);
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("print an event as %s: %.3f us\n", mode ? "JSON" : "text",
		       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) /
		       n / 1000);
	}
	fclose(f);
}

/* The fields of issue 17 as JSON, for cli.t's parser */
static void print_story(void)
{
	struct ts_opts o = { .json = true };
	struct ts_nl_event ev = event(AF_INET, "10.0.0.1", 1, "10.0.0.2", 2,
				      TS_NEW_SYN_RECV, TS_SYN_RECV);
	struct ts_out *t;
	struct ts_conn_row r;

	ev.seg_syn_seq = 4294967295U;
	ev.seg_synack_seq = 7;
	ev.seg_synack_ack = 0;
	ev.hs_retrans = 1;
	ev.cgroup_id = 99;
	ev.known |= TS_NL_EV_SEG_SYN_SEQ | TS_NL_EV_SEG_SYNACK_SEQ |
		    TS_NL_EV_SEG_SYNACK_ACK | TS_NL_EV_HS_RETRANS | TS_NL_EV_CGROUP;
	ts_print_event(stdout, &o, &ev);
	ev = event(AF_INET6, "::1", 1, "::1", 2, TS_TIME_WAIT, TS_CLOSE);
	ev.cause = TCPSTATES_CAUSE_TW_TIMER;
	ev.life_ns = 61000000000ULL;
	ev.known |= TS_NL_EV_LIFE;
	ev.data.known = true;
	ev.data.bytes_acked = 100000;
	ev.data.bytes_received = 100000;
	ev.data.segs_out = 20;
	ev.data.srtt_us = 0;		/* none yet: null */
	ev.data.min_rtt_us = 31;
	t = ts_life_open(stdout, &o, true);
	ts_out_row(t, &ev);
	ts_out_close(t);
	memset(&r, 0, sizeof(r));
	r.c.family = AF_INET;
	r.c.state = TS_LISTEN;
	r.c.role = TCPSTATES_ROLE_LISTENER;
	r.c.known = TS_NL_KNOW_LISTENER;
	r.c.acceptq_len = 2;
	r.c.acceptq_max = 1;
	r.c.syn_drops = 9;
	t = ts_listeners_open(stdout, &o);
	ts_out_row(t, &r);
	ts_out_close(t);
	r.c.state = TS_TIME_WAIT;
	r.c.known = TS_NL_KNOW_HS_RETRANS;
	r.c.hs_retrans = 1;
	r.c.data.known = true;
	r.c.data.bytes_received = 3;
	t = ts_conns_open(stdout, &o);
	ts_out_row(t, &r);
	ts_out_close(t);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--story-json")) {
		print_story();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--bench")) {
		bench_print(argc > 2 ? argv[2] : NULL);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--drop")) {
		print_drop();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--hostile-json")) {
		print_hostile();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--partial-json")) {
		print_partial();
		return 0;
	}
	test_names();
	test_options();
	test_netns();
	test_expr();
	test_kernel_filter();
	test_cgroup();
	test_messages();
	test_output();
	test_ladder();
	test_format();
	test_json();
	test_json_fields();
	test_summary();
	test_epipe();
	test_map_torn();
	printf("1..%d\n", tests);
	return failed != 0;
}
