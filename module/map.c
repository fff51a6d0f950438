// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: the mapped ring, /proc/tcpstates_map: the events in shared
 * memory, for the reader that sees every field of every namespace
 * (view.c), so that a live reader takes them without a message each.
 *
 * The ring (ring.c) owns the records and writes them while a mapped
 * reader is there; this file lets such a reader in and tells it where it
 * stands:
 * - open() checks the rule once, with the opener's credentials; the file
 *   is the capability, as every /proc file's is;
 * - read() returns struct tcpstates_map_info (uapi): the layout, and the
 *   first event written for this file;
 * - mmap() maps the records read-only (never writable, mprotect included);
 * - poll() is woken by a work item the ring queues 20 ms after events
 *   came (at once after a quarter of the ring), as the multicast sender
 *   is: a burst costs one wakeup, and no
 *   handler ever wakes anyone.
 * Loss stays exact: the reader sees a jump in sequence numbers where the
 * ring overwrote what it had not read, and TCPSTATES_A_STATS_RING_OVERWRITTEN
 * counts those for everyone.
 *
 * An open file (a mapping holds its file open) holds the module: its
 * pages, its wait queue and its code stay until the last one is closed
 * and unmapped, and rmmod says it is in use until then. proc_ops have no
 * owner to do it for us.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "tcpstates.h"
#include "compat.h"

/**
 * struct tcpstates_mapper - one open /proc/tcpstates_map
 * @info: what read() returns
 * @seen: the next sequence number, when poll() last reported news
 */
struct tcpstates_mapper {
	struct tcpstates_map_info info;
	u64 seen;
};

static struct {
	struct delayed_work work;
	wait_queue_head_t wait;
	struct proc_dir_entry *proc;
} map;

static void tcpstates_map_wake(struct work_struct *work)
{
	wake_up_interruptible_all(&map.wait);
}

static int tcpstates_map_open(struct inode *inode, struct file *file)
{
	struct tcpstates_viewer v;
	struct tcpstates_mapper *m;
	u32 nrecs;

	tcpstates_viewer_of_file(&v, file);
	if (!tcpstates_view_may_map(&v))
		return -EPERM;
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		goto out_put_module;
	m->info.version = TCPSTATES_MAP_VERSION;
	m->info.rec_size = sizeof(struct tcpstates_map_rec);
	m->info.map_size = tcpstates_ring_map_layout(&nrecs);
	m->info.nrecs = nrecs;
	m->info.netns_id = v.netns_id;
	m->info.start_seq = tcpstates_ring_map_begin();
	m->seen = m->info.start_seq;
	file->private_data = m;
	tcpstates_count(TCPSTATES_C_READERS_OPEN, 1);
	return 0;

out_put_module:
	module_put(THIS_MODULE);
	return -ENOMEM;
}

static int tcpstates_map_release(struct inode *inode, struct file *file)
{
	tcpstates_ring_map_end();
	tcpstates_count(TCPSTATES_C_READERS_OPEN, -1);
	kfree(file->private_data);
	/* proc_remove() waits for a release under way: rmmod cannot overtake */
	module_put(THIS_MODULE);
	return 0;
}

static ssize_t tcpstates_map_read(struct file *file, char __user *buf,
				  size_t len, loff_t *pos)
{
	struct tcpstates_mapper *m = file->private_data;

	if (*pos == 0 && len < sizeof(m->info))
		return -EINVAL;
	return simple_read_from_buffer(buf, len, pos, &m->info,
				       sizeof(m->info));
}

static int tcpstates_map_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_flags & (VM_WRITE | VM_EXEC))
		return -EPERM;
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	tcpstates_vma_no_write(vma);
	return tcpstates_ring_map_vma(vma);
}

static __poll_t tcpstates_map_poll(struct file *file, poll_table *pt)
{
	struct tcpstates_mapper *m = file->private_data;
	u64 next;

	poll_wait(file, &map.wait, pt);
	next = tcpstates_ring_next_seq();
	if (next == READ_ONCE(m->seen))
		return 0;
	WRITE_ONCE(m->seen, next);
	return EPOLLIN | EPOLLRDNORM;
}

static const struct proc_ops tcpstates_map_proc_ops = {
	.proc_open = tcpstates_map_open,
	.proc_release = tcpstates_map_release,
	.proc_read = tcpstates_map_read,
	.proc_mmap = tcpstates_map_mmap,
	.proc_poll = tcpstates_map_poll,
	.proc_lseek = default_llseek,
};

/**
 * tcpstates_map_init() - create /proc/tcpstates_map; before the probes run
 *
 * Return: 0 or -ENOMEM.
 */
int tcpstates_map_init(void)
{
	INIT_DELAYED_WORK(&map.work, tcpstates_map_wake);
	init_waitqueue_head(&map.wait);
	tcpstates_ring_set_map_work(&map.work);
	map.proc = proc_create("tcpstates_map", 0400, NULL,
			       &tcpstates_map_proc_ops);
	if (!map.proc)
		return -ENOMEM;
	return 0;
}

/**
 * tcpstates_map_exit() - remove the file; after the probes stopped
 *
 * No file is open (each holds the module); proc_remove() waits for an
 * open or a release under way.
 */
void tcpstates_map_exit(void)
{
	proc_remove(map.proc);
	cancel_delayed_work_sync(&map.work);
}
