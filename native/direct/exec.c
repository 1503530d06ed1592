/*
 * `runts exec` without Node (docs/architecture.md, "exec without Node"),
 * as src/container/exec.ts runs it: the same checks, the same plan
 * (execplan.c), the same init driven the same way: started here, as the
 * launcher starts an early init, given its arguments and the plan, then
 * followed to `notify ready`; --pid-file written; in the foreground,
 * signals held from the start and forwarded to the process once it is
 * ready, and the waiter's `exit N` as our status.
 *
 * What create decided is in the container's `exec` record
 * (src/container/execrecord.ts): the cgroup directories to join, whether
 * cgroup2 is mounted with nsdelegate, the container's process (for `exec
 * ID CMD...`), its AppArmor profile and SELinux label, and the compiled
 * seccomp filter (`exec-seccomp`). No record,
 * a container that is not created or running, a process or an option this
 * code does not take, a terminal without --console-socket: nothing is
 * started, and the launcher hands the command to Node, which says why.
 *
 * Owns: the init it starts. May assume: nothing has been done yet.
 */
#include "internal.h"
#include "../fdpass.h"
#include <limits.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

struct exec_record {
	int nsdelegate, has_seccomp, ncgroups;
	unsigned seccomp_flags;
	char *cgroups[MAX_DIRS];
	char *apparmor, *selinux; /* the container's labels; NULL: none */
	char *process; /* JSON of config.json's process */
	char *keyring; /* the session keyring to join; NULL: --no-new-keyring */
	char text[262144];
};

/* The record as src/container/execrecord.ts writes it; 0 if it is not one. */
static int read_exec_record(const char *dir, struct exec_record *e)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/exec", dir);
	if (read_file(path, e->text, sizeof e->text) < 0)
		return 0;
	char *save = NULL, *line = strtok_r(e->text, "\n", &save);
	if (!line || strcmp(line, "runts-exec 1"))
		return 0;
	e->nsdelegate = e->has_seccomp = e->ncgroups = 0;
	e->process = e->keyring = e->apparmor = e->selinux = NULL;
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *value = strchr(line, ' ');
		if (!value)
			return 0;
		*value++ = '\0';
		if (!strcmp(line, "nsdelegate"))
			e->nsdelegate = !strcmp(value, "1");
		else if (!strcmp(line, "cgroup") && e->ncgroups < MAX_DIRS)
			e->cgroups[e->ncgroups++] = value;
		else if (!strcmp(line, "seccomp")) {
			e->has_seccomp = 1;
			e->seccomp_flags = (unsigned)strtoul(value, NULL, 10);
		} else if (!strcmp(line, "apparmor"))
			e->apparmor = value;
		else if (!strcmp(line, "selinux"))
			e->selinux = value;
		else if (!strcmp(line, "process"))
			e->process = value;
		else if (!strcmp(line, "keyring"))
			e->keyring = value;
		else
			return 0;
	}
	return e->process != NULL;
}

/* A whole file, up to max bytes; NULL if it cannot be read or is longer. */
static char *slurp(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = malloc(max + 1);
	size_t n = 0;
	while (buf && n <= max) {
		ssize_t r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0) {
				free(buf);
				buf = NULL;
			}
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	if (!buf || n > max) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The namespaces of the container that we are not in, as exec.ts's
 * namespacesToJoin: a bit per type, in execplan.c's order. */
static unsigned namespaces_to_join(long pid)
{
	static const char *const types[] = {"user", "ipc", "uts", "net", "pid", "cgroup", "time", "mnt", NULL};
	unsigned bits = 0;
	for (int t = 0; types[t]; t++) {
		char theirs[64], ours[64];
		struct stat a, b;
		snprintf(theirs, sizeof theirs, "/proc/%ld/ns/%s", pid, types[t]);
		snprintf(ours, sizeof ours, "/proc/self/ns/%s", types[t]);
		if (stat(theirs, &a) == 0 && stat(ours, &b) == 0 && a.st_ino != b.st_ino)
			bits |= 1u << t;
	}
	return bits;
}

/* HOME for uid from the container's /etc/passwd, as exec.ts's homeIn: the
 * sixth field of the first line whose third is uid. 1 with *home (NULL:
 * none), 0 where Node might read the file otherwise (a uid field that is
 * not plain digits, a home that is not ASCII): then Node runs the exec. */
static int home_of(long pid, unsigned long long uid, char **home)
{
	char path[64];
	size_t len;
	*home = NULL;
	snprintf(path, sizeof path, "/proc/%ld/root/etc/passwd", pid);
	char *text = slurp(path, 1 << 20, &len);
	if (!text)
		return errno != EFBIG; /* none; too long for us: Node reads it */
	if (strlen(text) != len) {
		free(text);
		return 0;
	}
	for (char *line = text; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		char *f[7];
		int n = 0;
		f[n++] = line;
		for (char *p = line; *p && *p != '\n' && n < 7; p++)
			if (*p == ':')
				f[n++] = p + 1;
		if (n < 6 || f[2][0] == ':')
			continue;
		size_t digits = strspn(f[2], "0123456789");
		if (f[2][digits] != ':' || digits > 15) {
			free(text);
			return 0;
		}
		if (strtoull(f[2], NULL, 10) != uid)
			continue;
		size_t hl = strcspn(f[5], ":\n");
		for (size_t i = 0; i < hl; i++)
			if ((unsigned char)f[5][i] >= 0x80) {
				free(text);
				return 0;
			}
		if (hl)
			*home = strndup(f[5], hl);
		break;
	}
	free(text);
	return 1;
}

/* path.resolve(p): absolute, with no ".", ".." or empty parts. */
static char *resolve(const char *p)
{
	char cwd[PATH_MAX], *joined;
	if (p[0] == '/')
		joined = strdup(p);
	else if (!getcwd(cwd, sizeof cwd) || asprintf(&joined, "%s/%s", cwd, p) < 0)
		joined = NULL;
	if (!joined)
		return NULL;
	char *out = malloc(strlen(joined) + 2), *o = out;
	if (!out) {
		free(joined);
		return NULL;
	}
	for (char *part = joined; *part;) {
		size_t n = strcspn(part, "/");
		if (n == 0 || (n == 1 && part[0] == '.')) {
		} else if (n == 2 && part[0] == '.' && part[1] == '.') {
			while (o > out && *--o != '/')
				;
		} else {
			*o++ = '/';
			memcpy(o, part, n);
			o += n;
		}
		part += n;
		while (*part == '/')
			part++;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	free(joined);
	return out;
}

/* ---------------------------------------------------------------- the init */

struct init {
	pid_t pid;
	int fd;
	char buf[65536];
	size_t len;
};

/* runts-init beside us (<prefix>/bin/runts-init), as the launcher starts an
 * early one, with the signal mask we had before blocking the forwarded
 * ones (*mask); 0 if it cannot be. */
static int start_init(struct init *in, const sigset_t *mask)
{
	char self[PATH_MAX], init[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0)
		return 0;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	snprintf(init, sizeof init, "%s/runts-init", self);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	if (pid == 0) {
		char sync[32];
		snprintf(sync, sizeof sync, "_RUNTS_SYNC=%d", sv[1]);
		char *env[] = {sync, "_RUNTS_EARLY=1", NULL};
		char *args[] = {"runts-init", NULL};
		if (fcntl(sv[1], F_SETFD, 0) == 0 && sigprocmask(SIG_SETMASK, mask, NULL) == 0)
			execve(init, args, env);
		_exit(127);
	}
	close(sv[1]);
	in->pid = pid;
	in->fd = sv[0];
	in->len = 0;
	return 1;
}

static int write_all(int fd, const void *buf, size_t n)
{
	for (size_t at = 0; at < n;) {
		ssize_t w = write(fd, (const char *)buf + at, n - at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		at += (size_t)w;
	}
	return 0;
}

/* The next line from the init (without its newline), or NULL at EOF. */
static char *next_line(struct init *in)
{
	static char line[65536];
	for (;;) {
		char *nl = memchr(in->buf, '\n', in->len);
		if (nl) {
			size_t n = (size_t)(nl - in->buf);
			memcpy(line, in->buf, n);
			line[n] = '\0';
			memmove(in->buf, nl + 1, in->len - n - 1);
			in->len -= n + 1;
			return line;
		}
		if (in->len == sizeof in->buf)
			return NULL;
		ssize_t r = read(in->fd, in->buf + in->len, sizeof in->buf - in->len);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return NULL;
		in->len += (size_t)r;
	}
}

static void kill_quietly(long pid)
{
	if (pid > 0)
		kill((pid_t)pid, SIGKILL);
}

static volatile sig_atomic_t forward_to;

static void forward(int sig)
{
	int saved = errno;
	if (forward_to > 0)
		kill((pid_t)forward_to, sig);
	errno = saved;
}

/* src/container/foreground.ts's FORWARDED */
static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
				SIGWINCH, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU};
#define NFORWARDED (sizeof forwarded / sizeof *forwarded)

/* The forwarded signals are blocked from the start (direct_exec) and, in
 * the foreground, pass to the process once it is known and ready: one
 * sent meanwhile stays pending instead of ending us with the process left
 * running. *old: the mask to go back to, which the init and Node (if the
 * command falls back) get. */
static void hold_signals(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* The handlers first, then the old mask: what was held is delivered to
 * them now, and so forwarded. */
static void forward_signals(long pid, const sigset_t *old)
{
	forward_to = (sig_atomic_t)pid;
	struct sigaction sa = {.sa_handler = forward};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaction(forwarded[i], &sa, NULL);
	sigprocmask(SIG_SETMASK, old, NULL);
}

/* src/container/create.ts's writePidFile. */
static void write_pid_file(const char *file, long pid)
{
	char *abs = resolve(file);
	if (!abs)
		fail_exec("write --pid-file %s: ENOMEM", file);
	char *slash = strrchr(abs, '/'), *tmp;
	if (asprintf(&tmp, "%.*s/.%s.%d", (int)(slash - abs), abs, slash + 1, (int)getpid()) < 0)
		fail_exec("write --pid-file %s: ENOMEM", abs);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	char text[32];
	int n = snprintf(text, sizeof text, "%ld", pid);
	if (fd < 0 || write_all(fd, text, (size_t)n) < 0 || close(fd) < 0 || rename(tmp, abs) < 0)
		fail_exec("write --pid-file %s: %s", abs, strerrorname_np(errno));
	free(tmp);
	free(abs);
}

/* Drives the init to the end: arguments, plan, `notify ready`; then the
 * pid file, and in the foreground the exit status. Never returns. */
static _Noreturn void run_exec(const struct command *c, const struct exec_record *e, const struct plan *pl,
			       int cgroup2_now, int pidfd_sock, const sigset_t *mask)
{
	static struct init in;
	if (c->detach) /* nothing to forward to: signals act as before */
		sigprocmask(SIG_SETMASK, mask, NULL);
	if (!start_init(&in, mask))
		fail_exec("exec: start the init: %s", strerrorname_np(errno));
	/* its arguments, as src/container/launch.ts's startupArgs and
	 * useEarlyInit send them */
	char *args = NULL;
	size_t alen = 0;
	FILE *m = open_memstream(&args, &alen);
	if (!m)
		fail_exec("exec: out of memory");
	if (!c->detach)
		fputs("waiter", m), fputc(0, m);
	for (int i = 0; i < e->ncgroups; i++)
		fprintf(m, "cgroup%c%s%c", 0, e->cgroups[i], 0);
	if (cgroup2_now)
		fputs("cgroup2-now", m), fputc(0, m);
	fprintf(m, "preserve-fds%c%d%c", 0, c->preserve_fds, 0);
	fprintf(m, "runts%c%d%c", 0, (int)getpid(), 0);
	fclose(m);
	unsigned char header[4] = {alen & 0xff, (alen >> 8) & 0xff, (alen >> 16) & 0xff, (alen >> 24) & 0xff};
	signal(SIGPIPE, SIG_IGN); /* as Node: a dead init is an EPIPE, not our end */
	long stage0 = in.pid, pid = 0;
	int held = -1; /* the pidfd for --pidfd-socket, sent once ready */
	if (write_all(in.fd, header, 4) < 0 || write_all(in.fd, args, alen) < 0 ||
	    write_all(in.fd, pl->buf, pl->len) < 0) {
		kill_quietly(stage0);
		fail_exec("exec: the init's socket: %s", strerrorname_np(errno));
	}
	free(args);
	for (;;) {
		char *line = next_line(&in);
		if (!line) {
			kill_quietly(stage0);
			kill_quietly(pid);
			fail_exec("exec: the init exited before the container was ready");
		}
		if (!strncmp(line, "pid ", 4))
			pid = strtol(line + 4, NULL, 10);
		else if (!strncmp(line, "stage0 ", 7))
			stage0 = strtol(line + 7, NULL, 10);
		else if (!strcmp(line, "sync pidfd") && pidfd_sock >= 0 && pid > 0 && held < 0) {
			/* the process waits in this sync while we open its
			 * pidfd: it cannot have been reaped yet (as
			 * src/container/exec.ts) */
			if ((held = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0)) < 0) {
				int err = errno;
				write_all(in.fd, "abort\n", 6);
				kill_quietly(stage0);
				kill_quietly(pid);
				fail_exec("exec: --pidfd-socket: pidfd_open %ld: %s", pid, strerrorname_np(err));
			}
			write_all(in.fd, "ok\n", 3);
		} else if (!strncmp(line, "sync ", 5)) {
			/* no other sync of an exec this code runs (a seccomp
			 * listener is Node's) */
			write_all(in.fd, "abort\n", 6);
			kill_quietly(stage0);
			kill_quietly(pid);
			fail_exec("exec: exec: the init asked for an unknown sync \"%s\"", line + 5);
		} else if (!strcmp(line, "notify ready"))
			break;
		else if (!strncmp(line, "error ", 6)) {
			kill_quietly(stage0);
			kill_quietly(pid);
			fail_exec("exec: %s", line + 6);
		} else if (!strncmp(line, "died ", 5)) {
			/* the waiter: the process ended before `ready` (launch.ts) */
			const char *how = strchr(line + 5, ' ');
			kill_quietly(stage0);
			fail_exec("exec: container process is already dead: %s", how ? how + 1 : line + 5);
		}
	}
	if (!pid) {
		kill_quietly(stage0);
		fail_exec("exec: the init reported ready without a pid");
	}
	/* Detached, the process alone holds the socket after `ready`, until
	 * its execve closes it: at EOF the program runs, under its label
	 * (/proc/<pid>/attr/current), or the process is gone. Returning at
	 * `ready` instead let a caller that read the pid file look at the init
	 * still: the SELinux boot saw the caller's domain (issue 32). A failed
	 * execve says so first: then exec fails, and writes no pid file. */
	if (c->detach)
		for (char *line; (line = next_line(&in));)
			if (!strncmp(line, "error ", 6))
				fail_exec("exec: %s", line + 6);
	/* src/sys/pidfd-socket.ts's sendPidfd: "setns", an exec'd process */
	if (held >= 0 && send_fd(pidfd_sock, held, "setns", 5) < 0)
		fail_exec("--pidfd-socket: sendmsg: %s", strerrorname_np(errno));
	if (c->pid_file)
		write_pid_file(c->pid_file, pid);
	if (c->detach)
		_exit(0);
	forward_signals(pid, mask);
	for (;;) {
		char *line = next_line(&in);
		if (!line) {
			warn("exec: the waiter was killed: the exit status is lost");
			_exit(255);
		}
		if (!strncmp(line, "exit ", 5) && line[5] && strspn(line + 5, "0123456789") == strlen(line + 5))
			_exit(atoi(line + 5) & 0xff);
	}
}

static void exec_or_return(int argc, char **argv, const sigset_t *mask)
{
	static struct command c;
	if (!parse_exec(argc, argv, &c))
		return;
	char dir[4096];
	if (snprintf(dir, sizeof dir, "%s/%s", c.root, c.id) >= (int)sizeof dir)
		return;
	static struct record r;
	static struct exec_record e;
	if (!read_record(dir, &r) || !read_exec_record(dir, &e))
		return;
	const char *status = status_of(dir, &r);
	if (strcmp(status, "running") && strcmp(status, "created"))
		return; /* stopped or paused: Node says so */
	/* the process: process.json, or the container's with the command */
	char *text;
	size_t len;
	if (c.process_file) {
		if (!(text = slurp(c.process_file, 1 << 20, &len)))
			return;
	} else {
		text = e.process;
		len = strlen(text);
	}
	static struct json j;
	static struct process p;
	int root = json_parse(&j, text, len);
	if (root < 0 || !take_process(&j, root, &p))
		return;
	if (!with_command(&p, c.process_file ? NULL : (const char *const *)c.command, c.ncommand, c.tty))
		return;
	/* the labels: its own or the container's, if this host can apply
	 * them now (else Node says why) */
	if (!with_labels(&p, e.apparmor, e.selinux) || !labels_applicable(&p))
		return;
	/* A terminal in the foreground without --console-socket is runts's
	 * own (ForegroundTerminal): Node's. */
	if (p.terminal && !c.console_socket)
		return;
	struct exec_input in = {.process = &p, .pid = r.pid, .preserve_fds = c.preserve_fds, .keyring = e.keyring};
	in.namespaces = namespaces_to_join(r.pid);
	/* only where execSteps asks for it: no HOME in the environment */
	int has_home = 0;
	for (int i = 0; i < p.nenv; i++)
		has_home |= !strncmp(p.env[i], "HOME=", 5);
	char *home = NULL;
	if (!has_home && !home_of(r.pid, p.uid, &home))
		return;
	in.home = home;
	char *bpf = NULL;
	if (e.has_seccomp) {
		char path[4200];
		snprintf(path, sizeof path, "%s/exec-seccomp", dir);
		if (!(bpf = slurp(path, 1 << 20, &in.seccomp_len)) || !in.seccomp_len)
			return;
		in.seccomp_bpf = bpf;
		in.seccomp_flags = e.seccomp_flags;
	}
	char *socket_path = NULL;
	if (p.terminal && !(in.console_socket = socket_path = resolve(c.console_socket)))
		return;
	in.send_pidfd = c.pidfd_socket != NULL;
	static struct plan pl;
	if (!compile_exec(&in, &pl))
		return;
	/* connected before anything starts, as Node does; one we cannot
	 * reach is Node's to report */
	int pidfd_sock = -1;
	if (c.pidfd_socket) {
		char *abs = resolve(c.pidfd_socket);
		if (!abs || (pidfd_sock = unix_connect(abs, strlen(abs))) < 0)
			return;
		free(abs);
	}
	/* cgroup2JoinNow: into a user namespace, or a cgroup namespace under
	 * nsdelegate, the cgroup2 directory is joined at once */
	int cgroup2_now = (in.namespaces & 1u) || ((in.namespaces & (1u << 5)) && e.nsdelegate);
	logging = &c;
	run_exec(&c, &e, &pl, cgroup2_now, pidfd_sock, mask);
}

void direct_exec(int argc, char **argv)
{
	sigset_t mask;
	hold_signals(&mask);
	exec_or_return(argc, argv, &mask);
	/* Node's: with the mask we were given (a signal held meanwhile acts
	 * now, as it would have) */
	sigprocmask(SIG_SETMASK, &mask, NULL);
}
