// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: -N, the network namespace to show, as ss and ip take it:
 * a name (ip netns: /run/netns/NAME), a path (/proc/PID/ns/net, a bind
 * mount), or an inode number (readlink /proc/PID/ns/net), found by
 * looking for a process in that namespace; "all" for every namespace.
 *
 * The kernel gives a freed namespace's inode number to the next one, so a
 * number alone could name another namespace by the time the module reads
 * it: the CLI opens a file of the namespace and keeps it open while it
 * makes its requests (the module takes the file, TCPSTATES_A_FILTER_NETNS_FD;
 * and while the file is open no other namespace can have that inode, so
 * live events are matched by it).
 */
#define _GNU_SOURCE	/* CLONE_NEWNET */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/nsfs.h>

#include "tcpstates.h"

/* An open file of a network namespace, or -1 and why not */
static int open_netns(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		snprintf(err, errlen, "%s is not a network namespace", path);
		close(fd);
		return -1;
	}
	return fd;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A file of the namespace with inode @ino: a process in it, or ip netns's */
static int find_inode(unsigned long long ino, char *path, size_t len)
{
	static const char *const dirs[] = { "/run/netns", "/proc" };
	struct dirent *d;
	struct stat st;
	unsigned int i;
	DIR *dir;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		dir = opendir(dirs[i]);
		if (!dir)
			continue;
		while ((d = readdir(dir))) {
			if (i == 0 && d->d_name[0] == '.')
				continue;
			if (i == 1 && !all_digits(d->d_name))
				continue;
			snprintf(path, len, i ? "%s/%s/ns/net" : "%s/%s", dirs[i],
				 d->d_name);
			if (!stat(path, &st) && st.st_ino == ino) {
				closedir(dir);
				return 0;
			}
		}
		closedir(dir);
	}
	return -1;
}

int ts_netns_resolve(const char *arg, struct ts_filter *f, char *err,
		     size_t errlen)
{
	char path[PATH_MAX];
	struct stat st, own;
	int fd;

	if (!strcmp(arg, "all")) {
		f->all_netns = true;
		return 0;
	}
	if (!*arg) {
		snprintf(err, errlen, "an empty name");
		return -1;
	}
	if (strchr(arg, '/')) {
		snprintf(path, sizeof(path), "%s", arg);
	} else {
		snprintf(path, sizeof(path), "/run/netns/%s", arg);
		if (access(path, F_OK)) {
			if (!all_digits(arg)) {
				snprintf(err, errlen, "no network namespace named '%s' (ip netns list)",
					 arg);
				return -1;
			}
			if (find_inode(strtoull(arg, NULL, 10), path, sizeof(path))) {
				snprintf(err, errlen, "no process is in network namespace %s (and no name in /run/netns has it)",
					 arg);
				return -1;
			}
		}
	}
	fd = open_netns(path, err, errlen);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	/* one's own namespace is what a reader sees anyway */
	if (!stat("/proc/self/ns/net", &own) && own.st_dev == st.st_dev &&
	    own.st_ino == st.st_ino) {
		close(fd);
		return 0;
	}
	if (f->netns_fd >= 0)
		close(f->netns_fd);
	f->netns_fd = fd;
	f->netns_ino = st.st_ino;
	return 0;
}
