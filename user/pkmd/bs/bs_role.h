/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_BS_ROLE_H
#define PKMD_BS_ROLE_H

#include "pkmd.h"

/* The BS role, as main.c starts it (bs.c). */
extern const struct role_ops bs_role;

#endif
