// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: Recv-Q and Send-Q for conns, from the kernel's sock_diag
 * (NETLINK_SOCK_DIAG, an inet_diag dump of the TCP sockets, as ss reads
 * them): the module's table keeps no socket pointer. Sockets are matched
 * by their cookie, which is our COOKIE. The dump covers the reader's own
 * network namespace; TIME_WAIT and request sockets have no queues and are
 * left out, so a connection not found shows "-".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "tcpstates.h"

struct ts_diag_sock {
	uint64_t cookie;		/* 0: a free slot (no socket has 0) */
	uint32_t rq, wq;
};

struct ts_diag {
	struct ts_diag_sock *slot;
	size_t mask;			/* slots - 1, a power of two - 1 */
	size_t n;
};

static size_t hash(uint64_t cookie)
{
	cookie ^= cookie >> 33;
	cookie *= 0xff51afd7ed558ccdULL;
	cookie ^= cookie >> 33;
	return cookie;
}

static int insert(struct ts_diag *d, uint64_t cookie, uint32_t rq,
		  uint32_t wq)
{
	struct ts_diag_sock *old = d->slot;
	size_t i, n = d->mask + 1;

	if (!cookie)
		return 0;
	if (2 * (d->n + 1) > n) {	/* at most half full */
		d->slot = calloc(2 * n, sizeof(*d->slot));
		if (!d->slot) {
			d->slot = old;
			return -ENOMEM;
		}
		d->mask = 2 * n - 1;
		d->n = 0;
		for (i = 0; i < n; i++)
			if (old[i].cookie)
				insert(d, old[i].cookie, old[i].rq, old[i].wq);
		free(old);
	}
	for (i = hash(cookie) & d->mask; d->slot[i].cookie;
	     i = (i + 1) & d->mask)
		if (d->slot[i].cookie == cookie)
			return 0;
	d->slot[i].cookie = cookie;
	d->slot[i].rq = rq;
	d->slot[i].wq = wq;
	d->n++;
	return 0;
}

static int diag_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	uint64_t cookie;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*m)))
		return MNL_CB_OK;
	cookie = (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
	return insert(data, cookie, m->idiag_rqueue, m->idiag_wqueue) ?
	       MNL_CB_ERROR : MNL_CB_OK;
}

static int dump(struct mnl_socket *sock, struct ts_diag *d, int family)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int portid = mnl_socket_get_portid(sock);
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	int ret;
	ssize_t n;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = family;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = TS_ALL_STATES & ~(TS_STATE_BIT(TS_TIME_WAIT) |
					      TS_STATE_BIT(TS_NEW_SYN_RECV));
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(sock, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, n, nlh->nlmsg_seq, portid, diag_cb, d);
		if (ret <= MNL_CB_STOP)
			return ret < 0 ? -errno : 0;
	}
}

/* Every TCP socket's queues, or NULL when sock_diag cannot tell */
struct ts_diag *ts_diag_load(void)
{
	struct mnl_socket *sock = mnl_socket_open(NETLINK_SOCK_DIAG);
	struct ts_diag *d = calloc(1, sizeof(*d));

	if (!sock || !d)
		goto fail;
	d->mask = 255;
	d->slot = calloc(d->mask + 1, sizeof(*d->slot));
	if (!d->slot || mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    dump(sock, d, AF_INET) || dump(sock, d, AF_INET6))
		goto fail;
	mnl_socket_close(sock);
	return d;

fail:
	if (sock)
		mnl_socket_close(sock);
	ts_diag_free(d);
	return NULL;
}

bool ts_diag_find(const struct ts_diag *d, uint64_t cookie, uint32_t *rq,
		  uint32_t *wq)
{
	size_t i;

	if (!d || !cookie)
		return false;
	for (i = hash(cookie) & d->mask; d->slot[i].cookie;
	     i = (i + 1) & d->mask) {
		if (d->slot[i].cookie == cookie) {
			*rq = d->slot[i].rq;
			*wq = d->slot[i].wq;
			return true;
		}
	}
	return false;
}

void ts_diag_free(struct ts_diag *d)
{
	if (!d)
		return;
	free(d->slot);
	free(d);
}
