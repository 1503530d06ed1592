/*
 * runts-init: the native half of runts.
 *
 * The runtime (TypeScript) decides everything; this program only carries out
 * an ordered list of instructions ("the plan") that it reads from the sync
 * socket, and reports back on that socket. It knows nothing of OCI or JSON.
 * The contract is docs/init-protocol.md; keep the two in step. The
 * instruction set is plan.c's op table; internal.h says which file holds
 * which family of ops.
 *
 * Design rules:
 *  - single-threaded, no signal handlers, one interpreter loop for all ops
 *    (the `fork` op merely splits stage 0 from stage 1);
 *  - every failure is reported as one `error ...` line, then exit 1;
 *  - every fd the init opens itself is O_CLOEXEC, and container paths are
 *    resolved with openat2(RESOLVE_IN_ROOT) and acted on through
 *    /proc/self/fd/N, so a symlink in the rootfs cannot redirect us.
 *
 * This file: start-up, up to the plan. The sealed copy of ourselves, the
 * arguments (what to do while runts compiles the plan), helper mode, and
 * main(), which puts the fds in order and hands over to run_plan().
 */
#include "internal.h"
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux >= 6.3; avoids the "memfd without MFD_EXEC" warning */
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* Are we running from a sealed memfd already? */
static int self_sealed(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int seals = fcntl(fd, F_GET_SEALS);
	close(fd);
	return seals >= 0 && (seals & SEALS) == SEALS;
}

/* CVE-2019-5736: run from a sealed in-memory copy of ourselves, so that a
 * container process opening /proc/<pid>/exe can never write to the binary
 * on the host. */
static void ensure_cloned(char **argv)
{
	const char *label = "clone self";
	const char *cloned = getenv("_RUNTS_CLONED");
	if (self_sealed())
		return;
	if (cloned && !strcmp(cloned, "1"))
		fail_text(label, EPERM, "re-executed copy is not a sealed memfd");

	int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		fail(label, errno);
	int mfd = memfd_create("runts-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (mfd < 0 && errno == EINVAL) /* kernel < 6.3: no MFD_EXEC */
		mfd = memfd_create("runts-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		fail(label, errno);
	for (;;) {
		ssize_t n = sendfile(mfd, exe, NULL, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail(label, errno);
		if (n == 0)
			break;
	}
	close(exe);
	if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
		fail(label, errno);
	if (setenv("_RUNTS_CLONED", "1", 1) < 0)
		fail(label, errno);
	fexecve(mfd, argv, environ);
	fail(label, errno);
}

/* flock(LOCK_EX), waiting as long as it takes. */
int lock_fd(int fd)
{
	int r;
	while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	return r;
}

/* mkfifo with MODE (octal text), not narrowed by the umask. */
int make_fifo(const char *path, const char *mode_text)
{
	char *end;
	unsigned long mode = strtoul(mode_text, &end, 8);
	if (*end || end == mode_text || mode > 07777) {
		errno = EINVAL;
		return -1;
	}
	mode_t old = umask(0);
	int r = mkfifo(path, (mode_t)mode);
	int err = errno;
	umask(old);
	errno = err;
	return r;
}

int parse_fd(const char *s)
{
	unsigned long long n;
	return parse_u64(s, &n) == 0 && n <= INT_MAX ? (int)n : -1;
}

/* Helper mode, `runts-init --helper OP ARGS... [OP ARGS...]`: a system call
 * Node has no binding for, on the paths of start and delete, where loading
 * koffi would cost more than the command's own work (docs/architecture.md).
 * Each failure prints `OP ARG: ERRNAME: text` and exits 1.
 *   flock FD         blocks until it holds an exclusive flock on FD. The
 *                    lock belongs to the open file, which the caller still
 *                    has open: it holds the lock after we exit. */
static int helper(int argc, char **argv)
{
	for (int i = 0; i < argc;) {
		const char *op = argv[i];
		if (!strcmp(op, "flock") && i + 1 < argc && parse_fd(argv[i + 1]) >= 0) {
			if (lock_fd(parse_fd(argv[i + 1])) < 0)
				goto failed;
			i += 2;
		} else {
			dprintf(2, "%s: unknown helper operation or missing argument\n", op);
			return 1;
		}
		continue;
failed:
		dprintf(2, "%s %s: %s: %s\n", op, i + 1 < argc ? argv[i + 1] : "", errname(errno), strerror(errno));
		return 1;
	}
	return 0;
}

/* The arguments into struct startup (internal.h; docs/init-protocol.md,
 * "The arguments: before the plan"). */
static void parse_startup(int argc, char **argv, struct startup *st)
{
	*st = (struct startup){.lock = -1, .exit_lock = -1, .preserve_fds = -1};
	st->cgroups = calloc((size_t)argc + 1, sizeof *st->cgroups);
	st->mk_root = calloc((size_t)argc + 1, sizeof *st->mk_root);
	st->mk_dir = calloc((size_t)argc + 1, sizeof *st->mk_dir);
	st->mk_cpuset = calloc((size_t)argc + 1, sizeof *st->mk_cpuset);
	if (!st->cgroups || !st->mk_root || !st->mk_dir || !st->mk_cpuset)
		fail("arguments", ENOMEM);
	for (int i = 1; i < argc;) {
		const char *op = argv[i];
		int has = argc - i - 1;
		if (!strcmp(op, "waiter")) {
			st->waiter = 1;
			i++;
		} else if (!strcmp(op, "no-subreaper")) {
			no_subreaper = 1;
			i++;
		} else if (!strcmp(op, "cgroup2-now")) {
			st->cgroup2_now = 1;
			i++;
		} else if (!strcmp(op, "lock") && has >= 1 && (st->lock = parse_fd(argv[i + 1])) >= 0) {
			i += 2;
		} else if (!strcmp(op, "exit-lock") && has >= 1 && (st->exit_lock = parse_fd(argv[i + 1])) >= 0) {
			i += 2;
		} else if (!strcmp(op, "mkfifo") && has >= 2) {
			st->fifo = argv[i + 1];
			st->fifo_mode = argv[i + 2];
			i += 3;
		} else if (!strcmp(op, "cgroup") && has >= 1) {
			st->cgroups[st->ncgroups++] = argv[i + 1];
			i += 2;
		} else if (!strcmp(op, "mkcgroup") && has >= 3 && (!strcmp(argv[i + 3], "0") || !strcmp(argv[i + 3], "1"))) {
			st->mk_root[st->nmk] = argv[i + 1];
			st->mk_dir[st->nmk] = argv[i + 2];
			st->mk_cpuset[st->nmk++] = argv[i + 3][0] == '1';
			i += 4;
		} else if (!strcmp(op, "preserve-fds") && has >= 1 && (st->preserve_fds = parse_fd(argv[i + 1])) >= 0) {
			i += 2;
		} else if (!strcmp(op, "runts") && has >= 1 && (st->runts_pid = parse_fd(argv[i + 1])) > 0) {
			i += 2;
		} else {
			fail_text("arguments", EINVAL, op);
		}
	}
}

/* An early init (early.c). */
static int early;

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--helper"))
		return helper(argc - 2, argv + 2);
	unsigned long long fd;
	const char *s = getenv("_RUNTS_SYNC");
	if (!s || parse_u64(s, &fd) < 0 || fd < 3 || fd > INT_MAX) {
		dprintf(2, "runts-init: _RUNTS_SYNC is not set to an fd: this program is "
			   "started by runts\n");
		return 1;
	}
	sync_fd = (int)fd;
	/* Blocking I/O on the socket (a spawner may hand us a non-blocking
	 * end; the flag belongs to the open file, so it survives the re-exec). */
	int fl = fcntl(sync_fd, F_GETFL);
	if (fl < 0 || fcntl(sync_fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		dprintf(2, "runts-init: _RUNTS_SYNC: %s\n", strerror(errno));
		return 1;
	}
	if (argc == 2 && !strcmp(argv[1], "--early-helper"))
		return early_helper();
	ensure_cloned(argv);
	const char *e = getenv("_RUNTS_EARLY");
	early = e && !strcmp(e, "1");
	if (early)
		read_early_args(&argc, &argv);
	struct startup st;
	parse_startup(argc, argv, &st);
	if (early)
		adopt_early(&st);

	/* We are the sealed copy now: close-on-exec on the socket, so that it
	 * never reaches the container. */
	if (fcntl(sync_fd, F_SETFD, FD_CLOEXEC) < 0)
		fail("sync socket", errno);
	/* Not needed any more. (Hooks and the program get the env from their
	 * op, never ours; this just keeps ours from leaking by mistake.) */
	unsetenv("_RUNTS_CLONED");
	unsetenv("_RUNTS_SYNC");
	unsetenv("_RUNTS_EARLY");
	/* A clean signal state now, while no seccomp filter is loaded: exec
	 * then has only SIGPIPE to restore (docs/init-protocol.md, exec). A
	 * reader that goes away (fifo, hook stdin) must give EPIPE, not kill
	 * us. */
	reset_signals();
	signal(SIGPIPE, SIG_IGN);
	sigpipe_ignored = 1;

	/* The lock belongs to runts's open file: it keeps it when we close ours. */
	if (st.lock >= 0 && lock_fd(st.lock) < 0)
		fail("lock the container", errno);
	if (st.fifo && make_fifo(st.fifo, st.fifo_mode) < 0) {
		char label[PATH_MAX + 32];
		snprintf(label, sizeof label, "make the start barrier %s", st.fifo);
		fail(label, errno);
	}
	/* Before the split: made by the init itself, not stage 0 (neither joins
	 * yet), so that the directories are there as soon as they can be. */
	if (st.nmk)
		make_cgroups(&st);
	if (st.waiter || early)
		start_waiter(st.waiter, st.exit_lock, early ? sync_fd : -1);

	/* Fds above the sync socket are strays the runtime inherited from its
	 * caller (the preserved ones sit below it), or the locks above, done
	 * with: none may reach the waiting container process (CVE-2024-21626
	 * class). */
	/* The barrier, opened here while we are still the caller (O_PATH;
	 * `open-barrier` of the same path takes it: docs/init-protocol.md). */
	if (st.fifo) {
		/* Above the socket, never on a free stdio number. */
		int fd = open(st.fifo, O_PATH | O_CLOEXEC);
		barrier_fd = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, sync_fd + 1);
		int err = errno;
		if (fd >= 0)
			close(fd);
		errno = err;
		if (barrier_fd < 0) {
			char label[PATH_MAX + 32];
			snprintf(label, sizeof label, "make the start barrier %s", st.fifo);
			fail(label, errno);
		}
		made_fifo = st.fifo;
	}
	int keep[2] = {waiter_fd, barrier_fd};
	if (close_from(sync_fd + 1, keep, 2) < 0)
		fail("close inherited fds", errno);

	for (int i = 0; i < st.ncgroups; i++)
		join_cgroup(st.cgroups[i]);
	if (st.cgroup2_now)
		join_cgroup2_now();

	run_plan();
	return 0; /* a plan without `exec` ends here */
}
