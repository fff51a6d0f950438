// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: cgroups (v2). The module names a socket's cgroup by its
 * id, the inode number of the cgroup's directory under the cgroup2 mount
 * (what stat(2) gives as st_ino); people name it by its path under that
 * mount, as /proc/PID/cgroup shows it (/system.slice/nginx.service, a
 * container's scope). This file turns one into the other:
 *
 * - ts_cgroup_resolve(): a path (under the mount, or with the mount's
 *   own path in front) or a number, into an id, for the filter;
 * - ts_cgroup_path(): an id into its path, for the output, from a table
 *   of every cgroup made by walking the mount once; an id not in it
 *   (a cgroup made since) walks it again, at most once a second; one
 *   gone or never seen is NULL ("-" in text).
 *
 * The mount is the first cgroup2 file system in /proc/self/mountinfo.
 */
#define _GNU_SOURCE		/* nftw()'s FTW_ACTIONRETVAL */
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tcpstates.h"

struct cg {
	uint64_t id;
	char *path;		/* under the mount: "/", "/system.slice" */
};

static struct {
	bool looked;		/* for the mount */
	char *mount;		/* NULL: no cgroup2 mounted */
	dev_t dev;
	struct cg *cg;		/* sorted by id */
	size_t n, cap;
	double walked;		/* when (CLOCK_MONOTONIC seconds); 0: never */
} cgs;

/* mountinfo's octal escapes (\040 for a blank) undone, in place */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* The cgroup2 mount: field 5 of the first line whose type is cgroup2 */
static const char *mount_point(void)
{
	char line[4096], *f[6], *sep, *save, *tok;
	struct stat st;
	FILE *mi;
	int n;

	if (cgs.looked)
		return cgs.mount;
	cgs.looked = true;
	mi = fopen("/proc/self/mountinfo", "r");
	if (!mi)
		return NULL;
	while (fgets(line, sizeof(line), mi)) {
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		*sep = '\0';
		for (n = 0, tok = strtok_r(line, " ", &save); tok && n < 6;
		     tok = strtok_r(NULL, " ", &save))
			f[n++] = tok;
		if (n < 5)
			continue;
		unescape(f[4]);
		if (stat(f[4], &st))
			continue;
		cgs.mount = strdup(f[4]);
		cgs.dev = st.st_dev;
		break;
	}
	fclose(mi);
	return cgs.mount;
}

void ts_cgroup_set_root(const char *root)
{
	struct stat st;
	size_t i;

	for (i = 0; i < cgs.n; i++)
		free(cgs.cg[i].path);
	free(cgs.cg);
	free(cgs.mount);
	memset(&cgs, 0, sizeof(cgs));
	cgs.looked = true;
	if (root && !stat(root, &st)) {
		cgs.mount = strdup(root);
		cgs.dev = st.st_dev;
	}
}

/* "/" and the part of @full under the mount, or NULL if it is not under it */
static const char *under_mount(const char *full)
{
	size_t l = strlen(cgs.mount);

	while (l > 1 && cgs.mount[l - 1] == '/')
		l--;
	if (strncmp(full, cgs.mount, l) || (full[l] && full[l] != '/'))
		return NULL;
	return full[l] ? full + l : "/";
}

int ts_cgroup_resolve(const char *arg, uint64_t *id, char *err, size_t errlen)
{
	char full[4096];
	struct stat st;
	const char *p;

	if (isdigit((unsigned char)*arg)) {
		unsigned long long v;
		char *end;

		errno = 0;
		v = strtoull(arg, &end, 10);
		if (errno || *end || !v) {
			snprintf(err, errlen, "want a cgroup path (/system.slice/nginx.service) or a cgroup id (a number > 0)");
			return -1;
		}
		*id = v;
		return 0;
	}
	if (!mount_point()) {
		snprintf(err, errlen, "no cgroup2 file system is mounted (mount -t cgroup2 none /sys/fs/cgroup)");
		return -1;
	}
	if (*arg != '/') {
		snprintf(err, errlen, "want a path under the cgroup2 mount, from its top (/system.slice/nginx.service), or a cgroup id");
		return -1;
	}
	/* the mount's own path in front, or a path from the top of the mount */
	if (under_mount(arg))
		snprintf(full, sizeof(full), "%s", arg);
	else
		snprintf(full, sizeof(full), "%s%s", cgs.mount, arg);
	if (stat(full, &st) || !S_ISDIR(st.st_mode) || st.st_dev != cgs.dev) {
		p = under_mount(full);
		snprintf(err, errlen, "no cgroup %s under %s", p ? p : arg, cgs.mount);
		return -1;
	}
	*id = st.st_ino;
	return 0;
}

/* The table of every cgroup */
static int walk_cb(const char *fpath, const struct stat *st, int type,
		   struct FTW *ftw)
{
	struct cg *grown;
	const char *p;

	(void)ftw;
	if (type != FTW_D)
		return FTW_CONTINUE;
	if (st->st_dev != cgs.dev)
		return FTW_SKIP_SUBTREE;
	p = under_mount(fpath);
	if (!p)
		return FTW_CONTINUE;
	if (cgs.n == cgs.cap) {
		cgs.cap = cgs.cap ? cgs.cap * 2 : 256;
		grown = realloc(cgs.cg, cgs.cap * sizeof(*cgs.cg));
		if (!grown)
			return FTW_STOP;
		cgs.cg = grown;
	}
	cgs.cg[cgs.n].id = st->st_ino;
	cgs.cg[cgs.n].path = strdup(p);
	if (!cgs.cg[cgs.n].path)
		return FTW_STOP;
	cgs.n++;
	return FTW_CONTINUE;
}

static int cg_cmp(const void *a, const void *b)
{
	const struct cg *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void walk(void)
{
	size_t i;

	for (i = 0; i < cgs.n; i++)
		free(cgs.cg[i].path);
	cgs.n = 0;
	cgs.walked = now_s();
	nftw(cgs.mount, walk_cb, 32, FTW_PHYS | FTW_ACTIONRETVAL);
	qsort(cgs.cg, cgs.n, sizeof(*cgs.cg), cg_cmp);
}

static const struct cg *find(uint64_t id)
{
	struct cg key = { .id = id };

	return cgs.n ? bsearch(&key, cgs.cg, cgs.n, sizeof(*cgs.cg), cg_cmp) :
		       NULL;
}

const char *ts_cgroup_path(uint64_t id)
{
	const struct cg *c;

	if (!id || !mount_point())
		return NULL;
	if (!cgs.walked)
		walk();
	c = find(id);
	if (!c && now_s() - cgs.walked >= 1.0) {	/* made since? */
		walk();
		c = find(id);
	}
	return c ? c->path : NULL;
}
