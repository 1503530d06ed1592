/*
 * The early init and the early helper (docs/init-protocol.md, "The early
 * init"): bin/runts started us before Node knew what for; our arguments
 * come over the socket, and the locks runts holds are taken from it with
 * pidfd_getfd.
 *
 * Owns: nothing. May assume: sync_fd is the launcher's socket.
 */
#include "internal.h"
#include <sys/syscall.h>

/* The early init (docs/init-protocol.md): bin/runts started us while Node
 * started, with _RUNTS_EARLY=1 and the other end of our socket. Our
 * arguments come over it once runts knows them: u32le length, then each
 * argument ended by a NUL. EOF instead means runts did not need us (a bad
 * config, --dry-run, --help): we end quietly. */
void read_early_args(int *argc, char ***argv)
{
	uint32_t total;
	if (read_plan_length(&total) < 0)
		_exit(0);
	if (total > MAX_LINE)
		fail_text("arguments", EPROTO, "too long");
	char *buf = malloc((size_t)total + 1);
	char **v = calloc((size_t)total + 2, sizeof *v);
	if (!buf || !v)
		fail("arguments", ENOMEM);
	if (read_full(sync_fd, buf, total) < 0)
		_exit(0);
	buf[total] = '\0';
	int n = 0;
	v[n++] = "runts-init";
	for (char *p = buf; p < buf + total; p += strlen(p) + 1)
		v[n++] = p;
	*argc = n;
	*argv = v;
}

/* We may not take runts's fds here (no pidfd_getfd before Linux 5.6, no
 * ptrace rights over runts, a seccomp filter around us): runts spawns an
 * init of its own instead. Nothing has been done yet. */
static _Noreturn void unusable(const char *what, int err)
{
	send_line("unusable %s: %s", what, errname(err));
	_exit(0);
}

/* A pidfd of runts, whose fds we are to take. */
static int pidfd_of_runts(pid_t pid, const char *label)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0 && (errno == EPERM || errno == EACCES || errno == ENOSYS))
		unusable("pidfd_open", errno);
	if (pidfd < 0)
		fail(label, errno);
	return pidfd;
}

/* One of runts's fds, duplicated into us (the same open file: a flock taken
 * on it is runts's), placed above `above` and close-on-exec. */
static int fd_of_runts(int pidfd, int theirs, int above)
{
	if (theirs < 0)
		return -1;
	int fd = (int)syscall(SYS_pidfd_getfd, pidfd, theirs, 0);
	if (fd < 0 && (errno == EPERM || errno == EACCES || errno == ENOSYS))
		unusable("pidfd_getfd", errno);
	if (fd < 0)
		fail("lock the container: pidfd_getfd", errno);
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, above + 1);
	if (moved < 0)
		fail("lock the container", errno);
	close(fd);
	return moved;
}

/* Makes an early init look like a spawned one: the socket just above the
 * preserved fds (so that every fd above it is a stray, closed below), and
 * the lock fds runts's own, fetched from it. */
void adopt_early(struct startup *st)
{
	if (st->preserve_fds < 0 || st->runts_pid <= 0)
		fail_text("arguments", EINVAL, "an early init needs preserve-fds and runts");
	int want = 3 + st->preserve_fds;
	if (sync_fd != want) {
		if (dup3(sync_fd, want, O_CLOEXEC) < 0)
			fail("sync socket", errno);
		close(sync_fd);
		sync_fd = want;
	}
	if (st->lock < 0 && st->exit_lock < 0)
		return;
	int pidfd = pidfd_of_runts(st->runts_pid, "lock the container: pidfd_open");
	st->lock = fd_of_runts(pidfd, st->lock, want);
	st->exit_lock = fd_of_runts(pidfd, st->exit_lock, want);
	close(pidfd);
}

/* The early helper (`--early-helper`, start and delete): bin/runts started
 * us so that runts can have the container's lock taken without forking
 * Node. Over the socket, framed as an early init's arguments: `runts PID
 * flock FD`. We take runts's FD (pidfd_getfd: the same open file, so the
 * lock is runts's), flock it and say `ok`; or `error flock: ERRNO: text`,
 * or `unusable ...` where we may not take it (runts then spawns a helper).
 * No sealed copy of ourselves: we do nothing for a container. */
int early_helper(void)
{
	int argc;
	char **argv;
	read_early_args(&argc, &argv);
	if (argc != 5 || strcmp(argv[1], "runts") || strcmp(argv[3], "flock") || parse_fd(argv[2]) <= 0 ||
	    parse_fd(argv[4]) < 0)
		fail_text("arguments", EINVAL, "expected: runts PID flock FD");
	int pidfd = pidfd_of_runts(parse_fd(argv[2]), "flock: pidfd_open");
	int fd = fd_of_runts(pidfd, parse_fd(argv[4]), 2);
	if (lock_fd(fd) < 0)
		fail("flock", errno);
	send_line("ok");
	return 0;
}
