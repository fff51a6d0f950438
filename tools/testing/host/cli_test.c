// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the CLI's parsing and filters (TAP). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "event.h"

static int tests, failed;

static void ok(int cond, const char *name)
{
	tests++;
	if (!cond)
		failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tests, name);
}

static void test_events(void)
{
	struct ts_event ev;

	ok(ts_parse_event("SEQ      TIME             NETNS      COOKIE             OLDSTATE    NEWSTATE    PREV_MS    CAUSE          LOCAL                 REMOTE                SND        RCV        TGID    PID     UID    COMM", &ev) == -1,
	   "header line is not an event");
	ok(ts_parse_event("17       12.000001000     4026531840 4097 CLOSE       SYN_SENT    -          -              127.0.0.1:41000       127.0.0.1:5001        4133421893 0          133     134     0      tcp\\040conn", &ev) == 0,
	   "IPv4 event parses");
	ok(ev.seq == 17 && ev.ts_ns == 12000001000ULL && ev.netns == 4026531840U &&
	   ev.cookie == 4097, "seq, time, netns and cookie");
	ok(ev.snd == 4133421893U && ev.rcv == 0 && !strcmp(ev.prev_ms, "-") &&
	   !strcmp(ev.cause, "-"), "sequence numbers, unknown duration and no cause");
	ok(!strcmp(ev.tgid, "133") && !strcmp(ev.pid, "134") && !strcmp(ev.uid, "0") &&
	   !strcmp(ev.comm, "tcp\\040conn"), "owner, comm kept escaped");
	ok(!strcmp(ev.oldstate, "CLOSE") && !strcmp(ev.newstate, "SYN_SENT"),
	   "states");
	ok(ev.family == AF_INET && !strcmp(ev.laddr, "127.0.0.1") &&
	   ev.lport == 41000 && ev.rport == 5001, "IPv4 endpoints");
	ok(ts_parse_event("3 1.500000000 1 7 ESTABLISHED CLOSE_WAIT 0.250 - [::1]:5001 [::ffff:10.0.0.1]:1234 1 2 - - - -", &ev) == 0 &&
	   ev.family == AF_INET6 && !strcmp(ev.laddr, "::1") &&
	   !strcmp(ev.raddr, "::ffff:10.0.0.1") && ev.rport == 1234,
	   "IPv6 and v4-mapped endpoints");
	ok(ts_parse_event("3 1.5 1 7 ESTABLISHED CLOSE_WAIT - - [::1]:5001 [::1]:1 1 2 - - - -", &ev) == -1,
	   "time without 9 ns digits is rejected");
	ok(ts_parse_event("3 1.500000000 1 7 ESTABLISHED BOGUS - - [::1]:5001 [::1]:1 1 2 - - - -", &ev) == -1,
	   "unknown state is rejected");
	ok(ts_parse_event("3 1.500000000 1 7 ESTABLISHED CLOSE - normal 1.2.3.4:5 [::1]:1 1 2 - - - -", &ev) == -1,
	   "mixed families are rejected");
	ok(ts_parse_event("3 1.500000000 1 7 ESTABLISHED CLOSE - normal 1.2.3.4:5 1.2.3.4:70000 1 2 - - - -", &ev) == -1,
	   "port above 65535 is rejected");
	ok(ts_parse_event("3 1.500000000 1 7 ESTABLISHED CLOSE - normal 1.2.3.4:5 1.2.3.4:7 1 2 - - - - extra", &ev) == -1,
	   "trailing fields are rejected");
	ok(ts_parse_event("", &ev) == -1, "empty line is rejected");
}

static void test_endpoints(void)
{
	char addr[TS_ADDR_LEN];
	unsigned int port;
	int fam;

	ok(ts_parse_endpoint("[fe80::1]:22", addr, sizeof(addr), &port, &fam) == 0 &&
	   fam == AF_INET6 && port == 22 && !strcmp(addr, "fe80::1"), "bracketed IPv6");
	ok(ts_parse_endpoint("fe80::1:22", addr, sizeof(addr), &port, &fam) == -1,
	   "unbracketed IPv6 is rejected");
	ok(ts_parse_endpoint("[::1]22", addr, sizeof(addr), &port, &fam) == -1,
	   "missing colon after ] is rejected");
	ok(ts_parse_endpoint("1.2.3:4", addr, sizeof(addr), &port, &fam) == -1,
	   "short IPv4 is rejected");
	ok(ts_parse_endpoint("1.2.3.4:", addr, sizeof(addr), &port, &fam) == -1,
	   "empty port is rejected");
}

static void test_filters(void)
{
	struct ts_filter f = { 0 };
	struct ts_event ev;
	unsigned int mask;
	int n;

	ok(ts_parse_ports("80,443", f.lports, &n) == 0 && n == 2 &&
	   f.lports[1] == 443, "port list");
	ok(ts_parse_ports("0", f.lports, &n) == -1, "port 0 is rejected");
	ok(ts_parse_ports("65536", f.lports, &n) == -1, "port 65536 is rejected");
	ok(ts_parse_ports("80,", f.lports, &n) == -1, "trailing comma is rejected");
	ok(ts_parse_ports("-1", f.lports, &n) == -1, "negative port is rejected");
	ok(ts_parse_ports("http", f.lports, &n) == -1, "name is rejected");
	ok(ts_parse_states("close_wait,TIME_WAIT", &mask) == 0 &&
	   mask == ((1U << 8) | (1U << 6)), "state list, any case");
	ok(ts_parse_states("CLOSE_WAIT,NOPE", &mask) == -1, "unknown state is rejected");
	ok(ts_parse_states(",", &mask) == -1, "empty state list is rejected");

	ts_parse_event("5 1.000000000 1 7 ESTABLISHED CLOSE_WAIT 1.000 - 127.0.0.1:5001 127.0.0.1:40000 1 2 9 9 0 x", &ev);
	memset(&f, 0, sizeof(f));
	ok(ts_filter_match(&f, &ev), "empty filter matches");
	f.family = AF_INET6;
	ok(!ts_filter_match(&f, &ev), "-6 drops IPv4");
	f.family = 0;
	ts_parse_ports("22,5001", f.lports, &f.nlports);
	ok(ts_filter_match(&f, &ev), "local port in list matches");
	ts_parse_ports("5001", f.rports, &f.nrports);
	ok(!ts_filter_match(&f, &ev), "remote port not in list drops");
	f.nrports = 0;
	ts_parse_states("LAST_ACK", &f.states);
	ok(!ts_filter_match(&f, &ev), "state filter drops other new states");
	ts_parse_states("CLOSE_WAIT", &f.states);
	ok(ts_filter_match(&f, &ev), "state filter keeps its state");
}

int main(void)
{
	test_events();
	test_endpoints();
	test_filters();
	printf("1..%d\n", tests);
	return failed ? 1 : 0;
}
