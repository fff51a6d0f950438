// SPDX-License-Identifier: GPL-2.0
/*
 * tcpconn: make loopback TCP connections with a known port and a known
 * order of events, for the tcpstates tests.
 *
 *   tcpconn [-4|-6|-M] -p PORT [-m MODE] [-n COUNT] [-t SECONDS] [-q]
 *
 *   -4, -6   IPv4 (default) or IPv6 loopback
 *   -M       IPv6 sockets talking over IPv4-mapped addresses (::ffff:127.0.0.1)
 *   -m MODE  what each connection does:
 *     client-first  the client closes first (active close), then the server
 *                   (passive close); the default
 *     server-first  the server closes first
 *     refused       connect to PORT with nothing listening
 *     abort         the client closes with SO_LINGER 0: RST instead of FIN
 *     unaccepted    the listener is closed with the connection not accepted
 *     simultaneous  both ends shut down at once (needs a delay on lo, see
 *                   tc netem), so both FINs cross: FIN_WAIT1 -> CLOSING
 *     reuse         client-first from local port PORT+1, then after 1.1 s a
 *                   second connection from the same port takes over the
 *                   first one's TIME_WAIT socket
 *     hold          connect, print, then wait for SIGUSR1 (or stdin EOF)
 *                   before a client-first close
 *     close-wait    the client closes, the server does not: its child
 *                   stays in CLOSE_WAIT (the leak SREs hunt) until SIGUSR1
 *     data          the client sends BYTES (-b), the server sends them back,
 *                   then a client-first close
 *     data-hold     the same, but after the exchange it prints "ready" and
 *                   waits for SIGUSR1 before closing
 *     no-accept     a listener with backlog 1 that never accepts, and
 *                   COUNT clients that connect without waiting; after 3 s
 *                   it prints "ready" and waits for SIGUSR1
 *     accept-threads  COUNT threads block in accept(), then COUNT clients
 *                   connect; each thread prints "accepted TID PEER_PORT";
 *                   all stay connected until SIGUSR1
 *   -n COUNT, -t SECONDS   repeat (client-first and server-first only), or
 *                   the number of accept threads or no-accept clients
 *   -b BYTES  data sent each way (data, data-hold)
 *   -q       print only the summary
 *
 * Prints "pid N", then "client_port N" per connection, "connections N".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"

static int family = AF_INET, mapped;
static long data_bytes;
static volatile sig_atomic_t released;

static void die(const char *what)
{
	fprintf(stderr, "tcpconn: %s: %s\n", what, strerror(errno));
	exit(1);
}

static socklen_t make_addr(unsigned int port, struct sockaddr_storage *ss)
{
	return loopback_addr(family, mapped, port, ss);
}

static int new_socket(void)
{
	int one = 1, zero = 0, fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("SO_REUSEADDR");
	if (mapped && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)))
		die("IPV6_V6ONLY");
	return fd;
}

static int listener(unsigned int port)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(port, &ss);
	int fd = new_socket();

	if (bind(fd, (struct sockaddr *)&ss, len))
		die("bind");
	if (listen(fd, 128))
		die("listen");
	return fd;
}

/* A connected client socket; from local port @lport when not 0. */
static int client(unsigned int port, unsigned int lport)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = new_socket();

	if (lport) {
		len = make_addr(lport, &ss);
		if (bind(fd, (struct sockaddr *)&ss, len))
			die("bind client");
	}
	len = make_addr(port, &ss);
	if (connect(fd, (struct sockaddr *)&ss, len))
		die("connect");
	return fd;
}

static unsigned int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		die("getsockname");
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void expect_eof(int fd)
{
	char buf[16];

	if (read(fd, buf, sizeof(buf)) != 0)
		die("read: expected EOF");
}

static void expect_reset(int fd)
{
	char buf[16];

	if (read(fd, buf, sizeof(buf)) != -1 || errno != ECONNRESET) {
		fprintf(stderr, "tcpconn: read: expected ECONNRESET\n");
		exit(1);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_usr1(int sig)
{
	(void)sig;
	released = 1;
}

static void wait_released(void)
{
	while (!released)
		usleep(10 * 1000);
}

static unsigned int peer_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len))
		die("getpeername");
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int accept_lfd;
static pthread_mutex_t accept_lock = PTHREAD_MUTEX_INITIALIZER;
static long accept_waiting;

static void *accept_thread(void *arg)
{
	int fd;

	(void)arg;
	pthread_mutex_lock(&accept_lock);
	accept_waiting++;
	pthread_mutex_unlock(&accept_lock);
	fd = accept(accept_lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	pthread_mutex_lock(&accept_lock);
	printf("accepted %ld %u\n", (long)syscall(SYS_gettid), peer_port(fd));
	pthread_mutex_unlock(&accept_lock);
	return NULL;
}

/*
 * COUNT threads blocked in accept() at once, then COUNT clients: each
 * child is accepted by whichever thread the kernel wakes.
 */
static void accept_threads(int lfd, unsigned int port, long count)
{
	pthread_attr_t attr;
	pthread_t *threads = calloc(count, sizeof(*threads));
	long i, waiting;

	if (!threads)
		die("calloc");
	accept_lfd = lfd;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 0; i < count; i++)
		if (pthread_create(&threads[i], &attr, accept_thread, NULL))
			die("pthread_create");
	do {
		usleep(100 * 1000);
		pthread_mutex_lock(&accept_lock);
		waiting = accept_waiting;
		pthread_mutex_unlock(&accept_lock);
	} while (waiting < count);
	sleep(1);	/* into accept() itself */
	for (i = 0; i < count; i++)
		client(port, 0);	/* left open */
	for (i = 0; i < count; i++)
		pthread_join(threads[i], NULL);
	printf("ready\n");
	fflush(stdout);
	wait_released();
}

/* Send and receive exactly @n bytes on @fd */
static void send_all(int fd, long n)
{
	char buf[4096];
	ssize_t k;

	memset(buf, 'x', sizeof(buf));
	while (n > 0) {
		k = write(fd, buf, n < (long)sizeof(buf) ? n : (long)sizeof(buf));
		if (k <= 0)
			die("write");
		n -= k;
	}
}

static void recv_all(int fd, long n)
{
	char buf[4096];
	ssize_t k;

	while (n > 0) {
		k = read(fd, buf, n < (long)sizeof(buf) ? n : (long)sizeof(buf));
		if (k <= 0)
			die("read");
		n -= k;
	}
}

/* One connection: client-first, server-first, abort or simultaneous. */
static void one(int lfd, unsigned int port, const char *mode, int quiet,
		unsigned int lport)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int cfd = client(port, lport);
	int sfd = accept(lfd, NULL, NULL);

	if (sfd < 0)
		die("accept");
	if (!quiet)
		printf("client_port %u\n", local_port(cfd));
	fflush(stdout);
	if (!strcmp(mode, "server-first")) {
		close(sfd);
		expect_eof(cfd);
		close(cfd);
	} else if (!strcmp(mode, "abort")) {
		if (setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
			die("SO_LINGER");
		close(cfd);
		expect_reset(sfd);
		close(sfd);
	} else if (!strcmp(mode, "simultaneous")) {
		if (shutdown(cfd, SHUT_WR) || shutdown(sfd, SHUT_WR))
			die("shutdown");
		expect_eof(cfd);
		expect_eof(sfd);
		close(cfd);
		close(sfd);
	} else if (!strcmp(mode, "hold")) {
		wait_released();
		close(cfd);
		expect_eof(sfd);
		close(sfd);
	} else if (!strcmp(mode, "data") || !strcmp(mode, "data-hold")) {
		send_all(cfd, data_bytes);
		recv_all(sfd, data_bytes);
		send_all(sfd, data_bytes);
		recv_all(cfd, data_bytes);
		if (!strcmp(mode, "data-hold")) {
			printf("ready\n");
			fflush(stdout);
			wait_released();
		}
		close(cfd);
		expect_eof(sfd);
		close(sfd);
	} else if (!strcmp(mode, "close-wait")) {
		close(cfd);
		expect_eof(sfd);
		printf("ready\n");
		fflush(stdout);
		wait_released();
		close(sfd);
	} else {
		close(cfd);
		expect_eof(sfd);
		close(sfd);
	}
}

int main(int argc, char **argv)
{
	const char *mode = "client-first";
	struct sockaddr_storage ss;
	int quiet = 0, c, lfd, cfd;
	double seconds = 0, t0;
	unsigned int port = 0;
	long count = 1, n = 0;

	while ((c = getopt(argc, argv, "46Mp:m:n:t:qb:")) != -1) {
		switch (c) {
		case '4': family = AF_INET; break;
		case '6': family = AF_INET6; break;
		case 'M': family = AF_INET6; mapped = 1; break;
		case 'p': port = atoi(optarg); break;
		case 'm': mode = optarg; break;
		case 'n': count = atol(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'q': quiet = 1; break;
		case 'b': data_bytes = atol(optarg); break;
		default:
			fprintf(stderr, "usage: tcpconn [-4|-6|-M] -p PORT [-m MODE] [-n COUNT] [-t SECONDS] [-b BYTES] [-q]\n");
			return 2;
		}
	}
	if (port == 0 || port > 65534) {
		fprintf(stderr, "tcpconn: -p PORT (1-65534) is required\n");
		return 2;
	}
	printf("pid %d\n", getpid());
	fflush(stdout);
	signal(SIGUSR1, on_usr1);

	if (!strcmp(mode, "refused")) {
		socklen_t len = make_addr(port, &ss);

		cfd = new_socket();
		if (connect(cfd, (struct sockaddr *)&ss, len) == 0 ||
		    errno != ECONNREFUSED)
			die("connect: expected ECONNREFUSED");
		if (!quiet)
			printf("client_port %u\n", local_port(cfd));
		close(cfd);
		printf("connections 1\n");
		return 0;
	}

	if (!strcmp(mode, "no-accept")) {
		struct sockaddr_storage a;
		socklen_t alen = make_addr(port, &a);
		long i;

		lfd = new_socket();
		if (bind(lfd, (struct sockaddr *)&a, alen) || listen(lfd, 1))
			die("listen");
		for (i = 0; i < count; i++) {
			cfd = new_socket();
			fcntl(cfd, F_SETFL, O_NONBLOCK);
			if (connect(cfd, (struct sockaddr *)&a, alen) && errno != EINPROGRESS)
				die("connect");
		}
		sleep(3);
		printf("ready\n");
		fflush(stdout);
		wait_released();
		printf("connections %ld\n", count);
		return 0;
	}
	lfd = listener(port);
	if (!strcmp(mode, "unaccepted")) {
		cfd = client(port, 0);
		if (!quiet)
			printf("client_port %u\n", local_port(cfd));
		usleep(100 * 1000);	/* the final ACK makes the child */
		close(lfd);
		expect_reset(cfd);
		close(cfd);
		n = 1;
	} else if (!strcmp(mode, "accept-threads")) {
		accept_threads(lfd, port, count);
		n = count;
	} else if (!strcmp(mode, "reuse")) {
		one(lfd, port, "client-first", quiet, port + 1);
		usleep(1100 * 1000);	/* tw_reuse wants a timestamp 1 s old */
		one(lfd, port, "client-first", quiet, port + 1);
		n = 2;
		close(lfd);
	} else {
		t0 = now();
		while (seconds > 0 ? now() - t0 < seconds : n < count) {
			one(lfd, port, mode, quiet, 0);
			n++;
		}
		close(lfd);
	}
	usleep(100 * 1000);	/* let the last ACKs land before anyone looks */
	printf("connections %ld\n", n);
	return 0;
}
