/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpstates tools: the names of TCP states, close causes and roles, one
 * table each (names.c). Output always prints the kernel's names
 * (ESTABLISHED, reset_received, passive); filters also take ss's names
 * (established, close-wait, listening, ...), in any case.
 */
#ifndef TCPSTATES_NAMES_H
#define TCPSTATES_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* TCP_* of include/net/tcp_states.h */
enum ts_state {
	TS_ESTABLISHED = 1,
	TS_SYN_SENT,
	TS_SYN_RECV,
	TS_FIN_WAIT1,
	TS_FIN_WAIT2,
	TS_TIME_WAIT,
	TS_CLOSE,
	TS_CLOSE_WAIT,
	TS_LAST_ACK,
	TS_LISTEN,
	TS_CLOSING,
	TS_NEW_SYN_RECV,
	TS_NSTATES
};

#define TS_STATE_BIT(s)	(1U << (s))
#define TS_ALL_STATES	(((1U << TS_NSTATES) - 1) & ~1U)

/* "ESTABLISHED"; "UNKNOWN" for a number it does not know */
const char *ts_state_name(unsigned int state);
/*
 * A state or a group of states by name, into *@mask: the kernel's names,
 * ss's (established, syn-sent, ..., closed, listening) and its groups
 * (all, connected, synchronized, bucket, big), any case, '-' or '_'.
 * Return: 0, or -1 for a name it does not know.
 */
int ts_state_parse(const char *name, uint32_t *mask);
/* The names ts_state_parse() takes, for the help and the completion */
const char *ts_state_ssname(unsigned int state);

/* "normal", "-" for none; "cause_N" for one it does not know */
const char *ts_cause_name(unsigned int cause);
int ts_cause_parse(const char *name);		/* -1: unknown */
unsigned int ts_ncauses(void);

/* "active", "-" for unknown */
const char *ts_role_name(unsigned int role);
int ts_role_parse(const char *name);		/* -1: unknown */

/* "ENOPROTOOPT", or the number */
const char *ts_errno_name(unsigned int err, char *buf, size_t len);

#endif
