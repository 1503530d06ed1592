/*
 * The end of the plan: `lookup` (the program checked while create can
 * still report it) and `exec`, with the container's PATH and only the
 * preserved fds; and the clean fd and signal state the program and hooks
 * start with.
 *
 * Owns: nothing. May assume: `exec` is the last op, and the sync socket is
 * close-on-exec (main.c); that it is above the preserved fds is checked.
 */
#include "internal.h"
#include <signal.h>
#include <sys/stat.h>
#include <sys/socket.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* From this fd up every fd is close-on-exec already: `seccomp` marks them
 * before it loads the filter (which may kill on close_range, where runc's
 * init makes no such call), and every fd the init opens is O_CLOEXEC. */
static int marked_from = INT_MAX;

/* Marks every fd from `first` up close-on-exec. close_range first; where a
 * seccomp profile denies it (ENOSYS, EPERM), one fcntl per open fd. Nothing
 * to do from an fd already marked (no syscall after the filter). */
int cloexec_from(int first)
{
	if (first >= marked_from)
		return 0;
	if (close_range((unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return marked_from = first, 0;
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
	marked_from = first;
	return 0;
}

int sigpipe_ignored;

/* Every disposition back to default and nothing blocked, so the container's
 * program (or a hook) starts from a clean signal state. */
void reset_signals(void)
{
	struct sigaction sa = {.sa_handler = SIG_DFL};
	sigset_t none;
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL); /* EINVAL for glibc-reserved ones */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The program as execvpe would find it, on the given PATH (the container's,
 * never the init's own): a name with a '/' as it is, else the first
 * executable regular file in the PATH's directories. NULL if none, with
 * *err: the errno of the named file (a directory is EACCES, as Go's
 * LookPath has it for runc), or, on the PATH, EACCES if one was found but
 * not executable, else ENOENT. Checked with the effective ids and
 * capabilities (AT_EACCESS), as execve checks: a user whom
 * CAP_DAC_OVERRIDE lets run a file without its exec bit may run it. */
static char *find_program(const char *name, const char *search, int *err)
{
	struct stat st;
	if (strchr(name, '/')) {
		if (stat(name, &st) < 0) {
			*err = errno;
			return NULL;
		}
		if (S_ISDIR(st.st_mode)) {
			*err = EACCES;
			return NULL;
		}
		if (faccessat(AT_FDCWD, name, X_OK, AT_EACCESS) == 0)
			return strdup(name);
		*err = errno;
		return NULL;
	}
	*err = ENOENT;
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
			if (faccessat(AT_FDCWD, full, X_OK, AT_EACCESS) == 0)
				return full;
			*err = EACCES;
		}
		free(full);
		d = colon;
		if (!*d)
			return NULL;
	}
}

/* A program not found, in runc's words (Go's exec.LookPath error), then
 * the label (the field, /process/args/0), and exit 1 as every failure. */
static _Noreturn void not_found(const struct op *o, const char *name, int err)
{
	char e[128];
	if (err == ENOENT && !strchr(name, '/'))
		send_line("error unable to start container process: exec: \"%s\": executable file not found in $PATH: %s",
			  name, LABEL(o));
	else if (err == EACCES)
		send_line("error unable to start container process: exec: \"%s\": permission denied: %s", name, LABEL(o));
	else
		send_line("error unable to start container process: exec: \"%s\": stat %s: %s: %s", name, name,
			  go_strerror(err, e, sizeof e), LABEL(o));
	drain_and_exit();
}

/* What the last `lookup` found, for `exec` of the same name. */
static char *looked_up;
static const char *looked_up_name;

void op_exec(const struct op *o)
{
	struct program prog = take_program(o);
	unsigned long long nfds = num(o, 0);
	const char *path = prog.path;
	char **argv = prog.argv, **envp = prog.envp;
	/* The socket still open: sync_fd before `ready`, exec_fd after it
	 * (`notify ready keep`). Among the preserved fds it would outlive the
	 * execve, and exec --detach would wait for an EOF that never comes. */
	int sock = sync_fd >= 0 ? sync_fd : exec_fd;
	if (nfds > (unsigned long long)INT_MAX - 3 || (sock >= 0 && (unsigned long long)sock < 3 + nfds))
		fail_text(LABEL(o), EBADF, "the sync fd is among the preserved fds");

	/* Preserved fds are inherited as they are; every other fd above 2
	 * (sync socket, anything stray) is closed by the execve itself. Marking
	 * instead of closing keeps the socket to report an exec failure. */
	if (cloexec_from(3 + (int)nfds) < 0)
		fail(LABEL(o), errno);
	for (int fd = 3; fd < 3 + (int)nfds; fd++)
		if (fcntl(fd, F_SETFD, 0) < 0 && errno != EBADF)
			fail(LABEL(o), errno);
	/* Start-up left every signal default and none blocked; handlers set
	 * since are reset by execve itself. Only an ignored SIGPIPE is left,
	 * best effort: a seccomp filter may deny this call (runc makes none). */
	if (sigpipe_ignored)
		signal(SIGPIPE, SIG_DFL);

	/* The container's PATH, never the init's own environment. */
	const char *search = DEFAULT_PATH;
	for (char **e = envp; *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			search = *e + 5;
	int err = 0;
	/* Found by `lookup` already (before a late seccomp filter, as runc
	 * looks it up before loading its own): no second search. */
	char *found = looked_up && !strcmp(looked_up_name, path) ? looked_up : find_program(path, search, &err);
	if (!found)
		not_found(o, path, err);
	execve(found, argv, envp);
	/* As runc's init: `exec /run.sh: no such file or directory` on the
	 * process's stderr, status 255 (runc 1.5); and, with the field, to
	 * runts (start, or exec) if it still listens: on the socket kept past
	 * `ready` (exec --detach reads it to EOF, so it writes no pid file for
	 * a process that never ran its program), or the barrier fifo. */
	char e[128];
	go_strerror(errno, e, sizeof e);
	dprintf(2, "exec %s: %s\n", found, e);
	if (sync_fd >= 0) {
		send_line("error exec %s: %s: %s", found, e, LABEL(o));
	} else if (exec_fd >= 0) {
		char *s;
		int n = asprintf(&s, "error exec %s: %s: %s\n", found, e, LABEL(o));
		/* MSG_NOSIGNAL: SIGPIPE is the program's default again by now;
		 * a runtime that stopped listening is told nothing */
		if (n > 0)
			(void)send(exec_fd, s, (size_t)n, MSG_NOSIGNAL);
	} else if (start_fd >= 0) {
		dprintf(start_fd, "error exec %s: %s: %s\n", found, e, LABEL(o));
	}
	_exit(255);
}

/* `lookup`: fails now, while create can still report it, if the program
 * cannot be found on the container's PATH (exec searches again later). */
void op_lookup(const struct op *o)
{
	int err = 0;
	char *found = find_program(ARG(o, 0), ARG(o, 1), &err);
	if (!found)
		not_found(o, ARG(o, 0), err);
	free(looked_up);
	looked_up = found;
	looked_up_name = ARG(o, 0);
}
