/*
 * runts-init: the native half of runts.
 *
 * The runtime (TypeScript) decides everything; this program only carries out
 * an ordered list of instructions ("the plan") that it reads from the sync
 * socket, and reports back on that socket. It knows nothing of OCI or JSON.
 * The contract is docs/init-protocol.md; keep the two in step.
 *
 * Design rules:
 *  - single-threaded, no signal handlers, one interpreter loop for all ops
 *    (the `fork` op merely splits stage 0 from stage 1);
 *  - every failure is reported as one `error ...` line, then exit 1;
 *  - every fd the init opens itself is O_CLOEXEC, and container paths are
 *    resolved with openat2(RESOLVE_IN_ROOT) and acted on through
 *    /proc/self/fd/N, so a symlink in the rootfs cannot redirect us.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <sys/file.h>
#include <sys/un.h>
#include <termios.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux >= 6.3; avoids the "memfd without MFD_EXEC" warning */
#endif

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL /* Linux >= 5.7 */
#endif

/* clone3's argument, as far as CLONE_INTO_CGROUP (CLONE_ARGS_SIZE_VER2). Our
 * own name: <linux/sched.h> clashes with glibc's <sched.h>. */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define MAX_PLAN (64u << 20)  /* sanity cap on the plan size */
#define MAX_LINE (16u << 20)  /* sanity cap on a sync reply */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ------------------------------------------------------------------------ */
/* State                                                                    */

static int sync_fd = -1;    /* the socket to the runtime (CLOEXEC) */
static int root_fd = -1;    /* O_PATH dir set by `root`; closed at pivot/chroot */
static int barrier_fd = -1; /* O_PATH fifo set by `open-barrier` */
static const char *made_fifo; /* `mkfifo PATH`: barrier_fd is already open on it */
static int console_fd = -1; /* connected --console-socket, set by `console-connect` */
static int listener_fd = -1; /* seccomp notification fd, from `seccomp` with NEW_LISTENER */
static int start_fd = -1;   /* the barrier fifo's write end after `wait-barrier`: runts start reads it */
static int cgroup2_fd = -1; /* the container's cgroup2 dir: `fork` clones into it */
static const char *cgroup2_dir; /* its path, for messages */
static int waiter_fd = -1;  /* foreground: the pipe that tells the waiter the container's pid */
static char *payload;       /* payload of the last `ok <payload>` reply */
static size_t payload_len;

/* One instruction: f[0] is the op, f[1] the label, f[2..n-1] the args. Every
 * field is NUL-terminated in place; len[] keeps the true length because the
 * seccomp program and `write` contents may hold NUL bytes. */
struct op {
	uint32_t n;
	char **f;
	uint32_t *len;
};

#define LABEL(o) ((o)->f[1])
#define NARGS(o) ((int)(o)->n - 2)
#define ARG(o, i) ((o)->f[2 + (i)])
#define ARGLEN(o, i) ((o)->len[2 + (i)])

/* ------------------------------------------------------------------------ */
/* Messages                                                                 */

/* Writes all of buf to the socket. Returns -1 if the runtime has closed its
 * end. MSG_NOSIGNAL: no SIGPIPE death. */
static int send_all(const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = send(sync_fd, buf, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Sends one protocol line. Newlines inside the text (from a label, say) are
 * turned into spaces so that one message stays one line. */
__attribute__((format(printf, 1, 2))) static void send_line(const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		_exit(1);
	for (char *p = s; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (sync_fd < 0) { /* no socket (any more): stderr, and start if it listens */
		if (start_fd >= 0)
			dprintf(start_fd, "%s\n", s);
		dprintf(2, "runts-init: %s\n", s);
		_exit(1);
	}
	s[n] = '\n'; /* overwrites the NUL; length is n + 1 */
	if (send_all(s, (size_t)n + 1) < 0) {
		/* runts closed its end before `ready`: it gave up on this
		 * create (and is removing the cgroups we may be joining) or
		 * died. Nobody is left to tell; a line on the caller's stderr
		 * after runts's own error would only confuse. */
		_exit(1);
	}
	free(s);
}

static const char *errname(int err)
{
	const char *s = strerrorname_np(err);
	return s ? s : "EUNKNOWN";
}

/* Exit 1 after discarding unread input: closing a unix socket with data
 * still queued (an unread plan, say) makes the runtime's next read fail with
 * ECONNRESET instead of a clean EOF. */
static int plan_pending = 1; /* stage 0 has not read the plan yet */
static int read_plan_length(uint32_t *total);

static _Noreturn void drain_and_exit(void)
{
	char buf[4096];
	/* Failing before the plan came (start-up): wait for it and read it
	 * whole. Gone first, we would make the runtime's write of the plan
	 * fail, and its socket would be torn down with our error line unread. */
	uint32_t left;
	if (plan_pending && sync_fd >= 0 && read_plan_length(&left) == 0) {
		while (left > 0) {
			ssize_t r = read(sync_fd, buf, left < sizeof buf ? left : sizeof buf);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			left -= (uint32_t)r;
		}
	}
	if (sync_fd >= 0 && fcntl(sync_fd, F_SETFL, O_NONBLOCK) == 0)
		while (read(sync_fd, buf, sizeof buf) > 0)
			;
	_exit(1);
}

/* `error <label>: <ERRNO>: <text>` and exit 1. text NULL = strerror(err). */
static _Noreturn void fail_text(const char *label, int err, const char *text)
{
	send_line("error %s: %s: %s", label, errname(err), text ? text : strerror(err));
	drain_and_exit();
}

static _Noreturn void fail(const char *label, int err)
{
	fail_text(label, err, NULL);
}

/* `error <label>: <free text>` (hook outcomes that are not an errno). */
__attribute__((format(printf, 2, 3))) static _Noreturn void fail_msg(const char *label,
								      const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		_exit(1);
	send_line("error %s: %s", label, s);
	drain_and_exit();
}

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */

/* Strict decimal unsigned parse: the whole string, no sign, no overflow. */
static int parse_u64(const char *s, unsigned long long *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return (errno || *end) ? -1 : 0;
}

static unsigned long long num(const struct op *o, int i)
{
	unsigned long long v;
	if (parse_u64(ARG(o, i), &v) < 0)
		fail_text(LABEL(o), EINVAL, "bad number");
	return v;
}

/* "" means NULL for optional mount(2) arguments. */
static const char *opt(const char *s)
{
	return *s ? s : NULL;
}

static const char *fdpath(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

static void xclose(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Reads one reply line, byte by byte: the init must never consume bytes
 * beyond the line (a forked child shares the socket). NULL on EOF/error. */
static char *read_line(size_t *len)
{
	/* Peek, then take exactly up to the newline: what follows the line is
	 * for a later reader (stage 1 reads on from the same socket). */
	size_t cap = 512, n = 0;
	char *s = malloc(cap);
	for (;;) {
		if (!s)
			return NULL;
		ssize_t r = recv(sync_fd, s + n, cap - n - 1, MSG_PEEK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		char *nl = memchr(s + n, '\n', (size_t)r);
		size_t take = nl ? (size_t)(nl - (s + n)) + 1 : (size_t)r;
		for (size_t got = 0; got < take;) {
			ssize_t k = read(sync_fd, s + n + got, take - got);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				goto gone;
			got += (size_t)k;
		}
		n += take;
		if (nl) {
			s[n - 1] = '\0';
			*len = n - 1;
			return s;
		}
		if (cap - n - 1 == 0) {
			if (cap >= MAX_LINE)
				break;
			cap *= 2;
			s = realloc(s, cap);
		}
	}
gone:
	free(s);
	return NULL;
}

/* Every disposition back to default and nothing blocked, so the container's
 * program (or a hook) starts from a clean signal state. */
/* Marks every fd from `first` up close-on-exec. close_range first; where a
 * seccomp profile denies it (ENOSYS, EPERM), one fcntl per open fd. */
static int cloexec_from(int first)
{
	if (close_range((unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	if (errno != ENOSYS && errno != EPERM && errno != EINVAL)
		return -1;
	int max = getdtablesize();
	for (int fd = first; fd < max; fd++) {
		if (fcntl(fd, F_GETFD) < 0) {
			if (errno == EBADF)
				continue;
			return -1;
		}
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
			return -1;
	}
	return 0;
}

static void reset_signals(void)
{
	struct sigaction sa = {.sa_handler = SIG_DFL};
	sigset_t none;
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL); /* EINVAL for glibc-reserved ones */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Builds a NULL-terminated vector from "count, then count fields" starting at
 * argument *i; *i moves past it. */
static char **take_list(const struct op *o, int *i)
{
	unsigned long long c;
	if (*i >= NARGS(o) || parse_u64(ARG(o, *i), &c) < 0 ||
	    c > (unsigned long long)(NARGS(o) - *i - 1))
		fail_text(LABEL(o), EINVAL, "bad argument list");
	(*i)++;
	char **v = calloc(c + 1, sizeof *v);
	if (!v)
		fail(LABEL(o), ENOMEM);
	for (unsigned long long k = 0; k < c; k++)
		v[k] = ARG(o, *i + (int)k);
	*i += (int)c;
	return v;
}

/* ------------------------------------------------------------------------ */
/* In-root path resolution                                                  */

/* Opens path (O_PATH | extra) inside the root: the `root` dir before pivot,
 * "/" after it. Symlinks and ".." cannot leave the root, /proc magic links
 * are refused. Returns the fd or -errno. */
static int in_root(const char *path, int extra)
{
	int base = root_fd, tmp = -1;
	if (base < 0) {
		tmp = base = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (base < 0)
			return -errno;
	}
	struct open_how how = {
		.flags = (uint64_t)(O_PATH | O_CLOEXEC | extra),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd, tries = 0;
	/* EAGAIN: a concurrent rename raced a ".." lookup; just retry. */
	do
		fd = (int)syscall(SYS_openat2, base, path, &how, sizeof how);
	while (fd < 0 && errno == EAGAIN && ++tries < 64);
	int err = errno;
	if (tmp >= 0)
		close(tmp);
	return fd < 0 ? -err : fd;
}

static int in_root_or_fail(const char *label, const char *path, int extra)
{
	int fd = in_root(path, extra);
	if (fd < 0)
		fail(label, -fd);
	return fd;
}

/* Returns an O_PATH fd on the in-root directory path, creating each missing
 * component with mode. Each prefix is re-resolved in the root, and the new
 * directory is made with mkdirat() relative to the already-resolved parent:
 * mkdirat never follows a symlink, so nothing is created outside the root. */
static int mkdirs_fd(const char *label, const char *path, mode_t mode)
{
	char *p = strdup(path);
	if (!p)
		fail(label, ENOMEM);
	int dir = in_root_or_fail(label, "/", O_DIRECTORY);
	char *s = p;
	for (;;) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		char *e = s + strcspn(s, "/");
		char save = *e;
		*e = '\0'; /* p is now the prefix up to and including this component */
		int fd = in_root(p, O_DIRECTORY);
		if (fd == -ENOENT) {
			if (mkdirat(dir, s, mode) < 0 && errno != EEXIST)
				fail(label, errno);
			fd = in_root(p, O_DIRECTORY);
		}
		if (fd < 0)
			fail(label, -fd);
		close(dir);
		dir = fd;
		*e = save;
		s = e;
	}
	free(p);
	return dir;
}

/* Splits an in-root path into its parent (created if missing, mode 0755)
 * and last component. The component must be a real name. */
static int parent_fd(const char *label, const char *path, char **base)
{
	char *d = strdup(path);
	if (!d)
		fail(label, ENOMEM);
	size_t n = strlen(d);
	while (n > 1 && d[n - 1] == '/')
		d[--n] = '\0';
	char *slash = strrchr(d, '/');
	char *b = slash ? slash + 1 : d;
	if (!*b || !strcmp(b, ".") || !strcmp(b, ".."))
		fail_text(label, EINVAL, "path has no last component");
	*base = strdup(b);
	*b = '\0'; /* d is now the parent ("" = the root) */
	int fd = mkdirs_fd(label, d, 0755);
	free(d);
	return fd;
}

/* Mount flags of the mount under fd that a bind remount must repeat: in a
 * user namespace the kernel locks nosuid/nodev/noexec and the atime mode of
 * mounts inherited from the parent, and refuses (EPERM) to clear them. */
static unsigned long current_flags(int fd)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (fstatvfs(fd, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	else if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	else
		f |= MS_STRICTATIME; /* neither flag shown: strictatime */
	return f;
}

#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME | MS_NODIRATIME)

/* flags with the current nosuid/nodev/noexec added and atime replaced. */
static unsigned long with_locked(unsigned long flags, int fd)
{
	return (flags & ~(unsigned long)ATIME_FLAGS) | current_flags(fd);
}

/* ------------------------------------------------------------------------ */
/* Stage 0 ops                                                              */

static int ns_flag(const char *type)
{
	static const struct {
		const char *name;
		int flag;
	} t[] = {
		{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},	   {"pid", CLONE_NEWPID},
		{"net", CLONE_NEWNET},	 {"ipc", CLONE_NEWIPC},	   {"uts", CLONE_NEWUTS},
		{"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(type, t[i].name))
			return t[i].flag;
	return 0;
}

static void op_setns(const struct op *o)
{
	int flag = ns_flag(ARG(o, 1));
	if (!flag)
		fail_text(LABEL(o), EINVAL, "unknown namespace type");
	int fd = open(ARG(o, 0), O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, flag) < 0)
		fail(LABEL(o), errno);
	close(fd);
}

static void op_unshare(const struct op *o)
{
	int flags = 0;
	char *save, *list = strdup(ARG(o, 0));
	if (!list)
		fail(LABEL(o), ENOMEM);
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int f = ns_flag(t);
		if (!f)
			fail_text(LABEL(o), EINVAL, "unknown namespace type");
		flags |= f;
	}
	free(list);
	if (unshare(flags) < 0)
		fail(LABEL(o), errno);
}

static void op_become_root(const struct op *o)
{
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		fail(LABEL(o), errno);
}

static void op_write(const struct op *o)
{
	/* One write(2): files like uid_map or timens_offsets need it whole. */
	int fd = open(ARG(o, 0), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail(LABEL(o), errno);
	ssize_t w = write(fd, ARG(o, 1), ARGLEN(o, 1));
	if (w < 0)
		fail(LABEL(o), errno);
	if ((size_t)w != ARGLEN(o, 1))
		fail_text(LABEL(o), EIO, "short write");
	close(fd);
}

static _Noreturn void fail_cgroup2(int err)
{
	char label[PATH_MAX + 32];
	snprintf(label, sizeof label, "join cgroup %s", cgroup2_dir);
	fail(label, err);
}

/* The pending cgroup2 join, the slow way: `cgroup2-now`, or a kernel without
 * clone3 (see fork_into_cgroup). */
static void join_cgroup2_now(void)
{
	if (cgroup2_fd < 0)
		return;
	int fd = openat(cgroup2_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		fail_cgroup2(errno);
	close(fd);
	xclose(&cgroup2_fd);
}

/* fork(), or on a host with a cgroup2 hierarchy clone3(CLONE_INTO_CGROUP):
 * the child starts in the container's cgroup2 directory without anyone
 * writing cgroup.procs, which would take the kernel's global threadgroup
 * lock and wait for an RCU grace period (see join_cgroup). */
static pid_t fork_into_cgroup(void)
{
	if (cgroup2_fd < 0)
		return fork();
	struct clone3_args args = {
		.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cgroup2_fd};
	long pid = syscall(SYS_clone3, &args, sizeof args);
	if (pid >= 0)
		return (pid_t)pid;
	if (errno != ENOSYS && errno != E2BIG)
		fail_cgroup2(errno);
	join_cgroup2_now(); /* before Linux 5.7 */
	return fork();
}

static void op_fork(const struct op *o)
{
	/* The child waits on this pipe until the parent has sent `pid` (and
	 * exited), so `pid` always comes before anything the child says. */
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		fail(LABEL(o), errno);
	pid_t pid = fork_into_cgroup();
	if (pid < 0)
		fail(LABEL(o), errno);
	if (pid > 0) {
		char line[32];
		int n = snprintf(line, sizeof line, "pid %d\n", (int)pid);
		/* The waiter first: once we exit, the child may run and end. */
		if ((waiter_fd >= 0 && write(waiter_fd, &pid, sizeof pid) != sizeof pid) ||
		    send(sync_fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
			/* Nobody would know of the child: it must not go on. */
			kill(pid, SIGKILL);
			_exit(1);
		}
		_exit(0); /* closes p[1]: releases the child */
	}
	close(p[1]);
	xclose(&waiter_fd);
	xclose(&cgroup2_fd);
	char c;
	while (read(p[0], &c, 1) < 0 && errno == EINTR)
		;
	close(p[0]);
}

static void op_sync(const struct op *o)
{
	size_t n;
	send_line("sync %s", ARG(o, 0));
	char *line = read_line(&n);
	if (!line)
		_exit(1); /* runtime gone: never hang, never go on alone */
	if (!strcmp(line, "ok")) {
		free(line);
	} else if (!strncmp(line, "ok ", 3)) {
		free(payload);
		payload = line; /* keep the whole line; the payload starts at +3 */
		payload_len = n - 3;
	} else if (!strcmp(line, "abort")) {
		drain_and_exit();
	} else {
		fail_text(LABEL(o), EPROTO, "unexpected reply to sync");
	}
}

static void op_notify(const struct op *o)
{
	send_line("notify %s", ARG(o, 0));
	/* After `ready` the runtime stops listening (create has returned):
	 * later failures go to the container's stderr instead. */
	if (!strcmp(ARG(o, 0), "ready")) {
		close(sync_fd);
		sync_fd = -1;
	}
}

/* ------------------------------------------------------------------------ */
/* Stage 1 ops: mounts and files                                            */

static void op_setsid(const struct op *o)
{
	if (setsid() < 0)
		fail(LABEL(o), errno);
}

static void op_mount_host(const struct op *o)
{
	if (mount(opt(ARG(o, 0)), ARG(o, 1), opt(ARG(o, 2)), num(o, 3), opt(ARG(o, 4))) < 0)
		fail(LABEL(o), errno);
}

static void op_root(const struct op *o)
{
	xclose(&root_fd);
	root_fd = open(ARG(o, 0), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		fail(LABEL(o), errno);
}

static void op_mkdirs(const struct op *o)
{
	int fd = mkdirs_fd(LABEL(o), ARG(o, 0), (mode_t)num(o, 1));
	close(fd);
}

static void op_mkfile(const struct op *o)
{
	char *base;
	mode_t mode = (mode_t)num(o, 1);
	int dir = parent_fd(LABEL(o), ARG(o, 0), &base);
	/* O_EXCL|O_NOFOLLOW: never write through whatever is already there. */
	int fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 && errno != EEXIST)
		fail(LABEL(o), errno);
	if (fd >= 0)
		close(fd);
	close(dir);
	free(base);
}

static void op_mount(const struct op *o)
{
	char p[32];
	const char *type = ARG(o, 2);
	/* proc and sysfs only on a real directory, never through a symlink
	 * that ends the destination (CVE-2019-19921: a rootfs whose /proc
	 * points elsewhere would get proc mounted there, and the masking of
	 * /proc paths would miss it). runc refuses these too. */
	if (!strcmp(type, "proc") || !strcmp(type, "sysfs")) {
		struct stat st;
		int last = in_root_or_fail(LABEL(o), ARG(o, 1), O_NOFOLLOW);
		if (fstat(last, &st) < 0)
			fail(LABEL(o), errno);
		close(last);
		if (!S_ISDIR(st.st_mode))
			fail_msg(LABEL(o), "filesystem \"%s\" must be mounted on ordinary directory", type);
	}
	int fd = in_root_or_fail(LABEL(o), ARG(o, 1), 0);
	if (mount(opt(ARG(o, 0)), fdpath(fd, p), opt(ARG(o, 2)), num(o, 3), opt(ARG(o, 4))) < 0)
		fail(LABEL(o), errno);
	close(fd);
}

/* Idmapped mounts: `idmap-userns uid_map gid_map` (stage 0, still in the
 * runtime's user namespace) makes a user namespace with the mount's
 * mappings, by a child that unshares and waits while its maps are written,
 * and keeps an fd to it; `idmap-mount source target recursive index` clones
 * the source (open_tree), marks the clone idmapped with that namespace
 * (mount_setattr MOUNT_ATTR_IDMAP) and moves it onto the target. */
#define MAX_IDMAPS 64
static int idmap_fds[MAX_IDMAPS];
static int n_idmaps;

static void write_file_or_fail(const char *label, const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		fail(label, errno);
	close(fd);
}

static void op_idmap_userns(const struct op *o)
{
	if (n_idmaps >= MAX_IDMAPS)
		fail_text(LABEL(o), E2BIG, "too many idmapped mounts");
	int ready[2], hold[2];
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(hold, O_CLOEXEC) < 0)
		fail(LABEL(o), errno);
	pid_t child = fork();
	if (child < 0)
		fail(LABEL(o), errno);
	if (child == 0) {
		close(ready[0]);
		close(hold[1]);
		char c = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		(void)!read(hold[0], &c, 1); /* until the parent is done */
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	char c = 0, path[64];
	if (read(ready[0], &c, 1) != 1 || c != 'y')
		fail_text(LABEL(o), EPERM, "cannot create the user namespace for the mapping");
	snprintf(path, sizeof path, "/proc/%d/uid_map", child);
	write_file_or_fail(LABEL(o), path, ARG(o, 0), ARGLEN(o, 0));
	snprintf(path, sizeof path, "/proc/%d/gid_map", child);
	write_file_or_fail(LABEL(o), path, ARG(o, 1), ARGLEN(o, 1));
	snprintf(path, sizeof path, "/proc/%d/ns/user", child);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail(LABEL(o), errno);
	idmap_fds[n_idmaps++] = fd;
	close(hold[1]);
	close(ready[0]);
	waitpid(child, NULL, 0);
}

static void op_idmap_mount(const struct op *o)
{
	unsigned long long recursive = num(o, 2), index = num(o, 3);
	if (index >= (unsigned long long)n_idmaps)
		fail_text(LABEL(o), EINVAL, "no such idmap user namespace");
	int tree = (int)syscall(SYS_open_tree, AT_FDCWD, ARG(o, 0),
				OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
	if (tree < 0)
		fail(LABEL(o), errno);
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)idmap_fds[index]};
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
		fail(LABEL(o), errno);
	int target = in_root_or_fail(LABEL(o), ARG(o, 1), 0);
	if (syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		fail(LABEL(o), errno);
	close(target);
	close(tree);
}

/* `mount-copyup`: a mount (a tmpfs, for podman's tmpcopyup) that starts
 * with a copy of what the directory under it held. An fd opened on the
 * directory before the mount keeps seeing the hidden contents. */
static int copy_tree(int src, int dst, int depth)
{
	if (depth > 64)
		return ELOOP;
	int again = dup(src);
	DIR *d = again < 0 ? NULL : fdopendir(again);
	if (!d)
		return errno;
	struct dirent *e;
	int err = 0;
	while (!err && (e = readdir(d))) {
		const char *n = e->d_name;
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		struct stat st;
		if (fstatat(src, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			err = errno;
			break;
		}
		mode_t perm = st.st_mode & 07777;
		if (S_ISDIR(st.st_mode)) {
			int in = -1, out = -1;
			if (mkdirat(dst, n, 0700) < 0 ||
			    (in = openat(src, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
			    (out = openat(dst, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				err = errno;
			else
				err = copy_tree(in, out, depth + 1);
			if (in >= 0)
				close(in);
			if (out >= 0)
				close(out);
		} else if (S_ISREG(st.st_mode)) {
			int in = openat(src, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			int out = in < 0 ? -1 : openat(dst, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			char buf[65536];
			ssize_t r;
			if (in < 0 || out < 0)
				err = errno;
			while (!err && (r = read(in, buf, sizeof buf)) != 0) {
				if (r < 0 || write(out, buf, (size_t)r) != r)
					err = errno ? errno : EIO;
			}
			if (in >= 0)
				close(in);
			if (out >= 0)
				close(out);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t len = readlinkat(src, n, target, sizeof target - 1);
			if (len < 0)
				err = errno;
			else {
				target[len] = 0;
				if (symlinkat(target, dst, n) < 0)
					err = errno;
			}
		} else if (mknodat(dst, n, st.st_mode, st.st_rdev) < 0 && errno != EPERM) {
			err = errno;
		}
		if (!err && fchownat(dst, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM && errno != EINVAL)
			err = errno;
		if (!err && !S_ISLNK(st.st_mode) && fchmodat(dst, n, perm, 0) < 0 && errno != ENOENT)
			err = errno;
	}
	closedir(d);
	return err;
}

static void op_mount_copyup(const struct op *o)
{
	char p[32];
	int target = in_root_or_fail(LABEL(o), ARG(o, 1), 0);
	int orig = open(fdpath(target, p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (orig < 0)
		fail(LABEL(o), errno);
	if (mount(opt(ARG(o, 0)), fdpath(target, p), opt(ARG(o, 2)), num(o, 3), opt(ARG(o, 4))) < 0)
		fail(LABEL(o), errno);
	close(target);
	int top = in_root_or_fail(LABEL(o), ARG(o, 1), 0); /* now the new mount */
	int dst = open(fdpath(top, p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dst < 0)
		fail(LABEL(o), errno);
	struct stat st;
	if (fstat(orig, &st) == 0) {
		if (fchown(dst, st.st_uid, st.st_gid) < 0 && errno != EPERM && errno != EINVAL)
			fail(LABEL(o), errno);
		if (fchmod(dst, st.st_mode & 07777) < 0)
			fail(LABEL(o), errno);
	}
	int err = copy_tree(orig, dst, 0);
	if (err)
		fail_text(LABEL(o), err, "copying the directory's contents into the new mount");
	close(orig);
	close(dst);
	close(top);
}

static void op_remount(const struct op *o)
{
	char p[32];
	int fd = in_root_or_fail(LABEL(o), ARG(o, 0), 0);
	unsigned long flags = MS_REMOUNT | num(o, 1);
	/* As asked first (real root may clear flags); on EPERM, once more with
	 * the flags the kernel may have locked (user namespace). */
	if (mount(NULL, fdpath(fd, p), NULL, flags, NULL) < 0) {
		unsigned long again = with_locked(flags, fd);
		if (errno != EPERM || again == flags ||
		    mount(NULL, fdpath(fd, p), NULL, again, NULL) < 0)
			fail(LABEL(o), errno);
	}
	close(fd);
}

static void op_propagate(const struct op *o)
{
	char p[32];
	int fd = in_root_or_fail(LABEL(o), ARG(o, 0), 0);
	if (mount(NULL, fdpath(fd, p), NULL, num(o, 1), NULL) < 0)
		fail(LABEL(o), errno);
	close(fd);
}

static void op_setattr(const struct op *o)
{
	struct mount_attr attr = {
		.attr_set = num(o, 1),
		.attr_clr = num(o, 2),
		.propagation = num(o, 3),
	};
	unsigned int flags = AT_EMPTY_PATH | (num(o, 4) ? AT_RECURSIVE : 0);
	int fd = in_root_or_fail(LABEL(o), ARG(o, 0), 0);
	if (syscall(SYS_mount_setattr, fd, "", flags, &attr, sizeof attr) < 0)
		fail(LABEL(o), errno);
	close(fd);
}

static void op_mknod(const struct op *o)
{
	char *base;
	mode_t type;
	switch (ARG(o, 1)[0] && !ARG(o, 1)[1] ? ARG(o, 1)[0] : '?') {
	case 'c': type = S_IFCHR; break;
	case 'b': type = S_IFBLK; break;
	case 'p': type = S_IFIFO; break;
	default: fail_text(LABEL(o), EINVAL, "bad node type");
	}
	dev_t dev = makedev((unsigned)num(o, 2), (unsigned)num(o, 3));
	mode_t mode = (mode_t)num(o, 4);
	uid_t uid = (uid_t)num(o, 5);
	gid_t gid = (gid_t)num(o, 6);
	int dir = parent_fd(LABEL(o), ARG(o, 0), &base);
	if (mknodat(dir, base, type | (mode & 07777), type == S_IFIFO ? 0 : dev) < 0) {
		struct stat st;
		if (errno != EEXIST)
			fail(LABEL(o), errno);
		/* Something is there: keep it only if it is the same kind. */
		if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
			fail(LABEL(o), errno);
		if ((st.st_mode & S_IFMT) != type)
			fail(LABEL(o), EEXIST);
	} else {
		/* mknod's mode went through the umask: set it exactly. Both calls
		 * act on the node we just made (never a symlink). */
		if (fchownat(dir, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
		    fchmodat(dir, base, mode & 07777, 0) < 0)
			fail(LABEL(o), errno);
	}
	close(dir);
	free(base);
}

static void op_bind_dev(const struct op *o)
{
	char *base, p[32];
	int dir = parent_fd(LABEL(o), ARG(o, 1), &base);
	int fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0 && errno != EEXIST)
		fail(LABEL(o), errno);
	xclose(&fd);
	close(dir);
	free(base);
	fd = in_root_or_fail(LABEL(o), ARG(o, 1), 0);
	if (mount(ARG(o, 0), fdpath(fd, p), NULL, MS_BIND, NULL) < 0)
		fail(LABEL(o), errno);
	close(fd);
}

static void op_symlink(const struct op *o)
{
	char *base;
	int dir = parent_fd(LABEL(o), ARG(o, 1), &base);
	if (symlinkat(ARG(o, 0), dir, base) < 0) {
		struct stat st;
		if (errno != EEXIST)
			fail(LABEL(o), errno);
		if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode))
			fail(LABEL(o), EEXIST);
	}
	close(dir);
	free(base);
}

static void op_mask(const struct op *o)
{
	char p[32], q[32];
	struct stat st;
	int fd = in_root(ARG(o, 0), 0);
	if (fd == -ENOENT)
		return;
	if (fd < 0)
		fail(LABEL(o), -fd);
	if (fstat(fd, &st) < 0)
		fail(LABEL(o), errno);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", fdpath(fd, p), "tmpfs",
			  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			fail(LABEL(o), errno);
	} else {
		/* Bind the container's /dev/null, but only once we have checked
		 * that what we hold is really the null device: a planted symlink
		 * or file there must not become writable over a masked path
		 * (CVE-2025-31133). We mount the fd we checked, not a path. */
		struct stat ns;
		int null = in_root("/dev/null", 0);
		if (null < 0)
			fail_text(LABEL(o), -null, "cannot open /dev/null");
		if (fstat(null, &ns) < 0)
			fail(LABEL(o), errno);
		if (!S_ISCHR(ns.st_mode) || ns.st_rdev != makedev(1, 3))
			fail_text(LABEL(o), EPERM, "/dev/null is not the null device (char 1:3)");
		if (mount(fdpath(null, q), fdpath(fd, p), NULL, MS_BIND, NULL) < 0)
			fail(LABEL(o), errno);
		close(null);
	}
	close(fd);
}

static void op_readonly(const struct op *o)
{
	char p[32];
	int fd = in_root(ARG(o, 0), 0);
	if (fd == -ENOENT)
		return;
	if (fd < 0)
		fail(LABEL(o), -fd);
	if (mount(fdpath(fd, p), fdpath(fd, p), NULL, MS_BIND | MS_REC, NULL) < 0)
		fail(LABEL(o), errno);
	close(fd);
	/* The old fd still names the mount underneath: reopen to get the new
	 * bind mount on top, and remount that one read-only, repeating its
	 * current flags so a locked one is never dropped. */
	fd = in_root_or_fail(LABEL(o), ARG(o, 0), 0);
	unsigned long flags = with_locked(MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC, fd);
	if (mount(NULL, fdpath(fd, p), NULL, flags, NULL) < 0)
		fail(LABEL(o), errno);
	close(fd);
}

static void need_root(const struct op *o)
{
	if (root_fd < 0)
		fail_text(LABEL(o), EINVAL, "no root set");
}

static void op_pivot_root(const struct op *o)
{
	need_root(o);
	if (fchdir(root_fd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		fail(LABEL(o), errno);
	/* The old root is now stacked on "/". Make it a slave so the detach does
	 * not propagate back to the host, then drop it. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		fail(LABEL(o), errno);
	/* No fd on a host directory may outlive this (CVE-2024-21626). */
	xclose(&root_fd);
}

static void op_chroot(const struct op *o)
{
	need_root(o);
	if (fchdir(root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		fail(LABEL(o), errno);
	xclose(&root_fd);
}

static void op_chdir(const struct op *o)
{
	char buf[PATH_MAX];
	if (chdir(ARG(o, 0)) < 0)
		fail(LABEL(o), errno);
	/* Defence in depth: the cwd must be reachable from our root; getcwd
	 * fails with ENOENT for a directory outside it. */
	if (!getcwd(buf, sizeof buf))
		fail_text(LABEL(o), errno, "working directory is outside the root");
}

/* ------------------------------------------------------------------------ */
/* Stage 1 ops: process attributes                                          */

static void op_hostname(const struct op *o)
{
	if (sethostname(ARG(o, 0), ARGLEN(o, 0)) < 0)
		fail(LABEL(o), errno);
}

static void op_domainname(const struct op *o)
{
	if (setdomainname(ARG(o, 0), ARGLEN(o, 0)) < 0)
		fail(LABEL(o), errno);
}

static void op_sysctl(const struct op *o)
{
	/* "net.ipv4.ip_forward" -> net/ipv4/ip_forward; a key that already
	 * holds a '/' is taken as a path (as sysctl(8) does: eth0.1). */
	char *key = strdup(ARG(o, 0));
	if (!key)
		fail(LABEL(o), ENOMEM);
	if (!strchr(key, '/'))
		for (char *c = key; *c; c++)
			if (*c == '.')
				*c = '/';
	/* Only ever write into a real procfs, beneath /proc/sys, without
	 * crossing a mount or following any link: a bind mount or symlink
	 * planted there cannot redirect the write. */
	struct statfs sf;
	int dir = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || fstatfs(dir, &sf) < 0)
		fail(LABEL(o), errno);
	if (sf.f_type != PROC_SUPER_MAGIC)
		fail_text(LABEL(o), EXDEV, "/proc/sys is not procfs");
	struct open_how how = {
		.flags = O_WRONLY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, dir, key, &how, sizeof how);
	if (fd < 0)
		fail(LABEL(o), errno);
	ssize_t w = write(fd, ARG(o, 1), ARGLEN(o, 1));
	if (w < 0)
		fail(LABEL(o), errno);
	close(fd);
	close(dir);
	free(key);
}

static rlim_t rlim_arg(const struct op *o, int i)
{
	return strcmp(ARG(o, i), "-1") ? (rlim_t)num(o, i) : RLIM_INFINITY;
}

static void op_rlimit(const struct op *o)
{
	struct rlimit r = {.rlim_cur = rlim_arg(o, 1), .rlim_max = rlim_arg(o, 2)};
	if (prlimit(0, (int)num(o, 0), &r, NULL) < 0)
		fail(LABEL(o), errno);
}

static void op_umask(const struct op *o)
{
	umask((mode_t)num(o, 0));
}

static void op_user(const struct op *o)
{
	uid_t uid = (uid_t)num(o, 0);
	gid_t gid = (gid_t)num(o, 1);
	const char *list = ARG(o, 2);
	size_t n = 0;
	gid_t *groups = calloc(ARGLEN(o, 2) / 2 + 1, sizeof *groups);
	if (!groups)
		fail(LABEL(o), ENOMEM);
	while (*list) {
		char *end;
		unsigned long long g;
		errno = 0;
		g = strtoull(list, &end, 10);
		if (errno || end == list || (*end && *end != ',') || g > UINT32_MAX)
			fail_text(LABEL(o), EINVAL, "bad group list");
		groups[n++] = (gid_t)g;
		list = *end ? end + 1 : end;
	}
	/* KEEPCAPS: keep the permitted set across the uid change; the `caps`
	 * op decides what remains. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		fail(LABEL(o), errno);
	/* setgroups is denied in a user namespace with setgroups=deny; that
	 * is harmless when no groups are wanted. */
	if (setgroups(n, groups) < 0 && !(errno == EPERM && n == 0))
		fail(LABEL(o), errno);
	if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		fail(LABEL(o), errno);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		fail(LABEL(o), errno);
	free(groups);
}

static int last_cap(void)
{
	char buf[16] = {0};
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t r = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (r > 0)
			return atoi(buf);
	}
	/* No /proc: probe the bounding set until the kernel says EINVAL. */
	int c = 0;
	while (prctl(PR_CAPBSET_READ, c + 1, 0, 0, 0) >= 0)
		c++;
	return c;
}

static void op_caps(const struct op *o)
{
	int last = last_cap();
	uint64_t known = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
	/* Bits for caps this kernel does not have are ignored. */
	uint64_t bset = num(o, 0), eff = num(o, 1) & known, perm = num(o, 2) & known;
	uint64_t inh = num(o, 3) & known, amb = num(o, 4) & known;
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];

	/* `user` ran first and cleared the effective set; dropping from the
	 * bounding set needs CAP_SETPCAP effective, so raise effective to
	 * permitted (always allowed) for the moment. */
	if (syscall(SYS_capget, &h, d) < 0)
		fail(LABEL(o), errno);
	d[0].effective = d[0].permitted;
	d[1].effective = d[1].permitted;
	if (syscall(SYS_capset, &h, d) < 0)
		fail(LABEL(o), errno);

	for (int c = 0; c <= last; c++)
		if (!((bset >> c) & 1) && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			fail(LABEL(o), errno);

	d[0].effective = (uint32_t)eff;
	d[1].effective = (uint32_t)(eff >> 32);
	d[0].permitted = (uint32_t)perm;
	d[1].permitted = (uint32_t)(perm >> 32);
	d[0].inheritable = (uint32_t)inh;
	d[1].inheritable = (uint32_t)(inh >> 32);
	if (syscall(SYS_capset, &h, d) < 0)
		fail(LABEL(o), errno);

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		fail(LABEL(o), errno);
	for (int c = 0; c <= last && c < 64; c++)
		if (((amb >> c) & 1) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			fail(LABEL(o), errno);
}

static void op_no_new_privs(const struct op *o)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(LABEL(o), errno);
}

/* The seccomp agent's connection, from `seccomp-listener-connect`. */
static int agent_fd = -1;
static int send_fd(int sock, int fd, const char *data, size_t len);

/* The courier: a child sharing our fd table (CLONE_FILES) but forked before
 * the filter is loaded, so no rule of it applies to the courier. Once the
 * filter is in, the only syscall we make before the agent has the
 * notification fd is one write of its number to the courier (runc's rule:
 * SCMP_ACT_NOTIFY may not be used for write; the runtime refuses it), and
 * the courier sends it on. Anything later we do that the filter notifies
 * waits for an agent that has the fd already: no deadlock. */
static pid_t courier_pid = -1;
static int courier_in[2] = {-1, -1};  /* us -> courier: the fd number */
static int courier_out[2] = {-1, -1}; /* courier -> us: 0 or an errno */

static _Noreturn void courier_main(const char *state, size_t len)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* Bounded: if the filter fails to load, we report that and kill it. */
	struct pollfd p = {.fd = courier_in[0], .events = POLLIN};
	int fd = -1;
	unsigned char err = ETIMEDOUT;
	if (poll(&p, 1, 60000) == 1 && read(courier_in[0], &fd, sizeof fd) == (ssize_t)sizeof fd)
		err = send_fd(agent_fd, fd, state, len) < 0 ? (unsigned char)errno : 0;
	(void)!write(courier_out[1], &err, 1);
	_exit(0);
}

/* `seccomp-listener` (before `seccomp`): asks the runtime for the seccomp
 * state while no filter is loaded yet, and starts the courier with it. */
static void op_seccomp_listener(const struct op *o)
{
	if (agent_fd < 0)
		fail_text(LABEL(o), EINVAL, "no seccomp agent connected");
	size_t n;
	send_line("sync seccomp-state");
	char *line = read_line(&n);
	if (!line)
		_exit(1);
	if (strncmp(line, "ok ", 3))
		fail_text(LABEL(o), EPROTO, "unexpected reply to sync");
	if (pipe2(courier_in, O_CLOEXEC) < 0 || pipe2(courier_out, O_CLOEXEC) < 0)
		fail(LABEL(o), errno);
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		fail(LABEL(o), errno);
	if (pid == 0)
		courier_main(line + 3, n - 3);
	courier_pid = pid;
	free(line);
}

static void close_courier(void)
{
	xclose(&courier_in[0]);
	xclose(&courier_in[1]);
	xclose(&courier_out[0]);
	xclose(&courier_out[1]);
}

/* Right after the filter with a listener is loaded: the fd goes to the
 * courier, and we wait until the agent has it (a notified read here
 * waits for the agent, which is about to have it). */
static void hand_listener_to_courier(const char *label)
{
	if (courier_pid < 0)
		fail_text(label, EINVAL, "no seccomp agent to hand the notification fd to");
	ssize_t w;
	do
		w = write(courier_in[1], &listener_fd, sizeof listener_fd);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)sizeof listener_fd) {
		kill(courier_pid, SIGKILL);
		fail_text(label, w < 0 ? errno : EIO, "failed to connect with seccomp agent");
	}
	unsigned char err = EIO;
	ssize_t r;
	do
		r = read(courier_out[0], &err, 1);
	while (r < 0 && errno == EINTR);
	int rerr = r < 0 ? errno : 0;
	while (waitpid(courier_pid, NULL, 0) < 0 && errno == EINTR)
		;
	courier_pid = -1;
	if (r != 1)
		fail_text(label, rerr ? rerr : EIO, "failed to connect with seccomp agent");
	if (err)
		fail_text(label, err, "failed to connect with seccomp agent");
	close_courier();
	xclose(&agent_fd);
	xclose(&listener_fd);
}

/* `seccomp flags bpf`: the filter compiled by the runtime (libseccomp). With
 * SECCOMP_FILTER_FLAG_NEW_LISTENER the kernel returns the notification fd,
 * which goes to the agent through the courier (`seccomp-listener`, before). */
static void op_seccomp(const struct op *o)
{
	unsigned long long flags = num(o, 0);
	uint32_t len = ARGLEN(o, 1);
	if (len == 0 || len % sizeof(struct sock_filter))
		fail_text(LABEL(o), EINVAL, "program size is not a multiple of 8");
	/* Copy: the field is not necessarily aligned for struct sock_filter. */
	struct sock_filter *insns = malloc(len);
	if (!insns)
		fail(LABEL(o), ENOMEM);
	memcpy(insns, ARG(o, 1), len);
	if (len / sizeof *insns > USHRT_MAX)
		fail(LABEL(o), E2BIG);
	struct sock_fprog prog = {.len = (unsigned short)(len / sizeof *insns), .filter = insns};
	/* Without no_new_privs the load needs CAP_SYS_ADMIN effective; after
	 * `user` the effective set is empty, so raise it to the permitted set
	 * (always allowed; `caps` sets the final sets afterwards). */
	if (!prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)) {
		struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
		struct __user_cap_data_struct d[2];
		if (syscall(SYS_capget, &h, d) == 0) {
			d[0].effective = d[0].permitted;
			d[1].effective = d[1].permitted;
			syscall(SYS_capset, &h, d);
		}
	}
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned long)flags, &prog);
	if (r < 0)
		fail(LABEL(o), errno);
	if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		listener_fd = (int)r;
		hand_listener_to_courier(LABEL(o));
	}
	free(insns);
}

static void op_personality(const struct op *o)
{
	if (personality((unsigned long)num(o, 0)) < 0)
		fail(LABEL(o), errno);
}

/* ------------------------------------------------------------------------ */
/* Stage 1 ops: barrier, hooks, exec                                        */

static void op_open_barrier(const struct op *o)
{
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

/* As PID 1 of its pid namespace the waiting init would ignore every signal
 * it has no handler for, so `runts kill <created container>` would do
 * nothing: while it waits, the signals that terminate by default end it. */
static void on_terminating_signal(int sig)
{
	_exit(128 + sig);
}

static void op_wait_barrier(const struct op *o)
{
	static const int terminating[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE};
	struct sigaction sa = {.sa_handler = on_terminating_signal};
	for (size_t i = 0; i < sizeof terminating / sizeof *terminating; i++)
		sigaction(terminating[i], &sa, NULL);
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

static void op_hook(const struct op *o)
{
	int i = 2;
	if (NARGS(o) < 4)
		fail_text(LABEL(o), EINVAL, "wrong number of arguments");
	unsigned long long timeout = num(o, 0);
	const char *path = ARG(o, 1);
	char **argv = take_list(o, &i);
	char **envp = take_list(o, &i);
	if (i != NARGS(o))
		fail_text(LABEL(o), EINVAL, "wrong number of arguments");
	char *fallback[] = {(char *)path, NULL};
	if (!argv[0])
		argv = fallback;

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
	if (argv != fallback)
		free(argv);
	free(envp);
}

/* The program as execvpe would find it, on the given PATH (the container's,
 * never the init's own): a name with a '/' as it is, else the first
 * executable regular file in the PATH's directories. NULL if none; *eacces
 * says whether one was found but not executable. */
static char *find_program(const char *name, const char *search, int *eacces)
{
	struct stat st;
	if (strchr(name, '/')) {
		if (access(name, X_OK) == 0)
			return strdup(name);
		*eacces = errno == EACCES;
		return NULL;
	}
	size_t plen = strlen(name);
	for (const char *d = search;; d++) {
		const char *colon = strchrnul(d, ':');
		size_t dlen = (size_t)(colon - d);
		char *full = malloc(dlen + plen + 3);
		if (!full)
			return NULL;
		if (dlen == 0) /* an empty entry is the current directory */
			sprintf(full, "./%s", name);
		else
			sprintf(full, "%.*s/%s", (int)dlen, d, name);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(full, X_OK) == 0)
				return full;
			*eacces = 1;
		}
		free(full);
		d = colon;
		if (!*d)
			return NULL;
	}
}

static void op_exec(const struct op *o)
{
	int i = 2;
	if (NARGS(o) < 4)
		fail_text(LABEL(o), EINVAL, "wrong number of arguments");
	unsigned long long nfds = num(o, 0);
	const char *path = ARG(o, 1);
	char **argv = take_list(o, &i);
	char **envp = take_list(o, &i);
	if (i != NARGS(o))
		fail_text(LABEL(o), EINVAL, "wrong number of arguments");
	char *fallback[] = {(char *)path, NULL};
	if (!argv[0])
		argv = fallback;
	if (nfds > (unsigned long long)INT_MAX - 3 || (unsigned long long)sync_fd < 3 + nfds)
		fail_text(LABEL(o), EBADF, "the sync fd is among the preserved fds");

	/* Preserved fds are inherited as they are; every other fd above 2
	 * (sync socket, anything stray) is closed by the execve itself. Marking
	 * instead of closing keeps the socket to report an exec failure. */
	for (int fd = 3; fd < 3 + (int)nfds; fd++)
		if (fcntl(fd, F_SETFD, 0) < 0 && errno != EBADF)
			fail(LABEL(o), errno);
	if (cloexec_from(3 + (int)nfds) < 0)
		fail(LABEL(o), errno);
	reset_signals();

	/* The container's PATH, never the init's own environment. */
	const char *search = DEFAULT_PATH;
	for (char **e = envp; *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			search = *e + 5;
	int eacces = 0;
	char *found = find_program(path, search, &eacces);
	if (!found)
		fail_text(LABEL(o), eacces ? EACCES : ENOENT,
			  eacces ? strerror(EACCES) : "executable file not found in $PATH");
	execve(found, argv, envp);
	fail(LABEL(o), errno);
}

/* `lookup`: fails now, while create can still report it, if the program
 * cannot be found on the container's PATH (exec searches again later). */
static void op_lookup(const struct op *o)
{
	int eacces = 0;
	char *found = find_program(ARG(o, 0), ARG(o, 1), &eacces);
	if (!found)
		fail_text(LABEL(o), eacces ? EACCES : ENOENT,
			  eacces ? strerror(EACCES) : "executable file not found in $PATH");
	free(found);
}

/* `ioprio class level` (class 1 RT, 2 BE, 3 IDLE), for this process. */
static void op_ioprio(const struct op *o)
{
	unsigned long long cls = num(o, 0), level = num(o, 1);
	if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)((cls << 13) | level)) < 0)
		fail(LABEL(o), errno);
}

/* `scheduler policy nice priority flags runtime deadline period` through
 * sched_setattr (the only call that covers SCHED_DEADLINE). nice is signed. */
struct runts_sched_attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};
static void op_scheduler(const struct op *o)
{
	struct runts_sched_attr a = {.size = sizeof a};
	a.policy = (uint32_t)num(o, 0);
	a.nice = (int32_t)strtol(ARG(o, 1), NULL, 10);
	a.priority = (uint32_t)num(o, 2);
	a.flags = num(o, 3);
	a.runtime = num(o, 4);
	a.deadline = num(o, 5);
	a.period = num(o, 6);
	if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
		fail(LABEL(o), errno);
}

/* `cpu-affinity cpus` (a comma list of cpu numbers). */
static void op_cpu_affinity(const struct op *o)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	for (char *p = ARG(o, 0); *p;) {
		char *end;
		unsigned long cpu = strtoul(p, &end, 10);
		if (end == p || cpu >= CPU_SETSIZE)
			fail_text(LABEL(o), EINVAL, "bad cpu list");
		CPU_SET(cpu, &set);
		p = *end == ',' ? end + 1 : end;
	}
	if (sched_setaffinity(0, sizeof set, &set) < 0)
		fail(LABEL(o), errno);
}

/* `keyring name`: a new session keyring, so the container does not share
 * the caller's keys (KEYCTL_JOIN_SESSION_KEYRING = 1). Kernels or seccomp
 * policies without keyctl answer ENOSYS: nothing to share then either. */
static void op_keyring(const struct op *o)
{
	if (syscall(SYS_keyctl, 1, ARG(o, 0), 0, 0, 0) < 0 && errno != ENOSYS)
		fail(LABEL(o), errno);
}

/* Sends fd over a unix socket with SCM_RIGHTS, data as the message. */
static int send_fd(int sock, int fd, const char *data, size_t len)
{
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* A socket connected to the unix socket at the op's first argument, a host
 * path (so: before pivot_root or setns into the mount namespace). */
static int connect_unix(const struct op *o)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (ARGLEN(o, 0) >= sizeof addr.sun_path)
		fail_text(LABEL(o), ENAMETOOLONG, "socket path too long");
	memcpy(addr.sun_path, ARG(o, 0), ARGLEN(o, 0));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		fail(LABEL(o), errno);
	return fd;
}

/* `seccomp-listener-connect path`: connect to the seccomp agent's socket
 * while its host path is reachable (before pivot_root or setns). */
static void op_seccomp_listener_connect(const struct op *o)
{
	agent_fd = connect_unix(o);
}

/* `console-connect`: connect to the engine's --console-socket while its
 * host path is still reachable (before pivot_root). */
static void op_console_connect(const struct op *o)
{
	console_fd = connect_unix(o);
}

/* `console rows cols uid gid`: a pty from the container's own devpts
 * (opened after pivot_root), its master handed to the console socket with
 * SCM_RIGHTS (payload: the slave's name, as runc sends), the slave made the
 * controlling terminal and stdio 0/1/2, and bound over /dev/console. */
static void op_console(const struct op *o)
{
	if (console_fd < 0)
		fail_text(LABEL(o), EINVAL, "no console socket connected");
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		fail(LABEL(o), errno);
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		fail(LABEL(o), errno);
	unsigned int n;
	if (ioctl(master, TIOCGPTN, &n) < 0)
		fail(LABEL(o), errno);
	/* TIOCGPTPEER opens the slave from the master itself: no path lookup
	 * that a container could redirect. */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		fail(LABEL(o), errno);
	struct winsize ws = {.ws_row = (unsigned short)num(o, 0), .ws_col = (unsigned short)num(o, 1)};
	if ((ws.ws_row || ws.ws_col) && ioctl(master, TIOCSWINSZ, &ws) < 0)
		fail(LABEL(o), errno);
	if (fchown(slave, (uid_t)num(o, 2), (gid_t)num(o, 3)) < 0 && errno != EINVAL)
		fail(LABEL(o), errno);

	char name[64];
	int namelen = snprintf(name, sizeof name, "/dev/pts/%u", n);
	if (send_fd(console_fd, master, name, (size_t)namelen) < 0)
		fail(LABEL(o), errno);
	close(master);
	xclose(&console_fd);

	/* /dev/console is the pty too (an empty file to bind over if missing),
	 * for a container's first process; not for exec. */
	int fd = num(o, 4) ? open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
	if (fd >= 0)
		close(fd);
	if (num(o, 4) && (fd >= 0 || errno == EEXIST)) {
		char p[32];
		if (mount(fdpath(slave, p), "/dev/console", NULL, MS_BIND, NULL) < 0)
			fail(LABEL(o), errno);
	}
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		fail(LABEL(o), errno);
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			fail(LABEL(o), errno);
	close(slave);
}

/* ------------------------------------------------------------------------ */
/* The interpreter                                                          */

static const struct {
	const char *name;
	int nargs; /* -1: checked by the op itself */
	void (*fn)(const struct op *);
} ops[] = {
	/* stage 0 */
	{"setns", 2, op_setns},
	{"unshare", 1, op_unshare},
	{"become-root", 0, op_become_root},
	{"write", 2, op_write},
	{"fork", 0, op_fork},
	{"sync", 1, op_sync},
	{"notify", 1, op_notify},
	/* stage 1 */
	{"setsid", 0, op_setsid},
	{"mount-host", 5, op_mount_host},
	{"root", 1, op_root},
	{"mkdirs", 2, op_mkdirs},
	{"mkfile", 2, op_mkfile},
	{"mount", 5, op_mount},
	{"remount", 2, op_remount},
	{"propagate", 2, op_propagate},
	{"setattr", 5, op_setattr},
	{"mknod", 7, op_mknod},
	{"bind-dev", 2, op_bind_dev},
	{"symlink", 2, op_symlink},
	{"mask", 1, op_mask},
	{"readonly", 1, op_readonly},
	{"pivot-root", 0, op_pivot_root},
	{"chroot", 0, op_chroot},
	{"chdir", 1, op_chdir},
	{"hostname", 1, op_hostname},
	{"domainname", 1, op_domainname},
	{"sysctl", 2, op_sysctl},
	{"rlimit", 3, op_rlimit},
	{"umask", 1, op_umask},
	{"user", 3, op_user},
	{"caps", 5, op_caps},
	{"no-new-privs", 0, op_no_new_privs},
	{"seccomp", 2, op_seccomp},
	{"personality", 1, op_personality},
	{"open-barrier", 1, op_open_barrier},
	{"wait-barrier", 0, op_wait_barrier},
	{"hook", -1, op_hook},
	{"lookup", 2, op_lookup},
	{"keyring", 1, op_keyring},
	{"mount-copyup", 5, op_mount_copyup},
	{"idmap-userns", 2, op_idmap_userns},
	{"idmap-mount", 4, op_idmap_mount},
	{"ioprio", 2, op_ioprio},
	{"scheduler", 7, op_scheduler},
	{"cpu-affinity", 1, op_cpu_affinity},
	{"console-connect", 1, op_console_connect},
	{"seccomp-listener-connect", 1, op_seccomp_listener_connect},
	{"seccomp-listener", 0, op_seccomp_listener},
	{"console", 5, op_console},
	{"exec", -1, op_exec},
};

/* Reads a u32le at *p and advances. It then overwrites the first byte of
 * that (consumed) header with NUL: fields are packed back to back with the
 * headers, so that byte is exactly the end of the previous field, and this
 * is how every field gets its terminator in place. */
static int take_u32(char *buf, size_t total, size_t *p, uint32_t *v)
{
	if (total - *p < 4)
		return -1;
	const unsigned char *b = (const unsigned char *)buf + *p;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	buf[*p] = '\0';
	*p += 4;
	return 0;
}

static _Noreturn void bad_plan(void)
{
	fail_text("plan", EPROTO, "malformed plan");
}

/* The plan's first field: u32le total_length. */
static int read_plan_length(uint32_t *total)
{
	unsigned char hdr[4];
	if (read_full(sync_fd, hdr, 4) < 0)
		return -1;
	*total = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
		 (uint32_t)hdr[3] << 24;
	return 0;
}

static void run_plan(void)
{
	uint32_t total;
	if (read_plan_length(&total) < 0)
		_exit(1);
	if (total > MAX_PLAN)
		bad_plan();
	char *buf = malloc((size_t)total + 1); /* +1: terminator of the last field */
	/* Every header is at least 4 bytes, which bounds the counts. */
	char **fields = malloc(((size_t)total / 4 + 1) * sizeof *fields);
	uint32_t *lens = malloc(((size_t)total / 4 + 1) * sizeof *lens);
	struct op *plan = malloc(((size_t)total / 8 + 1) * sizeof *plan);
	if (!buf || !fields || !lens || !plan)
		fail("plan", ENOMEM);
	if (read_full(sync_fd, buf, total) < 0)
		_exit(1);
	plan_pending = 0;

	size_t p = 0, nf = 0, nops = 0;
	while (p < total) {
		uint32_t n, len;
		if (take_u32(buf, total, &p, &n) < 0 || n < 2 || n > (total - p) / 4)
			bad_plan();
		plan[nops] = (struct op){n, fields + nf, lens + nf};
		for (uint32_t k = 0; k < n; k++) {
			if (take_u32(buf, total, &p, &len) < 0 || len > total - p)
				bad_plan();
			fields[nf] = buf + p;
			lens[nf++] = len;
			p += len;
		}
		nops++;
	}
	buf[total] = '\0';

	for (size_t k = 0; k < nops; k++) {
		const struct op *o = &plan[k];
		size_t j = 0;
		while (j < sizeof ops / sizeof ops[0] && strcmp(ops[j].name, o->f[0]))
			j++;
		if (j == sizeof ops / sizeof ops[0])
			fail_text(LABEL(o), EINVAL, "unknown op");
		if (ops[j].nargs >= 0 && NARGS(o) != ops[j].nargs)
			fail_text(LABEL(o), EINVAL, "wrong number of arguments");
		ops[j].fn(o);
	}
}

/* ------------------------------------------------------------------------ */
/* Start-up                                                                 */

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
static int lock_fd(int fd)
{
	int r;
	while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	return r;
}

/* mkfifo with MODE (octal text), not narrowed by the umask. */
static int make_fifo(const char *path, const char *mode_text)
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

static int parse_fd(const char *s)
{
	unsigned long long n;
	return parse_u64(s, &n) == 0 && n <= INT_MAX ? (int)n : -1;
}

/* Joins one of the container's cgroups, before the plan comes. On a v1
 * hierarchy: "0" into `tasks` moves just this thread (we have one), and the
 * kernel then skips its global threadgroup lock, whose first taking waits
 * for an RCU grace period (about 10 ms); `cgroup.procs` would take it. A
 * cgroup2 directory cannot be joined by thread: we keep it open and the
 * `fork` op clones the container's process straight into it. */
static void join_cgroup(const char *dir)
{
	char label[PATH_MAX + 32];
	snprintf(label, sizeof label, "join cgroup %s", dir);
	struct statfs sf;
	if (statfs(dir, &sf) < 0)
		fail(label, errno);
	if (sf.f_type == CGROUP2_SUPER_MAGIC && cgroup2_fd < 0) {
		cgroup2_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cgroup2_fd < 0)
			fail(label, errno);
		cgroup2_dir = dir;
		return;
	}
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/%s", dir,
		 sf.f_type == CGROUP2_SUPER_MAGIC ? "cgroup.procs" : "tasks");
	write_file_or_fail(label, path, "0", 1);
}

/* Closes every fd from `from` up but those in keep[0..n) (-1: none). */
static int close_from(int from, const int *keep, int n)
{
	int sorted[3];
	int k = 0;
	for (int i = 0; i < n && k < 3; i++)
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
static int no_subreaper;

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
		/* runts deletes the container next: it holds the lock through
		 * its own fd of this open file once we are gone. */
		if (exit_lock >= 0)
			lock_fd(exit_lock);
		int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
		/* An early init is no child runts knows of: it reads the status here. */
		if (status_fd >= 0)
			dprintf(status_fd, "exit %d\n", code);
		_exit(code);
	}
}

/* The reaper: what an early init without `waiter` splits off instead. It
 * only reaps stage 0, which joins the container's cgroups: an early init is
 * a child of runts that Node cannot reap, and stage 0's zombie would count
 * in the container's cgroup (pids.current) until somebody did. The
 * reaper's own zombie is in none of them. */
static _Noreturn void reaper(pid_t child)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd <= 2; fd++)
		if (null >= 0)
			dup2(null, fd);
	close_from(3, NULL, 0);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* Splits off the waiter (or, with as_waiter 0, the reaper): the parent
 * becomes it; the child goes on as stage 0 and dies with it (SIGKILL), so
 * that runts killing the process it knows ends both. */
static void start_waiter(int as_waiter, int exit_lock, int status_fd)
{
	const char *label = as_waiter ? "start the waiter" : "start the reaper";
	pid_t parent = getpid();
	int p[2] = {-1, -1};
	if (as_waiter && pipe2(p, O_CLOEXEC) < 0)
		fail(label, errno);
	/* Before the fork: stage 0 must be born with a subreaper above it (a
	 * later prctl would race with its fork of the container's process). */
	if (as_waiter && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		fail(label, errno);
	pid_t child = fork();
	if (child < 0)
		fail(label, errno);
	if (child > 0) {
		if (!as_waiter)
			reaper(child);
		close(p[1]);
		waiter(p[0], exit_lock, status_fd);
	}
	if (as_waiter)
		close(p[0]);
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

/* What the init does before the plan comes, while runts compiles it: its
 * arguments (docs/init-protocol.md). */
struct startup {
	int lock;	     /* `lock FD`: the container's lock, taken for runts */
	const char *fifo;    /* `mkfifo PATH MODE`: the start barrier */
	const char *fifo_mode;
	int waiter;	     /* `waiter`: split off the waiter (run, exec in the foreground) */
	int exit_lock;	     /* `exit-lock FD`: the waiter takes it when the process has exited */
	int cgroup2_now;     /* `cgroup2-now`: join a cgroup2 dir at once, not at the fork */
	char **cgroups;	     /* `cgroup DIR`...: the cgroups to join */
	int ncgroups;
	int preserve_fds;    /* early init: `preserve-fds N`, the caller's fds 3..3+N-1 */
	int runts_pid;	     /* early init: `runts PID`, whose lock fds `lock` and `exit-lock` name */
	char **mk_root, **mk_dir; /* `mkcgroup ROOT DIR CPUSET`...: cgroup directories to make */
	int *mk_cpuset, nmk;
};

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

/* `mkcgroup ROOT DIR CPUSET` (docs/init-protocol.md): the container's cgroup
 * directory in one hierarchy, with the parents it lacks below ROOT, made
 * here while runts compiles the plan, as src/cgroups/dirs.ts would make it
 * (createCgroup): a directory there already is not ours; a new v1 cpuset
 * directory gets its parent's cpus and mems, and a default parent /runts
 * that a concurrent create made and has not filled yet is filled first.
 * Each directory made is said (`made DIR`, parents first), then `cgroups
 * made`; on a failure the ones made are removed again and the error sent. */
#define MAX_MADE 256
static char *made[MAX_MADE];
static int nmade;

static int read_trimmed(const char *dir, const char *file, char *buf, size_t cap)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	int err = errno;
	close(fd);
	if (n < 0) {
		errno = err;
		return -1;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

static int fill_cpuset(const char *dir, const char *root)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	char parent[PATH_MAX], runts[PATH_MAX], have[4096], value[4096];
	snprintf(parent, sizeof parent, "%s", dir);
	*strrchr(parent, '/') = '\0';
	snprintf(runts, sizeof runts, "%s/runts", root);
	for (int k = 0; k < 2; k++) {
		if (read_trimmed(dir, files[k], have, sizeof have) < 0)
			return -1;
		if (have[0])
			continue;
		if (read_trimmed(parent, files[k], value, sizeof value) < 0)
			return -1;
		if (!value[0] && !strcmp(parent, runts)) {
			if (fill_cpuset(parent, root) < 0 || read_trimmed(parent, files[k], value, sizeof value) < 0)
				return -1;
		}
		char path[PATH_MAX + 32];
		snprintf(path, sizeof path, "%s/%s", dir, files[k]);
		int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd < 0)
			return -1;
		ssize_t w = write(fd, value, strlen(value));
		int err = errno;
		close(fd);
		if (w < 0) {
			errno = err;
			return -1;
		}
	}
	return 0;
}

static int vanished; /* the last failure: a parent gone again (a concurrent delete) */

static int make_below(const char *dir, const char *root, int cpuset)
{
	for (int madeParent = 0;; madeParent = 1) {
		if (mkdir(dir, 0777) == 0)
			break;
		if (errno == EEXIST)
			return 0; /* there already, or made by a concurrent create: not ours */
		char parent[PATH_MAX];
		snprintf(parent, sizeof parent, "%s", dir);
		char *slash = strrchr(parent, '/');
		vanished = errno == ENOENT && madeParent;
		if (errno != ENOENT || madeParent || !slash || (size_t)(slash - parent) <= strlen(root))
			return -1;
		*slash = '\0';
		if (make_below(parent, root, cpuset) < 0)
			return -1;
	}
	if (nmade >= MAX_MADE || !(made[nmade] = strdup(dir))) {
		rmdir(dir);
		errno = ENOMEM;
		return -1;
	}
	nmade++;
	send_line("made %s", dir);
	return cpuset ? fill_cpuset(dir, root) : 0;
}

static void make_cgroups(const struct startup *st)
{
	for (int i = 0; i < st->nmk; i++) {
		/* A concurrent delete may remove an empty parent (/runts) between
		 * our mkdirs: then make it again. */
		int r = -1;
		for (int attempt = 0; attempt < 6; attempt++) {
			vanished = 0;
			if ((r = make_below(st->mk_dir[i], st->mk_root[i], st->mk_cpuset[i])) == 0 || !vanished)
				break;
		}
		if (r < 0) {
			int err = errno;
			while (nmade > 0)
				rmdir(made[--nmade]);
			char label[PATH_MAX + 32];
			snprintf(label, sizeof label, "create cgroup %s", st->mk_dir[i]);
			fail(label, err);
		}
	}
	send_line("cgroups made");
}

/* The early init (docs/init-protocol.md): bin/runts started us while Node
 * started, with _RUNTS_EARLY=1 and the other end of our socket. Our
 * arguments come over it once runts knows them: u32le length, then each
 * argument ended by a NUL. EOF instead means runts did not need us (a bad
 * config, --dry-run, --help): we end quietly. */
static int early;

static void read_early_args(int *argc, char ***argv)
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
static void adopt_early(struct startup *st)
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
static int early_helper(void)
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
	/* A reader that goes away (fifo, hook stdin) must give EPIPE, not
	 * kill us; reset_signals() restores the default before any exec. */
	signal(SIGPIPE, SIG_IGN);

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
