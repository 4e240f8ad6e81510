/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKM_H
#define PKM_H

/* libpkm: the PKM protocol shared by pkmd, pkmctl and the load generator. */
#include "pkm/cert.h"
#include "pkm/crypto.h"
#include "pkm/dreg.h"
#include "pkm/err.h"
#include "pkm/msg.h"
#include "pkm/tlv.h"

#endif
