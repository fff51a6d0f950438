// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: throw malformed, random and boundary requests at the tcpstates
 * generic netlink family and check that each one the kernel takes gets an
 * answer: a valid reply, or an errno.
 *
 *   nlfuzz [-n N] [-s SEED] [-t THREADS] [--unpriv] [--timeout MS] [-v]
 *          [--dry-run]
 *
 *   -n N          messages to send (default 10000)
 *   -s SEED       random seed (default: from the clock); printed first
 *   -t THREADS    that many threads dump back to back meanwhile, each on
 *                 its own socket (default 0)
 *   --unpriv      drop to uid/gid 65534 first (when root): dumps must be
 *                 refused with EPERM, the rest answered as usual. Run as
 *                 the root of a new user namespace, dumps are allowed but
 *                 every namespace or another one refused (EPERM): nlfuzz
 *                 finds out which of the three it is
 *   --timeout MS  how long to wait for an answer (default 3000)
 *   -v            print every unexpected outcome, with the request's bytes
 *                 (else the first 30)
 *   --dry-run     generate and model the requests, send nothing: what the
 *                 model expects of them (no module needed)
 *
 * Every request asks for an ack (NLM_F_ACK). A userspace model of the
 * netlink core, genetlink and the family's policies (module/netlink.c)
 * predicts each one's outcome from the bytes sent: dropped unanswered by
 * the core (nlmsg_len shorter than a header or longer than what is left
 * of the datagram), acked, a reply and an ack, a dump ending in
 * NLMSG_DONE, or an errno. Anything else is an unexpected outcome: no
 * answer where one is due, an answer where none is, another errno, a
 * malformed reply, a dump record that does not match its filter. After
 * the fuzzing, GET_STATS must answer and an event dump end with
 * NLMSG_DONE 0.
 *
 * Output: "key value" lines, then "result ok" or "result FAIL"; exit 1 on
 * any unexpected outcome, 2 on usage or setup errors.
 */
#define _GNU_SOURCE		/* setresuid() */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nl.h"

#define MAX_MSGS	16			/* messages per datagram */
#define DGRAM_MAX	(160 * 1024)		/* bytes per datagram */
#define RXBUF		(1024 * 1024)
#define NSTATES		13			/* TCP_ESTABLISHED .. TCP_NEW_SYN_RECV */
#define STATE_MASK	0x1ffeU
#define ERRNO_MAX	134
#define NOBODY		65534

#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS	0x200
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED	0x100
#endif

/* Options and what all threads share (read-only once fuzzing starts) */
static unsigned long opt_n = 10000;
static unsigned long long opt_seed;
static int opt_threads;
static bool opt_unpriv;
static int opt_timeout_ms = 3000;
static bool opt_verbose;
static bool opt_dry;

static uint16_t family_id;
static uint32_t own_netns;
static uint64_t own_netns_id;	/* as the module calls our namespace */
static uint32_t own_tgid;
static uint64_t own_cgroup_id;	/* our cgroup (v2): the inode of its directory */
/* Files a NETNS_FD filter may name: our namespace's, another kind of
 * namespace's (EINVAL), and a number no file is open at (EBADF).
 */
static int own_ns_fd = -1, mnt_ns_fd = -1;
#define CLOSED_FD	900
static bool priv;		/* may dump: CAP_NET_ADMIN over our namespace */
static bool init_cap;		/* CAP_NET_ADMIN in the initial user namespace */
/*
 * A genl core before 6.1 (no resv_start_op) checks no header bits: the
 * module checks them itself, after the core's command, permission, do/dump
 * and attribute checks (in the doit, or in the dump's first call).
 */
static bool old_core;

static bool kernel_before_6_1(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major < 6 || (major == 6 && minor < 1);
}
static uint64_t ring_first_seq, ring_events;
static volatile int stop_threads;

/* Random numbers: xorshift64* */
struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

static uint32_t rn(struct rng *r, uint32_t n)
{
	return n ? rnd(r) % n : 0;
}

#define PICK(r, a) ((a)[rn((r), sizeof(a) / sizeof((a)[0]))])

/* What kind of request a message is; each is counted apart. */
enum cat {
	CAT_BOUNDARY,		/* well-formed, boundary values */
	CAT_BADCMD,		/* unknown, notification, out-of-range commands */
	CAT_FLAGS,		/* do/dump mismatch, reserved nlmsg flags */
	CAT_GENLHDR,		/* genl reserved field, version */
	CAT_ATTRS,		/* wrong attribute types and lengths */
	CAT_NEST,		/* bad FILTER nests */
	CAT_TRUNC,		/* truncated attributes and headers */
	CAT_LEN,		/* nlmsg_len against the datagram */
	CAT_FLIP,		/* valid requests with random bytes flipped */
	CAT_HUGE,		/* whole-ring dumps, no filter */
	CAT_ABANDON,		/* dumps abandoned mid-way */
	CAT_CONCURRENT,		/* dumps of the other threads */
	NCAT
};

static const char *const cat_names[NCAT] = {
	"boundary", "bad-cmd", "flags", "genl-hdr", "attrs", "nest",
	"truncated", "nlmsg-len", "flip", "huge-dump", "abandoned",
	"concurrent",
};

/* Weights of the categories the main loop draws (abandoned included) */
static const unsigned int cat_weight[NCAT] = {
	[CAT_BOUNDARY] = 14, [CAT_BADCMD] = 6, [CAT_FLAGS] = 10,
	[CAT_GENLHDR] = 5, [CAT_ATTRS] = 16, [CAT_NEST] = 12,
	[CAT_TRUNC] = 8, [CAT_LEN] = 8, [CAT_FLIP] = 16, [CAT_HUGE] = 1,
	[CAT_ABANDON] = 2,
};

struct stats {
	unsigned long sent, datagrams, multi, err, data, acked, dumps;
	unsigned long abandoned, dropped, unanswered, late, stray, bad;
	unsigned long wrong, overruns, err_in_done, err_msg, ebusy;
	unsigned long records, max_records;
	unsigned long errnos[ERRNO_MAX + 1];
	unsigned long cat_sent[NCAT];
};

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long reports;

/* What the model expects of one message */
enum cls { X_NONE, X_ACK, X_DATA, X_DUMP, X_ERR };

static const char *const cls_names[] = {
	"no answer", "an ack", "a reply and an ack", "a dump", "an error",
};

/* A dump's filter as the kernel will apply it */
struct oracle {
	uint8_t cmd;
	bool all;
	uint32_t have;		/* 1 << TCPSTATES_A_FILTER_* */
	uint8_t family, lplen, rplen;
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
	uint32_t states, tgid;
	uint64_t netns_id, cookie, cgroup_id;
	uint64_t start;		/* events: the first sequence number */
};

struct req {
	size_t off;		/* in the datagram */
	uint32_t seq;
	enum cat cat;
	/* expectation */
	enum cls cls;
	int err, err_alt;	/* X_ERR: the errno, or either of two */
	bool may_ebusy;		/* a dump of the same datagram may run still */
	struct oracle o;
	/* answer */
	bool term;
	bool broken;		/* a bad reply was reported: skip the rest */
	unsigned long ndata;
	bool multi, single;
	uint64_t last_seq;
	int got;		/* errno of the answer, 0 for success */
	bool in_done;
};

struct dgram {
	uint8_t buf[DGRAM_MAX];
	size_t len;
	struct req reqs[MAX_MSGS];
	int n;
};

/* One fuzzing context: the main loop's, or a dumping thread's */
struct fz {
	struct rng rng;
	int fd;
	uint32_t portid;
	uint32_t seq;
	struct stats s;
	uint8_t *rx;
	struct dgram *d;
	uint32_t dropped[256];	/* seqs the core dropped, for late answers */
	unsigned int ndropped;
	int id;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "nlfuzz: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static const char *errname(int err)
{
	static const struct { int e; const char *n; } names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINVAL, "EINVAL" },
		{ ERANGE, "ERANGE" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ EAFNOSUPPORT, "EAFNOSUPPORT" }, { EBUSY, "EBUSY" },
		{ ENOBUFS, "ENOBUFS" }, { EMSGSIZE, "EMSGSIZE" },
		{ ENOMEM, "ENOMEM" }, { EPROTONOSUPPORT, "EPROTONOSUPPORT" },
		{ ECONNREFUSED, "ECONNREFUSED" }, { EBADMSG, "EBADMSG" },
		{ EBADF, "EBADF" },
		{ 0, "0" },
	};
	static __thread char buf[16];
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == err)
			return names[i].n;
	snprintf(buf, sizeof(buf), "errno%d", err);
	return buf;
}

/* An unexpected outcome: counted by the caller, told here. */
static void report(struct fz *f, const struct req *r, const char *fmt, ...)
{
	const uint8_t *p;
	unsigned long n;
	size_t i, len;
	va_list ap;

	pthread_mutex_lock(&report_lock);
	n = ++reports;
	if (n <= 30 || opt_verbose) {
		va_start(ap, fmt);
		printf("# UNEXPECTED [thread %d", f->id);
		if (r)
			printf(" seq %u %s, want %s%s%s", r->seq,
			       cat_names[r->cat], cls_names[r->cls],
			       r->cls == X_ERR ? " " : "",
			       r->cls == X_ERR ? errname(r->err) : "");
		printf("]: ");
		vprintf(fmt, ap);
		va_end(ap);
		putchar('\n');
		if (r && f->d) {
			p = f->d->buf + r->off;
			len = f->d->len - r->off;
			if (len > 96 && !opt_verbose)
				len = 96;
			printf("#   request:");
			for (i = 0; i < len; i++)
				printf("%s%02x", i % 32 ? " " : "\n#    ", p[i]);
			putchar('\n');
		}
	}
	pthread_mutex_unlock(&report_lock);
}

/* Little-endian (host) reads from a byte stream */
static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * The model: lib/nlattr.c's strict validation against the policies of
 * module/netlink.c, then tcpstates_filter_parse(), then genetlink's and
 * the netlink core's own checks, in the kernel's order.
 */
enum pol {
	P_UNSPEC,	/* no policy: a reply attribute, refused */
	P_REJECT,	/* genetlink's reject-all policy of GET_STATS */
	P_U8, P_U8_PLEN, P_U16, P_U32, P_U32_STATES, P_U64, P_FLAG,
	P_ADDR,		/* binary, 4 to 16 bytes */
	P_FILTER,	/* nest of the filter policy */
};

static const uint8_t filter_pol[TCPSTATES_A_FILTER_MAX + 1] = {
	[TCPSTATES_A_FILTER_FAMILY] = P_U8,
	[TCPSTATES_A_FILTER_LOCAL_ADDR] = P_ADDR,
	[TCPSTATES_A_FILTER_LOCAL_PREFIX] = P_U8_PLEN,
	[TCPSTATES_A_FILTER_REMOTE_ADDR] = P_ADDR,
	[TCPSTATES_A_FILTER_REMOTE_PREFIX] = P_U8_PLEN,
	[TCPSTATES_A_FILTER_LOCAL_PORT] = P_U16,
	[TCPSTATES_A_FILTER_REMOTE_PORT] = P_U16,
	[TCPSTATES_A_FILTER_STATES] = P_U32_STATES,
	[TCPSTATES_A_FILTER_NETNS] = P_U32,
	[TCPSTATES_A_FILTER_TGID] = P_U32,
	[TCPSTATES_A_FILTER_NETNS_ID] = P_U64,
	[TCPSTATES_A_FILTER_NETNS_FD] = P_U32,
	[TCPSTATES_A_FILTER_COOKIE] = P_U64,
	[TCPSTATES_A_FILTER_CGROUP_ID] = P_U64,
};

static const uint8_t events_pol[TCPSTATES_A_EVENT_MAX + 1] = {
	[TCPSTATES_A_EVENT_START_SEQ] = P_U64,
	[TCPSTATES_A_EVENT_FILTER] = P_FILTER,
	[TCPSTATES_A_EVENT_ALL_NETNS] = P_FLAG,
};

static const uint8_t conns_pol[TCPSTATES_A_CONN_MAX + 1] = {
	[TCPSTATES_A_CONN_FILTER] = P_FILTER,
	[TCPSTATES_A_CONN_ALL_NETNS] = P_FLAG,
};

static const uint8_t aggr_pol[TCPSTATES_A_AGGR_MAX + 1] = {
	[TCPSTATES_A_AGGR_ALL_NETNS] = P_FLAG,
};

static const uint8_t stats_pol[2] = { P_REJECT, P_REJECT };

struct span {
	const uint8_t *p;
	int len;
};

static int model_stream(const uint8_t *p, int len, int maxtype,
			const uint8_t *pol, struct span *tb);

/* validate_nla() */
static int model_attr(int pt, const uint8_t *p, int plen, bool nested)
{
	static const int fixed[] = {
		[P_U8] = 1, [P_U8_PLEN] = 1, [P_U16] = 2, [P_U32] = 4,
		[P_U32_STATES] = 4, [P_U64] = 8,
	};
	int ret;

	if (pt < (int)(sizeof(fixed) / sizeof(fixed[0])) && fixed[pt] &&
	    plen != fixed[pt])
		return -EINVAL;
	if (pt == P_FILTER && !nested)
		return -EINVAL;		/* NLA_F_NESTED is missing */
	if (pt != P_FILTER && pt != P_UNSPEC && nested)
		return -EINVAL;		/* NLA_F_NESTED not expected */
	switch (pt) {
	case P_UNSPEC:
	case P_REJECT:
		return -EINVAL;
	case P_FLAG:
		return plen > 0 ? -ERANGE : 0;
	case P_ADDR:
		return plen < 4 || plen > 16 ? -ERANGE : 0;
	case P_FILTER:
		if (plen == 0)
			return 0;
		if (plen < 4)
			return -ERANGE;
		ret = model_stream(p, plen, TCPSTATES_A_FILTER_MAX, filter_pol,
				   NULL);
		return ret;
	case P_U8_PLEN:
		return p[0] > 128 ? -ERANGE : 0;
	case P_U32_STATES:
		return rd32(p) & ~STATE_MASK ? -EINVAL : 0;
	}
	return 0;
}

/* __nla_validate_parse() with NL_VALIDATE_STRICT; @tb: the last of each */
static int model_stream(const uint8_t *p, int len, int maxtype,
			const uint8_t *pol, struct span *tb)
{
	int rem = len, ret;
	uint16_t nla_len, type;

	if (tb)
		memset(tb, 0, sizeof(*tb) * (maxtype + 1));
	while (rem >= NLA_HDRLEN) {
		nla_len = rd16(p);
		if (nla_len < NLA_HDRLEN || nla_len > rem)
			break;
		type = rd16(p + 2) & NLA_TYPE_MASK;
		if (type == 0 || type > maxtype)
			return -EINVAL;		/* Unknown attribute type */
		ret = model_attr(pol[type], p + NLA_HDRLEN,
				 nla_len - NLA_HDRLEN,
				 rd16(p + 2) & NLA_F_NESTED);
		if (ret)
			return ret;
		if (tb) {
			tb[type].p = p + NLA_HDRLEN;
			tb[type].len = nla_len - NLA_HDRLEN;
		}
		p += NLA_ALIGN(nla_len);
		rem -= NLA_ALIGN(nla_len);
	}
	return rem > 0 ? -EINVAL : 0;	/* bytes leftover */
}

/* tcpstates_filter_addr() */
static int model_addr(const struct span *tb, int attr, int plen_attr,
		      uint8_t family, uint8_t *addr, uint8_t *plen)
{
	int len = family == 2 ? 4 : 16;

	if (!tb[attr].p)
		return tb[plen_attr].p ? -EINVAL : 0;
	if (!family || tb[attr].len != len)
		return -EINVAL;
	memcpy(addr, tb[attr].p, len);
	*plen = len * 8;
	if (tb[plen_attr].p) {
		*plen = tb[plen_attr].p[0];
		if (*plen > len * 8)
			return -EINVAL;
	}
	return 0;
}

/* tcpstates_filter_parse() */
static int model_filter(struct oracle *o, const struct span *filter,
			const struct span *all, bool is_priv)
{
	struct span tb[TCPSTATES_A_FILTER_MAX + 1];
	int i, ret;

	if (all->p && !is_priv)
		return -EPERM;
	o->all = all->p;
	if (!filter->p)
		return 0;
	model_stream(filter->p, filter->len, TCPSTATES_A_FILTER_MAX,
		     filter_pol, tb);
	for (i = 1; i <= TCPSTATES_A_FILTER_MAX; i++)
		if (tb[i].p)
			o->have |= 1U << i;
	if (tb[TCPSTATES_A_FILTER_FAMILY].p) {
		o->family = tb[TCPSTATES_A_FILTER_FAMILY].p[0];
		if (o->family != 2 && o->family != 10)
			return -EAFNOSUPPORT;
	}
	ret = model_addr(tb, TCPSTATES_A_FILTER_LOCAL_ADDR,
			 TCPSTATES_A_FILTER_LOCAL_PREFIX, o->family, o->laddr,
			 &o->lplen);
	if (ret)
		return ret;
	ret = model_addr(tb, TCPSTATES_A_FILTER_REMOTE_ADDR,
			 TCPSTATES_A_FILTER_REMOTE_PREFIX, o->family, o->raddr,
			 &o->rplen);
	if (ret)
		return ret;
	if (tb[TCPSTATES_A_FILTER_LOCAL_PORT].p)
		o->lport = rd16(tb[TCPSTATES_A_FILTER_LOCAL_PORT].p);
	if (tb[TCPSTATES_A_FILTER_REMOTE_PORT].p)
		o->rport = rd16(tb[TCPSTATES_A_FILTER_REMOTE_PORT].p);
	if (tb[TCPSTATES_A_FILTER_STATES].p)
		o->states = rd32(tb[TCPSTATES_A_FILTER_STATES].p);
	if (tb[TCPSTATES_A_FILTER_TGID].p)
		o->tgid = rd32(tb[TCPSTATES_A_FILTER_TGID].p);
	if (tb[TCPSTATES_A_FILTER_COOKIE].p)
		o->cookie = rd64(tb[TCPSTATES_A_FILTER_COOKIE].p);
	if (tb[TCPSTATES_A_FILTER_CGROUP_ID].p)
		o->cgroup_id = rd64(tb[TCPSTATES_A_FILTER_CGROUP_ID].p);
	/* tcpstates_filter_netns() */
	if (tb[TCPSTATES_A_FILTER_NETNS].p)
		return -EINVAL;		/* an inode number: refused */
	if (tb[TCPSTATES_A_FILTER_NETNS_FD].p) {
		int fd = (int)rd32(tb[TCPSTATES_A_FILTER_NETNS_FD].p);

		/* get_net_ns_by_fd(): EBADF for no open file, EINVAL for a
		 * file that is no network namespace (the other fds this
		 * process has open stay open while it runs)
		 */
		if (fd != own_ns_fd)
			return fcntl(fd, F_GETFD) < 0 ? -EBADF : -EINVAL;
		if (tb[TCPSTATES_A_FILTER_NETNS_ID].p &&
		    rd64(tb[TCPSTATES_A_FILTER_NETNS_ID].p) != own_netns_id)
			return -EINVAL;
		o->netns_id = own_netns_id;
		o->have |= 1U << TCPSTATES_A_FILTER_NETNS_ID;
	} else if (tb[TCPSTATES_A_FILTER_NETNS_ID].p) {
		o->netns_id = rd64(tb[TCPSTATES_A_FILTER_NETNS_ID].p);
	} else {
		return 0;
	}
	if (o->netns_id != own_netns_id) {
		if (!is_priv)
			return -EPERM;
		o->all = true;
	}
	return 0;
}

static void expect_err(struct req *r, int err)
{
	r->cls = X_ERR;
	r->err = r->err_alt = -err;
}

/*
 * One message of @len bytes (its nlmsg_len, within the datagram): what
 * netlink_rcv_skb() and genl_family_rcv_msg() make of it.
 * @dump_running: a dump of this datagram may still be running.
 */
static void model_msg(struct req *r, const uint8_t *p, uint32_t len,
		      bool dump_running)
{
	const struct nlmsghdr *nlh = (const void *)p;
	const struct genlmsghdr *g = (const void *)(p + NLMSG_HDRLEN);
	struct span tb[((int)TCPSTATES_A_EVENT_MAX > (int)TCPSTATES_A_CONN_MAX ?
			TCPSTATES_A_EVENT_MAX : TCPSTATES_A_CONN_MAX) + 1];
	uint16_t flags = nlh->nlmsg_flags;
	bool dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;
	const uint8_t *attrs = p + NLMSG_HDRLEN + GENL_HDRLEN;
	int alen = (int)len - NLMSG_HDRLEN - GENL_HDRLEN, ret;
	bool bad_hdr;

	memset(&r->o, 0, sizeof(r->o));
	r->may_ebusy = false;
	if (!(flags & NLM_F_REQUEST) || nlh->nlmsg_type < NLMSG_MIN_TYPE) {
		r->cls = X_ACK;
		return;
	}
	if (nlh->nlmsg_type != family_id)
		die("generator bug: type %u", nlh->nlmsg_type);
	if (len < NLMSG_HDRLEN + GENL_HDRLEN)
		return expect_err(r, -EINVAL);
	if (dump)
		flags &= ~NLM_F_DUMP;
	bad_hdr = g->reserved || (flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO));
	if (bad_hdr && !old_core)
		return expect_err(r, -EINVAL);
	switch (g->cmd) {
	case TCPSTATES_CMD_GET_STATS:
		if (dump)
			return expect_err(r, -EOPNOTSUPP);
		ret = model_stream(attrs, alen, 1, stats_pol, NULL);
		if (ret)
			return expect_err(r, ret);
		if (bad_hdr)
			return expect_err(r, -EINVAL);
		r->cls = X_DATA;
		return;
	case TCPSTATES_CMD_GET_AGGR:
		/* a do, with the dumps' permission (6.1 checks it first,
		 * 6.2+ whether it is a do or a dump first)
		 */
		if (dump) {
			expect_err(r, -EOPNOTSUPP);
			if (!priv)
				r->err_alt = EPERM;
			return;
		}
		if (!priv) {
			expect_err(r, -EPERM);
			r->err_alt = EOPNOTSUPP;
			return;
		}
		ret = model_stream(attrs, alen, TCPSTATES_A_AGGR_MAX, aggr_pol, tb);
		if (!ret && bad_hdr)
			ret = -EINVAL;
		if (!ret && tb[TCPSTATES_A_AGGR_ALL_NETNS].p && !init_cap)
			ret = -EPERM;
		if (ret)
			return expect_err(r, ret);
		r->o.cmd = g->cmd;
		r->cls = X_DATA;
		return;
	case TCPSTATES_CMD_GET_EVENTS:
	case TCPSTATES_CMD_GET_CONNS:
		break;
	default:
		return expect_err(r, -EOPNOTSUPP);
	}
	if (!priv) {
		/* 6.1 checks the permission first, 6.2+ do or dump first */
		expect_err(r, -EPERM);
		if (!dump)
			r->err_alt = EOPNOTSUPP;
		return;
	}
	if (!dump)
		return expect_err(r, -EOPNOTSUPP);
	/* __netlink_dump_start(): one dump at a time per socket */
	r->may_ebusy = dump_running;
	r->o.cmd = g->cmd;
	if (g->cmd == TCPSTATES_CMD_GET_EVENTS) {
		ret = model_stream(attrs, alen, TCPSTATES_A_EVENT_MAX,
				   events_pol, tb);
		if (!ret && bad_hdr)
			ret = -EINVAL;
		if (!ret)
			ret = model_filter(&r->o, &tb[TCPSTATES_A_EVENT_FILTER],
					   &tb[TCPSTATES_A_EVENT_ALL_NETNS],
					   init_cap);
		r->o.start = 1;
		if (!ret && tb[TCPSTATES_A_EVENT_START_SEQ].p &&
		    rd64(tb[TCPSTATES_A_EVENT_START_SEQ].p))
			r->o.start = rd64(tb[TCPSTATES_A_EVENT_START_SEQ].p);
	} else {
		ret = model_stream(attrs, alen, TCPSTATES_A_CONN_MAX,
				   conns_pol, tb);
		if (!ret && bad_hdr)
			ret = -EINVAL;
		if (!ret)
			ret = model_filter(&r->o, &tb[TCPSTATES_A_CONN_FILTER],
					   &tb[TCPSTATES_A_CONN_ALL_NETNS],
					   init_cap);
	}
	if (ret)
		return expect_err(r, ret);
	r->cls = X_DUMP;
}

/* netlink_rcv_skb() over the datagram */
static void model_dgram(struct dgram *d)
{
	size_t off = 0, msglen;
	bool dump_running = false;
	uint32_t len;
	int i = 0;

	while (d->len - off >= NLMSG_HDRLEN) {
		if (i >= d->n || d->reqs[i].off != off)
			die("generator bug: no message at offset %zu (n %d len %zu off0 %zu cat %d)",
			    off, d->n, d->len, d->n ? d->reqs[0].off : 0, d->n ? (int)d->reqs[0].cat : -1);
		len = ((const struct nlmsghdr *)(d->buf + off))->nlmsg_len;
		if (len < NLMSG_HDRLEN || len > d->len - off)
			break;		/* the rest of the datagram is dropped */
		model_msg(&d->reqs[i], d->buf + off, len, dump_running);
		if (d->reqs[i].cls == X_DUMP)
			dump_running = true;
		msglen = NLMSG_ALIGN(len);
		off += msglen < d->len - off ? msglen : d->len - off;
		i++;
	}
	for (; i < d->n; i++)
		d->reqs[i].cls = X_NONE;
}

/* Building requests */
static void put(struct dgram *d, const void *p, size_t n)
{
	if (d->len + n > sizeof(d->buf))
		die("generator bug: datagram overflow");
	if (p)
		memcpy(d->buf + d->len, p, n);
	else
		memset(d->buf + d->len, 0, n);
	d->len += n;
}

static void pad4(struct dgram *d)
{
	put(d, NULL, NLA_ALIGN(d->len) - d->len);
}

static struct nlmsghdr *cur_nlh(struct dgram *d)
{
	return (struct nlmsghdr *)(d->buf + d->reqs[d->n - 1].off);
}

static struct genlmsghdr *cur_genl(struct dgram *d)
{
	return (struct genlmsghdr *)(d->buf + d->reqs[d->n - 1].off +
				     NLMSG_HDRLEN);
}

/* A new message of the datagram; the caller ends it with msg_end(). */
static void msg_begin(struct fz *f, enum cat cat, uint8_t cmd, bool dump)
{
	struct dgram *d = f->d;
	struct nlmsghdr nlh = {
		.nlmsg_type = family_id,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0),
		.nlmsg_seq = ++f->seq,
	};
	struct genlmsghdr g = { .cmd = cmd, .version = TCPSTATES_GENL_VERSION };
	struct req *r;

	pad4(d);
	r = &d->reqs[d->n++];
	memset(r, 0, sizeof(*r));
	r->off = d->len;
	r->seq = nlh.nlmsg_seq;
	r->cat = cat;
	put(d, &nlh, sizeof(nlh));
	put(d, &g, sizeof(g));
}

static void msg_end(struct dgram *d)
{
	cur_nlh(d)->nlmsg_len = d->len - d->reqs[d->n - 1].off;
}

static void attr_raw(struct dgram *d, uint16_t type, uint16_t nla_len,
		     const void *p, size_t plen)
{
	struct nlattr a = { .nla_len = nla_len, .nla_type = type };

	pad4(d);
	put(d, &a, sizeof(a));
	put(d, p, plen);
}

static void attr(struct dgram *d, uint16_t type, const void *p, size_t plen)
{
	attr_raw(d, type, NLA_HDRLEN + plen, p, plen);
}

static size_t nest_begin(struct dgram *d, uint16_t type)
{
	pad4(d);
	attr_raw(d, type, NLA_HDRLEN, NULL, 0);
	return d->len - NLA_HDRLEN;
}

static void nest_end(struct dgram *d, size_t at)
{
	uint16_t len = d->len - at;

	memcpy(d->buf + at, &len, sizeof(len));
}

static void random_bytes(struct rng *r, uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = rnd(r);
}

/* Boundary values */
static uint64_t pick_start(struct rng *r)
{
	const uint64_t v[] = {
		0, 1, 2, UINT64_MAX, UINT64_MAX - 1, ring_first_seq,
		ring_first_seq ? ring_first_seq - 1 : 0, ring_first_seq + 1,
		ring_events, ring_events + 1, ring_events + 2, 1ULL << 63,
		rnd(r),
	};

	return PICK(r, v);
}

static uint32_t pick_u32(struct rng *r)
{
	const uint32_t v[] = { 0, 1, 0x7fffffff, 0x80000000, UINT32_MAX, rnd(r) };

	return PICK(r, v);
}

static void put_filter_attr(struct fz *f, struct dgram *d, int a,
			    uint8_t family)
{
	static const uint8_t families[] = { 2, 2, 10, 10, 0, 1, 3, 255 };
	static const uint8_t plens[] = {
		0, 1, 8, 24, 31, 32, 33, 64, 127, 128, 129, 255,
	};
	static const uint16_t ports[] = { 0, 1, 80, 5701, 32768, 65535 };
	const uint32_t states[] = {
		0, STATE_MASK, UINT32_MAX, 1, 1U << 13, 1U << 1, 1U << 6,
		1U << 10, (1U << 1) | (1U << 7), 1U << 31,
		(uint32_t)rnd(&f->rng) & STATE_MASK,
	};
	const uint32_t netns[] = {
		own_netns, own_netns, 0, 1, UINT32_MAX, own_netns + 1,
		4026531840U, (uint32_t)rnd(&f->rng),
	};
	const uint64_t netns_ids[] = {
		own_netns_id, own_netns_id, own_netns_id, 0, 1, UINT64_MAX,
		own_netns_id + 1, rnd(&f->rng),
	};
	const int fds[] = { own_ns_fd, own_ns_fd, own_ns_fd, mnt_ns_fd, CLOSED_FD };
	const uint64_t cookies[] = { 0, 1, UINT64_MAX, rnd(&f->rng) };
	const uint64_t cgroups[] = { 0, 1, own_cgroup_id, UINT64_MAX, rnd(&f->rng) };
	const uint32_t tgids[] = { 0, 1, own_tgid, UINT32_MAX, (uint32_t)rnd(&f->rng) };
	struct rng *r = &f->rng;
	uint8_t addr[16] = { 0 }, u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	size_t alen;

	switch (a) {
	case TCPSTATES_A_FILTER_FAMILY:
		u8 = PICK(r, families);
		attr(d, a, &u8, 1);
		break;
	case TCPSTATES_A_FILTER_LOCAL_ADDR:
	case TCPSTATES_A_FILTER_REMOTE_ADDR:
		alen = family == 10 ? 16 : 4;
		if (!rn(r, 6))
			alen = (size_t[]){ 0, 1, 3, 4, 5, 15, 16, 17, 32 }[rn(r, 9)];
		if (alen == 4) {
			addr[0] = 127;
			addr[3] = rn(r, 3);
		} else if (alen >= 16) {
			addr[15] = rn(r, 2);	/* :: or ::1 */
			if (rn(r, 2)) {		/* v4-mapped */
				addr[10] = addr[11] = 0xff;
				addr[12] = 127;
				addr[15] = 1;
			}
		}
		if (!rn(r, 8))
			random_bytes(r, addr, sizeof(addr));
		{
			uint8_t big[32] = { 0 };

			memcpy(big, addr, sizeof(addr));
			attr(d, a, big, alen);
		}
		break;
	case TCPSTATES_A_FILTER_LOCAL_PREFIX:
	case TCPSTATES_A_FILTER_REMOTE_PREFIX:
		u8 = PICK(r, plens);
		attr(d, a, &u8, 1);
		break;
	case TCPSTATES_A_FILTER_LOCAL_PORT:
	case TCPSTATES_A_FILTER_REMOTE_PORT:
		u16 = rn(r, 4) ? PICK(r, ports) : (uint16_t)rnd(r);
		attr(d, a, &u16, 2);
		break;
	case TCPSTATES_A_FILTER_STATES:
		u32 = PICK(r, states);
		attr(d, a, &u32, 4);
		break;
	case TCPSTATES_A_FILTER_NETNS:
		u32 = PICK(r, netns);
		attr(d, a, &u32, 4);
		break;
	case TCPSTATES_A_FILTER_TGID:
		u32 = PICK(r, tgids);
		attr(d, a, &u32, 4);
		break;
	case TCPSTATES_A_FILTER_NETNS_ID:
		u64 = PICK(r, netns_ids);
		attr(d, a, &u64, 8);
		break;
	case TCPSTATES_A_FILTER_NETNS_FD:
		u32 = (uint32_t)PICK(r, fds);
		attr(d, a, &u32, 4);
		break;
	case TCPSTATES_A_FILTER_COOKIE:
		u64 = PICK(r, cookies);
		attr(d, a, &u64, 8);
		break;
	case TCPSTATES_A_FILTER_CGROUP_ID:
		u64 = PICK(r, cgroups);
		attr(d, a, &u64, 8);
		break;
	}
}

/*
 * A FILTER nest of a few well-formed attributes with boundary values.
 * Mostly narrow (a port or a state), so that most dumps stay small.
 */
static void put_filter(struct fz *f, struct dgram *d, uint16_t type)
{
	struct rng *r = &f->rng;
	uint8_t family = rn(r, 2) ? 2 : 10;
	size_t nest = nest_begin(d, type | NLA_F_NESTED);
	int i, n = rn(r, 5), a;

	if (rn(r, 4)) {
		uint16_t port = PICK(r, ((const uint16_t[]){ 0, 1, 5701, 65535 }));

		attr(d, rn(r, 2) ? TCPSTATES_A_FILTER_LOCAL_PORT :
		     TCPSTATES_A_FILTER_REMOTE_PORT, &port, 2);
	}
	if (rn(r, 2)) {
		attr(d, TCPSTATES_A_FILTER_FAMILY, &family, 1);
		if (rn(r, 2))
			put_filter_attr(f, d, rn(r, 2) ?
					TCPSTATES_A_FILTER_LOCAL_ADDR :
					TCPSTATES_A_FILTER_REMOTE_ADDR, family);
	}
	for (i = 0; i < n; i++) {
		a = 1 + rn(r, TCPSTATES_A_FILTER_MAX);
		put_filter_attr(f, d, a, family);
	}
	nest_end(d, nest);
}

/* A well-formed request with boundary values: stats, events or conns. */
static void gen_valid(struct fz *f, enum cat cat)
{
	struct dgram *d = f->d;
	struct rng *r = &f->rng;
	uint64_t start;
	int k = rn(r, 10);

	if (k < 1) {
		msg_begin(f, cat, TCPSTATES_CMD_GET_STATS, false);
	} else if (k < 2) {
		msg_begin(f, cat, TCPSTATES_CMD_GET_AGGR, false);
		if (!rn(r, 3))
			attr(d, TCPSTATES_A_AGGR_ALL_NETNS, NULL, 0);
	} else if (k < 7) {
		msg_begin(f, cat, TCPSTATES_CMD_GET_EVENTS, true);
		if (rn(r, 2)) {
			start = pick_start(r);
			attr(d, TCPSTATES_A_EVENT_START_SEQ, &start, 8);
		}
		if (rn(r, 5))
			put_filter(f, d, TCPSTATES_A_EVENT_FILTER);
		if (!rn(r, 4))
			attr(d, TCPSTATES_A_EVENT_ALL_NETNS, NULL, 0);
	} else {
		msg_begin(f, cat, TCPSTATES_CMD_GET_CONNS, true);
		if (rn(r, 5))
			put_filter(f, d, TCPSTATES_A_CONN_FILTER);
		if (!rn(r, 4))
			attr(d, TCPSTATES_A_CONN_ALL_NETNS, NULL, 0);
	}
	msg_end(d);
}

static void gen_badcmd(struct fz *f)
{
	const uint8_t cmds[] = {
		TCPSTATES_CMD_UNSPEC, TCPSTATES_CMD_EVENT, TCPSTATES_CMD_MAX + 1,
		TCPSTATES_CMD_MAX + 2, 127, 128, 254, 255, rnd(&f->rng),
	};
	uint8_t cmd = PICK(&f->rng, cmds);
	uint32_t v = 1;

	if ((cmd >= TCPSTATES_CMD_GET_STATS && cmd <= TCPSTATES_CMD_GET_CONNS) ||
	    cmd == TCPSTATES_CMD_GET_AGGR)
		cmd = TCPSTATES_CMD_EVENT;
	msg_begin(f, CAT_BADCMD, cmd, rn(&f->rng, 2));
	if (rn(&f->rng, 3) == 0)
		attr(f->d, 1 + rn(&f->rng, 30), &v, 4);
	msg_end(f->d);
}

static void gen_flags(struct fz *f)
{
	struct rng *r = &f->rng;
	struct nlmsghdr *nlh;
	uint16_t bit;

	gen_valid(f, CAT_FLAGS);
	nlh = cur_nlh(f->d);
	switch (rn(r, 6)) {
	case 0:		/* do <-> dump */
		nlh->nlmsg_flags ^= NLM_F_DUMP;
		break;
	case 1:		/* half of NLM_F_DUMP */
		nlh->nlmsg_flags &= ~NLM_F_DUMP;
		nlh->nlmsg_flags |= rn(r, 2) ? NLM_F_ROOT : NLM_F_MATCH;
		break;
	case 2:		/* one more flag bit, maybe a harmless one */
		bit = 1U << rn(r, 16);
		nlh->nlmsg_flags |= bit;
		break;
	case 3:		/* random flags */
		nlh->nlmsg_flags = rnd(r) | NLM_F_ACK;
		break;
	case 4:		/* not a request: acked, not handled */
		nlh->nlmsg_flags &= ~NLM_F_REQUEST;
		break;
	case 5:		/* a control message type */
		nlh->nlmsg_type = rn(r, NLMSG_MIN_TYPE);
		break;
	}
	nlh->nlmsg_flags |= NLM_F_ACK;
}

static void gen_genlhdr(struct fz *f)
{
	struct rng *r = &f->rng;
	struct genlmsghdr *g;

	gen_valid(f, CAT_GENLHDR);
	g = cur_genl(f->d);
	switch (rn(r, 3)) {
	case 0:
		g->reserved = 1U << rn(r, 16);
		break;
	case 1:
		g->reserved = rnd(r);
		break;
	case 2:
		g->version = PICK(r, ((const uint8_t[]){ 0, 2, 3, 255 }));
		break;
	}
}

/* An attribute type: a request one, a reply-only one, an unknown one */
static uint16_t pick_type(struct rng *r, int maxtype)
{
	const uint16_t types[] = {
		0, 1, 2, maxtype, maxtype - 1, maxtype - 2, maxtype + 1, 100,
		200, 0x3fff, 1 + rn(r, maxtype), 1 + rn(r, maxtype),
	};
	const uint16_t flags[] = {
		0, 0, 0, NLA_F_NESTED, NLA_F_NET_BYTEORDER,
		NLA_F_NESTED | NLA_F_NET_BYTEORDER,
	};

	return PICK(r, types) | PICK(r, flags);
}

static size_t pick_len(struct rng *r)
{
	const size_t lens[] = {
		0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 20, 32, 64, 255,
		256, 1024, 4096, 65531, 40000,
	};

	return PICK(r, lens);
}

/* A base request: any of the three commands, maybe a dump flag mismatch */
static int base_cmd(struct fz *f, enum cat cat)
{
	int cmd = 1 + rn(&f->rng, 3);

	msg_begin(f, cat, cmd, cmd != TCPSTATES_CMD_GET_STATS);
	return cmd;
}

static int cmd_maxattr(int cmd)
{
	return cmd == TCPSTATES_CMD_GET_EVENTS ? TCPSTATES_A_EVENT_MAX :
	       cmd == TCPSTATES_CMD_GET_CONNS ? TCPSTATES_A_CONN_MAX :
	       TCPSTATES_A_STATS_MAX;
}

static void gen_attrs(struct fz *f)
{
	static __thread uint8_t payload[65536];
	struct rng *r = &f->rng;
	struct dgram *d = f->d;
	int cmd = base_cmd(f, CAT_ATTRS), i, n = 1 + rn(r, 4);
	size_t len;
	uint64_t v;

	for (i = 0; i < n; i++) {
		len = pick_len(r);
		if (d->len + len + 64 > sizeof(d->buf) - 1024)
			len = rn(r, 16);
		if (len <= 8 && rn(r, 2)) {
			v = rn(r, 2) ? pick_start(r) : pick_u32(r);
			memcpy(payload, &v, 8);
		} else {
			random_bytes(r, payload, len < 64 ? len : 64);
			memset(payload + 64, rnd(r), len > 64 ? len - 64 : 0);
		}
		attr(d, pick_type(r, cmd_maxattr(cmd)), payload, len);
	}
	/* sometimes thousands of small ones, where the datagram has room */
	if (!rn(r, 40) && d->len + 2000 * NLA_HDRLEN * 2 + 1024 <= sizeof(d->buf))
		for (i = 0; i < 2000; i++)
			attr(d, pick_type(r, cmd_maxattr(cmd)), &i, 4);
	msg_end(d);
}

static void gen_nest(struct fz *f)
{
	struct rng *r = &f->rng;
	struct dgram *d = f->d;
	int cmd = TCPSTATES_CMD_GET_EVENTS + rn(r, 2), i, n;
	uint16_t ftype = cmd == TCPSTATES_CMD_GET_EVENTS ?
			 TCPSTATES_A_EVENT_FILTER : TCPSTATES_A_CONN_FILTER;
	uint8_t junk[64];
	size_t nest, inner, len;

	msg_begin(f, CAT_NEST, cmd, true);
	switch (rn(r, 8)) {
	case 0:		/* garbage inside */
		len = rn(r, sizeof(junk));
		random_bytes(r, junk, len);
		attr(d, ftype | NLA_F_NESTED, junk, len);
		break;
	case 1:		/* a nest without NLA_F_NESTED */
		nest = nest_begin(d, ftype);
		put_filter_attr(f, d, 1 + rn(r, TCPSTATES_A_FILTER_MAX), 2);
		nest_end(d, nest);
		break;
	case 2:		/* a nest inside the nest */
		nest = nest_begin(d, ftype | NLA_F_NESTED);
		inner = nest_begin(d, (1 + rn(r, TCPSTATES_A_FILTER_MAX + 1)) |
				   (rn(r, 2) ? NLA_F_NESTED : 0));
		put_filter_attr(f, d, TCPSTATES_A_FILTER_LOCAL_PORT, 2);
		nest_end(d, inner);
		nest_end(d, nest);
		break;
	case 3:		/* a FILTER of 0 to 3 bytes, an empty one */
		len = rn(r, 4);
		random_bytes(r, junk, len);
		attr(d, ftype | NLA_F_NESTED, junk, len);
		break;
	case 4:		/* filter attributes of wrong lengths and types */
		nest = nest_begin(d, ftype | NLA_F_NESTED);
		n = 1 + rn(r, 4);
		for (i = 0; i < n; i++) {
			len = PICK(r, ((const size_t[]){ 0, 1, 2, 3, 4, 5, 8, 16, 17 }));
			random_bytes(r, junk, len);
			attr(d, pick_type(r, TCPSTATES_A_FILTER_MAX), junk, len);
		}
		nest_end(d, nest);
		break;
	case 5:		/* two FILTERs: the last one counts, both are checked */
		put_filter(f, d, ftype);
		put_filter(f, d, ftype);
		break;
	case 6:		/* deep: nests in nests */
		n = 2 + rn(r, 30);
		{
			size_t at[32];

			for (i = 0; i < n; i++)
				at[i] = nest_begin(d, (i ? 1 + rn(r, 10) : ftype) |
						   NLA_F_NESTED);
			while (i--)
				nest_end(d, at[i]);
		}
		break;
	case 7:		/* the nest on an attribute that is not one */
		nest = nest_begin(d, (cmd == TCPSTATES_CMD_GET_EVENTS ?
				      TCPSTATES_A_EVENT_START_SEQ :
				      TCPSTATES_A_CONN_ALL_NETNS) | NLA_F_NESTED);
		put_filter_attr(f, d, TCPSTATES_A_FILTER_STATES, 2);
		nest_end(d, nest);
		break;
	}
	msg_end(d);
}

/*
 * Keep the kernel from reading the bytes after a shortened last message
 * as one more: fewer than NLMSG_HDRLEN may follow its aligned end.
 */
static void cut_after(struct fz *f, struct req *r, uint32_t nlmsg_len)
{
	struct dgram *d = f->d;
	size_t end = r->off + NLMSG_ALIGN(nlmsg_len) + rn(&f->rng, NLMSG_HDRLEN);

	if (end < d->len)
		d->len = end;
}

static void gen_trunc(struct fz *f)
{
	struct rng *r = &f->rng;
	struct dgram *d = f->d;
	struct req *q;
	uint8_t junk[4];
	uint32_t len;

	gen_valid(f, CAT_TRUNC);
	q = &d->reqs[d->n - 1];
	switch (rn(r, 4)) {
	case 0:		/* 1 to 3 bytes of a header more */
		random_bytes(r, junk, sizeof(junk));
		put(d, junk, 1 + rn(r, 3));
		msg_end(d);
		break;
	case 1:		/* a last attribute longer than the message */
		pad4(d);
		attr_raw(d, rn(r, 2) ? TCPSTATES_A_EVENT_START_SEQ : rnd(r),
			 PICK(r, ((const uint16_t[]){ 5, 8, 12, 64, 65535 })), NULL,
			 rn(r, 4));
		msg_end(d);
		break;
	case 2:		/* a last attribute of length 0 to 3 */
		pad4(d);
		attr_raw(d, rn(r, 4), rn(r, 4), NULL, rn(r, 8));
		msg_end(d);
		break;
	case 3:		/* nlmsg_len cuts into the attributes */
		len = cur_nlh(d)->nlmsg_len;
		if (len <= NLMSG_HDRLEN + GENL_HDRLEN + 1)
			break;
		len = NLMSG_HDRLEN + GENL_HDRLEN + 1 +
		      rn(r, len - NLMSG_HDRLEN - GENL_HDRLEN - 1);
		cur_nlh(d)->nlmsg_len = len;
		cut_after(f, q, len);
		break;
	}
}

static void gen_len(struct fz *f)
{
	struct rng *r = &f->rng;
	struct dgram *d = f->d;
	struct nlmsghdr *nlh;
	struct req *q;
	uint32_t left;

	gen_valid(f, CAT_LEN);
	q = &d->reqs[d->n - 1];
	nlh = cur_nlh(d);
	left = d->len - q->off;
	switch (rn(r, 5)) {
	case 0:		/* beyond the datagram: dropped by the core */
		nlh->nlmsg_len = left + PICK(r, ((const uint32_t[]){
			1, 2, 3, 4, 16, 100, 4096, 65536, UINT32_MAX - left }));
		break;
	case 1:		/* shorter than a netlink header: dropped */
		nlh->nlmsg_len = rn(r, NLMSG_HDRLEN);
		break;
	case 2:		/* no room for the genl header */
		nlh->nlmsg_len = NLMSG_HDRLEN + rn(r, GENL_HDRLEN);
		cut_after(f, q, nlh->nlmsg_len);
		break;
	case 3:		/* up to 15 bytes of junk after the message */
		{
			uint8_t junk[NLMSG_HDRLEN];

			random_bytes(r, junk, sizeof(junk));
			put(d, junk, 1 + rn(r, NLMSG_HDRLEN - 1));
		}
		break;
	case 4:		/* not a multiple of 4: the last bytes are junk */
		put(d, "\x05\x00\x02", 1 + rn(r, 3));
		msg_end(d);
		break;
	}
}

static void gen_flip(struct fz *f)
{
	struct rng *r = &f->rng;
	struct dgram *d = f->d;
	struct req *q;
	size_t len, at;
	int i, n;

	gen_valid(f, CAT_FLIP);
	q = &d->reqs[d->n - 1];
	len = d->len - q->off;
	n = 1 + rn(r, 4);
	for (i = 0; i < n; i++) {
		/* the netlink header stays: it says who the answer is for */
		at = q->off + NLMSG_HDRLEN + rn(r, len - NLMSG_HDRLEN);
		if (rn(r, 2))
			d->buf[at] ^= 1U << rn(r, 8);
		else
			d->buf[at] = rnd(r);
	}
}

static void gen_huge(struct fz *f)
{
	int cmd = rn(&f->rng, 2) ? TCPSTATES_CMD_GET_EVENTS :
		  TCPSTATES_CMD_GET_CONNS;

	msg_begin(f, CAT_HUGE, cmd, true);
	if (rn(&f->rng, 2))
		attr(f->d, cmd == TCPSTATES_CMD_GET_EVENTS ?
		     TCPSTATES_A_EVENT_ALL_NETNS : TCPSTATES_A_CONN_ALL_NETNS,
		     NULL, 0);
	msg_end(f->d);
}

/* Sockets */
static int open_sock(struct fz *f, bool cap_ack)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	struct timeval tv = {
		.tv_sec = opt_timeout_ms / 1000,
		.tv_usec = opt_timeout_ms % 1000 * 1000,
	};
	int fd, one = 1, cap = cap_ack, rcv = 8 << 20, snd = 1 << 20;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen))
		die("bind: %s", strerror(errno));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &cap, sizeof(cap));
	/* beyond rmem_max needs CAP_NET_ADMIN */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (f) {
		f->fd = fd;
		f->portid = sa.nl_pid;
	}
	return fd;
}

/* Checking replies */
#define ATTRS_MAX 32

/* Each attribute of a reply, the last of each type; NULL if malformed. */
static const char *reply_attrs(const struct nlmsghdr *nlh, int maxtype,
			       const struct nlattr **tb)
{
	const uint8_t *p = (const uint8_t *)nlh + NLMSG_HDRLEN + GENL_HDRLEN;
	int rem = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	const struct nlattr *a;

	memset(tb, 0, sizeof(*tb) * (maxtype + 1));
	if (rem < 0)
		return "shorter than a genl header";
	while (rem >= NLA_HDRLEN) {
		a = (const void *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > rem)
			return "malformed attribute";
		if ((a->nla_type & NLA_TYPE_MASK) > maxtype ||
		    !(a->nla_type & NLA_TYPE_MASK))
			return "unknown attribute type";
		tb[a->nla_type & NLA_TYPE_MASK] = a;
		p += NLA_ALIGN(a->nla_len);
		rem -= NLA_ALIGN(a->nla_len);
	}
	return rem > 0 ? "bytes left over" : NULL;
}

static bool len_is(const struct nlattr *a, unsigned int len)
{
	return a && mnl_attr_get_payload_len(a) == len;
}

/* A GET_AGGR reply: attributes well formed, histograms of the right size */
static const char *check_aggr(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[TCPSTATES_A_AGGR_MAX + 1];
	const char *why;

	why = reply_attrs(nlh, TCPSTATES_A_AGGR_MAX, tb);
	if (why)
		return why;
	if (tb[TCPSTATES_A_AGGR_ALL_NETNS])
		return "a request attribute in a reply";
	return NULL;
}

static const char *check_stats(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[TCPSTATES_A_STATS_MAX + 1];
	uint64_t v[TCPSTATES_A_STATS_MAX + 1];
	const char *why;
	int i;

	why = reply_attrs(nlh, TCPSTATES_A_STATS_MAX, tb);
	if (why)
		return why;
	for (i = TCPSTATES_A_STATS_EVENTS; i <= TCPSTATES_A_STATS_MAX; i++) {
		if (!len_is(tb[i], 8))
			return "a counter missing or not a u64";
		v[i] = mnl_attr_get_u64(tb[i]);
	}
	if (v[TCPSTATES_A_STATS_RING_SIZE] < 16 ||
	    (v[TCPSTATES_A_STATS_RING_SIZE] & (v[TCPSTATES_A_STATS_RING_SIZE] - 1)))
		return "ring size not a power of two >= 16";
	if (v[TCPSTATES_A_STATS_RING_USED] > v[TCPSTATES_A_STATS_RING_SIZE] ||
	    v[TCPSTATES_A_STATS_RING_USED] > v[TCPSTATES_A_STATS_EVENTS])
		return "ring_used beyond the ring or the events";
	if (v[TCPSTATES_A_STATS_CONN_USED] > v[TCPSTATES_A_STATS_CONN_MAX])
		return "conn_used beyond conn_max";
	if (v[TCPSTATES_A_STATS_RING_FIRST_SEQ] + v[TCPSTATES_A_STATS_RING_USED] !=
	    v[TCPSTATES_A_STATS_EVENTS] + 1)
		return "ring_first_seq + ring_used != events + 1";
	return NULL;
}

static bool prefix_match(const uint8_t *a, const uint8_t *want,
			 unsigned int plen)
{
	unsigned int bytes = plen / 8, bits = plen % 8;

	if (memcmp(a, want, bytes))
		return false;
	return !bits || !((a[bytes] ^ want[bytes]) & (0xff00 >> bits));
}

/* The endpoint fields of an event or a connection against the filter */
static const char *check_endpoints(const struct oracle *o,
				   const struct nlattr *const *tb,
				   const int *at, uint32_t tgid,
				   const struct nlattr *cgroup)
{
	unsigned int alen;
	uint64_t netns_id, cookie;
	uint8_t family;

	/* at[]: netns, family, laddr, raddr, lport, rport, netns_id, cookie */
	if (!len_is(tb[at[0]], 4) || !len_is(tb[at[1]], 1) ||
	    !len_is(tb[at[4]], 2) || !len_is(tb[at[5]], 2) ||
	    !len_is(tb[at[6]], 8) || !len_is(tb[at[7]], 8))
		return "an endpoint attribute missing or of a wrong size";
	netns_id = mnl_attr_get_u64(tb[at[6]]);
	cookie = mnl_attr_get_u64(tb[at[7]]);
	family = mnl_attr_get_u8(tb[at[1]]);
	if (family != 2 && family != 10)
		return "family neither AF_INET nor AF_INET6";
	alen = family == 2 ? 4 : 16;
	if (!len_is(tb[at[2]], alen) || !len_is(tb[at[3]], alen))
		return "address of the wrong size";
	if (!o->all && netns_id != own_netns_id)
		return "a record of another namespace";
#define HAVE(x) (o->have & (1U << TCPSTATES_A_FILTER_##x))
	if (HAVE(NETNS_ID) && netns_id != o->netns_id)
		return "netns filter not applied";
	if (HAVE(COOKIE) && cookie != o->cookie)
		return "cookie filter not applied";
	if (HAVE(FAMILY) && family != o->family)
		return "family filter not applied";
	if (HAVE(LOCAL_ADDR) &&
	    !prefix_match(mnl_attr_get_payload(tb[at[2]]), o->laddr, o->lplen))
		return "local address filter not applied";
	if (HAVE(REMOTE_ADDR) &&
	    !prefix_match(mnl_attr_get_payload(tb[at[3]]), o->raddr, o->rplen))
		return "remote address filter not applied";
	if (HAVE(LOCAL_PORT) && mnl_attr_get_u16(tb[at[4]]) != o->lport)
		return "local port filter not applied";
	if (HAVE(REMOTE_PORT) && mnl_attr_get_u16(tb[at[5]]) != o->rport)
		return "remote port filter not applied";
	if (HAVE(TGID) && tgid != o->tgid)
		return "tgid filter not applied";
	if (HAVE(CGROUP_ID) &&
	    (len_is(cgroup, 8) ? mnl_attr_get_u64(cgroup) : 0) != o->cgroup_id)
		return "cgroup filter not applied";
#undef HAVE
	return NULL;
}

static uint32_t owner_tgid(const struct nlattr *nest)
{
	const struct nlattr *a;

	if (!nest)
		return 0;
	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == TCPSTATES_A_OWNER_TGID &&
		    mnl_attr_get_payload_len(a) == 4)
			return mnl_attr_get_u32(a);
	return 0;
}

static const char *check_event(const struct nlmsghdr *nlh, struct req *r)
{
	static const int at[] = {
		TCPSTATES_A_EVENT_NETNS, TCPSTATES_A_EVENT_FAMILY,
		TCPSTATES_A_EVENT_LOCAL_ADDR, TCPSTATES_A_EVENT_REMOTE_ADDR,
		TCPSTATES_A_EVENT_LOCAL_PORT, TCPSTATES_A_EVENT_REMOTE_PORT,
		TCPSTATES_A_EVENT_NETNS_ID, TCPSTATES_A_EVENT_COOKIE,
	};
	const struct nlattr *tb[TCPSTATES_A_EVENT_MAX + 1];
	uint64_t seq, prev;
	uint8_t old, new;
	const char *why;
	int i;

	why = reply_attrs(nlh, TCPSTATES_A_EVENT_MAX, tb);
	if (why)
		return why;
	for (i = TCPSTATES_A_EVENT_SEQ; i <= TCPSTATES_A_EVENT_COOKIE; i++)
		if (i != TCPSTATES_A_EVENT_PREV_NS && !len_is(tb[i], 8))
			return "a u64 attribute missing or of a wrong size";
	if (tb[TCPSTATES_A_EVENT_START_SEQ] || tb[TCPSTATES_A_EVENT_FILTER] ||
	    tb[TCPSTATES_A_EVENT_ALL_NETNS])
		return "a request attribute in a reply";
	if (!len_is(tb[TCPSTATES_A_EVENT_OLDSTATE], 1) ||
	    !len_is(tb[TCPSTATES_A_EVENT_NEWSTATE], 1) ||
	    !len_is(tb[TCPSTATES_A_EVENT_CAUSE], 1) ||
	    !len_is(tb[TCPSTATES_A_EVENT_ROLE], 1))
		return "a u8 attribute missing or of a wrong size";
	seq = mnl_attr_get_u64(tb[TCPSTATES_A_EVENT_SEQ]);
	prev = mnl_attr_get_u64(tb[TCPSTATES_A_EVENT_PREV_SEQ]);
	old = mnl_attr_get_u8(tb[TCPSTATES_A_EVENT_OLDSTATE]);
	new = mnl_attr_get_u8(tb[TCPSTATES_A_EVENT_NEWSTATE]);
	if (old >= NSTATES || new >= NSTATES ||
	    mnl_attr_get_u8(tb[TCPSTATES_A_EVENT_CAUSE]) > TCPSTATES_CAUSE_ERROR ||
	    mnl_attr_get_u8(tb[TCPSTATES_A_EVENT_ROLE]) > TCPSTATES_ROLE_LISTENER)
		return "state, cause or role out of range";
	if (seq < r->o.start)
		return "an event before START_SEQ";
	if (prev >= seq)
		return "PREV_SEQ not before SEQ";
	if (r->ndata ? prev < r->last_seq : prev + 1 < r->o.start)
		return "PREV_SEQ before the event returned before";
	if (r->ndata && seq <= r->last_seq)
		return "sequence numbers not increasing";
	r->last_seq = seq;
	if (r->o.states && !(r->o.states & ((1U << old) | (1U << new))))
		return "state filter not applied";
	return check_endpoints(&r->o, tb, at,
			       owner_tgid(tb[TCPSTATES_A_EVENT_OWNER]),
			       tb[TCPSTATES_A_EVENT_CGROUP_ID]);
}

static const char *check_conn(const struct nlmsghdr *nlh, struct req *r)
{
	static const int at[] = {
		TCPSTATES_A_CONN_NETNS, TCPSTATES_A_CONN_FAMILY,
		TCPSTATES_A_CONN_LOCAL_ADDR, TCPSTATES_A_CONN_REMOTE_ADDR,
		TCPSTATES_A_CONN_LOCAL_PORT, TCPSTATES_A_CONN_REMOTE_PORT,
		TCPSTATES_A_CONN_NETNS_ID, TCPSTATES_A_CONN_COOKIE,
	};
	const struct nlattr *tb[TCPSTATES_A_CONN_MAX + 1];
	const char *why;
	uint8_t state;

	why = reply_attrs(nlh, TCPSTATES_A_CONN_MAX, tb);
	if (why)
		return why;
	if (!len_is(tb[TCPSTATES_A_CONN_COOKIE], 8) ||
	    !len_is(tb[TCPSTATES_A_CONN_AGE_NS], 8) ||
	    !len_is(tb[TCPSTATES_A_CONN_STATE], 1) ||
	    !len_is(tb[TCPSTATES_A_CONN_ROLE], 1) ||
	    !len_is(tb[TCPSTATES_A_CONN_FIRST_FIN], 1) ||
	    !len_is(tb[TCPSTATES_A_CONN_FLAGS], 4))
		return "a connection attribute missing or of a wrong size";
	if (tb[TCPSTATES_A_CONN_FILTER] || tb[TCPSTATES_A_CONN_ALL_NETNS])
		return "a request attribute in a reply";
	state = mnl_attr_get_u8(tb[TCPSTATES_A_CONN_STATE]);
	if (state >= NSTATES ||
	    mnl_attr_get_u8(tb[TCPSTATES_A_CONN_ROLE]) > TCPSTATES_ROLE_LISTENER ||
	    mnl_attr_get_u8(tb[TCPSTATES_A_CONN_FIRST_FIN]) > TCPSTATES_FIRST_FIN_REMOTE)
		return "state, role or first_fin out of range";
	if (r->o.states && !(r->o.states & (1U << state)))
		return "state filter not applied";
	return check_endpoints(&r->o, tb, at,
			       owner_tgid(tb[TCPSTATES_A_CONN_OWNER]),
			       tb[TCPSTATES_A_CONN_CGROUP_ID]);
}

/* A data message for @r */
static const char *check_data(const struct nlmsghdr *nlh, struct req *r)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	bool filtered = nlh->nlmsg_flags & NLM_F_DUMP_FILTERED;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return "shorter than a genl header";
	if (g->version != TCPSTATES_GENL_VERSION)
		return "genl version not 1";
	if (r->cls == X_DATA) {
		if (nlh->nlmsg_flags & NLM_F_MULTI)
			return "NLM_F_MULTI in a reply to a do request";
		r->single = true;
		if (r->ndata)
			return "more than one reply";
		if (r->o.cmd == TCPSTATES_CMD_GET_AGGR)
			return g->cmd != TCPSTATES_CMD_GET_AGGR ? "not GET_AGGR" :
			       check_aggr(nlh);
		if (g->cmd != TCPSTATES_CMD_GET_STATS)
			return "not GET_STATS";
		return check_stats(nlh);
	}
	if (r->cls != X_DUMP)
		return "data where none is due";
	r->multi = true;
	if (!(nlh->nlmsg_flags & NLM_F_MULTI))
		return "a dump message without NLM_F_MULTI";
	if (g->cmd != r->o.cmd)
		return "a dump message of another command";
	if (filtered != !!r->o.have)
		return "NLM_F_DUMP_FILTERED wrong";
	return g->cmd == TCPSTATES_CMD_GET_EVENTS ? check_event(nlh, r) :
	       check_conn(nlh, r);
}

/* The extended ack attributes after @off bytes of payload: a message? */
static bool has_extack_msg(const struct nlmsghdr *nlh, size_t off)
{
	const uint8_t *p = (const uint8_t *)nlh + NLMSG_HDRLEN + off;
	int rem = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return false;
	while (rem >= NLA_HDRLEN) {
		a = (const void *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > rem)
			break;
		if (a->nla_type == NLMSGERR_ATTR_MSG)
			return true;
		p += NLA_ALIGN(a->nla_len);
		rem -= NLA_ALIGN(a->nla_len);
	}
	return false;
}

static void count_err(struct stats *s, int err)
{
	s->errnos[err > 0 && err <= ERRNO_MAX ? err : 0]++;
}

/* @r has its last message: was it what the model said? */
static void finish(struct fz *f, struct req *r)
{
	struct stats *s = &f->s;
	enum cls got;

	r->term = true;
	if (r->got)
		got = X_ERR;
	else if (r->in_done)
		got = X_DUMP;
	else if (r->single)
		got = X_DATA;
	else
		got = X_ACK;
	if (got == X_ERR && r->ndata) {
		s->bad++;
		report(f, r, "%lu data messages, then %s", r->ndata,
		       errname(r->got));
		return;
	}
	if (got == X_ERR && r->may_ebusy && r->got == EBUSY) {
		s->ebusy++;
		s->err++;
		count_err(s, r->got);
		return;
	}
	if (got != r->cls ||
	    (got == X_ERR && r->got != r->err && r->got != r->err_alt)) {
		s->wrong++;
		report(f, r, "got %s%s%s", cls_names[got],
		       got == X_ERR ? " " : "", got == X_ERR ? errname(r->got) : "");
		return;
	}
	switch (got) {
	case X_ERR:
		s->err++;
		count_err(s, r->got);
		break;
	case X_DUMP:
		s->dumps++;
		s->records += r->ndata;
		if (r->ndata > s->max_records)
			s->max_records = r->ndata;
		break;
	case X_DATA:
		s->data++;
		break;
	default:
		s->acked++;
		break;
	}
}

static struct req *find_req(struct dgram *d, uint32_t seq)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (d->reqs[i].seq == seq)
			return &d->reqs[i];
	return NULL;
}

/* One message from the kernel; returns 1 when it ended a request. */
static int handle(struct fz *f, struct dgram *d, const struct nlmsghdr *nlh)
{
	struct stats *s = &f->s;
	const struct nlmsgerr *e;
	struct req *r = find_req(d, nlh->nlmsg_seq);
	const char *why;
	unsigned int i;
	int err;

	if (!r || r->term) {
		for (i = 0; i < f->ndropped && i < 256; i++)
			if (f->dropped[i] == nlh->nlmsg_seq)
				break;
		if (r && r->cls == X_NONE) {
			s->late++;
			report(f, r, "an answer (type %u) to a message the core drops",
			       nlh->nlmsg_type);
		} else if (i < f->ndropped && i < 256) {
			s->late++;
			report(f, NULL, "an answer (type %u) to dropped seq %u",
			       nlh->nlmsg_type, nlh->nlmsg_seq);
		} else {
			s->stray++;
			report(f, r, "a stray message: type %u seq %u flags %#x",
			       nlh->nlmsg_type, nlh->nlmsg_seq,
			       nlh->nlmsg_flags);
		}
		return 0;
	}
	if (r->cls == X_NONE) {
		s->late++;
		report(f, r, "an answer (type %u) to a message the core drops",
		       nlh->nlmsg_type);
		r->term = true;
		return 0;
	}
	if (r->broken && nlh->nlmsg_type != NLMSG_ERROR &&
	    nlh->nlmsg_type != NLMSG_DONE)
		return 0;
	if (r->broken) {
		r->term = true;
		return 1;
	}
	if (nlh->nlmsg_pid != f->portid) {
		s->bad++;
		report(f, r, "answer for port %u, not ours (%u)",
		       nlh->nlmsg_pid, f->portid);
	}
	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		e = mnl_nlmsg_get_payload(nlh);
		if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e)) {
			s->bad++;
			report(f, r, "truncated NLMSG_ERROR");
			r->term = true;
			return 1;
		}
		err = -e->error;
		if (err < 0 || err > 4095 || e->msg.nlmsg_seq != r->seq) {
			s->bad++;
			report(f, r, "NLMSG_ERROR with error %d for seq %u",
			       e->error, e->msg.nlmsg_seq);
			r->term = true;
			return 1;
		}
		r->got = err;
		if (err && has_extack_msg(nlh, sizeof(*e) +
					  (nlh->nlmsg_flags & NLM_F_CAPPED ? 0 :
					   e->msg.nlmsg_len - NLMSG_HDRLEN)))
			s->err_msg++;
		if (r->multi) {
			s->bad++;
			report(f, r, "a dump ended with NLMSG_ERROR, not DONE");
			r->term = true;
			return 1;
		}
		finish(f, r);
		return 1;
	case NLMSG_DONE:
		if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(int) ||
		    !(nlh->nlmsg_flags & NLM_F_MULTI)) {
			s->bad++;
			report(f, r, "malformed NLMSG_DONE");
			r->term = true;
			return 1;
		}
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		if (err > 0 || err < -4095) {
			s->bad++;
			report(f, r, "NLMSG_DONE with %d", err);
			r->term = true;
			return 1;
		}
		r->got = -err;
		r->in_done = true;
		if (err) {
			s->err_in_done++;
			if (has_extack_msg(nlh, sizeof(int)))
				s->err_msg++;
		}
		finish(f, r);
		return 1;
	default:
		if (nlh->nlmsg_type != family_id) {
			s->bad++;
			report(f, r, "a message of type %u", nlh->nlmsg_type);
			return 0;
		}
		why = check_data(nlh, r);
		r->ndata++;
		if (why) {
			s->bad++;
			report(f, r, "bad data message %lu: %s", r->ndata, why);
			r->broken = true;	/* report it once */
		}
		return 0;
	}
}

/* Send the datagram (already modelled) and take the answers. */
static void exchange(struct fz *f)
{
	struct dgram *d = f->d;
	struct stats *s = &f->s;
	struct iovec iov = { .iov_base = f->rx, .iov_len = RXBUF };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	const struct nlmsghdr *nlh;
	int i, want = 0, len;
	ssize_t n;

	for (i = 0; i < d->n; i++) {
		s->cat_sent[d->reqs[i].cat]++;
		if (d->reqs[i].cls == X_NONE) {
			s->dropped++;
			f->dropped[f->ndropped++ % 256] = d->reqs[i].seq;
		} else {
			want++;
		}
	}
	s->sent += d->n;
	s->datagrams++;
	if (d->n > 1)
		s->multi++;
	if (send(f->fd, d->buf, d->len, 0) != (ssize_t)d->len)
		die("send %zu bytes: %s", d->len, strerror(errno));
	while (want > 0) {
		n = recvmsg(f->fd, &mh, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			s->overruns++;
			report(f, NULL, "receive buffer overrun: answers lost");
			continue;
		}
		if (n < 0)
			break;		/* timeout */
		if (mh.msg_flags & MSG_TRUNC) {
			s->bad++;
			report(f, NULL, "a datagram larger than %d bytes", RXBUF);
			continue;
		}
		len = n;
		for (nlh = (const void *)f->rx; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			want -= handle(f, d, nlh);
		if (len) {
			s->bad++;
			report(f, NULL, "%d bytes of junk after the messages", len);
		}
	}
	if (want <= 0)
		return;
	for (i = 0; i < d->n; i++) {
		if (d->reqs[i].cls == X_NONE || d->reqs[i].term)
			continue;
		s->unanswered++;
		report(f, &d->reqs[i], "no answer in %d ms (%lu data messages)",
		       opt_timeout_ms, d->reqs[i].ndata);
	}
	/* a dump may hang on the socket: start afresh */
	close(f->fd);
	open_sock(f, rn(&f->rng, 2));
}

/* Open a socket, start a dump, read a datagram or none, close. */
static void abandon(struct fz *f)
{
	struct fz a = { .rng = f->rng, .id = f->id, .seq = f->seq };
	struct stats *s = &f->s;
	ssize_t n;

	a.d = f->d;
	a.d->len = 0;
	a.d->n = 0;
	open_sock(&a, true);
	gen_valid(&a, CAT_ABANDON);
	if (cur_genl(a.d)->cmd == TCPSTATES_CMD_GET_STATS ||
	    cur_genl(a.d)->cmd == TCPSTATES_CMD_GET_AGGR)
		cur_genl(a.d)->cmd = TCPSTATES_CMD_GET_EVENTS;
	model_dgram(a.d);
	f->rng = a.rng;
	f->seq = a.seq;
	s->sent++;
	s->datagrams++;
	s->cat_sent[CAT_ABANDON]++;
	if (send(a.fd, a.d->buf, a.d->len, 0) != (ssize_t)a.d->len)
		die("send: %s", strerror(errno));
	if (rn(&f->rng, 4)) {
		n = recv(a.fd, f->rx, RXBUF, 0);
		if (n <= 0) {
			s->unanswered++;
			report(f, &a.d->reqs[0], "abandoned dump: no answer");
		}
	}
	close(a.fd);
	if (a.d->reqs[0].cls == X_DUMP) {
		s->abandoned++;
	} else if (a.d->reqs[0].cls == X_ERR) {
		s->err++;
		count_err(s, a.d->reqs[0].err);
	}
}

/* One datagram of one or several messages. */
static void fuzz_one(struct fz *f)
{
	struct rng *r = &f->rng;
	struct dgram *d = f->d;
	unsigned int total = 0, pick;
	int i, n = 1;
	enum cat c;

	for (c = 0; c < NCAT; c++)
		total += cat_weight[c];
	d->len = 0;
	d->n = 0;
	if (!rn(r, 8))
		n = 2 + rn(r, MAX_MSGS - 1);
	for (i = 0; i < n; i++) {
		pick = rn(r, total);
		for (c = 0; pick >= cat_weight[c]; c++)
			pick -= cat_weight[c];
		if (c == CAT_ABANDON) {
			if (d->n || opt_dry)
				break;
			abandon(f);
			return;
		}
		if (d->len > DGRAM_MAX - 80 * 1024)
			break;
		switch (c) {
		case CAT_BOUNDARY: gen_valid(f, c); break;
		case CAT_BADCMD: gen_badcmd(f); break;
		case CAT_FLAGS: gen_flags(f); break;
		case CAT_GENLHDR: gen_genlhdr(f); break;
		case CAT_ATTRS: gen_attrs(f); break;
		case CAT_NEST: gen_nest(f); break;
		case CAT_TRUNC: gen_trunc(f); break;
		case CAT_LEN: gen_len(f); break;
		case CAT_FLIP: gen_flip(f); break;
		default: gen_huge(f); break;
		}
		/* a message whose length is off ends the datagram */
		if (c == CAT_TRUNC || c == CAT_LEN)
			break;
	}
	model_dgram(d);
	if (opt_dry) {
		for (i = 0; i < d->n; i++) {
			f->s.cat_sent[d->reqs[i].cat]++;
			switch (d->reqs[i].cls) {
			case X_NONE: f->s.dropped++; break;
			case X_ACK: f->s.acked++; break;
			case X_DATA: f->s.data++; break;
			case X_DUMP: f->s.dumps++; break;
			case X_ERR:
				f->s.err++;
				count_err(&f->s, d->reqs[i].err);
				break;
			}
		}
		f->s.sent += d->n;
		f->s.datagrams++;
		return;
	}
	exchange(f);
}

/* The dumping threads: whole dumps back to back, checked alike. */
static void *dumper(void *arg)
{
	struct fz *f = arg;

	open_sock(f, rn(&f->rng, 2));
	while (!stop_threads) {
		f->d->len = 0;
		f->d->n = 0;
		if (!rn(&f->rng, 10)) {
			abandon(f);
			continue;
		}
		if (rn(&f->rng, 2))
			gen_huge(f);
		else
			gen_valid(f, CAT_CONCURRENT);
		f->d->reqs[0].cat = CAT_CONCURRENT;
		model_dgram(f->d);
		exchange(f);
	}
	close(f->fd);
	return NULL;
}

static void merge(struct stats *to, const struct stats *from)
{
	const unsigned long *a = (const unsigned long *)from;
	unsigned long *b = (unsigned long *)to, max = to->max_records;
	size_t i;

	for (i = 0; i < sizeof(*to) / sizeof(unsigned long); i++)
		b[i] += a[i];
	to->max_records = from->max_records > max ? from->max_records : max;
}

static void drop_privileges(void)
{
	if (geteuid() != 0)
		return;
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		die("dropping to uid %d: %s", NOBODY, strerror(errno));
}

static int count_event(const struct ts_nl_event *ev, void *data)
{
	(void)ev;
	(*(unsigned long *)data)++;
	return 0;
}

/* Our namespace's id, from a record of it (a dump shows our own only) */
static int netns_id_of_conn(const struct ts_nl_conn *c, void *data)
{
	(void)data;
	if (!own_netns_id)
		own_netns_id = c->netns_id;
	return 0;
}

static int netns_id_of_event(const struct ts_nl_event *ev, void *data)
{
	(void)data;
	if (!own_netns_id)
		own_netns_id = ev->netns_id;
	return 0;
}

static void learn_own_netns_id(struct ts_nl *nl)
{
	struct ts_nl_filter none = { 0 };
	socklen_t len = sizeof(own_netns_id);
	int fd;

	if (ts_nl_dump_conns(nl, &none, false, netns_id_of_conn, NULL) >= 0 &&
	    own_netns_id)
		return;
	if (ts_nl_dump_events(nl, 0, &none, false, netns_id_of_event, NULL) >= 0 &&
	    own_netns_id)
		return;
	/* no record yet: the kernel's own cookie, where it has one (5.12+) */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd >= 0 && getsockopt(fd, SOL_SOCKET, 71 /* SO_NETNS_COOKIE */,
				  &own_netns_id, &len))
		own_netns_id = 0;
	if (fd >= 0)
		close(fd);
}

static int ignore_conn(const struct ts_nl_conn *c, void *data)
{
	(void)c;
	(void)data;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* --dry-run: generate and model only, no kernel needed */
static int dry_run(void)
{
	struct fz f = { .id = 0 };
	int c;

	family_id = 0x20;
	priv = init_cap = !opt_unpriv;
	f.rng.s = (opt_seed + 1) * 0x9e3779b97f4a7c15ULL;
	f.d = malloc(sizeof(*f.d));
	if (!f.d)
		die("out of memory");
	while (f.s.sent < opt_n)
		fuzz_one(&f);
	printf("sent %lu\ndatagrams %lu\n", f.s.sent, f.s.datagrams);
	for (c = 0; c < NCAT; c++)
		printf("category %s %lu\n", cat_names[c], f.s.cat_sent[c]);
	printf("want: dropped %lu acked %lu data %lu dumps %lu errors %lu\n",
	       f.s.dropped, f.s.acked, f.s.data, f.s.dumps, f.s.err);
	for (c = 0; c <= ERRNO_MAX; c++)
		if (f.s.errnos[c])
			printf("want errno %s %lu\n", errname(c), f.s.errnos[c]);
	free(f.d);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: nlfuzz [-n N] [-s SEED] [-t THREADS] [--unpriv] [--timeout MS] [-v] [--dry-run]\n");
	exit(2);
}

/* Our cgroup v2 id, if cgroup2 is mounted at /sys/fs/cgroup; else 0 */
static uint64_t cgroup_of_self(void)
{
	char line[4096], path[4200];
	struct stat sb;
	uint64_t id = 0;
	FILE *f = fopen("/proc/self/cgroup", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s", line + 3);
			if (!stat(path, &sb))
				id = sb.st_ino;
		}
	fclose(f);
	return id;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "unpriv", no_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "dry-run", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ts_nl_filter probe = {
		.have = 1U << TCPSTATES_A_FILTER_LOCAL_PORT, .lport = 1,
	};
	struct ts_nl_stats before, after;
	unsigned long unexpected, final_events = 0;
	struct stats total = { 0 };
	struct fz *main_fz;
	pthread_t *tids;
	struct stat sb;
	struct ts_nl nl;
	long long t0;
	bool final_ok;
	int c, i, ret;

	opt_seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 20);
	while ((c = getopt_long(argc, argv, "n:s:t:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': opt_n = strtoul(optarg, NULL, 0); break;
		case 's': opt_seed = strtoull(optarg, NULL, 0); break;
		case 't': opt_threads = atoi(optarg); break;
		case 'u': opt_unpriv = true; break;
		case 'T': opt_timeout_ms = atoi(optarg); break;
		case 'v': opt_verbose = true; break;
		case 'D': opt_dry = true; break;
		default: usage();
		}
	}
	if (optind != argc || opt_threads < 0 || opt_threads > 64 ||
	    opt_timeout_ms <= 0)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("seed %llu\n", opt_seed);
	if (stat("/proc/self/ns/net", &sb))
		die("/proc/self/ns/net: %s", strerror(errno));
	own_netns = sb.st_ino;
	own_tgid = getpid();
	own_cgroup_id = cgroup_of_self();
	own_ns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	mnt_ns_fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (own_ns_fd < 0 || mnt_ns_fd < 0)
		die("/proc/self/ns: %s", strerror(errno));
	close(CLOSED_FD);
	if (opt_dry)
		return dry_run();
	/* sockets carry the credentials of their opener: drop first */
	if (opt_unpriv)
		drop_privileges();
	ret = ts_nl_open(&nl);
	if (ret)
		die("resolving the family: %s", strerror(-ret));
	family_id = nl.family_id;
	ret = ts_nl_get_stats(&nl, &before);
	if (ret)
		die("GET_STATS: %s", strerror(-ret));
	ring_first_seq = before.v[TCPSTATES_A_STATS_RING_FIRST_SEQ];
	ring_events = before.v[TCPSTATES_A_STATS_EVENTS];
	/*
	 * What the kernel will say of the permissions: the root of a user
	 * namespace may dump its own network namespace, not all of them.
	 */
	ret = ts_nl_dump_conns(&nl, &probe, false, ignore_conn, NULL);
	priv = ret != -EPERM;
	if (priv) {
		ret = ts_nl_dump_conns(&nl, &probe, true, ignore_conn, NULL);
		init_cap = ret != -EPERM;
	}
	if (priv)
		learn_own_netns_id(&nl);
	old_core = kernel_before_6_1();
	printf("mode %s uid %u family_id %u netns %u netns_id %llu messages %lu threads %d%s\n",
	       init_cap ? "privileged" : priv ? "namespace-root" :
	       "unprivileged", getuid(), family_id, own_netns,
	       (unsigned long long)own_netns_id, opt_n,
	       opt_threads, old_core ? " (genl core before 6.1)" : "");
	printf("ring_size %llu ring_used %llu conn_used %llu\n",
	       (unsigned long long)before.v[TCPSTATES_A_STATS_RING_SIZE],
	       (unsigned long long)before.v[TCPSTATES_A_STATS_RING_USED],
	       (unsigned long long)before.v[TCPSTATES_A_STATS_CONN_USED]);
	if (opt_unpriv && priv)
		die("--unpriv, but dumps are allowed");

	main_fz = calloc(opt_threads + 1, sizeof(*main_fz));
	tids = calloc(opt_threads + 1, sizeof(*tids));
	if (!main_fz || !tids)
		die("out of memory");
	for (i = 0; i <= opt_threads; i++) {
		main_fz[i].rng.s = (opt_seed + 1) * 0x9e3779b97f4a7c15ULL + i;
		main_fz[i].id = i;
		main_fz[i].seq = (uint32_t)rnd(&main_fz[i].rng) >> 1;
		main_fz[i].rx = malloc(RXBUF);
		main_fz[i].d = malloc(sizeof(struct dgram));
		if (!main_fz[i].rx || !main_fz[i].d)
			die("out of memory");
	}
	t0 = now_ms();
	for (i = 1; i <= opt_threads; i++)
		if (pthread_create(&tids[i], NULL, dumper, &main_fz[i]))
			die("pthread_create failed");
	open_sock(&main_fz[0], rn(&main_fz[0].rng, 2));
	while (main_fz[0].s.sent < opt_n)
		fuzz_one(&main_fz[0]);
	stop_threads = 1;
	for (i = 1; i <= opt_threads; i++)
		pthread_join(tids[i], NULL);
	close(main_fz[0].fd);
	for (i = 0; i <= opt_threads; i++)
		merge(&total, &main_fz[i].s);

	/* the family still works */
	ret = ts_nl_get_stats(&nl, &after);
	final_ok = !ret && after.v[TCPSTATES_A_STATS_RING_SIZE] ==
		   before.v[TCPSTATES_A_STATS_RING_SIZE] &&
		   after.v[TCPSTATES_A_STATS_CONN_MAX] ==
		   before.v[TCPSTATES_A_STATS_CONN_MAX] &&
		   after.v[TCPSTATES_A_STATS_EVENTS] >=
		   before.v[TCPSTATES_A_STATS_EVENTS];
	printf("final_stats %s\n", final_ok ? "ok" : "FAIL");
	ret = ts_nl_dump_events(&nl, 0, NULL, false, count_event, &final_events);
	if (priv) {
		printf("final_dump %s events %lu\n", ret ? "FAIL" : "ok",
		       final_events);
		final_ok = final_ok && !ret;
	} else {
		printf("final_dump %s (EPERM wanted)\n", ret == -EPERM ? "ok" : "FAIL");
		final_ok = final_ok && ret == -EPERM;
	}
	ts_nl_close(&nl);

	unexpected = total.unanswered + total.late + total.stray + total.bad +
		     total.wrong + total.overruns;
	printf("time_ms %lld\n", now_ms() - t0);
	printf("sent %lu\n", total.sent);
	printf("datagrams %lu\n", total.datagrams);
	printf("multi_message_datagrams %lu\n", total.multi);
	for (c = 0; c < NCAT; c++)
		printf("category %s %lu\n", cat_names[c], total.cat_sent[c]);
	printf("answered_error %lu\n", total.err);
	for (i = 0; i <= ERRNO_MAX; i++)
		if (total.errnos[i])
			printf("errno %s %lu\n", i ? errname(i) : "other",
			       total.errnos[i]);
	printf("errors_in_done %lu\n", total.err_in_done);
	printf("errors_with_message %lu\n", total.err_msg);
	printf("ebusy_concurrent_dump %lu\n", total.ebusy);
	printf("answered_data %lu\n", total.data);
	printf("acked %lu\n", total.acked);
	printf("dumps_completed %lu\n", total.dumps);
	printf("dump_records %lu\n", total.records);
	printf("largest_dump %lu\n", total.max_records);
	printf("dumps_abandoned %lu\n", total.abandoned);
	printf("unanswered_expected %lu\n", total.dropped);
	printf("unanswered_unexpected %lu\n", total.unanswered);
	printf("answered_unexpectedly %lu\n", total.late);
	printf("stray %lu\n", total.stray);
	printf("bad_replies %lu\n", total.bad);
	printf("wrong_outcome %lu\n", total.wrong);
	printf("rx_overruns %lu\n", total.overruns);
	printf("unexpected %lu\n", unexpected);
	printf("result %s\n", !unexpected && final_ok ? "ok" : "FAIL");
	return !unexpected && final_ok ? 0 : 1;
}
