/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_SS_ROLE_H
#define PKMD_SS_ROLE_H

#include "pkmd.h"

/* The SS role, as main.c starts it (ss.c). */
extern const struct role_ops ss_role;

#endif
