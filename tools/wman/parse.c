// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line vocabulary: pure parsers and formatters, and the arg_*
 * wrappers that turn their failures into an error naming the token.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"

bool keyword_is(const char *word, const char *keyword)
{
	size_t len = strlen(word);

	return len > 0 && strncmp(word, keyword, len) == 0;
}

/*
 * The entry of a table ended by a NULL name whose name is word, else the
 * first entry whose name word abbreviates.  Entries are entry_size bytes
 * and start with their name.
 */
static const void *entry_find(const void *table, size_t entry_size,
			      const char *word)
{
	const char *entry = table, *name;
	const void *first_prefix = NULL;

	for (; (name = *(const char *const *)entry); entry += entry_size) {
		if (strcmp(word, name) == 0)
			return entry;
		if (!first_prefix && keyword_is(word, name))
			first_prefix = entry;
	}
	return first_prefix;
}

static_assert(offsetof(struct command, name) == 0, "name first");
static_assert(offsetof(struct name_value, name) == 0, "name first");

const struct command *command_find(const struct command *table,
				   const char *word)
{
	return entry_find(table, sizeof(*table), word);
}

const struct name_value *name_find(const struct name_value *table,
				   const char *word)
{
	return entry_find(table, sizeof(*table), word);
}

const char *name_of(const struct name_value *table, unsigned int value)
{
	for (; table->name; table++)
		if (table->value == value)
			return table->name;
	return NULL;
}

static int hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int parse_uint(const char *text, uint64_t max, uint64_t *value)
{
	const char *digits = "0123456789";
	unsigned long long parsed;
	int base = 10;

	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		digits = "0123456789abcdefABCDEF";
		base = 16;
		text += 2;
	}
	/* strtoull alone would take signs, spaces and a second "0x". */
	if (text[0] == '\0' || text[strspn(text, digits)] != '\0')
		return -EINVAL;

	errno = 0;
	parsed = strtoull(text, NULL, base);
	if (errno == ERANGE || parsed > max)
		return -ERANGE;
	*value = parsed;
	return 0;
}

int parse_mac(const char *text, uint8_t mac[MAC_LEN])
{
	for (int i = 0; i < MAC_LEN; i++) {
		unsigned int octet = 0;
		int digits = 0;

		while (digits < 2 && hex_digit_value(*text) >= 0) {
			octet = octet * 16 + hex_digit_value(*text++);
			digits++;
		}
		if (digits == 0)
			return -EINVAL;
		mac[i] = octet;
		if (i < MAC_LEN - 1 && *text++ != ':')
			return -EINVAL;
	}
	return *text == '\0' ? 0 : -EINVAL;
}

void format_mac(const uint8_t mac[MAC_LEN], char text[MAC_TEXT_LEN])
{
	snprintf(text, MAC_TEXT_LEN, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

ssize_t parse_hex(const char *text, uint8_t *bytes, size_t max)
{
	size_t len = strlen(text);

	if (len == 0 || len % 2)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (hex_digit_value(text[i]) < 0)
			return -EINVAL;
	if (len / 2 > max)
		return -E2BIG;

	for (size_t i = 0; i < len / 2; i++)
		bytes[i] = hex_digit_value(text[2 * i]) << 4 |
			   hex_digit_value(text[2 * i + 1]);
	return len / 2;
}

void format_hex(const uint8_t *bytes, size_t len, char *text)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		*text++ = digits[bytes[i] >> 4];
		*text++ = digits[bytes[i] & 0xf];
	}
	*text = '\0';
}

int parse_key_file(const uint8_t *contents, size_t len, uint8_t *key,
		   size_t key_len)
{
	if (len == key_len) {
		memcpy(key, contents, key_len);
		return 0;
	}
	if (len == 2 * key_len + 1 && contents[len - 1] == '\n')
		len--;
	if (len != 2 * key_len)
		return -EINVAL;

	for (size_t i = 0; i < len; i++)
		if (hex_digit_value(contents[i]) < 0)
			return -EINVAL;
	for (size_t i = 0; i < key_len; i++)
		key[i] = hex_digit_value(contents[2 * i]) << 4 |
			 hex_digit_value(contents[2 * i + 1]);
	return 0;
}

int read_key_file(const char *path, uint8_t *key, size_t key_len)
{
	/* Room for the longest valid file and one byte to detect more. */
	uint8_t contents[2 * 64 + 2];
	size_t len = 0;
	ssize_t got;
	int fd, err;

	if (2 * key_len + 2 > sizeof(contents))
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		got = read(fd, contents + len, 2 * key_len + 2 - len);
		if (got > 0)
			len += got;
	} while ((got > 0 && len < 2 * key_len + 2) ||
		 (got < 0 && errno == EINTR));
	err = got < 0 ? -errno : parse_key_file(contents, len, key, key_len);
	close(fd);
	explicit_bzero(contents, sizeof(contents));
	return err;
}

unsigned int batch_line;

static void vwarn(const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("wman: ", stderr);
	if (batch_line)
		fprintf(stderr, "line %u: ", batch_line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(1);
}

char *cursor_next(struct cursor *args)
{
	args->argc--;
	return *args->argv++;
}

char *cursor_value(struct cursor *args, const char *keyword)
{
	if (!cursor_more(args))
		die("missing value after \"%s\"", keyword);
	return cursor_next(args);
}

uint64_t arg_uint(const char *keyword, const char *value, uint64_t min,
		  uint64_t max)
{
	uint64_t number;
	int err = parse_uint(value, max, &number);

	if (err == -EINVAL)
		die("invalid %s \"%s\": not a decimal or 0x hex number",
		    keyword, value);
	if (err || number < min)
		die("invalid %s \"%s\": must be %llu..%llu", keyword, value,
		    (unsigned long long)min, (unsigned long long)max);
	return number;
}

unsigned int arg_name(const char *keyword, const char *value,
		      const struct name_value *table)
{
	const struct name_value *found = name_find(table, value);

	if (!found) {
		fflush(stdout);
		fprintf(stderr, "wman: invalid %s \"%s\": expected {", keyword,
			value);
		for (; table->name; table++)
			fprintf(stderr, " %s%s", table->name,
				table[1].name ? " |" : " }\n");
		exit(1);
	}
	return found->value;
}

void arg_mac(const char *keyword, const char *value, uint8_t mac[MAC_LEN])
{
	if (parse_mac(value, mac))
		die("invalid %s \"%s\": expected a MAC address such as 02:00:00:00:00:01",
		    keyword, value);
}

const char *arg_ifname(const char *name)
{
	if (name[0] == '\0' || strlen(name) >= IFNAMSIZ)
		die("invalid device name \"%s\": must be 1..%d characters",
		    name, IFNAMSIZ - 1);
	return name;
}

uint32_t arg_device(const char *name)
{
	unsigned int ifindex = if_nametoindex(arg_ifname(name));

	if (!ifindex)
		die("cannot find device \"%s\"", name);
	return ifindex;
}

void arg_unknown(const char *object, const char *word)
{
	die("unknown argument \"%s\"; try \"wman %s help\"", word, object);
}

void arg_missing(const char *object, const char *command, const char *what)
{
	die("%s %s: missing \"%s\"; try \"wman %s help\"", object, command,
	    what, object);
}
