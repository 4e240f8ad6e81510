// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket, without the rest of the daemon:
 *
 *   - request lines, each an exact-size copy on the heap as the socket
 *     hands them over (no NUL after them), go through control_request():
 *     strings cut short on a lone backslash, bytes that are not JSON, a
 *     NUL, a member twice, numbers that are too big or not integers,
 *     deep nesting; each gets one line back, an EINVAL error, and ASan
 *     sees no access past the line;
 *   - the socket file is 0600; a process of another user is refused
 *     even when the mode is widened by hand (SO_PEERCRED);
 *   - with control-group, the file is 0660 and of that group, and a
 *     process with the group as its primary or a supplementary group is
 *     served, one without it refused.
 *
 * The socket part forks children that take the identity of nobody; it
 * needs root and is skipped without it.
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "eloop.h"
#include "tap.h"

#define NOBODY		65534
#define OTHER_GID	4242		/* not nobody's */
#define WAIT_MS		10000

static struct config cfg;
static struct pkmd daemon_ = { .cfg = &cfg };

/* One request, its response: the line and its "errno" (NULL: success). */
static bool answer(const char *line, size_t len, char *errno_out, size_t n)
{
	struct json_out out;
	char *copy = malloc(len ? len : 1);
	json_t *resp;
	bool one_line;

	memcpy(copy, line, len);
	jo_init(&out, false);
	control_request(&daemon_, copy, len, &out);
	free(copy);
	one_line = !out.failed && out.len > 0 && out.buf[out.len - 1] == '\n' &&
		   memchr(out.buf, '\n', out.len) == out.buf + out.len - 1;
	resp = one_line ? json_loadb(out.buf, out.len - 1, 0, NULL) : NULL;
	snprintf(errno_out, n, "%s",
		 json_string_value(json_object_get(resp, "errno")) ?: "");
	one_line = resp && json_is_false(json_object_get(resp, "ok"));
	json_decref(resp);
	jo_free(&out);
	return one_line;
}

static void requests(void)
{
	static const struct {
		const char *line;
		const char *errno_name;
	} cases[] = {
		{ "\"\\", "EINVAL" },
		{ "\"a\\", "EINVAL" },
		{ "{\"command\":\"x\\", "EINVAL" },
		{ "{\"command\":\"status\",\"cn\":\"\\", "EINVAL" },
		{ "{\"command\\", "EINVAL" },
		{ "[\"\\u12", "EINVAL" },
		{ "{\"command\":\"status\"} x", "EINVAL" },
		{ "{\"command\":\"status\",\"command\":\"rekey\"}", "EINVAL" },
		{ "{\"command\":\"\xff\"}", "EINVAL" },
		{ "{\"command\":\"st\\u0000atus\"}", "EINVAL" },
		{ "{\"command\":\"rekey\",\"said\":1.5}", "EINVAL" },
		{ "{\"command\":\"rekey\",\"said\":99999999999999999999}", "EINVAL" },
		{ "{\"command\":\"rekey\",\"said\":\"1\"}", "EINVAL" },
		{ "[]", "EINVAL" },
		{ "{\"command\":1}", "EINVAL" },
		{ "{\"command\":\"no-such-command\"}", "EINVAL" },
		{ "", "EINVAL" },
		{ "{\"command\":\"subscriber-list\"}", "EOPNOTSUPP" },
		{ "{\"command\":\"deregister\"}", "EOPNOTSUPP" },
	};
	static const char with_nul[] = "{\"command\":\"status\"}\0";
	char got[32], *deep;
	struct json_out out;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool refused = answer(cases[i].line, strlen(cases[i].line),
				      got, sizeof(got));

		ok(refused && !strcmp(got, cases[i].errno_name),
		   "refused with %s: %s (%s)", cases[i].errno_name,
		   cases[i].line, got);
	}
	ok(answer(with_nul, sizeof(with_nul) - 1, got, sizeof(got)) &&
	   !strcmp(got, "EINVAL"), "a NUL byte in the line: EINVAL");

	/* Nested far deeper than any request: refused, no deep recursion. */
	deep = malloc(60000);
	memset(deep, '[', 60000);
	ok(answer(deep, 60000, got, sizeof(got)) && !strcmp(got, "EINVAL"),
	   "60000 nested arrays: EINVAL");
	free(deep);

	jo_init(&out, false);
	control_request(&daemon_, "[]", 2, &out);
	control_request(&daemon_, "{\"command\":\"subscriber-list\"}", 29, &out);
	ok(out.len && strstr(out.buf, "\n") && strstr(strchr(out.buf, '\n'), "EOPNOTSUPP") &&
	   !strstr(strchr(out.buf, '\n') + 1, "\n{"),
	   "two requests: two response lines, in order");
	jo_free(&out);
}

/* Socket part */

static char dir[64], sock_path[128];
static int timed_out;
static struct timer deadline;

static void child_exited(int fd, short revents, void *arg)
{
	(void)fd;
	(void)revents;
	(void)arg;
	eloop_stop(0);
}

static void too_long(struct timer *t)
{
	(void)t;
	timed_out = 1;
	eloop_stop(1);
}

enum outcome {
	SERVED = 0,		/* a response line came back */
	NO_RESPONSE = 1,	/* connected, closed without a word */
	CONNECT_DENIED = 2,	/* connect(): EACCES */
	BROKEN = 3,
};

static const char *outcome_name(int o)
{
	return o == SERVED ? "served" : o == NO_RESPONSE ? "refused by the daemon" :
	       o == CONNECT_DENIED ? "refused by the file mode" : "test broken";
}

/* The child's side: become uid, with gid and groups, and ask. */
static int client(uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups)
{
	static const char req[] = "{\"command\":\"subscriber-list\"}\n";
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[512];
	size_t got = 0;
	ssize_t n;
	int fd;

	if (setgroups(n_groups, groups) || setgid(gid) || setuid(uid))
		return BROKEN;
	memcpy(sun.sun_path, sock_path, strlen(sock_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return BROKEN;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
		return errno == EACCES ? CONNECT_DENIED : BROKEN;
	if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) < 0 && errno != EPIPE &&
	    errno != ECONNRESET)
		return BROKEN;
	shutdown(fd, SHUT_WR);
	while (got < sizeof(buf) &&
	       (n = recv(fd, buf + got, sizeof(buf) - got, 0)) > 0)
		got += (size_t)n;
	close(fd);
	return got && memchr(buf, '\n', got) ? SERVED : NO_RESPONSE;
}

/* Runs the client in a child while the daemon's loop serves it. */
static int connect_as(uid_t uid, gid_t gid, const gid_t *groups,
		      size_t n_groups)
{
	int status, pidfd;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return BROKEN;
	if (pid == 0)
		_exit(client(uid, gid, groups, n_groups));
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0 || eloop_add_fd(pidfd, POLLIN, child_exited, NULL)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return BROKEN;
	}
	timer_start(&deadline, WAIT_MS);
	eloop_run();
	timer_stop(&deadline);
	eloop_del_fd(pidfd);
	close(pidfd);
	if (timed_out) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return BROKEN;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return BROKEN;
	return WEXITSTATUS(status);
}

static void socket_mode(void)
{
	const gid_t with_other[] = { NOBODY, OTHER_GID };
	struct stat st;
	int o;

	snprintf(sock_path, sizeof(sock_path), "%s/ctl.sock", dir);
	cfg.control_group[0] = '\0';
	ok(!control_open(&daemon_, sock_path), "control socket open");
	if (stat(sock_path, &st))
		memset(&st, 0, sizeof(st));
	ok(S_ISSOCK(st.st_mode) && (st.st_mode & 07777) == 0600,
	   "without control-group the socket is 0600 (it is %04o)",
	   (unsigned int)(st.st_mode & 07777));
	o = connect_as(0, 0, NULL, 0);
	ok(o == SERVED, "root is served (%s)", outcome_name(o));
	o = connect_as(NOBODY, NOBODY, NULL, 0);
	ok(o == CONNECT_DENIED, "nobody cannot connect (%s)", outcome_name(o));
	/* Someone widens the mode: the daemon still refuses the peer. */
	chmod(sock_path, 0666);
	o = connect_as(NOBODY, NOBODY, NULL, 0);
	ok(o == NO_RESPONSE, "socket made 0666 by hand: nobody is refused by SO_PEERCRED (%s)",
	   outcome_name(o));
	o = connect_as(NOBODY, OTHER_GID, NULL, 0);
	ok(o == NO_RESPONSE, "... also with some other gid (%s)", outcome_name(o));
	control_close();

	snprintf(cfg.control_group, sizeof(cfg.control_group), "%d", OTHER_GID);
	ok(!control_open(&daemon_, sock_path), "control socket open, control-group = %d",
	   OTHER_GID);
	if (stat(sock_path, &st))
		memset(&st, 0, sizeof(st));
	ok(S_ISSOCK(st.st_mode) && (st.st_mode & 07777) == 0660 &&
	   st.st_gid == OTHER_GID, "the socket is 0660 and of group %d (%04o, gid %u)",
	   OTHER_GID, (unsigned int)(st.st_mode & 07777), (unsigned int)st.st_gid);
	o = connect_as(NOBODY, OTHER_GID, NULL, 0);
	ok(o == SERVED, "a process whose primary group it is: served (%s)",
	   outcome_name(o));
	o = connect_as(NOBODY, NOBODY, with_other, 2);
	ok(o == SERVED, "a process with it as a supplementary group: served (%s)",
	   outcome_name(o));
	o = connect_as(NOBODY, NOBODY, NULL, 0);
	ok(o == CONNECT_DENIED, "a process outside the group cannot connect (%s)",
	   outcome_name(o));
	chmod(sock_path, 0666);
	o = connect_as(NOBODY, NOBODY, NULL, 0);
	ok(o == NO_RESPONSE, "socket made 0666 by hand: outside the group, refused (%s)",
	   outcome_name(o));
	control_close();

	snprintf(cfg.control_group, sizeof(cfg.control_group), "no-such-group-here");
	ok(control_open(&daemon_, sock_path) == -ENOENT,
	   "control-group naming no group: the socket is not opened");
	cfg.control_group[0] = '\0';
}

int main(void)
{
	cfg.role = ROLE_BS;
	requests();

	if (geteuid() != 0) {
		printf("ok %d # skip the socket part needs root\n", ++tap_run);
		return tap_finish();
	}
	snprintf(dir, sizeof(dir), "/tmp/pkmd-control-XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0755) || eloop_init()) {
		printf("Bail out! cannot set up %s\n", dir);
		return 1;
	}
	timer_init(&deadline, "test deadline", too_long);
	socket_mode();
	eloop_destroy();
	unlink(sock_path);
	rmdir(dir);
	return tap_finish();
}
