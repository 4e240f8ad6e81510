// SPDX-License-Identifier: GPL-2.0
/*
 * insnprof: a QEMU TCG plugin that counts the guest instructions executed
 * at each address, between marks the guest sets itself.
 *
 * Every translation block gets a counter that QEMU's generated code adds
 * one to each time the block runs; a block's instructions are its runs
 * times its length.  The guest marks an interval by executing the
 * instruction "xchg %bx,%bx" (bytes 66 87 db) in user mode, which
 * tools/bench/insnmark does.  At each mark the plugin writes OUT.N (N =
 * 1, 2, ...): one line per block that ran since the previous mark,
 *
 *	ADDRESS INSTRUCTIONS
 *
 * with ADDRESS the block's first guest virtual address in 16 hex digits.
 * Under -icount shift=0 every instruction is a nanosecond of guest time,
 * so these counts are exactly what the benchmark's clock counted (a block
 * left early by an exception counts whole: the error is small).
 *
 * Usage: qemu-system-x86_64 -plugin PATH/insnprof.so,out=PREFIX ...
 * (tools/vm-run --plugin).  The counters are not atomic: the counts are
 * exact with single-threaded TCG, which -icount implies.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_api.h"

PLUGIN_EXPORT int qemu_plugin_version = 1;

/* One translated block, found again by (address, length) when QEMU
 * translates the same code again. */
struct block_count {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t runs;		/* added to by the generated code */
	uint64_t runs_at_mark;
};

#define CHUNK_BLOCKS 4096

struct chunk {
	struct chunk *next;
	size_t used;
	struct block_count blocks[CHUNK_BLOCKS];
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct chunk *chunks;
static struct block_count **table;
static size_t table_size;	/* a power of two */
static size_t table_used;
static const char *out_prefix;
static unsigned int marks;

static const unsigned char mark_insn[] = { 0x66, 0x87, 0xdb };
/* The lowest address of the x86-64 kernel's half: marks come from user mode. */
#define KERNEL_HALF 0xffff800000000000ULL

static size_t slot_of(uint64_t vaddr, uint64_t insns)
{
	uint64_t h = (vaddr ^ (insns << 56)) * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 20) & (table_size - 1);
}

static int table_grow(void)
{
	size_t old_size = table_size, i, s;
	struct block_count **old = table;
	struct block_count **grown;

	grown = calloc(old_size ? old_size * 2 : 1u << 16, sizeof(*grown));
	if (!grown)
		return -1;	/* the old table stays */
	table = grown;
	table_size = old_size ? old_size * 2 : 1u << 16;
	for (i = 0; i < old_size; i++) {
		if (!old[i])
			continue;
		for (s = slot_of(old[i]->vaddr, old[i]->insns); table[s];
		     s = (s + 1) & (table_size - 1))
			;
		table[s] = old[i];
	}
	free(old);
	return 0;
}

/* The counter of block (vaddr, insns), created if new; NULL if out of memory. */
static struct block_count *block_find(uint64_t vaddr, uint64_t insns)
{
	struct block_count *b;
	size_t s;

	if ((table_used + 1) * 2 > table_size && table_grow())
		return NULL;
	for (s = slot_of(vaddr, insns); table[s]; s = (s + 1) & (table_size - 1))
		if (table[s]->vaddr == vaddr && table[s]->insns == insns)
			return table[s];
	if (!chunks || chunks->used == CHUNK_BLOCKS) {
		struct chunk *c = calloc(1, sizeof(*c));

		if (!c)
			return NULL;
		c->next = chunks;
		chunks = c;
	}
	b = &chunks->blocks[chunks->used++];
	b->vaddr = vaddr;
	b->insns = insns;
	table[s] = b;
	table_used++;
	return b;
}

/* Write OUT.N: the instructions of every block since the last mark. */
static void write_interval(void)
{
	char path[4096];
	struct chunk *c;
	size_t i;
	FILE *f;

	marks++;
	snprintf(path, sizeof(path), "%s.%u", out_prefix, marks);
	f = fopen(path, "w");
	if (!f) {
		qemu_plugin_outs("insnprof: cannot write the interval's counts\n");
		return;
	}
	for (c = chunks; c; c = c->next) {
		for (i = 0; i < c->used; i++) {
			struct block_count *b = &c->blocks[i];
			uint64_t runs = b->runs - b->runs_at_mark;

			if (!runs)
				continue;
			b->runs_at_mark = b->runs;
			fprintf(f, "%016" PRIx64 " %" PRIu64 "\n", b->vaddr,
				runs * b->insns);
		}
	}
	if (fclose(f))
		qemu_plugin_outs("insnprof: writing the interval's counts failed\n");
}

static void on_mark(unsigned int vcpu_index, void *userdata)
{
	(void)vcpu_index;
	(void)userdata;
	pthread_mutex_lock(&table_lock);
	write_interval();
	pthread_mutex_unlock(&table_lock);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), i;
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	struct block_count *b;

	(void)id;
	pthread_mutex_lock(&table_lock);
	b = block_find(vaddr, n);
	pthread_mutex_unlock(&table_lock);
	if (b)
		qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
							 &b->runs, 1);
	if (vaddr >= KERNEL_HALF)
		return;
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (qemu_plugin_insn_size(insn) == sizeof(mark_insn) &&
		    !memcmp(qemu_plugin_insn_data(insn), mark_insn, sizeof(mark_insn)))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark,
							       QEMU_PLUGIN_CB_NO_REGS,
							       NULL);
	}
}

PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
				      const struct qemu_info *info,
				      int argc, char **argv)
{
	int i;

	(void)info;
	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out_prefix = argv[i] + 4;
	if (!out_prefix || !*out_prefix) {
		qemu_plugin_outs("insnprof: usage: -plugin insnprof.so,out=PREFIX\n");
		return -1;
	}
	if (table_grow())
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	return 0;
}
