// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration reader.  libinih splits the file into sections and
 * name = value pairs; a reader function of ours hands it the lines, counts
 * them and refuses the ones inih would misread (no '=', unclosed section,
 * too long), so that every bad line is reported with its number.  Values
 * are checked by the setter of their key, the whole by config_check().
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>
#include <linux/wman.h>

#include "config.h"
#include "log.h"

enum section_kind {
	SEC_NONE,
	SEC_PKMD,
	SEC_BS,
	SEC_SS,
	SEC_TIMERS,
	SEC_GROUP,
	SEC_BROADCAST,
	SEC_TEST,
	SEC_INVALID,	/* reported at its header; its lines are skipped */
};

static const char *const section_names[] = {
	[SEC_PKMD] = "pkmd",
	[SEC_BS] = "bs",
	[SEC_SS] = "ss",
	[SEC_TIMERS] = "timers",
	[SEC_GROUP] = "group",
	[SEC_BROADCAST] = "broadcast",
	[SEC_TEST] = "test",
};

#define LINE_MAX_LEN	1024
#define MAX_KEYS	64

struct parse_ctx {
	struct config *cfg;
	config_report_fn report;
	void *report_arg;
	int problems;

	/* reader state */
	const char *text;		/* config_load_string */
	size_t text_len, text_pos;
	FILE *file;			/* config_load_file */
	int line;
	enum section_kind section;
	struct config_group *group;	/* in a [group N] section */
	int section_line[SEC_INVALID];	/* header line of each kind seen */
	int group_line[CONFIG_MAX_GROUPS];

	/* Where each key was set (0: not set), for duplicates and checks. */
	int key_line[MAX_KEYS];
	int group_key_line[CONFIG_MAX_GROUPS][8];
};

__attribute__((format(printf, 3, 4)))
static void problem(struct parse_ctx *ctx, int line, const char *fmt, ...)
{
	char reason[512], msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(msg, sizeof(msg), "%s:%d: %s", ctx->cfg->file, line,
			 reason);
	else
		snprintf(msg, sizeof(msg), "%s: %s", ctx->cfg->file, reason);
	ctx->problems++;
	if (ctx->report)
		ctx->report(ctx->report_arg, msg);
}

const char *role_name(enum pkmd_role role)
{
	return role == ROLE_BS ? "bs" : role == ROLE_SS ? "ss" : "none";
}

const char *suite_name(uint8_t suite)
{
	return suite == 2 ? "aes-ccm" : suite == 0x80 ? "aes-gcm" : "unknown";
}

const char *service_name(uint8_t service)
{
	static const char *const names[] = { "unicast", "multicast",
					      "broadcast" };

	return service < ARRAY_SIZE(names) ? names[service] : "unknown";
}

/* Value parsers: 0, or -1 with a reason in why. */

typedef int (*setter_fn)(struct parse_ctx *ctx, const char *value,
			 char *why, size_t why_len);

static int parse_suite(const char *value, uint8_t *suite, char *why,
		       size_t why_len)
{
	if (strcmp(value, "aes-ccm") == 0)
		*suite = 2;
	else if (strcmp(value, "aes-gcm") == 0)
		*suite = 0x80;
	else {
		snprintf(why, why_len, "expected aes-ccm or aes-gcm");
		return -1;
	}
	return 0;
}

static int parse_seconds(const char *value, uint32_t *out, char *why,
			 size_t why_len)
{
	uint64_t v;

	if (parse_uint(value, UINT32_MAX, &v) || v == 0) {
		snprintf(why, why_len, "expected a number of seconds, 1 to %u",
			 UINT32_MAX);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_path(const char *value, char *out, size_t cap,
		      bool absolute, char *why, size_t why_len)
{
	if (!*value) {
		snprintf(why, why_len, "empty path");
		return -1;
	}
	if (absolute && value[0] != '/') {
		snprintf(why, why_len, "must be an absolute path");
		return -1;
	}
	if (!str_copy(out, cap, value)) {
		snprintf(why, why_len, "path longer than %zu bytes", cap - 1);
		return -1;
	}
	return 0;
}

/*
 * Splits a comma-separated list in place; items are trimmed and must not
 * be empty.  Returns the count, or -1.
 */
static int split_list(char *s, char **items, int max, char *why,
		      size_t why_len)
{
	int n = 0;

	for (;;) {
		char *comma = strchr(s, ',');
		char *end;

		if (comma)
			*comma = '\0';
		while (isspace((unsigned char)*s))
			s++;
		end = s + strlen(s);
		while (end > s && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!*s) {
			snprintf(why, why_len, "empty item in list");
			return -1;
		}
		if (n == max) {
			snprintf(why, why_len, "more than %d items", max);
			return -1;
		}
		items[n++] = s;
		if (!comma)
			return n;
		s = comma + 1;
	}
}

/* [pkmd] */

static int set_role(struct parse_ctx *ctx, const char *v, char *why, size_t n)
{
	if (strcmp(v, "bs") == 0)
		ctx->cfg->role = ROLE_BS;
	else if (strcmp(v, "ss") == 0)
		ctx->cfg->role = ROLE_SS;
	else {
		snprintf(why, n, "expected bs or ss");
		return -1;
	}
	return 0;
}

static int set_interface(struct parse_ctx *ctx, const char *v, char *why,
			 size_t n)
{
	size_t len = strlen(v);

	if (len == 0 || len >= CONFIG_IFNAME_MAX || strchr(v, '/') ||
	    strpbrk(v, " \t:") || strcmp(v, ".") == 0 || strcmp(v, "..") == 0) {
		snprintf(why, n, "not an interface name (1 to %d characters, no '/', ':' or spaces)",
			 CONFIG_IFNAME_MAX - 1);
		return -1;
	}
	memcpy(ctx->cfg->interface, v, len + 1);
	return 0;
}

static int set_control(struct parse_ctx *ctx, const char *v, char *why,
		       size_t n)
{
	return parse_path(v, ctx->cfg->control, sizeof(ctx->cfg->control),
			  true, why, n);
}

/* A group name as useradd(8) takes one, or a number. */
static int set_control_group(struct parse_ctx *ctx, const char *v, char *why,
			     size_t n)
{
	size_t len = strlen(v);
	bool ok = len > 0 && len < CONFIG_GROUP_NAME_MAX && v[0] != '-';

	for (size_t i = 0; ok && i < len; i++)
		ok = (v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		     (v[i] >= '0' && v[i] <= '9') || v[i] == '_' || v[i] == '-' ||
		     v[i] == '.' || (v[i] == '$' && i == len - 1);
	if (!ok) {
		snprintf(why, n, "not a group name or number (1 to %d characters: letters, digits, '_', '-', '.')",
			 CONFIG_GROUP_NAME_MAX - 1);
		return -1;
	}
	memcpy(ctx->cfg->control_group, v, len + 1);
	return 0;
}

static bool is_postgresql_uri(const char *v)
{
	return !strncmp(v, "postgresql://", 13) || !strncmp(v, "postgres://", 11);
}

/*
 * sqlite:PATH or a plain PATH: SQLite; postgresql://... or postgres://...:
 * a libpq connection URI (store_pg.c).  A URI may hold a password: no
 * message repeats it (on_pair).
 */
static int set_database(struct parse_ctx *ctx, const char *v, char *why,
			size_t n)
{
	struct config *cfg = ctx->cfg;

	if (is_postgresql_uri(v)) {
		if (strlen(v) >= sizeof(cfg->database)) {
			snprintf(why, n, "connection URI longer than %zu bytes",
				 sizeof(cfg->database) - 1);
			return -1;
		}
		if (!str_is_printable(v, sizeof(cfg->database)) || strchr(v, ' ')) {
			snprintf(why, n, "a connection URI has no spaces or control characters (percent-encode them)");
			return -1;
		}
		cfg->database_backend = DB_POSTGRESQL;
		memcpy(cfg->database, v, strlen(v) + 1);
		return 0;
	}
	if (!strncmp(v, "sqlite:", 7))
		v += 7;
	cfg->database_backend = DB_SQLITE;
	return parse_path(v, cfg->database, sizeof(cfg->database), true, why, n);
}

static int set_log_level(struct parse_ctx *ctx, const char *v, char *why,
			 size_t n)
{
	int level = log_level_parse(v);

	if (level < 0) {
		snprintf(why, n, "expected error, warning, notice, info or debug");
		return -1;
	}
	ctx->cfg->log_level = level;
	return 0;
}

/* [bs] and [ss] */

static int set_ca(struct parse_ctx *ctx, const char *v, char *why, size_t n)
{
	return parse_path(v, ctx->cfg->ca_certificate,
			  sizeof(ctx->cfg->ca_certificate), false, why, n);
}

static int set_cert(struct parse_ctx *ctx, const char *v, char *why, size_t n)
{
	return parse_path(v, ctx->cfg->certificate,
			  sizeof(ctx->cfg->certificate), false, why, n);
}

static int set_key(struct parse_ctx *ctx, const char *v, char *why, size_t n)
{
	return parse_path(v, ctx->cfg->private_key,
			  sizeof(ctx->cfg->private_key), false, why, n);
}

static int set_crl(struct parse_ctx *ctx, const char *v, char *why, size_t n)
{
	return parse_path(v, ctx->cfg->crl, sizeof(ctx->cfg->crl), false, why,
			  n);
}

/* [ss] bs-name: the CN of the BS certificate this SS accepts. */
static int set_bs_name(struct parse_ctx *ctx, const char *v, char *why,
		       size_t n)
{
	if (!str_is_printable(v, CONFIG_BS_NAME_MAX)) {
		snprintf(why, n, "expected 1 to %d printable ASCII characters",
			 CONFIG_BS_NAME_MAX);
		return -1;
	}
	str_copy(ctx->cfg->bs_name, sizeof(ctx->cfg->bs_name), v);
	return 0;
}

/*
 * [ss] bs-key-sha256: SHA-256 of the BS's DER SubjectPublicKeyInfo, 64
 * hexadecimal digits, optionally in colon-separated pairs.
 */
static int set_bs_key_id(struct parse_ctx *ctx, const char *v, char *why,
			 size_t n)
{
	if (hex_parse(v, ctx->cfg->bs_key_id, CONFIG_KEY_ID_LEN)) {
		snprintf(why, n, "expected a SHA-256 digest: %d hexadecimal digits, in colon-separated pairs or not",
			 2 * CONFIG_KEY_ID_LEN);
		return -1;
	}
	ctx->cfg->has_bs_key_id = true;
	return 0;
}

static int set_provider(struct parse_ctx *ctx, const char *v, char *why,
			size_t n)
{
	if (!str_is_printable(v, CONFIG_PROVIDER_MAX)) {
		snprintf(why, n, "expected 1 to %d printable ASCII characters",
			 CONFIG_PROVIDER_MAX);
		return -1;
	}
	str_copy(ctx->cfg->provider, sizeof(ctx->cfg->provider), v);
	return 0;
}

static int set_ak_lifetime(struct parse_ctx *ctx, const char *v, char *why,
			   size_t n)
{
	return parse_seconds(v, &ctx->cfg->ak_lifetime, why, n);
}

static int set_tek_lifetime(struct parse_ctx *ctx, const char *v, char *why,
			    size_t n)
{
	return parse_seconds(v, &ctx->cfg->tek_lifetime, why, n);
}

static int set_unicast_suite(struct parse_ctx *ctx, const char *v, char *why,
			     size_t n)
{
	return parse_suite(v, &ctx->cfg->unicast_suite, why, n);
}

static int set_basic_cid_max(struct parse_ctx *ctx, const char *v, char *why,
			     size_t n)
{
	uint64_t m;

	if (parse_uint(v, CONFIG_BASIC_CID_MAX_LIMIT, &m) || m < 1) {
		snprintf(why, n, "expected the number of Basic CIDs, 1 to %d",
			 CONFIG_BASIC_CID_MAX_LIMIT);
		return -1;
	}
	ctx->cfg->basic_cid_max = (uint16_t)m;
	return 0;
}

/* [bs] zone, bs-id: names that go into SQL values and notifications. */
static int parse_zone_name(const char *v, char *out, char *why, size_t n)
{
	size_t len = strlen(v);

	if (len < 1 || len > CONFIG_ZONE_NAME_MAX ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789._-") != len) {
		snprintf(why, n, "expected 1 to %d letters, digits, '.', '_' or '-'",
			 CONFIG_ZONE_NAME_MAX);
		return -1;
	}
	memcpy(out, v, len + 1);
	return 0;
}

static int set_zone(struct parse_ctx *ctx, const char *v, char *why, size_t n)
{
	return parse_zone_name(v, ctx->cfg->zone, why, n);
}

static int set_bs_id(struct parse_ctx *ctx, const char *v, char *why, size_t n)
{
	return parse_zone_name(v, ctx->cfg->bs_id, why, n);
}

static int set_zone_failover(struct parse_ctx *ctx, const char *v, char *why,
			     size_t n)
{
	uint64_t ms;

	if (parse_uint(v, CONFIG_ZONE_FAILOVER_MAX, &ms) ||
	    ms < CONFIG_ZONE_FAILOVER_MIN) {
		snprintf(why, n, "expected milliseconds, %u to %u",
			 CONFIG_ZONE_FAILOVER_MIN, CONFIG_ZONE_FAILOVER_MAX);
		return -1;
	}
	ctx->cfg->zone_failover_ms = (uint32_t)ms;
	return 0;
}

static int set_services(struct parse_ctx *ctx, const char *v, char *why,
			size_t n)
{
	char copy[LINE_MAX_LEN], *items[8];
	unsigned int services = 0;
	int count;

	str_copy(copy, sizeof(copy), v);
	count = split_list(copy, items, ARRAY_SIZE(items), why, n);
	if (count < 0)
		return -1;
	for (int i = 0; i < count; i++) {
		unsigned int bit;

		if (strcmp(items[i], "unicast") == 0) {
			bit = SERVICE_BIT(0);
		} else if (strcmp(items[i], "broadcast") == 0) {
			bit = SERVICE_BIT(2);
		} else if (strcmp(items[i], "multicast") == 0) {
			snprintf(why, n, "list multicast groups in multicast-groups");
			return -1;
		} else {
			snprintf(why, n, "unknown service '%s' (unicast, broadcast)",
				 items[i]);
			return -1;
		}
		if (services & bit) {
			snprintf(why, n, "'%s' listed twice", items[i]);
			return -1;
		}
		services |= bit;
	}
	ctx->cfg->services = services;
	return 0;
}

static int set_ss_groups(struct parse_ctx *ctx, const char *v, char *why,
			 size_t n)
{
	char copy[LINE_MAX_LEN], *items[CONFIG_MAX_GROUPS];
	bool seen[CONFIG_MAX_GROUPS] = { false };
	int count;

	str_copy(copy, sizeof(copy), v);
	count = split_list(copy, items, ARRAY_SIZE(items), why, n);
	if (count < 0)
		return -1;
	for (int i = 0; i < count; i++) {
		uint64_t id;

		if (parse_uint(items[i], 255, &id)) {
			snprintf(why, n, "group ID '%s' is not 0 to 255", items[i]);
			return -1;
		}
		if (seen[id]) {
			snprintf(why, n, "group %s listed twice", items[i]);
			return -1;
		}
		seen[id] = true;
		ctx->cfg->ss_groups[i] = (uint8_t)id;
	}
	ctx->cfg->n_ss_groups = (size_t)count;
	return 0;
}

static int set_suites(struct parse_ctx *ctx, const char *v, char *why,
		      size_t n)
{
	char copy[LINE_MAX_LEN], *items[2];
	int count;

	str_copy(copy, sizeof(copy), v);
	count = split_list(copy, items, ARRAY_SIZE(items), why, n);
	if (count < 0)
		return -1;
	for (int i = 0; i < count; i++) {
		if (parse_suite(items[i], &ctx->cfg->suites[i], why, n))
			return -1;
		if (i && ctx->cfg->suites[0] == ctx->cfg->suites[1]) {
			snprintf(why, n, "'%s' listed twice", items[i]);
			return -1;
		}
	}
	ctx->cfg->n_suites = (size_t)count;
	return 0;
}

/* [timers] */

#define TIMER_SETTER(field)						\
static int set_##field(struct parse_ctx *ctx, const char *v, char *why, \
		       size_t n)					\
{									\
	return parse_seconds(v, &ctx->cfg->timers.field, why, n);	\
}
TIMER_SETTER(authorize_wait)
TIMER_SETTER(reauthorize_wait)
TIMER_SETTER(auth_grace)
TIMER_SETTER(operational_wait)
TIMER_SETTER(rekey_wait)
TIMER_SETTER(tek_grace)
TIMER_SETTER(auth_reject_wait)

/* [broadcast] */

static int parse_cid(const char *v, uint16_t *cid, char *why, size_t n)
{
	uint64_t c;

	if (parse_uint(v, 0xffff, &c)) {
		snprintf(why, n, "expected a CID from 0x%04x to 0x%04x",
			 CONFIG_CID_STATIC_MIN, CONFIG_CID_STATIC_MAX);
		return -1;
	}
	if (c == WMAN_CID_BROADCAST) {
		snprintf(why, n, "0xffff is 802.16's broadcast management connection (the key trees' rekeys travel there); choose a CID from 0x%04x to 0x%04x",
			 CONFIG_CID_STATIC_MIN, CONFIG_CID_STATIC_MAX);
		return -1;
	}
	if (c < CONFIG_CID_STATIC_MIN || c > CONFIG_CID_STATIC_MAX) {
		snprintf(why, n, "expected a CID from 0x%04x to 0x%04x (lower ones are allocated per SS, higher ones are 802.16's well-known CIDs)",
			 CONFIG_CID_STATIC_MIN, CONFIG_CID_STATIC_MAX);
		return -1;
	}
	*cid = (uint16_t)c;
	return 0;
}

static int set_broadcast_cid(struct parse_ctx *ctx, const char *v, char *why,
			     size_t n)
{
	return parse_cid(v, &ctx->cfg->broadcast_cid, why, n);
}

static int set_broadcast_suite(struct parse_ctx *ctx, const char *v,
			       char *why, size_t n)
{
	return parse_suite(v, &ctx->cfg->broadcast_suite, why, n);
}

/* [test] */

static int set_allow_short(struct parse_ctx *ctx, const char *v, char *why,
			   size_t n)
{
	if (parse_bool(v, &ctx->cfg->allow_short_lifetimes)) {
		snprintf(why, n, "expected yes or no");
		return -1;
	}
	return 0;
}

static int set_expose_keys(struct parse_ctx *ctx, const char *v, char *why,
			   size_t n)
{
	if (parse_bool(v, &ctx->cfg->expose_keys)) {
		snprintf(why, n, "expected yes or no");
		return -1;
	}
	return 0;
}

static int set_request_service(struct parse_ctx *ctx, const char *v,
			       char *why, size_t n)
{
	uint64_t t;

	if (parse_uint(v, 255, &t)) {
		snprintf(why, n, "expected a Service Type value, 0 to 255");
		return -1;
	}
	ctx->cfg->request_service_type = (int)t;
	return 0;
}

static int set_mgmt_socket(struct parse_ctx *ctx, const char *v, char *why,
			   size_t n)
{
	return parse_path(v, ctx->cfg->test_mgmt_socket,
			  sizeof(ctx->cfg->test_mgmt_socket), true, why, n);
}

static int set_kernel_requests(struct parse_ctx *ctx, const char *v,
			       char *why, size_t n)
{
	if (strcmp(v, "record") && strcmp(v, "discard")) {
		snprintf(why, n, "expected discard or record");
		return -1;
	}
	ctx->cfg->test_record_kernel = strcmp(v, "record") == 0;
	return 0;
}

static int set_key_log(struct parse_ctx *ctx, const char *v, char *why,
		       size_t n)
{
	return parse_path(v, ctx->cfg->test_key_log,
			  sizeof(ctx->cfg->test_key_log), true, why, n);
}

static int set_tek_pn_block(struct parse_ctx *ctx, const char *v, char *why,
			    size_t n)
{
	uint64_t block;

	if (parse_uint(v, TEK_PN_BLOCK_MAX, &block) ||
	    block < TEK_PN_BLOCK_MIN) {
		snprintf(why, n, "expected a number of PNs from %u to %u",
			 TEK_PN_BLOCK_MIN, TEK_PN_BLOCK_MAX);
		return -1;
	}
	ctx->cfg->tek_pn_block = (uint32_t)block;
	return 0;
}

/* Keys of every section but [group N], which has its own table. */

struct key_def {
	enum section_kind section;
	const char *name;
	enum pkmd_role role;		/* ROLE_NONE: both */
	setter_fn set;
};

enum key_index {
	K_ROLE, K_INTERFACE, K_CONTROL, K_CONTROL_GROUP, K_DATABASE, K_LOG_LEVEL,
	K_BS_CA, K_BS_CERT, K_BS_KEY, K_BS_CRL, K_PROVIDER, K_AK_LIFETIME,
	K_TEK_LIFETIME, K_UNICAST_SUITE, K_BASIC_CID_MAX, K_ZONE, K_BS_ID,
	K_ZONE_FAILOVER,
	K_SS_CA, K_SS_CERT, K_SS_KEY, K_SS_CRL, K_BS_NAME, K_BS_KEY_ID,
	K_SERVICES, K_SS_GROUPS, K_SUITES,
	K_AUTHORIZE_WAIT, K_REAUTHORIZE_WAIT, K_AUTH_GRACE, K_OPERATIONAL_WAIT,
	K_REKEY_WAIT, K_TEK_GRACE, K_AUTH_REJECT_WAIT,
	K_BROADCAST_CID, K_BROADCAST_SUITE,
	K_ALLOW_SHORT, K_REQUEST_SERVICE, K_EXPOSE_KEYS, K_MGMT_SOCKET, K_KERNEL_REQUESTS,
	K_KEY_LOG, K_TEK_PN_BLOCK,
	K_COUNT
};

static const struct key_def keys[K_COUNT] = {
	[K_ROLE] = { SEC_PKMD, "role", ROLE_NONE, set_role },
	[K_INTERFACE] = { SEC_PKMD, "interface", ROLE_NONE, set_interface },
	[K_CONTROL] = { SEC_PKMD, "control", ROLE_NONE, set_control },
	[K_CONTROL_GROUP] = { SEC_PKMD, "control-group", ROLE_NONE, set_control_group },
	[K_DATABASE] = { SEC_PKMD, "database", ROLE_BS, set_database },
	[K_LOG_LEVEL] = { SEC_PKMD, "log-level", ROLE_NONE, set_log_level },
	[K_BS_CA] = { SEC_BS, "ca-certificate", ROLE_BS, set_ca },
	[K_BS_CERT] = { SEC_BS, "certificate", ROLE_BS, set_cert },
	[K_BS_KEY] = { SEC_BS, "private-key", ROLE_BS, set_key },
	[K_BS_CRL] = { SEC_BS, "crl", ROLE_BS, set_crl },
	[K_PROVIDER] = { SEC_BS, "provider", ROLE_BS, set_provider },
	[K_AK_LIFETIME] = { SEC_BS, "ak-lifetime", ROLE_BS, set_ak_lifetime },
	[K_TEK_LIFETIME] = { SEC_BS, "tek-lifetime", ROLE_BS, set_tek_lifetime },
	[K_UNICAST_SUITE] = { SEC_BS, "unicast-suite", ROLE_BS, set_unicast_suite },
	[K_BASIC_CID_MAX] = { SEC_BS, "basic-cid-max", ROLE_BS, set_basic_cid_max },
	[K_ZONE] = { SEC_BS, "zone", ROLE_BS, set_zone },
	[K_BS_ID] = { SEC_BS, "bs-id", ROLE_BS, set_bs_id },
	[K_ZONE_FAILOVER] = { SEC_BS, "zone-failover", ROLE_BS, set_zone_failover },
	[K_SS_CA] = { SEC_SS, "ca-certificate", ROLE_SS, set_ca },
	[K_SS_CERT] = { SEC_SS, "certificate", ROLE_SS, set_cert },
	[K_SS_KEY] = { SEC_SS, "private-key", ROLE_SS, set_key },
	[K_SS_CRL] = { SEC_SS, "crl", ROLE_SS, set_crl },
	[K_BS_NAME] = { SEC_SS, "bs-name", ROLE_SS, set_bs_name },
	[K_BS_KEY_ID] = { SEC_SS, "bs-key-sha256", ROLE_SS, set_bs_key_id },
	[K_SERVICES] = { SEC_SS, "services", ROLE_SS, set_services },
	[K_SS_GROUPS] = { SEC_SS, "multicast-groups", ROLE_SS, set_ss_groups },
	[K_SUITES] = { SEC_SS, "suites", ROLE_SS, set_suites },
	[K_AUTHORIZE_WAIT] = { SEC_TIMERS, "authorize-wait", ROLE_NONE, set_authorize_wait },
	[K_REAUTHORIZE_WAIT] = { SEC_TIMERS, "reauthorize-wait", ROLE_NONE, set_reauthorize_wait },
	[K_AUTH_GRACE] = { SEC_TIMERS, "auth-grace-time", ROLE_NONE, set_auth_grace },
	[K_OPERATIONAL_WAIT] = { SEC_TIMERS, "operational-wait", ROLE_NONE, set_operational_wait },
	[K_REKEY_WAIT] = { SEC_TIMERS, "rekey-wait", ROLE_NONE, set_rekey_wait },
	[K_TEK_GRACE] = { SEC_TIMERS, "tek-grace-time", ROLE_NONE, set_tek_grace },
	[K_AUTH_REJECT_WAIT] = { SEC_TIMERS, "auth-reject-wait", ROLE_NONE, set_auth_reject_wait },
	[K_BROADCAST_CID] = { SEC_BROADCAST, "cid", ROLE_BS, set_broadcast_cid },
	[K_BROADCAST_SUITE] = { SEC_BROADCAST, "suite", ROLE_BS, set_broadcast_suite },
	[K_ALLOW_SHORT] = { SEC_TEST, "allow-short-lifetimes", ROLE_NONE, set_allow_short },
	[K_REQUEST_SERVICE] = { SEC_TEST, "request-service-type", ROLE_SS, set_request_service },
	[K_EXPOSE_KEYS] = { SEC_TEST, "expose-keys", ROLE_SS, set_expose_keys },
	[K_MGMT_SOCKET] = { SEC_TEST, "mgmt-socket", ROLE_BS, set_mgmt_socket },
	[K_KERNEL_REQUESTS] = { SEC_TEST, "kernel-requests", ROLE_BS, set_kernel_requests },
	[K_KEY_LOG] = { SEC_TEST, "key-log", ROLE_NONE, set_key_log },
	[K_TEK_PN_BLOCK] = { SEC_TEST, "tek-pn-block", ROLE_BS, set_tek_pn_block },
};

_Static_assert(K_COUNT <= MAX_KEYS, "key_line is too small");

/* [group N] */

enum group_key { GK_CID, GK_SUITE, GK_ADDRESSES, GK_TREE, GK_DEGREE,
		 GK_BATCH, GK_SWITCH, GK_FRAGMENT, GK_COUNT };
static const char *const group_keys[GK_COUNT] = {
	"cid", "suite", "addresses", "key-tree", "tree-degree",
	"rekey-batch", "switch-delay", "rekey-fragment-size",
};

_Static_assert(GK_COUNT <= 8, "group_key_line is too small");

static int parse_ms(const char *v, uint32_t max, uint32_t *out, char *why,
		    size_t n)
{
	uint64_t ms;

	if (parse_uint(v, max, &ms)) {
		snprintf(why, n, "expected milliseconds, 0 to %u", max);
		return -1;
	}
	*out = (uint32_t)ms;
	return 0;
}

static int set_group_key(struct parse_ctx *ctx, enum group_key k,
			 const char *v, char *why, size_t n)
{
	struct config_group *g = ctx->group;
	char copy[LINE_MAX_LEN], *items[CONFIG_GROUP_MAX_ADDRS];
	int count;

	switch (k) {
	case GK_CID:
		return parse_cid(v, &g->cid, why, n);
	case GK_SUITE:
		return parse_suite(v, &g->suite, why, n);
	case GK_TREE:
		if (strcmp(v, "none") == 0) {
			g->tree = CONFIG_TREE_NONE;
		} else if (strcmp(v, "lkh") == 0) {
			g->tree = CONFIG_TREE_LKH;
		} else if (strcmp(v, "offset") == 0) {
			g->tree = CONFIG_TREE_OFFSET;
		} else {
			snprintf(why, n, "expected none, lkh or offset");
			return -1;
		}
		return 0;
	case GK_DEGREE: {
		uint64_t d;

		if (parse_uint(v, 8, &d) || d < 2) {
			snprintf(why, n, "expected 2 to 8");
			return -1;
		}
		g->tree_degree = (uint8_t)d;
		return 0;
	}
	case GK_BATCH:
		return parse_ms(v, CONFIG_REKEY_BATCH_MAX, &g->rekey_batch_ms,
				why, n);
	case GK_SWITCH:
		return parse_ms(v, CONFIG_SWITCH_DELAY_MAX, &g->switch_delay_ms,
				why, n);
	case GK_FRAGMENT: {
		uint64_t b;

		if (parse_uint(v, CONFIG_FRAGMENT_SIZE_MAX, &b) ||
		    (b && b < CONFIG_FRAGMENT_SIZE_MIN)) {
			snprintf(why, n, "expected 0 (as large as a PDU holds) or %u to %u bytes",
				 CONFIG_FRAGMENT_SIZE_MIN,
				 CONFIG_FRAGMENT_SIZE_MAX);
			return -1;
		}
		g->rekey_fragment_size = (uint32_t)b;
		return 0;
	}
	case GK_ADDRESSES:
		str_copy(copy, sizeof(copy), v);
		count = split_list(copy, items, ARRAY_SIZE(items), why, n);
		if (count < 0)
			return -1;
		for (int i = 0; i < count; i++) {
			if (mac_parse(items[i], g->addrs[i]) ||
			    !mac_is_multicast(g->addrs[i]) ||
			    memcmp(g->addrs[i], "\xff\xff\xff\xff\xff\xff", MAC_LEN) == 0) {
				snprintf(why, n, "'%s' is not a multicast MAC address",
					 items[i]);
				return -1;
			}
			for (int j = 0; j < i; j++) {
				if (!memcmp(g->addrs[i], g->addrs[j], MAC_LEN)) {
					snprintf(why, n, "'%s' listed twice", items[i]);
					return -1;
				}
			}
		}
		g->n_addrs = (size_t)count;
		return 0;
	default:
		return -1;
	}
}

/* inih's handler: one name = value of the current section. */
static int on_pair(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse_ctx *ctx = user;
	char why[256] = "";
	int *line_slot = NULL;
	int k;

	(void)section;	/* the reader has classified it already */
	if (ctx->section == SEC_INVALID)
		return 1;
	if (!*name) {
		problem(ctx, ctx->line, "missing key name before '='");
		return 1;
	}
	if (ctx->section == SEC_NONE) {
		problem(ctx, ctx->line, "'%s' outside any section", name);
		return 1;
	}

	if (ctx->section == SEC_GROUP) {
		for (k = 0; k < GK_COUNT; k++)
			if (strcmp(name, group_keys[k]) == 0)
				break;
		if (k == GK_COUNT) {
			problem(ctx, ctx->line, "unknown key '%s' in [group %u] (cid, suite, addresses, key-tree, tree-degree, rekey-batch, switch-delay, rekey-fragment-size)",
				name, ctx->group->id);
			return 1;
		}
		line_slot = &ctx->group_key_line[ctx->group->id][k];
		if (*line_slot) {
			problem(ctx, ctx->line, "'%s' already set at line %d",
				name, *line_slot);
			return 1;
		}
		if (set_group_key(ctx, (enum group_key)k, value, why,
				  sizeof(why))) {
			problem(ctx, ctx->line, "invalid %s '%s': %s", name,
				value, why);
			return 1;
		}
		*line_slot = ctx->line;
		return 1;
	}

	for (k = 0; k < K_COUNT; k++)
		if (keys[k].section == ctx->section &&
		    strcmp(keys[k].name, name) == 0)
			break;
	if (k == K_COUNT) {
		problem(ctx, ctx->line, "unknown key '%s' in [%s]", name,
			section_names[ctx->section]);
		return 1;
	}
	if (ctx->key_line[k]) {
		problem(ctx, ctx->line, "'%s' already set at line %d", name,
			ctx->key_line[k]);
		return 1;
	}
	if (keys[k].set(ctx, value, why, sizeof(why))) {
		if (k == K_DATABASE && is_postgresql_uri(value))
			problem(ctx, ctx->line, "invalid %s (a connection URI, not repeated here): %s",
				name, why);
		else
			problem(ctx, ctx->line, "invalid %s '%s': %s", name,
				value, why);
		return 1;
	}
	ctx->key_line[k] = ctx->line;
	return 1;
}

/* Section headers, classified by the reader before inih sees them. */
static void on_section(struct parse_ctx *ctx, const char *name)
{
	enum section_kind kind = SEC_INVALID;
	uint64_t id;

	ctx->group = NULL;
	for (int s = SEC_PKMD; s < SEC_INVALID; s++)
		if (s != SEC_GROUP && strcmp(name, section_names[s]) == 0)
			kind = (enum section_kind)s;

	if (strncmp(name, "group ", 6) == 0) {
		if (parse_uint(name + 6, 255, &id)) {
			problem(ctx, ctx->line, "invalid section [%s]: the group ID must be 0 to 255",
				name);
			ctx->section = SEC_INVALID;
			return;
		}
		if (ctx->group_line[id]) {
			problem(ctx, ctx->line, "[group %u] already defined at line %d",
				(unsigned int)id, ctx->group_line[id]);
			ctx->section = SEC_INVALID;
			return;
		}
		if (!ctx->cfg->groups) {
			ctx->cfg->groups = calloc(CONFIG_MAX_GROUPS,
						  sizeof(*ctx->cfg->groups));
			if (!ctx->cfg->groups) {
				problem(ctx, ctx->line, "out of memory");
				ctx->section = SEC_INVALID;
				return;
			}
		}
		ctx->group_line[id] = ctx->line;
		ctx->group = &ctx->cfg->groups[ctx->cfg->n_groups++];
		ctx->group->id = (uint8_t)id;
		ctx->group->suite = 2;
		ctx->group->tree_degree = CONFIG_TREE_DEGREE_DEFAULT;
		ctx->group->switch_delay_ms = CONFIG_SWITCH_DELAY_DEFAULT;
		ctx->section = SEC_GROUP;
		return;
	}
	if (kind == SEC_INVALID) {
		problem(ctx, ctx->line, "unknown section [%s] (pkmd, bs, ss, timers, group N, broadcast, test)",
			name);
		ctx->section = SEC_INVALID;
		return;
	}
	if (ctx->section_line[kind]) {
		problem(ctx, ctx->line, "[%s] already opened at line %d", name,
			ctx->section_line[kind]);
		ctx->section = SEC_INVALID;
		return;
	}
	ctx->section_line[kind] = ctx->line;
	ctx->section = kind;
}

/* One raw line from the string or the file; false at the end. */
static bool raw_line(struct parse_ctx *ctx, char *buf, size_t cap,
		     bool *too_long)
{
	size_t n = 0;
	int c;

	*too_long = false;
	for (;;) {
		if (ctx->file) {
			c = getc(ctx->file);
		} else {
			c = ctx->text_pos < ctx->text_len ?
				(unsigned char)ctx->text[ctx->text_pos++] : EOF;
		}
		if (c == EOF) {
			if (n == 0 && !*too_long)
				return false;
			break;
		}
		if (c == '\n')
			break;
		if (c == '\0') {
			/* inih stops at a NUL; make the line bad instead. */
			c = 0x01;
		}
		if (n + 1 < cap)
			buf[n++] = (char)c;
		else
			*too_long = true;
	}
	buf[n] = '\0';
	return true;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/*
 * inih's reader.  Hands inih either the line itself or, for a line that
 * is bad in a way inih would not say clearly (or for a line of a section
 * already refused), an empty line after reporting it.
 */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	char line[LINE_MAX_LEN + 1], copy[LINE_MAX_LEN + 1];
	bool too_long;
	char *s;

	if (!raw_line(ctx, line, sizeof(line), &too_long))
		return NULL;
	ctx->line++;
	str[0] = '\0';
	if (num < 2)
		return str;

	if (too_long || (int)strlen(line) + 2 > num) {
		problem(ctx, ctx->line, "line too long (at most %d characters)",
			(num - 2 < LINE_MAX_LEN ? num - 2 : LINE_MAX_LEN));
		return str;
	}
	for (s = line; *s; s++) {
		if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\r') {
			problem(ctx, ctx->line, "control character in line");
			return str;
		}
	}
	str_copy(copy, sizeof(copy), line);
	s = copy;
	/* inih skips a UTF-8 byte order mark on the first line; so do we. */
	if (ctx->line == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	s = trim(s);
	if (!*s || *s == ';' || *s == '#') {
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	if (*s == '[') {
		char *close = strchr(s, ']');
		char *name;

		if (!close || *trim(close + 1)) {
			problem(ctx, ctx->line, "malformed section header (expected [name])");
			ctx->section = SEC_INVALID;
			return str;
		}
		*close = '\0';
		name = trim(s + 1);
		on_section(ctx, name);
		snprintf(str, (size_t)num, "%s\n", line);
		return str;
	}
	{
		char *eq = strchr(s, '='), *colon = strchr(s, ':');

		if (!eq) {
			problem(ctx, ctx->line, "expected name = value");
			return str;
		}
		if (colon && colon < eq) {
			problem(ctx, ctx->line, "':' in a key name");
			return str;
		}
	}
	/* Keys of a refused section: the header's report covers them. */
	if (ctx->section == SEC_INVALID)
		return str;
	snprintf(str, (size_t)num, "%s\n", line);
	return str;
}

static void set_defaults(struct config *cfg)
{
	cfg->role = ROLE_NONE;
	str_copy(cfg->interface, sizeof(cfg->interface), "wman0");
	cfg->log_level = LOG_LVL_INFO;
	cfg->ak_lifetime = AK_LIFETIME_DEFAULT;
	cfg->tek_lifetime = TEK_LIFETIME_DEFAULT;
	cfg->unicast_suite = 2;
	cfg->basic_cid_max = CONFIG_BASIC_CID_MAX_DEFAULT;
	cfg->zone_failover_ms = CONFIG_ZONE_FAILOVER_DEFAULT;
	cfg->broadcast_cid = CONFIG_BROADCAST_CID_DEFAULT;
	cfg->broadcast_suite = 2;
	cfg->services = SERVICE_BIT(0);
	cfg->n_suites = 2;
	cfg->suites[0] = 2;
	cfg->suites[1] = 0x80;
	cfg->request_service_type = -1;
	cfg->tek_pn_block = TEK_PN_BLOCK_DEFAULT;
	cfg->timers = (struct config_timers){
		.authorize_wait = 10,
		.reauthorize_wait = 10,
		.auth_grace = 600,
		.operational_wait = 1,
		.rekey_wait = 1,
		.tek_grace = 3600,
		.auth_reject_wait = 60,
	};
}

/* 802.16-2004's ranges of the PKM timers (min, max), in seconds. */
static const struct {
	enum key_index key;
	size_t offset;
	uint32_t min, max;
} timer_ranges[] = {
	{ K_AUTHORIZE_WAIT, offsetof(struct config_timers, authorize_wait), 2, 30 },
	{ K_REAUTHORIZE_WAIT, offsetof(struct config_timers, reauthorize_wait), 2, 30 },
	{ K_AUTH_GRACE, offsetof(struct config_timers, auth_grace), 300, 3024000 },
	{ K_OPERATIONAL_WAIT, offsetof(struct config_timers, operational_wait), 1, 10 },
	{ K_REKEY_WAIT, offsetof(struct config_timers, rekey_wait), 1, 10 },
	{ K_TEK_GRACE, offsetof(struct config_timers, tek_grace), 300, 302399 },
	{ K_AUTH_REJECT_WAIT, offsetof(struct config_timers, auth_reject_wait), 10, 600 },
};

static const char short_hint[] = " (for tests only: [test] allow-short-lifetimes = yes)";

static void check_range(struct parse_ctx *ctx, enum key_index k,
			uint32_t value, uint32_t min, uint32_t max)
{
	bool short_ok = ctx->cfg->allow_short_lifetimes;

	if (value > max)
		problem(ctx, ctx->key_line[k], "%s %u is above the maximum %u",
			keys[k].name, value, max);
	else if (value < min && !short_ok)
		problem(ctx, ctx->key_line[k], "%s %u is below the 802.16 minimum %u%s",
			keys[k].name, value, min, short_hint);
}

static int cmp_group(const void *a, const void *b)
{
	const struct config_group *ga = a, *gb = b;

	return (int)ga->id - (int)gb->id;
}

static void check_groups(struct parse_ctx *ctx)
{
	struct config *cfg = ctx->cfg;

	for (size_t i = 0; i < cfg->n_groups; i++) {
		struct config_group *g = &cfg->groups[i];
		int header = ctx->group_line[g->id];

		if (!ctx->group_key_line[g->id][GK_CID]) {
			problem(ctx, header, "[group %u] needs a cid", g->id);
			continue;
		}
		if (ctx->key_line[K_BROADCAST_CID] || ctx->section_line[SEC_BROADCAST]) {
			if (g->cid == cfg->broadcast_cid)
				problem(ctx, ctx->group_key_line[g->id][GK_CID],
					"cid 0x%04x is the broadcast connection's",
					g->cid);
		}
		for (size_t j = 0; j < i; j++) {
			if (cfg->groups[j].cid == g->cid)
				problem(ctx, ctx->group_key_line[g->id][GK_CID],
					"cid 0x%04x is also group %u's", g->cid,
					cfg->groups[j].id);
		}
	}
	if (cfg->n_groups)
		qsort(cfg->groups, cfg->n_groups, sizeof(cfg->groups[0]),
		      cmp_group);
}

/* What only the whole file can tell: role, required keys, ranges. */
/*
 * A zone's BSs share one PostgreSQL database and tell themselves apart
 * by bs-id (zones.rst); without zone the BS is a zone of one.
 */
static void check_zone(struct parse_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;

	if (!cfg->zone[0]) {
		if (ctx->key_line[K_BS_ID])
			problem(ctx, ctx->key_line[K_BS_ID],
				"bs-id without zone: it names this BS within a zone");
		if (ctx->key_line[K_ZONE_FAILOVER])
			problem(ctx, ctx->key_line[K_ZONE_FAILOVER],
				"zone-failover without zone");
		return;
	}
	if (!cfg->bs_id[0])
		problem(ctx, ctx->key_line[K_ZONE],
			"zone %s needs bs-id in [bs]: this BS's name in the zone",
			cfg->zone);
	if (cfg->database_backend != DB_POSTGRESQL)
		problem(ctx, ctx->key_line[K_ZONE],
			"zone %s needs a PostgreSQL database, shared by the zone's BSs (database = postgresql://...)",
			cfg->zone);
}

static void config_check(struct parse_ctx *ctx)
{
	struct config *cfg = ctx->cfg;
	uint32_t ak_min = cfg->allow_short_lifetimes ? TEST_LIFETIME_MIN : AK_LIFETIME_MIN;
	uint32_t tek_min = cfg->allow_short_lifetimes ? TEST_LIFETIME_MIN : TEK_LIFETIME_MIN;

	if (cfg->role == ROLE_NONE) {
		if (!ctx->key_line[K_ROLE])
			problem(ctx, 0, "missing role in [pkmd] (bs or ss)");
		return;
	}
	/* Keys and sections of the other role. */
	for (int k = 0; k < K_COUNT; k++) {
		if (ctx->key_line[k] && keys[k].role != ROLE_NONE &&
		    keys[k].role != cfg->role)
			problem(ctx, ctx->key_line[k], "%s is for role = %s only",
				keys[k].name, role_name(keys[k].role));
	}
	if (cfg->role == ROLE_SS) {
		if (ctx->section_line[SEC_BS])
			problem(ctx, ctx->section_line[SEC_BS], "[bs] in a role = ss file");
		if (ctx->section_line[SEC_BROADCAST])
			problem(ctx, ctx->section_line[SEC_BROADCAST],
				"[broadcast] in a role = ss file");
		for (size_t i = 0; i < cfg->n_groups; i++)
			problem(ctx, ctx->group_line[cfg->groups[i].id],
				"[group %u] in a role = ss file",
				cfg->groups[i].id);
		if (!ctx->key_line[K_SS_CA])
			problem(ctx, 0, "missing ca-certificate in [ss]");
		if (!ctx->key_line[K_SS_CERT])
			problem(ctx, 0, "missing certificate in [ss]");
		if (!ctx->key_line[K_SS_KEY])
			problem(ctx, 0, "missing private-key in [ss]");
		/* Any certificate of the CA could otherwise pass for the BS. */
		if (!ctx->key_line[K_BS_NAME] && !ctx->key_line[K_BS_KEY_ID])
			problem(ctx, 0, "missing bs-name or bs-key-sha256 in [ss]: the BS this SS trusts");
		if (!cfg->services && !cfg->n_ss_groups &&
		    cfg->request_service_type < 0)
			problem(ctx, ctx->key_line[K_SERVICES],
				"no service to ask for (services or multicast-groups)");
	} else {
		if (ctx->section_line[SEC_SS])
			problem(ctx, ctx->section_line[SEC_SS], "[ss] in a role = bs file");
		if (!ctx->key_line[K_BS_CA])
			problem(ctx, 0, "missing ca-certificate in [bs]");
		if (!ctx->key_line[K_BS_CERT])
			problem(ctx, 0, "missing certificate in [bs]");
		if (!ctx->key_line[K_BS_KEY])
			problem(ctx, 0, "missing private-key in [bs]");
		if (!ctx->key_line[K_PROVIDER])
			problem(ctx, 0, "missing provider in [bs]");
		check_zone(ctx);
		cfg->has_broadcast = ctx->section_line[SEC_BROADCAST] != 0;
		check_range(ctx, K_AK_LIFETIME, cfg->ak_lifetime, ak_min,
			    AK_LIFETIME_MAX);
		check_range(ctx, K_TEK_LIFETIME, cfg->tek_lifetime, tek_min,
			    TEK_LIFETIME_MAX);
		/*
		 * The SS refreshes a grace time before its newer TEK expires;
		 * the older must have expired (and the BS made the next one)
		 * by then.  Likewise for the AK.
		 */
		if ((uint64_t)cfg->timers.tek_grace * 2 > cfg->tek_lifetime)
			problem(ctx, ctx->key_line[K_TEK_GRACE] ? ctx->key_line[K_TEK_GRACE]
							   : ctx->key_line[K_TEK_LIFETIME],
				"tek-grace-time %u is more than half of tek-lifetime %u",
				cfg->timers.tek_grace, cfg->tek_lifetime);
		if ((uint64_t)cfg->timers.auth_grace * 2 > cfg->ak_lifetime)
			problem(ctx, ctx->key_line[K_AUTH_GRACE] ? ctx->key_line[K_AUTH_GRACE]
							    : ctx->key_line[K_AK_LIFETIME],
				"auth-grace-time %u is more than half of ak-lifetime %u",
				cfg->timers.auth_grace, cfg->ak_lifetime);
		check_groups(ctx);
	}
	for (size_t i = 0; i < ARRAY_SIZE(timer_ranges); i++) {
		uint32_t v = *(const uint32_t *)((const char *)&cfg->timers +
						  timer_ranges[i].offset);

		if (ctx->key_line[timer_ranges[i].key])
			check_range(ctx, timer_ranges[i].key, v,
				    cfg->allow_short_lifetimes ? 1 : timer_ranges[i].min,
				    timer_ranges[i].max);
	}
	if (!cfg->control[0])
		snprintf(cfg->control, sizeof(cfg->control),
			 "/run/pkmd/%s.sock", cfg->interface);
	if (cfg->role == ROLE_BS && !cfg->database[0])
		snprintf(cfg->database, sizeof(cfg->database),
			 "/var/lib/pkmd/%s.db", cfg->interface);
}

static int load(struct parse_ctx *ctx)
{
	int first_error;

	/* Continuation lines would hide a repeated key. */
	ini_allow_multiline = false;
	ini_use_stack = false;
	ini_max_line = LINE_MAX_LEN + 2;
	first_error = ini_parse_stream(reader, ctx, on_pair, ctx);
	/* Our reader keeps inih from failing on its own; just in case: */
	if (first_error > 0 && ctx->problems == 0)
		problem(ctx, first_error, "syntax error");
	if (first_error < 0)
		problem(ctx, 0, "cannot read the file");
	ctx->cfg->test_section_line = ctx->section_line[SEC_TEST];
	if (!ctx->problems)
		config_check(ctx);
	return ctx->problems;
}

static void ctx_init(struct parse_ctx *ctx, const char *name,
		     struct config *cfg, config_report_fn report, void *arg)
{
	memset(cfg, 0, sizeof(*cfg));
	set_defaults(cfg);
	str_copy(cfg->file, sizeof(cfg->file), name);
	memset(ctx, 0, sizeof(*ctx));
	ctx->cfg = cfg;
	ctx->report = report;
	ctx->report_arg = arg;
}

int config_load_file(const char *path, struct config *cfg,
		     config_report_fn report, void *arg)
{
	struct parse_ctx *ctx = malloc(sizeof(*ctx));
	int problems;

	if (!ctx)
		return 1;
	ctx_init(ctx, path, cfg, report, arg);
	ctx->file = fopen(path, "r");
	if (!ctx->file) {
		problem(ctx, 0, "cannot open: %s", strerror(errno));
		free(ctx);
		return 1;
	}
	problems = load(ctx);
	fclose(ctx->file);
	free(ctx);
	return problems;
}

int config_load_string(const char *name, const char *text, size_t len,
		       struct config *cfg, config_report_fn report, void *arg)
{
	struct parse_ctx *ctx = malloc(sizeof(*ctx));
	int problems;

	if (!ctx)
		return 1;
	ctx_init(ctx, name, cfg, report, arg);
	ctx->text = text;
	ctx->text_len = len;
	problems = load(ctx);
	free(ctx);
	return problems;
}

int config_check_test_mode(const struct config *cfg, bool test_mode,
			   config_report_fn report, void *arg)
{
	char msg[CONFIG_PATH_MAX + 256];

	if (!cfg->test_section_line || test_mode)
		return 0;
	snprintf(msg, sizeof(msg),
		 "%s:%d: [test] section refused: its settings are for test runs (they can write keys to a file or a socket and lower the standard's limits); start pkmd with --test-mode to use them",
		 cfg->file, cfg->test_section_line);
	if (report)
		report(arg, msg);
	return 1;
}

void config_free(struct config *cfg)
{
	free(cfg->groups);
	cfg->groups = NULL;
	cfg->n_groups = 0;
}
