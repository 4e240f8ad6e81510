// SPDX-License-Identifier: GPL-2.0
/*
 * The nonce audit's core: key logs in, frames in, verdicts out.  The
 * frame layout and the nonces are those of Documentation/frame-format.rst;
 * the AEADs are OpenSSL's.
 */

#include "audit.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pcap/pcap.h>

#define ETH_HLEN		14
#define ETHERTYPE_WMAN		0x88b5
#define SLL_HLEN		16
#define SLL2_HLEN		20

#define GMH_LEN			6
#define GMH_HT			0x80
#define GMH_EC			0x40
#define PN_LEN			4
#define PN_UPLINK		0x80000000u
#define PDU_LEN_MAX		2047	/* LEN is 11 bits */
#define CCM_ICV_LEN		8
#define GCM_ICV_LEN		16

/* (CID, EKS) -> the key and suite that opened the last PDU there */
#define CACHE_SLOTS		(1u << 18)

struct install {
	double time;
	uint16_t said;
	uint8_t eks;
	uint8_t suite;
	uint32_t lifetime;
	enum audit_role role;
};

struct key {
	uint8_t bytes[AUDIT_KEY_LEN];
	struct install *installs;
	size_t n_installs, cap_installs;
	uint64_t frames;		/* PDUs it opened */
};

struct cache_slot {
	uint32_t key_plus1;		/* 0: empty */
	uint8_t suite;
};

/* A PDU already attributed: (key, suite, PN) and what its nonce and bytes were. */
struct seen {
	uint32_t key;
	uint32_t pn;
	uint8_t suite;
	uint8_t gmh[5];			/* the nonce's header part */
	uint8_t digest[16];		/* of the whole MAC PDU */
	uint32_t source;
	uint64_t index;
	double time;
	uint32_t next;			/* chain; 0: end (index + 1 otherwise) */
};

struct audit {
	struct audit_options opt;
	struct key *keys;
	size_t n_keys, cap_keys;
	struct cache_slot *cache;
	struct seen *seen;
	size_t n_seen, cap_seen;
	uint32_t *buckets;		/* seen index + 1 */
	size_t n_buckets;
	char **sources;
	size_t n_sources;
	EVP_CIPHER *ccm, *gcm;
	EVP_CIPHER_CTX *ctx;
	EVP_MD *sha256;
	struct audit_counts counts;
	unsigned int told_reuse, told_expired, told_repeat;
	uint8_t plain[PDU_LEN_MAX];
};

/* ---- key log lines ------------------------------------------------------- */

static const char *suite_name(uint8_t suite)
{
	switch (suite) {
	case AUDIT_SUITE_CCM:
		return "aes-ccm";
	case AUDIT_SUITE_GCM:
		return "aes-gcm";
	default:
		return "-";
	}
}

static int parse_suite(const char *s, uint8_t *out)
{
	char *end;
	unsigned long v;

	if (!strcmp(s, "-")) {
		*out = AUDIT_SUITE_ANY;
		return 0;
	}
	if (!strcmp(s, "aes-ccm")) {
		*out = AUDIT_SUITE_CCM;
		return 0;
	}
	if (!strcmp(s, "aes-gcm")) {
		*out = AUDIT_SUITE_GCM;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || (v != AUDIT_SUITE_CCM && v != AUDIT_SUITE_GCM))
		return -1;
	*out = (uint8_t)v;
	return 0;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 0);
	return errno || *end || *out > max ? -1 : 0;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int parse_key(const char *s, uint8_t key[AUDIT_KEY_LEN])
{
	if (strlen(s) != 2 * AUDIT_KEY_LEN)
		return -1;
	for (size_t i = 0; i < AUDIT_KEY_LEN; i++) {
		int hi = hex_nibble(s[2 * i]), lo = hex_nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int keylog_parse_line(const char *line, struct keylog_entry *out,
		      char *why, size_t why_len)
{
	enum { F_TIME, F_SAID, F_EKS, F_SUITE, F_KEY, F_LIFETIME, F_ORIGIN, F_COUNT };
	static const char *const names[F_COUNT] = {
		"time", "SAID", "EKS", "suite", "key", "lifetime", "origin",
	};
	char copy[512], *field[F_COUNT], *save = NULL, *tok, *end;
	unsigned long v;
	int n = 0;

	if (strlen(line) >= sizeof(copy)) {
		snprintf(why, why_len, "line too long");
		return -1;
	}
	strcpy(copy, line);
	copy[strcspn(copy, "\r\n")] = '\0';
	tok = strtok_r(copy, " \t", &save);
	if (!tok || tok[0] == '#')
		return 0;
	for (; tok; tok = strtok_r(NULL, " \t", &save)) {
		if (n == F_COUNT) {
			snprintf(why, why_len, "more than %d fields", F_COUNT);
			return -1;
		}
		field[n++] = tok;
	}
	if (n < F_COUNT) {
		snprintf(why, why_len, "no %s field (expected: time SAID EKS suite key lifetime origin)",
			 names[n]);
		return -1;
	}

	memset(out, 0, sizeof(*out));
	errno = 0;
	out->time = strtod(field[F_TIME], &end);
	if (errno || *end || !isfinite(out->time) || out->time < 0) {
		snprintf(why, why_len, "bad time '%s'", field[F_TIME]);
		return -1;
	}
	if (parse_ulong(field[F_SAID], 0xffff, &v)) {
		snprintf(why, why_len, "bad SAID '%s'", field[F_SAID]);
		return -1;
	}
	out->said = (uint16_t)v;
	if (parse_ulong(field[F_EKS], 3, &v)) {
		snprintf(why, why_len, "bad EKS '%s'", field[F_EKS]);
		return -1;
	}
	out->eks = (uint8_t)v;
	if (parse_suite(field[F_SUITE], &out->suite)) {
		snprintf(why, why_len, "bad suite '%s' (aes-ccm, aes-gcm or -)",
			 field[F_SUITE]);
		return -1;
	}
	if (parse_key(field[F_KEY], out->key)) {
		snprintf(why, why_len, "the key is not %d hex digits",
			 2 * AUDIT_KEY_LEN);
		return -1;
	}
	if (parse_ulong(field[F_LIFETIME], UINT32_MAX, &v)) {
		snprintf(why, why_len, "bad lifetime '%s'", field[F_LIFETIME]);
		return -1;
	}
	out->lifetime = (uint32_t)v;
	snprintf(out->origin, sizeof(out->origin), "%s", field[F_ORIGIN]);
	return 1;
}

int keylog_format(const struct keylog_entry *e, char *buf, size_t len)
{
	char hex[2 * AUDIT_KEY_LEN + 1];

	for (size_t i = 0; i < AUDIT_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", e->key[i]);
	return snprintf(buf, len, "%.6f 0x%04x %u %s %s %" PRIu32 " %s",
			e->time, e->said, e->eks, suite_name(e->suite), hex,
			e->lifetime, e->origin[0] ? e->origin : "-");
}

static enum audit_role origin_role(const char *origin)
{
	if (!strncmp(origin, "bs", 2))
		return ROLE_BS;
	if (!strncmp(origin, "ss", 2))
		return ROLE_SS;
	return ROLE_UNKNOWN;
}

/* ---- set-up ---------------------------------------------------------------- */

struct audit *audit_new(const struct audit_options *opt)
{
	struct audit *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->opt = *opt;
	a->cache = calloc(CACHE_SLOTS, sizeof(*a->cache));
	a->ccm = EVP_CIPHER_fetch(NULL, "AES-128-CCM", NULL);
	a->gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	a->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	a->ctx = EVP_CIPHER_CTX_new();
	if (!a->cache || !a->ccm || !a->gcm || !a->sha256 || !a->ctx) {
		audit_free(a);
		return NULL;
	}
	return a;
}

void audit_free(struct audit *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n_keys; i++)
		free(a->keys[i].installs);
	/* the keys are test material, but wipe them as any key copy */
	if (a->keys)
		OPENSSL_cleanse(a->keys, a->cap_keys * sizeof(*a->keys));
	free(a->keys);
	free(a->cache);
	free(a->seen);
	free(a->buckets);
	for (size_t i = 0; i < a->n_sources; i++)
		free(a->sources[i]);
	free(a->sources);
	EVP_CIPHER_free(a->ccm);
	EVP_CIPHER_free(a->gcm);
	EVP_MD_free(a->sha256);
	EVP_CIPHER_CTX_free(a->ctx);
	free(a);
}

static int grow(void **array, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*array, n * size);
	if (!p)
		return -1;
	memset((char *)p + *cap * size, 0, (n - *cap) * size);
	*array = p;
	*cap = n;
	return 0;
}

int audit_add_key(struct audit *a, const struct keylog_entry *e)
{
	struct key *k = NULL;
	struct install *in;

	for (size_t i = 0; i < a->n_keys; i++) {
		if (!memcmp(a->keys[i].bytes, e->key, AUDIT_KEY_LEN)) {
			k = &a->keys[i];
			break;
		}
	}
	if (!k) {
		if (grow((void **)&a->keys, &a->cap_keys, a->n_keys + 1,
			 sizeof(*a->keys)))
			return -1;
		k = &a->keys[a->n_keys++];
		memcpy(k->bytes, e->key, AUDIT_KEY_LEN);
	}
	if (grow((void **)&k->installs, &k->cap_installs, k->n_installs + 1,
		 sizeof(*k->installs)))
		return -1;
	in = &k->installs[k->n_installs++];
	in->time = e->time;
	in->said = e->said;
	in->eks = e->eks;
	in->suite = e->suite;
	in->lifetime = e->lifetime;
	in->role = origin_role(e->origin);
	return 0;
}

int audit_load_keylog(struct audit *a, const char *path, FILE *err)
{
	struct keylog_entry e;
	char line[1024], why[128];
	unsigned int lineno = 0;
	FILE *f = fopen(path, "r");
	int rc = 0;

	if (!f) {
		fprintf(err, "nonce-audit: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		switch (keylog_parse_line(line, &e, why, sizeof(why))) {
		case 1:
			if (audit_add_key(a, &e)) {
				fprintf(err, "nonce-audit: out of memory\n");
				rc = -1;
			}
			break;
		case 0:
			break;
		default:
			fprintf(err, "nonce-audit: %s:%u: %s\n", path, lineno, why);
			rc = -1;
		}
		if (rc)
			break;
	}
	memset(&e, 0, sizeof(e));
	memset(line, 0, sizeof(line));
	fclose(f);
	return rc;
}

/* ---- frames ---------------------------------------------------------------- */

/* CRC-8, polynomial 0x07, over GMH bytes 0-4 (frame-format.rst). */
static uint8_t gmh_hcs(const uint8_t *gmh)
{
	uint8_t c = 0;

	for (int i = 0; i < 5; i++) {
		c ^= gmh[i];
		for (int b = 0; b < 8; b++)
			c = (uint8_t)(c & 0x80 ? (c << 1) ^ 0x07 : c << 1);
	}
	return c;
}

static size_t icv_len(uint8_t suite)
{
	return suite == AUDIT_SUITE_GCM ? GCM_ICV_LEN : CCM_ICV_LEN;
}

/*
 * Whether key opens the PDU under suite.  The nonce is GMH bytes 0-4,
 * zeros and the PN as carried; no associated data (crypto.c's
 * ccm_build_iv and gcm_build_iv).
 */
static bool pdu_opens(struct audit *a, const uint8_t *key, uint8_t suite,
		      const uint8_t *pdu, size_t len)
{
	size_t icv = icv_len(suite);
	const uint8_t *ct = pdu + GMH_LEN + PN_LEN, *tag = pdu + len - icv;
	int ct_len = (int)(len - GMH_LEN - PN_LEN - icv), out_len;
	uint8_t iv[13] = { 0 };
	EVP_CIPHER_CTX *ctx = a->ctx;
	bool ok = false;

	if (suite == AUDIT_SUITE_CCM) {
		memcpy(iv, pdu, 5);
		memcpy(iv + 9, pdu + GMH_LEN, PN_LEN);
		ok = EVP_DecryptInit_ex(ctx, a->ccm, NULL, NULL, NULL) &&
		     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 13, NULL) &&
		     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)icv,
					 (void *)tag) &&
		     EVP_DecryptInit_ex(ctx, NULL, NULL, key, iv) &&
		     /* CCM verifies the tag in this one update */
		     EVP_DecryptUpdate(ctx, a->plain, &out_len, ct, ct_len) > 0;
	} else {
		memcpy(iv, pdu, 5);
		memcpy(iv + 8, pdu + GMH_LEN, PN_LEN);
		ok = EVP_DecryptInit_ex(ctx, a->gcm, NULL, NULL, NULL) &&
		     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) &&
		     EVP_DecryptInit_ex(ctx, NULL, NULL, key, iv) &&
		     EVP_DecryptUpdate(ctx, a->plain, &out_len, ct, ct_len) &&
		     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)icv,
					 (void *)tag) &&
		     EVP_DecryptFinal_ex(ctx, a->plain + out_len, &out_len) > 0;
	}
	EVP_CIPHER_CTX_reset(ctx);
	return ok;
}

/* The suites to try for a key: those it was logged with first. */
static size_t suites_to_try(const struct key *k, uint8_t order[2])
{
	bool ccm = false, gcm = false;
	size_t n = 0;

	for (size_t i = 0; i < k->n_installs; i++) {
		ccm |= k->installs[i].suite == AUDIT_SUITE_CCM;
		gcm |= k->installs[i].suite == AUDIT_SUITE_GCM;
	}
	if (gcm && !ccm) {
		order[n++] = AUDIT_SUITE_GCM;
		order[n++] = AUDIT_SUITE_CCM;
	} else {
		order[n++] = AUDIT_SUITE_CCM;
		order[n++] = AUDIT_SUITE_GCM;
	}
	return n;
}

/* The key (index) and suite that open the PDU, cached per (CID, EKS). */
static bool attribute(struct audit *a, const uint8_t *pdu, size_t len,
		      uint32_t *key_out, uint8_t *suite_out)
{
	unsigned int cid = (unsigned int)pdu[3] << 8 | pdu[4];
	unsigned int eks = (pdu[1] >> 4) & 3;
	struct cache_slot *slot = &a->cache[cid << 2 | eks];
	size_t min = GMH_LEN + PN_LEN + 1;

	if (slot->key_plus1 && len >= min + icv_len(slot->suite) &&
	    pdu_opens(a, a->keys[slot->key_plus1 - 1].bytes, slot->suite, pdu, len)) {
		*key_out = slot->key_plus1 - 1;
		*suite_out = slot->suite;
		return true;
	}
	/* the latest keys first: a new key on a CID is the likely case */
	for (size_t i = a->n_keys; i-- > 0;) {
		uint8_t order[2];
		size_t n = suites_to_try(&a->keys[i], order);

		for (size_t s = 0; s < n; s++) {
			if (slot->key_plus1 == i + 1 && slot->suite == order[s])
				continue;	/* tried above */
			if (len < min + icv_len(order[s]) ||
			    !pdu_opens(a, a->keys[i].bytes, order[s], pdu, len))
				continue;
			slot->key_plus1 = (uint32_t)i + 1;
			slot->suite = order[s];
			*key_out = (uint32_t)i;
			*suite_out = order[s];
			return true;
		}
	}
	return false;
}

static uint32_t source_id(struct audit *a, const char *source)
{
	char **p;

	if (a->n_sources && !strcmp(a->sources[a->n_sources - 1], source))
		return (uint32_t)a->n_sources - 1;
	for (size_t i = 0; i < a->n_sources; i++)
		if (!strcmp(a->sources[i], source))
			return (uint32_t)i;
	p = realloc(a->sources, (a->n_sources + 1) * sizeof(*p));
	if (!p)
		return 0;
	a->sources = p;
	p[a->n_sources] = strdup(source);
	if (!p[a->n_sources])
		return 0;
	return (uint32_t)a->n_sources++;
}

/* The file's name without its directory: the details stay readable. */
static const char *source_name(const struct audit *a, uint32_t id)
{
	const char *slash;

	if (id >= a->n_sources)
		return "?";
	slash = strrchr(a->sources[id], '/');
	return slash ? slash + 1 : a->sources[id];
}

static size_t bucket_of(const struct audit *a, uint32_t key, uint8_t suite,
			uint32_t pn)
{
	uint64_t h = ((uint64_t)key << 40) ^ ((uint64_t)suite << 32) ^ pn;

	h *= 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 20) & (a->n_buckets - 1);
}

static int rehash(struct audit *a)
{
	size_t n = a->n_buckets ? 2 * a->n_buckets : 4096;
	uint32_t *b = calloc(n, sizeof(*b));

	if (!b)
		return -1;
	free(a->buckets);
	a->buckets = b;
	a->n_buckets = n;
	for (size_t i = 0; i < a->n_seen; i++) {
		struct seen *s = &a->seen[i];
		size_t h = bucket_of(a, s->key, s->suite, s->pn);

		s->next = b[h];
		b[h] = (uint32_t)i + 1;
	}
	return 0;
}

/* "key 00112233.. (SAID 0x2001 EKS 0, aes-ccm)", from its first install */
static void describe_key(const struct audit *a, uint32_t key, uint8_t suite,
			 char *buf, size_t len)
{
	const struct key *k = &a->keys[key];
	const struct install *in = k->n_installs ? &k->installs[0] : NULL;

	snprintf(buf, len, "key %02x%02x%02x%02x.. (SAID 0x%04x EKS %u, %s)",
		 k->bytes[0], k->bytes[1], k->bytes[2], k->bytes[3],
		 in ? in->said : 0, in ? in->eks : 0, suite_name(suite));
}

/*
 * Whether the PDU was sent within a lifetime of its key.  Installs by the
 * sender's role count (the PN's top bit tells uplink from downlink), or
 * all of them if none names that role; installs logged after the frame
 * (the log line follows the install) are allowed slack seconds.
 */
static bool within_lifetime(const struct audit *a, const struct key *k,
			    double t, uint32_t pn, double *ended)
{
	enum audit_role sender = pn & PN_UPLINK ? ROLE_SS : ROLE_BS;
	bool by_sender = false, considered = false;

	*ended = 0;
	for (size_t i = 0; i < k->n_installs; i++)
		by_sender |= k->installs[i].role == sender;
	for (size_t i = 0; i < k->n_installs; i++) {
		const struct install *in = &k->installs[i];
		double end = in->time + in->lifetime;

		if (by_sender && in->role != sender)
			continue;
		if (in->time > t + a->opt.slack)
			continue;
		considered = true;
		if (!in->lifetime || t <= end + a->opt.slack)
			return true;
		if (end > *ended)
			*ended = end;
	}
	/* every install logged after the frame: nothing had expired yet */
	return !considered;
}

static void check_pdu(struct audit *a, const uint8_t *pdu, size_t len,
		      double t, uint32_t source, uint64_t index)
{
	uint32_t key, pn = (uint32_t)pdu[6] | (uint32_t)pdu[7] << 8 |
			   (uint32_t)pdu[8] << 16 | (uint32_t)pdu[9] << 24;
	uint8_t suite, digest[32];
	unsigned int digest_len = 0;
	struct seen *s, *same_nonce = NULL, *same_pn = NULL;
	char desc[96];
	double ended;
	size_t h;

	if (!attribute(a, pdu, len, &key, &suite)) {
		a->counts.unattributed++;
		return;
	}
	a->counts.attributed++;
	a->keys[key].frames++;
	if (!EVP_Digest(pdu, len, digest, &digest_len, a->sha256, NULL))
		memset(digest, 0, sizeof(digest));

	if (!a->n_buckets && rehash(a))
		return;
	h = bucket_of(a, key, suite, pn);
	for (uint32_t i = a->buckets[h]; i; i = a->seen[i - 1].next) {
		s = &a->seen[i - 1];
		if (s->key != key || s->suite != suite || s->pn != pn)
			continue;
		if (memcmp(s->gmh, pdu, 5)) {
			same_pn = s;
			continue;
		}
		if (!memcmp(s->digest, digest, sizeof(s->digest))) {
			/* the same bytes again: a replay, nothing new sent */
			a->counts.replays++;
			return;
		}
		same_nonce = s;
	}

	describe_key(a, key, suite, desc, sizeof(desc));
	if (same_nonce) {
		a->counts.reuses++;
		if (a->opt.details && a->told_reuse++ < a->opt.max_details)
			fprintf(a->opt.details,
				"reuse: %s, nonce %02x%02x%02x%02x%02x 00.. PN 0x%08" PRIx32 ": %s frame %" PRIu64 " at %.6f and %s frame %" PRIu64 " at %.6f differ\n",
				desc, pdu[0], pdu[1], pdu[2], pdu[3], pdu[4], pn,
				source_name(a, same_nonce->source), same_nonce->index,
				same_nonce->time, source_name(a, source), index, t);
	} else if (same_pn) {
		a->counts.pn_repeats++;
		if (a->opt.details && a->told_repeat++ < a->opt.max_details)
			fprintf(a->opt.details,
				"pn-repeat: %s, PN 0x%08" PRIx32 " under two headers: %s frame %" PRIu64 " at %.6f and %s frame %" PRIu64 " at %.6f\n",
				desc, pn, source_name(a, same_pn->source), same_pn->index,
				same_pn->time, source_name(a, source), index, t);
	}

	if (!within_lifetime(a, &a->keys[key], t, pn, &ended)) {
		a->counts.expired++;
		if (a->opt.details && a->told_expired++ < a->opt.max_details)
			fprintf(a->opt.details,
				"expired: %s, %s PN 0x%08" PRIx32 ": %s frame %" PRIu64 " at %.6f, %.3f s after the last lifetime ended\n",
				desc, pn & PN_UPLINK ? "uplink" : "downlink", pn,
				source_name(a, source), index, t, t - ended);
	}

	if (a->n_seen + 1 > a->n_buckets && rehash(a))
		return;
	if (grow((void **)&a->seen, &a->cap_seen, a->n_seen + 1, sizeof(*a->seen)))
		return;
	s = &a->seen[a->n_seen];
	s->key = key;
	s->suite = suite;
	s->pn = pn;
	memcpy(s->gmh, pdu, 5);
	memcpy(s->digest, digest, sizeof(s->digest));
	s->source = source;
	s->index = index;
	s->time = t;
	h = bucket_of(a, key, suite, pn);
	s->next = a->buckets[h];
	a->buckets[h] = (uint32_t)++a->n_seen;
}

void audit_frame(struct audit *a, int linktype, double time,
		 const uint8_t *data, size_t caplen, size_t wirelen,
		 const char *source, uint64_t index)
{
	size_t hlen, len;
	unsigned int proto;
	const uint8_t *pdu;

	a->counts.frames++;
	if (wirelen < caplen)
		wirelen = caplen;
	switch (linktype) {
	case DLT_EN10MB:
		hlen = ETH_HLEN;
		if (caplen < hlen)
			goto other;
		proto = (unsigned int)data[12] << 8 | data[13];
		break;
	case DLT_LINUX_SLL:
		hlen = SLL_HLEN;
		if (caplen < hlen)
			goto other;
		proto = (unsigned int)data[14] << 8 | data[15];
		break;
	case DLT_LINUX_SLL2:
		hlen = SLL2_HLEN;
		if (caplen < hlen)
			goto other;
		proto = (unsigned int)data[0] << 8 | data[1];
		break;
	default:
		goto other;
	}
	if (proto != ETHERTYPE_WMAN)
		goto other;

	pdu = data + hlen;
	caplen -= hlen;
	wirelen -= hlen;
	if (caplen < GMH_LEN || pdu[0] & GMH_HT || gmh_hcs(pdu) != pdu[5])
		goto malformed;
	if (!(pdu[0] & GMH_EC)) {
		a->counts.clear++;
		return;
	}
	/* LEN covers GMH to ICV; what follows it is Ethernet padding */
	len = (size_t)(pdu[1] & 0x07) << 8 | pdu[2];
	if (len > caplen || len > wirelen ||
	    len < GMH_LEN + PN_LEN + 1 + CCM_ICV_LEN)
		goto malformed;
	a->counts.encrypted++;
	check_pdu(a, pdu, len, time, source_id(a, source), index);
	return;
other:
	a->counts.other++;
	return;
malformed:
	a->counts.malformed++;
}

int audit_read_pcap(struct audit *a, const char *path, FILE *err)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint64_t index = 0;
	pcap_t *p;
	int linktype, rc;

	p = pcap_open_offline_with_tstamp_precision(path,
			PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!p) {
		fprintf(err, "nonce-audit: %s: %s\n", path, errbuf);
		return -1;
	}
	linktype = pcap_datalink(p);
	while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
		double t = (double)hdr->ts.tv_sec + hdr->ts.tv_usec / 1e6;

		audit_frame(a, linktype, t, data, hdr->caplen, hdr->len, path,
			    ++index);
	}
	/* a capture stopped hard may end inside a record: keep what came */
	if (rc == PCAP_ERROR)
		fprintf(err, "nonce-audit: %s: after frame %" PRIu64 ": %s\n",
			path, index, pcap_geterr(p));
	pcap_close(p);
	return 0;
}

/* ---- report ----------------------------------------------------------------- */

void audit_get_counts(const struct audit *a, struct audit_counts *out)
{
	*out = a->counts;
	out->keys_logged = a->n_keys;
	out->keys_used = 0;
	for (size_t i = 0; i < a->n_keys; i++)
		out->keys_used += a->keys[i].frames > 0;
}

int audit_format_counts(const struct audit_counts *c, char *buf, size_t len)
{
	return snprintf(buf, len,
			"frames %" PRIu64 " encrypted %" PRIu64 " attributed %" PRIu64
			" unattributed %" PRIu64 " malformed %" PRIu64
			" keys %zu/%zu replays %" PRIu64 " reuses %" PRIu64
			" pn-repeats %" PRIu64 " expired %" PRIu64,
			c->frames, c->encrypted, c->attributed, c->unattributed,
			c->malformed, c->keys_used, c->keys_logged, c->replays,
			c->reuses, c->pn_repeats, c->expired);
}
