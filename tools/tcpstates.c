// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: show the TCP state transitions recorded by the tcpstates
 * kernel module, live or from its ring, and its live connection table,
 * through the module's generic netlink family.
 *
 * The command line meets two habits. A flag that ss(8) also has means
 * what it means in ss, or does not exist here (ss's -D, -S, -d, -r, -w are
 * refused with a hint); the filter is ss's expression grammar, as
 * trailing arguments. bcc's tcpstates flags that ss does not take are
 * kept (-4 -6 -L -j), and with no command tcpstates follows events live,
 * as bcc's tcpstates does.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpstates.h"

struct command {
	const char *name;
	int (*run)(struct ts_nl *nl, const struct ts_opts *o);
	const char *args;
	const char *summary;
	const char *help;	/* options and examples */
};

static const char filter_help[] =
"Filter options:\n"
"  -4, --ipv4               IPv4 only\n"
"  -6, --ipv6               IPv6 only\n"
"  -f, --family FAMILY      inet or inet6\n"
"  -a, --all                conns: the listeners too (as ss -a)\n"
"  -l, --listening          listening sockets only (as ss -l)\n"
"  -L, --lport PORTS        local ports, comma-separated (sport = :PORT)\n"
"      --rport PORTS        remote ports, comma-separated (dport = :PORT)\n"
"      --addr PREFIX        local or remote address within PREFIX (10.0.0.0/8, ::1)\n"
"      --pid PIDS           owner process ids, comma-separated (pid N)\n"
"  -c, --comm GLOB          owner command name, or a glob: 'java*' (comm GLOB)\n"
"      --state STATES       states, comma-separated: close-wait or CLOSE_WAIT, ...\n"
"      --cgroup CGROUP      the socket's cgroup (v2): a path under the cgroup2\n"
"                           mount (/system.slice/nginx.service) or its id\n"
"  -N, --netns NETNS        a network namespace: a name (ip netns), a path\n"
"                           (/proc/PID/ns/net), an inode number; or all\n"
"Output options:\n"
"  -e, --extended, --wide   more columns: SEQ, CAUSE, ROLE, NETNS, ISNs, ...\n"
"  -j, --json               one JSON object per line, every field\n"
"  -H, --no-header          no header line\n"
"  -p, --processes          the owner (PID, COMM): always shown, as ss -p shows it\n"
"  -T, --threads            the owner's thread id too (TID, as ss -T)\n"
"      --time               a wall-clock time column, HH:MM:SS.mmm\n"
"  -n, --numeric            accepted, as in ss: names are never resolved\n"
"  -t, --tcp                accepted, as in ss: TCP is all there is\n"
"Filter expression, after the options (ss's grammar, see tcpstates(8)):\n"
"  [state STATE]... [exclude STATE]... [EXPRESSION]\n"
"  EXPRESSION: src|dst ADDR[/PLEN][:PORT], sport|dport OP :PORT, pid N,\n"
"  comm GLOB, cause CAUSE, role ROLE, cookie N, netns_id N, family FAMILY,\n"
"  cgroup PATH|ID, combined with and, or, not and ( ). Text prints the\n"
"  kernel's state names (ESTABLISHED); filters take ss's (established,\n"
"  close-wait) too.\n";

static const struct command commands[] = {
	{ "watch", cmd_watch, "", "follow events live, until Ctrl-C (the default command)",
	  "Watch options:\n"
	  "  --since SEQ              first the ring's events from SEQ, then live: no gap, no duplicate\n"
	  "  --replay                 the same, from the oldest event in the ring\n"
	  "  --count N                stop after N events\n"
	  "  --duration SECONDS       stop after SECONDS\n"
	  "  --ladder                 draw each connection as a ladder when it closes\n"
	  "  --rcvbuf BYTES           socket receive buffer (default 8 MiB)\n"
	  "  --no-map                 netlink only, never the mapped ring\n"
	  "Lost events are reported on stderr with counts, and fetched back from the\n"
	  "ring while they are still there. Root in the initial namespaces reads the\n"
	  "live events from the mapped ring (/proc/tcpstates_map), others by netlink.\n"
	  "Examples:\n"
	  "  tcpstates                                 every transition, live (as bcc's tcpstates)\n"
	  "  tcpstates watch -L 443                    transitions of local port 443\n"
	  "  tcpstates watch state close-wait --time   sockets entering CLOSE_WAIT, with times\n"
	  "  tcpstates watch -N web1 -j                namespace web1 (ip netns), as JSON lines\n"
	  "  tcpstates watch --since 1200 -j           from event 1200 on, as JSON lines\n" },
	{ "events", cmd_events, "", "print the events still in the module's ring",
	  "Examples:\n"
	  "  tcpstates events dport = :5432          connections to port 5432\n"
	  "  tcpstates events cause reset_received   connections the peer reset\n"
	  "  tcpstates events -j | jq .newstate\n" },
	{ "life", cmd_life, "",
	  "one line per closed connection: bytes, lifespan, retransmits, RTT, cause (as tcplife)",
	  "Life options:\n"
	  "  --ring                   the connections whose close is still in the ring, then exit\n"
	  "  --since SEQ              first the ring's from event SEQ, then live\n"
	  "  --replay                 the same, from the oldest event in the ring\n"
	  "  --count N                stop after N connections\n"
	  "  --duration SECONDS       stop after SECONDS\n"
	  "  --rcvbuf BYTES           socket receive buffer (default 8 MiB)\n"
	  "  --no-map                 netlink only, never the mapped ring\n"
	  "Live by default, as watch. TX_BYTES and RX_BYTES are data bytes (sent and\n"
	  "acked, received; not the SYN and FIN), RETRANS every segment sent again\n"
	  "(SYNs included), RTT_MS the smoothed round-trip time at the close, CGROUP\n"
	  "the socket's cgroup by its path. Listeners are left out. -e adds FROM (the\n"
	  "state it closed from), SEGS_OUT, SEGS_IN, RTO, TLP, MIN_RTT_MS; -j has\n"
	  "every field.\n"
	  "Examples:\n"
	  "  tcpstates life                              every connection as it closes\n"
	  "  tcpstates life --ring dport = :443          those of port 443 still in the ring\n"
	  "  tcpstates life cgroup /system.slice/nginx.service -j\n" },
	{ "conns", cmd_conns, "",
	  "print live connections and their lifecycle (as ss lists sockets)",
	  "Conns options:\n"
	  "  --sort KEY               age (in the current state, longest first), state, pid,\n"
	  "                           comm, local, remote, handshake, cookie; bytes, retrans,\n"
	  "                           rtt (the most first)\n"
	  "  --reverse                reverse the order\n"
	  "Without -a or -l, listeners are left out, as ss does. RECV-Q and SEND-Q\n"
	  "come from sock_diag: \"-\" for TIME_WAIT and for other namespaces. -e adds\n"
	  "HS_RETRANS, TX_BYTES, RX_BYTES, RETRANS, RTT_MS (as of the connection's last\n"
	  "transition out of ESTABLISHED or its close; \"-\" while it is in ESTABLISHED)\n"
	  "and CGROUP.\n"
	  "Examples:\n"
	  "  tcpstates conns state close-wait --sort age   who holds CLOSE_WAIT the longest\n"
	  "  tcpstates conns -tanp                         everything, as ss -tanp\n"
	  "  tcpstates conns -e --sort handshake           slowest handshakes, all fields\n"
	  "  tcpstates conns dst 10.0.0.0/8 sport gt :1024\n" },
	{ "listeners", cmd_listeners, "",
	  "every listener with its accept queue, its limit and its drops",
	  "Listeners options:\n"
	  "  --sort KEY               drops (the most first), age, pid, comm, local, cookie, ...\n"
	  "  --reverse                reverse the order\n"
	  "QUEUE is the connections waiting for accept() and the backlog, now (as ss\n"
	  "-lt shows them) for the reader's namespace, else as of the listener's last\n"
	  "handshake or drop. SYN_DROPS counts SYNs refused and ACK_DROPS handshakes\n"
	  "dropped at their final ACK, both because the accept queue was full.\n"
	  "Examples:\n"
	  "  tcpstates listeners                         every listener\n"
	  "  tcpstates listeners --sort drops -j         those that dropped first, as JSON\n" },
	{ "stats", cmd_stats, "", "print the module's counters",
	  "Examples:\n"
	  "  tcpstates stats -j\n" },
	{ "show", cmd_show, " COOKIE",
	  "draw one connection as a ladder with its real sequence numbers",
	  "COOKIE is the connection's id (the COOKIE column, or \"cookie\" with -j).\n"
	  "Examples:\n"
	  "  tcpstates show 4242\n" },
	{ "summary", cmd_summary, "",
	  "transitions, handshake latency, close causes, top holders (also -s, as ss -s)",
	  "Summary options:\n"
	  "  --duration SECONDS       watch for SECONDS instead of reading the ring\n"
	  "The handshake histogram is split by whether a SYN or SYN-ACK was sent\n"
	  "again; listeners whose accept queue overflowed are listed with their drops.\n"
	  "Examples:\n"
	  "  tcpstates -s\n"
	  "  tcpstates summary --duration 30 sport = :80\n" },
};

#define NCOMMANDS (int)(sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	int i;

	fprintf(f,
"Usage: tcpstates [COMMAND] [OPTIONS] [FILTER]   (no COMMAND: watch, as bcc's tcpstates)\n"
"Show TCP state transitions and connections recorded by the tcpstates module.\n"
"\n"
"Commands:\n");
	for (i = 0; i < NCOMMANDS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "%s%s", commands[i].name,
			 commands[i].args);
		fprintf(f, "  %-14s %s\n", name, commands[i].summary);
	}
	fprintf(f,
"  help COMMAND   options and examples of COMMAND\n"
"\n%s"
"General options:\n"
"  -s, --summary            the summary command (as ss -s)\n"
"  -h, --help               help (after a command: that command's)\n"
"  -V, --version            versions of this tool and of the loaded module\n"
"Examples:\n"
"  tcpstates                                    follow every transition\n"
"  tcpstates conns state established '( dport = :443 or sport = :443 )'\n"
"  tcpstates show 4242                          one connection as a ladder\n"
"  tcpstates life                               every connection as it closes (as tcplife)\n",
		filter_help);
}

static void command_usage(FILE *f, const struct command *c)
{
	fprintf(f, "Usage: tcpstates %s%s [OPTIONS] [FILTER]\n%s.\n\n%s%s",
		c->name, c->args, c->summary, filter_help, c->help);
}

static void on_signal(int sig)
{
	(void)sig;
	ts_stop = 1;
}

enum {
	OPT_SINCE = 256,
	OPT_REPLAY,
	OPT_LADDER,
	OPT_RCVBUF,
	OPT_NO_MAP,
	OPT_RPORT,
	OPT_ADDR,
	OPT_PID,
	OPT_STATE,
	OPT_TIME,
	OPT_COUNT,
	OPT_DURATION,
	OPT_SORT,
	OPT_REVERSE,
	OPT_RING,
	OPT_CGROUP,
};

static int version(void)
{
	struct ts_nl nl;
	int ret;

	printf("tcpstates %s (netlink family version %d)\n", TS_VERSION,
	       TCPSTATES_GENL_VERSION);
	ret = ts_nl_open(&nl);
	if (ret) {
		printf("module: not loaded\n");
		return 0;
	}
	printf("module: loaded, netlink family version %u\n", nl.version);
	if (nl.version != TCPSTATES_GENL_VERSION)
		fprintf(stderr, "tcpstates: warning: the module speaks family version %u, this tool %d: fields may be missing\n",
			nl.version, TCPSTATES_GENL_VERSION);
	ts_nl_close(&nl);
	return 0;
}

static double parse_seconds(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v > 0) || v > 1e7)
		ts_usage_error("bad --duration '%s': want a number of seconds > 0", s);
	return v;
}

/* A number for @what ("--count"), or a usage error wanting @want */
static unsigned long long parse_count(const char *s, const char *what,
				      const char *want)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || errno || *end)
		ts_usage_error("bad %s '%s': want %s", what, s, want);
	return v;
}

static const char *const sort_keys[] = {
	"age", "state", "pid", "comm", "local", "remote", "handshake", "cookie",
	"bytes", "retrans", "rtt", "drops",
};

/* Flags of ss (and bcc) that tcpstates does not take, and what to use */
static const char *hint(int c)
{
	switch (c) {
	case 'w':
		return "it is ss's --raw (tcpstates shows TCP only); wide output is -e (--extended, as ss -e)";
	case 'D':
		return "it is ss's --diag; a remote port is 'dport = :PORT' or --rport PORT";
	case 'S':
		return "it is ss's --sctp; sorting is --sort KEY";
	case 'r':
		return "it is ss's --resolve (tcpstates never resolves names); --reverse reverses";
	case 'd':
		return "it is ss's --dccp; a duration is --duration SECONDS";
	case 'u': case 'x': case '0': case 'M':
		return "an ss flag for other protocols: tcpstates shows TCP only";
	case 'o': case 'm': case 'i': case 'K': case 'Z': case 'z': case 'b':
	case 'E': case 'O': case 'A': case 'F': case 'B': case 'Q':
		return "an ss flag tcpstates does not have";
	}
	return NULL;
}

/* Words that may begin a filter expression (no command given: watch) */
static bool filter_word(const char *w)
{
	static const char *const words[] = {
		"state", "exclude", "excl", "src", "dst", "sport", "dport",
		"pid", "comm", "cause", "role", "cookie", "netns_id", "family",
		"cgroup", "dev", "fwmark", "autobound", "not", "!", "(",
	};
	unsigned int i;

	if (*w >= '0' && *w <= '9')	/* bcc's -p PID: the grammar says what to type */
		return true;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strncmp(w, words[i], strlen(words[i])) &&
		    (!w[strlen(words[i])] || strchr(" (!", w[strlen(words[i])]) ||
		     words[i][0] == '(' || words[i][0] == '!'))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ipv4", no_argument, NULL, '4' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "family", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "listening", no_argument, NULL, 'l' },
		{ "lport", required_argument, NULL, 'L' },
		{ "rport", required_argument, NULL, OPT_RPORT },
		{ "addr", required_argument, NULL, OPT_ADDR },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "comm", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "netns", required_argument, NULL, 'N' },
		{ "extended", no_argument, NULL, 'e' },
		{ "wide", no_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-header", no_argument, NULL, 'H' },
		{ "processes", no_argument, NULL, 'p' },
		{ "threads", no_argument, NULL, 'T' },
		{ "time", no_argument, NULL, OPT_TIME },
		{ "numeric", no_argument, NULL, 'n' },
		{ "tcp", no_argument, NULL, 't' },
		{ "summary", no_argument, NULL, 's' },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "replay", no_argument, NULL, OPT_REPLAY },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "ladder", no_argument, NULL, OPT_LADDER },
		{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },
		{ "no-map", no_argument, NULL, OPT_NO_MAP },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "reverse", no_argument, NULL, OPT_REVERSE },
		{ "ring", no_argument, NULL, OPT_RING },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *cmd = NULL;
	struct ts_opts o = { 0 };
	struct ts_expr *e;
	bool help = false, summary_flag = false, listening = false;
	const char *only = NULL;	/* an option only watch takes */
	const char *live = NULL;	/* ... only watch and life take */
	char err[512];
	struct ts_nl nl;
	int c, i, ret;

	ts_filter_init(&o.f);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":46f:alL:c:N:ejHpTntshV",
				opts, NULL)) != -1) {
		switch (c) {
		case '4':
			ts_filter_and(&o.f, ts_pred(TS_K_FAMILY, TS_EQ, AF_INET));
			break;
		case '6':
			ts_filter_and(&o.f, ts_pred(TS_K_FAMILY, TS_EQ, AF_INET6));
			break;
		case 'f':
			if (strcmp(optarg, "inet") && strcmp(optarg, "inet6"))
				ts_usage_error("bad --family '%s': want inet or inet6 (tcpstates shows TCP only)", optarg);
			ts_filter_and(&o.f, ts_pred(TS_K_FAMILY, TS_EQ,
						    optarg[4] ? AF_INET6 : AF_INET));
			break;
		case 'a': o.f.all = true; break;
		case 'l': listening = true; break;
		case 'L':
			if (ts_parse_ports(optarg, &e, TS_K_SPORT))
				ts_usage_error("bad --lport '%s': want ports 0-65535, comma-separated", optarg);
			ts_filter_and(&o.f, e);
			break;
		case OPT_RPORT:
			if (ts_parse_ports(optarg, &e, TS_K_DPORT))
				ts_usage_error("bad --rport '%s': want ports 0-65535, comma-separated", optarg);
			ts_filter_and(&o.f, e);
			break;
		case OPT_ADDR:
			e = ts_pred(TS_K_ADDR, TS_EQ, 0);
			if (ts_parse_host(optarg, &e->host, true) || !e->host.family ||
			    e->host.port >= 0)
				ts_usage_error("bad --addr '%s': want an address or ADDRESS/PREFIXLEN", optarg);
			ts_filter_and(&o.f, e);
			break;
		case OPT_PID:
			if (ts_parse_pids(optarg, &e))
				ts_usage_error("bad --pid '%s': want process ids, comma-separated", optarg);
			ts_filter_and(&o.f, e);
			break;
		case 'c':
			e = ts_pred(TS_K_COMM, TS_EQ, 0);
			e->glob = strdup(optarg);
			ts_filter_and(&o.f, e);
			break;
		case OPT_STATE:
			if (ts_parse_states(optarg, &o.f.states))
				ts_usage_error("bad --state '%s': want TCP states such as CLOSE_WAIT,ESTABLISHED or close-wait,established", optarg);
			break;
		case 'N':
			if (ts_netns_resolve(optarg, &o.f, err, sizeof(err)))
				ts_usage_error("bad --netns '%s': %s", optarg, err);
			break;
		case 'e': o.wide = true; break;
		case 'j': o.json = true; break;
		case 'H': o.no_header = true; break;
		case 'p': break;	/* the owner is always shown */
		case 'T': o.threads = true; break;
		case OPT_TIME: o.time = true; break;
		case 'n': break;	/* nothing is resolved */
		case 't': break;	/* TCP only */
		case 's': summary_flag = true; break;
		case OPT_SINCE:
			o.since = parse_count(optarg, "--since", "an event sequence number");
			o.since_set = true;
			live = live ? live : "--since";
			break;
		case OPT_REPLAY:
			o.since = 1;
			o.since_set = true;
			live = live ? live : "--replay";
			break;
		case OPT_COUNT:
			o.count = parse_count(optarg, "--count", "a number of events");
			live = live ? live : "--count";
			break;
		case OPT_DURATION: o.duration = parse_seconds(optarg); break;
		case OPT_LADDER:
			o.ladder = true;
			only = only ? only : "--ladder";
			break;
		case OPT_RCVBUF:
			o.rcvbuf = parse_count(optarg, "--rcvbuf", "a number of bytes");
			if (o.rcvbuf < 1024 || o.rcvbuf > (1U << 30))
				ts_usage_error("bad --rcvbuf '%s': want 1024 to 1073741824 bytes", optarg);
			live = live ? live : "--rcvbuf";
			break;
		case OPT_NO_MAP:
			o.no_map = true;
			live = live ? live : "--no-map";
			break;
		case OPT_RING: o.ring = true; break;
		case OPT_CGROUP:
			e = ts_pred(TS_K_CGROUP, TS_EQ, 0);
			if (ts_cgroup_resolve(optarg, &e->num, err, sizeof(err)))
				ts_usage_error("bad --cgroup '%s': %s", optarg, err);
			ts_filter_and(&o.f, e);
			break;
		case OPT_SORT:
			for (i = 0; i < (int)(sizeof(sort_keys) / sizeof(sort_keys[0])); i++)
				if (!strcmp(optarg, sort_keys[i]))
					break;
			if (i == (int)(sizeof(sort_keys) / sizeof(sort_keys[0])))
				ts_usage_error("bad --sort '%s': want age, state, pid, comm, local, remote, handshake, cookie, bytes, retrans, rtt or drops", optarg);
			o.sort = optarg;
			break;
		case OPT_REVERSE: o.reverse = true; break;
		case 'h': help = true; break;
		case 'V': return version();
		case ':':
			if (optopt)
				fprintf(stderr, "tcpstates: option -%c needs a value (see tcpstates --help)\n", optopt);
			else
				fprintf(stderr, "tcpstates: option %s needs a value (see tcpstates --help)\n", argv[optind - 1]);
			return 2;
		default:
			if (optopt && hint(optopt))
				fprintf(stderr, "tcpstates: unknown option -%c: %s (see tcpstates --help)\n", optopt, hint(optopt));
			else if (optopt)
				fprintf(stderr, "tcpstates: unknown option -%c (see tcpstates --help)\n", optopt);
			else
				fprintf(stderr, "tcpstates: unknown option %s (see tcpstates --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "help")) {
		help = true;
		optind++;
	}
	if (optind < argc) {
		for (i = 0; i < NCOMMANDS; i++)
			if (!strcmp(argv[optind], commands[i].name))
				cmd = &commands[i];
		if (cmd)
			optind++;
		else if (help || !filter_word(argv[optind]))
			ts_usage_error("unknown command '%s'", argv[optind]);
	}
	if (help) {
		/* the values are checked all the same (the completion's test) */
		if ((!cmd || cmd->run != cmd_show) && optind < argc &&
		    ts_expr_parse(argv + optind, argc - optind, &o.f, err, sizeof(err)))
			ts_usage_error("%s", err);
		if (cmd)
			command_usage(stdout, cmd);
		else
			usage(stdout);
		return 0;
	}
	if (summary_flag) {
		if (cmd && cmd->run != cmd_summary)
			ts_usage_error("-s is the summary command (as ss -s), not an option of %s",
				       cmd->name);
		for (i = 0; i < NCOMMANDS; i++)
			if (commands[i].run == cmd_summary)
				cmd = &commands[i];
	}
	if (!cmd)
		cmd = &commands[0];	/* watch, as bcc's tcpstates */
	if (cmd->run == cmd_show) {
		if (optind >= argc)
			ts_usage_error("missing COOKIE: show needs a connection COOKIE");
		o.cookie = argv[optind++];
		parse_count(o.cookie, "COOKIE", "a connection's cookie (a number)");
		if (optind < argc)
			ts_usage_error("unexpected argument '%s': show takes a COOKIE only",
				       argv[optind]);
	}
	if (optind < argc && ts_expr_parse(argv + optind, argc - optind, &o.f,
					   err, sizeof(err)))
		ts_usage_error("%s", err);
	if (only && cmd->run != cmd_watch)
		ts_usage_error("option %s is for watch only", only);
	if (live && cmd->run != cmd_watch && cmd->run != cmd_life)
		ts_usage_error("option %s is for watch and life only", live);
	if (o.ring && cmd->run != cmd_life)
		ts_usage_error("option %s is for life only", "--ring");
	if (o.ring && (o.duration || o.rcvbuf || o.no_map))
		ts_usage_error("--ring reads the ring once: %s is for following live",
			       o.duration ? "--duration" :
			       o.rcvbuf ? "--rcvbuf" : "--no-map");
	if (o.sort && cmd->run != cmd_conns && cmd->run != cmd_listeners)
		ts_usage_error("option %s is for conns and listeners only", "--sort");
	if (o.duration && cmd->run != cmd_watch && cmd->run != cmd_summary &&
	    cmd->run != cmd_life)
		ts_usage_error("option %s is for watch, life and summary only", "--duration");
	if (o.ladder && o.json)
		ts_usage_error("--ladder with --json: --ladder draws text, not JSON");
	if ((cmd->run == cmd_conns || cmd->run == cmd_listeners) &&
	    ts_expr_has(o.f.expr, TS_K_CAUSE))
		ts_usage_error("'cause' is about events (watch, events, life, summary): a live connection has none");
	if ((cmd->run == cmd_life || cmd->run == cmd_listeners) &&
	    (o.f.states || o.f.exclude || ts_expr_has(o.f.expr, TS_K_STATE) ||
	     (listening && cmd->run == cmd_life)))
		ts_usage_error("%s", cmd->run == cmd_life ?
			       "'state' does not apply to life: it shows closed connections (-e: FROM, the state each closed from)" :
			       "'state' does not apply to listeners: they are all in LISTEN");
	if (listening)
		o.f.states |= TS_STATE_BIT(TS_LISTEN);
	/* what these views are made of: the events into CLOSE, the listeners */
	if (cmd->run == cmd_life) {
		o.life = true;
		o.f.states = TS_STATE_BIT(TS_CLOSE);
	} else if (cmd->run == cmd_listeners) {
		o.f.states = TS_STATE_BIT(TS_LISTEN);
	}
	ts_filter_finish(&o.f, cmd->run == cmd_conns, cmd->run != cmd_show);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);	/* a closed pipe: ts_flush() ends quietly */
	ts_clock_init();
	ret = ts_nl_open(&nl);
	if (ret)
		ts_nl_fail(&nl, "netlink", ret, &o);
	if (ts_expr_has(o.f.expr, TS_K_CGROUP) &&
	    !(ts_nl_filter_attrs(&nl) & (1U << TCPSTATES_A_FILTER_CGROUP_ID)))
		ts_usage_error("cgroup: the loaded module has no cgroup filter (it is older than this tool)");
	ret = cmd->run(&nl, &o);
	ts_nl_close(&nl);
	return ret;
}
