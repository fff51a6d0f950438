// SPDX-License-Identifier: GPL-2.0
/*
 * tbcount: a qemu TCG plugin that counts the guest kernel's instructions,
 * per translated block, for scripts/bench-insns.sh.
 *
 * Under TCG there is no PMU and perf's samples land where the emulated CPU
 * leaves its translated code (docs/bench/handlers-6.1.md), so a profile
 * tells which functions run, not how much. This plugin counts exactly:
 * every block of kernel text (start address at or above min=, default the
 * kernel half) gets an inline counter of its executions. A block's
 * instructions are its length times its count. The runner maps the start
 * addresses to symbols with the guest's /proc/kallsyms.
 *
 * Snapshots: the plugin polls for the file trigger= every 50 ms. When it
 * exists, its content (one word) names a snapshot: the plugin writes
 * "<out>.<name>" with a line "start_address length count" per block, then
 * removes the trigger. The guest cannot write host files, so the runner
 * writes the trigger when the guest prints a marker; counts are read while
 * the vCPU runs (plain 64-bit loads: a snapshot is exact to within the
 * blocks that run while it is written, as the guest idles then).
 *
 * Counts are exact with single-threaded TCG; with several vCPU threads the
 * inline adds race (qemu does not make them atomic).
 *
 * Built as a shared object against qemu's plugin API (version 1, qemu 7.2);
 * the declarations below are that API's, as documented in qemu-plugin.h
 * (Debian ships no header).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef uint64_t qemu_plugin_id_t;

typedef struct qemu_info_t {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
} qemu_info_t;

struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* A block, by start address and length (a start may be retranslated with
 * another length: each is counted apart). Blocks are never freed or moved:
 * translated code holds the address of their count.
 */
struct block {
	uint64_t start;
	uint64_t count;
	uint32_t len;
	struct block *next;	/* hash chain */
};

#define CHUNK 65536
#define NBUCKETS (1u << 20)

static struct block **buckets;
static struct block *chunk;
static size_t chunk_used = CHUNK;
static struct block **chunks;	/* every chunk, for the snapshots */
static size_t nchunks, chunks_cap;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t min_addr = 0xffff800000000000ull;
static const char *out_prefix = "tbcount";
static const char *trigger;

static struct block *block_get(uint64_t start, uint32_t len)
{
	size_t h = (size_t)((start ^ (start >> 20) ^ len) * 0x9e3779b97f4a7c15ull >> 44) &
		   (NBUCKETS - 1);
	struct block *b;

	for (b = buckets[h]; b; b = b->next)
		if (b->start == start && b->len == len)
			return b;
	if (chunk_used == CHUNK) {
		if (nchunks == chunks_cap) {
			size_t cap = chunks_cap ? 2 * chunks_cap : 64;
			struct block **n = realloc(chunks, cap * sizeof(*n));

			if (!n)
				return NULL;
			chunks = n;
			chunks_cap = cap;
		}
		chunk = calloc(CHUNK, sizeof(*chunk));
		if (!chunk)
			return NULL;
		chunks[nchunks++] = chunk;
		chunk_used = 0;
	}
	b = &chunk[chunk_used];
	b->start = start;
	b->len = len;
	b->next = buckets[h];
	buckets[h] = b;
	chunk_used++;
	return b;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t start = qemu_plugin_tb_vaddr(tb);
	struct block *b;

	(void)id;
	if (start < min_addr)
		return;
	pthread_mutex_lock(&lock);
	b = block_get(start, (uint32_t)qemu_plugin_tb_n_insns(tb));
	pthread_mutex_unlock(&lock);
	if (b)
		qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
							 &b->count, 1);
}

static void snapshot(const char *name)
{
	char path[4096], tmp[4200];
	size_t i, j, n, used;
	FILE *f;

	snprintf(path, sizeof(path), "%s.%s", out_prefix, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		perror(tmp);
		return;
	}
	/* under the lock: a new chunk may move the array of chunks */
	pthread_mutex_lock(&lock);
	n = nchunks;
	used = chunk_used;
	for (i = 0; i < n; i++) {
		size_t m = i + 1 == n ? used : CHUNK;

		for (j = 0; j < m; j++) {
			const struct block *b = &chunks[i][j];
			uint64_t c = __atomic_load_n(&b->count, __ATOMIC_RELAXED);

			if (c)
				fprintf(f, "%" PRIx64 " %u %" PRIu64 "\n", b->start, b->len, c);
		}
	}
	pthread_mutex_unlock(&lock);
	if (fclose(f) || rename(tmp, path))
		perror(path);
}

static void *poller(void *arg)
{
	char name[64];

	(void)arg;
	for (;;) {
		FILE *f = fopen(trigger, "r");

		if (f) {
			if (fscanf(f, "%63s", name) == 1 && !strchr(name, '/'))
				snapshot(name);
			fclose(f);
			unlink(trigger);
		}
		usleep(50000);
	}
	return NULL;
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
	(void)id;
	(void)p;
	snapshot("exit");
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			int argc, char **argv)
{
	pthread_t t;
	int i;

	(void)info;
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4)) {
			out_prefix = argv[i] + 4;
		} else if (!strncmp(argv[i], "trigger=", 8)) {
			trigger = argv[i] + 8;
		} else if (!strncmp(argv[i], "min=", 4)) {
			min_addr = strtoull(argv[i] + 4, NULL, 0);
		} else {
			fprintf(stderr, "tbcount: unknown argument %s\n", argv[i]);
			return -1;
		}
	}
	buckets = calloc(NBUCKETS, sizeof(*buckets));
	if (!buckets)
		return -1;
	if (trigger && pthread_create(&t, NULL, poller, NULL))
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
