// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: show the TCP state transitions recorded by the tcpstates
 * kernel module.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "event.h"

#define TCPSTATES_VERSION "0.1"

static const char *events_path = "/proc/tcpstates";
static const char *stats_path = "/proc/tcpstates_stats";
static volatile sig_atomic_t stop;

static void usage(FILE *f)
{
	fprintf(f,
"Usage: tcpstates [OPTIONS] [events|watch|stats]\n"
"Show the TCP state transitions recorded by the tcpstates kernel module.\n"
"\n"
"Commands:\n"
"  events      print the transitions still in the module's ring (default)\n"
"  watch       print transitions as they happen, until Ctrl-C\n"
"  stats       print the module's counters\n"
"\n"
"Options:\n"
"  -4, --ipv4              IPv4 only\n"
"  -6, --ipv6              IPv6 only\n"
"  -L, --localport PORTS   local ports, comma separated\n"
"  -D, --remoteport PORTS  remote ports, comma separated\n"
"  -s, --state STATES      new state in this list (e.g. CLOSE_WAIT,TIME_WAIT)\n"
"  -i, --interval MS       watch: poll interval (default 200)\n"
"  -h, --help              this help\n"
"  -V, --version           print the version\n"
"\n"
"Examples:\n"
"  tcpstates                       all recorded transitions\n"
"  tcpstates -L 80,443 events      transitions of local ports 80 and 443\n"
"  tcpstates -s CLOSE_WAIT watch   sockets entering CLOSE_WAIT, live\n");
}

static FILE *open_proc(const char *path)
{
	FILE *f = fopen(path, "r");

	if (!f) {
		if (errno == ENOENT)
			fprintf(stderr, "tcpstates: the kernel module is not loaded (%s is missing); load it with: insmod tcpstates.ko\n",
				path);
		else
			fprintf(stderr, "tcpstates: cannot read %s: %s\n",
				path, strerror(errno));
	}
	return f;
}

static void print_header(void)
{
	printf("%-7s %-14s %-7s %-15s %-21s %-21s %-12s    %-12s %-9s %s\n",
	       "SEQ", "TIME(s)", "PID", "COMM", "LOCAL", "REMOTE", "OLDSTATE",
	       "NEWSTATE", "MS", "CAUSE");
}

static void print_event(const struct ts_event *ev)
{
	char local[TS_ADDR_LEN + 10], remote[TS_ADDR_LEN + 10];
	const char *fmt = ev->family == AF_INET6 ? "[%s]:%u" : "%s:%u";
	char time[24];

	snprintf(local, sizeof(local), fmt, ev->laddr, ev->lport);
	snprintf(remote, sizeof(remote), fmt, ev->raddr, ev->rport);
	snprintf(time, sizeof(time), "%llu.%09llu", ev->ts_ns / 1000000000ULL,
		 ev->ts_ns % 1000000000ULL);
	printf("%-7llu %-14s %-7s %-15s %-21s %-21s %-12s -> %-12s %-9s %s\n",
	       ev->seq, time, ev->tgid, ev->comm, local, remote, ev->oldstate,
	       ev->newstate, ev->prev_ms, ev->cause);
}

/* Read one stats counter, or -1. */
static long long read_stat(const char *name)
{
	char key[64];
	long long v;
	FILE *f = fopen(stats_path, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2) {
		if (!strcmp(key, name)) {
			fclose(f);
			return v;
		}
	}
	fclose(f);
	return -1;
}

/*
 * Print the events after *last that match; *last becomes the newest
 * sequence number seen. Return: 0, or 2 when the file cannot be read.
 */
static int read_events(const struct ts_filter *flt, unsigned long long *last,
		       bool print)
{
	struct ts_event ev;
	char line[512];
	FILE *f = open_proc(events_path);

	if (!f)
		return 2;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (ts_parse_event(line, &ev))
			continue;
		if (ev.seq <= *last)
			continue;
		*last = ev.seq;
		if (print && ts_filter_match(flt, &ev))
			print_event(&ev);
	}
	fclose(f);
	fflush(stdout);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int cmd_watch(const struct ts_filter *flt, long interval_ms)
{
	struct timespec ts = { interval_ms / 1000, (interval_ms % 1000) * 1000000L };
	unsigned long long last = 0;
	long long first;
	int ret;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	ret = read_events(flt, &last, false);
	if (ret)
		return ret;
	print_header();
	while (!stop) {
		nanosleep(&ts, NULL);
		first = read_stat("ring_first_seq");
		if (first > 0 && (unsigned long long)first > last + 1)
			fprintf(stderr, "tcpstates: lost %llu events (ring overwritten; raise ring_size or poll faster)\n",
				(unsigned long long)first - last - 1);
		ret = read_events(flt, &last, true);
		if (ret)
			return ret;
	}
	return 0;
}

static int cmd_stats(void)
{
	char line[256];
	FILE *f = open_proc(stats_path);

	if (!f)
		return 2;
	while (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	fclose(f);
	return 0;
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "tcpstates: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'tcpstates --help'.\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ipv4", no_argument, NULL, '4' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "localport", required_argument, NULL, 'L' },
		{ "remoteport", required_argument, NULL, 'D' },
		{ "state", required_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ts_filter flt = { 0 };
	unsigned long long last = 0;
	long interval = 200;
	const char *cmd;
	char *end;
	int c, ret;

	if (getenv("TCPSTATES_PROC"))
		events_path = getenv("TCPSTATES_PROC");
	if (getenv("TCPSTATES_STATS"))
		stats_path = getenv("TCPSTATES_STATS");

	while ((c = getopt_long(argc, argv, "46L:D:s:i:hV", opts, NULL)) != -1) {
		switch (c) {
		case '4':
			flt.family = AF_INET;
			break;
		case '6':
			flt.family = AF_INET6;
			break;
		case 'L':
			if (ts_parse_ports(optarg, flt.lports, &flt.nlports))
				return usage_error("invalid local port list '%s' (want ports 1-65535, comma separated)", optarg);
			break;
		case 'D':
			if (ts_parse_ports(optarg, flt.rports, &flt.nrports))
				return usage_error("invalid remote port list '%s' (want ports 1-65535, comma separated)", optarg);
			break;
		case 's':
			if (ts_parse_states(optarg, &flt.states))
				return usage_error("invalid state list '%s' (want names such as ESTABLISHED,CLOSE_WAIT)", optarg);
			break;
		case 'i':
			errno = 0;
			interval = strtol(optarg, &end, 10);
			if (errno || *end || interval < 10 || interval > 60000)
				return usage_error("invalid interval '%s' (want 10 to 60000 ms)", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tcpstates %s\n", TCPSTATES_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try 'tcpstates --help'.\n");
			return 2;
		}
	}
	if (argc - optind > 1)
		return usage_error("too many arguments, starting at '%s'", argv[optind + 1]);
	cmd = optind < argc ? argv[optind] : "events";

	if (!strcmp(cmd, "events")) {
		print_header();
		ret = read_events(&flt, &last, true);
	} else if (!strcmp(cmd, "watch")) {
		ret = cmd_watch(&flt, interval);
	} else if (!strcmp(cmd, "stats")) {
		ret = cmd_stats();
	} else {
		return usage_error("unknown command '%s' (want events, watch or stats)", cmd);
	}
	return ret;
}
