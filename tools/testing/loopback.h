/* SPDX-License-Identifier: GPL-2.0 */
/* The loopback address of the test traffic generators (tcpconn, churn). */
#ifndef TCPSTATES_TESTING_LOOPBACK_H
#define TCPSTATES_TESTING_LOOPBACK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

/*
 * Fill *ss with the loopback address of family (AF_INET or AF_INET6) and
 * port; with mapped, the IPv4 loopback as an IPv4-mapped IPv6 address
 * (::ffff:127.0.0.1). Returns the length to pass to bind() or connect().
 */
static inline socklen_t loopback_addr(int family, bool mapped, unsigned int port,
				      struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	if (mapped)
		inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6->sin6_addr);
	else
		sin6->sin6_addr = in6addr_loopback;
	return sizeof(*sin6);
}

#endif
