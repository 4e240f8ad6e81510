// SPDX-License-Identifier: GPL-2.0
/* Small helpers: MAC addresses, numbers, clocks, strings. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util.h"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_parse(const char *s, uint8_t *out, size_t len)
{
	size_t n = 0;

	while (*s) {
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

		if (hi < 0 || lo < 0 || n == len)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (*s == ':' && s[1])
			s++;
	}
	return n == len ? 0 : -1;
}

int mac_parse(const char *s, uint8_t mac[MAC_LEN])
{
	for (int i = 0; i < MAC_LEN; i++) {
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

		if (hi < 0 || lo < 0)
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i < MAC_LEN - 1 && *s++ != ':')
			return -1;
	}
	return *s ? -1 : 0;
}

/* By hand: it runs for every Key Request (the database keys on it). */
const char *mac_format(const uint8_t mac[MAC_LEN], char buf[MAC_STR_LEN])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < MAC_LEN; i++) {
		buf[3 * i] = hex[mac[i] >> 4];
		buf[3 * i + 1] = hex[mac[i] & 15];
		buf[3 * i + 2] = i + 1 < MAC_LEN ? ':' : '\0';
	}
	return buf;
}

const char *mac_str(const uint8_t mac[MAC_LEN])
{
	static char bufs[4][MAC_STR_LEN];
	static unsigned int next;

	return mac_format(mac, bufs[next++ % ARRAY_SIZE(bufs)]);
}

bool mac_is_multicast(const uint8_t mac[MAC_LEN])
{
	return mac[0] & 1;
}

bool mac_is_unicast(const uint8_t mac[MAC_LEN])
{
	static const uint8_t zero[MAC_LEN];

	return !mac_is_multicast(mac) && memcmp(mac, zero, MAC_LEN) != 0;
}

int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

int64_t now_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t now_real_s(void)
{
	return (int64_t)time(NULL);
}

int64_t now_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool str_copy(char *dst, size_t cap, const char *s)
{
	size_t len = strlen(s);

	if (len >= cap) {
		memcpy(dst, s, cap - 1);
		dst[cap - 1] = '\0';
		return false;
	}
	memcpy(dst, s, len + 1);
	return true;
}

bool str_is_printable(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}
