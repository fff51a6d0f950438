// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates-exporter: serves the tcpstates module's aggregates as
 * Prometheus metrics over HTTP (libmicrohttpd): the command line, the
 * HTTP server, and one scrape per GET /metrics. What is read lives in
 * collect.c, what is served in metrics.c.
 *
 * Scrapes are answered one at a time by libmicrohttpd's one internal
 * thread: a scrape reads the module afresh (nothing is cached), and no
 * two read it at once.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "exporter.h"

#define TS_EXP_VERSION	"0.1"

static const char usage_text[] =
"Usage: tcpstates-exporter [OPTIONS]\n"
"Serve the tcpstates module's aggregates as Prometheus metrics on /metrics.\n"
"\n"
"  -l, --listen ADDR:PORT   where to listen: 0.0.0.0:%d, [::1]:%d, :%d (every\n"
"                           address, the default), localhost:%d\n"
"      --netns all|own      every network namespace (the default; needs\n"
"                           CAP_NET_ADMIN in the initial user namespace) or the\n"
"                           exporter's own (a container's exporter); histograms\n"
"                           are kept for every namespace together only\n"
"  -p, --port PORTS         per-port series for these local ports (comma-separated,\n"
"                           at most %d), from the module's connection table\n"
"      --remote-port PORTS  the same for remote ports (the services this host uses)\n"
"      --top N              series for the N processes holding the most CLOSE_WAIT and\n"
"                           the N holding the most TIME_WAIT connections (default %d,\n"
"                           0: none, at most %d)\n"
"      --table-interval S   read the table for --port and --top at most every S\n"
"                           seconds (default %d; 0: at every scrape): its dump\n"
"                           costs in proportion to the connections it returns\n"
"      --bucket-step N      serve every Nth power-of-2 histogram bound (default 1: all\n"
"                           39, 1 us to 76 h; 2: 20, ...; fewer series)\n"
"      --timeout MS         give up waiting for the kernel after MS ms (default 2000)\n"
"      --once               print one scrape on stdout and exit (1 if the module did\n"
"                           not answer)\n"
"  -h, --help               this help\n"
"  -V, --version            the version\n"
"Examples:\n"
"  tcpstates-exporter\n"
"  tcpstates-exporter --listen 127.0.0.1:%d --port 80,443 --remote-port 5432 --top 10\n"
"  tcpstates-exporter --once | promtool check metrics\n";

static void usage(FILE *f)
{
	fprintf(f, usage_text, TS_EXP_DEFAULT_PORT, TS_EXP_DEFAULT_PORT,
		TS_EXP_DEFAULT_PORT, TS_EXP_DEFAULT_PORT, TS_EXP_MAX_PORTS,
		TS_EXP_DEFAULT_TOP, TS_EXP_MAX_TOP, TS_EXP_DEFAULT_TABLE_INTERVAL,
		TS_EXP_DEFAULT_PORT);
}

static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tcpstates-exporter: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see --help)\n");
	exit(2);
}

static long number(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		fail("%s: '%s' is not a number from %ld to %ld", opt, s, lo, hi);
	return v;
}

/* "80,443" into @ports; returns how many */
static int port_list(const char *opt, const char *s, uint16_t *ports, int have)
{
	char *copy = strdup(s), *tok, *save;
	int n = have, i;
	long p;

	if (!copy)
		fail("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		p = number(opt, tok, 1, 65535);
		for (i = 0; i < n && ports[i] != p; i++)
			;
		if (i < n)
			continue;	/* listed twice */
		if (n == TS_EXP_MAX_PORTS)
			fail("%s: at most %d ports", opt, TS_EXP_MAX_PORTS);
		ports[n++] = p;
	}
	free(copy);
	return n;
}

/* ADDR:PORT, [V6]:PORT, :PORT, or PORT alone */
struct listen_addr {
	bool any;			/* no address: every one */
	struct sockaddr_storage ss;
	uint16_t port;
};

static void parse_listen(const char *s, struct listen_addr *l)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	char host[256], *colon;
	struct addrinfo *res;
	const char *port;
	int ret;

	memset(l, 0, sizeof(*l));
	if (s[0] == '[') {
		colon = strchr(s, ']');
		if (!colon || colon[1] != ':' || (size_t)(colon - s) >= sizeof(host))
			fail("--listen: '%s' is not [ADDRESS]:PORT", s);
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s - 1), s + 1);
		port = colon + 2;
	} else if ((colon = strrchr(s, ':'))) {
		if ((size_t)(colon - s) >= sizeof(host))
			fail("--listen: '%s' is too long", s);
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
		port = colon + 1;
	} else {
		host[0] = '\0';
		port = s;
	}
	l->port = number("--listen", port, 1, 65535);
	if (!host[0]) {
		l->any = true;
		return;
	}
	ret = getaddrinfo(host, port, &hints, &res);
	if (ret)
		fail("--listen: %s: %s", host, gai_strerror(ret));
	memcpy(&l->ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
}

struct server {
	struct ts_exp_config cfg;
	struct ts_exp_collector *collector;
	struct ts_exp_snap *snap;
};

/* One scrape into a malloc'ed buffer */
static char *scrape(struct server *srv, size_t *len)
{
	char *buf = NULL;
	FILE *f;

	ts_exp_collect(srv->collector, srv->snap);
	f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	ts_exp_render(f, &srv->cfg, srv->snap);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static const char landing[] =
"<html><head><title>tcpstates exporter</title></head><body>\n"
"<h1>tcpstates exporter</h1>\n"
"<p>TCP state transitions, connections in each state, closes by cause and\n"
"handshake, lifetime and state-time histograms, from the tcpstates kernel\n"
"module.</p>\n"
"<p><a href=\"/metrics\">Metrics</a></p>\n"
"</body></html>\n";

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     const char *type, void *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, mode);
	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req)
{
	static int headers_seen;
	struct server *srv = cls;
	size_t len;
	char *body;

	(void)version;
	(void)upload_data;
	/*
	 * The first call has the headers only: answering then, before the
	 * request is known to be complete, would make libmicrohttpd close
	 * the connection after the answer (a new TCP connection per scrape,
	 * each a handful of transitions of its own). Answer on the second.
	 */
	if (!*req) {
		*req = &headers_seen;
		return MHD_YES;
	}
	if (*upload_data_size) {	/* a body nobody asked for: ignored */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			     "only GET and HEAD\n", 18, MHD_RESPMEM_PERSISTENT);
	if (!strcmp(url, "/metrics")) {
		body = scrape(srv, &len);
		if (!body)
			return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
				     "out of memory\n", 14, MHD_RESPMEM_PERSISTENT);
		return reply(conn, MHD_HTTP_OK,
			     "text/plain; version=0.0.4; charset=utf-8", body, len,
			     MHD_RESPMEM_MUST_FREE);
	}
	if (!strcmp(url, "/"))
		return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8",
			     (void *)landing, sizeof(landing) - 1,
			     MHD_RESPMEM_PERSISTENT);
	return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", "not found: try /metrics\n",
		     24, MHD_RESPMEM_PERSISTENT);
}

static struct MHD_Daemon *start(struct server *srv, const struct listen_addr *l)
{
	/* one thread; a client that sends nothing is dropped after 10 s */
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	struct MHD_Daemon *d;

	if (l->any) {
		/* every IPv6 and IPv4 address; IPv4 only where IPv6 is off */
		d = MHD_start_daemon(flags | MHD_USE_DUAL_STACK, l->port, NULL, NULL,
				     handle, srv, MHD_OPTION_CONNECTION_TIMEOUT, 10U,
				     MHD_OPTION_CONNECTION_LIMIT, 64U, MHD_OPTION_END);
		if (d)
			return d;
		return MHD_start_daemon(flags, l->port, NULL, NULL, handle, srv,
					MHD_OPTION_CONNECTION_TIMEOUT, 10U,
					MHD_OPTION_CONNECTION_LIMIT, 64U, MHD_OPTION_END);
	}
	if (l->ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	return MHD_start_daemon(flags, l->port, NULL, NULL, handle, srv,
				MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&l->ss,
				MHD_OPTION_CONNECTION_TIMEOUT, 10U,
				MHD_OPTION_CONNECTION_LIMIT, 64U, MHD_OPTION_END);
}

enum {
	OPT_NETNS = 256,
	OPT_RPORT,
	OPT_TOP,
	OPT_STEP,
	OPT_TIMEOUT,
	OPT_ONCE,
	OPT_TABLE,
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "netns", required_argument, NULL, OPT_NETNS },
		{ "port", required_argument, NULL, 'p' },
		{ "remote-port", required_argument, NULL, OPT_RPORT },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "bucket-step", required_argument, NULL, OPT_STEP },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "table-interval", required_argument, NULL, OPT_TABLE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct server srv = {
		.cfg = {
			.all_netns = true, .top = TS_EXP_DEFAULT_TOP,
			.bucket_step = 1, .timeout_ms = 2000,
			.table_interval_ms = 1000 * TS_EXP_DEFAULT_TABLE_INTERVAL,
		},
	};
	char listen_default[16];
	const char *listen = listen_default;
	struct listen_addr addr;
	struct MHD_Daemon *d;
	bool once = false;
	sigset_t set;
	int c, sig;

	snprintf(listen_default, sizeof(listen_default), ":%d", TS_EXP_DEFAULT_PORT);
	while ((c = getopt_long(argc, argv, "l:p:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case OPT_NETNS:
			if (!strcmp(optarg, "all"))
				srv.cfg.all_netns = true;
			else if (!strcmp(optarg, "own"))
				srv.cfg.all_netns = false;
			else
				fail("--netns: 'all' or 'own', not '%s'", optarg);
			break;
		case 'p':
			srv.cfg.nlport = port_list("--port", optarg, srv.cfg.lport,
						   srv.cfg.nlport);
			break;
		case OPT_RPORT:
			srv.cfg.nrport = port_list("--remote-port", optarg,
						   srv.cfg.rport, srv.cfg.nrport);
			break;
		case OPT_TOP:
			srv.cfg.top = number("--top", optarg, 0, TS_EXP_MAX_TOP);
			break;
		case OPT_STEP:
			srv.cfg.bucket_step = number("--bucket-step", optarg, 1,
						     TCPSTATES_HIST_BUCKETS - 1);
			break;
		case OPT_TIMEOUT:
			srv.cfg.timeout_ms = number("--timeout", optarg, 1, 60000);
			break;
		case OPT_TABLE:
			srv.cfg.table_interval_ms = 1000 * number("--table-interval",
								  optarg, 0, 3600);
			break;
		case OPT_ONCE:
			once = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tcpstates-exporter %s (netlink family version %d)\n",
			       TS_EXP_VERSION, TCPSTATES_GENL_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		fail("unexpected argument '%s'", argv[optind]);
	parse_listen(listen, &addr);

	srv.snap = calloc(1, sizeof(*srv.snap));
	srv.collector = ts_exp_collector_new(&srv.cfg);
	if (!srv.snap || !srv.collector)
		fail("out of memory");
	if (once) {
		ts_exp_collect(srv.collector, srv.snap);
		ts_exp_render(stdout, &srv.cfg, srv.snap);
		return fflush(stdout) || srv.snap->error ? 1 : 0;
	}

	/* signals are taken by sigwait below, in no other thread */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = start(&srv, &addr);
	if (!d) {
		fprintf(stderr, "tcpstates-exporter: cannot listen on %s\n", listen);
		return 1;
	}
	fprintf(stderr, "tcpstates-exporter %s: listening on %s, /metrics\n",
		TS_EXP_VERSION, listen);
	do {
		if (sigwait(&set, &sig))
			break;
	} while (sig == SIGHUP);
	MHD_stop_daemon(d);
	ts_exp_collector_free(srv.collector);
	free(srv.snap);
	return 0;
}
