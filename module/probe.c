// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: the probes that see TCP connections change state.
 *
 * tcp_set_state(sk, state) is the primary hook: on entry sk->sk_state still
 * holds the old state. The rest covers what bypasses it or happens where
 * it cannot see:
 *
 * - tcp_connect(sk): CLOSE -> SYN_SENT, once the local port and the ISN are
 *   chosen (at tcp_set_state(SYN_SENT) both are still unset);
 * - inet_csk_listen_start(sk), on return: CLOSE -> LISTEN;
 * - tcp_v4_syn_recv_sock() and tcp_v6_syn_recv_sock(), on return: the
 *   child of a passive open, NEW_SYN_RECV -> SYN_RECV, with the ISNs and
 *   the SYN-ACK time from the request socket and the listener's owner,
 *   once the child owns the request (*own_req). A child that lost the
 *   request to another CPU's child is discarded by the kernel unseen, and
 *   is not shown either;
 * - security_sock_graft(sk, sock), from accept: the accepting process owns
 *   the child;
 * - tcp_time_wait(sk): the socket is about to hand over to a timewait
 *   socket; if the kernel has no room for one (tcp_max_tw_buckets), the
 *   CLOSE that follows is a TIME_WAIT overflow;
 * - the timewait hash dance (tw, sk): the full socket hands over to a
 *   timewait socket: FIN_WAIT2/CLOSING -> TIME_WAIT, or nothing yet when
 *   the timewait socket starts in the FIN_WAIT2 substate; the full socket's
 *   own FIN_WAIT2/CLOSING -> CLOSE that follows is the hand-over, not shown
 *   (the hash dance unhashed the socket: that tells it, whatever the
 *   timewait socket has become meanwhile on another CPU);
 * - __inet_twsk_schedule(tw, ...): a FIN_WAIT2 timewait socket got the
 *   peer's FIN: FIN_WAIT2 -> TIME_WAIT;
 * - tcp_twsk_destructor(tw): the timewait socket is gone: -> CLOSE, whether
 *   by its timer, by reuse or RST, or with its network namespace;
 * - tcp_retransmit_timer(sk), tcp_send_loss_probe(sk): counts of the
 *   retransmission timer's expiries and of tail loss probes (the kernel
 *   keeps only the total of retransmitted segments per socket);
 * - tcp_conn_request(..., listener, skb): a SYN the listener refuses
 *   because its accept queue is full.
 *
 * Several of these are shared with DCCP (inet_csk_*, inet_timewait_sock):
 * every handler checks that the socket is TCP's. MPTCP's subflows are TCP
 * sockets and are traced; its meta socket is not.
 *
 * Each handler takes the lock of its connection's shard of the table for
 * bounded work, builds the event there and pushes it to the ring after
 * unlocking. Nothing here sleeps or allocates.
 */
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/jiffies.h>
#include <linux/cpumask.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/inet_connection_sock.h>
#include <net/inet_timewait_sock.h>
#include <net/request_sock.h>
#include <net/tcp.h>
#include <net/tcp_states.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "tcpstates.h"

static bool is_tcp_sk(const struct sock *sk)
{
	return READ_ONCE(sk->sk_protocol) == IPPROTO_TCP;
}

/* A timewait socket of TCP's: DCCP's are bare inet_timewait_socks. */
static bool tw_is_tcp(const struct inet_timewait_sock *tw)
{
	return tw->tw_prot->twsk_prot->twsk_obj_size ==
	       sizeof(struct tcp_timewait_sock);
}

/* Start a connection's record afresh (a socket can connect again). */
static void conn_restart(struct tcpstates_conn *conn, u64 now)
{
	struct hlist_node node = conn->node;	/* linked: keep as is */
	struct list_head lru = conn->lru;
	u64 cookie = conn->cookie;
	u8 cls = conn->cls;

	memset(conn, 0, sizeof(*conn));
	conn->node = node;
	conn->lru = lru;
	conn->cls = cls;
	conn->cookie = cookie;
	conn->created_ns = now;
	conn->state_ns = TCPSTATES_UNKNOWN;
}

/*
 * The connection of @sk, whose state is @state: its entry, or a new one
 * for a connection the probes meet mid-life. Shard locked.
 */
static struct tcpstates_conn *conn_met(struct tcpstates_conn_lock *l,
				       u64 cookie, struct sock *sk, int state,
				       bool full)
{
	struct tcpstates_conn *conn;
	bool created;

	conn = tcpstates_conn_get(l, cookie, &created);
	if (!conn || !created)
		return conn;
	tcpstates_sk_endpoints(sk, &conn->ep);
	if (full) {
		tcpstates_sk_uid(sk, &conn->owner);
		conn->cgroup_id = tcpstates_sk_cgroup(sk);
	}
	conn->state = state;
	tcpstates_conn_adopt(l, conn);
	tcpstates_conn_update(l, conn);
	/* Met while seeding: a connection there at load, as if seeded */
	if (conn->flags & TCPSTATES_CONN_F_PREEXISTING)
		tcpstates_aggr_seed(state, sock_net(sk));
	return conn;
}

/* What every event of @conn says: when, which connection, whose, which move */
static void event_of(struct tcpstates_event *ev,
		     const struct tcpstates_conn *conn, int old, int new, u64 now)
{
	ev->ts_ns = now;
	ev->cookie = conn->cookie;
	ev->ep = conn->ep;
	ev->owner = conn->owner;
	ev->oldstate = old;
	ev->newstate = new;
	ev->role = conn->role;
	ev->cgroup_id = conn->cgroup_id;
	if (conn->flags & TCPSTATES_CONN_F_PARTIAL)
		ev->flags |= TCPSTATES_EVENT_F_PARTIAL;
}

/*
 * Fill @ev for conn's move from @old to @new at @now and advance the
 * connection: time in @old is added to its total. Shard locked.
 */
static void conn_event(struct tcpstates_conn_lock *l,
		       struct tcpstates_conn *conn, struct tcpstates_event *ev,
		       int old, int new, u64 now)
{
	u64 prev = TCPSTATES_UNKNOWN;

	if (conn->state_ns != TCPSTATES_UNKNOWN && now >= conn->state_ns) {
		prev = now - conn->state_ns;
		if (old > 0 && old < TCPSTATES_NSTATES)
			conn->state_us[old] += div_u64(prev, NSEC_PER_USEC);
	}
	event_of(ev, conn, old, new, now);
	ev->prev_ns = prev;
	ev->life_ns = new == TCP_CLOSE && !(conn->flags & (TCPSTATES_CONN_F_PREEXISTING |
							     TCPSTATES_CONN_F_PARTIAL)) &&
		      now >= conn->created_ns ? now - conn->created_ns : TCPSTATES_UNKNOWN;
	ev->isn_local = conn->isn_local;
	ev->isn_remote = conn->isn_remote;
	ev->fin_local = conn->fin_local;
	ev->fin_remote = conn->fin_remote;
	ev->seqs = conn->known & TCPSTATES_KNOW_SEQS;
	conn->state = new;
	conn->state_ns = now;
	tcpstates_conn_update(l, conn);
}

/*
 * Read a full socket's data phase into its entry; the probes' counts
 * stay. The kernel's byte counts include sequence numbers that carry no
 * data: the client's SYN once acked (not a child's SYN-ACK), a FIN once
 * acked or received. Those are taken out where the entry knows them (a
 * connection met mid-life may keep them).
 */
static void conn_read_data(struct tcpstates_conn *conn, const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u32 rto = conn->data.rto, tlp = conn->data.tlp;
	u32 una = READ_ONCE(tp->snd_una), rcv = READ_ONCE(tp->rcv_nxt);
	struct tcpstates_data *d = &conn->data;

	tcpstates_sk_data(sk, d);
	d->rto = rto;
	d->tlp = tlp;
	if (conn->role == TCPSTATES_ROLE_ACTIVE && d->bytes_acked)
		d->bytes_acked--;
	if ((conn->known & TCPSTATES_KNOW_FIN_LOCAL) && after(una, conn->fin_local) &&
	    d->bytes_acked)
		d->bytes_acked--;
	if ((conn->known & TCPSTATES_KNOW_FIN_REMOTE) &&
	    after(rcv, conn->fin_remote) && d->bytes_received)
		d->bytes_received--;
	conn->known |= TCPSTATES_KNOW_DATA;
}

/* The handshake's retransmissions, on the event that ends it */
static void event_handshake(struct tcpstates_event *ev,
			    const struct tcpstates_conn *conn, u64 first_ns)
{
	ev->hs_retrans = conn->hs_retrans;
	ev->known |= TCPSTATES_EV_HS;
	ev->hs_wait_ns = conn->last_rto_ns && first_ns != TCPSTATES_UNKNOWN &&
			 conn->last_rto_ns > first_ns ?
			 conn->last_rto_ns - first_ns : TCPSTATES_UNKNOWN;
}

/*
 * The event of a connection the table has no room for: what the socket
 * itself tells. Rare: only when its shard has no entry at all and every
 * other shard is busy.
 */
static void event_unrecorded(struct tcpstates_event *ev, struct sock *sk,
			     u64 cookie, int old, int new, u64 now)
{
	tcpstates_sk_endpoints(sk, &ev->ep);
	ev->ts_ns = now;
	ev->prev_ns = TCPSTATES_UNKNOWN;
	ev->life_ns = TCPSTATES_UNKNOWN;
	ev->hs_wait_ns = TCPSTATES_UNKNOWN;
	ev->cookie = cookie;
	ev->oldstate = old;
	ev->newstate = new;
	ev->flags |= TCPSTATES_EVENT_F_PARTIAL;
}

/* Why a connection reaches CLOSE from @old; @err: the errno for ERROR. */
static u8 close_cause(struct sock *sk, int old, u16 *err)
{
	int e = READ_ONCE(sk->sk_err);

	switch (e) {
	case 0:
		break;
	case ECONNREFUSED:
		return TCPSTATES_CAUSE_REFUSED;
	case ECONNRESET:
	case EPIPE:
		return TCPSTATES_CAUSE_RESET_RECEIVED;
	case ETIMEDOUT:
		return TCPSTATES_CAUSE_TIMEOUT;
	case ECONNABORTED:
		return TCPSTATES_CAUSE_ABORTED;
	case EHOSTUNREACH:
		return TCPSTATES_CAUSE_HOST_UNREACHABLE;
	case ENETUNREACH:
		return TCPSTATES_CAUSE_NET_UNREACHABLE;
	default:
		*err = e;
		return TCPSTATES_CAUSE_ERROR;
	}
	switch (old) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT1:
	case TCP_SYN_RECV:
		/* No error and no FIN handshake: we zapped it with a RST
		 * (close with unread data, SO_LINGER 0, disconnect, listener
		 * closed before accept); tcp_set_state() runs before the RST.
		 */
		return TCPSTATES_CAUSE_RESET_SENT;
	case TCP_FIN_WAIT2:
		/* Not the hand-over to TIME_WAIT (filtered before), nor an
		 * overflow (seen in tcp_time_wait()): the FIN_WAIT2 timer.
		 */
		return TCPSTATES_CAUSE_TIMEOUT;
	default:
		return TCPSTATES_CAUSE_NORMAL;
	}
}

/* Record the sequence numbers a transition reveals. Shard locked. */
static void note_numbers(struct tcpstates_conn *conn, int old, int new,
			 u32 snd, u32 rcv, u32 una, u64 now)
{
	if (new == TCP_ESTABLISHED) {
		if (!(conn->known & TCPSTATES_KNOW_ISN_LOCAL))
			conn->isn_local = una - 1;
		if (!(conn->known & TCPSTATES_KNOW_ISN_REMOTE))
			conn->isn_remote = rcv - 1;
		conn->known |= TCPSTATES_KNOW_ISN_LOCAL | TCPSTATES_KNOW_ISN_REMOTE;
		if (old == TCP_SYN_SENT && conn->state_ns != TCPSTATES_UNKNOWN) {
			conn->handshake_us = div_u64(now - conn->state_ns,
						     NSEC_PER_USEC);
			conn->known |= TCPSTATES_KNOW_HANDSHAKE;
		}
	}
	/* tcp_close_state() runs before tcp_send_fin(): the FIN gets write_seq */
	if (new == TCP_FIN_WAIT1 || new == TCP_LAST_ACK) {
		conn->fin_local = snd;
		conn->known |= TCPSTATES_KNOW_FIN_LOCAL;
		if (!conn->first_fin)
			conn->first_fin = TCPSTATES_FIRST_FIN_LOCAL;
	}
	/* tcp_fin() runs after rcv_nxt moved past the peer's FIN */
	if (new == TCP_CLOSE_WAIT || new == TCP_CLOSING) {
		conn->fin_remote = rcv - 1;
		conn->known |= TCPSTATES_KNOW_FIN_REMOTE;
		if (!conn->first_fin)
			conn->first_fin = TCPSTATES_FIRST_FIN_REMOTE;
	}
}

static int tcp_set_state_pre(struct tcpstates_hook_regs *regs)
{
	struct sock *sk = (struct sock *)tcpstates_hook_arg(regs, 0);
	int new = (int)tcpstates_hook_arg(regs, 1);
	int old = READ_ONCE(sk->sk_state);
	struct tcpstates_event ev = { .hs_wait_ns = TCPSTATES_UNKNOWN };
	struct tcpstates_conn_lock l;
	struct tcpstates_conn *conn;
	struct tcp_sock *tp = tcp_sk(sk);
	bool unhashed = false;
	u32 snd, rcv, una;
	u64 cookie, now;
	u8 cause = TCPSTATES_CAUSE_NONE;

	/* tcp_close_state() may "move" a socket to the state it is in. */
	if (old == new || new == TCP_SYN_SENT || !is_tcp_sk(sk))
		return 0;
	if (new == TCP_CLOSE && !sk_hashed(sk)) {
		/* tcp_time_wait(): the timewait socket took its place */
		if (old == TCP_FIN_WAIT2 || old == TCP_CLOSING)
			return 0;
		/* Never hashed, so never shown unless the table knows it: a
		 * connect() that failed before its SYN, a child dropped
		 * before it was hashed.
		 */
		unhashed = true;
	}
	cookie = tcpstates_sk_cookie(sk);
	snd = READ_ONCE(tp->write_seq);
	rcv = READ_ONCE(tp->rcv_nxt);
	una = READ_ONCE(tp->snd_una);
	if (new == TCP_CLOSE)
		cause = close_cause(sk, old, &ev.err);
	now = ktime_get_ns();

	conn = tcpstates_conn_lock(cookie, &l);
	if (!conn && unhashed) {
		tcpstates_conn_unlock(&l);
		return 0;
	}
	if (!conn)
		conn = conn_met(&l, cookie, sk, old, true);
	if (!conn) {
		tcpstates_conn_unlock(&l);
		event_unrecorded(&ev, sk, cookie, old, new, now);
	} else {
		if (conn->flags & TCPSTATES_CONN_IN_TIME_WAIT) {
			/* tcp_time_wait() found no room for a timewait socket */
			cause = TCPSTATES_CAUSE_TW_OVERFLOW;
			ev.err = 0;
		}
		note_numbers(conn, old, new, snd, rcv, una, now);
		if (old == TCP_SYN_SENT && new == TCP_ESTABLISHED) {
			conn->hs_retrans = READ_ONCE(tp->total_retrans);
			conn->known |= TCPSTATES_KNOW_HS_RETRANS;
			event_handshake(&ev, conn, conn->state_ns);
		}
		if (old == TCP_ESTABLISHED || new == TCP_CLOSE) {
			conn_read_data(conn, sk);
			ev.data = conn->data;
			ev.known |= TCPSTATES_EV_DATA;
		}
		conn_event(&l, conn, &ev, old, new, now);
		if (new == TCP_CLOSE)
			tcpstates_conn_remove(&l, conn);
		tcpstates_conn_unlock(&l);
	}
	ev.cause = cause;
	ev.snd = snd;
	ev.rcv = rcv;
	ev.known |= TCPSTATES_EV_SND | TCPSTATES_EV_RCV;
	tcpstates_ring_push(&ev, sock_net(sk));
	return 0;
}

static int tcp_connect_pre(struct tcpstates_hook_regs *regs)
{
	struct sock *sk = (struct sock *)tcpstates_hook_arg(regs, 0);
	u32 isn = READ_ONCE(tcp_sk(sk)->write_seq);
	struct tcpstates_event ev = { .hs_wait_ns = TCPSTATES_UNKNOWN };
	struct tcpstates_conn_lock l;
	struct tcpstates_conn *conn;
	struct tcpstates_owner o;
	bool created;
	u64 cookie, now;

	if (!is_tcp_sk(sk))
		return 0;
	cookie = tcpstates_sk_cookie(sk);
	tcpstates_owner_current(&o);
	now = ktime_get_ns();
	tcpstates_conn_lock(cookie, &l);
	conn = tcpstates_conn_get(&l, cookie, &created);
	if (conn) {
		conn_restart(conn, now);
		tcpstates_sk_endpoints(sk, &conn->ep);
		conn->owner = o;
		conn->cgroup_id = tcpstates_sk_cgroup(sk);
		conn->role = TCPSTATES_ROLE_ACTIVE;
		conn->isn_local = isn;
		conn->known = TCPSTATES_KNOW_ISN_LOCAL;
		conn_event(&l, conn, &ev, TCP_CLOSE, TCP_SYN_SENT, now);
	}
	tcpstates_conn_unlock(&l);
	if (!conn) {
		event_unrecorded(&ev, sk, cookie, TCP_CLOSE, TCP_SYN_SENT, now);
		ev.owner = o;
		ev.role = TCPSTATES_ROLE_ACTIVE;
	}
	ev.snd = isn;
	ev.known |= TCPSTATES_EV_SND;
	tcpstates_ring_push(&ev, sock_net(sk));
	return 0;
}

/* kretprobe data: the arguments a return handler needs */
struct tcpstates_args {
	struct sock *sk;
	void *arg2;
	void *arg5;
};

static int save_args(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct tcpstates_args *a = (struct tcpstates_args *)ri->data;

	a->sk = (struct sock *)tcpstates_arg(regs, 0);
	a->arg2 = (void *)tcpstates_arg(regs, 2);
	a->arg5 = (void *)tcpstates_arg(regs, 5);
	return 0;
}

static int listen_start_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct tcpstates_args *a = (struct tcpstates_args *)ri->data;
	struct tcpstates_event ev = { .hs_wait_ns = TCPSTATES_UNKNOWN };
	struct tcpstates_conn_lock l;
	struct tcpstates_conn *conn;
	struct tcpstates_owner o;
	bool created;
	u64 cookie, now;

	if (regs_return_value(regs) || !is_tcp_sk(a->sk))
		return 0;
	cookie = tcpstates_sk_cookie(a->sk);
	tcpstates_owner_current(&o);
	now = ktime_get_ns();
	tcpstates_conn_lock(cookie, &l);
	conn = tcpstates_conn_get(&l, cookie, &created);
	if (conn) {
		conn_restart(conn, now);
		tcpstates_sk_endpoints(a->sk, &conn->ep);
		conn->owner = o;
		conn->cgroup_id = tcpstates_sk_cgroup(a->sk);
		conn->acceptq_max = READ_ONCE(a->sk->sk_max_ack_backlog);
		conn->role = TCPSTATES_ROLE_LISTENER;
		conn_event(&l, conn, &ev, TCP_CLOSE, TCP_LISTEN, now);
	}
	tcpstates_conn_unlock(&l);
	if (!conn) {
		event_unrecorded(&ev, a->sk, cookie, TCP_CLOSE, TCP_LISTEN, now);
		ev.owner = o;
		ev.role = TCPSTATES_ROLE_LISTENER;
	}
	tcpstates_ring_push(&ev, sock_net(a->sk));
	return 0;
}

/*
 * A listener at a handshake: note its accept queue; @o, when not NULL,
 * gets its owner, to give its child until the child is accepted.
 */
static void listener_note(struct sock *listener, struct tcpstates_owner *o)
{
	u64 cookie = atomic64_read(&listener->sk_cookie);
	struct tcpstates_conn_lock l;
	struct tcpstates_conn *conn;

	if (o)
		memset(o, 0, sizeof(*o));
	if (!cookie)
		return;
	conn = tcpstates_conn_lock(cookie, &l);
	if (conn) {
		if (o)
			*o = conn->owner;
		conn->acceptq_len = READ_ONCE(listener->sk_ack_backlog);
		conn->acceptq_max = READ_ONCE(listener->sk_max_ack_backlog);
	}
	tcpstates_conn_unlock(&l);
}

/* A listener's drop events: at most one a second each */
#define TCPSTATES_DROP_EVENT_NS	NSEC_PER_SEC

/*
 * A listener dropped a SYN or a handshake's final ACK (@cause), its
 * accept queue full: count it on its entry (a new, partial one if its
 * entry was evicted), and make a drop event (LISTEN -> LISTEN) unless it
 * made one less than a second ago; a drop without an event is counted,
 * and the next event tells how many. With no entry at all (the table had
 * no room) the drop is a partial event of its own, counting just itself.
 */
static void listener_drop(struct sock *listener, u8 cause)
{
	u64 cookie = atomic64_read(&listener->sk_cookie);
	struct tcpstates_event ev = { .hs_wait_ns = TCPSTATES_UNKNOWN };
	struct tcpstates_conn_lock l;
	struct tcpstates_conn *conn;
	bool made = false;
	u64 now;

	if (!cookie)
		return;
	now = ktime_get_ns();
	conn = tcpstates_conn_lock(cookie, &l);
	if (!conn) {
		conn = conn_met(&l, cookie, listener, TCP_LISTEN, true);
		if (conn)
			conn->role = TCPSTATES_ROLE_LISTENER;
	}
	if (conn) {
		if (cause == TCPSTATES_CAUSE_SYN_DROPPED)
			conn->syn_drops++;
		else
			conn->ack_drops++;
		conn->acceptq_len = READ_ONCE(listener->sk_ack_backlog);
		conn->acceptq_max = READ_ONCE(listener->sk_max_ack_backlog);
		if (conn->drop_event_ns &&
		    now - conn->drop_event_ns < TCPSTATES_DROP_EVENT_NS) {
			conn->drops_unreported++;
			tcpstates_conn_drop_suppressed(&l);
		} else {
			event_of(&ev, conn, TCP_LISTEN, TCP_LISTEN, now);
			ev.prev_ns = TCPSTATES_UNKNOWN;
			ev.life_ns = TCPSTATES_UNKNOWN;
			ev.cause = cause;
			ev.drop.syn_drops = conn->syn_drops;
			ev.drop.ack_drops = conn->ack_drops;
			ev.drop.suppressed = conn->drops_unreported;
			ev.drop.acceptq_len = conn->acceptq_len;
			ev.drop.acceptq_max = conn->acceptq_max;
			ev.known |= TCPSTATES_EV_DROP;
			conn->drops_unreported = 0;
			conn->drop_event_ns = now;
			made = true;
		}
	}
	tcpstates_conn_unlock(&l);
	if (!conn) {
		/* no entry to count it on: an event of its own, partial */
		event_unrecorded(&ev, listener, cookie, TCP_LISTEN, TCP_LISTEN,
				 now);
		ev.role = TCPSTATES_ROLE_LISTENER;
		ev.cause = cause;
		ev.drop.syn_drops = cause == TCPSTATES_CAUSE_SYN_DROPPED;
		ev.drop.ack_drops = cause != TCPSTATES_CAUSE_SYN_DROPPED;
		ev.drop.acceptq_len = READ_ONCE(listener->sk_ack_backlog);
		ev.drop.acceptq_max = READ_ONCE(listener->sk_max_ack_backlog);
		ev.known |= TCPSTATES_EV_DROP;
		made = true;
	}
	if (made)
		tcpstates_ring_push(&ev, sock_net(listener));
}

/*
 * The return of tcp_v4_syn_recv_sock(listener, skb, req, dst, req_unhash,
 * own_req) or tcp_v6_syn_recv_sock(): a child made from a request socket.
 */
static int syn_recv_sock_ret(struct kretprobe_instance *ri,
			     struct pt_regs *regs, int family)
{
	struct tcpstates_args *a = (struct tcpstates_args *)ri->data;
	struct sock *child = (struct sock *)regs_return_value(regs);
	const struct request_sock *req = a->arg2;
	const struct tcp_request_sock *treq = tcp_rsk(req);
	struct tcpstates_event ev = { .hs_wait_ns = TCPSTATES_UNKNOWN };
	struct tcpstates_conn_lock l;
	struct tcpstates_conn *conn;
	struct tcpstates_owner o;
	u64 cookie, now, synack_ns;
	bool created;

	if (!is_tcp_sk(a->sk) || a->sk->sk_family != family)
		return 0;	/* (an IPv6 listener's IPv4 child: the IPv6 return tells) */
	if (!child) {
		/* no child: the accept queue full (tcp_v4/v6_syn_recv_sock()'s
		 * exit_overflow) or no memory
		 */
		if (sk_acceptq_is_full(a->sk))
			listener_drop(a->sk, TCPSTATES_CAUSE_ACK_DROPPED);
		else
			listener_note(a->sk, NULL);
		return 0;
	}
	if (!READ_ONCE(*(bool *)a->arg5))
		return 0;
	listener_note(a->sk, &o);
	cookie = tcpstates_sk_cookie(child);
	now = ktime_get_ns();
	/* snt_synack: tcp_clock_us() (CLOCK_MONOTONIC) of the first SYN-ACK */
	synack_ns = treq->snt_synack ? treq->snt_synack * NSEC_PER_USEC : 0;

	tcpstates_conn_lock(cookie, &l);
	conn = tcpstates_conn_get(&l, cookie, &created);
	if (conn) {
		conn_restart(conn, now);
		tcpstates_sk_endpoints(child, &conn->ep);
		conn->role = TCPSTATES_ROLE_PASSIVE;
		conn->owner = o;
		conn->cgroup_id = tcpstates_sk_cgroup(child);
		conn->isn_local = treq->snt_isn;
		conn->isn_remote = treq->rcv_isn;
		conn->hs_retrans = req->num_retrans;
		conn->known = TCPSTATES_KNOW_ISN_LOCAL | TCPSTATES_KNOW_ISN_REMOTE |
			      TCPSTATES_KNOW_HS_RETRANS;
		conn->state = TCP_NEW_SYN_RECV;
		if (synack_ns && synack_ns <= now) {
			conn->state_ns = synack_ns;
			conn->handshake_us = div_u64(now - synack_ns,
						     NSEC_PER_USEC);
			conn->known |= TCPSTATES_KNOW_HANDSHAKE;
		}
		event_handshake(&ev, conn, TCPSTATES_UNKNOWN);
		conn_event(&l, conn, &ev, TCP_NEW_SYN_RECV, TCP_SYN_RECV, now);
	}
	tcpstates_conn_unlock(&l);
	if (!conn) {
		event_unrecorded(&ev, child, cookie, TCP_NEW_SYN_RECV,
				 TCP_SYN_RECV, now);
		ev.owner = o;
		ev.role = TCPSTATES_ROLE_PASSIVE;
	}
	ev.snd = treq->snt_isn + 1;
	ev.rcv = treq->rcv_isn + 1;
	ev.known |= TCPSTATES_EV_SND | TCPSTATES_EV_RCV;
	tcpstates_ring_push(&ev, sock_net(child));
	return 0;
}

static int syn_recv_sock4_ret(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	return syn_recv_sock_ret(ri, regs, AF_INET);
}

static int syn_recv_sock6_ret(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	return syn_recv_sock_ret(ri, regs, AF_INET6);
}

/* security_sock_graft(sk, parent), from accept: the caller owns @sk now */
static int sock_graft_pre(struct tcpstates_hook_regs *regs)
{
	struct sock *sk = (struct sock *)tcpstates_hook_arg(regs, 0);
	struct tcpstates_conn_lock l;
	struct tcpstates_conn *conn;
	struct tcpstates_owner o;
	u64 cookie;

	if (!is_tcp_sk(sk) || READ_ONCE(sk->sk_type) != SOCK_STREAM)
		return 0;
	cookie = atomic64_read(&sk->sk_cookie);
	if (!cookie)
		return 0;
	tcpstates_owner_current(&o);
	conn = tcpstates_conn_lock(cookie, &l);
	if (conn)
		conn->owner = o;
	tcpstates_conn_unlock(&l);
	return 0;
}

/* tcp_time_wait(sk, state, timeo): the hand-over to a timewait socket begins */
static int tcp_time_wait_pre(struct tcpstates_hook_regs *regs)
{
	struct sock *sk = (struct sock *)tcpstates_hook_arg(regs, 0);
	int state = (int)tcpstates_hook_arg(regs, 1);
	struct tcpstates_conn_lock l;
	struct tcpstates_conn *conn;
	u32 rcv;
	u64 cookie;

	if (!is_tcp_sk(sk))
		return 0;
	cookie = tcpstates_sk_cookie(sk);
	rcv = READ_ONCE(tcp_sk(sk)->rcv_nxt);
	tcpstates_conn_lock(cookie, &l);
	conn = conn_met(&l, cookie, sk, READ_ONCE(sk->sk_state), true);
	if (conn) {
		conn->flags |= TCPSTATES_CONN_IN_TIME_WAIT;
		/*
		 * Into TIME_WAIT proper: the peer's FIN is in, the last
		 * sequence number received (from FIN_WAIT2 no state change
		 * told it). Its totals leave the FIN out, whether a timewait
		 * socket takes over or there is no room for one.
		 */
		if (state == TCP_TIME_WAIT &&
		    !(conn->known & TCPSTATES_KNOW_FIN_REMOTE)) {
			conn->fin_remote = rcv - 1;
			conn->known |= TCPSTATES_KNOW_FIN_REMOTE;
		}
	}
	tcpstates_conn_unlock(&l);
	return 0;
}

static int hashdance_pre(struct tcpstates_hook_regs *regs)
{
	struct inet_timewait_sock *tw = (void *)tcpstates_hook_arg(regs, 0);
	struct sock *sk = (struct sock *)tcpstates_hook_arg(regs, 1);
	int old = READ_ONCE(sk->sk_state);
	int sub = READ_ONCE(tw->tw_substate);
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcpstates_event ev = { .hs_wait_ns = TCPSTATES_UNKNOWN };
	struct tcpstates_conn_lock l;
	struct tcpstates_conn *conn;
	bool emit = false;
	u64 cookie, now;

	if (!is_tcp_sk(sk))
		return 0;
	cookie = tcpstates_sk_cookie(sk);
	/* inet_twsk_alloc() copied the cookie; not if it was made just now */
	atomic64_cmpxchg(&tw->tw_cookie, 0, cookie);
	ev.snd = READ_ONCE(tp->snd_nxt);
	ev.rcv = READ_ONCE(tp->rcv_nxt);
	ev.known = TCPSTATES_EV_SND | TCPSTATES_EV_RCV;
	now = ktime_get_ns();

	tcpstates_conn_lock(cookie, &l);
	conn = conn_met(&l, cookie, sk, old, true);
	if (conn) {
		conn->flags |= TCPSTATES_CONN_F_TIMEWAIT;
		conn->flags &= ~TCPSTATES_CONN_IN_TIME_WAIT;
		if (sub == TCP_TIME_WAIT &&
		    !(conn->known & TCPSTATES_KNOW_FIN_REMOTE)) {
			conn->fin_remote = ev.rcv - 1;
			conn->known |= TCPSTATES_KNOW_FIN_REMOTE;
		}
		/* the full socket's totals, for the timewait socket's end */
		conn_read_data(conn, sk);
		if (sub == TCP_TIME_WAIT) {
			conn_event(&l, conn, &ev, old, TCP_TIME_WAIT, now);
			emit = true;
		}
		tcpstates_conn_update(&l, conn);
	}
	tcpstates_conn_unlock(&l);
	if (!conn && sub == TCP_TIME_WAIT) {
		event_unrecorded(&ev, sk, cookie, old, TCP_TIME_WAIT, now);
		emit = true;
	}
	if (emit)
		tcpstates_ring_push(&ev, sock_net(sk));
	return 0;
}

static int twsk_schedule_pre(struct tcpstates_hook_regs *regs)
{
	struct inet_timewait_sock *tw = (void *)tcpstates_hook_arg(regs, 0);
	struct tcp_timewait_sock *tcptw = tcp_twsk((struct sock *)tw);
	struct tcpstates_event ev = { .hs_wait_ns = TCPSTATES_UNKNOWN };
	struct tcpstates_conn_lock l;
	struct tcpstates_conn *conn;
	bool emit = false;
	u64 cookie;

	if (READ_ONCE(tw->tw_substate) != TCP_TIME_WAIT || !tw_is_tcp(tw))
		return 0;
	cookie = atomic64_read(&tw->tw_cookie);
	if (!cookie)
		return 0;
	ev.rcv = READ_ONCE(tcptw->tw_rcv_nxt);
	ev.snd = READ_ONCE(tcptw->tw_snd_nxt);
	ev.known = TCPSTATES_EV_SND | TCPSTATES_EV_RCV;

	conn = tcpstates_conn_lock(cookie, &l);
	/*
	 * A FIN_WAIT2 timewait socket that got the peer's FIN now; else a
	 * TIME_WAIT one re-armed, or one not handed over yet (6.8 and older
	 * schedule it before the hash dance). A timewait socket whose entry
	 * was evicted is not adopted here, as which of these it is cannot be
	 * told: its last event (tcp_twsk_destructor()) adopts it, partial.
	 */
	if (conn && (conn->flags & TCPSTATES_CONN_F_TIMEWAIT) &&
	    conn->state == TCP_FIN_WAIT2) {
		conn->fin_remote = ev.rcv - 1;
		conn->known |= TCPSTATES_KNOW_FIN_REMOTE;
		conn_event(&l, conn, &ev, TCP_FIN_WAIT2, TCP_TIME_WAIT,
			   ktime_get_ns());
		emit = true;
	}
	tcpstates_conn_unlock(&l);
	if (emit)
		tcpstates_ring_push(&ev, twsk_net(tw));
	return 0;
}

static int twsk_destructor_pre(struct tcpstates_hook_regs *regs)
{
	struct sock *sk = (struct sock *)tcpstates_hook_arg(regs, 0);
	struct inet_timewait_sock *tw = inet_twsk(sk);
	struct tcp_timewait_sock *tcptw = tcp_twsk(sk);
	struct tcpstates_event ev = { .hs_wait_ns = TCPSTATES_UNKNOWN };
	struct tcpstates_conn_lock l;
	struct tcpstates_conn *conn;
	u64 cookie, now;
	int sub;

	cookie = atomic64_read(&tw->tw_cookie);
	if (!cookie)
		return 0;
	if (!check_net(twsk_net(tw)))
		ev.cause = TCPSTATES_CAUSE_TW_NETNS;
	else if (time_before(jiffies, READ_ONCE(tw->tw_timer.expires)))
		ev.cause = TCPSTATES_CAUSE_TW_EARLY;
	else
		ev.cause = TCPSTATES_CAUSE_TW_TIMER;
	ev.snd = READ_ONCE(tcptw->tw_snd_nxt);
	ev.rcv = READ_ONCE(tcptw->tw_rcv_nxt);
	ev.known |= TCPSTATES_EV_SND | TCPSTATES_EV_RCV;
	sub = READ_ONCE(tw->tw_substate);
	now = ktime_get_ns();

	/* An entry evicted meanwhile is adopted for its last event. */
	tcpstates_conn_lock(cookie, &l);
	conn = conn_met(&l, cookie, sk, sub, false);
	if (conn) {
		if (conn->known & TCPSTATES_KNOW_DATA) {
			ev.data = conn->data;
			ev.known |= TCPSTATES_EV_DATA;
		}
		conn_event(&l, conn, &ev, conn->state, TCP_CLOSE, now);
		tcpstates_conn_remove(&l, conn);
	}
	tcpstates_conn_unlock(&l);
	if (!conn)
		event_unrecorded(&ev, sk, cookie, sub, TCP_CLOSE, now);
	tcpstates_ring_push(&ev, twsk_net(tw));
	return 0;
}

/* tcp_retransmit_timer(sk): the retransmission timer expired */
static int rto_pre(struct tcpstates_hook_regs *regs)
{
	struct sock *sk = (struct sock *)tcpstates_hook_arg(regs, 0);
	u64 cookie = atomic64_read(&sk->sk_cookie), now;
	struct tcpstates_conn_lock l;
	struct tcpstates_conn *conn;

	if (!cookie || !is_tcp_sk(sk))
		return 0;
	now = ktime_get_ns();
	conn = tcpstates_conn_lock(cookie, &l);
	if (conn) {
		conn->data.rto++;
		conn->last_rto_ns = now;
	}
	tcpstates_conn_unlock(&l);
	return 0;
}

/* tcp_send_loss_probe(sk): a tail loss probe */
static int tlp_pre(struct tcpstates_hook_regs *regs)
{
	struct sock *sk = (struct sock *)tcpstates_hook_arg(regs, 0);
	u64 cookie = atomic64_read(&sk->sk_cookie);
	struct tcpstates_conn_lock l;
	struct tcpstates_conn *conn;

	if (!cookie || !is_tcp_sk(sk))
		return 0;
	conn = tcpstates_conn_lock(cookie, &l);
	if (conn)
		conn->data.tlp++;
	tcpstates_conn_unlock(&l);
	return 0;
}

/*
 * tcp_conn_request(rsk_ops, af_ops, listener, skb): a SYN; with the
 * accept queue full, the kernel refuses it (tcp_listendrop()). Only then
 * does this take a lock.
 */
static int conn_request_pre(struct tcpstates_hook_regs *regs)
{
	struct sock *sk = (struct sock *)tcpstates_hook_arg(regs, 2);

	if (is_tcp_sk(sk) && sk_acceptq_is_full(sk))
		listener_drop(sk, TCPSTATES_CAUSE_SYN_DROPPED);
	return 0;
}

/*
 * Every handler runs with interrupts off: an interrupt arriving inside one
 * would run softirqs on its way out (TCP receive), and their events would
 * interleave with the first handler's on this CPU.
 *
 * The entry hooks are one ftrace callback, tcpstates_entry(), on one
 * ftrace_ops that traces the ten functions: their calls to ftrace go to
 * the ops' own trampoline, which calls the callback directly, and the
 * callback picks the handler by the address it was called from. One ops
 * is one trampoline to make, one patching of the ten call sites and one
 * grace period to remove them (an ops a function took a second longer to
 * load and to unload under TCG). Attached as kprobes, the same hooks went
 * through the kprobes core on top of the same trampoline
 * (kprobe_ftrace_handler and the lookup of the probe by address: about
 * 150 instructions a hit), which also skipped a hit that came while
 * another probe's handler ran on the CPU (kprobe_missed). A callback is
 * reentrant instead: an interrupt that comes before the handler turns
 * them off runs its own handler to the end, holding no lock the first one
 * holds, so no hit is skipped. None of our handlers calls a function we
 * hook, so none recurses into itself: the hooks ask ftrace for no
 * recursion guard (compat.h), which would skip such a hit uncounted.
 * The kretprobes (the three functions whose return we need) still go
 * through the kprobes core, and their misses are counted.
 *
 * A benchmark build with TCPSTATES_FLOOR defined (scripts/bench-scaling.sh
 * -f; never installed) returns from every handler at once: the same
 * hooks, with nothing of ours in them, measure the hooking machinery
 * alone.
 */
#ifdef TCPSTATES_FLOOR
#define TCPSTATES_HANDLERS_RUN	false
#else
#define TCPSTATES_HANDLERS_RUN	true
#endif

#define TCPSTATES_IRQSOFF(fn, type)					\
static int fn##_irqsoff(type p, struct pt_regs *regs)			\
{									\
	unsigned long irqflags;						\
	int ret;							\
									\
	if (!TCPSTATES_HANDLERS_RUN)					\
		return 0;						\
	local_irq_save(irqflags);					\
	ret = fn(p, regs);						\
	local_irq_restore(irqflags);					\
	return ret;							\
}

TCPSTATES_IRQSOFF(save_args, struct kretprobe_instance *)
TCPSTATES_IRQSOFF(listen_start_ret, struct kretprobe_instance *)
TCPSTATES_IRQSOFF(syn_recv_sock4_ret, struct kretprobe_instance *)
TCPSTATES_IRQSOFF(syn_recv_sock6_ret, struct kretprobe_instance *)

/*
 * The entry hooks: the functions the one ftrace_ops traces, by name
 * (tcpstates_entry() and tcpstates_dispatch() map each to its handler).
 */
enum tcpstates_hook_id {
	TCPSTATES_HOOK_SET_STATE,
	TCPSTATES_HOOK_CONNECT,
	TCPSTATES_HOOK_TIME_WAIT,
	TCPSTATES_HOOK_HASHDANCE,
	TCPSTATES_HOOK_TWSK_SCHEDULE,
	TCPSTATES_HOOK_TWSK_DESTRUCTOR,
	TCPSTATES_HOOK_ACCEPT,
	TCPSTATES_HOOK_RTO,
	TCPSTATES_HOOK_TLP,
	TCPSTATES_HOOK_CONN_REQUEST,
	TCPSTATES_NHOOKS
};

static const char *tcpstates_hook_names[TCPSTATES_NHOOKS] = {
	[TCPSTATES_HOOK_SET_STATE] = "tcp_set_state",
	[TCPSTATES_HOOK_CONNECT] = "tcp_connect",
	[TCPSTATES_HOOK_TIME_WAIT] = "tcp_time_wait",
	[TCPSTATES_HOOK_HASHDANCE] = NULL,	/* resolved at load */
	[TCPSTATES_HOOK_TWSK_SCHEDULE] = "__inet_twsk_schedule",
	[TCPSTATES_HOOK_TWSK_DESTRUCTOR] = "tcp_twsk_destructor",
	[TCPSTATES_HOOK_ACCEPT] = TCPSTATES_ACCEPT_SYMBOL,
	[TCPSTATES_HOOK_RTO] = "tcp_retransmit_timer",
	[TCPSTATES_HOOK_TLP] = "tcp_send_loss_probe",
	[TCPSTATES_HOOK_CONN_REQUEST] = "tcp_conn_request",
};

/*
 * Where ftrace calls us from in each function (its ftrace location, the
 * callback's ip); 0 for a hook this kernel does not have (the accept
 * hook without CONFIG_SECURITY). Written at load, before the ops is
 * registered; read only by the callback.
 */
static unsigned long tcpstates_hook_ip[TCPSTATES_NHOOKS];

/*
 * The handler of a hook other than tcp_set_state()'s, by the address it
 * was called from: a chain of compares and direct calls (no loop, no
 * indirect branch), the most frequent first. Out of line: the handlers
 * the compiler inlines here would otherwise cost tcp_set_state()'s hits,
 * 9 of 16 a connection, their saved registers and stack canary.
 */
static noinline void notrace
tcpstates_dispatch(unsigned long ip, struct tcpstates_hook_regs *regs)
{
	const unsigned long *hip = tcpstates_hook_ip;

	if (ip == hip[TCPSTATES_HOOK_TWSK_SCHEDULE])
		twsk_schedule_pre(regs);
	else if (ip == hip[TCPSTATES_HOOK_CONNECT])
		tcp_connect_pre(regs);
	else if (ip == hip[TCPSTATES_HOOK_CONN_REQUEST])
		conn_request_pre(regs);
	else if (ip == hip[TCPSTATES_HOOK_ACCEPT])
		sock_graft_pre(regs);
	else if (ip == hip[TCPSTATES_HOOK_TIME_WAIT])
		tcp_time_wait_pre(regs);
	else if (ip == hip[TCPSTATES_HOOK_HASHDANCE])
		hashdance_pre(regs);
	else if (ip == hip[TCPSTATES_HOOK_TWSK_DESTRUCTOR])
		twsk_destructor_pre(regs);
	else if (ip == hip[TCPSTATES_HOOK_RTO])
		rto_pre(regs);
	else if (ip == hip[TCPSTATES_HOOK_TLP])
		tlp_pre(regs);
}

static void notrace tcpstates_entry(TCPSTATES_FTRACE_PARAMS)
{
	struct tcpstates_hook_regs *regs = tcpstates_ftrace_regs(fregs);
	unsigned long irqflags;

	if (!TCPSTATES_HANDLERS_RUN || unlikely(!regs))
		return;
	local_irq_save(irqflags);
	if (likely(ip == tcpstates_hook_ip[TCPSTATES_HOOK_SET_STATE]))
		tcp_set_state_pre(regs);
	else
		tcpstates_dispatch(ip, regs);
	local_irq_restore(irqflags);
}

static struct ftrace_ops tcpstates_ftrace_ops = {
	.func = tcpstates_entry,
	.flags = TCPSTATES_FTRACE_FLAGS,
};

/*
 * kretprobes hold an instance from entry to return: none of these
 * functions sleeps, but their callers may be preempted in them; room for
 * a few per CPU (tcpstates_probe_init() sets maxactive).
 */
static struct kretprobe tcpstates_kretprobes[] = {
	{
		.kp.symbol_name = "inet_csk_listen_start",
		.entry_handler = save_args_irqsoff,
		.handler = listen_start_ret_irqsoff,
		.data_size = sizeof(struct tcpstates_args),
	},
	{
		.kp.symbol_name = "tcp_v4_syn_recv_sock",
		.entry_handler = save_args_irqsoff,
		.handler = syn_recv_sock4_ret_irqsoff,
		.data_size = sizeof(struct tcpstates_args),
	},
#if IS_ENABLED(CONFIG_IPV6)
	{
		.kp.symbol_name = "tcp_v6_syn_recv_sock",
		.entry_handler = save_args_irqsoff,
		.handler = syn_recv_sock6_ret_irqsoff,
		.data_size = sizeof(struct tcpstates_args),
	},
#endif
};

/*
 * The entry hooks' ftrace locations, looked up by name. The kernel
 * exports no lookup of a function's address by name to modules, but
 * registering a kprobe does one: each hook's name gets a kprobe that is
 * never armed (KPROBE_FLAG_DISABLED: no text is changed, no handler runs),
 * whose address, once registered, is where ftrace calls from when the
 * kprobe sits on one (KPROBE_FLAG_FTRACE). The hash dance takes the first
 * of its names the kernel has (hook_find() registers the first that
 * exists, returning its index). One grace period unregisters them all.
 *
 * Return: 0, or -ENOENT (with the name in *@missing) when a function is
 * missing or not traceable by ftrace; -ENOMEM.
 */
static int hook_find(struct kprobe *kp, const char * const *names,
		     unsigned int n)
{
	unsigned int i;
	int ret = -ENOENT;

	for (i = 0; i < n; i++) {
		memset(kp, 0, sizeof(*kp));
		kp->symbol_name = names[i];
		kp->flags = KPROBE_FLAG_DISABLED;
		ret = register_kprobe(kp);
		if (!ret)
			return i;
	}
	return ret;
}

static int hooks_resolve(const char **missing)
{
	static const char * const dance[] = TCPSTATES_HASHDANCE_SYMBOLS;
	struct kprobe *kps, *reg[TCPSTATES_NHOOKS];
	const char * const *names;
	unsigned int i, n, nreg = 0;
	int ret = 0;

	kps = kcalloc(TCPSTATES_NHOOKS, sizeof(*kps), GFP_KERNEL);
	if (!kps)
		return -ENOMEM;
	for (i = 0; i < TCPSTATES_NHOOKS; i++) {
		names = &tcpstates_hook_names[i];
		n = 1;
		if (i == TCPSTATES_HOOK_HASHDANCE) {
			names = dance;
			n = ARRAY_SIZE(dance);
		}
		tcpstates_hook_ip[i] = 0;
		if (!names[0])	/* only the accept hook */
			continue;
		ret = hook_find(&kps[i], names, n);
		if (ret < 0) {
			*missing = names[n - 1];
			ret = -ENOENT;
			break;
		}
		tcpstates_hook_names[i] = names[ret];
		reg[nreg++] = &kps[i];
		if (!(kps[i].flags & KPROBE_FLAG_FTRACE)) {
			*missing = tcpstates_hook_names[i];
			ret = -ENOENT;
			break;
		}
		tcpstates_hook_ip[i] = (unsigned long)kps[i].addr;
		ret = 0;
	}
	if (nreg)
		unregister_kprobes(reg, nreg);
	kfree(kps);
	return ret;
}

/* Trace every hook's function with the one ops. */
static int hooks_register(void)
{
	unsigned int i;
	int ret, reset = 1;

	for (i = 0; i < TCPSTATES_NHOOKS; i++) {
		if (!tcpstates_hook_ip[i])
			continue;
		ret = ftrace_set_filter_ip(&tcpstates_ftrace_ops,
					   tcpstates_hook_ip[i], 0, reset);
		if (ret) {
			pr_err("cannot trace %s (error %d): this kernel is not supported\n",
			       tcpstates_hook_names[i], ret);
			goto out_free_filter;
		}
		reset = 0;
	}
	ret = register_ftrace_function(&tcpstates_ftrace_ops);
	if (ret) {
		pr_err("cannot register the entry hooks (error %d)\n", ret);
		goto out_free_filter;
	}
	return 0;

out_free_filter:
	ftrace_set_filter(&tcpstates_ftrace_ops, NULL, 0, 1);
	return ret;
}

static void hooks_unregister(void)
{
	unregister_ftrace_function(&tcpstates_ftrace_ops);
	ftrace_set_filter(&tcpstates_ftrace_ops, NULL, 0, 1);
}

/* Every kretprobe, or none. */
static int kretprobes_register(void)
{
	unsigned int nr;
	int ret;

	for (nr = 0; nr < ARRAY_SIZE(tcpstates_kretprobes); nr++) {
		struct kretprobe *rp = &tcpstates_kretprobes[nr];

		rp->maxactive = max_t(int, 64, 4 * num_possible_cpus());
		ret = register_kretprobe(rp);
		if (ret) {
			pr_err("cannot probe the return of %s (error %d): this kernel is not supported\n",
			       rp->kp.symbol_name, ret);
			goto out_unregister_kretprobes;
		}
	}
	return 0;

out_unregister_kretprobes:
	while (nr--)
		unregister_kretprobe(&tcpstates_kretprobes[nr]);
	return ret;
}

/**
 * tcpstates_probe_init() - register the entry hooks and the kretprobes
 *
 * Every probe is required (the accept one only where the kernel has a
 * function to probe, see compat.h): when one cannot be placed (a symbol
 * this kernel lacks or inlined away), none stays registered and the error
 * says which.
 *
 * Return: 0 or the error of the probe that failed.
 */
int tcpstates_probe_init(void)
{
	const char *missing = "?";
	int ret;

	/* The handlers read the arguments by position: pin the prototypes. */
	BUILD_BUG_ON(!__same_type(&tcp_set_state, void (*)(struct sock *, int)));
	BUILD_BUG_ON(!__same_type(&tcp_connect, int (*)(struct sock *)));
	BUILD_BUG_ON(!__same_type(&tcp_time_wait,
				  void (*)(struct sock *, int, int)));
	BUILD_BUG_ON(!TCPSTATES_LISTEN_START_TYPE_OK);
	BUILD_BUG_ON(!TCPSTATES_SYN_RECV_SOCK_TYPE_OK);
	BUILD_BUG_ON(!__same_type(&__inet_twsk_schedule,
				  void (*)(struct inet_timewait_sock *, int, bool)));
	BUILD_BUG_ON(!__same_type(&tcp_twsk_destructor, void (*)(struct sock *)));
	BUILD_BUG_ON(!__same_type(&tcp_retransmit_timer, void (*)(struct sock *)));
	BUILD_BUG_ON(!__same_type(&tcp_send_loss_probe, void (*)(struct sock *)));
	BUILD_BUG_ON(!__same_type(&tcp_conn_request,
				  int (*)(struct request_sock_ops *,
					  const struct tcp_request_sock_ops *,
					  struct sock *, struct sk_buff *)));
#ifdef CONFIG_SECURITY
	BUILD_BUG_ON(!__same_type(&security_sock_graft,
				  void (*)(struct sock *, struct socket *)));
#endif

	if (!tcpstates_hook_names[TCPSTATES_HOOK_ACCEPT])
		pr_info("no security_sock_graft() (CONFIG_SECURITY): a child keeps its listener's owner\n");
	ret = hooks_resolve(&missing);
	if (ret == -ENOENT)
		pr_err("cannot probe %s: this kernel is not supported\n", missing);
	if (ret)
		return ret;
	ret = hooks_register();
	if (ret)
		return ret;
	ret = kretprobes_register();
	if (ret)
		goto out_unregister_hooks;
	return 0;

out_unregister_hooks:
	hooks_unregister();
	return ret;
}

/**
 * tcpstates_probe_exit() - unregister every probe
 *
 * Returns once no handler runs any more on any CPU.
 */
void tcpstates_probe_exit(void)
{
	struct kretprobe *rps[ARRAY_SIZE(tcpstates_kretprobes)];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tcpstates_kretprobes); i++)
		rps[i] = &tcpstates_kretprobes[i];
	unregister_kretprobes(rps, ARRAY_SIZE(rps));	/* one grace period */
	hooks_unregister();
}

/**
 * tcpstates_probe_missed() - hits the probes could not handle
 *
 * Only the kretprobes can miss (the entry hooks run every hit): a hit
 * of one while another kprobe handler runs on the same CPU is skipped by
 * the kprobes core, and a call that finds all their instances in use is
 * not followed to its return. Both only count it.
 *
 * Return: the sum over our kretprobes.
 */
unsigned long tcpstates_probe_missed(void)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tcpstates_kretprobes); i++)
		n += READ_ONCE(tcpstates_kretprobes[i].nmissed) +
		     READ_ONCE(tcpstates_kretprobes[i].kp.nmissed);
	return n;
}
