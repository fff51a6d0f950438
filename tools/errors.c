// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates CLI: failures as users need them. One line on stderr naming
 * the cause, and an exit status: 2 for a usage error (an unknown option,
 * a bad value) and for a module that is not loaded (with how to load
 * it), 1 for a runtime error (permission denied names CAP_NET_ADMIN). A
 * reader that went away (| head) ends the program quietly, with 0.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpstates.h"

volatile int ts_stop;

void ts_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("tcpstates: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see tcpstates --help)\n", stderr);
	exit(2);
}

void ts_nl_fail(const struct ts_nl *nl, const char *what, int err,
		const struct ts_opts *o)
{
	fflush(stdout);
	if (err == -ENOENT && !nl->family_id) {
		fprintf(stderr, "tcpstates: the tcpstates kernel module is not loaded; load it with: sudo modprobe tcpstates (or sudo insmod tcpstates.ko)\n");
		exit(2);
	}
	if (err == -EPERM || err == -EACCES) {
		if (o && o->f.all_netns)
			fprintf(stderr, "tcpstates: %s: permission denied: --netns all needs CAP_NET_ADMIN in the initial user namespace\n", what);
		else if (o && o->f.netns_fd >= 0)
			fprintf(stderr, "tcpstates: %s: permission denied: another namespace needs CAP_NET_ADMIN in the initial user namespace\n", what);
		else
			fprintf(stderr, "tcpstates: %s: permission denied: needs CAP_NET_ADMIN (run as root)\n", what);
		exit(1);
	}
	fprintf(stderr, "tcpstates: %s: %s%s%s\n", what, strerror(-err),
		nl->err[0] ? ": " : "", nl->err);
	exit(1);
}

/* Write out what is buffered; a closed pipe ends the program, quietly */
void ts_flush(FILE *f)
{
	if (fflush(f) != EOF && !ferror(f))
		return;
	if (errno == EPIPE)
		exit(0);
	fprintf(stderr, "tcpstates: writing the output: %s\n", strerror(errno));
	exit(1);
}
