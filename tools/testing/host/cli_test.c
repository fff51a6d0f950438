// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the CLI's parsing, filters, formatting and JSON (TAP).
 * JSON output is also checked by a real parser in cli.t.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpstates.h"

static int tests, failed;

static void ok(int cond, const char *name)
{
	tests++;
	if (!cond)
		failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tests, name);
}

static void is(const char *got, const char *want, const char *name)
{
	ok(!strcmp(got, want), name);
	if (strcmp(got, want))
		printf("#   got:  '%s'\n#   want: '%s'\n", got, want);
}

static void test_parsing(void)
{
	struct ts_filter f;
	uint32_t mask = 0;

	memset(&f, 0, sizeof(f));
	ok(!ts_parse_ports("80,443,0,65535", f.lports, &f.nlports) &&
	   f.nlports == 4 && f.lports[1] == 443 && f.lports[3] == 65535,
	   "ports: a list");
	f.nlports = 0;
	ok(ts_parse_ports("65536", f.lports, &f.nlports), "ports: 65536 refused");
	f.nlports = 0;
	ok(ts_parse_ports("80,x", f.lports, &f.nlports), "ports: junk refused");
	f.nlports = 0;
	ok(ts_parse_ports("-1", f.lports, &f.nlports), "ports: negative refused");
	f.nlports = 0;
	ok(ts_parse_ports("", f.lports, &f.nlports), "ports: empty refused");
	ok(!ts_parse_pids("1,4194304", f.pids, &f.npids) && f.npids == 2,
	   "pids: a list");
	f.npids = 0;
	ok(ts_parse_pids("0", f.pids, &f.npids), "pids: 0 refused");
	ok(!ts_parse_states("CLOSE_WAIT,time-wait,estab,Listen", &mask) &&
	   mask == ((1U << 8) | (1U << 6) | (1U << 1) | (1U << 10)),
	   "states: kernel and ss names, any case");
	mask = 0;
	ok(!ts_parse_states("established,fin_wait1,fin-wait-2", &mask) &&
	   mask == ((1U << 1) | (1U << 4) | (1U << 5)), "states: more spellings");
	mask = 0;
	ok(ts_parse_states("ESTABLISHED,NOPE", &mask), "states: unknown refused");
	ok(ts_state_index("new-syn-recv") == 12 && ts_state_index("SYN_RECV") == 3,
	   "state index");
	ok(!ts_parse_prefix("10.1.0.0/16", &f) && f.addr_family == AF_INET &&
	   f.addr_plen == 16 && f.addr[0] == 10 && f.addr[1] == 1, "prefix: IPv4/16");
	ok(!ts_parse_prefix("::1", &f) && f.addr_family == AF_INET6 &&
	   f.addr_plen == 128 && f.addr[15] == 1, "prefix: IPv6 address");
	ok(ts_parse_prefix("10.0.0.0/33", &f), "prefix: /33 refused for IPv4");
	ok(ts_parse_prefix("fe80::/129", &f), "prefix: /129 refused");
	ok(ts_parse_prefix("10.0.0.300", &f), "prefix: bad address refused");
	memset(&f, 0, sizeof(f));
	ok(!ts_parse_netns("all", &f) && f.all_netns, "netns: all");
	ok(!ts_parse_netns("4026531840", &f) && f.netns == 4026531840U, "netns: an id");
	ok(ts_parse_netns("x", &f) && ts_parse_netns("0", &f), "netns: junk and 0 refused");
}

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
	ev.owner.known = true;
	ev.owner.tgid = 42;
	strcpy(ev.owner.comm, "nginx");
	return ev;
}

static void test_filters(void)
{
	struct ts_nl_event v4 = event(AF_INET, "10.1.2.3", 443, "192.168.0.9", 5555, 1, 8);
	struct ts_nl_event v6 = event(AF_INET6, "::1", 8080, "::1", 40000, 2, 1);
	struct ts_nl_event mapped = event(AF_INET6, "::ffff:10.1.2.3", 443, "::ffff:10.9.9.9", 1, 1, 4);
	struct ts_nl_filter k;
	struct ts_filter f;

	memset(&f, 0, sizeof(f));
	ok(ts_match_event(&f, &v4) && ts_match_event(&f, &v6), "no filter: all");
	f.family = AF_INET;
	ok(ts_match_event(&f, &v4) && !ts_match_event(&f, &v6), "-4");
	memset(&f, 0, sizeof(f));
	ts_parse_ports("80,443", f.lports, &f.nlports);
	ok(ts_match_event(&f, &v4) && !ts_match_event(&f, &v6), "-L 80,443");
	memset(&f, 0, sizeof(f));
	ts_parse_ports("40000", f.rports, &f.nrports);
	ok(!ts_match_event(&f, &v4) && ts_match_event(&f, &v6), "-D 40000");
	memset(&f, 0, sizeof(f));
	ts_parse_states("CLOSE_WAIT", &f.states);
	ok(ts_match_event(&f, &v4) && !ts_match_event(&f, &v6),
	   "-s CLOSE_WAIT: events by their new state");
	memset(&f, 0, sizeof(f));
	ts_parse_prefix("192.168.0.0/16", &f);
	ok(ts_match_event(&f, &v4) && !ts_match_event(&f, &v6),
	   "--addr matches the remote end");
	memset(&f, 0, sizeof(f));
	ts_parse_prefix("10.1.0.0/16", &f);
	ok(ts_match_event(&f, &v4) && ts_match_event(&f, &mapped) &&
	   !ts_match_event(&f, &v6), "--addr IPv4 prefix matches v4-mapped too");
	memset(&f, 0, sizeof(f));
	ts_parse_prefix("10.1.2.4/31", &f);
	ok(!ts_match_event(&f, &v4), "--addr /31 excludes .3");
	memset(&f, 0, sizeof(f));
	ts_parse_pids("7,42", f.pids, &f.npids);
	ok(ts_match_event(&f, &v4), "-p 7,42");
	v6.owner.known = false;
	ok(!ts_match_event(&f, &v6), "-p: an unknown owner does not match");
	memset(&f, 0, sizeof(f));
	f.comm = "nginx";
	ok(ts_match_event(&f, &v4) && !ts_match_event(&f, &v6), "-c nginx");

	memset(&f, 0, sizeof(f));
	f.family = AF_INET6;
	ts_parse_ports("443", f.lports, &f.nlports);
	ts_parse_ports("1,2", f.rports, &f.nrports);
	ts_parse_pids("42", f.pids, &f.npids);
	ts_parse_states("LISTEN", &f.states);
	ts_kernel_filter(&f, true, &k);
	ok(k.have == ((1U << TCPSTATES_A_FILTER_FAMILY) |
		      (1U << TCPSTATES_A_FILTER_LOCAL_PORT) |
		      (1U << TCPSTATES_A_FILTER_TGID) |
		      (1U << TCPSTATES_A_FILTER_STATES)) &&
	   k.family == AF_INET6 && k.lport == 443 && k.tgid == 42 &&
	   k.states == 1U << 10,
	   "kernel filter: family, one port, one pid, states; two ports stay here");
}

static void test_format(void)
{
	char buf[256];

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
	{
		uint8_t a[16] = { 127, 0, 0, 1 };

		ts_format_addr(AF_INET, a, 8080, buf, sizeof(buf));
		is(buf, "127.0.0.1:8080", "IPv4 endpoint");
		inet_pton(AF_INET6, "::ffff:10.0.0.1", a);
		ts_format_addr(AF_INET6, a, 1, buf, sizeof(buf));
		is(buf, "[::ffff:10.0.0.1]:1", "v4-mapped endpoint in brackets");
	}
	ts_format_comm("a b\\c\n\xff", buf, sizeof(buf));
	is(buf, "a\\040b\\134c\\012\\377", "comm for a terminal: octal escapes");
	is(ts_state_sname(1), "estab", "ss name");
	is(ts_state_kname(8), "CLOSE_WAIT", "kernel name");
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

/* A hostile record printed as JSON, for cli.t to parse with a real parser */
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
	ts_print_conn(stdout, &o, &c);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--hostile-json")) {
		print_hostile();
		return 0;
	}
	test_parsing();
	test_filters();
	test_format();
	test_json();
	printf("1..%d\n", tests);
	return failed != 0;
}
