/*
 * The start barrier, the fifo `runts start` opens: `open-barrier` holds it
 * (O_PATH) and `wait-barrier` blocks on it until start comes, then keeps
 * its write end for start to read what happens until exec.
 *
 * Owns: barrier_fd, made_fifo (main.c opens the fifo it made itself) and
 * start_fd (send_line also writes there once the socket is gone).
 * May assume: `open-barrier` runs while the fifo's host path is reachable,
 * `wait-barrier` later with the container's /proc mounted (the real open
 * goes through /proc/self/fd).
 */
#include "internal.h"
#include <signal.h>

int barrier_fd = -1; /* O_PATH fifo set by `open-barrier` */
const char *made_fifo; /* `mkfifo PATH`: barrier_fd is already open on it */
int start_fd = -1;   /* the barrier fifo's write end after `wait-barrier`: runts start reads it */

/* As PID 1 of its pid namespace the waiting init would ignore every signal
 * it has no handler for, so `runts kill <created container>` would do
 * nothing: while it waits, the signals that terminate by default end it. */
static void on_terminating_signal(int sig)
{
	_exit(128 + sig);
}

/* Installed here, before any seccomp filter is loaded (a filter may deny
 * sigaction; runc makes no such call after its own): execve resets them. */
static void terminate_on_signals(void)
{
	static const int terminating[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE};
	struct sigaction sa = {.sa_handler = on_terminating_signal};
	for (size_t i = 0; i < sizeof terminating / sizeof *terminating; i++)
		sigaction(terminating[i], &sa, NULL);
	sigpipe_ignored = 0;
}

void op_open_barrier(const struct op *o)
{
	terminate_on_signals();
	/* O_PATH: does not block and does not count as a writer; the real
	 * open happens in wait-barrier, after pivot, through /proc/self/fd.
	 * The fifo this init made is open already, from before any namespace
	 * (as the caller: rootless, a container root mapped to another uid
	 * could not reach the 0700 state directory). */
	if (barrier_fd >= 0 && made_fifo && !strcmp(made_fifo, ARG(o, 0)))
		return;
	xclose(&barrier_fd);
	barrier_fd = open(ARG(o, 0), O_PATH | O_CLOEXEC);
	if (barrier_fd < 0)
		fail(LABEL(o), errno);
}


void op_wait_barrier(const struct op *o)
{
	char p[32];
	if (barrier_fd < 0)
		fail_text(LABEL(o), EINVAL, "no barrier opened");
	int fd = open(fdpath(barrier_fd, p), O_WRONLY | O_CLOEXEC); /* blocks for the reader */
	if (fd < 0)
		fail(LABEL(o), errno);
	ssize_t w;
	do
		w = write(fd, "0", 1);
	while (w < 0 && errno == EINTR);
	if (w != 1)
		fail(LABEL(o), w < 0 ? errno : EIO);
	/* The write end stays open (close-on-exec) until the program is
	 * exec'd: `runts start` reads until EOF, so it returns only once the
	 * startContainer hooks ran and exec happened, and a failure on the way
	 * is written here for start to report. */
	start_fd = fd;
	xclose(&barrier_fd);
}
