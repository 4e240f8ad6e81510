// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for pkmd's control socket, for pkmctl's tests:
 *
 *   fake_pkmd SOCKET ANSWERS LOG
 *
 * For each line of ANSWERS, accepts one connection, appends the request
 * line it reads to LOG, and answers with that line.  Exits after the
 * last one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char answer[8192], request[8192];
	FILE *answers, *log;
	int fd;

	if (argc != 4 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "usage: fake_pkmd SOCKET ANSWERS LOG\n");
		return 2;
	}
	strcpy(addr.sun_path, argv[1]);
	answers = fopen(argv[2], "r");
	log = fopen(argv[3], "w");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (!answers || !log || fd < 0 ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 4)) {
		perror("fake_pkmd");
		return 1;
	}
	while (fgets(answer, sizeof(answer), answers)) {
		size_t used = 0;
		int conn = accept(fd, NULL, NULL);

		if (conn < 0)
			return 1;
		while (used < sizeof(request) - 1 &&
		       !memchr(request, '\n', used)) {
			ssize_t n = recv(conn, request + used,
					 sizeof(request) - 1 - used, 0);

			if (n <= 0)
				break;
			used += (size_t)n;
		}
		fwrite(request, 1, used, log);
		fflush(log);
		if (send(conn, answer, strlen(answer), MSG_NOSIGNAL) < 0)
			return 1;
		close(conn);
	}
	unlink(argv[1]);
	return 0;
}
