// SPDX-License-Identifier: GPL-2.0
/*
 * nonce-audit: check captures of the air against the TEKs that were
 * installed.  See usage() and Documentation/testing.rst.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

static void usage(FILE *f)
{
	fputs("usage: nonce-audit -k KEYLOG [-k KEYLOG]... [options] PCAP...\n"
	      "\n"
	      "Attributes every encrypted wman PDU of the captures to the logged TEK\n"
	      "that authenticates it (aes-ccm or aes-gcm), then checks that no key\n"
	      "carried two different PDUs under one nonce and that no PDU was sent\n"
	      "after its key's lifetime.  Byte-identical repeats are replays: counted,\n"
	      "not failed.  Prints one line of counts on stdout, the offending frames\n"
	      "on stderr.\n"
	      "\n"
	      "  -k, --keys FILE          a key log: one line per TEK installed,\n"
	      "                           \"TIME SAID EKS SUITE KEY LIFETIME ORIGIN\"\n"
	      "  -s, --slack SECONDS      allowed past a lifetime (default 1)\n"
	      "  -d, --details N          offending frames described per kind (default 10)\n"
	      "      --strict-pn          also fail when one key sent one PN twice under\n"
	      "                           different headers (a nonce apart, but a PN\n"
	      "                           counter that went back)\n"
	      "      --max-unattributed N fail when more encrypted PDUs than N open with no\n"
	      "                           logged key (default: any number)\n"
	      "  -h, --help\n"
	      "\n"
	      "Exit status: 0 nothing found, 1 a finding, 2 bad usage or input.\n", f);
}

static int parse_count(const char *s, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || end == s || *end ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "keys", required_argument, NULL, 'k' },
		{ "slack", required_argument, NULL, 's' },
		{ "details", required_argument, NULL, 'd' },
		{ "strict-pn", no_argument, NULL, 'P' },
		{ "max-unattributed", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct audit_options opt = { .slack = 1.0, .max_details = 10, .details = stderr };
	unsigned long long max_unattributed = 0, n;
	bool strict_pn = false, limit_unattributed = false, failed = false;
	const char **keylogs = calloc((size_t)argc, sizeof(*keylogs));
	size_t n_keylogs = 0;
	struct audit_counts c;
	struct audit *a;
	char line[512], *end;
	int ch;

	if (!keylogs)
		return 2;
	while ((ch = getopt_long(argc, argv, "k:s:d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			keylogs[n_keylogs++] = optarg;
			break;
		case 's':
			errno = 0;
			opt.slack = strtod(optarg, &end);
			if (errno || *end || !(opt.slack >= 0)) {
				fprintf(stderr, "nonce-audit: bad --slack '%s'\n", optarg);
				goto usage_error;
			}
			break;
		case 'd':
			if (parse_count(optarg, &n) || n > 1000000) {
				fprintf(stderr, "nonce-audit: bad --details '%s'\n", optarg);
				goto usage_error;
			}
			opt.max_details = (unsigned int)n;
			break;
		case 'P':
			strict_pn = true;
			break;
		case 'U':
			if (parse_count(optarg, &max_unattributed)) {
				fprintf(stderr, "nonce-audit: bad --max-unattributed '%s'\n",
					optarg);
				goto usage_error;
			}
			limit_unattributed = true;
			break;
		case 'h':
			usage(stdout);
			free(keylogs);
			return 0;
		default:
			usage(stderr);
			goto usage_error;
		}
	}
	if (!n_keylogs || optind == argc) {
		usage(stderr);
		goto usage_error;
	}

	a = audit_new(&opt);
	if (!a) {
		fprintf(stderr, "nonce-audit: cannot set up (memory, or OpenSSL without AES-CCM/GCM)\n");
		free(keylogs);
		return 2;
	}
	for (size_t i = 0; i < n_keylogs; i++)
		if (audit_load_keylog(a, keylogs[i], stderr))
			goto bad_input;
	for (int i = optind; i < argc; i++)
		if (audit_read_pcap(a, argv[i], stderr))
			goto bad_input;
	audit_get_counts(a, &c);
	audit_free(a);
	free(keylogs);

	audit_format_counts(&c, line, sizeof(line));
	failed = c.reuses || c.expired || (strict_pn && c.pn_repeats) ||
		 (limit_unattributed && c.unattributed > max_unattributed);
	printf("nonce audit: %s: %s\n", failed ? "FAIL" : "ok", line);
	if (limit_unattributed && c.unattributed > max_unattributed)
		fprintf(stderr, "nonce-audit: %llu PDUs open with no logged key (at most %llu allowed)\n",
			(unsigned long long)c.unattributed, max_unattributed);
	return failed ? 1 : 0;

bad_input:
	audit_free(a);
usage_error:
	free(keylogs);
	return 2;
}
