// SPDX-License-Identifier: GPL-2.0
/*
 * air2pcap: captures of the air into a pcap that Wireshark's wimax plugin
 * reads, one MAC PDU per record, link type 147 (USER0).  See usage() and
 * Documentation/frame-format.rst, "Reading the air with Wireshark".
 */

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "pdu.h"

#define MAX_INPUTS	64
#define HEX_LINE_MAX	(2 * AIR_PDU_MAX + 4096)

static void usage(FILE *f)
{
	fputs("usage: air2pcap -o OUT [--shadows FILE] [--max-encrypted N] [--hex] INPUT...\n"
	      "\n"
	      "Writes the wman MAC PDUs of the INPUT captures (pcap or pcapng; Ethernet,\n"
	      "Linux cooked v1 or v2, or link type 147 already) to OUT, a pcap of link\n"
	      "type 147 (USER0) with one PDU per record: the bytes after the 14-byte\n"
	      "Ethernet header of each EtherType 0x88B5 frame, cut to the generic MAC\n"
	      "header's LEN (Ethernet padding removed).  Other frames are left out.\n"
	      "Several inputs are merged in time order.  Wireshark reads OUT with\n"
	      "\n"
	      "  tshark -r OUT -o 'uat:user_dlts:\"User 0 (DLT=147)\",\"wimax_pdu_burst_handler\",\"0\",\"\",\"0\",\"\"'\n"
	      "\n"
	      "  -o, --output FILE    the pcap to write (\"-\": standard output)\n"
	      "      --hex            the inputs are text: one MAC PDU per line in hex\n"
	      "                       (spaces allowed; blank lines and #comments skipped),\n"
	      "                       one second apart\n"
	      "      --shadows FILE   also append, after every PDU, the wire checker's\n"
	      "                       workaround copies (tools/wire-check/wire-check) and\n"
	      "                       list them in FILE: \"COPY-RECORD ORIGINAL-RECORD WHAT\"\n"
	      "      --max-encrypted N\n"
	      "                       write the first N encrypted PDUs only; the others\n"
	      "                       are counted (unread=), their headers checked\n"
	      "  -h, --help\n"
	      "\n"
	      "Prints one line of counts on standard error.  Exit status: 0 written,\n"
	      "1 an input or the output could not be used, 2 bad usage.\n", f);
}

struct counts {
	uint64_t frames, other, wman, clear, encrypted, signalling, shortpdu;
	uint64_t padded, cut, bad_len, bad_hcs, records, shadows;
	uint64_t truncated_files, unread;
};

struct input {
	const char *path;
	pcap_t *p;			/* pcap input */
	FILE *hex;			/* --hex input */
	int linktype;
	struct pcap_pkthdr hdr;		/* the current frame, if !done */
	const uint8_t *data;
	uint8_t buf[AIR_PDU_MAX];	/* a --hex line's bytes */
	uint64_t line;
	uint64_t pdus;			/* --hex: PDUs read, their time */
	bool done;
};

/* A shadow waits here until every original record is out. */
struct shadow {
	uint64_t original;
	const char *what;
	struct pcap_pkthdr hdr;
	uint8_t *data;
};

static struct counts counts;

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The next PDU line of a --hex input: 1, 0 at its end, -1 on a bad line. */
static int next_hex(struct input *in)
{
	char line[HEX_LINE_MAX];

	while (fgets(line, sizeof(line), in->hex)) {
		size_t n = 0;
		int hi = -1;
		char *c;

		in->line++;
		if (!strchr(line, '\n') && !feof(in->hex)) {
			fprintf(stderr, "air2pcap: %s:%" PRIu64 ": line too long\n",
				in->path, in->line);
			return -1;
		}
		for (c = line; *c && *c != '#'; c++) {
			int v;

			if (isspace((unsigned char)*c))
				continue;
			v = hexval((unsigned char)*c);
			if (v < 0 || (hi < 0 && n == sizeof(in->buf))) {
				fprintf(stderr, "air2pcap: %s:%" PRIu64 ": %s\n",
					in->path, in->line,
					v < 0 ? "not hex" : "more than 2047 bytes");
				return -1;
			}
			if (hi < 0) {
				hi = v;
			} else {
				in->buf[n++] = (uint8_t)(hi << 4 | v);
				hi = -1;
			}
		}
		if (hi >= 0) {
			fprintf(stderr, "air2pcap: %s:%" PRIu64 ": odd number of hex digits\n",
				in->path, in->line);
			return -1;
		}
		if (!n)
			continue;
		memset(&in->hdr, 0, sizeof(in->hdr));
		in->hdr.ts.tv_sec = (time_t)in->pdus++;
		in->hdr.caplen = in->hdr.len = (bpf_u_int32)n;
		in->data = in->buf;
		return 1;
	}
	return 0;
}

/* Moves input in to its next frame; marks it done at its end. */
static int advance(struct input *in)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int rc;

	if (in->hex) {
		rc = next_hex(in);
		if (rc <= 0)
			in->done = true;
		return rc < 0 ? -1 : 0;
	}
	rc = pcap_next_ex(in->p, &hdr, &data);
	if (rc == 1) {
		in->hdr = *hdr;
		in->data = data;
		return 0;
	}
	/* a capture stopped hard may end inside a record: keep what came */
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "air2pcap: %s: %s\n", in->path, pcap_geterr(in->p));
		counts.truncated_files++;
	}
	in->done = true;
	return 0;
}

static bool earlier(const struct pcap_pkthdr *a, const struct pcap_pkthdr *b)
{
	return a->ts.tv_sec < b->ts.tv_sec ||
	       (a->ts.tv_sec == b->ts.tv_sec && a->ts.tv_usec < b->ts.tv_usec);
}

static void count(const struct air_pdu *pdu)
{
	switch (pdu->kind) {
	case AIR_OTHER:
		counts.other++;
		return;
	case AIR_SHORT:
		counts.shortpdu++;
		break;
	case AIR_SIGNALLING:
		counts.signalling++;
		break;
	case AIR_CLEAR:
		counts.clear++;
		break;
	case AIR_ENCRYPTED:
		counts.encrypted++;
		break;
	}
	counts.wman++;
	counts.padded += !!(pdu->flags & AIR_PADDED);
	counts.cut += !!(pdu->flags & AIR_CUT);
	counts.bad_len += !!(pdu->flags & AIR_BAD_LEN);
	counts.bad_hcs += !!(pdu->flags & AIR_BAD_HCS);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "shadows", required_argument, NULL, 'S' },
		{ "hex", no_argument, NULL, 'H' },
		{ "max-encrypted", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out_path = NULL, *shadow_path = NULL;
	struct input *inputs = NULL;
	struct shadow *shadows = NULL;
	size_t n_inputs = 0, n_shadows = 0, cap_shadows = 0;
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *dead = NULL;
	pcap_dumper_t *dump = NULL;
	FILE *shadow_list = NULL;
	bool hex = false;
	long long max_encrypted = -1;	/* -1: all */
	uint64_t encrypted_written = 0;
	char *end;
	int ch, status = 1;

	while ((ch = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out_path = optarg;
			break;
		case 'S':
			shadow_path = optarg;
			break;
		case 'H':
			hex = true;
			break;
		case 'M':
			errno = 0;
			max_encrypted = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || max_encrypted < 0) {
				fprintf(stderr, "air2pcap: bad --max-encrypted '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!out_path || optind == argc || argc - optind > MAX_INPUTS) {
		usage(stderr);
		return 2;
	}

	n_inputs = (size_t)(argc - optind);
	inputs = calloc(n_inputs, sizeof(*inputs));
	if (!inputs)
		goto oom;
	for (size_t i = 0; i < n_inputs; i++) {
		struct input *in = &inputs[i];

		in->path = argv[optind + (int)i];
		if (hex) {
			in->hex = strcmp(in->path, "-") ? fopen(in->path, "r") : stdin;
			if (!in->hex) {
				fprintf(stderr, "air2pcap: %s: %s\n", in->path, strerror(errno));
				goto out;
			}
			in->linktype = AIR_DLT_USER0;
		} else {
			in->p = pcap_open_offline_with_tstamp_precision(in->path,
					PCAP_TSTAMP_PRECISION_MICRO, errbuf);
			if (!in->p) {
				fprintf(stderr, "air2pcap: %s: %s\n", in->path, errbuf);
				goto out;
			}
			in->linktype = pcap_datalink(in->p);
		}
		if (advance(in))
			goto out;
	}

	dead = pcap_open_dead_with_tstamp_precision(AIR_DLT_USER0, 65535,
						    PCAP_TSTAMP_PRECISION_MICRO);
	if (!dead)
		goto oom;
	dump = pcap_dump_open(dead, out_path);
	if (!dump) {
		fprintf(stderr, "air2pcap: %s: %s\n", out_path, pcap_geterr(dead));
		goto out;
	}
	if (shadow_path) {
		shadow_list = fopen(shadow_path, "w");
		if (!shadow_list) {
			fprintf(stderr, "air2pcap: %s: %s\n", shadow_path, strerror(errno));
			goto out;
		}
	}

	for (;;) {
		struct input *in = NULL;
		struct pcap_pkthdr rec;
		struct air_pdu pdu;

		for (size_t i = 0; i < n_inputs; i++)
			if (!inputs[i].done && (!in || earlier(&inputs[i].hdr, &in->hdr)))
				in = &inputs[i];
		if (!in)
			break;
		counts.frames++;
		air_extract(in->linktype, in->data, in->hdr.caplen, &pdu);
		count(&pdu);
		if (pdu.kind == AIR_ENCRYPTED && max_encrypted >= 0 &&
		    encrypted_written >= (uint64_t)max_encrypted) {
			counts.unread++;
		} else if (pdu.kind != AIR_OTHER) {
			encrypted_written += pdu.kind == AIR_ENCRYPTED;
			rec = in->hdr;
			rec.caplen = rec.len = (bpf_u_int32)pdu.len;
			pcap_dump((u_char *)dump, &rec, pdu.data);
			counts.records++;
		}
		if (shadow_list && pdu.kind == AIR_CLEAR) {
			uint8_t copy[AIR_PDU_MAX];
			const char *what;
			size_t n = air_shadow(pdu.data, pdu.len, copy, sizeof(copy), &what);

			if (n) {
				struct shadow *s;

				if (n_shadows == cap_shadows) {
					size_t cap = cap_shadows ? 2 * cap_shadows : 64;

					s = realloc(shadows, cap * sizeof(*s));
					if (!s)
						goto oom;
					shadows = s;
					cap_shadows = cap;
				}
				s = &shadows[n_shadows];
				s->data = malloc(n);
				if (!s->data)
					goto oom;
				memcpy(s->data, copy, n);
				s->hdr = in->hdr;
				s->hdr.caplen = s->hdr.len = (bpf_u_int32)n;
				s->original = counts.records;
				s->what = what;
				n_shadows++;
			}
		}
		if (advance(in))
			goto out;
	}
	/* after the originals, so that their record numbers stay the frames' */
	for (size_t i = 0; i < n_shadows; i++) {
		pcap_dump((u_char *)dump, &shadows[i].hdr, shadows[i].data);
		counts.records++;
		counts.shadows++;
		fprintf(shadow_list, "%" PRIu64 " %" PRIu64 " %s\n", counts.records,
			shadows[i].original, shadows[i].what);
	}
	if (pcap_dump_flush(dump) || (shadow_list && fflush(shadow_list))) {
		fprintf(stderr, "air2pcap: cannot write %s\n", out_path);
		goto out;
	}
	fprintf(stderr,
		"air2pcap: frames=%" PRIu64 " wman=%" PRIu64 " clear=%" PRIu64
		" encrypted=%" PRIu64 " signalling=%" PRIu64 " short=%" PRIu64
		" other=%" PRIu64 " padded=%" PRIu64 " cut=%" PRIu64
		" bad-len=%" PRIu64 " bad-hcs=%" PRIu64 " truncated-files=%" PRIu64
		" unread=%" PRIu64 " records=%" PRIu64 " shadows=%" PRIu64 "\n",
		counts.frames, counts.wman, counts.clear, counts.encrypted,
		counts.signalling, counts.shortpdu, counts.other, counts.padded,
		counts.cut, counts.bad_len, counts.bad_hcs, counts.truncated_files,
		counts.unread, counts.records, counts.shadows);
	status = 0;
	goto out;
oom:
	fprintf(stderr, "air2pcap: out of memory\n");
out:
	if (shadow_list && fclose(shadow_list) && !status) {
		fprintf(stderr, "air2pcap: cannot write %s\n", shadow_path);
		status = 1;
	}
	if (dump)
		pcap_dump_close(dump);
	if (dead)
		pcap_close(dead);
	for (size_t i = 0; inputs && i < n_inputs; i++) {
		if (inputs[i].p)
			pcap_close(inputs[i].p);
		if (inputs[i].hex && inputs[i].hex != stdin)
			fclose(inputs[i].hex);
	}
	for (size_t i = 0; i < n_shadows; i++)
		free(shadows[i].data);
	free(shadows);
	free(inputs);
	return status;
}
