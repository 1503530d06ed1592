/*
 * The waiter (run and exec in the foreground) or the reaper (an early
 * init): the process that stays runts's child when the init splits before
 * stage 0, and what it does until it exits.
 *
 * Owns: waiter_fd (stage 0's end of the pipe that tells the waiter the
 * container's pid; `fork` writes it) and no_subreaper.
 * May assume: called once from main(), before stage 0 does anything.
 */
#include "internal.h"
#include <signal.h>
#include <sys/prctl.h>
#include <sys/file.h>
#include <sys/wait.h>

int waiter_fd = -1;  /* the pipe that tells the waiter (or reaper) the container's pid */
int ready_fd = -1;   /* detached: stage 1's end of the reaper's pipe, for `notify ready` */
static int reaping;  /* stage 0: the process above is the reaper, not the waiter */

/* Closes every fd from `from` up but those in keep[0..n) (-1: none; at
 * most CLOSE_KEEP_MAX of them are kept). */
int close_from(int from, const int *keep, int n)
{
	int sorted[CLOSE_KEEP_MAX];
	int k = 0;
	for (int i = 0; i < n && k < CLOSE_KEEP_MAX; i++)
		if (keep[i] >= from)
			sorted[k++] = keep[i];
	for (int i = 1; i < k; i++)
		for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
			int t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	for (int i = 0; i < k; i++) {
		if (sorted[i] < from)
			continue;
		if (sorted[i] > from && close_range((unsigned)from, (unsigned)sorted[i] - 1, 0) < 0)
			return -1;
		from = sorted[i] + 1;
	}
	return close_range((unsigned)from, ~0U, 0);
}

/* The waiter (argument `waiter`: run and exec in the foreground). It stays
 * runts's child while stage 0, its own child, goes on; as a subreaper it
 * inherits the container's process when stage 0 exits, waits for it, and
 * exits with its status as a shell reports it (128+signal when killed).
 * runts then needs no waitpid of its own. It never joins the container's
 * cgroups, holds none of the container's fds, and ignores the signals runts
 * passes on to the container (a terminal's ^C reaches us too). */
/* `no-subreaper` (run --no-subreaper): the waiter stays a subreaper only
 * until it has the container's process, which is what it needs the flag
 * for; processes the container orphans later go to the host's subreaper
 * or init instead of to the waiter, as with runc --no-subreaper. */
int no_subreaper;

/* `died CODE HOW`: HOW in the words Go's os/exec gives runc (`exit status
 * N`, `signal: bad system call`). */
static void report_died(int fd, int status)
{
	char sig[64];
	if (WIFSIGNALED(status))
		dprintf(fd, "died %d signal: %s\n", 128 + WTERMSIG(status), go_signal(WTERMSIG(status), sig, sizeof sig));
	else
		dprintf(fd, "died %d exit status %d\n", WEXITSTATUS(status), WEXITSTATUS(status));
}

static _Noreturn void waiter(int pid_pipe, int exit_lock, int status_fd)
{
	static const int ignored[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
				      SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE};
	for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
		signal(ignored[i], SIG_IGN);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd <= 2; fd++)
		if (null >= 0)
			dup2(null, fd);
	int keep[] = {pid_pipe, exit_lock, status_fd};
	if (close_from(3, keep, 3) < 0)
		_exit(255);
	pid_t target = -1;
	for (;;) {
		int status;
		pid_t w = waitpid(-1, &status, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			_exit(255); /* no children left and the target never seen */
		/* Stage 0 writes the pid before it exits or the child can end. */
		if (target < 0) {
			ssize_t n;
			while ((n = read(pid_pipe, &target, sizeof target)) < 0 && errno == EINTR)
				;
			if (n != sizeof target)
				_exit(255); /* stage 0 ended without a container process */
			/* Stage 0 has exited (w is it or the target): the container's
			 * process is our child now. */
			if (no_subreaper)
				prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
		}
		if (w != target)
			continue;
		int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
		/* runts deletes the container next: it holds the lock through
		 * its own fd of this open file once we are gone. If runts holds
		 * it now, it may be create or exec itself, the process dead
		 * before `ready` (a seccomp kill, say), reading the socket we
		 * share with it for an EOF we would never give: say so first. */
		if (exit_lock >= 0 && flock(exit_lock, LOCK_EX | LOCK_NB) < 0) {
			if (status_fd >= 0)
				report_died(status_fd, status);
			lock_fd(exit_lock);
		}
		/* An early init is no child runts knows of: it reads the status here. */
		if (status_fd >= 0)
			dprintf(status_fd, "exit %d\n", code);
		_exit(code);
	}
}

/* The reaper: what an early init without `waiter` splits off instead. It
 * reaps stage 0, which joins the container's cgroups: an early init is a
 * child of runts that Node cannot reap, and stage 0's zombie would count
 * in the container's cgroup (pids.current) until somebody did. The
 * reaper's own zombie is in none of them.
 * As a subreaper it then holds the container's process until `ready`:
 * stage 0 writes its pid on the pipe, stage 1 a byte at `notify ready`.
 * An EOF instead means the process died before it: the reaper reaps it
 * and says `died CODE HOW` on its copy of runts's socket (which runts
 * reads before its EOF), so a detached create says how it died, as a
 * foreground one does. After `ready` it exits, and the process goes to
 * the host's subreaper or init, as before. */
static _Noreturn void reaper(pid_t child, int pipe_in, int status_fd)
{
	signal(SIGPIPE, SIG_IGN); /* runts may have stopped listening */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd <= 2; fd++)
		if (null >= 0)
			dup2(null, fd);
	int keep[] = {pipe_in, status_fd};
	close_from(3, keep, 2);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	pid_t target;
	char c;
	ssize_t n;
	if (read_full(pipe_in, &target, sizeof target) < 0)
		_exit(0); /* stage 0 ended without a container process */
	while ((n = read(pipe_in, &c, 1)) < 0 && errno == EINTR)
		;
	if (n == 1)
		_exit(0); /* ready: the process goes on without us */
	int status;
	pid_t w;
	while ((w = waitpid(-1, &status, 0)) != target)
		if (w < 0 && errno != EINTR)
			_exit(0);
	if (status_fd >= 0)
		report_died(status_fd, status);
	_exit(0);
}

/* Stage 1, at the fork: the waiter needs nothing more on the pipe; the
 * reaper waits on it for `ready`. */
void keep_ready_pipe(void)
{
	if (reaping) {
		ready_fd = waiter_fd;
		waiter_fd = -1;
	}
	xclose(&waiter_fd);
}

/* `notify ready`, after the line: the reaper may go. */
void tell_reaper_ready(void)
{
	if (ready_fd >= 0)
		(void)!write(ready_fd, "r", 1);
	xclose(&ready_fd);
}

/* Splits off the waiter (or, with as_waiter 0, the reaper): the parent
 * becomes it; the child goes on as stage 0 and dies with it (SIGKILL), so
 * that runts killing the process it knows ends both. */
void start_waiter(int as_waiter, int exit_lock, int status_fd)
{
	const char *label = as_waiter ? "start the waiter" : "start the reaper";
	pid_t parent = getpid();
	int p[2] = {-1, -1};
	if (pipe2(p, O_CLOEXEC) < 0)
		fail(label, errno);
	/* Before the fork: stage 0 must be born with a subreaper above it (a
	 * later prctl would race with its fork of the container's process). */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		fail(label, errno);
	pid_t child = fork();
	if (child < 0)
		fail(label, errno);
	if (child > 0) {
		close(p[1]);
		if (!as_waiter)
			reaper(child, p[0], status_fd);
		waiter(p[0], exit_lock, status_fd);
	}
	close(p[0]);
	reaping = !as_waiter;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		fail(label, errno);
	if (getppid() != parent)
		_exit(1); /* the waiter is gone already */
	waiter_fd = p[1];
	/* runts writes our id mappings: it must know us, not its child. If it
	 * is gone already (it failed before it needed us, and killed us), there
	 * is nobody to tell, and nothing to say on stderr. */
	char line[32];
	int n = snprintf(line, sizeof line, "stage0 %d\n", (int)getpid());
	if (send_all(line, (size_t)n) < 0)
		_exit(1);
}
