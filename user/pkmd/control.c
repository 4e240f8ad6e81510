// SPDX-License-Identifier: GPL-2.0
/*
 * Control socket server: line-delimited JSON requests, one response line
 * each, several requests per connection allowed.  Descriptors are
 * non-blocking; a client that does not read its responses only fills its
 * own buffer (and is dropped past a limit), never blocks the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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
	bool has_group;			/* control-group set */
	gid_t group;
	struct client *clients[MAX_CLIENTS];
} ctl = { .listen_fd = -1 };

/*
 * Who may talk to the daemon: root, the daemon's own user and, with
 * control-group, a process of that group (its primary or one of its
 * supplementary groups, as the kernel saw them when it connected).  The
 * file mode says the same; this holds even if someone widens the mode.
 */
static bool peer_allowed(int fd, struct ucred *cred)
{
	socklen_t len = sizeof(*cred);
	gid_t groups[256];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) ||
	    len != sizeof(*cred))
		return false;
	if (cred->uid == 0 || cred->uid == geteuid())
		return true;
	if (!ctl.has_group)
		return false;
	if (cred->gid == ctl.group)
		return true;
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		return false;	/* ERANGE: more than we look at; refused */
	for (size_t i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == ctl.group)
			return true;
	return false;
}

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
	struct ucred cred = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	struct client *c;
	int cfd, slot;

	(void)revents;
	(void)arg;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	if (!peer_allowed(cfd, &cred)) {
		log_warn("control: connection from uid %u gid %u pid %d refused",
			 (unsigned int)cred.uid, (unsigned int)cred.gid,
			 (int)cred.pid);
		close(cfd);
		return;
	}
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

/* control-group: a group name, or failing that a number. */
static int resolve_group(const char *name, gid_t *gid)
{
	struct group gr, *found = NULL;
	char buf[4096], *end;
	unsigned long n;
	int err;

	err = getgrnam_r(name, &gr, buf, sizeof(buf), &found);
	if (found) {
		*gid = gr.gr_gid;
		return 0;
	}
	errno = 0;
	n = strtoul(name, &end, 10);
	if (name[0] >= '0' && name[0] <= '9' && !*end && !errno &&
	    n < (gid_t)-1) {
		*gid = (gid_t)n;
		return 0;
	}
	log_err("control-group %s: %s", name,
		err ? strerror(err) : "no such group");
	return -ENOENT;
}

int control_open(struct pkmd *d, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[sizeof(addr.sun_path)];
	mode_t old_mask;
	int fd;

	ctl.d = d;
	ctl.has_group = d->cfg->control_group[0] != '\0';
	if (ctl.has_group && resolve_group(d->cfg->control_group, &ctl.group))
		return -ENOENT;
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
	/*
	 * The socket changes subscribers and keys: it is made 0600, and
	 * only with control-group given to that group and then opened to
	 * it (0660).  Nobody can connect before listen(), which comes last.
	 */
	old_mask = umask(0177);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    (ctl.has_group && (lchown(path, (uid_t)-1, ctl.group) ||
			       chmod(path, 0660))) ||
	    listen(fd, 16)) {
		int err = -errno;

		umask(old_mask);
		/* Without CAP_CHOWN only a group of the daemon's own will do. */
		log_err("control socket %s: %s%s", path, strerror(-err),
			ctl.has_group && err == -EPERM ?
			" (control-group: the daemon needs that group or CAP_CHOWN)" : "");
		close(fd);
		unlink(path);
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
