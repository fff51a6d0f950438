// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: show the TCP state transitions recorded by the tcpstates
 * kernel module, live or from its ring, and its live connection table,
 * through the module's generic netlink family.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpstates.h"

volatile int ts_stop;

struct command {
	const char *name;
	int (*run)(struct ts_nl *nl, const struct ts_opts *o);
	const char *args;
	const char *summary;
	const char *help;	/* options and examples */
};

static const char filter_help[] =
"Filters:\n"
"  -4, --ipv4               IPv4 only\n"
"  -6, --ipv6               IPv6 only\n"
"  -L, --lport PORTS        local ports, comma-separated\n"
"  -D, --rport PORTS        remote ports, comma-separated\n"
"  -a, --addr PREFIX        local or remote address within PREFIX (10.0.0.0/8, ::1)\n"
"  -p, --pid PIDS           owner process ids, comma-separated\n"
"  -c, --comm NAME          owner command name\n"
"  -s, --state STATES       states, comma-separated: CLOSE_WAIT or close-wait, estab...\n"
"  -N, --netns ID|all       a network namespace (inode of /proc/PID/ns/net), or all\n"
"Output:\n"
"  -T, --time               wall-clock time column\n"
"  -j, --json               one JSON object per line, every field\n"
"  -w, --wide               wide columns: IPv6 addresses, SEQ, COOKIE, ...\n";

static const struct command commands[] = {
	{ "watch", cmd_watch, "", "follow events live, until Ctrl-C",
	  "  --since SEQ              first the ring's events from SEQ, then live: no gap, no duplicate\n"
	  "  --replay                 the same, from the oldest event in the ring\n"
	  "  -n, --count N            stop after N events\n"
	  "  -d, --duration SECONDS   stop after SECONDS\n"
	  "  --ladder                 draw each connection as a ladder when it closes\n"
	  "  --rcvbuf BYTES           socket receive buffer (default 8 MiB)\n"
	  "Lost events are reported on stderr with counts, and fetched back from the\n"
	  "ring while they are still there.\n"
	  "Examples:\n"
	  "  tcpstates watch -L 443              transitions of local port 443, live\n"
	  "  tcpstates watch -s close-wait -T    sockets entering CLOSE_WAIT, with times\n"
	  "  tcpstates watch --since 1200 -j     from event 1200 on, as JSON lines\n" },
	{ "events", cmd_events, "", "print the events still in the module's ring",
	  "Examples:\n"
	  "  tcpstates events -D 5432            connections to port 5432\n"
	  "  tcpstates events -j | jq .newstate\n" },
	{ "conns", cmd_conns, "", "print live connections and their lifecycle (like ss)",
	  "  -S, --sort KEY           age (in the current state, longest first), state, pid,\n"
	  "                           comm, local, remote, handshake, cookie\n"
	  "  -r, --reverse            reverse the order\n"
	  "Examples:\n"
	  "  tcpstates conns -s close-wait -S age   who holds CLOSE_WAIT the longest\n"
	  "  tcpstates conns -S handshake -w        slowest handshakes, all fields\n" },
	{ "stats", cmd_stats, "", "print the module's counters",
	  "Examples:\n"
	  "  tcpstates stats -j\n" },
	{ "show", cmd_show, " COOKIE",
	  "draw one connection as a ladder with its real sequence numbers",
	  "COOKIE is the connection's id (COOKIE in 'conns -w', 'events -w' or -j).\n"
	  "Examples:\n"
	  "  tcpstates show 4242\n" },
	{ "summary", cmd_summary, "",
	  "transitions, handshake latency, close causes, top holders",
	  "  -d, --duration SECONDS   watch for SECONDS instead of reading the ring\n"
	  "Examples:\n"
	  "  tcpstates summary -d 30 -L 80\n" },
};

#define NCOMMANDS (int)(sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	int i;

	fprintf(f,
"Usage: tcpstates COMMAND [OPTIONS]\n"
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
"  -h, --help               help (after a command: that command's)\n"
"  -V, --version            versions of this tool and of the loaded module\n",
		filter_help);
}

static void command_usage(FILE *f, const struct command *c)
{
	fprintf(f, "Usage: tcpstates %s%s [OPTIONS]\n%s.\n\n%s%s", c->name,
		c->args, c->summary, filter_help, c->help);
}

static void __attribute__((noreturn)) usage_error(const char *fmt, const char *arg)
{
	fputs("tcpstates: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (see tcpstates --help)\n", stderr);
	exit(2);
}

/* Netlink errors as users need them: one line, the cause, an exit code */
void ts_nl_fail(const struct ts_nl *nl, const char *what, int err,
		const struct ts_opts *o)
{
	if (err == -ENOENT && !nl->family_id) {
		fprintf(stderr, "tcpstates: the tcpstates kernel module is not loaded; load it with: sudo modprobe tcpstates (or sudo insmod tcpstates.ko)\n");
		exit(2);
	}
	if (err == -EPERM || err == -EACCES) {
		if (o && o->f.all_netns)
			fprintf(stderr, "tcpstates: %s: permission denied: --netns all needs CAP_NET_ADMIN in the initial user namespace\n", what);
		else if (o && o->f.netns)
			fprintf(stderr, "tcpstates: %s: permission denied: another namespace needs CAP_NET_ADMIN in the initial user namespace\n", what);
		else
			fprintf(stderr, "tcpstates: %s: permission denied: needs CAP_NET_ADMIN (run as root)\n", what);
		exit(1);
	}
	fprintf(stderr, "tcpstates: %s: %s%s%s\n", what, strerror(-err),
		nl->err[0] ? ": " : "", nl->err);
	exit(1);
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
		usage_error("bad --duration '%s': want a number of seconds > 0", s);
	return v;
}

static unsigned long long parse_count(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		usage_error(what, s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		usage_error(what, s);
	return v;
}

static const char *const sort_keys[] = {
	"age", "state", "pid", "comm", "local", "remote", "handshake", "cookie",
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ipv4", no_argument, NULL, '4' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "lport", required_argument, NULL, 'L' },
		{ "rport", required_argument, NULL, 'D' },
		{ "addr", required_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 's' },
		{ "netns", required_argument, NULL, 'N' },
		{ "time", no_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "wide", no_argument, NULL, 'w' },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "replay", no_argument, NULL, OPT_REPLAY },
		{ "count", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "ladder", no_argument, NULL, OPT_LADDER },
		{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },
		{ "sort", required_argument, NULL, 'S' },
		{ "reverse", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *cmd = NULL;
	struct ts_opts o = { 0 };
	bool help = false;
	const char *only = NULL;	/* an option only some commands take */
	struct ts_nl nl;
	int c, i, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":46L:D:a:p:c:s:N:Tjwn:d:S:rhV",
				opts, NULL)) != -1) {
		switch (c) {
		case '4': o.f.family = AF_INET; break;
		case '6': o.f.family = AF_INET6; break;
		case 'L':
			if (ts_parse_ports(optarg, o.f.lports, &o.f.nlports))
				usage_error("bad --lport '%s': want ports 0-65535, comma-separated", optarg);
			break;
		case 'D':
			if (ts_parse_ports(optarg, o.f.rports, &o.f.nrports))
				usage_error("bad --rport '%s': want ports 0-65535, comma-separated", optarg);
			break;
		case 'a':
			if (ts_parse_prefix(optarg, &o.f))
				usage_error("bad --addr '%s': want an address or ADDRESS/PREFIXLEN", optarg);
			break;
		case 'p':
			if (ts_parse_pids(optarg, o.f.pids, &o.f.npids))
				usage_error("bad --pid '%s': want process ids, comma-separated", optarg);
			break;
		case 'c': o.f.comm = optarg; break;
		case 's':
			if (ts_parse_states(optarg, &o.f.states))
				usage_error("bad --state '%s': want TCP states such as ESTABLISHED,CLOSE_WAIT or estab,close-wait", optarg);
			break;
		case 'N':
			if (ts_parse_netns(optarg, &o.f))
				usage_error("bad --netns '%s': want a namespace inode number or 'all'", optarg);
			break;
		case 'T': o.time = true; break;
		case 'j': o.json = true; break;
		case 'w': o.wide = true; break;
		case OPT_SINCE:
			o.since = parse_count(optarg, "bad --since '%s': want an event sequence number");
			o.since_set = true;
			only = only ? only : "--since";
			break;
		case OPT_REPLAY:
			o.since = 1;
			o.since_set = true;
			only = only ? only : "--replay";
			break;
		case 'n':
			o.count = parse_count(optarg, "bad --count '%s': want a number of events");
			only = only ? only : "--count";
			break;
		case 'd': o.duration = parse_seconds(optarg); break;
		case OPT_LADDER:
			o.ladder = true;
			only = only ? only : "--ladder";
			break;
		case OPT_RCVBUF:
			o.rcvbuf = parse_count(optarg, "bad --rcvbuf '%s': want a number of bytes");
			if (o.rcvbuf < 1024 || o.rcvbuf > (1U << 30))
				usage_error("bad --rcvbuf '%s': want 1024 to 1073741824 bytes", optarg);
			only = only ? only : "--rcvbuf";
			break;
		case 'S':
			for (i = 0; i < (int)(sizeof(sort_keys) / sizeof(sort_keys[0])); i++)
				if (!strcmp(optarg, sort_keys[i]))
					break;
			if (i == (int)(sizeof(sort_keys) / sizeof(sort_keys[0])))
				usage_error("bad --sort '%s': want age, state, pid, comm, local, remote, handshake or cookie", optarg);
			o.sort = optarg;
			break;
		case 'r': o.reverse = true; break;
		case 'h': help = true; break;
		case 'V': return version();
		case ':':
			if (optopt)
				fprintf(stderr, "tcpstates: option -%c needs a value (see tcpstates --help)\n", optopt);
			else
				fprintf(stderr, "tcpstates: option %s needs a value (see tcpstates --help)\n", argv[optind - 1]);
			return 2;
		default:
			if (optopt)
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
		if (!cmd)
			usage_error("unknown command '%s'", argv[optind]);
		optind++;
	}
	if (help) {
		if (cmd)
			command_usage(stdout, cmd);
		else
			usage(stdout);
		return 0;
	}
	if (!cmd) {
		usage(stderr);
		return 2;
	}
	if (cmd->run == cmd_show) {
		if (optind >= argc)
			usage_error("%s: show needs a connection COOKIE", "missing COOKIE");
		o.cookie = argv[optind++];
		parse_count(o.cookie, "bad COOKIE '%s': want a connection's cookie (a number)");
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (only && cmd->run != cmd_watch)
		usage_error("option %s is for watch only", only);
	if (o.sort && cmd->run != cmd_conns)
		usage_error("option %s is for conns only", "--sort");
	if (o.duration && cmd->run != cmd_watch && cmd->run != cmd_summary)
		usage_error("option %s is for watch and summary only", "--duration");
	if (o.ladder && o.json)
		usage_error("%s: --ladder draws text, not JSON", "--ladder with --json");

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	ts_clock_init();
	ret = ts_nl_open(&nl);
	if (ret)
		ts_nl_fail(&nl, "netlink", ret, &o);
	ret = cmd->run(&nl, &o);
	ts_nl_close(&nl);
	return ret;
}
