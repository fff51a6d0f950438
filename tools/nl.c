// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates tools: the generic netlink client (see nl.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nl.h"

#define TS_NL_BUFLEN	(64 * 1024)

/* One request's answer: what the callbacks need. */
struct ts_nl_ctx {
	struct ts_nl *nl;
	mnl_cb_t data_cb;
	void *user_cb;
	void *user;
	int stop;		/* what a user callback returned to stop */
};

/* An extended ack's message, into nl->err. @attrs: its TLVs. */
static void ts_nl_extack(struct ts_nl *nl, const void *attrs, size_t len)
{
	const struct nlattr *a;

	for (a = attrs; mnl_attr_ok(a, (const char *)attrs + len - (const char *)a);
	     a = mnl_attr_next(a)) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(nl->err, sizeof(nl->err), "%s",
				 mnl_attr_get_str(a));
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_OFFS &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			nl->err_off = mnl_attr_get_u32(a);
	}
}

static int ts_nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ts_nl_ctx *ctx = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (mnl_nlmsg_size(off) < nlh->nlmsg_len)
			ts_nl_extack(ctx->nl, (const char *)e + off,
				     nlh->nlmsg_len - mnl_nlmsg_size(off));
	}
	if (!e->error)
		return MNL_CB_STOP;
	errno = -e->error;
	return MNL_CB_ERROR;
}

static int ts_nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ts_nl_ctx *ctx = data;
	int err;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(int)))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS &&
	    mnl_nlmsg_size(sizeof(int)) < nlh->nlmsg_len)
		ts_nl_extack(ctx->nl, (const char *)mnl_nlmsg_get_payload(nlh) +
			     sizeof(int),
			     nlh->nlmsg_len - mnl_nlmsg_size(sizeof(int)));
	if (err >= 0)
		return MNL_CB_STOP;
	errno = -err;
	return MNL_CB_ERROR;
}

static int ts_nl_noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static mnl_cb_t ts_nl_ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = ts_nl_noop_cb,
	[NLMSG_ERROR] = ts_nl_error_cb,
	[NLMSG_DONE] = ts_nl_done_cb,
	[NLMSG_OVERRUN] = ts_nl_noop_cb,
};

static int ts_nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ts_nl_ctx *ctx = data;

	return ctx->data_cb ? ctx->data_cb(nlh, data) : MNL_CB_OK;
}

/* Send @nlh and read the answer up to its end (ack, error or DONE). */
static int ts_nl_talk(struct ts_nl *nl, struct nlmsghdr *nlh,
		      struct ts_nl_ctx *ctx)
{
	unsigned int portid = mnl_socket_get_portid(nl->sock);
	unsigned int seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	nl->err[0] = '\0';
	nl->err_off = 0;
	ctx->nl = nl;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, nl->buflen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		ret = mnl_cb_run2(nl->buf, n, seq, portid, ts_nl_data_cb, ctx,
				  ts_nl_ctl_cbs, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR)
			return -errno;
		if (ret == MNL_CB_STOP)		/* ack, error or DONE */
			return ctx->stop;
	}
}

static struct nlmsghdr *ts_nl_request(struct ts_nl *nl, char *buf,
				      uint16_t type, uint16_t flags,
				      uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq + (uint32_t)time(NULL);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

/* Resolving the family: CTRL_CMD_GETFAMILY */
static int ts_nl_grp_cb(const struct nlattr *grp, struct ts_nl *nl)
{
	const struct nlattr *a;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(a, grp) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			name = mnl_attr_get_str(a);
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			id = mnl_attr_get_u32(a);
	}
	if (!name)
		return 0;
	if (!strcmp(name, TCPSTATES_MCGRP_EVENTS_NAME))
		nl->grp_events = id;
	else if (!strcmp(name, TCPSTATES_MCGRP_EVENTS_ALL_NAME))
		nl->grp_events_all = id;
	return 0;
}

static int ts_nl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ts_nl_ctx *ctx = data;
	struct ts_nl *nl = ctx->nl;
	const struct nlattr *a, *g;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
				nl->family_id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_VERSION:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				nl->version = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(g, a)
				ts_nl_grp_cb(g, nl);
			break;
		}
	}
	return MNL_CB_OK;
}

int ts_nl_open(struct ts_nl *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ts_nl_ctx ctx = { .data_cb = ts_nl_family_cb };
	struct nlmsghdr *nlh;
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->buflen = TS_NL_BUFLEN;
	nl->buf = malloc(nl->buflen);
	if (!nl->buf)
		return -ENOMEM;
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		ret = -errno;
		goto out_free;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out_close;
	}
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nlh = ts_nl_request(nl, buf, GENL_ID_CTRL, NLM_F_ACK,
			    CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TCPSTATES_GENL_NAME);
	ret = ts_nl_talk(nl, nlh, &ctx);
	if (ret)
		goto out_close;
	if (!nl->family_id) {
		ret = -ENOENT;
		goto out_close;
	}
	return 0;

out_close:
	mnl_socket_close(nl->sock);
	nl->sock = NULL;
out_free:
	free(nl->buf);
	nl->buf = NULL;
	return ret;
}

void ts_nl_close(struct ts_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	nl->sock = NULL;
	nl->buf = NULL;
}

int ts_nl_set_rcvbuf(struct ts_nl *nl, int bytes)
{
	int fd = mnl_socket_get_fd(nl->sock);

	/* beyond rmem_max needs CAP_NET_ADMIN: fall back to what is allowed */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)))
		return -errno;
	return 0;
}

/* Stats */
static int ts_nl_stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ts_nl_ctx *ctx = data;
	struct ts_nl_stats *st = ctx->user;
	const struct nlattr *a;
	unsigned int t;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		t = mnl_attr_get_type(a);
		/* every counter, those newer than this tool included */
		if (t >= TS_NL_STATS_SLOTS || t == TCPSTATES_A_STATS_PAD ||
		    mnl_attr_validate(a, MNL_TYPE_U64))
			continue;
		st->v[t] = mnl_attr_get_u64(a);
		st->have[t] = true;
	}
	return MNL_CB_OK;
}

int ts_nl_get_stats(struct ts_nl *nl, struct ts_nl_stats *st)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ts_nl_ctx ctx = { .data_cb = ts_nl_stats_cb, .user = st };
	struct nlmsghdr *nlh;

	memset(st, 0, sizeof(*st));
	nlh = ts_nl_request(nl, buf, nl->family_id, NLM_F_ACK,
			    TCPSTATES_CMD_GET_STATS, TCPSTATES_GENL_VERSION);
	return ts_nl_talk(nl, nlh, &ctx);
}

int ts_nl_set_timeout(struct ts_nl *nl, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO,
		       &tv, sizeof(tv)))
		return -errno;
	return 0;
}

/* Aggregates: one message of nests (see TCPSTATES_CMD_GET_AGGR) */
static void ts_nl_parse_count(const struct nlattr *nest, int type,
			      struct ts_nl_aggr *ag)
{
	unsigned int k1 = 0, k2 = 0;
	const struct nlattr *a;
	uint64_t v = 0;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case TCPSTATES_A_COUNT_OLDSTATE:
		case TCPSTATES_A_COUNT_STATE:
		case TCPSTATES_A_COUNT_CAUSE:
			if (!mnl_attr_validate(a, MNL_TYPE_U8))
				k1 = mnl_attr_get_u8(a);
			break;
		case TCPSTATES_A_COUNT_NEWSTATE:
		case TCPSTATES_A_COUNT_ROLE:
			if (!mnl_attr_validate(a, MNL_TYPE_U8))
				k2 = mnl_attr_get_u8(a);
			break;
		case TCPSTATES_A_COUNT_VALUE:
			if (!mnl_attr_validate(a, MNL_TYPE_U64))
				v = mnl_attr_get_u64(a);
			break;
		}
	}
	switch (type) {
	case TCPSTATES_A_AGGR_TRANSITION:
		if (k1 < TS_NL_AGGR_STATES && k2 < TS_NL_AGGR_STATES)
			ag->trans[k1][k2] = v;
		break;
	case TCPSTATES_A_AGGR_STATE:
		if (k1 < TS_NL_AGGR_STATES) {
			ag->cur[k1] = (int64_t)v;
			ag->has_cur[k1] = true;
		}
		break;
	case TCPSTATES_A_AGGR_CLOSE:
		if (k1 < TS_NL_AGGR_CAUSES && k2 < TS_NL_AGGR_ROLES)
			ag->closes[k1][k2] = v;
		break;
	}
}

static void ts_nl_parse_hist(const struct nlattr *nest, struct ts_nl_aggr *ag)
{
	unsigned int kind = 256, state = 0;
	const struct nlattr *a, *buckets = NULL;
	struct ts_nl_hist *h;
	uint64_t sum = 0;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case TCPSTATES_A_HIST_KIND:
			if (!mnl_attr_validate(a, MNL_TYPE_U8))
				kind = mnl_attr_get_u8(a);
			break;
		case TCPSTATES_A_HIST_STATE:
			if (!mnl_attr_validate(a, MNL_TYPE_U8))
				state = mnl_attr_get_u8(a);
			break;
		case TCPSTATES_A_HIST_SUM_US:
			if (!mnl_attr_validate(a, MNL_TYPE_U64))
				sum = mnl_attr_get_u64(a);
			break;
		case TCPSTATES_A_HIST_BUCKETS:
			if (mnl_attr_get_payload_len(a) ==
			    TCPSTATES_HIST_BUCKETS * sizeof(uint64_t))
				buckets = a;
			break;
		}
	}
	switch (kind) {
	case TCPSTATES_HIST_HANDSHAKE_ACTIVE: h = &ag->handshake[0]; break;
	case TCPSTATES_HIST_HANDSHAKE_PASSIVE: h = &ag->handshake[1]; break;
	case TCPSTATES_HIST_LIFETIME: h = &ag->lifetime; break;
	case TCPSTATES_HIST_STATE_TIME:
		h = state < TS_NL_AGGR_STATES ? &ag->state_time[state] : NULL;
		break;
	default: h = NULL;
	}
	if (!h || !buckets)
		return;
	memcpy(h->bucket, mnl_attr_get_payload(buckets), sizeof(h->bucket));
	h->sum_us = sum;
	h->have = true;
	ag->has_hist = true;
}

void ts_nl_parse_aggr(const struct nlmsghdr *nlh, struct ts_nl_aggr *ag)
{
	const struct nlattr *a;
	int type;

	memset(ag, 0, sizeof(*ag));
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		type = mnl_attr_get_type(a);
		switch (type) {
		case TCPSTATES_A_AGGR_TRANSITION:
		case TCPSTATES_A_AGGR_STATE:
		case TCPSTATES_A_AGGR_CLOSE:
			ts_nl_parse_count(a, type, ag);
			break;
		case TCPSTATES_A_AGGR_HIST:
			ts_nl_parse_hist(a, ag);
			break;
		case TCPSTATES_A_AGGR_NETNS_ID:
			if (!mnl_attr_validate(a, MNL_TYPE_U64)) {
				ag->netns_id = mnl_attr_get_u64(a);
				ag->has_netns_id = true;
			}
			break;
		}
	}
}

static int ts_nl_aggr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ts_nl_ctx *ctx = data;

	ts_nl_parse_aggr(nlh, ctx->user);
	return MNL_CB_OK;
}

int ts_nl_get_aggr(struct ts_nl *nl, bool all_netns, struct ts_nl_aggr *ag)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ts_nl_ctx ctx = { .data_cb = ts_nl_aggr_cb, .user = ag };
	struct nlmsghdr *nlh;

	memset(ag, 0, sizeof(*ag));
	nlh = ts_nl_request(nl, buf, nl->family_id, NLM_F_ACK,
			    TCPSTATES_CMD_GET_AGGR, TCPSTATES_GENL_VERSION);
	if (all_netns)
		mnl_attr_put(nlh, TCPSTATES_A_AGGR_ALL_NETNS, 0, NULL);
	return ts_nl_talk(nl, nlh, &ctx);
}

/*
 * What the module accepts: the policy of GET_CONNS (CTRL_CMD_GETPOLICY,
 * with CTRL_ATTR_OP: Linux 5.10+). The dump gives the policies it uses,
 * each by an index (the command's own first, 0), one attribute per
 * message with its type and, for a nest, the index of its policy. The
 * filter's policy is the one of TCPSTATES_A_CONN_FILTER; an attribute it
 * does not list is refused.
 */
#define TS_NL_POLICIES	8

struct ts_nl_policy {
	uint32_t root;				/* GET_CONNS's dump policy */
	bool root_known;
	uint32_t attrs[TS_NL_POLICIES];		/* 1 << attr, per policy */
	int nested[TS_NL_POLICIES][32];		/* attr -> policy index + 1 */
};

static int ts_nl_policy_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ts_nl_ctx *ctx = data;
	struct ts_nl_policy *p = ctx->user;
	const struct nlattr *a, *pol, *attr, *t;
	unsigned int idx, type;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_OP_POLICY) {
			mnl_attr_for_each_nested(pol, a) {
				mnl_attr_for_each_nested(t, pol) {
					if (mnl_attr_get_type(t) == CTRL_ATTR_POLICY_DUMP &&
					    !mnl_attr_validate(t, MNL_TYPE_U32)) {
						p->root = mnl_attr_get_u32(t);
						p->root_known = true;
					}
				}
			}
			continue;
		}
		if (mnl_attr_get_type(a) != CTRL_ATTR_POLICY)
			continue;
		mnl_attr_for_each_nested(pol, a) {
			idx = mnl_attr_get_type(pol);
			if (idx >= TS_NL_POLICIES)
				continue;
			mnl_attr_for_each_nested(attr, pol) {
				type = mnl_attr_get_type(attr);
				if (type >= 32)
					continue;
				p->attrs[idx] |= 1U << type;
				mnl_attr_for_each_nested(t, attr)
					if (mnl_attr_get_type(t) == NL_POLICY_TYPE_ATTR_POLICY_IDX &&
					    !mnl_attr_validate(t, MNL_TYPE_U32))
						p->nested[idx][type] = mnl_attr_get_u32(t) + 1;
			}
		}
	}
	return MNL_CB_OK;
}

/* The filter attributes of version 2, where the kernel cannot tell */
#define TS_NL_FILTER_V2	((TS_NL_FILTER_V1 & ~(1U << TCPSTATES_A_FILTER_NETNS)) | \
			 (1U << TCPSTATES_A_FILTER_NETNS_ID) |			\
			 (1U << TCPSTATES_A_FILTER_NETNS_FD) |			\
			 (1U << TCPSTATES_A_FILTER_COOKIE))

uint32_t ts_nl_filter_attrs(struct ts_nl *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ts_nl_policy p = { 0 };
	struct ts_nl_ctx ctx = { .data_cb = ts_nl_policy_cb, .user = &p };
	struct nlmsghdr *nlh;
	uint32_t idx;
	int ret;

	if (nl->filter_attrs)
		return nl->filter_attrs;
	nlh = ts_nl_request(nl, buf, GENL_ID_CTRL, NLM_F_DUMP,
			    CTRL_CMD_GETPOLICY, 1);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, nl->family_id);
	mnl_attr_put_u32(nlh, CTRL_ATTR_OP, TCPSTATES_CMD_GET_CONNS);
	ret = ts_nl_talk(nl, nlh, &ctx);
	idx = p.root_known ? p.root : 0;
	if (!ret && idx < TS_NL_POLICIES &&
	    p.nested[idx][TCPSTATES_A_CONN_FILTER] > 0 &&
	    p.nested[idx][TCPSTATES_A_CONN_FILTER] <= TS_NL_POLICIES)
		nl->filter_attrs =
			p.attrs[p.nested[idx][TCPSTATES_A_CONN_FILTER] - 1] & ~1U;
	if (!nl->filter_attrs)
		nl->filter_attrs = nl->version >= 2 ? TS_NL_FILTER_V2 :
				   TS_NL_FILTER_V1;
	nl->err[0] = '\0';
	return nl->filter_attrs;
}

/* Filters */
static void ts_nl_put_filter(struct nlmsghdr *nlh, int attr,
			     const struct ts_nl_filter *f)
{
	struct nlattr *nest;
	unsigned int alen;

	if (!f || !f->have)
		return;
	alen = f->family == 2 ? 4 : 16;
	nest = mnl_attr_nest_start(nlh, attr);
#define HAVE(x) (f->have & (1U << TCPSTATES_A_FILTER_##x))
	if (HAVE(FAMILY))
		mnl_attr_put_u8(nlh, TCPSTATES_A_FILTER_FAMILY, f->family);
	if (HAVE(LOCAL_ADDR))
		mnl_attr_put(nlh, TCPSTATES_A_FILTER_LOCAL_ADDR, alen, f->laddr);
	if (HAVE(LOCAL_PREFIX))
		mnl_attr_put_u8(nlh, TCPSTATES_A_FILTER_LOCAL_PREFIX, f->lplen);
	if (HAVE(REMOTE_ADDR))
		mnl_attr_put(nlh, TCPSTATES_A_FILTER_REMOTE_ADDR, alen, f->raddr);
	if (HAVE(REMOTE_PREFIX))
		mnl_attr_put_u8(nlh, TCPSTATES_A_FILTER_REMOTE_PREFIX, f->rplen);
	if (HAVE(LOCAL_PORT))
		mnl_attr_put_u16(nlh, TCPSTATES_A_FILTER_LOCAL_PORT, f->lport);
	if (HAVE(REMOTE_PORT))
		mnl_attr_put_u16(nlh, TCPSTATES_A_FILTER_REMOTE_PORT, f->rport);
	if (HAVE(STATES))
		mnl_attr_put_u32(nlh, TCPSTATES_A_FILTER_STATES, f->states);
	if (HAVE(NETNS))
		mnl_attr_put_u32(nlh, TCPSTATES_A_FILTER_NETNS, f->netns);
	if (HAVE(TGID))
		mnl_attr_put_u32(nlh, TCPSTATES_A_FILTER_TGID, f->tgid);
	if (HAVE(NETNS_ID))
		mnl_attr_put_u64(nlh, TCPSTATES_A_FILTER_NETNS_ID, f->netns_id);
	if (HAVE(NETNS_FD))
		mnl_attr_put_u32(nlh, TCPSTATES_A_FILTER_NETNS_FD, f->netns_fd);
	if (HAVE(COOKIE))
		mnl_attr_put_u64(nlh, TCPSTATES_A_FILTER_COOKIE, f->cookie);
	if (HAVE(CGROUP_ID))
		mnl_attr_put_u64(nlh, TCPSTATES_A_FILTER_CGROUP_ID, f->cgroup_id);
#undef HAVE
	mnl_attr_nest_end(nlh, nest);
}

/*
 * Parsing records. The hot path (every live event) reads attributes in
 * place with inline helpers rather than libmnl's accessors, a library call
 * each; they accept what mnl_attr_validate() would: integers of exactly
 * their size, NUL-terminated strings.
 */
static inline bool ts_attr_ok(const struct nlattr *a, const char *end)
{
	ptrdiff_t room = end - (const char *)a;

	return room >= (ptrdiff_t)sizeof(*a) && a->nla_len >= sizeof(*a) &&
	       a->nla_len <= room;
}

static inline const struct nlattr *ts_attr_next(const struct nlattr *a)
{
	return (const struct nlattr *)((const char *)a + MNL_ALIGN(a->nla_len));
}

static inline const void *ts_attr_data(const struct nlattr *a)
{
	return (const char *)a + MNL_ATTR_HDRLEN;
}

static inline size_t ts_attr_len(const struct nlattr *a)
{
	return a->nla_len - MNL_ATTR_HDRLEN;
}

static inline uint16_t ts_attr_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

/* Each attribute from @start up to @end */
#define ts_attr_for_each(a, start, end) \
	for ((a) = (start); ts_attr_ok((a), (end)); (a) = ts_attr_next(a))

#define TS_ATTR_UINT(name, type)					\
static inline type name(const struct nlattr *a)				\
{									\
	type v = 0;							\
									\
	if (ts_attr_len(a) == sizeof(v))				\
		memcpy(&v, ts_attr_data(a), sizeof(v));			\
	return v;							\
}
TS_ATTR_UINT(u64_of, uint64_t)
TS_ATTR_UINT(u32_of, uint32_t)
TS_ATTR_UINT(u16_of, uint16_t)
TS_ATTR_UINT(u8_of, uint8_t)

/* An unsigned number of 4 or 8 bytes (durations grew to u64 in version 2) */
static inline uint64_t uint_of(const struct nlattr *a)
{
	return ts_attr_len(a) == sizeof(uint32_t) ? u32_of(a) : u64_of(a);
}

static void ts_nl_parse_owner(const struct nlattr *nest, struct ts_nl_owner *o)
{
	const char *end = (const char *)nest + nest->nla_len;
	const struct nlattr *a;
	size_t len;

	o->known = true;
	ts_attr_for_each(a, (const struct nlattr *)ts_attr_data(nest), end) {
		switch (ts_attr_type(a)) {
		case TCPSTATES_A_OWNER_TGID:
			o->tgid = u32_of(a);
			o->have |= TS_NL_OWNER_TGID;
			break;
		case TCPSTATES_A_OWNER_PID:
			o->pid = u32_of(a);
			o->have |= TS_NL_OWNER_PID;
			break;
		case TCPSTATES_A_OWNER_UID:
			o->uid = u32_of(a);
			o->have |= TS_NL_OWNER_UID;
			break;
		case TCPSTATES_A_OWNER_COMM:
			len = ts_attr_len(a);
			if (!len || ((const char *)ts_attr_data(a))[len - 1])
				break;	/* not NUL-terminated */
			len = strnlen(ts_attr_data(a), sizeof(o->comm) - 1);
			memcpy(o->comm, ts_attr_data(a), len);
			o->comm[len] = 0;
			o->have |= TS_NL_OWNER_COMM;
			break;
		}
	}
}

/* The data phase nest: TCPSTATES_A_DATA_* */
static void ts_nl_parse_data(const struct nlattr *nest, struct ts_nl_data *d)
{
	const char *end = (const char *)nest + nest->nla_len;
	const struct nlattr *a;

	d->known = true;
	ts_attr_for_each(a, (const struct nlattr *)ts_attr_data(nest), end) {
		switch (ts_attr_type(a)) {
		case TCPSTATES_A_DATA_BYTES_ACKED: d->bytes_acked = u64_of(a); break;
		case TCPSTATES_A_DATA_BYTES_RECEIVED: d->bytes_received = u64_of(a); break;
		case TCPSTATES_A_DATA_SEGS_OUT: d->segs_out = u32_of(a); break;
		case TCPSTATES_A_DATA_SEGS_IN: d->segs_in = u32_of(a); break;
		case TCPSTATES_A_DATA_RETRANS: d->retrans = u32_of(a); break;
		case TCPSTATES_A_DATA_RTO: d->rto = u32_of(a); break;
		case TCPSTATES_A_DATA_TLP: d->tlp = u32_of(a); break;
		case TCPSTATES_A_DATA_SRTT_US: d->srtt_us = u32_of(a); break;
		case TCPSTATES_A_DATA_MIN_RTT_US: d->min_rtt_us = u32_of(a); break;
		}
	}
}

static void ts_nl_get_addr(const struct nlattr *a, uint8_t *addr)
{
	size_t len = ts_attr_len(a);

	if (len == 4 || len == 16)
		memcpy(addr, ts_attr_data(a), len);
}

void ts_nl_parse_event(const struct nlmsghdr *nlh, struct ts_nl_event *ev)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	const struct nlattr *a;

	memset(ev, 0, sizeof(*ev));
	ev->nlmsg_flags = nlh->nlmsg_flags;
	ev->cmd = g->cmd;
	ts_attr_for_each(a, (const struct nlattr *)((const char *)g + MNL_ALIGN(sizeof(*g))), end) {
		switch (ts_attr_type(a)) {
		case TCPSTATES_A_EVENT_SEQ: ev->seq = u64_of(a); break;
		case TCPSTATES_A_EVENT_PREV_SEQ: ev->prev_seq = u64_of(a); break;
		case TCPSTATES_A_EVENT_TIME_NS: ev->time_ns = u64_of(a); break;
		case TCPSTATES_A_EVENT_PREV_NS:
			ev->prev_ns = u64_of(a);
			ev->has_prev_ns = true;
			break;
		case TCPSTATES_A_EVENT_COOKIE: ev->cookie = u64_of(a); break;
		case TCPSTATES_A_EVENT_NETNS: ev->netns = u32_of(a); break;
		case TCPSTATES_A_EVENT_FAMILY: ev->family = u8_of(a); break;
		case TCPSTATES_A_EVENT_OLDSTATE: ev->oldstate = u8_of(a); break;
		case TCPSTATES_A_EVENT_NEWSTATE: ev->newstate = u8_of(a); break;
		case TCPSTATES_A_EVENT_CAUSE: ev->cause = u8_of(a); break;
		case TCPSTATES_A_EVENT_ROLE: ev->role = u8_of(a); break;
		case TCPSTATES_A_EVENT_LOCAL_ADDR: ts_nl_get_addr(a, ev->laddr); break;
		case TCPSTATES_A_EVENT_REMOTE_ADDR: ts_nl_get_addr(a, ev->raddr); break;
		case TCPSTATES_A_EVENT_LOCAL_PORT: ev->lport = u16_of(a); break;
		case TCPSTATES_A_EVENT_REMOTE_PORT: ev->rport = u16_of(a); break;
		case TCPSTATES_A_EVENT_SND_NXT:
			ev->snd_nxt = u32_of(a);
			ev->known |= TS_NL_EV_SND_NXT;
			break;
		case TCPSTATES_A_EVENT_RCV_NXT:
			ev->rcv_nxt = u32_of(a);
			ev->known |= TS_NL_EV_RCV_NXT;
			break;
		case TCPSTATES_A_EVENT_OWNER: ts_nl_parse_owner(a, &ev->owner); break;
		case TCPSTATES_A_EVENT_NETNS_ID:
			ev->netns_id = u64_of(a);
			ev->known |= TS_NL_EV_NETNS_ID;
			break;
		case TCPSTATES_A_EVENT_FLAGS: ev->flags = u32_of(a); break;
		case TCPSTATES_A_EVENT_ERRNO:
			ev->err = u32_of(a);
			ev->known |= TS_NL_EV_ERRNO;
			break;
		case TCPSTATES_A_EVENT_CGROUP_ID:
			ev->cgroup_id = u64_of(a);
			ev->known |= TS_NL_EV_CGROUP;
			break;
		case TCPSTATES_A_EVENT_LIFE_NS:
			ev->life_ns = u64_of(a);
			ev->known |= TS_NL_EV_LIFE;
			break;
		case TCPSTATES_A_EVENT_HS_RETRANS:
			ev->hs_retrans = u32_of(a);
			ev->known |= TS_NL_EV_HS_RETRANS;
			break;
		case TCPSTATES_A_EVENT_HS_WAIT_NS:
			ev->hs_wait_ns = u64_of(a);
			ev->known |= TS_NL_EV_HS_WAIT;
			break;
#define SEG(attr, field, bit)				\
		case TCPSTATES_A_EVENT_##attr:		\
			ev->field = u32_of(a);		\
			ev->known |= TS_NL_EV_##bit;	\
			break
		SEG(SEG_SYN_SEQ, seg_syn_seq, SEG_SYN_SEQ);
		SEG(SEG_SYNACK_SEQ, seg_synack_seq, SEG_SYNACK_SEQ);
		SEG(SEG_SYNACK_ACK, seg_synack_ack, SEG_SYNACK_ACK);
		SEG(SEG_ACK, seg_ack, SEG_ACK);
		SEG(SEG_FIN_SEQ, seg_fin_seq, SEG_FIN_SEQ);
		SEG(SEG_FIN_ACK, seg_fin_ack, SEG_FIN_ACK);
#undef SEG
		case TCPSTATES_A_EVENT_DATA: ts_nl_parse_data(a, &ev->data); break;
		case TCPSTATES_A_EVENT_SYN_DROPS:
			ev->drops.syn_drops = u64_of(a);
			ev->known |= TS_NL_EV_DROP;
			break;
		case TCPSTATES_A_EVENT_ACK_DROPS:
			ev->drops.ack_drops = u64_of(a);
			break;
		case TCPSTATES_A_EVENT_DROPS_SUPPRESSED:
			ev->drops.suppressed = u32_of(a);
			break;
		case TCPSTATES_A_EVENT_ACCEPTQ_LEN:
			ev->drops.acceptq_len = u32_of(a);
			break;
		case TCPSTATES_A_EVENT_ACCEPTQ_MAX:
			ev->drops.acceptq_max = u32_of(a);
			break;
		}
	}
}

static void ts_nl_parse_duration(const struct nlattr *nest,
				 struct ts_nl_conn *c)
{
	const struct nlattr *a;
	unsigned int state = 0;
	uint64_t us = 0;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == TCPSTATES_A_DURATION_STATE)
			state = u8_of(a);
		else if (mnl_attr_get_type(a) == TCPSTATES_A_DURATION_US)
			us = uint_of(a);
	}
	if (state && state < sizeof(c->duration_us) / sizeof(c->duration_us[0]))
		c->duration_us[state] = us;
}

void ts_nl_parse_conn(const struct nlmsghdr *nlh, struct ts_nl_conn *c)
{
	const struct nlattr *a;

	memset(c, 0, sizeof(*c));
	c->nlmsg_flags = nlh->nlmsg_flags;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case TCPSTATES_A_CONN_COOKIE: c->cookie = u64_of(a); break;
		case TCPSTATES_A_CONN_NETNS: c->netns = u32_of(a); break;
		case TCPSTATES_A_CONN_FAMILY: c->family = u8_of(a); break;
		case TCPSTATES_A_CONN_STATE: c->state = u8_of(a); break;
		case TCPSTATES_A_CONN_STATE_NS:
			c->state_ns = u64_of(a);
			c->known |= TS_NL_KNOW_STATE_NS;
			break;
		case TCPSTATES_A_CONN_AGE_NS: c->age_ns = u64_of(a); break;
		case TCPSTATES_A_CONN_ROLE: c->role = u8_of(a); break;
		case TCPSTATES_A_CONN_FLAGS: c->flags = u32_of(a); break;
		case TCPSTATES_A_CONN_LOCAL_ADDR: ts_nl_get_addr(a, c->laddr); break;
		case TCPSTATES_A_CONN_REMOTE_ADDR: ts_nl_get_addr(a, c->raddr); break;
		case TCPSTATES_A_CONN_LOCAL_PORT: c->lport = u16_of(a); break;
		case TCPSTATES_A_CONN_REMOTE_PORT: c->rport = u16_of(a); break;
		case TCPSTATES_A_CONN_ISN_LOCAL:
			c->isn_local = u32_of(a);
			c->known |= TS_NL_KNOW_ISN_LOCAL;
			break;
		case TCPSTATES_A_CONN_ISN_REMOTE:
			c->isn_remote = u32_of(a);
			c->known |= TS_NL_KNOW_ISN_REMOTE;
			break;
		case TCPSTATES_A_CONN_FIN_LOCAL:
			c->fin_local = u32_of(a);
			c->known |= TS_NL_KNOW_FIN_LOCAL;
			break;
		case TCPSTATES_A_CONN_FIN_REMOTE:
			c->fin_remote = u32_of(a);
			c->known |= TS_NL_KNOW_FIN_REMOTE;
			break;
		case TCPSTATES_A_CONN_FIRST_FIN: c->first_fin = u8_of(a); break;
		case TCPSTATES_A_CONN_HANDSHAKE_US:
			c->handshake_us = uint_of(a);
			c->known |= TS_NL_KNOW_HANDSHAKE;
			break;
		case TCPSTATES_A_CONN_DURATION: ts_nl_parse_duration(a, c); break;
		case TCPSTATES_A_CONN_OWNER: ts_nl_parse_owner(a, &c->owner); break;
		case TCPSTATES_A_CONN_NETNS_ID:
			c->netns_id = u64_of(a);
			c->known |= TS_NL_KNOW_NETNS_ID;
			break;
		case TCPSTATES_A_CONN_CGROUP_ID:
			c->cgroup_id = u64_of(a);
			c->known |= TS_NL_KNOW_CGROUP;
			break;
		case TCPSTATES_A_CONN_DATA: ts_nl_parse_data(a, &c->data); break;
		case TCPSTATES_A_CONN_HS_RETRANS:
			c->hs_retrans = u32_of(a);
			c->known |= TS_NL_KNOW_HS_RETRANS;
			break;
		case TCPSTATES_A_CONN_ACCEPTQ_LEN:
			c->acceptq_len = u32_of(a);
			c->known |= TS_NL_KNOW_LISTENER;
			break;
		case TCPSTATES_A_CONN_ACCEPTQ_MAX: c->acceptq_max = u32_of(a); break;
		case TCPSTATES_A_CONN_SYN_DROPS: c->syn_drops = u64_of(a); break;
		case TCPSTATES_A_CONN_ACK_DROPS: c->ack_drops = u64_of(a); break;
		}
	}
}

static int ts_nl_event_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ts_nl_ctx *ctx = data;
	struct ts_nl_event ev;

	if (ctx->stop)	/* the caller has enough: drain the rest */
		return MNL_CB_OK;
	ts_nl_parse_event(nlh, &ev);
	/* on to the end of the dump even so: the socket must be left empty */
	ctx->stop = ((ts_nl_event_cb)ctx->user_cb)(&ev, ctx->user);
	return MNL_CB_OK;
}

static int ts_nl_conn_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ts_nl_ctx *ctx = data;
	struct ts_nl_conn c;

	if (ctx->stop)
		return MNL_CB_OK;
	ts_nl_parse_conn(nlh, &c);
	ctx->stop = ((ts_nl_conn_cb)ctx->user_cb)(&c, ctx->user);
	return MNL_CB_OK;
}

int ts_nl_dump_events(struct ts_nl *nl, uint64_t start_seq,
		      const struct ts_nl_filter *f, bool all_netns,
		      ts_nl_event_cb cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ts_nl_ctx ctx = {
		.data_cb = ts_nl_event_msg_cb, .user_cb = (void *)cb,
		.user = data,
	};
	struct nlmsghdr *nlh;

	nlh = ts_nl_request(nl, buf, nl->family_id, NLM_F_DUMP,
			    TCPSTATES_CMD_GET_EVENTS, TCPSTATES_GENL_VERSION);
	if (start_seq)
		mnl_attr_put_u64(nlh, TCPSTATES_A_EVENT_START_SEQ, start_seq);
	if (f)
		ts_nl_put_filter(nlh, TCPSTATES_A_EVENT_FILTER, f);
	if (all_netns)
		mnl_attr_put(nlh, TCPSTATES_A_EVENT_ALL_NETNS, 0, NULL);
	return ts_nl_talk(nl, nlh, &ctx);
}

int ts_nl_dump_conns(struct ts_nl *nl, const struct ts_nl_filter *f,
		     bool all_netns, ts_nl_conn_cb cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ts_nl_ctx ctx = {
		.data_cb = ts_nl_conn_msg_cb, .user_cb = (void *)cb,
		.user = data,
	};
	struct nlmsghdr *nlh;

	nlh = ts_nl_request(nl, buf, nl->family_id, NLM_F_DUMP,
			    TCPSTATES_CMD_GET_CONNS, TCPSTATES_GENL_VERSION);
	if (f)
		ts_nl_put_filter(nlh, TCPSTATES_A_CONN_FILTER, f);
	if (all_netns)
		mnl_attr_put(nlh, TCPSTATES_A_CONN_ALL_NETNS, 0, NULL);
	return ts_nl_talk(nl, nlh, &ctx);
}

static int ts_nl_membership(struct ts_nl *nl, bool all_netns, int opt)
{
	uint32_t grp = all_netns ? nl->grp_events_all : nl->grp_events;

	if (!grp)
		return -ENOENT;
	if (mnl_socket_setsockopt(nl->sock, opt, &grp, sizeof(grp)) < 0)
		return -errno;
	return 0;
}

/*
 * With NETLINK_BROADCAST_ERROR the module learns when this socket had no
 * room (ENOBUFS) and counts it as mcast_failed; without it that loss is
 * told apart from a namespace with no listener by no one (mcast_unheard).
 */
int ts_nl_subscribe(struct ts_nl *nl, bool all_netns)
{
	int one = 1;

	if (mnl_socket_setsockopt(nl->sock, NETLINK_BROADCAST_ERROR, &one,
				  sizeof(one)) < 0)
		return -errno;
	return ts_nl_membership(nl, all_netns, NETLINK_ADD_MEMBERSHIP);
}

int ts_nl_unsubscribe(struct ts_nl *nl, bool all_netns)
{
	return ts_nl_membership(nl, all_netns, NETLINK_DROP_MEMBERSHIP);
}

int ts_nl_recv_events(struct ts_nl *nl, int timeout_ms, ts_nl_event_cb cb,
		      void *data)
{
	struct ts_nl_ctx ctx = {
		.nl = nl, .data_cb = ts_nl_event_msg_cb,
		.user_cb = (void *)cb, .user = data,
	};
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl->sock), .events = POLLIN };
	struct nlmsghdr *nlh;
	int handled = 0, ret, len;
	ssize_t n;

	/* what is queued first: one system call per datagram while busy */
	n = recv(pfd.fd, nl->buf, nl->buflen, MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN && timeout_ms) {
		if (nl->idle)
			nl->idle(nl->idle_data);
		ret = poll(&pfd, 1, timeout_ms);
		if (ret < 0)
			return errno == EINTR ? 0 : -errno;
		if (ret == 0)
			return 0;
		n = recv(pfd.fd, nl->buf, nl->buflen, MSG_DONTWAIT);
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		return -errno;
	}
	len = (int)n;
	for (nlh = (struct nlmsghdr *)nl->buf; mnl_nlmsg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type != nl->family_id)
			continue;
		ts_nl_event_msg_cb(nlh, &ctx);
		handled++;
		if (ctx.stop)	/* the rest of this datagram is dropped */
			return ctx.stop;
	}
	return handled;
}

int ts_nl_raw(struct ts_nl *nl, void *msg, size_t len)
{
	struct ts_nl_ctx ctx = { 0 };
	struct nlmsghdr *nlh = msg;

	(void)len;
	return ts_nl_talk(nl, nlh, &ctx);
}
