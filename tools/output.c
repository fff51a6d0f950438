// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: output. Text in aligned columns (80 columns for usual
 * IPv4 addresses; -w for IPv6 and more fields) or JSON lines (-j), one
 * object per record with every field.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "tcpstates.h"

void ts_format_addr(int family, const uint8_t *addr, uint16_t port,
		    char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(family == AF_INET ? AF_INET : AF_INET6, addr, a,
		       sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, family == AF_INET ? "%s:%u" : "[%s]:%u", a, port);
}

/* A command name for a terminal: printable ASCII, the rest as \ooo */
void ts_format_comm(const char *comm, char *buf, size_t len)
{
	const unsigned char *c;
	size_t n = 0;

	for (c = (const unsigned char *)comm; *c && n + 5 < len; c++) {
		if (*c <= ' ' || *c >= 0x7f || *c == '\\')
			n += snprintf(buf + n, len - n, "\\%03o", *c);
		else
			buf[n++] = *c;
	}
	buf[n] = '\0';
}

/* Milliseconds with microseconds, or "-" */
void ts_format_ms(bool known, uint64_t ns, char *buf, size_t len)
{
	if (!known)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%llu.%03llu",
			 (unsigned long long)(ns / 1000000),
			 (unsigned long long)(ns / 1000 % 1000));
}

/* A duration for people: 850ms, 12.3s, 4m05s, 2h03m, 3d04h */
void ts_format_age(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / 1000000000ULL;

	if (ns < 1000000000ULL)
		snprintf(buf, len, "%llums", (unsigned long long)(ns / 1000000));
	else if (s < 60)
		snprintf(buf, len, "%llu.%llus", (unsigned long long)s,
			 (unsigned long long)(ns / 100000000ULL % 10));
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60));
	else
		snprintf(buf, len, "%llud%02lluh", (unsigned long long)(s / 86400),
			 (unsigned long long)(s / 3600 % 24));
}

/* Length of the valid UTF-8 sequence at @s, or 0 */
static int utf8_len(const unsigned char *s)
{
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong, surrogates, beyond U+10FFFF */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

/*
 * A JSON string. Whatever bytes a comm holds, the output is valid JSON and
 * valid UTF-8: valid UTF-8 passes through, control characters, quotes and
 * backslashes are escaped, and a byte that is not valid UTF-8 is written as
 * the code point of the same value (\u00XX), as Latin-1 would read it.
 */
void ts_json_string(FILE *f, const char *s)
{
	const unsigned char *c = (const unsigned char *)s;
	int n;

	fputc('"', f);
	while (*c) {
		if (*c == '"' || *c == '\\') {
			fprintf(f, "\\%c", *c);
			c++;
		} else if (*c == '\n') {
			fputs("\\n", f);
			c++;
		} else if (*c == '\t') {
			fputs("\\t", f);
			c++;
		} else if (*c < 0x20 || *c == 0x7f) {
			fprintf(f, "\\u%04x", *c);
			c++;
		} else if ((n = utf8_len(c)) > 0) {
			fwrite(c, 1, n, f);
			c += n;
		} else {
			fprintf(f, "\\u%04x", *c);
			c++;
		}
	}
	fputc('"', f);
}

static long long mono_to_real_ns;

/* Remember how CLOCK_MONOTONIC (event times) maps to the wall clock */
void ts_clock_init(void)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	mono_to_real_ns = (r.tv_sec - m.tv_sec) * 1000000000LL +
			  (r.tv_nsec - m.tv_nsec);
}

/* HH:MM:SS.mmm, local time */
void ts_format_walltime(uint64_t mono_ns, char *buf, size_t len)
{
	long long real = (long long)mono_ns + mono_to_real_ns;
	time_t t = real / 1000000000LL;
	struct tm tm;

	localtime_r(&t, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%03lld", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, real / 1000000LL % 1000);
}

static const char *family_name(int family)
{
	return family == AF_INET ? "inet" : "inet6";
}

static void json_addr(FILE *f, const char *key, int family,
		      const uint8_t *addr)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(family == AF_INET ? AF_INET : AF_INET6, addr, a,
		       sizeof(a)))
		snprintf(a, sizeof(a), "?");
	fprintf(f, ",\"%s\":\"%s\"", key, a);
}

static void json_owner(FILE *f, const struct ts_nl_owner *o)
{
	if (!o->known) {
		fputs(",\"tgid\":null,\"pid\":null,\"uid\":null,\"comm\":null", f);
		return;
	}
	fprintf(f, ",\"tgid\":%u,\"pid\":%u,\"uid\":%u,\"comm\":", o->tgid,
		o->pid, o->uid);
	ts_json_string(f, o->comm);
}

/* Columns of an event line: [TIME] PID COMM LOCAL REMOTE OLD NEW MS */
void ts_print_event_header(FILE *f, const struct ts_opts *o)
{
	if (o->json)
		return;
	if (o->time)
		fprintf(f, "%-12s ", "TIME");
	if (o->wide)
		fprintf(f, "%-9s %-10s %-7s %-16s %-47s %-47s %-12s %-12s %-10s %s\n",
			"SEQ", "COOKIE", "PID", "COMM", "LOCAL", "REMOTE",
			"OLDSTATE", "NEWSTATE", "MS", "CAUSE");
	else
		fprintf(f, "%-6s %-9s %-17s %-17s %-10s %-10s %s\n", "PID",
			"COMM", "LOCAL", "REMOTE", "OLD", "NEW", "MS");
}

void ts_print_event(FILE *f, const struct ts_opts *o,
		    const struct ts_nl_event *ev)
{
	char l[64], r[64], pid[16], comm[80], ms[32], t[32];

	if (o->json) {
		fprintf(f, "{\"type\":\"event\",\"seq\":%llu,\"prev_seq\":%llu,\"time_ns\":%llu",
			(unsigned long long)ev->seq,
			(unsigned long long)ev->prev_seq,
			(unsigned long long)ev->time_ns);
		if (o->time) {
			ts_format_walltime(ev->time_ns, t, sizeof(t));
			fprintf(f, ",\"time\":\"%s\"", t);
		}
		fprintf(f, ",\"cookie\":%llu,\"netns\":%u,\"family\":\"%s\"",
			(unsigned long long)ev->cookie, ev->netns,
			family_name(ev->family));
		fprintf(f, ",\"oldstate\":\"%s\",\"newstate\":\"%s\"",
			ts_state_kname(ev->oldstate), ts_state_kname(ev->newstate));
		if (ev->has_prev_ns)
			fprintf(f, ",\"prev_ns\":%llu", (unsigned long long)ev->prev_ns);
		else
			fputs(",\"prev_ns\":null", f);
		fprintf(f, ",\"cause\":\"%s\",\"role\":\"%s\"",
			ts_nl_cause_name(ev->cause), ts_nl_role_name(ev->role));
		json_addr(f, "local_addr", ev->family, ev->laddr);
		fprintf(f, ",\"local_port\":%u", ev->lport);
		json_addr(f, "remote_addr", ev->family, ev->raddr);
		fprintf(f, ",\"remote_port\":%u,\"snd_nxt\":%u,\"rcv_nxt\":%u",
			ev->rport, ev->snd_nxt, ev->rcv_nxt);
		json_owner(f, &ev->owner);
		fputs("}\n", f);
		return;
	}
	ts_format_addr(ev->family, ev->laddr, ev->lport, l, sizeof(l));
	ts_format_addr(ev->family, ev->raddr, ev->rport, r, sizeof(r));
	ts_format_ms(ev->has_prev_ns, ev->prev_ns, ms, sizeof(ms));
	if (ev->owner.known) {
		snprintf(pid, sizeof(pid), "%u", ev->owner.tgid);
		ts_format_comm(ev->owner.comm, comm, sizeof(comm));
	} else {
		strcpy(pid, "-");
		strcpy(comm, "-");
	}
	if (o->time) {
		ts_format_walltime(ev->time_ns, t, sizeof(t));
		fprintf(f, "%-12s ", t);
	}
	if (o->wide)
		fprintf(f, "%-9llu %-10llu %-7s %-16s %-47s %-47s %-12s %-12s %-10s %s\n",
			(unsigned long long)ev->seq,
			(unsigned long long)ev->cookie, pid, comm, l, r,
			ts_state_kname(ev->oldstate),
			ts_state_kname(ev->newstate), ms,
			ts_nl_cause_name(ev->cause));
	else
		fprintf(f, "%-6s %-9.9s %-17s %-17s %-10s %-10s %s\n", pid, comm,
			l, r, ts_state_sname(ev->oldstate),
			ts_state_sname(ev->newstate), ms);
}

/* Columns of a connection line: STATE FOR LOCAL REMOTE PID COMM HS_MS */
void ts_print_conn_header(FILE *f, const struct ts_opts *o)
{
	if (o->json)
		return;
	if (o->wide)
		fprintf(f, "%-10s %-12s %-9s %-9s %-8s %-47s %-47s %-7s %-16s %-10s %-10s %-10s %-10s %-10s %s\n",
			"COOKIE", "STATE", "FOR", "AGE", "ROLE", "LOCAL",
			"REMOTE", "PID", "COMM", "HS_MS", "ISN_LOCAL",
			"ISN_REMOTE", "FIN_LOCAL", "FIN_REMOTE", "FLAGS");
	else
		fprintf(f, "%-10s %-8s %-17s %-17s %-6s %-9s %s\n", "STATE",
			"FOR", "LOCAL", "REMOTE", "PID", "COMM", "HS_MS");
}

static void u32_or_dash(char *buf, size_t len, bool known, uint32_t v)
{
	if (known)
		snprintf(buf, len, "%u", v);
	else
		snprintf(buf, len, "-");
}

static void json_u32(FILE *f, const char *key, bool known, uint32_t v)
{
	if (known)
		fprintf(f, ",\"%s\":%u", key, v);
	else
		fprintf(f, ",\"%s\":null", key);
}

void ts_print_conn(FILE *f, const struct ts_opts *o, const struct ts_nl_conn *c)
{
	char l[64], r[64], pid[16], comm[80], hs[32], age[32], total[32];
	char il[16], ir[16], fl[16], fr[16];
	unsigned int s;
	bool first = true;

	if (o->json) {
		fprintf(f, "{\"type\":\"conn\",\"cookie\":%llu,\"netns\":%u,\"family\":\"%s\",\"state\":\"%s\"",
			(unsigned long long)c->cookie, c->netns,
			family_name(c->family), ts_state_kname(c->state));
		if (c->known & TS_NL_KNOW_STATE_NS)
			fprintf(f, ",\"state_ns\":%llu", (unsigned long long)c->state_ns);
		else
			fputs(",\"state_ns\":null", f);
		fprintf(f, ",\"age_ns\":%llu,\"role\":\"%s\",\"preexisting\":%s,\"timewait\":%s",
			(unsigned long long)c->age_ns, ts_nl_role_name(c->role),
			c->flags & TCPSTATES_CONN_F_PREEXISTING ? "true" : "false",
			c->flags & TCPSTATES_CONN_F_TIMEWAIT ? "true" : "false");
		json_addr(f, "local_addr", c->family, c->laddr);
		fprintf(f, ",\"local_port\":%u", c->lport);
		json_addr(f, "remote_addr", c->family, c->raddr);
		fprintf(f, ",\"remote_port\":%u", c->rport);
		json_u32(f, "isn_local", c->known & TS_NL_KNOW_ISN_LOCAL, c->isn_local);
		json_u32(f, "isn_remote", c->known & TS_NL_KNOW_ISN_REMOTE, c->isn_remote);
		json_u32(f, "fin_local", c->known & TS_NL_KNOW_FIN_LOCAL, c->fin_local);
		json_u32(f, "fin_remote", c->known & TS_NL_KNOW_FIN_REMOTE, c->fin_remote);
		fprintf(f, ",\"first_fin\":\"%s\"", c->first_fin == 1 ? "local" :
			c->first_fin == 2 ? "remote" : "none");
		json_u32(f, "handshake_us", c->known & TS_NL_KNOW_HANDSHAKE, c->handshake_us);
		fputs(",\"durations_us\":{", f);
		for (s = 1; s < 13; s++) {
			if (!c->duration_us[s])
				continue;
			fprintf(f, "%s\"%s\":%u", first ? "" : ",",
				ts_state_kname(s), c->duration_us[s]);
			first = false;
		}
		fputc('}', f);
		json_owner(f, &c->owner);
		fputs("}\n", f);
		return;
	}
	ts_format_addr(c->family, c->laddr, c->lport, l, sizeof(l));
	ts_format_addr(c->family, c->raddr, c->rport, r, sizeof(r));
	if (c->known & TS_NL_KNOW_STATE_NS)
		ts_format_age(c->state_ns, age, sizeof(age));
	else
		strcpy(age, "-");
	ts_format_ms(c->known & TS_NL_KNOW_HANDSHAKE,
		     (uint64_t)c->handshake_us * 1000, hs, sizeof(hs));
	if (c->owner.known) {
		snprintf(pid, sizeof(pid), "%u", c->owner.tgid);
		ts_format_comm(c->owner.comm, comm, sizeof(comm));
	} else {
		strcpy(pid, "-");
		strcpy(comm, "-");
	}
	if (!o->wide) {
		fprintf(f, "%-10s %-8s %-17s %-17s %-6s %-9.9s %s\n",
			ts_state_sname(c->state), age, l, r, pid, comm, hs);
		return;
	}
	ts_format_age(c->age_ns, total, sizeof(total));
	u32_or_dash(il, sizeof(il), c->known & TS_NL_KNOW_ISN_LOCAL, c->isn_local);
	u32_or_dash(ir, sizeof(ir), c->known & TS_NL_KNOW_ISN_REMOTE, c->isn_remote);
	u32_or_dash(fl, sizeof(fl), c->known & TS_NL_KNOW_FIN_LOCAL, c->fin_local);
	u32_or_dash(fr, sizeof(fr), c->known & TS_NL_KNOW_FIN_REMOTE, c->fin_remote);
	fprintf(f, "%-10llu %-12s %-9s %-9s %-8s %-47s %-47s %-7s %-16s %-10s %-10s %-10s %-10s %-10s %s\n",
		(unsigned long long)c->cookie, ts_state_kname(c->state), age,
		total, ts_nl_role_name(c->role), l, r, pid, comm, hs, il, ir,
		fl, fr,
		c->flags & TCPSTATES_CONN_F_PREEXISTING ?
		(c->flags & TCPSTATES_CONN_F_TIMEWAIT ? "pre,tw" : "pre") :
		(c->flags & TCPSTATES_CONN_F_TIMEWAIT ? "tw" : "-"));
}
