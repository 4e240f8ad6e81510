/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NONCE_AUDIT_H
#define NONCE_AUDIT_H

/*
 * The nonce audit: every TEK installed (key logs) against every encrypted
 * MAC PDU seen on the air (captures).  Each PDU is attributed to the
 * logged key that authenticates it; then no (key, nonce) pair may carry
 * two different PDUs, and no PDU may be sent after its key's lifetime.
 * Documentation/testing.rst describes the key log and the report.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define AUDIT_KEY_LEN		16
#define AUDIT_ORIGIN_MAX	48

/* Suite ids as on the netlink interface (enum wman_suite). */
#define AUDIT_SUITE_ANY		0	/* "-" in the log: not known */
#define AUDIT_SUITE_CCM		2	/* aes-ccm, 802.16e */
#define AUDIT_SUITE_GCM		0x80	/* aes-gcm, extension */

enum audit_role { ROLE_UNKNOWN, ROLE_BS, ROLE_SS };

/* One line of a key log: one TEK installed somewhere. */
struct keylog_entry {
	double time;			/* CLOCK_REALTIME seconds */
	uint16_t said;
	uint8_t eks;
	uint8_t suite;			/* AUDIT_SUITE_* */
	uint8_t key[AUDIT_KEY_LEN];
	uint32_t lifetime;		/* seconds from time; 0: none */
	char origin[AUDIT_ORIGIN_MAX];	/* "bs...", "ss...": who installed */
};

struct audit_options {
	double slack;			/* seconds allowed past a lifetime */
	unsigned int max_details;	/* offending frames described, per kind */
	FILE *details;			/* where they are described (NULL: nowhere) */
};

struct audit_counts {
	uint64_t frames;		/* every frame read */
	uint64_t other;			/* another EtherType */
	uint64_t clear;			/* wman PDUs with EC = 0 */
	uint64_t malformed;		/* wman, cut short, bad header or LEN */
	uint64_t encrypted;		/* well-formed, EC = 1 */
	uint64_t attributed;		/* authenticated by a logged key */
	uint64_t unattributed;
	uint64_t replays;		/* byte-identical repeats */
	uint64_t reuses;		/* one (key, nonce), different PDUs */
	uint64_t pn_repeats;		/* one (key, PN), different nonces */
	uint64_t expired;		/* sent after every lifetime it had */
	size_t keys_logged;		/* distinct keys in the logs */
	size_t keys_used;		/* of those, keys that opened a PDU */
};

struct audit;

struct audit *audit_new(const struct audit_options *opt);
void audit_free(struct audit *a);

/*
 * Parses one key log line: 1 an entry, 0 a blank line or a comment, -1 a
 * malformed line (why says what is wrong).
 */
int keylog_parse_line(const char *line, struct keylog_entry *out,
		      char *why, size_t why_len);
/* Formats an entry as a log line, without the newline. */
int keylog_format(const struct keylog_entry *e, char *buf, size_t len);

int audit_add_key(struct audit *a, const struct keylog_entry *e);
/* Every line of a key log file; -1 (reported on err) on a bad line. */
int audit_load_keylog(struct audit *a, const char *path, FILE *err);

/*
 * One captured frame: its link type (DLT_EN10MB, DLT_LINUX_SLL or
 * DLT_LINUX_SLL2), capture time, the bytes captured and the length it
 * had on the wire.  source and index name it in the details.
 */
void audit_frame(struct audit *a, int linktype, double time,
		 const uint8_t *data, size_t caplen, size_t wirelen,
		 const char *source, uint64_t index);
/* Every frame of a pcap file; -1 (reported on err) if it cannot be read. */
int audit_read_pcap(struct audit *a, const char *path, FILE *err);

void audit_get_counts(const struct audit *a, struct audit_counts *out);
/* The one-line report, without the newline. */
int audit_format_counts(const struct audit_counts *c, char *buf, size_t len);

#endif
