// SPDX-License-Identifier: GPL-2.0
/*
 * insnmark: execute the marker instruction that tools/bench/insnprof's QEMU
 * plugin counts intervals by ("xchg %bx,%bx", a no-op on the CPU).  Each
 * run ends one interval and starts the next.  Without the plugin it does
 * nothing.
 */
int main(void)
{
	__asm__ volatile(".byte 0x66, 0x87, 0xdb" ::: "memory");
	return 0;
}
