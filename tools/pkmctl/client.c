// SPDX-License-Identifier: GPL-2.0
/* The control socket: one request line out, one response line back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "pkmctl.h"

#define RESPONSE_MAX	(64 << 20)

static int connect_daemon(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(opts.socket) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "pkmctl: socket path too long: %s\n", opts.socket);
		return -1;
	}
	strcpy(addr.sun_path, opts.socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		fprintf(stderr, "pkmctl: cannot reach pkmd at %s: %s\n",
			opts.socket, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads until the first newline; returns the line, malloc'd. */
static char *read_line(int fd, size_t *len)
{
	size_t cap = 4096, used = 0;
	char *buf = malloc(cap);

	while (buf) {
		ssize_t n;
		char *nl = memchr(buf, '\n', used);

		if (nl) {
			*len = (size_t)(nl - buf);
			return buf;
		}
		if (used == cap) {
			char *bigger = cap < RESPONSE_MAX ? realloc(buf, cap * 2) : NULL;

			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
		n = recv(fd, buf + used, cap - used, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	free(buf);
	return NULL;
}

int request(json_t *req, json_t **resp, json_t **result)
{
	json_error_t jerr;
	const json_t *ok;
	char *text, *line;
	size_t len;
	int fd;

	/* Compact: one line, whatever the strings hold. */
	text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!text) {
		fprintf(stderr, "pkmctl: cannot build the request (arguments must be UTF-8 text)\n");
		return EXIT_REFUSED;
	}
	fd = connect_daemon();
	if (fd < 0) {
		free(text);
		return EXIT_NO_DAEMON;
	}
	if (send_all(fd, text, strlen(text)) || send_all(fd, "\n", 1)) {
		fprintf(stderr, "pkmctl: cannot send to pkmd: %s\n", strerror(errno));
		free(text);
		close(fd);
		return EXIT_NO_DAEMON;
	}
	free(text);
	shutdown(fd, SHUT_WR);
	line = read_line(fd, &len);
	close(fd);
	if (!line) {
		fprintf(stderr, "pkmctl: no response from pkmd\n");
		return EXIT_NO_DAEMON;
	}
	*resp = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	free(line);
	if (!*resp) {
		fprintf(stderr, "pkmctl: malformed response from pkmd: %s\n",
			jerr.text);
		return EXIT_REFUSED;
	}
	ok = json_object_get(*resp, "ok");
	if (!json_is_boolean(ok)) {
		fprintf(stderr, "pkmctl: malformed response from pkmd\n");
		json_decref(*resp);
		return EXIT_REFUSED;
	}
	if (!json_is_true(ok)) {
		const char *why = json_string_value(json_object_get(*resp, "error"));

		if (opts.json) {
			print_json(*resp);
		} else {
			fprintf(stderr, "pkmctl: %s\n", why ? why : "refused");
		}
		json_decref(*resp);
		return EXIT_REFUSED;
	}
	*result = json_object_get(*resp, "result");
	return EXIT_OK;
}

int request_command(const char *command, json_t **resp, json_t **result)
{
	return request(json_pack("{s:s}", "command", command), resp, result);
}
