/*
 * `hook`: runs one OCI hook from inside the container's namespaces, feeds
 * it the state the runtime sent with the last `sync` reply, and waits for
 * it under its timeout.
 *
 * Owns: nothing. May assume: the payload of the last `ok <payload>` reply
 * is the hook's state (protocol.c keeps it).
 */
#include "internal.h"
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <sys/syscall.h>
#include <sys/wait.h>

void op_hook(const struct op *o)
{
	struct program prog = take_program(o);
	unsigned long long timeout = num(o, 0);
	const char *path = prog.path;
	char **argv = prog.argv, **envp = prog.envp;

	int in[2], ep[2]; /* stdin of the hook; exec-error report */
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0)
		fail(LABEL(o), errno);
	pid_t pid = fork();
	if (pid < 0)
		fail(LABEL(o), errno);
	if (pid == 0) {
		/* dup2 onto 0 clears CLOEXEC; everything from 3 up is closed by
		 * the exec (ep[1] stays usable until then). */
		if (dup2(in[0], 0) < 0 || cloexec_from(3) < 0)
			goto bad;
		reset_signals();
		execve(path, argv, envp);
	bad:;
		int e = errno;
		if (write(ep[1], &e, sizeof e) < 0)
			_exit(126);
		_exit(127);
	}
	close(in[0]);
	close(ep[1]);

	/* Feed the payload and wait for the exit, both under one deadline.
	 * Non-blocking pipe: a hook that does not read cannot stall us. */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0 || fcntl(in[1], F_SETFL, O_NONBLOCK) < 0) {
		kill(pid, SIGKILL);
		fail(LABEL(o), errno);
	}
	const char *data = payload ? payload + 3 : "";
	size_t left = payload ? payload_len : 0;
	if (!left)
		xclose(&in[1]);
	struct timespec now, end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)timeout;
	for (;;) {
		struct pollfd pf[2] = {{pidfd, POLLIN, 0}, {in[1], POLLOUT, 0}};
		int ms = -1;
		if (timeout) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			long long d = (end.tv_sec - now.tv_sec) * 1000LL +
				      (end.tv_nsec - now.tv_nsec) / 1000000;
			if (d <= 0) {
				kill(pid, SIGKILL);
				waitpid(pid, NULL, 0);
				fail_msg(LABEL(o), "timed out after %llus", timeout);
			}
			ms = d > INT_MAX ? INT_MAX : (int)d;
		}
		int r = poll(pf, in[1] >= 0 ? 2 : 1, ms);
		if (r < 0 && errno != EINTR) {
			kill(pid, SIGKILL);
			fail(LABEL(o), errno);
		}
		if (r > 0 && pf[1].revents) {
			ssize_t w = write(in[1], data, left);
			if (w > 0) {
				data += w;
				left -= (size_t)w;
			}
			/* Done, or the hook closed its stdin (EPIPE; SIGPIPE is
			 * ignored): stop writing either way. */
			if (!left || (w < 0 && errno != EAGAIN && errno != EINTR))
				xclose(&in[1]);
		}
		if (r > 0 && pf[0].revents)
			break;
	}
	xclose(&in[1]);
	close(pidfd);

	int st, e;
	if (waitpid(pid, &st, 0) < 0)
		fail(LABEL(o), errno);
	if (read(ep[0], &e, sizeof e) == (ssize_t)sizeof e)
		fail(LABEL(o), e); /* the exec itself failed */
	close(ep[0]);
	if (WIFSIGNALED(st))
		fail_msg(LABEL(o), "killed by signal %d (SIG%s)", WTERMSIG(st),
			 sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
	if (WEXITSTATUS(st))
		fail_msg(LABEL(o), "exited with status %d", WEXITSTATUS(st));
	free(argv);
	free(envp);
}
