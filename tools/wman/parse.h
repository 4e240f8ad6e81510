/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line vocabulary: keyword lookup, numbers, addresses, hex and key
 * files.  The parse_* and format_* functions are pure and unit-tested; the
 * arg_* functions wrap them for the command line, print an error that
 * names the bad token and exit with status 1.
 */
#ifndef WMAN_PARSE_H
#define WMAN_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <sys/types.h>

#define MAC_LEN		6
#define MAC_TEXT_LEN	18	/* "xx:xx:xx:xx:xx:xx" and the NUL */

/* An object or a command: its name and what runs it. */
struct command {
	const char *name;
	int (*run)(int argc, char **argv);
};

/* A keyword of the command line and the UAPI value it stands for. */
struct name_value {
	const char *name;
	unsigned int value;
};

/* Whether word is a non-empty prefix of keyword ("s" for "show"). */
bool keyword_is(const char *word, const char *keyword);

/*
 * Both tables end with a NULL name.  An exact match wins; otherwise the
 * first entry that word is a prefix of, so table order decides what an
 * abbreviation means, as in ip(8).
 */
const struct command *command_find(const struct command *table,
				   const char *word);
const struct name_value *name_find(const struct name_value *table,
				   const char *word);
/* The name of value, or NULL. */
const char *name_of(const struct name_value *table, unsigned int value);

/* Decimal or 0x hexadecimal, at most max: 0, -EINVAL or -ERANGE. */
int parse_uint(const char *text, uint64_t max, uint64_t *value);
/* Six colon-separated groups of one or two hex digits: 0 or -EINVAL. */
int parse_mac(const char *text, uint8_t mac[MAC_LEN]);
void format_mac(const uint8_t mac[MAC_LEN], char text[MAC_TEXT_LEN]);
/* An even number of hex digits: bytes decoded, -EINVAL or -E2BIG. */
ssize_t parse_hex(const char *text, uint8_t *bytes, size_t max);
/* text holds 2 * len + 1 characters. */
void format_hex(const uint8_t *bytes, size_t len, char *text);
/*
 * A key file holds the key_len raw bytes, or 2 * key_len hex digits and an
 * optional newline: 0 or -EINVAL.
 */
int parse_key_file(const uint8_t *contents, size_t len, uint8_t *key,
		   size_t key_len);
/* Reads and parses path; wipes what it read.  0, -errno or -EINVAL. */
int read_key_file(const char *path, uint8_t *key, size_t key_len);

/* The line of the -b file being run; 0 outside a batch. */
extern unsigned int batch_line;

/* Prints "wman: " (and "line N: " in a batch) and the message on stderr. */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The words of a command line still to be read. */
struct cursor {
	int argc;
	char **argv;
};

static inline bool cursor_more(const struct cursor *args)
{
	return args->argc > 0;
}

char *cursor_next(struct cursor *args);
/* The value after keyword; exits if there is none. */
char *cursor_value(struct cursor *args, const char *keyword);

uint64_t arg_uint(const char *keyword, const char *value, uint64_t min,
		  uint64_t max);
unsigned int arg_name(const char *keyword, const char *value,
		      const struct name_value *table);
void arg_mac(const char *keyword, const char *value, uint8_t mac[MAC_LEN]);
/* A device name that fits IFNAMSIZ. */
const char *arg_ifname(const char *name);
/* The ifindex of a device in the current network namespace. */
uint32_t arg_device(const char *name);
noreturn void arg_unknown(const char *object, const char *word);
noreturn void arg_missing(const char *object, const char *command,
			  const char *what);

#endif /* WMAN_PARSE_H */
