// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: the mapped ring (/proc/tcpstates_map), the way a live
 * reader that sees everything (root in the initial namespaces) takes the
 * events: from shared memory, with no message per event. watch and life
 * use it when they may, and netlink otherwise (or with --no-map).
 *
 * Each record is copied out between two reads of its generation, as the
 * kernel's seqcount readers do: an odd or changed generation is a copy
 * torn by the writer, and is made again. A record older than the one
 * wanted is not written yet; a newer one says the wanted events were
 * overwritten, and how many: they are counted as lost, exactly.
 *
 * The ring holds ring_size events; a netlink listener has its socket's
 * buffer besides (8 MiB). So that a reader slower than a burst (printing
 * JSON takes far longer than copying a record, and a pipe to a slow
 * consumer blocks it) does not lose what netlink would have kept, a
 * thread of its own copies the records into a queue (up to
 * TS_MAP_QUEUE_MAX records, grown as needed) as soon as poll() says they
 * came: the ring only waits for the copying, never for the printing. The
 * printing thread takes them from the queue TS_MAP_BATCH at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tcpstates.h"

#define TS_MAP_PATH	"/proc/tcpstates_map"
/* The queue: 256 Ki records (66 MiB) at most, allocated as needed */
#define TS_MAP_QUEUE_MIN	4096U
#define TS_MAP_QUEUE_MAX	(256U * 1024)
/* Records copied into the queue at a time (the lock held) */
#define TS_MAP_FILL		1024U

int ts_map_open(struct ts_map *m)
{
	struct tcpstates_map_info info;
	ssize_t n;
	int err;

	memset(m, 0, sizeof(*m));
	m->fd = open(TS_MAP_PATH, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0)
		return -errno;
	n = read(m->fd, &info, sizeof(info));
	if (n != (ssize_t)sizeof(info)) {
		err = n < 0 ? -errno : -EPROTO;
		goto out_close;
	}
	err = -EPROTO;		/* a layout this tool does not know */
	if (info.version != TCPSTATES_MAP_VERSION ||
	    info.rec_size < sizeof(struct tcpstates_map_rec) ||
	    !info.nrecs || (info.nrecs & (info.nrecs - 1)) ||
	    info.map_size < (uint64_t)info.nrecs * info.rec_size)
		goto out_close;
	m->base = mmap(NULL, info.map_size, PROT_READ, MAP_SHARED, m->fd, 0);
	if (m->base == MAP_FAILED) {
		err = -errno;
		goto out_close;
	}
	m->info = info;
	m->next = info.start_seq;
	return 0;

out_close:
	close(m->fd);
	m->fd = -1;
	return err;
}

void ts_map_close(struct ts_map *m)
{
	if (m->fd < 0)
		return;
	if (m->running) {
		pthread_mutex_lock(&m->lock);
		m->stop = true;
		pthread_mutex_unlock(&m->lock);
		pthread_join(m->thread, NULL);
		pthread_mutex_destroy(&m->lock);
		pthread_cond_destroy(&m->cond);
		m->running = false;
	}
	munmap((void *)m->base, m->info.map_size);
	close(m->fd);
	m->fd = -1;
	free(m->q);
	m->q = NULL;
}

/* Copy record @i out whole: false while its writer is in it */
static bool copy_rec(const struct ts_map *m, uint64_t i,
		     struct tcpstates_map_rec *r)
{
	const struct tcpstates_map_rec *p = (const void *)
		(m->base + (i & (m->info.nrecs - 1)) * m->info.rec_size);
	uint32_t g1, g2;

	g1 = __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE);
	if (g1 & 1)
		return false;
	memcpy(r, p, sizeof(*r));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	g2 = __atomic_load_n(&p->gen, __ATOMIC_RELAXED);
	return g1 == g2;
}

static void to_event(const struct tcpstates_map_rec *r, struct ts_nl_event *ev)
{
	static const uint32_t seg_bit[TCPSTATES_MAP_NSEGS] = {
		TS_NL_EV_SEG_SYN_SEQ, TS_NL_EV_SEG_SYNACK_SEQ,
		TS_NL_EV_SEG_SYNACK_ACK, TS_NL_EV_SEG_ACK,
		TS_NL_EV_SEG_FIN_SEQ, TS_NL_EV_SEG_FIN_ACK,
	};
	uint32_t *seg[TCPSTATES_MAP_NSEGS] = {
		&ev->seg_syn_seq, &ev->seg_synack_seq, &ev->seg_synack_ack,
		&ev->seg_ack, &ev->seg_fin_seq, &ev->seg_fin_ack,
	};
	size_t alen = r->family == AF_INET6 ? 16 : 4, len;
	int i;

	memset(ev, 0, sizeof(*ev));
	ev->cmd = TCPSTATES_CMD_EVENT;
	ev->seq = r->seq;
	ev->time_ns = r->time_ns;
	ev->has_prev_ns = r->known & TCPSTATES_MAP_PREV_NS;
	if (ev->has_prev_ns)
		ev->prev_ns = r->prev_ns;
	ev->cookie = r->cookie;
	ev->netns_id = r->netns_id;
	ev->netns = r->netns;
	ev->known = TS_NL_EV_NETNS_ID | TS_NL_EV_CGROUP;
	ev->cgroup_id = r->cgroup_id;
	ev->flags = r->flags;
	ev->family = r->family;
	ev->oldstate = r->oldstate;
	ev->newstate = r->newstate;
	ev->cause = r->cause;
	ev->role = r->role;
	memcpy(ev->laddr, r->local_addr, alen);
	memcpy(ev->raddr, r->remote_addr, alen);
	ev->lport = r->local_port;
	ev->rport = r->remote_port;
	if (r->known & TCPSTATES_MAP_LIFE_NS) {
		ev->known |= TS_NL_EV_LIFE;
		ev->life_ns = r->life_ns;
	}
	if (r->known & TCPSTATES_MAP_SND_NXT) {
		ev->known |= TS_NL_EV_SND_NXT;
		ev->snd_nxt = r->snd_nxt;
	}
	if (r->known & TCPSTATES_MAP_RCV_NXT) {
		ev->known |= TS_NL_EV_RCV_NXT;
		ev->rcv_nxt = r->rcv_nxt;
	}
	if (r->known & TCPSTATES_MAP_ERRNO) {
		ev->known |= TS_NL_EV_ERRNO;
		ev->err = r->err;
	}
	if (r->known & TCPSTATES_MAP_HS_RETRANS) {
		ev->known |= TS_NL_EV_HS_RETRANS;
		ev->hs_retrans = r->hs_retrans;
	}
	if (r->known & TCPSTATES_MAP_HS_WAIT_NS) {
		ev->known |= TS_NL_EV_HS_WAIT;
		ev->hs_wait_ns = r->hs_wait_ns;
	}
	for (i = 0; i < TCPSTATES_MAP_NSEGS; i++) {
		if (r->known & TCPSTATES_MAP_SEG(i)) {
			ev->known |= seg_bit[i];
			*seg[i] = r->seg[i];
		}
	}
	if (r->known & TCPSTATES_MAP_DATA) {
		ev->data.known = true;
		ev->data.bytes_acked = r->bytes_acked;
		ev->data.bytes_received = r->bytes_received;
		ev->data.segs_out = r->segs_out;
		ev->data.segs_in = r->segs_in;
		ev->data.retrans = r->retrans;
		ev->data.rto = r->rto;
		ev->data.tlp = r->tlp;
		ev->data.srtt_us = r->srtt_us;
		ev->data.min_rtt_us = r->min_rtt_us;
	}
	if (r->known & TCPSTATES_MAP_DROP) {
		ev->known |= TS_NL_EV_DROP;
		ev->drops.syn_drops = r->syn_drops;
		ev->drops.ack_drops = r->ack_drops;
		ev->drops.suppressed = r->drops_suppressed;
		ev->drops.acceptq_len = r->acceptq_len;
		ev->drops.acceptq_max = r->acceptq_max;
	}
	if (r->known & (TCPSTATES_MAP_OWNER_UID | TCPSTATES_MAP_OWNER_PROC)) {
		ev->owner.known = true;
		if (r->known & TCPSTATES_MAP_OWNER_UID) {
			ev->owner.have |= TS_NL_OWNER_UID;
			ev->owner.uid = r->uid;
		}
		if (r->known & TCPSTATES_MAP_OWNER_PROC) {
			ev->owner.have |= TS_NL_OWNER_TGID | TS_NL_OWNER_PID |
					  TS_NL_OWNER_COMM;
			ev->owner.tgid = r->tgid;
			ev->owner.pid = r->pid;
			len = strnlen(r->comm, sizeof(r->comm) - 1);
			memcpy(ev->owner.comm, r->comm, len);	/* as netlink's */
		}
	}
}

/* Room for one more record in the queue: false at its limit */
static bool queue_room(struct ts_map *m)
{
	struct tcpstates_map_rec *q;
	size_t n, i;

	if (m->qlen < m->qcap)
		return true;
	if (m->qcap >= TS_MAP_QUEUE_MAX)
		return false;
	n = m->qcap ? 2 * m->qcap : TS_MAP_QUEUE_MIN;
	q = malloc(n * sizeof(*q));
	if (!q)
		return false;
	for (i = 0; i < m->qlen; i++)	/* unwrapped, oldest first */
		q[i] = m->q[(m->qhead + i) % m->qcap];
	free(m->q);
	m->q = q;
	m->qcap = n;
	m->qhead = 0;
	return true;
}

enum fill { FILL_CAUGHT_UP, FILL_MORE, FILL_FULL, FILL_TORN };

/*
 * A record its writer is in: the kernel writes one in well under a
 * microsecond, with interrupts off, so it is done by the next look unless
 * its CPU stopped running. A virtual CPU does stop (its hypervisor runs
 * another one; qemu's TCG runs them in turn on one thread), and a reader
 * that spins on such a record spins until that CPU's turn comes, taking
 * the time from everyone (measured in the test VM: up to 120,000 copies
 * made again in 5 s of churn, and the churn slower for it). So: a pause
 * between two looks (x86's PAUSE, arm64's YIELD: the hint a spinning
 * loop gives its core, and the one hypervisors and qemu act on), and
 * after TS_MAP_SPINS of them the filler sleeps, letting its CPU go idle.
 */
#define TS_MAP_SPINS	64
#define TS_MAP_TORN_US	100

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
#endif
}

/*
 * Copy up to TS_MAP_FILL records written since the last call into the
 * queue, each straight into its place there: it is the queue's once
 * counted in qlen, so a torn copy is simply made again.
 */
static enum fill fill(struct ts_map *m)
{
	struct tcpstates_map_rec *r;
	unsigned int torn = 0, n = 0;

	while (n < TS_MAP_FILL && queue_room(m)) {
		r = &m->q[(m->qhead + m->qlen) % m->qcap];
		if (!copy_rec(m, m->next, r)) {
			m->torn++;
			if (++torn == TS_MAP_SPINS)
				return FILL_TORN;	/* its writer was stopped mid-copy */
			cpu_relax();
			continue;
		}
		if (r->seq < m->next)
			return FILL_CAUGHT_UP;	/* not written yet */
		if (r->seq > m->next) {
			/* overwritten: what is older than r->seq's round is gone */
			m->lost += r->seq - m->info.nrecs + 1 - m->next;
			m->next = r->seq - m->info.nrecs + 1;
			continue;
		}
		m->qlen++;
		m->next++;
		n++;
	}
	return n < TS_MAP_FILL ? FILL_FULL : FILL_MORE;
}

/* The copying thread: copies what came, then waits for news (poll) */
static void *filler(void *arg)
{
	struct ts_map *m = arg;
	struct pollfd p = { .fd = m->fd, .events = POLLIN };
	enum fill f;

	pthread_mutex_lock(&m->lock);
	while (!m->stop) {
		f = fill(m);
		if (m->qlen || m->lost != m->lost_told)
			pthread_cond_signal(&m->cond);
		pthread_mutex_unlock(&m->lock);
		if (f == FILL_CAUGHT_UP)
			poll(&p, 1, 100);
		else if (f == FILL_FULL)
			usleep(1000);	/* the printer's turn */
		else if (f == FILL_TORN)
			usleep(TS_MAP_TORN_US);	/* the writer's turn */
		pthread_mutex_lock(&m->lock);
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

int ts_map_start(struct ts_map *m, unsigned long long from)
{
	sigset_t all, old;
	int err;

	if (m->next < from)
		m->next = from;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->cond, NULL);
	/* signals are the printing thread's (ts_stop) */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&m->thread, NULL, filler, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_mutex_destroy(&m->lock);
		pthread_cond_destroy(&m->cond);
		return -err;
	}
	m->running = true;
	return 0;
}

/* Events are made from the records as they leave the queue: one copy less */
struct ts_nl_event *ts_map_next(struct ts_map *m)
{
	if (m->bi == m->bn) {
		pthread_mutex_lock(&m->lock);
		m->bi = 0;
		for (m->bn = 0; m->bn < TS_MAP_BATCH && m->qlen; m->bn++) {
			to_event(&m->q[m->qhead], &m->batch[m->bn]);
			m->qhead = (m->qhead + 1) % m->qcap;
			m->qlen--;
		}
		m->lost_told = m->lost;
		pthread_mutex_unlock(&m->lock);
		if (!m->bn)
			return NULL;
	}
	return &m->batch[m->bi++];
}

unsigned long long ts_map_lost(struct ts_map *m)
{
	unsigned long long n;

	pthread_mutex_lock(&m->lock);
	n = m->lost;
	pthread_mutex_unlock(&m->lock);
	return n;
}

int ts_map_wait(struct ts_map *m, int timeout_ms)
{
	struct timespec t;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += timeout_ms / 1000;
	t.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&m->lock);
	while (!m->qlen && m->lost == m->lost_told && !ret)
		ret = pthread_cond_timedwait(&m->cond, &m->lock, &t);
	pthread_mutex_unlock(&m->lock);
	return ret == ETIMEDOUT ? 0 : ret ? -ret : 1;
}
