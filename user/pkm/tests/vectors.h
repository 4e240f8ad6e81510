/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKM_VECTORS_H
#define PKM_VECTORS_H

/*
 * Fixed key-derivation inputs and outputs, computed once with libpkm and
 * checked against openssl(1) by tests/openssl-xcheck.sh (the same values
 * appear there and in Documentation/pkm-protocol.rst).
 */
#define VEC_AK		"000102030405060708090a0b0c0d0e0f10111213"
#define VEC_SS_MAC	"020000000002"
#define VEC_BSID	"020000000001"
#define VEC_KEK		"91cc150acdb7134cce2e91cf95e71ea7"
#define VEC_CMAC_UP	"2fd05fdd8ec21816f8d124dd9282a605"
#define VEC_CMAC_DOWN	"79a875bf9a45b0d698e3aa332cdae5cd"

#endif
