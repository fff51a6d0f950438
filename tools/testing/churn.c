// SPDX-License-Identifier: GPL-2.0
/*
 * churn: a loopback TCP connection-churn generator for the tcpstates
 * benchmarks (scripts/bench.sh).
 *
 * N threads, each with its own listener (port BASE+i, or an ephemeral
 * port), loop: connect, accept, optionally send B bytes each way, then the
 * client closes first and the server closes after reading the client's FIN.
 * Every connection therefore goes through the same transitions (client:
 * CLOSE -> SYN_SENT -> ESTABLISHED -> FIN_WAIT1 -> FIN_WAIT2 -> TIME_WAIT;
 * server child: SYN_RECV -> ESTABLISHED -> CLOSE_WAIT -> LAST_ACK -> CLOSE),
 * so the number of state-transition events a run causes is the exact
 * number of connections it reports times a per-connection constant.
 *
 * It stops after a duration (-d) or a total count (-n), whichever comes
 * first, and prints the exact number of connections completed and the rate.
 * Any socket error is fatal (exit 1): a reported count is always exact.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"

#define MAX_THREADS 256

struct worker {
	pthread_t tid;
	int cpu;		/* pinned to this CPU, or -1 */
	int lfd;
	unsigned int port;
	unsigned long long conns;
};

static int family = AF_INET;
static size_t xfer_bytes;
static double duration;
static unsigned long long total;	/* 0: no count limit */
static atomic_ullong claimed;		/* connections started (count mode) */
static atomic_bool stop;
static bool pin;
static pthread_barrier_t start_line;
static double deadline;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: churn [-4|-6] [-t THREADS] [-d SECONDS] [-n COUNT] [-b BYTES]\n"
		"             [-p PORT] [-P] [-j] [-q]\n"
		"\n"
		"Loopback TCP connection churn: each thread connects to its own listener,\n"
		"accepts, exchanges BYTES each way, closes the client first, then the server.\n"
		"\n"
		"  -4, --ipv4             IPv4, 127.0.0.1 (default)\n"
		"  -6, --ipv6             IPv6, ::1\n"
		"  -t, --threads N        worker threads, 1-%d (default: online CPUs)\n"
		"  -d, --duration SECONDS run for this long (default 5 unless -n is given)\n"
		"  -n, --count N          stop after N connections in all (exact)\n"
		"  -b, --bytes B          bytes sent by the client, and back, per connection\n"
		"                         (default 0: connect and close only)\n"
		"  -p, --port BASE        listen on ports BASE..BASE+THREADS-1 (default:\n"
		"                         ephemeral ports)\n"
		"  -P, --pin              pin thread i to the i-th CPU the process may use\n"
		"                         (round robin), so that N threads load N CPUs\n"
		"  -j, --json             print the result as one JSON object\n"
		"  -q, --quiet            no progress messages on stderr\n"
		"  -h, --help             this text\n"
		"\n"
		"With -d and -n both, it stops at whichever comes first. Output: threads,\n"
		"family, bytes, ports, connections (exact), seconds, conn_per_sec.\n"
		"Each connection causes 10 tcpstates events (5 client, 5 server child);\n"
		"the client's TIME_WAIT ends later, one more event each.\n"
		"\n"
		"Examples:\n"
		"  churn -d 10                 10 s, one thread per CPU, IPv4\n"
		"  churn -6 -t 4 -n 100000 -b 512 -p 7000\n",
		MAX_THREADS);
}

static void fail(const char *what)
{
	fprintf(stderr, "churn: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static socklen_t make_addr(unsigned int port, struct sockaddr_storage *ss)
{
	return loopback_addr(family, false, port, ss);
}

static unsigned int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		fail("getsockname");
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int open_listener(unsigned int port)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(port, &ss);
	int one = 1, fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		fail("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		fail("SO_REUSEADDR");
	if (bind(fd, (struct sockaddr *)&ss, len))
		fail("bind");
	if (listen(fd, 128))
		fail("listen");
	return fd;
}

static void write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t r = write(fd, buf, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			fail("write");
		}
		buf += r;
		n -= (size_t)r;
	}
}

static void read_all(int fd, char *buf, size_t n)
{
	while (n) {
		ssize_t r = read(fd, buf, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			fail("read");
		}
		if (r == 0) {
			fprintf(stderr, "churn: read: unexpected EOF\n");
			exit(1);
		}
		buf += r;
		n -= (size_t)r;
	}
}

static void expect_eof(int fd)
{
	char c;
	ssize_t r;

	do
		r = read(fd, &c, 1);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		fail("read (waiting for the client's FIN)");
	if (r > 0) {
		fprintf(stderr, "churn: read: expected EOF, got data\n");
		exit(1);
	}
}

/* One whole connection; the client closes first. */
static void one_connection(struct worker *w, char *buf)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(w->port, &ss);
	int cfd, sfd;

	cfd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd < 0)
		fail("socket");
	while (connect(cfd, (struct sockaddr *)&ss, len)) {
		if (errno != EINTR)
			fail("connect");
	}
	do
		sfd = accept4(w->lfd, NULL, NULL, SOCK_CLOEXEC);
	while (sfd < 0 && errno == EINTR);
	if (sfd < 0)
		fail("accept");
	if (xfer_bytes) {
		write_all(cfd, buf, xfer_bytes);
		read_all(sfd, buf, xfer_bytes);
		write_all(sfd, buf, xfer_bytes);
		read_all(cfd, buf, xfer_bytes);
	}
	/* Client first; the server reads its FIN (CLOSE_WAIT) before closing,
	 * so that the teardown is always the same four-way one.
	 */
	if (close(cfd))
		fail("close (client)");
	expect_eof(sfd);
	if (close(sfd))
		fail("close (server)");
}

static bool more(void)
{
	if (atomic_load_explicit(&stop, memory_order_relaxed))
		return false;
	if (duration > 0 && now() >= deadline) {
		atomic_store(&stop, true);
		return false;
	}
	if (total) {
		unsigned long long n = atomic_fetch_add(&claimed, 1);

		if (n >= total) {
			atomic_store(&stop, true);
			return false;
		}
	}
	return true;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char *buf = NULL;

	if (w->cpu >= 0) {
		cpu_set_t set;
		int err;

		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
		if (err) {
			errno = err;
			fail("pthread_setaffinity_np");
		}
	}
	if (xfer_bytes) {
		buf = calloc(1, xfer_bytes);
		if (!buf)
			fail("calloc");
	}
	pthread_barrier_wait(&start_line);
	while (more()) {
		one_connection(w, buf);
		w->conns++;
	}
	free(buf);
	return NULL;
}

static bool parse_ull(const char *s, unsigned long long min,
		      unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static void bad(const char *opt, const char *val)
{
	fprintf(stderr, "churn: bad value '%s' for %s (see churn --help)\n",
		val, opt);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ipv4", no_argument, NULL, '4' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "threads", required_argument, NULL, 't' },
		{ "duration", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "pin", no_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long long threads = 0, base = 0, v;
	unsigned long long conns = 0;
	struct worker *ws;
	bool json = false, quiet = false;
	double t0, t1, secs;
	long ncpu;
	unsigned int i;
	int c, err;

	while ((c = getopt_long(argc, argv, "46t:d:n:b:p:Pjqh", longopts, NULL)) != -1) {
		switch (c) {
		case '4':
			family = AF_INET;
			break;
		case '6':
			family = AF_INET6;
			break;
		case 't':
			if (!parse_ull(optarg, 1, MAX_THREADS, &threads))
				bad("--threads", optarg);
			break;
		case 'd': {
			char *end;

			errno = 0;
			duration = strtod(optarg, &end);
			if (errno || *end || !(duration > 0) || duration > 86400)
				bad("--duration", optarg);
			break;
		}
		case 'n':
			if (!parse_ull(optarg, 1, ULLONG_MAX / 2, &total))
				bad("--count", optarg);
			break;
		case 'b':
			if (!parse_ull(optarg, 0, 64 << 20, &v))
				bad("--bytes", optarg);
			xfer_bytes = v;
			break;
		case 'p':
			if (!parse_ull(optarg, 1, 65535, &base))
				bad("--port", optarg);
			break;
		case 'P':
			pin = true;
			break;
		case 'j':
			json = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "churn: unexpected argument '%s' (see churn --help)\n",
			argv[optind]);
		return 2;
	}
	if (!threads) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		threads = ncpu > 0 ? (unsigned long long)ncpu : 1;
		if (threads > MAX_THREADS)
			threads = MAX_THREADS;
	}
	if (base && base + threads - 1 > 65535) {
		fprintf(stderr, "churn: ports %llu..%llu are out of range\n",
			base, base + threads - 1);
		return 2;
	}
	if (!total && !(duration > 0))
		duration = 5;

	ws = calloc(threads, sizeof(*ws));
	if (!ws)
		fail("calloc");
	if (pin) {
		cpu_set_t allowed;
		int cpu, n = 0;

		if (sched_getaffinity(0, sizeof(allowed), &allowed))
			fail("sched_getaffinity");
		ncpu = CPU_COUNT(&allowed);
		for (i = 0; i < threads; i++) {
			/* the ((i mod ncpu) + 1)-th allowed CPU */
			for (cpu = 0, n = -1; cpu < CPU_SETSIZE; cpu++)
				if (CPU_ISSET(cpu, &allowed) && ++n == (int)(i % ncpu))
					break;
			ws[i].cpu = cpu;
		}
	} else {
		for (i = 0; i < threads; i++)
			ws[i].cpu = -1;
	}
	/* Listeners first: their LISTEN events are not part of the run. */
	for (i = 0; i < threads; i++) {
		ws[i].lfd = open_listener(base ? (unsigned int)(base + i) : 0);
		ws[i].port = local_port(ws[i].lfd);
	}
	err = pthread_barrier_init(&start_line, NULL, (unsigned int)threads + 1);
	if (err) {
		errno = err;
		fail("pthread_barrier_init");
	}
	for (i = 0; i < threads; i++) {
		err = pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]);
		if (err) {
			errno = err;
			fail("pthread_create");
		}
	}
	if (!quiet)
		fprintf(stderr, "churn: %llu threads, %s, %zu bytes, first port %u\n",
			threads, family == AF_INET ? "ipv4" : "ipv6", xfer_bytes,
			ws[0].port);
	t0 = now();
	deadline = t0 + duration;
	pthread_barrier_wait(&start_line);
	for (i = 0; i < threads; i++) {
		pthread_join(ws[i].tid, NULL);
		conns += ws[i].conns;
	}
	t1 = now();
	secs = t1 - t0;
	for (i = 0; i < threads; i++)
		close(ws[i].lfd);

	if (json) {
		printf("{\"threads\":%llu,\"family\":\"%s\",\"bytes\":%zu,\"ports\":[",
		       threads, family == AF_INET ? "ipv4" : "ipv6", xfer_bytes);
		for (i = 0; i < threads; i++)
			printf("%s%u", i ? "," : "", ws[i].port);
		printf("],\"connections\":%llu,\"seconds\":%.6f,\"conn_per_sec\":%.1f}\n",
		       conns, secs, secs > 0 ? conns / secs : 0.0);
	} else {
		printf("threads %llu\nfamily %s\nbytes %zu\nports", threads,
		       family == AF_INET ? "ipv4" : "ipv6", xfer_bytes);
		for (i = 0; i < threads; i++)
			printf(" %u", ws[i].port);
		printf("\nconnections %llu\nseconds %.6f\nconn_per_sec %.1f\n",
		       conns, secs, secs > 0 ? conns / secs : 0.0);
	}
	free(ws);
	return 0;
}
