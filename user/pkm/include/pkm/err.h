/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKM_ERR_H
#define PKM_ERR_H

/*
 * Every libpkm function that can fail returns 0 or one of these negative
 * values; pkm_strerror() names them for log lines.
 */
enum pkm_err {
	PKM_OK = 0,
	PKM_E_TRUNCATED = -1,	/* input ends inside a header or a value */
	PKM_E_LENGTH = -2,	/* length field non-minimal or too large */
	PKM_E_NOSPACE = -3,	/* output buffer too small */
	PKM_E_HEADER = -4,	/* management type or PKM code wrong */
	PKM_E_MISSING = -5,	/* a required attribute is absent */
	PKM_E_UNEXPECTED = -6,	/* attribute not allowed here, or repeated */
	PKM_E_VALUE = -7,	/* attribute value has a wrong size or range */
	PKM_E_DIGEST = -8,	/* digest or signature does not verify */
	PKM_E_REPLAY = -9,	/* packet number already used */
	PKM_E_CRYPTO = -10,	/* OpenSSL failed */
	PKM_E_CERT = -11,	/* certificate refused */
	PKM_E_UNWRAP = -12,	/* key unwrap integrity check failed */
	PKM_E_INVAL = -13,	/* bad argument from the caller */
	PKM_E_UNVERIFIED = -14,	/* message used before pkm_msg_verify() */
	PKM_E_NOMEM = -15,
	/*
	 * An encoding wman used before it followed 802.16's attribute
	 * layouts (CMAC-Digest 140, a flat suite list...): the peer runs
	 * an older version.  The parser names the encoding it met.
	 */
	PKM_E_OLD_ENCODING = -16,
};

const char *pkm_strerror(int err);

#endif
