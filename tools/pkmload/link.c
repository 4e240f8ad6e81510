// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's two sockets as pkmload uses them: the test transport's
 * seqpacket records (the layout is user/pkmd/transport_test.h's) and
 * the control socket's JSON lines.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "pkmload.h"

#define SOCK_BUF	(4 << 20)
#define HELLO_WAIT_MS	5000

static int unix_connect(const char *path, int type)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "pkmload: %s: path too long\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		fprintf(stderr, "pkmload: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void parse_hdr(const uint8_t *buf, size_t len, struct rec *r)
{
	r->type = buf[0];
	r->cid = (uint16_t)(buf[2] << 8 | buf[3]);
	memcpy(r->mac, buf + 4, MAC_LEN);
	r->payload = buf + REC_HDR_LEN;
	r->len = len - REC_HDR_LEN;
}

int link_connect(const char *path, uint8_t bsid[MAC_LEN])
{
	uint8_t buf[REC_MAX];
	struct pollfd pfd;
	int fd = unix_connect(path, SOCK_SEQPACKET);
	int size = SOCK_BUF;
	struct rec r;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, HELLO_WAIT_MS) != 1 || link_recv(fd, buf, &r) != 1 ||
	    r.type != REC_HELLO) {
		fprintf(stderr, "pkmload: %s: no HELLO from the daemon (another client connected?)\n",
			path);
		close(fd);
		return -1;
	}
	memcpy(bsid, r.mac, MAC_LEN);
	return fd;
}

int link_send(int fd, uint16_t cid, const uint8_t mac[MAC_LEN],
	      const uint8_t *payload, size_t len)
{
	uint8_t hdr[REC_HDR_LEN] = { REC_MGMT, 0, (uint8_t)(cid >> 8),
				     (uint8_t)cid };
	struct iovec iov[2] = { { hdr, sizeof(hdr) },
				{ (void *)payload, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	memcpy(hdr + 4, mac, MAC_LEN);
	/* Blocking: the daemon reads whatever we send. */
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "pkmload: send: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int link_recv(int fd, uint8_t *buf, struct rec *r)
{
	ssize_t n = recv(fd, buf, REC_MAX, MSG_DONTWAIT | MSG_TRUNC);

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ||
		       errno == EINTR ? 0 : -1;
	if (n == 0) {
		fprintf(stderr, "pkmload: the daemon closed the test link\n");
		return -1;
	}
	if ((size_t)n > REC_MAX || (size_t)n < REC_HDR_LEN || buf[1] != 0) {
		fprintf(stderr, "pkmload: malformed record (%zd bytes)\n", n);
		return -1;
	}
	parse_hdr(buf, (size_t)n, r);
	return 1;
}

int control_connect(const char *path)
{
	return unix_connect(path, SOCK_STREAM);
}

int control_call(int fd, const char *request, char *answer, size_t cap)
{
	size_t len = strlen(request), got = 0;

	while (len) {
		ssize_t n = write(fd, request, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		request += n;
		len -= (size_t)n;
	}
	/* One line back; requests are sent one at a time. */
	while (got + 1 < cap) {
		ssize_t n = read(fd, answer + got, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (answer[got] == '\n')
			break;
		got++;
	}
	answer[got] = '\0';
	return strncmp(answer, "{\"ok\":true", 10) == 0 ? 0 : -1;
}
