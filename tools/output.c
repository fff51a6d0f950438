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
 *
 * json_char() writes the escape of the character at *@s (at most 6 bytes)
 * to @out and moves *@s past it. Return: the bytes written.
 */
static int json_char(char *out, const unsigned char **s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *c = *s;
	int n;

	*s = c + 1;
	if (*c == '"' || *c == '\\') {
		out[0] = '\\';
		out[1] = *c;
		return 2;
	}
	if (*c == '\n' || *c == '\t') {
		out[0] = '\\';
		out[1] = *c == '\n' ? 'n' : 't';
		return 2;
	}
	if (*c >= 0x20 && *c != 0x7f && (n = utf8_len(c)) > 0) {
		memcpy(out, c, n);
		*s = c + n;
		return n;
	}
	/* control character, or not valid UTF-8 */
	memcpy(out, "\\u00", 4);
	out[4] = hex[*c >> 4];
	out[5] = hex[*c & 15];
	return 6;
}

void ts_json_string(FILE *f, const char *s)
{
	const unsigned char *c = (const unsigned char *)s;
	char out[6];

	fputc('"', f);
	while (*c)
		fwrite(out, 1, json_char(out, &c), f);
	fputc('"', f);
}

/* The same into @p, which has room for 6 bytes per byte of @s, plus 2 */
static char *json_str(char *p, const char *s)
{
	const unsigned char *c = (const unsigned char *)s;

	*p++ = '"';
	while (*c)
		p += json_char(p, &c);
	*p++ = '"';
	return p;
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

/*
 * JSON lines of events are built in a buffer and written at once: watch
 * prints every event of a busy host, and a dozen fprintf() calls per line
 * cost more than the rest of its work. The fields are those, in the order,
 * of the other records (see json_owner()).
 */
#define PUT(p, lit)	(memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *put_u64(char *p, unsigned long long v)
{
	char d[20];
	int n = 0;

	do {
		d[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		*p++ = d[--n];
	return p;
}

/* An address in quotes; IPv4 by hand (glibc's inet_ntop() sprintf()s) */
static char *put_addr(char *p, int family, const uint8_t *addr)
{
	char a[INET6_ADDRSTRLEN];
	int i;

	*p++ = '"';
	if (family == AF_INET) {
		for (i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p = put_u64(p, addr[i]);
		}
	} else {
		if (!inet_ntop(AF_INET6, addr, a, sizeof(a)))
			strcpy(a, "?");
		p = put_str(p, a);
	}
	*p++ = '"';
	return p;
}

static void json_event(FILE *f, const struct ts_opts *o,
		       const struct ts_nl_event *ev)
{
	/* keys ~300, numbers 10 x 20, addresses 2 x 48, comm 6 x 16 + 2 */
	char line[1024], t[32], *p = line;

	p = PUT(p, "{\"type\":\"event\",\"seq\":");
	p = put_u64(p, ev->seq);
	p = PUT(p, ",\"prev_seq\":");
	p = put_u64(p, ev->prev_seq);
	p = PUT(p, ",\"time_ns\":");
	p = put_u64(p, ev->time_ns);
	if (o->time) {
		ts_format_walltime(ev->time_ns, t, sizeof(t));
		p = PUT(p, ",\"time\":\"");
		p = put_str(p, t);
		*p++ = '"';
	}
	p = PUT(p, ",\"cookie\":");
	p = put_u64(p, ev->cookie);
	p = PUT(p, ",\"netns\":");
	p = put_u64(p, ev->netns);
	p = PUT(p, ",\"family\":\"");
	p = put_str(p, family_name(ev->family));
	p = PUT(p, "\",\"oldstate\":\"");
	p = put_str(p, ts_state_kname(ev->oldstate));
	p = PUT(p, "\",\"newstate\":\"");
	p = put_str(p, ts_state_kname(ev->newstate));
	p = PUT(p, "\",\"prev_ns\":");
	if (ev->has_prev_ns)
		p = put_u64(p, ev->prev_ns);
	else
		p = PUT(p, "null");
	p = PUT(p, ",\"cause\":\"");
	p = put_str(p, ts_nl_cause_name(ev->cause));
	p = PUT(p, "\",\"role\":\"");
	p = put_str(p, ts_nl_role_name(ev->role));
	p = PUT(p, "\",\"local_addr\":");
	p = put_addr(p, ev->family, ev->laddr);
	p = PUT(p, ",\"local_port\":");
	p = put_u64(p, ev->lport);
	p = PUT(p, ",\"remote_addr\":");
	p = put_addr(p, ev->family, ev->raddr);
	p = PUT(p, ",\"remote_port\":");
	p = put_u64(p, ev->rport);
	p = PUT(p, ",\"snd_nxt\":");
	p = put_u64(p, ev->snd_nxt);
	p = PUT(p, ",\"rcv_nxt\":");
	p = put_u64(p, ev->rcv_nxt);
	if (ev->owner.known) {
		p = PUT(p, ",\"tgid\":");
		p = put_u64(p, ev->owner.tgid);
		p = PUT(p, ",\"pid\":");
		p = put_u64(p, ev->owner.pid);
		p = PUT(p, ",\"uid\":");
		p = put_u64(p, ev->owner.uid);
		p = PUT(p, ",\"comm\":");
		p = json_str(p, ev->owner.comm);
	} else {
		p = PUT(p, ",\"tgid\":null,\"pid\":null,\"uid\":null,\"comm\":null");
	}
	p = PUT(p, "}\n");
	fwrite(line, 1, p - line, f);
}

void ts_print_event(FILE *f, const struct ts_opts *o,
		    const struct ts_nl_event *ev)
{
	char l[64], r[64], pid[16], comm[80], ms[32], t[32];

	if (o->json) {
		json_event(f, o, ev);
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
