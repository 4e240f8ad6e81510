// SPDX-License-Identifier: GPL-2.0
#include "pkm/err.h"

const char *pkm_strerror(int err)
{
	switch (err) {
	case PKM_OK:		return "success";
	case PKM_E_TRUNCATED:	return "truncated";
	case PKM_E_LENGTH:	return "bad length encoding";
	case PKM_E_NOSPACE:	return "no space in buffer";
	case PKM_E_HEADER:	return "bad message header";
	case PKM_E_MISSING:	return "required attribute missing";
	case PKM_E_UNEXPECTED:	return "unexpected or repeated attribute";
	case PKM_E_VALUE:	return "bad attribute value";
	case PKM_E_DIGEST:	return "digest or signature mismatch";
	case PKM_E_REPLAY:	return "replayed packet number";
	case PKM_E_CRYPTO:	return "cryptographic library failure";
	case PKM_E_CERT:	return "certificate refused";
	case PKM_E_UNWRAP:	return "key unwrap integrity failure";
	case PKM_E_INVAL:	return "invalid argument";
	case PKM_E_UNVERIFIED:	return "message not verified";
	case PKM_E_NOMEM:	return "out of memory";
	case PKM_E_OLD_ENCODING:
		return "wman encoding from before 802.16 conformance";
	}
	return "unknown error";
}
