/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PKMD_TRANSPORT_TEST_H
#define PKMD_TRANSPORT_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel.h"

/*
 * The test transport ([test] mgmt-socket, Documentation/loadgen.rst): a
 * BS daemon without a wman device.  Management PDUs travel as records on
 * a unix seqpacket socket instead of WMAN_CMD_MGMT_TX/MGMT_RX; requests
 * that would change the kernel are answered locally (success, nothing in
 * the kernel) and, with kernel-requests = record, copied to the client
 * (those made while none was connected, startup's among them, once one
 * is).  The client may inject the module's notifications (EVENT).
 *
 * Every record starts with this 10-byte header:
 *
 *   byte 0     type (enum test_rec)
 *   byte 1     0
 *   bytes 2-3  CID, big-endian
 *   bytes 4-9  MAC address: the SS's (source of an RX record, destination
 *              of a TX record); the BSID in HELLO; zero in KERNEL
 *
 * and goes on with the management message (RX, TX), the generic netlink
 * request the kernel would have received (KERNEL) or the notification it
 * would have sent, its ifindex attribute 0 (EVENT).
 */
#define TEST_REC_HDR_LEN	10

enum test_rec {
	TEST_REC_HELLO = 0,	/* daemon -> client, once, on connection */
	TEST_REC_MGMT = 1,	/* both ways: one management PDU */
	TEST_REC_KERNEL = 2,	/* daemon -> client: a kernel request */
	TEST_REC_EVENT = 3,	/* client -> daemon: a kernel notification */
};

/* Called by kernel.c when k->test is set. */
int test_link_open(struct kernel *k, const char *path, bool record,
		   const struct kernel_handlers *handlers);
void test_link_close(struct kernel *k);
int test_link_notify_fd(const struct kernel *k);
void test_link_notify_read(struct kernel *k);
int test_link_mgmt_tx(struct kernel *k, uint16_t cid, const uint8_t *dst,
		      const uint8_t *payload, size_t len);
/* A generic netlink request (nlmsghdr first) the kernel would get. */
int test_link_request(struct kernel *k, const void *nlmsg, size_t len);

#endif
