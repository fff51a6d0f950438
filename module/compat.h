/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpstates: every difference between kernel versions lives here, keyed on
 * what the kernel has (feature macros, or HAVE_* flags that Kbuild finds
 * in the headers), never on a distribution.
 */
#ifndef _TCPSTATES_COMPAT_H
#define _TCPSTATES_COMPAT_H

#include <linux/ptrace.h>
#include <net/sock.h>

/* The nth argument of the probed function, from a kprobe pre-handler. */
static inline unsigned long tcpstates_arg(struct pt_regs *regs, unsigned int n)
{
	return regs_get_kernel_argument(regs, n);
}

#endif /* _TCPSTATES_COMPAT_H */
