// SPDX-License-Identifier: GPL-2.0
/*
 * tcpconn: make loopback TCP connections with a known port and a known
 * order of events, for the tcpstates tests.
 *
 *   tcpconn [-4|-6] -p PORT [-n COUNT] [-t SECONDS] [-q]
 *
 * For each connection: the client connects, the server accepts, the client
 * closes first (active close), the server reads EOF and closes (passive
 * close). The listener is closed at the end. Prints "client_port N" per
 * connection unless -q, and "connections N" at the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "tcpconn: %s: %s\n", what, strerror(errno));
	exit(1);
}

static socklen_t make_addr(int family, unsigned int port,
			   struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_addr = in6addr_loopback;
	return sizeof(*sin6);
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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	int family = AF_INET, quiet = 0, one = 1, c;
	long count = 1, n = 0;
	double seconds = 0, t0;
	unsigned int port = 0;
	socklen_t len;
	int lfd, cfd, sfd;
	char buf[16];

	while ((c = getopt(argc, argv, "46p:n:t:q")) != -1) {
		switch (c) {
		case '4': family = AF_INET; break;
		case '6': family = AF_INET6; break;
		case 'p': port = atoi(optarg); break;
		case 'n': count = atol(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'q': quiet = 1; break;
		default:
			fprintf(stderr, "usage: tcpconn [-4|-6] -p PORT [-n COUNT] [-t SECONDS] [-q]\n");
			return 2;
		}
	}
	if (port == 0 || port > 65535) {
		fprintf(stderr, "tcpconn: -p PORT (1-65535) is required\n");
		return 2;
	}

	len = make_addr(family, port, &ss);
	lfd = socket(family, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("SO_REUSEADDR");
	if (bind(lfd, (struct sockaddr *)&ss, len))
		die("bind");
	if (listen(lfd, 128))
		die("listen");

	t0 = now();
	while (seconds > 0 ? now() - t0 < seconds : n < count) {
		cfd = socket(family, SOCK_STREAM, 0);
		if (cfd < 0)
			die("socket");
		if (connect(cfd, (struct sockaddr *)&ss, len))
			die("connect");
		sfd = accept(lfd, NULL, NULL);
		if (sfd < 0)
			die("accept");
		if (!quiet)
			printf("client_port %u\n", local_port(cfd));
		close(cfd);			/* active close: FIN from the client */
		if (read(sfd, buf, sizeof(buf)) != 0)	/* wait for that FIN */
			die("read: expected EOF");
		close(sfd);			/* passive close: FIN from the server */
		n++;
	}
	close(lfd);
	usleep(100 * 1000);	/* let the last ACKs land before anyone looks */
	printf("connections %ld\n", n);
	return 0;
}
