// SPDX-License-Identifier: GPL-2.0
/*
 * wman_kfuzz: a seeded, bounded fuzzer for the wman module's two inputs,
 * its generic netlink family and its receive path, with changes of keys,
 * SAs, links and namespaces running at the same time.  Run as root by
 * selftests/kfuzz.sh on the topology of lib.sh.
 *
 *   wman_kfuzz --list-ops
 *   wman_kfuzz [--seed N] [--count N] [--time S] [--dry-run]
 *              --air NS --bs NS:AIRIF:MAC --ss NS:AIRIF:MAC
 *              [--churn-ss NS:AIRIF:MAC --churn-said SAID]
 *              [--protect-said SAID]... [--protect-cid CID]...
 *              [--cid CID]... [--said SAID]... [--dev NAME]
 *              [--wman PATH] [--workers LETTERS]
 *
 * --dry-run generates the requests and frames of the n, N, r and R
 * workers without sending them and prints a hash of each sequence.
 * Workers, one process each (--workers, default all of "nNrRclu"):
 *   n, N  netlink requests as root to the BS's, the SS's wman device
 *   r, R  frames into the BS's, the SS's veth0 from the air namespace
 *   c     TEKs, SAs and connections changed on --churn-said (BS and
 *         churn SS) under the test's traffic
 *   l     scratch links in namespaces of their own, removed under traffic
 *         by deleting the lower device, the link or the namespace
 *   u     unprivileged callers: every request must be refused
 *
 * Each worker has its own PRNG stream (splitmix64 of the seed and the
 * worker's letter) and draws one value per item: the same seed and count
 * give each worker the same sequence of requests and frames (--dry-run
 * prints a hash of them).  What differs between two runs is how the
 * workers interleave, and the bytes of the frames captured on the air that
 * some mutations start from.  --count bounds the items of each worker,
 * --time the whole run (default 60 s); the first reached ends it.
 *
 * Output: TAP comment lines ("# ...") with the seed first, then counters:
 * requests per operation, do and dump; acks by errno; frames per kind;
 * unprivileged refusals and violations.  Exit 0, or 1 if a worker failed
 * or an unprivileged request succeeded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kfuzz/kfuzz.h"

struct kf_conf kf_conf = { .dev = "wman0", .time = 60,
			   .workers = "nNrRclu" };
struct kf_stats *kf_stats;
uint64_t kf_stream;

static struct timespec deadline;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

bool kf_running(void)
{
	struct timespec now;

	if (stop)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec < deadline.tv_sec ||
	       (now.tv_sec == deadline.tv_sec &&
		now.tv_nsec < deadline.tv_nsec);
}

bool kf_more(uint64_t done)
{
	if (kf_conf.count && done >= kf_conf.count)
		return false;
	return kf_conf.dry_run || kf_running();
}

int kf_enter_netns(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "kfuzz: netns %s: %s\n", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * Runs a command and waits for it: its exit status, 128 + the signal that
 * killed it, or -1 when it could not be started.  Its output goes to
 * /dev/null, and so do its errors unless keep_errors is set.
 */
int kf_run(const char *const argv[], bool keep_errors)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, 1);
			if (!keep_errors)
				dup2(null, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: wman_kfuzz --list-ops\n"
		"       wman_kfuzz [--seed N] [--count N] [--time S] [--dry-run]\n"
		"                  --air NS --bs NS:AIRIF:MAC --ss NS:AIRIF:MAC\n"
		"                  [--churn-ss NS:AIRIF:MAC --churn-said SAID]\n"
		"                  [--protect-said SAID]... [--protect-cid CID]...\n"
		"                  [--cid CID]... [--said SAID]... [--dev NAME]\n"
		"                  [--wman PATH] [--workers LETTERS]\n");
	exit(2);
}

static unsigned long long number(const char *s, unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end || v > max) {
		fprintf(stderr, "kfuzz: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static void node(struct kf_node *n, char *spec)
{
	char *air = strchr(spec, ':'), *mac;
	unsigned int b[6];

	if (!air || !(mac = strchr(air + 1, ':')))
		usage();
	*air++ = 0;
	*mac++ = 0;
	if (sscanf(mac, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5]) != 6)
		usage();
	n->ns = spec;
	n->air_if = air;
	for (int i = 0; i < 6; i++)
		n->mac[i] = b[i];
	n->set = true;
}

static void add16(uint16_t *arr, unsigned int *n, unsigned int max,
		  const char *s)
{
	if (*n == max)
		usage();
	arr[(*n)++] = number(s, 0xffff);
}

static const char *const frame_kinds[FK_COUNT] = {
	"random", "gmh-fields", "bad-hcs", "len", "truncated-pn",
	"truncated-icv", "eks", "cid", "subheader", "mgmt",
	"clear-on-keyed", "captured-mutated", "captured-replayed",
	"scratch-tx", "scratch-rx",
};

static const char *const churn_kinds[CK_COUNT] = {
	"tek-new", "tek-replace", "tek-del", "tek-set", "sa-new", "sa-del",
	"conn-new", "conn-del", "link-cycle", "lower-del", "link-del",
	"netns-del", "lower-moved",
};

static int report(const char *workers, int failed)
{
	const struct kf_stats *s = kf_stats;
	uint64_t total = 0, frames = 0;
	unsigned int i;

	for (i = 0; i < kf_n_ops; i++) {
		printf("# kfuzz: netlink op %-16s do %8llu dump %8llu\n",
		       kf_ops[i].name, (unsigned long long)s->nl_sent[i][0],
		       (unsigned long long)s->nl_sent[i][1]);
		total += s->nl_sent[i][0] + s->nl_sent[i][1];
	}
	printf("# kfuzz: netlink requests %llu (+%llu of no known op), %llu skipped to keep the test's objects\n",
	       (unsigned long long)total, (unsigned long long)s->nl_other,
	       (unsigned long long)s->nl_protected);
	printf("# kfuzz: netlink acks ok %llu, replies %llu, ENOBUFS %llu\n",
	       (unsigned long long)s->nl_ok,
	       (unsigned long long)s->nl_replies,
	       (unsigned long long)s->nl_enobufs);
	for (i = 1; i < KF_ERRNO_MAX; i++) {
		if (s->nl_errno[i])
			printf("# kfuzz: netlink error %-12s %llu\n",
			       strerrorname_np(i) ?: "?",
			       (unsigned long long)s->nl_errno[i]);
		if (s->nl_send_err[i])
			printf("# kfuzz: netlink send() failed %-12s %llu\n",
			       strerrorname_np(i) ?: "?",
			       (unsigned long long)s->nl_send_err[i]);
	}
	for (i = 0; i < FK_COUNT; i++) {
		printf("# kfuzz: frames %-18s %llu\n", frame_kinds[i],
		       (unsigned long long)s->frames[i]);
		frames += s->frames[i];
	}
	printf("# kfuzz: frames injected %llu, captured off the air %llu\n",
	       (unsigned long long)frames, (unsigned long long)s->captured);
	for (i = 1; i < KF_ERRNO_MAX; i++)
		if (s->frame_send_err[i])
			printf("# kfuzz: frames not sent %-12s %llu\n",
			       strerrorname_np(i) ?: "?",
			       (unsigned long long)s->frame_send_err[i]);
	for (i = 0; i < CK_COUNT; i++)
		printf("# kfuzz: churn %-12s %llu\n", churn_kinds[i],
		       (unsigned long long)s->churn[i]);
	printf("# kfuzz: churn refused %llu\n",
	       (unsigned long long)s->churn_fail);
	for (i = 1; i < KF_ERRNO_MAX; i++)
		if (s->churn_errno[i])
			printf("# kfuzz: churn refused %-12s %llu\n",
			       strerrorname_np(i) ?: "?",
			       (unsigned long long)s->churn_errno[i]);
	printf("# kfuzz: unprivileged requests %llu, refused EPERM %llu, refused otherwise %llu, allowed on its own link %llu (own links %llu)\n",
	       (unsigned long long)s->unpriv_sent,
	       (unsigned long long)s->unpriv_refused,
	       (unsigned long long)s->unpriv_other_err,
	       (unsigned long long)s->unpriv_own_ok,
	       (unsigned long long)s->unpriv_own_link);
	printf("# kfuzz: unprivileged events-group joins refused %llu, allowed %llu\n",
	       (unsigned long long)s->unpriv_mcast_refused,
	       (unsigned long long)s->unpriv_mcast_violations);
	printf("# kfuzz: unprivileged violations %llu\n",
	       (unsigned long long)(s->unpriv_violations +
				    s->unpriv_mcast_violations));
	for (i = 0; i < kf_n_ops; i++)
		if (s->unpriv_violation_ops[i])
			printf("# kfuzz: VIOLATION op %s succeeded %llu times unprivileged\n",
			       kf_ops[i].name,
			       (unsigned long long)s->unpriv_violation_ops[i]);
	for (i = 0; workers[i]; i++) {
		printf("# kfuzz: worker %c items %llu", workers[i],
		       (unsigned long long)s->items[i]);
		if (kf_conf.dry_run)
			printf(" hash %016llx", (unsigned long long)s->hash[i]);
		printf("\n");
	}
	if (failed)
		printf("# kfuzz: %d worker(s) failed\n", failed);
	return failed || s->unpriv_violations || s->unpriv_mcast_violations;
}

static int worker(char letter, int id)
{
	/* a dry run only generates: requests and frames */
	if (kf_conf.dry_run && !strchr("nNrR", letter))
		return 0;
	switch (letter) {
	case 'n':
		return kf_worker_nl(id, &kf_conf.bs);
	case 'N':
		return kf_worker_nl(id, &kf_conf.ss);
	case 'r':
		return kf_worker_rx(id, &kf_conf.bs);
	case 'R':
		return kf_worker_rx(id, &kf_conf.ss);
	case 'c':
		return kf_conf.churn_ss.set ? kf_worker_churn(id) : 0;
	case 'l':
		return kf_worker_links(id);
	case 'u':
		return kf_worker_unpriv(id);
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	pid_t pids[16];
	bool seeded = false;
	int i, n, failed = 0;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--list-ops")) {
			for (unsigned int k = 0; k < kf_n_ops; k++)
				printf("%s\n", kf_ops[k].name);
			return 0;
		}
		if (!strcmp(o, "--dry-run")) {
			kf_conf.dry_run = true;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(o, "--seed")) {
			kf_conf.seed = number(argv[++i], ~0ULL);
			seeded = true;
		} else if (!strcmp(o, "--count")) {
			kf_conf.count = number(argv[++i], ~0ULL);
		} else if (!strcmp(o, "--time")) {
			kf_conf.time = number(argv[++i], 7 * 86400);
		} else if (!strcmp(o, "--air")) {
			kf_conf.air_ns = argv[++i];
		} else if (!strcmp(o, "--bs")) {
			node(&kf_conf.bs, argv[++i]);
		} else if (!strcmp(o, "--ss")) {
			node(&kf_conf.ss, argv[++i]);
		} else if (!strcmp(o, "--churn-ss")) {
			node(&kf_conf.churn_ss, argv[++i]);
		} else if (!strcmp(o, "--churn-said")) {
			kf_conf.churn_said = number(argv[++i], 0xffff);
		} else if (!strcmp(o, "--protect-said")) {
			add16(kf_conf.protect_said, &kf_conf.n_protect_said,
			      KF_MAX_PROTECT, argv[++i]);
		} else if (!strcmp(o, "--protect-cid")) {
			add16(kf_conf.protect_cid, &kf_conf.n_protect_cid,
			      KF_MAX_PROTECT, argv[++i]);
		} else if (!strcmp(o, "--cid")) {
			add16(kf_conf.cids, &kf_conf.n_cids, 16, argv[++i]);
		} else if (!strcmp(o, "--said")) {
			add16(kf_conf.saids, &kf_conf.n_saids, 16, argv[++i]);
		} else if (!strcmp(o, "--dev")) {
			kf_conf.dev = argv[++i];
		} else if (!strcmp(o, "--wman")) {
			kf_conf.wman_tool = argv[++i];
		} else if (!strcmp(o, "--workers")) {
			kf_conf.workers = argv[++i];
		} else {
			usage();
		}
	}
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		kf_conf.seed = (uint64_t)ts.tv_sec * 1000003u ^ ts.tv_nsec;
	}
	if (strlen(kf_conf.workers) > 16 ||
	    strspn(kf_conf.workers, "nNrRclu") != strlen(kf_conf.workers))
		usage();
	if (!kf_conf.dry_run && (!kf_conf.air_ns || !kf_conf.bs.set ||
				 !kf_conf.ss.set))
		usage();

	printf("# kfuzz: seed %llu count %llu time %u workers %s%s\n",
	       (unsigned long long)kf_conf.seed,
	       (unsigned long long)kf_conf.count, kf_conf.time,
	       kf_conf.workers, kf_conf.dry_run ? " (dry run)" : "");
	printf("# kfuzz: replay with --seed %llu (KFUZZ_SEED=%llu)\n",
	       (unsigned long long)kf_conf.seed,
	       (unsigned long long)kf_conf.seed);
	fflush(stdout);

	kf_stats = mmap(NULL, sizeof(*kf_stats), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (kf_stats == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += kf_conf.time;

	n = strlen(kf_conf.workers);
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (!pids[i]) {
			/* each worker its own PRNG stream, by its letter */
			kf_stream = (unsigned char)kf_conf.workers[i];
			_exit(worker(kf_conf.workers[i], i) ? 1 : 0);
		}
	}
	for (i = 0; i < n; i++) {
		int status;

		while (waitpid(pids[i], &status, 0) < 0) {
			if (errno != EINTR) {
				status = 1;
				break;
			}
			/* a signal: pass it on, then wait for the workers */
			kill(pids[i], SIGTERM);
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("# kfuzz: worker %c %s %d\n", kf_conf.workers[i],
			       WIFSIGNALED(status) ? "killed by signal" :
						     "exited with",
			       WIFSIGNALED(status) ? WTERMSIG(status) :
						     WEXITSTATUS(status));
			failed++;
		}
	}
	return report(kf_conf.workers, failed);
}
