// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates tools: the one table of TCP state names, of close causes and
 * of roles, and the lookups both ways (see names.h).
 */
#define _GNU_SOURCE	/* strerrorname_np() */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <linux/tcpstates.h>

#include "names.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Index: TCP_*. The kernel's name, and the name ss's filters use. */
static const struct {
	const char *kname;
	const char *ssname;
} states[TS_NSTATES] = {
	[TS_ESTABLISHED] = { "ESTABLISHED", "established" },
	[TS_SYN_SENT] = { "SYN_SENT", "syn-sent" },
	[TS_SYN_RECV] = { "SYN_RECV", "syn-recv" },
	[TS_FIN_WAIT1] = { "FIN_WAIT1", "fin-wait-1" },
	[TS_FIN_WAIT2] = { "FIN_WAIT2", "fin-wait-2" },
	[TS_TIME_WAIT] = { "TIME_WAIT", "time-wait" },
	[TS_CLOSE] = { "CLOSE", "closed" },
	[TS_CLOSE_WAIT] = { "CLOSE_WAIT", "close-wait" },
	[TS_LAST_ACK] = { "LAST_ACK", "last-ack" },
	[TS_LISTEN] = { "LISTEN", "listening" },
	[TS_CLOSING] = { "CLOSING", "closing" },
	[TS_NEW_SYN_RECV] = { "NEW_SYN_RECV", "new-syn-recv" },
};

#define B(s)	TS_STATE_BIT(TS_##s)
#define CONNECTED	(TS_ALL_STATES & ~(B(LISTEN) | B(CLOSE)))
#define BUCKET		(B(SYN_RECV) | B(NEW_SYN_RECV) | B(TIME_WAIT))

/* ss's groups of states, and the other spellings people type */
static const struct {
	const char *name;
	uint32_t mask;
} state_groups[] = {
	{ "all", TS_ALL_STATES },
	{ "connected", CONNECTED },
	{ "synchronized", CONNECTED & ~B(SYN_SENT) },
	{ "bucket", BUCKET },
	{ "big", TS_ALL_STATES & ~BUCKET },
	{ "estab", B(ESTABLISHED) },		/* ss prints ESTAB */
	{ "listen", B(LISTEN) },
	{ "close", B(CLOSE) },
	{ "unconn", B(CLOSE) },			/* ss prints UNCONN */
};

static const char *const causes[] = {
	[TCPSTATES_CAUSE_NONE] = "-",
	[TCPSTATES_CAUSE_NORMAL] = "normal",
	[TCPSTATES_CAUSE_RESET_RECEIVED] = "reset_received",
	[TCPSTATES_CAUSE_RESET_SENT] = "reset_sent",
	[TCPSTATES_CAUSE_REFUSED] = "refused",
	[TCPSTATES_CAUSE_TIMEOUT] = "timeout",
	[TCPSTATES_CAUSE_ABORTED] = "aborted",
	[TCPSTATES_CAUSE_TW_TIMER] = "tw_timer",
	[TCPSTATES_CAUSE_TW_EARLY] = "tw_early",
	[TCPSTATES_CAUSE_TW_NETNS] = "tw_netns",
	[TCPSTATES_CAUSE_TW_OVERFLOW] = "tw_overflow",
	[TCPSTATES_CAUSE_HOST_UNREACHABLE] = "host_unreachable",
	[TCPSTATES_CAUSE_NET_UNREACHABLE] = "net_unreachable",
	[TCPSTATES_CAUSE_ERROR] = "error",
	[TCPSTATES_CAUSE_SYN_DROPPED] = "syn_dropped",
	[TCPSTATES_CAUSE_ACK_DROPPED] = "ack_dropped",
};

static const char *const roles[] = {
	[TCPSTATES_ROLE_UNKNOWN] = "-",
	[TCPSTATES_ROLE_ACTIVE] = "active",
	[TCPSTATES_ROLE_PASSIVE] = "passive",
	[TCPSTATES_ROLE_LISTENER] = "listener",
};

/* Lower case, without '-' and '_': FIN_WAIT1 and fin-wait-1 are one name */
static void fold(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s && n + 1 < len; s++)
		if (*s != '-' && *s != '_')
			out[n++] = tolower((unsigned char)*s);
	out[n] = '\0';
}

static int same(const char *a, const char *b)
{
	char fa[32], fb[32];

	if (strlen(a) >= sizeof(fa))
		return 0;
	fold(a, fa, sizeof(fa));
	fold(b, fb, sizeof(fb));
	return !strcmp(fa, fb);
}

const char *ts_state_name(unsigned int state)
{
	return state && state < TS_NSTATES ? states[state].kname : "UNKNOWN";
}

const char *ts_state_ssname(unsigned int state)
{
	return state && state < TS_NSTATES ? states[state].ssname : "unknown";
}

int ts_state_parse(const char *name, uint32_t *mask)
{
	unsigned int i;

	for (i = 1; i < TS_NSTATES; i++) {
		if (same(name, states[i].kname) || same(name, states[i].ssname)) {
			*mask |= TS_STATE_BIT(i);
			return 0;
		}
	}
	for (i = 0; i < ARRAY_SIZE(state_groups); i++) {
		if (same(name, state_groups[i].name)) {
			*mask |= state_groups[i].mask;
			return 0;
		}
	}
	return -1;
}

const char *ts_cause_name(unsigned int cause)
{
	static char buf[24];

	if (cause < ARRAY_SIZE(causes))
		return causes[cause];
	snprintf(buf, sizeof(buf), "cause_%u", cause);
	return buf;
}

unsigned int ts_ncauses(void)
{
	return ARRAY_SIZE(causes);
}

int ts_cause_parse(const char *name)
{
	unsigned int i;

	for (i = 1; i < ARRAY_SIZE(causes); i++)
		if (same(name, causes[i]))
			return i;
	if (same(name, "none"))
		return TCPSTATES_CAUSE_NONE;
	return -1;
}

const char *ts_role_name(unsigned int role)
{
	return role < ARRAY_SIZE(roles) ? roles[role] : "?";
}

int ts_role_parse(const char *name)
{
	unsigned int i;

	for (i = 1; i < ARRAY_SIZE(roles); i++)
		if (same(name, roles[i]))
			return i;
	if (!strcmp(name, "-") || same(name, "unknown"))
		return TCPSTATES_ROLE_UNKNOWN;
	return -1;
}

const char *ts_errno_name(unsigned int err, char *buf, size_t len)
{
	const char *s = err < 4096 ? strerrorname_np((int)err) : NULL;

	if (s)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "%u", err);
	return buf;
}
