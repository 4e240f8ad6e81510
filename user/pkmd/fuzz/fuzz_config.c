// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the configuration reader: any bytes are either a
 * configuration or a list of problems, each naming the file, never a
 * crash, a leak or an overflow.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static void check_report(void *arg, const char *line)
{
	(void)arg;
	/* Every report names the file first. */
	if (strncmp(line, "fuzz.conf:", 10) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	int problems;

	problems = config_load_string("fuzz.conf", (const char *)data, size,
				      &cfg, check_report, NULL);
	if (!problems) {
		/* An accepted file is complete and consistent. */
		if (cfg.role != ROLE_BS && cfg.role != ROLE_SS)
			abort();
		if (!cfg.control[0] || !cfg.interface[0])
			abort();
		if (cfg.role == ROLE_BS &&
		    (uint64_t)cfg.timers.tek_grace * 2 > cfg.tek_lifetime)
			abort();
		for (size_t i = 1; i < cfg.n_groups; i++)
			if (cfg.groups[i - 1].id >= cfg.groups[i].id)
				abort();
	}
	config_free(&cfg);
	return 0;
}
