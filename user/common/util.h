/* SPDX-License-Identifier: GPL-2.0 */
#ifndef COMMON_UTIL_H
#define COMMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAC_LEN		6
#define MAC_STR_LEN	18	/* "02:16:00:00:00:11" and its NUL */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/*
 * Exactly len bytes as pairs of hexadecimal digits (either case), each
 * pair but the last optionally followed by one colon; 0 or -1.
 */
int hex_parse(const char *s, uint8_t *out, size_t len);
/* "aa:bb:cc:dd:ee:ff" (case-insensitive); 0 or -1. */
int mac_parse(const char *s, uint8_t mac[MAC_LEN]);
/* Formats into buf (MAC_STR_LEN bytes) and returns it. */
const char *mac_format(const uint8_t mac[MAC_LEN], char buf[MAC_STR_LEN]);
/* The same into one of a few rotating static buffers, for log lines. */
const char *mac_str(const uint8_t mac[MAC_LEN]);
bool mac_is_unicast(const uint8_t mac[MAC_LEN]);
bool mac_is_multicast(const uint8_t mac[MAC_LEN]);

/*
 * Unsigned decimal or 0x-hex, whole string, at most max; 0 or -1.
 * Leading '+', '-' or spaces are refused.
 */
int parse_uint(const char *s, uint64_t max, uint64_t *out);
/* "yes"/"no", "true"/"false", "on"/"off", "1"/"0"; 0 or -1. */
int parse_bool(const char *s, bool *out);

/* Milliseconds since an arbitrary point; never goes back. */
int64_t now_mono_ms(void);
/* Seconds since the epoch; what the database stores. */
int64_t now_real_s(void);
/* The same in milliseconds, to time what the database says. */
int64_t now_real_ms(void);

/* Copies at most cap-1 bytes and terminates; false if s was cut. */
bool str_copy(char *dst, size_t cap, const char *s);
/* Printable ASCII only, 1..max bytes. */
bool str_is_printable(const char *s, size_t max);

#endif
