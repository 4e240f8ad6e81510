// SPDX-License-Identifier: GPL-2.0
/* Error strings. */
#include "keytree.h"

const char *keytree_strerror(int err)
{
	switch (err) {
	case KEYTREE_OK:		return "success";
	case KEYTREE_ERR_INVAL:		return "invalid argument";
	case KEYTREE_ERR_NOMEM:		return "out of memory";
	case KEYTREE_ERR_NOSPC:		return "buffer too small";
	case KEYTREE_ERR_CRYPTO:	return "cryptographic library failure";
	case KEYTREE_ERR_FULL:		return "tree full";
	case KEYTREE_ERR_NOT_MEMBER:	return "leaf holds no member";
	case KEYTREE_ERR_NOTHING:	return "nothing staged";
	case KEYTREE_ERR_BUSY:		return "changes staged";
	case KEYTREE_ERR_STALE:		return "state or plan out of date";
	case KEYTREE_ERR_MALFORMED:	return "malformed message";
	case KEYTREE_ERR_AUTH:		return "authentication failed";
	case KEYTREE_ERR_REPLAY:	return "sequence number not fresh";
	case KEYTREE_ERR_GROUP:		return "message for another group";
	case KEYTREE_ERR_NOT_FOR_ME:	return "message for another member";
	case KEYTREE_ERR_INCOMPLETE:	return "more messages of this rekey needed";
	case KEYTREE_ERR_CORRUPT:	return "saved state corrupt";
	case KEYTREE_ERR_VERSION:	return "unknown format version";
	case KEYTREE_ERR_EMPTY:		return "group has no member";
	case KEYTREE_ERR_NO_KEY:	return "no group key yet";
	default:			return "unknown error";
	}
}
