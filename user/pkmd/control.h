/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_CONTROL_H
#define PKMD_CONTROL_H

#include "pkmd.h"

/*
 * The control socket (Documentation/control-plane.rst, "Control
 * protocol"): a unix stream socket; each request is one line of JSON, each
 * response one line of JSON.  pkmctl is its client.
 */
int control_open(struct pkmd *d, const char *path);
void control_close(void);

#endif
