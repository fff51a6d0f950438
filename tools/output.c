// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: output. One print path for text and JSON: a record's
 * fields are handed one by one (records.c) to a table (struct ts_out),
 * which keeps those of its view: text columns (narrow, or wide with -e),
 * or every field as one JSON object per line (-j).
 *
 * Text columns are as wide as their widest value, so none overflows into
 * the next: a table read at once (events, conns) is printed when it is
 * complete (in blocks of TS_OUT_BLOCK rows); a live one (watch) starts
 * with widths that fit IPv4 endpoints and, when a wider value comes,
 * widens the column and prints the header again, aligned with the rows
 * that follow.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "tcpstates.h"

static char *put_u64(char *p, unsigned long long v);

/* @n bytes of @s into @buf of @len, cut short to fit, NUL-terminated */
static void copy_out(char *buf, size_t len, const char *s, size_t n)
{
	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/*
 * An address (IPv6 unless AF_INET) at @p, which has room for
 * INET6_ADDRSTRLEN: IPv4 by hand. Return: its end.
 */
static char *put_addr(char *p, int family, const uint8_t *addr)
{
	int i;

	if (family == AF_INET) {
		for (i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p = put_u64(p, addr[i]);
		}
		return p;
	}
	if (!inet_ntop(AF_INET6, addr, p, INET6_ADDRSTRLEN))
		strcpy(p, "?");
	return p + strlen(p);
}

/*
 * ADDR:PORT, or [ADDR]:PORT for IPv6; IPv4 and the port by hand (glibc's
 * inet_ntop() and printf() cost more than the rest of a line's cells)
 */
void ts_format_addr(int family, const uint8_t *addr, uint16_t port,
		    char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN + 16], *p = a;

	if (family == AF_INET) {
		p = put_addr(p, family, addr);
	} else {
		*p++ = '[';
		p = put_addr(p, family, addr);
		*p++ = ']';
	}
	*p++ = ':';
	p = put_u64(p, port);
	copy_out(buf, len, a, p - a);
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
	char a[32], *p;
	unsigned int us;

	if (!known) {
		copy_out(buf, len, "-", 1);
		return;
	}
	p = put_u64(a, ns / 1000000);
	us = ns / 1000 % 1000;
	*p++ = '.';
	*p++ = '0' + us / 100;
	*p++ = '0' + us / 10 % 10;
	*p++ = '0' + us % 10;
	copy_out(buf, len, a, p - a);
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

/* Decimal digits, two at a time, written in place from the last */
static inline char *put_u64(char *p, unsigned long long v)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324"
		"25262728293031323334353637383940414243444546474849"
		"50515253545556575859606162636465666768697071727374"
		"75767778798081828384858687888990919293949596979899";
	static const unsigned long long pow10[20] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
		10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
		100000000000ULL, 1000000000000ULL, 10000000000000ULL,
		100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
		100000000000000000ULL, 1000000000000000000ULL,
		10000000000000000000ULL,
	};
	char *q;
	uint32_t w;
	int n;

	if (v < 10) {
		*p = '0' + v;
		return p + 1;
	}
	/* the digits: log10 from log2 (1233 / 4096 ~ log10(2)), then exact */
	n = ((64 - __builtin_clzll(v)) * 1233) >> 12;
	n += v >= pow10[n];
	q = p + n;
	/* eight digits at a time in 32 bits, which divide for less */
	while (v >= 100000000) {
		w = v % 100000000;
		v /= 100000000;
		memcpy(q - 2, pairs + 2 * (w % 100), 2);
		w /= 100;
		memcpy(q - 4, pairs + 2 * (w % 100), 2);
		w /= 100;
		memcpy(q - 6, pairs + 2 * (w % 100), 2);
		memcpy(q - 8, pairs + 2 * (w / 100), 2);
		q -= 8;
	}
	w = v;
	while (w >= 100) {
		q -= 2;
		memcpy(q, pairs + 2 * (w % 100), 2);
		w /= 100;
	}
	if (w >= 10)
		memcpy(q - 2, pairs + 2 * w, 2);
	else
		q[-1] = '0' + w;
	return p + n;
}

/*
 * Copy @n bytes, few as a rule (keys, names, numbers): the size in two
 * overlapping moves rather than a call into the C library, which costs
 * more than the copy for such sizes.
 */
static inline void copy_short(char *d, const char *s, size_t n)
{
	uint64_t a, b;
	uint32_t c, e;

	if (n >= 8 && n <= 16) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(&c, s, 4);
		memcpy(&e, s + n - 4, 4);
		memcpy(d, &c, 4);
		memcpy(d + n - 4, &e, 4);
	} else if (n < 4) {
		while (n--)
			*d++ = *s++;
	} else {
		memcpy(d, s, n);
	}
}

/* The tables */
#define TS_OUT_COLS	40
/* a line: room for a path of PATH_MAX bytes, each escaped (6 bytes) */
#define TS_OUT_LINE	32768
#define TS_OUT_BLOCK	65536		/* rows a table holds before printing */

struct ts_out {
	FILE *f;
	const struct ts_opts *o;
	const char *type;		/* JSON "type" */
	ts_fields_fn fields;
	ts_json_fn json_line;		/* the whole JSON line at once, or NULL */
	bool json;
	bool stream;			/* print each row at once */
	bool heading;			/* the fields pass that names the columns */
	bool header_done;
	int ncol;
	const char *head[TS_OUT_COLS];
	int width[TS_OUT_COLS];
	/* the row being built: a JSON line, or text cells (NUL-terminated) */
	char line[TS_OUT_LINE];
	size_t len;
	bool first;			/* JSON: the first key of an object */
	int cells;
	/* text rows held back: their cells, one after the other */
	char *rows;
	size_t rlen, rcap, nrows;
};

/* Widths a live table starts with: what usual IPv4 values take */
static int hint(const char *head)
{
	static const struct {
		const char *head;
		int width;
	} hints[] = {
		{ "TIME", 12 }, { "SEQ", 7 }, { "COOKIE", 6 }, { "PID", 6 },
		{ "TID", 6 }, { "COMM", 9 }, { "LOCAL", 21 }, { "REMOTE", 21 },
		{ "OLDSTATE", 11 }, { "NEWSTATE", 11 }, { "MS", 7 },
		{ "CAUSE", 14 }, { "ROLE", 8 }, { "NETNS", 10 }, { "SND", 10 },
		{ "RCV", 10 }, { "TX_BYTES", 9 }, { "RX_BYTES", 9 },
		{ "LIFE_MS", 9 }, { "RTT_MS", 7 }, { "FROM", 11 },
		{ "CGROUP", 20 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (!strcmp(head, hints[i].head))
			return hints[i].width;
	return 0;
}

static bool shown(const struct ts_out *t, unsigned int show)
{
	const struct ts_opts *o = t->o;

	if (t->json)
		return (show & TS_J) || ((show & TS_JT) && o->time);
	return (show & TS_T) || ((show & TS_W) && o->wide) ||
	       ((show & TS_TT) && o->time) || ((show & TS_TID) && o->threads);
}

/* Would a field shown as @show appear? (to skip formatting it) */
bool ts_out_shows(const struct ts_out *t, unsigned int show)
{
	return shown(t, show) || t->heading;
}

/*
 * @n bytes at @p, cut short to leave the line's last byte free (@end: one
 * past the line's buffer)
 */
static inline char *put_at(char *p, char *end, const char *s, size_t n)
{
	size_t room = p < end - 1 ? end - 1 - p : 0;

	if (n > room)
		n = room;
	copy_short(p, s, n);
	return p + n;
}

static inline void put(struct ts_out *t, const char *s, size_t n)
{
	t->len = put_at(t->line + t->len, t->line + sizeof(t->line), s, n) -
		 t->line;
}

/*
 * A text cell; never empty, so that columns can be read by blanks. Each
 * ends with a NUL; however long the cells before, there is room left for
 * this one's NUL and a "-" for each after it (cut short if it must be).
 */
static void cell(struct ts_out *t, const char *head, const char *s)
{
	size_t n, room;

	if (t->heading) {
		if (t->ncol < TS_OUT_COLS)
			t->head[t->ncol++] = head;
		return;
	}
	if (t->cells >= t->ncol)
		return;
	if (!s || !*s)
		s = "-";
	room = sizeof(t->line) - t->len - 1 - 2 * (t->ncol - t->cells - 1);
	n = strlen(s);
	if (n > room)
		n = room;
	copy_short(t->line + t->len, s, n);
	t->len += n;
	t->line[t->len++] = '\0';
	t->cells++;
}

/*
 * ,"key": or, an object's first, "key": (every line has room for it: keys
 * are short, lines 32 KiB)
 */
static inline void json_key(struct ts_out *t, const char *key, size_t n)
{
	char *p;

	if (t->len + n + 4 >= sizeof(t->line))
		return;
	p = t->line + t->len;
	if (!t->first)
		*p++ = ',';
	t->first = false;
	*p++ = '"';
	copy_short(p, key, n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	t->len = p - t->line;
}

/*
 * @s at @p as a JSON string if it goes in as it is (printable ASCII, no
 * quote, no backslash: states, names, numbers, most strings), in one pass.
 * NULL, with nothing written, if it does not or has no room before @end.
 */
static char *plain_at(char *p, char *end, const char *s)
{
	/* a bit per byte: 0x20 to 0x7e but '"' (0x22) and '\\' (0x5c) */
	static const uint64_t plain[4] = {
		0xfffffffb00000000ULL, 0x7fffffffefffffffULL, 0, 0,
	};
	const unsigned char *c = (const unsigned char *)s;

	end -= 2;
	if (p >= end)
		return NULL;
	*p++ = '"';
	for (; *c; c++) {
		if (!(plain[*c >> 6] >> (*c & 63) & 1) || p >= end)
			return NULL;
		*p++ = *c;
	}
	*p++ = '"';
	return p;
}

/*
 * @s at @p as a JSON value: null if none, the string as it is, escaped,
 * or null if the escaped string has no room before @end
 */
char *ts_json_str(char *p, char *end, const char *s)
{
	char *q;

	if (!s)
		return put_at(p, end, "null", 4);
	q = plain_at(p, end, s);
	if (q)
		return q;
	if (strlen(s) * 6 + 2 < (size_t)(end - 1 - p))
		return json_str(p, s);
	return put_at(p, end, "null", 4);
}

/*
 * One of our own names (a state, cause, role or family, from the tables
 * of names.c: short, printable ASCII, no quote), or null: what
 * ts_json_str() writes, without looking at each byte (cli_test checks
 * that both agree on every name). 26 bytes of room.
 */
char *ts_json_name(char *p, const char *s)
{
	size_t n;

	if (!s) {
		memcpy(p, "null", 4);
		return p + 4;
	}
	n = strlen(s);
	*p++ = '"';
	copy_short(p, s, n);
	p[n] = '"';
	return p + n + 1;
}

/* The digits of @v at @p, or null (20 bytes of room) */
char *ts_json_num(char *p, bool known, uint64_t v)
{
	if (known)
		return put_u64(p, v);
	memcpy(p, "null", 4);
	return p + 4;
}

/* An address in quotes (INET6_ADDRSTRLEN + 2 bytes of room) */
char *ts_json_addr(char *p, int family, const uint8_t *addr)
{
	*p++ = '"';
	p = put_addr(p, family, addr);
	*p++ = '"';
	return p;
}

/* The line's end ("}\n"), cut short as put() cuts */
char *ts_json_end(char *p, char *end)
{
	return put_at(p, end, "}\n", 2);
}

/* One row of text: cells padded to the widths, one blank between */
static void print_cells(struct ts_out *t, const char *c)
{
	char out[TS_OUT_LINE + TS_OUT_COLS * 64];
	size_t n = 0, l;
	int i, pad;

	for (i = 0; i < t->ncol; i++) {
		l = strlen(c);
		if (n + l + 1 >= sizeof(out) - 1)
			break;
		memcpy(out + n, c, l);
		n += l;
		c += l + 1;
		if (i == t->ncol - 1)
			break;
		for (pad = t->width[i] - (int)l + 1; pad > 0 && n < sizeof(out) - 1; pad--)
			out[n++] = ' ';
	}
	out[n++] = '\n';
	fwrite(out, 1, n, t->f);
}

static void print_header(struct ts_out *t)
{
	char heads[TS_OUT_COLS * 16];
	size_t n = 0, l;
	int i;

	if (t->header_done)
		return;
	t->header_done = true;
	if (t->o->no_header)
		return;
	for (i = 0; i < t->ncol; i++) {
		l = strlen(t->head[i]);
		if (n + l + 1 > sizeof(heads))
			break;
		memcpy(heads + n, t->head[i], l + 1);
		n += l + 1;
	}
	print_cells(t, heads);
}

/* Make the columns as wide as the row needs: true if one grew */
static bool widen(struct ts_out *t, const char *c)
{
	bool grew = false;
	int i, l;

	for (i = 0; i < t->ncol; i++) {
		l = strlen(c);
		if (l > t->width[i]) {
			t->width[i] = l;
			grew = true;
		}
		c += l + 1;
	}
	return grew;
}

/* The rows held back, with the widths they need */
static void flush_rows(struct ts_out *t)
{
	const char *c = t->rows;
	size_t r;
	int i;

	print_header(t);
	for (r = 0; r < t->nrows; r++) {
		print_cells(t, c);
		for (i = 0; i < t->ncol; i++)
			c += strlen(c) + 1;
	}
	t->rlen = 0;
	t->nrows = 0;
}

static void hold_row(struct ts_out *t)
{
	char *grown;

	if (t->rlen + t->len > t->rcap) {
		t->rcap = (t->rcap + t->len) * 2;
		grown = realloc(t->rows, t->rcap);
		if (!grown) {
			perror("tcpstates");
			exit(1);
		}
		t->rows = grown;
	}
	memcpy(t->rows + t->rlen, t->line, t->len);
	t->rlen += t->len;
	if (++t->nrows == TS_OUT_BLOCK)
		flush_rows(t);
}

struct ts_out *ts_out_open(FILE *f, const struct ts_opts *o, const char *type,
			   ts_fields_fn fields, const void *blank, bool stream)
{
	struct ts_out *t = calloc(1, sizeof(*t));
	int i;

	if (!t) {
		perror("tcpstates");
		exit(1);
	}
	t->f = f;
	t->o = o;
	t->type = type;
	t->fields = fields;
	t->json = o->json;
	t->stream = stream;
	if (t->json)
		return t;
	t->heading = true;		/* the columns: the fields of a blank */
	fields(t, blank);
	t->heading = false;
	for (i = 0; i < t->ncol; i++) {
		t->width[i] = strlen(t->head[i]);
		if (stream && hint(t->head[i]) > t->width[i])
			t->width[i] = hint(t->head[i]);
	}
	if (stream)
		print_header(t);
	return t;
}

void ts_out_row(struct ts_out *t, const void *rec)
{
	t->len = 0;
	t->cells = 0;
	t->first = false;
	if (t->json && t->json_line) {
		t->len = t->json_line(t->line, t->line + sizeof(t->line), rec,
				      t->o) - t->line;
		fwrite(t->line, 1, t->len, t->f);
		return;
	}
	if (t->json) {
		put(t, "{\"type\":\"", 9);
		put(t, t->type, strlen(t->type));
		put(t, "\"", 1);
		t->fields(t, rec);
		put(t, "}\n", 2);
		fwrite(t->line, 1, t->len, t->f);
		return;
	}
	t->fields(t, rec);
	while (t->cells < t->ncol)
		cell(t, NULL, "-");
	if (widen(t, t->line) && t->stream) {
		t->header_done = false;		/* the header again, aligned */
		print_header(t);
	}
	if (t->stream)
		print_cells(t, t->line);
	else
		hold_row(t);
}

/*
 * Have @fn write each JSON line whole (NULL: a call per field, through the
 * fields function): a view's fast path, which must write the same bytes
 */
void ts_out_set_json(struct ts_out *t, ts_json_fn fn)
{
	t->json_line = fn;
}

void ts_out_close(struct ts_out *t)
{
	if (!t->json && !t->stream)
		flush_rows(t);
	free(t->rows);
	free(t);
}

void ts_out_num_k(struct ts_out *t, unsigned int show, const char *key,
		  size_t klen, const char *head, bool known, uint64_t v)
{
	char buf[24];

	if (!shown(t, show))
		return;
	if (!t->json) {
		*(known ? put_u64(buf, v) : buf) = '\0';
		cell(t, head, known ? buf : "-");
		return;
	}
	json_key(t, key, klen);
	if (!known)
		put(t, "null", 4);
	else if (t->len + 20 < sizeof(t->line))	/* the digits, in place */
		t->len = ts_json_num(t->line + t->len, true, v) - t->line;
}

void ts_out_str_k(struct ts_out *t, unsigned int show, const char *key,
		  size_t klen, const char *head, const char *s)
{
	if (!shown(t, show))
		return;
	if (!t->json) {
		cell(t, head, s);
		return;
	}
	json_key(t, key, klen);
	t->len = ts_json_str(t->line + t->len, t->line + sizeof(t->line), s) -
		 t->line;
}

/*
 * A name of any bytes (a command name, a cgroup path): octal escapes in
 * text, a JSON string in JSON
 */
void ts_out_comm_k(struct ts_out *t, unsigned int show, const char *key,
		   size_t klen, const char *head, const char *comm)
{
	char buf[1024];

	if (!shown(t, show))
		return;
	if (!t->json && comm) {
		ts_format_comm(comm, buf, sizeof(buf));
		cell(t, head, buf);
		return;
	}
	ts_out_str_k(t, show, key, klen, head, comm);
}

void ts_out_bool_k(struct ts_out *t, const char *key, size_t klen, bool v)
{
	if (!t->json)
		return;
	json_key(t, key, klen);
	if (v)
		put(t, "true", 4);
	else
		put(t, "false", 5);
}

/* "key":{ ... } in JSON, its fields between; nothing in text */
void ts_out_obj_begin_k(struct ts_out *t, const char *key, size_t klen)
{
	if (!t->json)
		return;
	json_key(t, key, klen);
	put(t, "{", 1);
	t->first = true;
}

void ts_out_obj_end(struct ts_out *t)
{
	if (!t->json)
		return;
	put(t, "}", 1);
	t->first = false;
}

void ts_out_raw_k(struct ts_out *t, const char *key, size_t klen,
		  const char *json)
{
	if (!t->json)
		return;
	json_key(t, key, klen);
	put(t, json, strlen(json));
}

/* An address in quotes (put_addr()) */
void ts_out_addr_k(struct ts_out *t, const char *key, size_t klen,
		   int family, const uint8_t *addr)
{
	char a[INET6_ADDRSTRLEN + 2];

	if (!t->json)
		return;
	json_key(t, key, klen);
	put(t, a, ts_json_addr(a, family, addr) - a);
}
