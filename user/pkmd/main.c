// SPDX-License-Identifier: GPL-2.0
/*
 * pkmd: the Privacy Key Management daemon of a wman link, BS or SS role.
 * Reads the configuration, opens the kernel device, starts its role (the
 * one place that chooses between bs/ and ss/), opens the control socket,
 * and then runs the event loop until SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bs/bs_role.h"
#include "control.h"
#include "eloop.h"
#include "keylog.h"
#include "log.h"
#include "pkmd.h"
#include "ss/ss_role.h"

#define PKMD_VERSION		"1"
#define DEFAULT_CONFIG		"/etc/pkmd/pkmd.conf"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: pkmd [-f] [-S] [-d] [--test-mode] [-c FILE]\n"
		"       pkmd -t [--test-mode] [-c FILE]\n"
		"  -c FILE   configuration file (default %s)\n"
		"  -f        stay in the foreground\n"
		"  -S        log to syslog instead of stderr\n"
		"  -d        log at debug level\n"
		"  -t        check the configuration file and exit\n"
		"  -V        print the version and exit\n"
		"  --test-mode  accept the configuration's [test] section (test\n"
		"            runs only: it can write keys to a file or a socket)\n"
		"Exit status: 0 stopped by a signal, 1 failure while running,\n"
		"2 usage, 3 configuration, 4 setup (device, keys, database, socket).\n",
		DEFAULT_CONFIG);
}

static void report_problem(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "%s\n", line);
}

/*
 * Forks; the parent waits until the child is ready (or has failed) and
 * exits with its status, so that "pkmd -c FILE" returns once the control
 * socket answers.  Returns the write end of the readiness pipe.
 */
static int daemonize(void)
{
	int pipefd[2], devnull;
	pid_t pid;
	uint8_t status;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		int wstatus;

		close(pipefd[1]);
		if (read(pipefd[0], &status, 1) == 1)
			_exit(status);
		/* The child died before it was ready. */
		if (waitpid(pid, &wstatus, 0) == pid && WIFEXITED(wstatus))
			_exit(WEXITSTATUS(wstatus));
		_exit(PKMD_EXIT_FAILURE);
	}
	close(pipefd[0]);
	setsid();
	if (chdir("/"))
		return -1;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		close(devnull);
	}
	return pipefd[1];
}

static void tell_parent(int *ready_fd, uint8_t status)
{
	if (*ready_fd < 0)
		return;
	if (write(*ready_fd, &status, 1) != 1)
		log_warn("cannot tell the starting process: %s", strerror(errno));
	close(*ready_fd);
	*ready_fd = -1;
}

static void signal_event(int fd, short revents, void *arg)
{
	struct signalfd_siginfo si;

	(void)revents;
	(void)arg;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGHUP) {
		log_notice("SIGHUP: the configuration is read at start only; restart pkmd to change it");
		return;
	}
	log_notice("%s: stopping", strsignal((int)si.ssi_signo));
	eloop_stop(PKMD_EXIT_OK);
}

static int signals_open(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0 || eloop_add_fd(fd, POLLIN, signal_event, NULL))
		return -1;
	return fd;
}

static void kernel_event(int fd, short revents, void *arg)
{
	(void)fd;
	(void)revents;
	kernel_notify_read(arg);
}

static int run(struct pkmd *d, bool foreground)
{
	int ready_fd = -1, signal_fd, code;

	if (!foreground) {
		ready_fd = daemonize();
		if (ready_fd < 0) {
			log_err("cannot start in the background: %s", strerror(errno));
			return PKMD_EXIT_SETUP;
		}
	}
	eloop_init();
	signal_fd = signals_open();
	if (signal_fd < 0) {
		log_err("cannot set up signal handling: %s", strerror(errno));
		code = PKMD_EXIT_SETUP;
		goto out;
	}
	if (d->cfg->test_key_log[0] &&
	    keylog_open(d->cfg->test_key_log, d->cfg->role)) {
		code = PKMD_EXIT_SETUP;
		goto out;
	}
	if (d->cfg->test_mgmt_socket[0] ?
	    kernel_open_test(&d->kernel, d->cfg->test_mgmt_socket,
			     d->cfg->test_record_kernel,
			     &(struct kernel_handlers){ 0 }) :
	    kernel_open(&d->kernel, d->cfg->interface,
			&(struct kernel_handlers){ 0 })) {
		code = PKMD_EXIT_SETUP;
		goto out;
	}
	code = d->role->start(d);
	if (code)
		goto out;
	if (eloop_add_fd(kernel_notify_fd(&d->kernel), POLLIN, kernel_event,
			 &d->kernel) ||
	    control_open(d, d->cfg->control)) {
		code = PKMD_EXIT_SETUP;
		goto out;
	}
	log_notice("pkmd %s ready: %s role on %s, pid %d, control socket %s",
		   PKMD_VERSION, role_name(d->cfg->role), d->cfg->interface,
		   (int)getpid(), d->cfg->control);
	tell_parent(&ready_fd, PKMD_EXIT_OK);
	code = eloop_run();
out:
	tell_parent(&ready_fd, (uint8_t)code);
	control_close();
	d->role->stop(d);
	kernel_close(&d->kernel);
	keylog_close();
	if (signal_fd >= 0)
		close(signal_fd);
	eloop_destroy();
	return code;
}

int main(int argc, char **argv)
{
	const char *config_path = DEFAULT_CONFIG;
	bool foreground = false, use_syslog = false, debug = false;
	bool check_only = false, test_mode = false;
	static const struct option long_options[] = {
		{ "test-mode", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct config cfg;
	struct pkmd d = { .cfg = &cfg };
	int opt, code;

	while ((opt = getopt_long(argc, argv, "c:fSdtVh", long_options,
				  NULL)) != -1) {
		switch (opt) {
		case 'T':
			test_mode = true;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'S':
			use_syslog = true;
			break;
		case 'd':
			debug = true;
			break;
		case 't':
			check_only = true;
			break;
		case 'V':
			printf("pkmd %s\n", PKMD_VERSION);
			return PKMD_EXIT_OK;
		case 'h':
			usage(stdout);
			return PKMD_EXIT_OK;
		default:
			usage(stderr);
			return PKMD_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "pkmd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return PKMD_EXIT_USAGE;
	}

	if (config_load_file(config_path, &cfg, report_problem, NULL) ||
	    config_check_test_mode(&cfg, test_mode, report_problem, NULL)) {
		config_free(&cfg);
		return PKMD_EXIT_CONFIG;
	}
	if (check_only) {
		printf("%s: configuration ok (role %s)\n", config_path,
		       role_name(cfg.role));
		config_free(&cfg);
		return PKMD_EXIT_OK;
	}
	log_init("pkmd", use_syslog);
	log_set_level(debug ? LOG_LVL_DEBUG : (enum log_level)cfg.log_level);
	if (cfg.test_section_line)
		log_warn("test mode: the [test] settings of %s are in effect",
			 config_path);
	/* The one place that knows the roles. */
	d.role = cfg.role == ROLE_BS ? &bs_role : &ss_role;
	d.started = now_real_s();
	code = run(&d, foreground);
	config_free(&cfg);
	return code;
}
