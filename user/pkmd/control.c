// SPDX-License-Identifier: GPL-2.0
/*
 * Control socket server: line-delimited JSON requests, one response line
 * each, several requests per connection allowed.  Descriptors are
 * non-blocking; a client that does not read its responses only fills its
 * own buffer (and is dropped past a limit), never blocks the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "eloop.h"
#include "json.h"
#include "log.h"
#include "util.h"

#define MAX_CLIENTS	16
#define LINE_MAX_BYTES	65536
#define OUT_MAX_BYTES	(16 << 20)

struct client {
	int fd;
	char in[LINE_MAX_BYTES];
	size_t in_len;
	struct json_out out;
	size_t out_sent;
	bool closing;
};

static struct {
	struct pkmd *d;
	int listen_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client *clients[MAX_CLIENTS];
} ctl = { .listen_fd = -1 };

/* Connections */

static void client_close(struct client *c)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl.clients[i] == c)
			ctl.clients[i] = NULL;
	eloop_del_fd(c->fd);
	close(c->fd);
	jo_free(&c->out);
	free(c);
}

static void client_flush(struct client *c)
{
	while (c->out_sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.buf + c->out_sent,
				 c->out.len - c->out_sent, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			client_close(c);
			return;
		}
		c->out_sent += (size_t)n;
	}
	if (c->out_sent == c->out.len) {
		c->out.len = c->out_sent = 0;
		if (c->closing) {
			client_close(c);
			return;
		}
	}
	eloop_set_events(c->fd, POLLIN | (c->out.len ? POLLOUT : 0));
}

static void client_event(int fd, short revents, void *arg)
{
	struct client *c = arg;

	(void)fd;
	if (revents & POLLIN) {
		ssize_t n = recv(c->fd, c->in + c->in_len,
				 sizeof(c->in) - c->in_len, 0);
		char *nl;

		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			/* Peer done sending: answer what came, then close. */
			c->closing = true;
			eloop_set_events(c->fd, POLLOUT);
			client_flush(c);
			return;
		}
		c->in_len += (size_t)n;
		while ((nl = memchr(c->in, '\n', c->in_len))) {
			size_t line = (size_t)(nl - c->in);

			control_request(ctl.d, c->in, line, &c->out);
			memmove(c->in, nl + 1, c->in_len - line - 1);
			c->in_len -= line + 1;
		}
		if (c->in_len == sizeof(c->in) || c->out.failed ||
		    c->out.len > OUT_MAX_BYTES) {
			log_warn("control: request too long or response not read; connection dropped");
			client_close(c);
			return;
		}
	}
	if (revents & (POLLOUT | POLLIN))
		client_flush(c);
	else if (revents & (POLLERR | POLLHUP | POLLNVAL))
		client_close(c);
}

static void listen_event(int fd, short revents, void *arg)
{
	struct client *c;
	int cfd, slot;

	(void)revents;
	(void)arg;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	for (slot = 0; slot < MAX_CLIENTS && ctl.clients[slot]; slot++)
		;
	c = slot < MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		log_warn("control: too many connections");
		close(cfd);
		return;
	}
	c->fd = cfd;
	jo_init(&c->out, false);
	if (eloop_add_fd(cfd, POLLIN, client_event, c)) {
		close(cfd);
		free(c);
		return;
	}
	ctl.clients[slot] = c;
}

/* Another daemon answering on the path? */
static bool socket_alive(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	alive = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0;
	close(fd);
	return alive;
}

int control_open(struct pkmd *d, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[sizeof(addr.sun_path)];
	mode_t old_mask;
	int fd;

	ctl.d = d;
	if (!str_copy(addr.sun_path, sizeof(addr.sun_path), path)) {
		log_err("control socket path %s too long", path);
		return -EINVAL;
	}
	str_copy(dir, sizeof(dir), path);
	if (mkdir(dirname(dir), 0755) && errno != EEXIST) {
		log_err("control socket %s: cannot create its directory: %s",
			path, strerror(errno));
		return -errno;
	}
	if (socket_alive(&addr)) {
		log_err("control socket %s: another daemon answers there", path);
		return -EADDRINUSE;
	}
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Owner and group only: the socket changes subscribers and keys. */
	old_mask = umask(0117);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 16)) {
		int err = -errno;

		umask(old_mask);
		log_err("control socket %s: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	umask(old_mask);
	if (eloop_add_fd(fd, POLLIN, listen_event, NULL)) {
		close(fd);
		unlink(path);
		return -EMFILE;
	}
	ctl.listen_fd = fd;
	str_copy(ctl.path, sizeof(ctl.path), path);
	return 0;
}

void control_close(void)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl.clients[i])
			client_close(ctl.clients[i]);
	if (ctl.listen_fd >= 0) {
		eloop_del_fd(ctl.listen_fd);
		close(ctl.listen_fd);
		unlink(ctl.path);
		ctl.listen_fd = -1;
	}
}
