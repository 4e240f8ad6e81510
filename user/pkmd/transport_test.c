// SPDX-License-Identifier: GPL-2.0
/*
 * The test transport (Documentation/loadgen.rst): the BS's management
 * PDUs over a unix seqpacket socket instead of the wman device, so that
 * a load generator on the same host can play many SSs against the real
 * daemon (its BS logic, database and OpenSSL) where no module can be
 * loaded.  One client at a time; each PDU is one record.  Nothing here
 * is used unless [test] mgmt-socket is set.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <openssl/crypto.h>

#include "eloop.h"
#include "log.h"
#include "transport_test.h"

#define SOCK_BUF	(4 << 20)
/* Kernel requests recorded before the client came, kept for it. */
#define BACKLOG_MAX	1024

/* The BSID the test link pretends to have; HELLO tells the client. */
static const uint8_t test_bsid[MAC_LEN] = { 0x02, 0x16, 0xff, 0x00, 0x00, 0x01 };

struct backlog_rec {
	size_t len;
	uint8_t msg[];
};

struct test_link {
	int listen_fd;
	int client_fd;			/* -1: nobody connected */
	bool record;
	struct backlog_rec *backlog[BACKLOG_MAX];
	size_t n_backlog;
	unsigned long backlog_dropped;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned long rx, tx, tx_dropped, kernel_requests;
};

static void put_hdr(uint8_t *h, uint8_t type, uint16_t cid,
		    const uint8_t *mac)
{
	h[0] = type;
	h[1] = 0;
	h[2] = (uint8_t)(cid >> 8);
	h[3] = (uint8_t)cid;
	if (mac)
		memcpy(h + 4, mac, MAC_LEN);
	else
		memset(h + 4, 0, MAC_LEN);
}

/*
 * Never blocks: a client that does not read loses records, as a radio
 * link loses frames; they are counted and logged when it leaves.
 */
static int send_record(struct test_link *t, uint8_t type, uint16_t cid,
		       const uint8_t *mac, const void *payload, size_t len)
{
	uint8_t hdr[TEST_REC_HDR_LEN];
	struct iovec iov[2] = {
		{ hdr, sizeof(hdr) }, { (void *)payload, len },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	if (t->client_fd < 0)
		return -ENOTCONN;
	put_hdr(hdr, type, cid, mac);
	if (sendmsg(t->client_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			t->tx_dropped++;
			return 0;
		}
		return -errno;
	}
	return 0;
}

static void client_close(struct test_link *t)
{
	if (t->client_fd < 0)
		return;
	eloop_del_fd(t->client_fd);
	close(t->client_fd);
	t->client_fd = -1;
	log_notice("test link: client left (%lu PDUs in, %lu out, %lu dropped, %lu kernel requests)",
		   t->rx, t->tx, t->tx_dropped, t->kernel_requests);
}

static void client_read(int fd, short revents, void *arg)
{
	struct kernel *k = arg;
	struct test_link *t = k->test;
	uint8_t buf[TEST_REC_HDR_LEN + WMAN_MGMT_MAX_LEN + 1];

	(void)revents;
	if (k->handlers.rx_batch)
		k->handlers.rx_batch(k->handlers.arg, true);
	for (int i = 0; i < KERNEL_RX_BATCH; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		size_t len;

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
			      errno == EINTR))
			break;
		if (n <= 0) {
			if (n < 0)
				log_warn("test link: %s", strerror(errno));
			client_close(t);
			break;
		}
		len = (size_t)n;
		if (len > sizeof(buf) - 1 || len < TEST_REC_HDR_LEN + 1 ||
		    (buf[0] != TEST_REC_MGMT && buf[0] != TEST_REC_EVENT) ||
		    buf[1] != 0) {
			log_warn("test link: malformed record (%zu bytes, type %u) dropped",
				 len, buf[0]);
			continue;
		}
		if (buf[0] == TEST_REC_EVENT) {
			kernel_test_notification(k, buf + TEST_REC_HDR_LEN,
						 len - TEST_REC_HDR_LEN);
			continue;
		}
		t->rx++;
		if (k->handlers.mgmt_rx)
			k->handlers.mgmt_rx(k->handlers.arg,
					    (uint16_t)(buf[2] << 8 | buf[3]),
					    buf + 4, buf + TEST_REC_HDR_LEN,
					    len - TEST_REC_HDR_LEN);
	}
	if (k->handlers.rx_batch)
		k->handlers.rx_batch(k->handlers.arg, false);
}

static void backlog_free(struct test_link *t)
{
	for (size_t i = 0; i < t->n_backlog; i++) {
		/* TEK requests carry keys */
		OPENSSL_cleanse(t->backlog[i]->msg, t->backlog[i]->len);
		free(t->backlog[i]);
	}
	t->n_backlog = 0;
}

static void backlog_add(struct test_link *t, const void *nlmsg, size_t len)
{
	struct backlog_rec *r;

	if (t->n_backlog == BACKLOG_MAX ||
	    !(r = malloc(sizeof(*r) + len))) {
		t->backlog_dropped++;
		return;
	}
	r->len = len;
	memcpy(r->msg, nlmsg, len);
	t->backlog[t->n_backlog++] = r;
}

/* The first client gets what the daemon asked of the kernel before it came. */
static void backlog_send(struct test_link *t)
{
	for (size_t i = 0; i < t->n_backlog; i++)
		send_record(t, TEST_REC_KERNEL, 0, NULL, t->backlog[i]->msg,
			    t->backlog[i]->len);
	if (t->backlog_dropped)
		log_warn("test link: %lu kernel requests made before the client connected were not kept",
			 t->backlog_dropped);
	t->backlog_dropped = 0;
	backlog_free(t);
}

void test_link_notify_read(struct kernel *k)
{
	struct test_link *t = k->test;
	int fd = accept4(t->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int size = SOCK_BUF;

	if (fd < 0)
		return;
	if (t->client_fd >= 0) {
		log_warn("test link: a second client refused");
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (eloop_add_fd(fd, POLLIN, client_read, k)) {
		close(fd);
		return;
	}
	t->client_fd = fd;
	t->rx = t->tx = t->tx_dropped = t->kernel_requests = 0;
	log_notice("test link: client connected");
	if (send_record(t, TEST_REC_HELLO, 0, k->bsid, NULL, 0))
		client_close(t);
	else
		backlog_send(t);
}

int test_link_notify_fd(const struct kernel *k)
{
	return k->test->listen_fd;
}

int test_link_mgmt_tx(struct kernel *k, uint16_t cid, const uint8_t *dst,
		      const uint8_t *payload, size_t len)
{
	struct test_link *t = k->test;
	int err;

	if (!len || len > WMAN_MGMT_MAX_LEN)
		return -EMSGSIZE;
	err = send_record(t, TEST_REC_MGMT, cid, dst, payload, len);
	if (!err)
		t->tx++;
	return err;
}

int test_link_request(struct kernel *k, const void *nlmsg, size_t len)
{
	struct test_link *t = k->test;
	const struct nlmsghdr *nlh = nlmsg;
	const struct genlmsghdr *gh;

	if (len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EINVAL;
	gh = (const struct genlmsghdr *)((const uint8_t *)nlmsg + NLMSG_HDRLEN);
	t->kernel_requests++;
	if (t->record && t->client_fd >= 0)
		send_record(t, TEST_REC_KERNEL, 0, NULL, nlmsg, len);
	else if (t->record)
		backlog_add(t, nlmsg, len);
	/* Nothing is in this kernel: reads find nothing, changes succeed. */
	if (gh->cmd == WMAN_CMD_SA_GET && !(nlh->nlmsg_flags & NLM_F_DUMP))
		return -ENOENT;
	return 0;
}

/* A socket file left by a dead daemon is replaced; a live one is not. */
static int bind_path(int fd, const struct sockaddr_un *sun)
{
	int probe;

	if (bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
		return 0;
	if (errno != EADDRINUSE)
		return -errno;
	probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	if (connect(probe, (const struct sockaddr *)sun, sizeof(*sun)) == 0) {
		close(probe);
		return -EADDRINUSE;
	}
	close(probe);
	unlink(sun->sun_path);
	return bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) ? -errno : 0;
}

int test_link_open(struct kernel *k, const char *path, bool record,
		   const struct kernel_handlers *handlers)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct test_link *t;
	mode_t old_mask;
	int err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->client_fd = -1;
	t->record = record;
	if (!str_copy(sun.sun_path, sizeof(sun.sun_path), path)) {
		free(t);
		return -ENAMETOOLONG;
	}
	str_copy(t->path, sizeof(t->path), path);
	t->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
			      SOCK_CLOEXEC, 0);
	if (t->listen_fd < 0) {
		err = -errno;
		free(t);
		return err;
	}
	old_mask = umask(0077);
	err = bind_path(t->listen_fd, &sun);
	umask(old_mask);
	if (!err && listen(t->listen_fd, 4))
		err = -errno;
	if (err) {
		log_err("test link %s: %s", path, err == -EADDRINUSE ?
			"another daemon listens there" : strerror(-err));
		close(t->listen_fd);
		free(t);
		return err;
	}

	k->handlers = *handlers;
	k->test = t;
	k->role = WMAN_ROLE_BS;
	memcpy(k->bsid, test_bsid, MAC_LEN);
	memcpy(k->addr, test_bsid, MAC_LEN);
	log_warn("test link %s: management PDUs over a socket, no kernel device (%s kernel requests)",
		 path, record ? "recording" : "discarding");
	return 0;
}

void test_link_close(struct kernel *k)
{
	struct test_link *t = k->test;

	if (!t)
		return;
	client_close(t);
	backlog_free(t);
	close(t->listen_fd);
	unlink(t->path);
	free(t);
	k->test = NULL;
}
