/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The objects of the command line (one file each) and what they share.
 */
#ifndef WMAN_H
#define WMAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"
#include "netlink.h"
#include "parse.h"

#define WMAN_TOOL_VERSION	"0.1"

/* -s: print counters. */
extern bool show_stats;

/*
 * Runs the command named by argv[0] from commands, "show" when there is
 * none; "help" prints usage.  Exits naming the word when it matches none.
 */
int command_dispatch(const char *object, const struct command *commands,
		     void (*usage)(FILE *out), int argc, char **argv);

int do_link(int argc, char **argv);
int do_conn(int argc, char **argv);
int do_sa(int argc, char **argv);
int do_tek(int argc, char **argv);
int do_group(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_mgmt(int argc, char **argv);
int do_monitor(int argc, char **argv);

/* link.c: the wman devices, or the one of ifindex when it is not 0. */
int link_collect(struct wman_nl *nl, uint32_t ifindex, struct vec *links);
int link_show(uint32_t ifindex, bool with_stats);

/* sa.c: the SAs of a device, or the one of said when it is not -1. */
int sa_collect(struct wman_nl *nl, uint32_t ifindex, int said,
	       struct vec *sas);

/* tek.c: one TEK; standalone adds its SAID, else it sits under its SA. */
void tek_print(const struct tek_info *tek, unsigned int indent,
	       bool standalone);

/* stats.c: a counter set, on lines indented by indent levels in text. */
void counters_print(const struct counters *counters, unsigned int indent);

#endif /* WMAN_H */
