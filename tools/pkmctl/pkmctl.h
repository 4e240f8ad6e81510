/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMCTL_H
#define PKMCTL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

/*
 * pkmctl: the operator's tool for a running pkmd, over its control
 * socket (Documentation/control-plane.rst, pkmctl(8)).
 */

enum pkmctl_exit {
	EXIT_OK = 0,
	EXIT_REFUSED = 1,	/* the daemon refused or failed the request */
	EXIT_USAGE = 2,
	EXIT_NO_DAEMON = 3,	/* cannot reach the control socket */
};

struct options {
	const char *socket;
	bool json;
	bool pretty;
};

extern struct options opts;

/* A command's arguments, consumed left to right. */
struct args {
	int argc;
	char **argv;
};

/* Matches an abbreviation of a keyword (ip(8) style). */
bool keyword_is(const char *word, const char *keyword);
__attribute__((noreturn, format(printf, 1, 2)))
void usage_error(const char *fmt, ...);

/*
 * Sends one request and reads the response; takes the reference to req
 * (NULL: it could not be built, an argument not being UTF-8 text).
 * Prints the daemon's error and returns EXIT_REFUSED when it says no;
 * returns EXIT_OK with *resp to json_decref() and *result in it
 * (NULL if the response has none) otherwise.
 */
int request(json_t *req, json_t **resp, json_t **result);
/* The same for a request that names its command and nothing else. */
int request_command(const char *command, json_t **resp, json_t **result);

/* Output: the result as JSON (-j), or a table. */
void print_json(const json_t *result);
struct table;
struct table *table_new(const char *const *headers, int n_cols);
void table_row(struct table *t, const char *const *cells);
void table_print(struct table *t);
/* A member of obj as an integer or a string: false / NULL if not one. */
bool get_int(const json_t *obj, const char *key, int64_t *out);
const char *get_string(const json_t *obj, const char *key);
/* Helpers that format one cell into a static buffer. */
const char *cell_int(const json_t *obj, const char *key);
const char *cell_hex(const json_t *obj, const char *key);
const char *cell_str(const json_t *obj, const char *key);
const char *cell_list(const json_t *obj, const char *key);

int cmd_status(struct args *a);
int cmd_subscriber(struct args *a);
int cmd_group(struct args *a);
int cmd_sa(struct args *a);
int cmd_rekey(struct args *a);
int cmd_deregister(struct args *a);
int cmd_handover(struct args *a);

#endif
