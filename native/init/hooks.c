/*
 * `hook`: runs one OCI hook from inside the container's namespaces, feeds
 * it the state the runtime sent with the last `sync` reply, and waits for
 * it under its timeout. Its stdout and stderr are kept for the error, as
 * runc keeps them, never the container's stdio (a pty under `run -t`).
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

/* What a hook wrote on stdout or stderr: kept for the error, as runc keeps
 * it (up to HOOK_OUTPUT bytes of each; the rest is read and dropped, so a
 * talkative hook never blocks on a full pipe). */
#define HOOK_OUTPUT 4096
struct output {
	int fd;
	size_t len;
	char buf[HOOK_OUTPUT + 1];
};

/* Reads what is there now; closes the fd at EOF. */
static void take_output(struct output *out)
{
	char drop[4096];
	for (;;) {
		size_t room = HOOK_OUTPUT - out->len;
		ssize_t r = read(out->fd, room ? out->buf + out->len : drop, room ? room : sizeof drop);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			if (room)
				out->len += (size_t)r;
			continue;
		}
		if (r == 0 || errno != EAGAIN)
			xclose(&out->fd);
		break;
	}
	out->buf[out->len] = 0;
	while (out->len && (out->buf[out->len - 1] == '\n' || out->buf[out->len - 1] == ' '))
		out->buf[--out->len] = 0;
}

void op_hook(const struct op *o)
{
	struct program prog = take_program(o);
	unsigned long long timeout = num(o, 0);
	const char *path = prog.path;
	char **argv = prog.argv, **envp = prog.envp;

	int in[2], ep[2], op[2], eo[2]; /* stdin of the hook; exec-error report; stdout, stderr */
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0 || pipe2(op, O_CLOEXEC) < 0 ||
	    pipe2(eo, O_CLOEXEC) < 0)
		fail(LABEL(o), errno);
	pid_t pid = fork();
	if (pid < 0)
		fail(LABEL(o), errno);
	if (pid == 0) {
		/* dup2 onto 0 clears CLOEXEC; everything from 3 up is closed by
		 * the exec (ep[1] stays usable until then). */
		if (dup2(in[0], 0) < 0 || dup2(op[1], 1) < 0 || dup2(eo[1], 2) < 0 || cloexec_from(3) < 0)
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
	close(op[1]);
	close(eo[1]);
	static struct output out, err;
	out.fd = op[0];
	err.fd = eo[0];
	out.len = err.len = 0;
	out.buf[0] = err.buf[0] = 0;

	/* Feed the payload and wait for the exit, both under one deadline.
	 * Non-blocking pipe: a hook that does not read cannot stall us. */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0 || fcntl(in[1], F_SETFL, O_NONBLOCK) < 0 || fcntl(out.fd, F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(err.fd, F_SETFL, O_NONBLOCK) < 0) {
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
		struct pollfd pf[4] = {{pidfd, POLLIN, 0}, {in[1], POLLOUT, 0}, {out.fd, POLLIN, 0}, {err.fd, POLLIN, 0}};
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
		int r = poll(pf, 4, ms); /* closed ones are -1: ignored */
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
		if (r > 0 && pf[2].revents)
			take_output(&out);
		if (r > 0 && pf[3].revents)
			take_output(&err);
		if (r > 0 && pf[0].revents)
			break;
	}
	/* What is left in the pipes; not waiting for EOF (a child of the
	 * hook may hold them open). */
	if (out.fd >= 0)
		take_output(&out);
	if (err.fd >= 0)
		take_output(&err);
	xclose(&out.fd);
	xclose(&err.fd);
	xclose(&in[1]);
	close(pidfd);

	int st, e;
	if (waitpid(pid, &st, 0) < 0)
		fail(LABEL(o), errno);
	if (read(ep[0], &e, sizeof e) == (ssize_t)sizeof e)
		fail(LABEL(o), e); /* the exec itself failed */
	close(ep[0]);
	/* How it failed in the words Go's os/exec gives runc (`exit status 3`,
	 * `signal: bad system call`), then
	 * what it wrote, as runc reports a hook. */
	char sig[64];
	if (WIFSIGNALED(st))
		fail_msg(LABEL(o), "signal: %s, stdout: %s, stderr: %s", go_signal(WTERMSIG(st), sig, sizeof sig), out.buf, err.buf);
	if (WEXITSTATUS(st))
		fail_msg(LABEL(o), "exit status %d, stdout: %s, stderr: %s", WEXITSTATUS(st), out.buf, err.buf);
	free(argv);
	free(envp);
}
