// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of air2pcap (TAP): PDUs out of Ethernet, cooked and USER0
 * frames, with padding, cut short, with a bad LEN or HCS, and frames that
 * are not wman's; the checker's workaround copies of Key and Auth
 * Requests; then the program itself on pcap files written here: merging,
 * --hex, --shadows, a capture cut inside a record.
 *
 *   test_pdu PATH-OF-air2pcap
 */

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "../pdu.h"

static int test_no, failures;
static char dir[] = "/tmp/test_air2pcap.XXXXXX";

static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++test_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		failures++;
}

/* hex (spaces allowed) into out; its length. */
static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = 0;
	unsigned int b;

	while (*hex) {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		if (sscanf(hex, "%2x", &b) != 1)
			abort();
		out[n++] = (uint8_t)b;
		hex += 2;
	}
	return n;
}

/* A clear generic PDU on cid with body (hex): GMH with LEN and HCS. */
static size_t make_pdu(uint8_t *out, uint16_t cid, const char *body)
{
	size_t n = AIR_GMH_LEN + unhex(body, out + AIR_GMH_LEN);

	out[0] = 0;
	out[1] = (uint8_t)(n >> 8 & 7);
	out[2] = (uint8_t)n;
	out[3] = (uint8_t)(cid >> 8);
	out[4] = (uint8_t)cid;
	out[5] = air_hcs(out);
	return n;
}

/* An Ethernet frame around pdu, padded with pad zero bytes. */
static size_t make_eth(uint8_t *out, const uint8_t *pdu, size_t len, size_t pad,
		       uint16_t ethertype)
{
	memset(out, 0x02, 12);
	out[12] = (uint8_t)(ethertype >> 8);
	out[13] = (uint8_t)ethertype;
	memcpy(out + 14, pdu, len);
	memset(out + 14 + len, 0, pad);
	return 14 + len + pad;
}

static int same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && !memcmp(a, b, alen);
}

/* ---- PDUs out of frames -------------------------------------------------------- */

static void test_extract(void)
{
	uint8_t pdu[64], frame[128], big[4096];
	struct air_pdu out;
	size_t n, f;

	n = make_pdu(pdu, 0x0141, "0a 08 01");
	f = make_eth(frame, pdu, n, 46 - n, 0x88b5);
	ok(air_extract(1, frame, f, &out) == AIR_CLEAR && out.data == frame + 14 &&
	   out.len == n && out.flags == AIR_PADDED,
	   "Ethernet: the PDU without its padding");

	f = make_eth(frame, pdu, n, 0, 0x88b5);
	ok(air_extract(1, frame, f, &out) == AIR_CLEAR && out.len == n && !out.flags,
	   "Ethernet without padding: the PDU whole, nothing flagged");

	f = make_eth(frame, pdu, n, 0, 0x0800);
	ok(air_extract(1, frame, f, &out) == AIR_OTHER && out.len == 0,
	   "another EtherType is not a PDU");
	ok(air_extract(1, frame, 13, &out) == AIR_OTHER,
	   "a frame shorter than the Ethernet header is not a PDU");
	ok(air_extract(105, frame, f, &out) == AIR_OTHER,
	   "a link type other than Ethernet, cooked or USER0 is not read");

	f = make_eth(frame, pdu, n, 0, 0x88b5);
	ok(air_extract(1, frame, 14 + 5, &out) == AIR_SHORT && out.len == 5,
	   "five bytes of a header: short, passed on as they are");
	ok(air_extract(1, frame, 14 + n - 1, &out) == AIR_CLEAR &&
	   out.flags == AIR_CUT && out.len == n - 1,
	   "LEN past the bytes captured: cut, what there is passed on");

	memcpy(big, frame, f);
	big[14 + 2] = 3;	/* LEN 3 */
	big[14 + 5] = air_hcs(big + 14);
	ok(air_extract(1, big, f, &out) == AIR_CLEAR &&
	   out.flags == (AIR_BAD_LEN | AIR_PADDED) && out.len == AIR_GMH_LEN,
	   "LEN below 6: flagged, the header alone passed on");

	memcpy(big, frame, f);
	big[14 + 5] ^= 0x01;
	ok(air_extract(1, big, f, &out) == AIR_CLEAR && out.flags == AIR_BAD_HCS &&
	   out.len == n, "a bad HCS is flagged, the PDU passed on");

	memcpy(big, frame, f);
	big[14] = 0x80;
	big[14 + 5] = air_hcs(big + 14);
	ok(air_extract(1, big, f, &out) == AIR_SIGNALLING &&
	   out.len == AIR_GMH_LEN && out.flags == AIR_PADDED,
	   "HT=1: a six-byte signalling header, whatever LEN would say");

	memcpy(big, frame, f);
	big[14] = 0x40;
	big[14 + 5] = air_hcs(big + 14);
	ok(air_extract(1, big, f, &out) == AIR_ENCRYPTED && out.len == n,
	   "EC=1: encrypted");

	/* Linux cooked v1: protocol at 14; v2: at 0 */
	memset(big, 0, 20);
	big[14] = 0x88;
	big[15] = 0xb5;
	memcpy(big + 16, pdu, n);
	ok(air_extract(113, big, 16 + n, &out) == AIR_CLEAR && out.data == big + 16 &&
	   out.len == n, "Linux cooked v1");
	memset(big, 0, 20);
	big[0] = 0x88;
	big[1] = 0xb5;
	memcpy(big + 20, pdu, n);
	ok(air_extract(276, big, 20 + n, &out) == AIR_CLEAR && out.data == big + 20 &&
	   out.len == n, "Linux cooked v2");
	ok(air_extract(276, big, 19, &out) == AIR_OTHER, "cooked v2 cut in its header");

	memcpy(big, pdu, n);
	memset(big + n, 0xff, 10);
	ok(air_extract(AIR_DLT_USER0, big, n + 10, &out) == AIR_CLEAR &&
	   out.data == big && out.len == n && out.flags == AIR_PADDED,
	   "USER0 records: cut to LEN too");

	/* the largest LEN */
	memset(big, 0, sizeof(big));
	big[1] = 7;
	big[2] = 0xff;
	big[5] = air_hcs(big);
	ok(air_extract(AIR_DLT_USER0, big, sizeof(big), &out) == AIR_CLEAR &&
	   out.len == AIR_PDU_MAX, "LEN 2047 of a longer record");
}

/* ---- the checker's copies ------------------------------------------------------- */

struct shadow_case {
	const char *name;
	const char *in;		/* the PDU's body, after the GMH */
	const char *out;	/* the copy's body; NULL: no copy */
	const char *what;
};

static const struct shadow_case shadow_cases[] = {
	{ "Key Request: Service-Type 28 renumbered 31, nothing else changed",
	  "09 07 05 0a 01 02 0c 02 fe 01 1c 01 01 1d 01 01 28 0c 00 00 00 07 11 22 33 44 55 66 77 88",
	  "09 07 05 0a 01 02 0c 02 fe 01 1f 01 01 1d 01 01 28 0c 00 00 00 07 11 22 33 44 55 66 77 88",
	  "service-type-as-31" },
	{ "Key Request without a 28: no copy",
	  "09 07 05 0a 01 02 0c 02 20 01 28 0c 00 00 00 07 11 22 33 44 55 66 77 88", NULL, "" },
	{ "a 28 inside another attribute is left alone",
	  "09 07 05 0d 03 1c 01 00", NULL, "" },
	{ "Auth Request: the 21 out of 19, right after it",
	  "09 04 01 12 02 30 00 13 0f 15 0a 14 03 02 00 04 14 03 80 00 04 16 01 01 2c 02 aa bb",
	  "09 04 01 12 02 30 00 13 03 16 01 01 15 0a 14 03 02 00 04 14 03 80 00 04 2c 02 aa bb",
	  "suite-list-out-of-19" },
	{ "Auth Request: a 19 holding only a 21 is left out",
	  "09 04 01 13 07 15 05 14 03 02 00 04 2c 01 aa",
	  "09 04 01 15 05 14 03 02 00 04 2c 01 aa", "suite-list-out-of-19" },
	{ "Auth Request: long lengths (0x81 and 0x82 forms) parse, the new 19 is minimal",
	  "09 04 01 13 82 00 0b 16 01 01 15 81 05 14 03 02 00 04 2c 81 02 aa bb",
	  "09 04 01 13 03 16 01 01 15 81 05 14 03 02 00 04 2c 81 02 aa bb",
	  "suite-list-out-of-19" },
	{ "Auth Request with the 21 at the top level already: no copy",
	  "09 04 01 13 03 16 01 01 15 05 14 03 02 00 04", NULL, "" },
	{ "a TLV past the end of the message: no copy",
	  "09 07 05 1c 01 00 28 0c 00", NULL, "" },
	{ "a TLV inside 19 past the end of the 19: no copy",
	  "09 04 01 13 03 15 05 14 2c 01 aa", NULL, "" },
	{ "a length byte 0x85: no copy",
	  "09 07 05 1c 85 00 00 00 00 01 00", NULL, "" },
	{ "a PKM-RSP: no copy", "0a 07 05 1c 01 00", NULL, "" },
	{ "another PKM-REQ code: no copy", "09 0c 05 1c 01 00", NULL, "" },
};

static void test_shadow(void)
{
	uint8_t pdu[AIR_PDU_MAX], want[AIR_PDU_MAX], out[AIR_PDU_MAX];
	const char *what;
	size_t n, w, got;

	for (size_t i = 0; i < sizeof(shadow_cases) / sizeof(shadow_cases[0]); i++) {
		const struct shadow_case *c = &shadow_cases[i];

		n = make_pdu(pdu, 0x0141, c->in);
		got = air_shadow(pdu, n, out, sizeof(out), &what);
		if (!c->out) {
			ok(got == 0 && !strcmp(what, ""), "%s", c->name);
			continue;
		}
		w = make_pdu(want, 0x0141, c->out);
		ok(same(out, got, want, w) && !strcmp(what, c->what) &&
		   !air_shadow(out, got, pdu, sizeof(pdu), &what),
		   "%s (and a copy of the copy is not made)", c->name);
	}

	n = make_pdu(pdu, 0x0141, shadow_cases[0].in);
	pdu[1] |= 0x40;
	pdu[5] = air_hcs(pdu);
	ok(!air_shadow(pdu, n, out, sizeof(out), &what), "CI=1 (a CRC at the end): no copy");
	n = make_pdu(pdu, 0x0141, shadow_cases[0].in);
	ok(!air_shadow(pdu, n - 1, out, sizeof(out), &what), "a record shorter than LEN: no copy");
	pdu[5] ^= 1;
	ok(!air_shadow(pdu, n, out, sizeof(out), &what), "a bad HCS: no copy");
	n = make_pdu(pdu, 0x0141, shadow_cases[0].in);
	ok(!air_shadow(pdu, n, out, n - 1, &what), "too small an output: no copy");
}

/* ---- the program ------------------------------------------------------------------ */

static const char *air2pcap;

/* Runs air2pcap with args (NULL-terminated); its exit status, stderr in err. */
static int run(char *err, size_t errlen, ...)
{
	char *argv[16], path[256];
	va_list ap;
	int argc = 0, status, fd;
	pid_t pid;
	FILE *f;

	argv[argc++] = (char *)air2pcap;
	va_start(ap, errlen);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	snprintf(path, sizeof(path), "%s/stderr", dir);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		execv(air2pcap, argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	err[0] = '\0';
	f = fopen(path, "r");
	if (f) {
		size_t n = fread(err, 1, errlen - 1, f);

		err[n] = '\0';
		fclose(f);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

struct rec {
	long sec;
	size_t len;
	uint8_t data[2100];
};

/* Writes frames (linktype) to path. */
static void write_pcap(const char *path, int linktype, const struct rec *r, size_t n)
{
	pcap_t *p = pcap_open_dead(linktype, 65535);
	pcap_dumper_t *d = pcap_dump_open(p, path);

	for (size_t i = 0; i < n; i++) {
		struct pcap_pkthdr h = { .caplen = (bpf_u_int32)r[i].len,
					 .len = (bpf_u_int32)r[i].len };

		h.ts.tv_sec = r[i].sec;
		pcap_dump((u_char *)d, &h, r[i].data);
	}
	pcap_dump_close(d);
	pcap_close(p);
}

/* Reads path back: its link type, n records into r. */
static int read_pcap(const char *path, struct rec *r, size_t max, size_t *n)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p = pcap_open_offline(path, errbuf);
	int lt;

	*n = 0;
	if (!p)
		return -1;
	lt = pcap_datalink(p);
	while (pcap_next_ex(p, &h, &data) == 1 && *n < max) {
		r[*n].sec = h->ts.tv_sec;
		r[*n].len = h->caplen;
		memcpy(r[*n].data, data, h->caplen);
		(*n)++;
	}
	pcap_close(p);
	return lt;
}

static void test_program(void)
{
	static struct rec in[4], out[8];
	char a[256], b[256], o[256], s[256], hex[256], err[1024], line[256];
	uint8_t pdu[64];
	size_t n, got;
	FILE *f;
	int lt;

	snprintf(a, sizeof(a), "%s/a.pcap", dir);
	snprintf(b, sizeof(b), "%s/b.pcap", dir);
	snprintf(o, sizeof(o), "%s/out.pcap", dir);
	snprintf(s, sizeof(s), "%s/shadows", dir);
	snprintf(hex, sizeof(hex), "%s/pdus.hex", dir);

	/* a: a padded Key Request at 1 s, an IPv4 frame at 3 s; b: at 2 s */
	n = make_pdu(pdu, 0x0141, "09 07 05 0c 02 20 01 1c 01 00 28 0c 00 00 00 01 11 22 33 44 55 66 77 88");
	in[0].sec = 1;
	in[0].len = make_eth(in[0].data, pdu, n, 20, 0x88b5);
	in[1].sec = 3;
	in[1].len = make_eth(in[1].data, pdu, n, 0, 0x0800);
	write_pcap(a, DLT_EN10MB, in, 2);
	in[2].sec = 2;
	in[2].len = make_eth(in[2].data, pdu, 10, 0, 0x88b5);	/* cut */
	write_pcap(b, DLT_EN10MB, in + 2, 1);

	ok(run(err, sizeof(err), "-o", o, "--shadows", s, a, b, NULL) == 0 &&
	   strstr(err, "frames=3 wman=2 clear=2 encrypted=0 signalling=0 short=0 other=1 padded=1 cut=1") &&
	   strstr(err, "records=3 shadows=1"),
	   "two captures: counts");
	if (!strstr(err, "records=3 shadows=1"))
		printf("# %s", err);
	lt = read_pcap(o, out, 8, &got);
	ok(lt == AIR_DLT_USER0 && got == 3 && out[0].sec == 1 &&
	   same(out[0].data, out[0].len, pdu, n) && out[1].sec == 2 &&
	   same(out[1].data, out[1].len, pdu, 10) && out[2].sec == 1 &&
	   out[2].data[AIR_GMH_LEN + 7] == 0x1f,
	   "merged in time order, padding gone, the IPv4 frame left out, the copy last");
	f = fopen(s, "r");
	ok(f && fgets(line, sizeof(line), f) && !strcmp(line, "3 1 service-type-as-31\n"),
	   "the shadow list names the copy's record and its original");
	if (f)
		fclose(f);

	f = fopen(hex, "w");
	fprintf(f, "# two PDUs\n\n0000 0901 4100 0a 08 01  # a comment\n40 00 0a 20 01 00 01 02 03 04\n");
	fclose(f);
	/* the HCS of the text is wrong on purpose: it is counted, not fixed */
	ok(run(err, sizeof(err), "--hex", "-o", o, hex, NULL) == 0 &&
	   strstr(err, "frames=2 wman=2 clear=1 encrypted=1") && strstr(err, "bad-hcs=2"),
	   "--hex: one PDU a line, comments and spaces skipped");
	lt = read_pcap(o, out, 8, &got);
	ok(lt == AIR_DLT_USER0 && got == 2 && out[0].len == 9 && out[1].len == 10 &&
	   out[0].sec == 0 && out[1].sec == 1, "--hex: the records, a second apart");

	f = fopen(hex, "w");
	fprintf(f, "00 00 0a 0g\n");
	fclose(f);
	ok(run(err, sizeof(err), "--hex", "-o", o, hex, NULL) == 1 && strstr(err, ":1: not hex"),
	   "--hex: a bad line is refused with its number");
	f = fopen(hex, "w");
	fprintf(f, "00 00 0\n");
	fclose(f);
	ok(run(err, sizeof(err), "--hex", "-o", o, hex, NULL) == 1 && strstr(err, "odd number"),
	   "--hex: an odd number of digits is refused");

	/* a capture that ends inside its second record */
	write_pcap(a, DLT_EN10MB, in, 2);
	if (truncate(a, 24 + 16 + (off_t)in[0].len + 10) == 0)
		ok(run(err, sizeof(err), "-o", o, a, NULL) == 0 &&
		   strstr(err, "truncated-files=1") && strstr(err, "records=1 "),
		   "a capture cut inside a record: what came before is kept");
	else
		ok(0, "truncate");

	f = fopen(hex, "w");
	fprintf(f, "40000a2001000102030a\n40000a2001000102030b\n00000901410000 0a0801\n40000a2001000102030c\n");
	fclose(f);
	ok(run(err, sizeof(err), "--hex", "--max-encrypted", "1", "-o", o, hex, NULL) == 0 &&
	   strstr(err, "encrypted=3 ") && strstr(err, "unread=2 records=2 "),
	   "--max-encrypted 1: one encrypted PDU written, the others counted");
	lt = read_pcap(o, out, 8, &got);
	ok(got == 2 && out[0].len == 10 && out[0].data[9] == 0x0a && out[1].len == 9,
	   "--max-encrypted: the first one and every clear one");
	ok(run(err, sizeof(err), "--max-encrypted", "-1", "-o", o, a, NULL) == 2,
	   "--max-encrypted -1: usage");

	ok(run(err, sizeof(err), "-o", o, "/nonexistent.pcap", NULL) == 1,
	   "an input that cannot be opened fails");
	ok(run(err, sizeof(err), a, NULL) == 2, "no -o: usage");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_pdu PATH-OF-air2pcap\n");
		return 2;
	}
	air2pcap = argv[1];
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_extract();
	test_shadow();
	test_program();
	printf("1..%d\n", test_no);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return failures ? 1 : 0;
}
