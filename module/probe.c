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
 * - tcp_create_openreq_child(listener, req, skb), on return: the child of a
 *   passive open, NEW_SYN_RECV -> SYN_RECV, with the ISNs and the SYN-ACK
 *   time from the request socket and the listener's owner;
 * - inet_csk_accept(), on return: the accepting process owns the child;
 * - the timewait hash dance (tw, sk): the full socket hands over to a
 *   timewait socket: FIN_WAIT2/CLOSING -> TIME_WAIT, or nothing yet when
 *   the timewait socket starts in the FIN_WAIT2 substate; the full socket's
 *   own FIN_WAIT2/CLOSING -> CLOSE that follows is the hand-over, not shown;
 * - __inet_twsk_schedule(tw, ...): a FIN_WAIT2 timewait socket got the
 *   peer's FIN: FIN_WAIT2 -> TIME_WAIT;
 * - tcp_twsk_destructor(tw): the timewait socket is gone: -> CLOSE, whether
 *   by its timer, by reuse or RST, or with its network namespace.
 *
 * Each handler takes the connection table lock for bounded work, builds
 * the event there and pushes it to the ring after unlocking. Nothing here
 * sleeps or allocates.
 */
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/jiffies.h>
#include <linux/sock_diag.h>
#include <linux/cred.h>
#include <linux/uidgid.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/inet_connection_sock.h>
#include <net/inet_timewait_sock.h>
#include <net/request_sock.h>
#include <net/ipv6.h>
#include <net/tcp.h>
#include <net/tcp_states.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "tcpstates.h"

/**
 * tcpstates_sk_cookie() - the socket's cookie, made now if it has none
 * @sk: a full, timewait or request socket
 *
 * Return: the cookie; a timewait socket inherits its full socket's.
 */
u64 tcpstates_sk_cookie(struct sock *sk)
{
	u32 c[2];

	sock_diag_save_cookie(sk, c);
	return (u64)c[1] << 32 | c[0];
}

/**
 * tcpstates_sk_endpoints() - addresses, ports and namespace of a socket
 * @sk: a full, timewait or request socket (only struct sock_common is read)
 * @ep: filled in
 */
void tcpstates_sk_endpoints(const struct sock *sk,
			    struct tcpstates_endpoints *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->netns = sock_net(sk)->ns.inum;
	ep->family = sk->sk_family;
	ep->sport = htons(sk->sk_num);
	ep->dport = sk->sk_dport;
	if (sk->sk_family == AF_INET) {
		ep->saddr.v4 = sk->sk_rcv_saddr;
		ep->daddr.v4 = sk->sk_daddr;
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		ep->saddr.v6 = sk->sk_v6_rcv_saddr;
		ep->daddr.v6 = sk->sk_v6_daddr;
	}
#endif
}

/* An IPv6 socket's child for an IPv4 peer: show it as the socket sees it. */
static void endpoints_map_v4(struct tcpstates_endpoints *ep)
{
	__be32 s = ep->saddr.v4, d = ep->daddr.v4;

	ep->family = AF_INET6;
	ipv6_addr_set_v4mapped(s, &ep->saddr.v6);
	ipv6_addr_set_v4mapped(d, &ep->daddr.v6);
}

/* The current task, in process context only. */
static void owner_current(struct tcpstates_owner *o)
{
	o->tgid = task_tgid_nr(current);
	o->pid = task_pid_nr(current);
	o->uid = from_kuid_munged(&init_user_ns, current_uid());
	/* Our own comm: no lock needed to read it, a torn name is harmless. */
	memcpy(o->comm, current->comm, sizeof(o->comm));
	o->comm[sizeof(o->comm) - 1] = '\0';
}

/*
 * Record an event; when someone listens for it, mark it for the multicast
 * sender and arm the sender (it runs a tick later). Table unlocked.
 */
static void publish(struct tcpstates_event *ev, struct net *net)
{
	ev->watched = tcpstates_nl_watched(net);
	tcpstates_ring_push(ev);
	if (ev->watched)
		tcpstates_nl_kick();
}

/* Start a connection's record afresh (a socket can connect again). */
static void conn_restart(struct tcpstates_conn *conn, u64 now)
{
	struct hlist_node node = conn->node;	/* linked: keep as is */
	struct list_head age = conn->age;
	u64 cookie = conn->cookie, id = conn->id;

	memset(conn, 0, sizeof(*conn));
	conn->node = node;
	conn->age = age;
	conn->id = id;
	conn->cookie = cookie;
	conn->created_ns = now;
	conn->state_ns = TCPSTATES_UNKNOWN;
}

/*
 * Fill @ev for conn's move from @old to @new at @now and advance the
 * connection: time in @old is added to its total. Table locked.
 */
static void conn_event(struct tcpstates_conn *conn, struct tcpstates_event *ev,
		       int old, int new, u64 now, u32 snd, u32 rcv, u8 cause)
{
	u64 prev = TCPSTATES_UNKNOWN;

	if (conn->state_ns != TCPSTATES_UNKNOWN && now >= conn->state_ns) {
		prev = now - conn->state_ns;
		if (old > 0 && old < TCPSTATES_NSTATES)
			conn->state_us[old] = min_t(u64, U32_MAX,
						    conn->state_us[old] +
						    div_u64(prev, NSEC_PER_USEC));
	}
	ev->ts_ns = now;
	ev->prev_ns = prev;
	ev->cookie = conn->cookie;
	ev->snd = snd;
	ev->rcv = rcv;
	ev->ep = conn->ep;
	ev->owner = conn->owner;
	ev->oldstate = old;
	ev->newstate = new;
	ev->cause = cause;
	ev->role = conn->role;
	conn->state = new;
	conn->state_ns = now;
}

/* A new entry for a socket no probe has seen yet. Table locked. */
static void conn_adopt(struct tcpstates_conn *conn, struct sock *sk, int state)
{
	if (conn->state)
		return;
	tcpstates_sk_endpoints(sk, &conn->ep);
	conn->state = state;
}

static u8 close_cause(struct sock *sk, int old)
{
	switch (READ_ONCE(sk->sk_err)) {
	case ECONNREFUSED:
		return TCPSTATES_CAUSE_REFUSED;
	case ECONNRESET:
	case EPIPE:
		return TCPSTATES_CAUSE_RESET_RECEIVED;
	case ETIMEDOUT:
		return TCPSTATES_CAUSE_TIMEOUT;
	case ECONNABORTED:
		return TCPSTATES_CAUSE_ABORTED;
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
		/* Not the hand-over to TIME_WAIT (filtered before): the
		 * FIN_WAIT2 timer ran out, or no timewait socket was left.
		 */
		return TCPSTATES_CAUSE_TIMEOUT;
	default:
		return TCPSTATES_CAUSE_NORMAL;
	}
}

/* Record the sequence numbers a transition reveals. Table locked. */
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
			conn->first_fin = 1;
	}
	/* tcp_fin() runs after rcv_nxt moved past the peer's FIN */
	if (new == TCP_CLOSE_WAIT || new == TCP_CLOSING) {
		conn->fin_remote = rcv - 1;
		conn->known |= TCPSTATES_KNOW_FIN_REMOTE;
		if (!conn->first_fin)
			conn->first_fin = 2;
	}
}

static int tcp_set_state_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)tcpstates_arg(regs, 0);
	int new = (int)tcpstates_arg(regs, 1);
	int old = READ_ONCE(sk->sk_state);
	struct tcpstates_event ev;
	struct tcpstates_conn *conn;
	struct tcp_sock *tp = tcp_sk(sk);
	u32 snd, rcv, una;
	unsigned long flags;
	u64 cookie, now;
	u8 cause;

	/* tcp_close_state() may "move" a socket to the state it is in. */
	if (old == new || new == TCP_SYN_SENT)
		return 0;
	cookie = tcpstates_sk_cookie(sk);
	snd = READ_ONCE(tp->write_seq);
	rcv = READ_ONCE(tp->rcv_nxt);
	una = READ_ONCE(tp->snd_una);
	cause = new == TCP_CLOSE ? close_cause(sk, old) : TCPSTATES_CAUSE_NONE;
	now = ktime_get_ns();

	tcpstates_conn_lock(&flags);
	conn = tcpstates_conn_add(cookie);
	if (new == TCP_CLOSE && (conn->flags & TCPSTATES_CONN_TIMEWAIT)) {
		/* tcp_time_wait() -> tcp_done(): the hand-over, not a close */
		tcpstates_conn_unlock(flags);
		return 0;
	}
	conn_adopt(conn, sk, old);
	note_numbers(conn, old, new, snd, rcv, una, now);
	conn_event(conn, &ev, old, new, now, snd, rcv, cause);
	if (new == TCP_CLOSE)
		tcpstates_conn_remove(conn);
	tcpstates_conn_unlock(flags);
	publish(&ev, sock_net(sk));
	return 0;
}

static int tcp_connect_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)tcpstates_arg(regs, 0);
	u32 isn = READ_ONCE(tcp_sk(sk)->write_seq);
	u64 cookie = tcpstates_sk_cookie(sk);
	struct tcpstates_event ev;
	struct tcpstates_conn *conn;
	struct tcpstates_owner o;
	unsigned long flags;
	u64 now;

	owner_current(&o);
	now = ktime_get_ns();
	tcpstates_conn_lock(&flags);
	conn = tcpstates_conn_add(cookie);
	conn_restart(conn, now);
	tcpstates_sk_endpoints(sk, &conn->ep);
	conn->owner = o;
	conn->role = TCPSTATES_ROLE_ACTIVE;
	conn->isn_local = isn;
	conn->known = TCPSTATES_KNOW_ISN_LOCAL;
	conn_event(conn, &ev, TCP_CLOSE, TCP_SYN_SENT, now, isn, 0,
		   TCPSTATES_CAUSE_NONE);
	tcpstates_conn_unlock(flags);
	publish(&ev, sock_net(sk));
	return 0;
}

/* kretprobe data: the arguments a return handler needs */
struct tcpstates_args {
	struct sock *sk;
	void *arg1;
};

static int save_args(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct tcpstates_args *a = (struct tcpstates_args *)ri->data;

	a->sk = (struct sock *)tcpstates_arg(regs, 0);
	a->arg1 = (void *)tcpstates_arg(regs, 1);
	return 0;
}

static int listen_start_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct tcpstates_args *a = (struct tcpstates_args *)ri->data;
	struct tcpstates_event ev;
	struct tcpstates_conn *conn;
	struct tcpstates_owner o;
	unsigned long flags;
	u64 cookie, now;

	if (regs_return_value(regs))
		return 0;
	cookie = tcpstates_sk_cookie(a->sk);
	owner_current(&o);
	now = ktime_get_ns();
	tcpstates_conn_lock(&flags);
	conn = tcpstates_conn_add(cookie);
	conn_restart(conn, now);
	tcpstates_sk_endpoints(a->sk, &conn->ep);
	conn->owner = o;
	conn->role = TCPSTATES_ROLE_LISTENER;
	conn_event(conn, &ev, TCP_CLOSE, TCP_LISTEN, now, 0, 0,
		   TCPSTATES_CAUSE_NONE);
	tcpstates_conn_unlock(flags);
	publish(&ev, sock_net(a->sk));
	return 0;
}

static int openreq_child_ret(struct kretprobe_instance *ri,
			     struct pt_regs *regs)
{
	struct tcpstates_args *a = (struct tcpstates_args *)ri->data;
	struct sock *child = (struct sock *)regs_return_value(regs);
	struct request_sock *req = a->arg1;
	struct tcpstates_conn *conn, *listener;
	const struct tcp_request_sock *treq;
	struct tcpstates_endpoints ep;
	struct tcpstates_event ev;
	u64 cookie, lcookie, now, synack_ns;
	unsigned long flags;

	if (!child)
		return 0;
	treq = tcp_rsk(req);
	/* The child's addresses are set after this returns: use the request's */
	tcpstates_sk_endpoints(req_to_sk(req), &ep);
	if (child->sk_family == AF_INET6 && ep.family == AF_INET)
		endpoints_map_v4(&ep);
	cookie = tcpstates_sk_cookie(child);
	lcookie = atomic64_read(&a->sk->sk_cookie);
	now = ktime_get_ns();
	/* snt_synack: tcp_clock_us() (CLOCK_MONOTONIC) of the first SYN-ACK */
	synack_ns = treq->snt_synack ? treq->snt_synack * NSEC_PER_USEC : 0;

	tcpstates_conn_lock(&flags);
	conn = tcpstates_conn_add(cookie);
	conn_restart(conn, now);
	conn->ep = ep;
	conn->role = TCPSTATES_ROLE_PASSIVE;
	listener = lcookie ? tcpstates_conn_find(lcookie) : NULL;
	if (listener)
		conn->owner = listener->owner;
	conn->isn_local = treq->snt_isn;
	conn->isn_remote = treq->rcv_isn;
	conn->known = TCPSTATES_KNOW_ISN_LOCAL | TCPSTATES_KNOW_ISN_REMOTE;
	conn->state = TCP_NEW_SYN_RECV;
	if (synack_ns && synack_ns <= now) {
		conn->state_ns = synack_ns;
		conn->handshake_us = div_u64(now - synack_ns, NSEC_PER_USEC);
		conn->known |= TCPSTATES_KNOW_HANDSHAKE;
	}
	conn_event(conn, &ev, TCP_NEW_SYN_RECV, TCP_SYN_RECV, now,
		   treq->snt_isn + 1, treq->rcv_isn + 1, TCPSTATES_CAUSE_NONE);
	tcpstates_conn_unlock(flags);
	publish(&ev, sock_net(child));
	return 0;
}

static int accept_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)regs_return_value(regs);
	struct tcpstates_conn *conn;
	struct tcpstates_owner o;
	unsigned long flags;
	u64 cookie;

	if (IS_ERR_OR_NULL(sk))
		return 0;
	cookie = atomic64_read(&sk->sk_cookie);
	if (!cookie)
		return 0;
	owner_current(&o);
	tcpstates_conn_lock(&flags);
	conn = tcpstates_conn_find(cookie);
	if (conn)
		conn->owner = o;
	tcpstates_conn_unlock(flags);
	return 0;
}

static int hashdance_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct inet_timewait_sock *tw = (void *)tcpstates_arg(regs, 0);
	struct sock *sk = (struct sock *)tcpstates_arg(regs, 1);
	int old = READ_ONCE(sk->sk_state);
	int sub = READ_ONCE(tw->tw_substate);
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcpstates_event ev;
	struct tcpstates_conn *conn;
	unsigned long flags;
	bool emit = false;
	u32 snd, rcv;
	u64 cookie, now;

	cookie = tcpstates_sk_cookie(sk);
	/* inet_twsk_alloc() copied the cookie; not if it was made just now */
	atomic64_cmpxchg(&tw->tw_cookie, 0, cookie);
	snd = READ_ONCE(tp->snd_nxt);
	rcv = READ_ONCE(tp->rcv_nxt);
	now = ktime_get_ns();

	tcpstates_conn_lock(&flags);
	conn = tcpstates_conn_add(cookie);
	conn_adopt(conn, sk, old);
	conn->flags |= TCPSTATES_CONN_TIMEWAIT;
	if (sub == TCP_TIME_WAIT) {
		if (!(conn->known & TCPSTATES_KNOW_FIN_REMOTE)) {
			conn->fin_remote = rcv - 1;
			conn->known |= TCPSTATES_KNOW_FIN_REMOTE;
		}
		conn_event(conn, &ev, old, TCP_TIME_WAIT, now, snd, rcv,
			   TCPSTATES_CAUSE_NONE);
		emit = true;
	}
	tcpstates_conn_unlock(flags);
	if (emit)
		publish(&ev, sock_net(sk));
	return 0;
}

static int twsk_schedule_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct inet_timewait_sock *tw = (void *)tcpstates_arg(regs, 0);
	struct tcp_timewait_sock *tcptw = tcp_twsk((struct sock *)tw);
	struct tcpstates_event ev;
	struct tcpstates_conn *conn;
	unsigned long flags;
	bool emit = false;
	u32 rcv;
	u64 cookie;

	if (READ_ONCE(tw->tw_substate) != TCP_TIME_WAIT)
		return 0;
	cookie = atomic64_read(&tw->tw_cookie);
	if (!cookie)
		return 0;
	rcv = READ_ONCE(tcptw->tw_rcv_nxt);

	tcpstates_conn_lock(&flags);
	conn = tcpstates_conn_find(cookie);
	/* Only a FIN_WAIT2 timewait socket that got the peer's FIN now. */
	if (conn && (conn->flags & TCPSTATES_CONN_TIMEWAIT) &&
	    conn->state == TCP_FIN_WAIT2) {
		conn->fin_remote = rcv - 1;
		conn->known |= TCPSTATES_KNOW_FIN_REMOTE;
		conn_event(conn, &ev, TCP_FIN_WAIT2, TCP_TIME_WAIT,
			   ktime_get_ns(), READ_ONCE(tcptw->tw_snd_nxt), rcv,
			   TCPSTATES_CAUSE_NONE);
		emit = true;
	}
	tcpstates_conn_unlock(flags);
	if (emit)
		publish(&ev, twsk_net(tw));
	return 0;
}

static int twsk_destructor_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)tcpstates_arg(regs, 0);
	struct inet_timewait_sock *tw = inet_twsk(sk);
	struct tcp_timewait_sock *tcptw = tcp_twsk(sk);
	struct tcpstates_event ev;
	struct tcpstates_conn *conn;
	unsigned long flags;
	bool emit = false;
	u64 cookie;
	u8 cause;

	cookie = atomic64_read(&tw->tw_cookie);
	if (!cookie)
		return 0;
	if (!check_net(twsk_net(tw)))
		cause = TCPSTATES_CAUSE_TW_NETNS;
	else if (time_before(jiffies, READ_ONCE(tw->tw_timer.expires)))
		cause = TCPSTATES_CAUSE_TW_EARLY;
	else
		cause = TCPSTATES_CAUSE_TW_TIMER;

	tcpstates_conn_lock(&flags);
	conn = tcpstates_conn_find(cookie);
	if (conn && (conn->flags & TCPSTATES_CONN_TIMEWAIT)) {
		conn_event(conn, &ev, conn->state, TCP_CLOSE, ktime_get_ns(),
			   READ_ONCE(tcptw->tw_snd_nxt),
			   READ_ONCE(tcptw->tw_rcv_nxt), cause);
		tcpstates_conn_remove(conn);
		emit = true;
	}
	tcpstates_conn_unlock(flags);
	if (emit)
		publish(&ev, twsk_net(tw));
	return 0;
}

/*
 * Every handler runs with interrupts off. A kprobe placed through ftrace
 * runs its handler with interrupts on: an interrupt arriving then runs
 * softirqs on its way out (TCP receive), which hit one of our probes on
 * this CPU while the first handler is still the current kprobe, and the
 * kprobe core skips that hit (kprobe_missed): a lost event, and a
 * connection whose end the table never sees. This closes the window
 * inside our handlers only: the core's bookkeeping around them and the
 * kretprobe return path still run with interrupts on, so misses stay
 * possible (seen: 8 in 100,000 events of loopback churn on 5.10) and
 * are counted.
 */
#define TCPSTATES_IRQSOFF(fn, type)					\
static int fn##_irqsoff(type p, struct pt_regs *regs)			\
{									\
	unsigned long irqflags;						\
	int ret;							\
									\
	local_irq_save(irqflags);					\
	ret = fn(p, regs);						\
	local_irq_restore(irqflags);					\
	return ret;							\
}

TCPSTATES_IRQSOFF(tcp_set_state_pre, struct kprobe *)
TCPSTATES_IRQSOFF(tcp_connect_pre, struct kprobe *)
TCPSTATES_IRQSOFF(hashdance_pre, struct kprobe *)
TCPSTATES_IRQSOFF(twsk_schedule_pre, struct kprobe *)
TCPSTATES_IRQSOFF(twsk_destructor_pre, struct kprobe *)
TCPSTATES_IRQSOFF(save_args, struct kretprobe_instance *)
TCPSTATES_IRQSOFF(listen_start_ret, struct kretprobe_instance *)
TCPSTATES_IRQSOFF(openreq_child_ret, struct kretprobe_instance *)
TCPSTATES_IRQSOFF(accept_ret, struct kretprobe_instance *)

static struct kprobe tcpstates_kprobes[] = {
	{ .symbol_name = "tcp_set_state", .pre_handler = tcp_set_state_pre_irqsoff },
	{ .symbol_name = "tcp_connect", .pre_handler = tcp_connect_pre_irqsoff },
	{ .symbol_name = NULL /* hash dance, resolved at load */,
	  .pre_handler = hashdance_pre_irqsoff },
	{ .symbol_name = "__inet_twsk_schedule", .pre_handler = twsk_schedule_pre_irqsoff },
	{ .symbol_name = "tcp_twsk_destructor", .pre_handler = twsk_destructor_pre_irqsoff },
};

#define TCPSTATES_HASHDANCE_KP	2

static struct kretprobe tcpstates_kretprobes[] = {
	{
		.kp.symbol_name = "inet_csk_listen_start",
		.entry_handler = save_args_irqsoff,
		.handler = listen_start_ret_irqsoff,
		.data_size = sizeof(struct tcpstates_args),
		.maxactive = 64,
	},
	{
		.kp.symbol_name = "tcp_create_openreq_child",
		.entry_handler = save_args_irqsoff,
		.handler = openreq_child_ret_irqsoff,
		.data_size = sizeof(struct tcpstates_args),
		.maxactive = 64,
	},
	{
		/* Threads sleep in accept(): room for many at once. */
		.kp.symbol_name = "inet_csk_accept",
		.handler = accept_ret_irqsoff,
		.maxactive = 512,
	},
};

static int register_hashdance(struct kprobe *kp)
{
	static const char * const names[] = TCPSTATES_HASHDANCE_SYMBOLS;
	unsigned int i;
	int ret = -ENOENT;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		kp->symbol_name = names[i];
		kp->addr = NULL;
		kp->flags = 0;
		ret = register_kprobe(kp);
		if (ret != -ENOENT && ret != -EINVAL)
			return ret;
	}
	kp->symbol_name = "inet_twsk_hashdance[_schedule]";
	return ret;
}

/**
 * tcpstates_probe_init() - register the kprobes and kretprobes
 *
 * Every probe is required: when one cannot be placed (a symbol this kernel
 * lacks or inlined away), none stays registered and the error says which.
 *
 * Return: 0 or the error of the probe that failed.
 */
int tcpstates_probe_init(void)
{
	unsigned int nk, nr;
	int ret;

	/* The handlers read the arguments by position: pin the prototypes. */
	BUILD_BUG_ON(!__same_type(&tcp_set_state, void (*)(struct sock *, int)));
	BUILD_BUG_ON(!__same_type(&tcp_connect, int (*)(struct sock *)));
	BUILD_BUG_ON(!TCPSTATES_LISTEN_START_TYPE_OK);
	BUILD_BUG_ON(!__same_type(&tcp_create_openreq_child,
				  struct sock *(*)(const struct sock *,
						   struct request_sock *,
						   struct sk_buff *)));
	BUILD_BUG_ON(!__same_type(&__inet_twsk_schedule,
				  void (*)(struct inet_timewait_sock *, int, bool)));
	BUILD_BUG_ON(!__same_type(&tcp_twsk_destructor, void (*)(struct sock *)));

	for (nk = 0; nk < ARRAY_SIZE(tcpstates_kprobes); nk++) {
		struct kprobe *kp = &tcpstates_kprobes[nk];

		ret = nk == TCPSTATES_HASHDANCE_KP ? register_hashdance(kp) :
						     register_kprobe(kp);
		if (ret) {
			pr_err("cannot probe %s (error %d): this kernel is not supported\n",
			       kp->symbol_name, ret);
			goto out_unregister_kprobes;
		}
	}
	for (nr = 0; nr < ARRAY_SIZE(tcpstates_kretprobes); nr++) {
		ret = register_kretprobe(&tcpstates_kretprobes[nr]);
		if (ret) {
			pr_err("cannot probe the return of %s (error %d): this kernel is not supported\n",
			       tcpstates_kretprobes[nr].kp.symbol_name, ret);
			goto out_unregister_kretprobes;
		}
	}
	return 0;

out_unregister_kretprobes:
	while (nr--)
		unregister_kretprobe(&tcpstates_kretprobes[nr]);
out_unregister_kprobes:
	while (nk--)
		unregister_kprobe(&tcpstates_kprobes[nk]);
	return ret;
}

/**
 * tcpstates_probe_exit() - unregister every probe
 *
 * Returns once no handler runs any more on any CPU.
 */
void tcpstates_probe_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tcpstates_kretprobes); i++)
		unregister_kretprobe(&tcpstates_kretprobes[i]);
	for (i = 0; i < ARRAY_SIZE(tcpstates_kprobes); i++)
		unregister_kprobe(&tcpstates_kprobes[i]);
}

/**
 * tcpstates_probe_missed() - hits the probes could not handle
 *
 * A kprobe hit while another kprobe handler runs on the same CPU is
 * skipped by the kprobes core; a kretprobe with all its instances in use
 * skips a call. Both only count it.
 *
 * Return: the sum over our probes.
 */
unsigned long tcpstates_probe_missed(void)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tcpstates_kprobes); i++)
		n += READ_ONCE(tcpstates_kprobes[i].nmissed);
	for (i = 0; i < ARRAY_SIZE(tcpstates_kretprobes); i++)
		n += READ_ONCE(tcpstates_kretprobes[i].nmissed) +
		     READ_ONCE(tcpstates_kretprobes[i].kp.nmissed);
	return n;
}
