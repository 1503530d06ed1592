/*
 * `start`, `delete`, `kill`, `state` and `list` run by bin/runts itself,
 * without Node, for
 * the containers whose create left a `direct` record in their state directory
 * (src/container/state.ts, directRecord: no poststart or poststop hooks, no
 * mounts in the host's namespace, only cgroups runts made). Engines call
 * these for every container, and their work is small next to Node's
 * start (docs/architecture.md, "start, delete and kill without Node";
 * docs/performance.md, item 25).
 *
 * The TypeScript still decides everything: create writes, as plain lines,
 * the pid and start time to check, the cgroup directories to remove and
 * their parents; this file only carries that out. Anything out of the
 * ordinary returns to the launcher before anything has changed, and the
 * launcher starts Node as usual, which says what is wrong in its own words:
 * an option this file does not take, a container without the record or in
 * a state the command refuses (not created, for start; running without
 * --force, for delete; stopped, for kill), a signal it does not know or
 * kill --all. Once it has begun, it finishes the command as
 * src/container/start.ts, delete.ts and kill.ts would, with the same
 * messages and --log lines (src/log.ts).
 */
#define _GNU_SOURCE
#include "direct.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_DIRS 64

#define MAX_ANNOTATIONS 1024

/* The runtime-spec version state prints (src/container/state.ts, SPEC_VERSION;
 * a unit test keeps the two the same). */
#define SPEC_VERSION "1.3.0"

enum verb { START, DELETE, KILL, STATE, LIST };

struct command {
	enum verb verb;
	const char *root, *log, *id, *signal;
	int json, force;
	int quiet, list_json; /* list's --quiet and --format json */
};

struct record {
	long pid;
	char starttime[32];
	int ncgroups, nparents;
	char *cgroups[MAX_DIRS], *parents[MAX_DIRS];
	/* what state and list print (record version 2, "listed" at its end) */
	int listed, freezer_version, nannotations;
	char *oci, *bundle, *rootfs_json, *created, *owner, *freezer_dir;
	char *annotations[MAX_ANNOTATIONS];
	char text[65536];
};

/* Logging as src/log.ts writes it. */

static const struct command *logging;

/* msg as JSON.stringify writes a string (inside quotes). */
static size_t json_string(char *out, size_t cap, const char *msg)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)msg; *p && n + 8 < cap; p++) {
		if (*p == '"' || *p == '\\')
			n += (size_t)snprintf(out + n, cap - n, "\\%c", *p);
		else if (*p == '\n')
			n += (size_t)snprintf(out + n, cap - n, "\\n");
		else if (*p < 0x20)
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", *p);
		else
			out[n++] = (char)*p;
	}
	out[n] = '\0';
	return n;
}

static void log_line(const char *level, const char *msg)
{
	if (!logging || !logging->log)
		return;
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char when[64], quoted[4096], line[4400];
	snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000));
	json_string(quoted, sizeof quoted, msg);
	int n = logging->json ? snprintf(line, sizeof line, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n", level, quoted, when)
			      : snprintf(line, sizeof line, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, quoted);
	int fd = open(logging->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return; /* as log.ts: a log we cannot write is not a second failure */
	if (write(fd, line, (size_t)n) < 0) { /* the same */
	}
	close(fd);
}

/* With --log, warnings go only there (an engine's stderr may be the
 * container's log stream). */
static void warn(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_line("warning", msg);
	if (!logging->log)
		dprintf(2, "runts: warning: %s\n", msg);
}

static __attribute__((noreturn)) void fail(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_line("error", msg);
	dprintf(2, "runts: %s\n", msg);
	_exit(1);
}

/* The command line. */

/* runc's container ID rule, as src/spec/semantic.ts checks it. */
static int valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 1024 || !strcmp(id, "."))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || !strchr("_.+-", c)))
			return 0;
	}
	return 1;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]: the value, or NULL. */
static const char *value_of(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] || *i + 1 >= argc || argv[*i + 1][0] == '-')
		return NULL;
	return argv[++*i];
}

/* One global option at argv[*i] (src/main.ts's, before or after the
 * command word, as the fast parser takes them): 1 taken, 0 not one this
 * file takes. --debug and the rest are left to Node. */
static int global_option(int argc, char **argv, int *i, struct command *c, int seen[3])
{
	const char *v;
	if ((v = value_of(argc, argv, i, "--root"))) {
		if (seen[0]++ || !*v)
			return 0;
		c->root = v;
	} else if ((v = value_of(argc, argv, i, "--log"))) {
		if (seen[1]++)
			return 0;
		c->log = *v ? v : NULL;
		/* A log it cannot open is Node's error to report (src/log.ts). */
		if (c->log) {
			int fd = open(c->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
			if (fd < 0)
				return 0;
			close(fd);
		}
	} else if ((v = value_of(argc, argv, i, "--log-format"))) {
		if (seen[2]++ || (strcmp(v, "text") && strcmp(v, "json")))
			return 0;
		c->json = !strcmp(v, "json");
	} else if (!strcmp(argv[*i], "--systemd-cgroup") || !strcmp(argv[*i], "--systemd-cgroup=true") ||
		   !strcmp(argv[*i], "--systemd-cgroup=false")) {
		/* only create uses it */
	} else {
		return 0;
	}
	return 1;
}

/* --root's default, as src/rootless.ts's defaultRoot under --rootless
 * auto: /run/runts, or $XDG_RUNTIME_DIR/runts for a caller that is not root
 * over the host (not root, or root of a user namespace, unless USER says
 * root). NULL where Node says why there is none. */
static const char *default_root(void)
{
	static char buf[4096];
	uid_t euid = geteuid();
	int initial = 1;
	char map[256] = "";
	int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, map, sizeof map - 1);
		close(fd);
		if (n > 0) {
			map[n] = '\0';
			unsigned long a, b, len;
			char extra;
			initial = sscanf(map, " %lu %lu %lu %c", &a, &b, &len, &extra) == 3 && a == 0 && b == 0 &&
				  len == 4294967295UL;
		}
	}
	if (euid == 0 && initial)
		return "/run/runts";
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *user = getenv("USER");
	if (xdg && *xdg && (euid != 0 || !user || strcmp(user, "root"))) {
		if (snprintf(buf, sizeof buf, "%s/runts", xdg) >= (int)sizeof buf)
			return NULL;
		return buf;
	}
	return euid != 0 ? NULL : "/run/runts";
}

static int parse(int argc, char **argv, struct command *c)
{
	int seen[3] = {0, 0, 0}, forced = 0, i = 1;
	c->root = NULL;
	for (; i < argc && argv[i][0] == '-'; i++)
		if (!global_option(argc, argv, &i, c, seen))
			return 0;
	if (i >= argc)
		return 0;
	if (!strcmp(argv[i], "start"))
		c->verb = START;
	else if (!strcmp(argv[i], "delete"))
		c->verb = DELETE;
	else if (!strcmp(argv[i], "kill"))
		c->verb = KILL;
	else if (!strcmp(argv[i], "state"))
		c->verb = STATE;
	else if (!strcmp(argv[i], "list") || !strcmp(argv[i], "ls"))
		c->verb = LIST;
	else
		return 0;
	int quiet = 0, format = 0;
	for (i++; i < argc; i++) {
		const char *a = argv[i], *v;
		if (c->verb == LIST) {
			/* list takes no positional; its own options as src/cli/list.ts's */
			if (!strcmp(a, "-q") || !strcmp(a, "--quiet") || !strcmp(a, "--quiet=true")) {
				if (quiet++)
					return 0;
				c->quiet = 1;
			} else if ((v = value_of(argc, argv, &i, "--format")) || (v = value_of(argc, argv, &i, "-f"))) {
				if (format++ || (strcmp(v, "table") && strcmp(v, "json")))
					return 0;
				c->list_json = !strcmp(v, "json");
			} else if (!global_option(argc, argv, &i, c, seen)) {
				return 0;
			}
			continue;
		}
		if (a[0] != '-' || !a[1]) {
			/* kill's second positional is its signal */
			if (c->id && (c->verb != KILL || c->signal))
				return 0;
			*(c->id ? &c->signal : &c->id) = a;
		} else if (c->verb == DELETE && (!strcmp(a, "-f") || !strcmp(a, "--force") || !strcmp(a, "--force=true") ||
					    !strcmp(a, "--force=false"))) {
			if (forced++)
				return 0;
			c->force = strcmp(a, "--force=false") != 0;
		} else if (!global_option(argc, argv, &i, c, seen)) {
			return 0;
		}
	}
	if (!c->root && !(c->root = default_root()))
		return 0;
	if (c->verb == LIST)
		return 1;
	return c->id && valid_id(c->id);
}

/* The record and the process. */

static int read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0 || (size_t)n == cap - 1)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

/* The record, as directRecord writes it; 0 if it is not one. */
static int read_record(const char *dir, struct record *r)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/direct", dir);
	if (read_file(path, r->text, sizeof r->text) < 0)
		return 0;
	char *save = NULL, *line = strtok_r(r->text, "\n", &save);
	/* Version 1 (before state and list were here): start, delete, kill only. */
	if (!line || (strcmp(line, "runts-direct 1") && strcmp(line, "runts-direct 2")))
		return 0;
	r->pid = 0;
	r->starttime[0] = '\0';
	r->ncgroups = r->nparents = 0;
	r->listed = r->freezer_version = r->nannotations = 0;
	r->oci = r->bundle = r->rootfs_json = r->created = r->owner = r->freezer_dir = NULL;
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (!strcmp(line, "listed")) {
			r->listed = r->oci && r->bundle && r->rootfs_json && r->created && r->owner;
			continue;
		}
		char *value = strchr(line, ' ');
		if (!value)
			return 0;
		*value++ = '\0';
		if (!strcmp(line, "oci"))
			r->oci = value;
		else if (!strcmp(line, "bundle"))
			r->bundle = value;
		else if (!strcmp(line, "rootfs-json"))
			r->rootfs_json = value;
		else if (!strcmp(line, "created"))
			r->created = value;
		else if (!strcmp(line, "owner"))
			r->owner = value;
		else if (!strcmp(line, "freezer") && (value[0] == '1' || value[0] == '2') && value[1] == ' ') {
			r->freezer_version = value[0] - '0';
			r->freezer_dir = value + 2;
		} else if (!strcmp(line, "annotation")) {
			if (r->nannotations >= MAX_ANNOTATIONS)
				return 0;
			r->annotations[r->nannotations++] = value;
		} else if (!strcmp(line, "pid"))
			r->pid = strtol(value, NULL, 10);
		else if (!strcmp(line, "starttime") && strlen(value) < sizeof r->starttime)
			strcpy(r->starttime, value);
		else if (!strcmp(line, "cgroup") && r->ncgroups < MAX_DIRS)
			r->cgroups[r->ncgroups++] = value;
		else if (!strcmp(line, "parent") && r->nparents < MAX_DIRS)
			r->parents[r->nparents++] = value;
		else
			return 0;
	}
	snprintf(path, sizeof path, "%s/state.json", dir);
	return r->pid > 0 && r->starttime[0] && access(path, F_OK) == 0;
}

/* Alive, the recorded process (not a reused pid) and not a zombie: as
 * src/sys/proc.ts's isAlive. */
static int alive(const struct record *r)
{
	char path[64], stat[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", r->pid);
	if (read_file(path, stat, sizeof stat) < 0)
		return 0;
	char *p = strrchr(stat, ')');
	if (!p || p[1] != ' ')
		return 0;
	char state = p[2];
	/* Field 3 is the state; field 22 the start time. */
	p += 2;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return 0;
	size_t n = strcspn(p, " ");
	return state != 'Z' && state != 'X' && n == strlen(r->starttime) && !strncmp(p, r->starttime, n);
}

static void sleep_us(long us)
{
	struct timespec ts = {0, us * 1000};
	nanosleep(&ts, NULL);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* start: as src/container/start.ts's releaseBarrier. The non-blocking open
 * never hangs on a dead init; the init's own open then completes and it
 * writes one byte, and keeps the fifo open until it execs the program, so
 * EOF after the byte means the program runs; a failure on the way arrives
 * as an "error ..." line. */
static void start(const char *dir, const struct record *r, const char *id)
{
	char barrier[4200];
	snprintf(barrier, sizeof barrier, "%s/barrier", dir);
	int fd = open(barrier, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		fail("open %s: %s", barrier, strerrorname_np(errno));
	char said[4096], buf[4096];
	size_t len = 0;
	int released = 0, exited = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n > 0) {
			size_t skip = released ? 0 : 1; /* the release byte */
			released = 1;
			for (size_t k = skip; k < (size_t)n && len + 1 < sizeof said; k++)
				said[len++] = buf[k];
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			int e = errno;
			unlink(barrier);
			fail("read %s: %s", barrier, strerrorname_np(e));
		}
		if (n == 0) {
			if (released)
				break;
			if (!alive(r)) {
				exited = 1;
				break;
			}
		}
		sleep_us(200); /* the init is at most a few ms away */
	}
	close(fd);
	unlink(barrier);
	if (exited)
		fail("cannot start container \"%s\": its process exited", id);
	said[len] = '\0';
	for (char *line = said; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (!strncmp(line, "error ", 6)) {
			char *end = strchr(line, '\n');
			if (end)
				*end = '\0';
			fail("start: %s", line + 6);
		}
	}
}

/* The pids in the container's cgroup, from the first hierarchy that
 * answers, each sent SIGKILL (as delete.ts: a container without its own
 * pid namespace may leave processes behind its first). */
static void kill_cgroup(const struct record *r)
{
	for (int k = 0; k < r->ncgroups; k++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/cgroup.procs", r->cgroups[k]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* One pid a line, read in pieces: a number cut at the end of
		 * one piece is finished by the next. */
		char buf[4096];
		long pid = 0;
		ssize_t n;
		while ((n = read(fd, buf, sizeof buf)) > 0) {
			for (ssize_t i = 0; i < n; i++) {
				if (buf[i] >= '0' && buf[i] <= '9') {
					pid = pid * 10 + (buf[i] - '0');
				} else {
					if (pid > 0)
						kill((pid_t)pid, SIGKILL);
					pid = 0;
				}
			}
		}
		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
		close(fd);
		return;
	}
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) < 0) { /* no freezer there */
	}
	close(fd);
}

/* A frozen cgroup must thaw for SIGKILL to be acted on. */
static void thaw(const struct record *r)
{
	for (int k = 0; k < r->ncgroups; k++) {
		char path[4200];
		if (strstr(r->cgroups[k], "/freezer/")) {
			snprintf(path, sizeof path, "%s/freezer.state", r->cgroups[k]);
			write_file(path, "THAWED");
		} else {
			snprintf(path, sizeof path, "%s/cgroup.freeze", r->cgroups[k]);
			write_file(path, "0");
		}
	}
}

/* A container's directory and the files in it (a directory inside, which
 * runts never makes, goes too, as delete.ts's fallback would take it). */
static int remove_tree(int parent, const char *name)
{
	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			remove_tree(dirfd(d), e->d_name);
	closedir(d);
	return unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : -1;
}

/* kill's signal as src/container/kill.ts's parseSignal takes it: a number
 * from 1 to 64, or a standard name with or without SIG, in any case
 * (glibc's own names); 0 for anything else (SIGRTMIN+3, say), which Node
 * then parses or refuses. */
static int signal_number(const char *text)
{
	if (!text || !*text)
		return SIGTERM;
	if (strspn(text, "0123456789") == strlen(text)) {
		long n = strlen(text) <= 2 ? strtol(text, NULL, 10) : 0;
		return n >= 1 && n <= 64 ? (int)n : 0;
	}
	if (!strncasecmp(text, "SIG", 3))
		text += 3;
	for (int n = 1; n < 32; n++) {
		const char *name = sigabbrev_np(n);
		if (name && !strcasecmp(text, name))
			return n;
	}
	return 0;
}

/* kill: the signal to the container's process (kill.ts; --all is left to
 * Node, which freezes the cgroup meanwhile). A process gone in between is
 * no error there either. */
static void kill_process(const struct record *r, int sig)
{
	if (kill((pid_t)r->pid, sig) < 0 && errno != ESRCH)
		fail("kill %ld: %s", r->pid, strerrorname_np(errno));
}

/* delete: as src/container/delete.ts, for a stopped container or, with
 * --force, a running one. */
static void delete(const char *dir, const struct record *r)
{
	if (alive(r)) {
		thaw(r);
		kill((pid_t)r->pid, SIGKILL);
		kill_cgroup(r);
		/* A killed process is gone within a millisecond or so: poll
		 * finely, for up to 10 s. */
		for (long deadline = now_ms() + 10000; alive(r) && now_ms() < deadline;)
			sleep_us(500);
	}
	kill_cgroup(r); /* processes that outlived PID 1 (no pid namespace) */
	/* A cgroup whose last process is still exiting reports EBUSY for a
	 * moment: retry briefly. */
	long deadline = now_ms() + 2000;
	for (int k = 0; k < r->ncgroups; k++) {
		/* A real-time budget outlives the rmdir for a second or so: give
		 * it back first (src/cgroups/dirs.ts, giveBackRtBudget). */
		char rt[4200];
		snprintf(rt, sizeof rt, "%s/cpu.rt_runtime_us", r->cgroups[k]);
		write_file(rt, "0");
		while (rmdir(r->cgroups[k]) < 0 && errno != ENOENT) {
			if (errno == EBUSY && now_ms() < deadline) {
				sleep_us(500);
				continue;
			}
			warn("delete: cannot remove cgroup %s: %s", r->cgroups[k], strerrorname_np(errno));
			break;
		}
	}
	for (int k = 0; k < r->nparents; k++)
		rmdir(r->parents[k]); /* in use by another container, or gone */
	if (remove_tree(AT_FDCWD, dir) < 0)
		warn("delete: cannot remove %s: %s", dir, strerrorname_np(errno));
}

/* state and list. */

/* The status as src/container/state.ts's statusOf tells it: stopped unless
 * the recorded process lives; created while the barrier is there; paused
 * when its freezer says so (as src/cgroups/freezer.ts's isFrozenCgroup:
 * v1 FROZEN or FREEZING of its own, not a parent's; v2 cgroup.freeze 1). */
static const char *status_of(const char *dir, const struct record *r)
{
	if (!alive(r))
		return "stopped";
	char path[4400], text[64];
	snprintf(path, sizeof path, "%s/barrier", dir);
	if (access(path, F_OK) == 0)
		return "created";
	if (r->freezer_version == 1) {
		snprintf(path, sizeof path, "%s/freezer.state", r->freezer_dir);
		if (read_file(path, text, sizeof text) < 0 || !strncmp(text, "THAWED", 6))
			return "running";
		snprintf(path, sizeof path, "%s/freezer.self_freezing", r->freezer_dir);
		if (read_file(path, text, sizeof text) < 0)
			return "paused";
		return text[0] == '1' && (text[1] == '\n' || !text[1]) ? "paused" : "running";
	}
	if (r->freezer_version == 2) {
		snprintf(path, sizeof path, "%s/cgroup.freeze", r->freezer_dir);
		if (read_file(path, text, sizeof text) >= 0 && text[0] == '1' && (text[1] == '\n' || !text[1]))
			return "paused";
	}
	return "running";
}

/* Output, gathered and written at once. */
struct out {
	char *buf;
	size_t len, cap;
};

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(o->buf ? o->buf + o->len : NULL, o->buf ? o->cap - o->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			_exit(1);
		if (o->buf && o->len + (size_t)n < o->cap) {
			o->len += (size_t)n;
			return;
		}
		size_t cap = (o->cap ? o->cap * 2 : 65536) + (size_t)n;
		char *b = realloc(o->buf, cap);
		if (!b)
			fail("out of memory");
		o->buf = b;
		o->cap = cap;
	}
}

static void pad(struct out *o, const char *cell, size_t width)
{
	put(o, "%s%*s", cell, (int)(width - strlen(cell)), "");
}

static void flush_out(const struct out *o)
{
	for (size_t done = 0; done < o->len;) {
		ssize_t n = write(1, o->buf + done, o->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1);
		done += (size_t)n;
	}
}

/* state: JSON.stringify(toState(...), null, 2), as src/cli/state.ts prints it. */
static void print_state(const char *id, const char *status, const struct record *r)
{
	struct out o = {0};
	put(&o, "{\n  \"ociVersion\": \"%s\",\n  \"id\": \"%s\",\n  \"status\": \"%s\",\n  \"bundle\": \"%s\",\n", SPEC_VERSION, id, status, r->bundle);
	if (strcmp(status, "stopped"))
		put(&o, "  \"pid\": %ld,\n", r->pid);
	put(&o, "  \"annotations\": {");
	for (int k = 0; k < r->nannotations; k++)
		put(&o, "%s\n    %s", k ? "," : "", r->annotations[k]);
	put(&o, "%s}\n}\n", r->nannotations ? "\n  " : "");
	flush_out(&o);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list: every container under --root, as src/container/list.ts and
 * src/cli/list.ts; returns (to Node) unless every container there has a
 * version 2 record. */
static void list_all(const struct command *c)
{
	DIR *d = opendir(c->root);
	if (!d)
		return;
	size_t n = 0, cap = 64;
	char **ids = malloc(cap * sizeof *ids);
	struct dirent *e;
	while (ids && (e = readdir(d))) {
		if (!valid_id(e->d_name))
			continue; /* "." and "..", and nothing a container could be */
		if (n == cap)
			ids = realloc(ids, (cap *= 2) * sizeof *ids);
		if (ids)
			ids[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (!ids)
		return;
	qsort(ids, n, sizeof *ids, by_name);
	struct record *recs = calloc(n ? n : 1, sizeof *recs);
	const char **status = calloc(n ? n : 1, sizeof *status);
	long *pid = calloc(n ? n : 1, sizeof *pid); /* as list prints it: 0 once stopped */
	if (!recs || !status || !pid)
		return;
	char dir[4400];
	for (size_t k = 0; k < n; k++) {
		snprintf(dir, sizeof dir, "%s/%s", c->root, ids[k]);
		if (!ids[k] || !read_record(dir, &recs[k]) || !recs[k].listed)
			return; /* a create under way, a container without the record: Node */
		status[k] = status_of(dir, &recs[k]);
		pid[k] = strcmp(status[k], "stopped") ? recs[k].pid : 0L;
	}
	struct out o = {0};
	put(&o, "%s", ""); /* an empty list still prints (a lone newline, or []) */
	if (c->quiet) {
		for (size_t k = 0; k < n; k++)
			put(&o, "%s\n", ids[k]);
	} else if (c->list_json) {
		put(&o, "[");
		for (size_t k = 0; k < n; k++) {
			const struct record *r = &recs[k];
			put(&o, "%s{\"ociVersion\":\"%s\",\"id\":\"%s\",\"pid\":%ld,\"status\":\"%s\",\"bundle\":\"%s\",\"rootfs\":%s,\"created\":\"%s\",\"owner\":\"%s\"}",
			    k ? "," : "", r->oci, ids[k], pid[k], status[k], r->bundle, r->rootfs_json, r->created, r->owner);
		}
		put(&o, "]\n");
	} else {
		/* columns as wide as their widest cell, three spaces apart */
		static const char *const head[6] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
		size_t w[5];
		char (*pid_text)[24] = calloc(n ? n : 1, sizeof *pid_text);
		if (!pid_text)
			return;
		for (int col = 0; col < 5; col++)
			w[col] = strlen(head[col]);
		for (size_t k = 0; k < n; k++) {
			snprintf(pid_text[k], sizeof pid_text[k], "%ld", pid[k]);
			const char *cell[5] = {ids[k], pid_text[k], status[k], recs[k].bundle, recs[k].created};
			for (int col = 0; col < 5; col++)
				if (strlen(cell[col]) > w[col])
					w[col] = strlen(cell[col]);
		}
		for (int col = 0; col < 5; col++)
			pad(&o, head[col], w[col] + 3);
		put(&o, "%s", head[5]);
		for (size_t k = 0; k < n; k++) {
			const struct record *r = &recs[k];
			const char *cell[5] = {ids[k], pid_text[k], status[k], r->bundle, r->created};
			put(&o, "\n");
			for (int col = 0; col < 5; col++)
				pad(&o, cell[col], w[col] + 3);
			put(&o, "%s", r->owner);
		}
		put(&o, "\n");
	}
	flush_out(&o);
	_exit(0);
}

void direct_command(int argc, char **argv)
{
	struct command c = {0};
	if (!parse(argc, argv, &c))
		return;
	if (c.verb == LIST) {
		list_all(&c); /* exits, or returns for Node */
		return;
	}
	char dir[4096];
	if (snprintf(dir, sizeof dir, "%s/%s", c.root, c.id) >= (int)sizeof dir)
		return;
	char lock_path[4300];
	snprintf(lock_path, sizeof lock_path, "%s/lock", dir);
	int sig = c.verb == KILL ? signal_number(c.signal) : 0;
	if (c.verb == KILL && !sig)
		return;
	if (c.verb == STATE) {
		/* no lock, as src/cli/state.ts: state.json is replaced by rename */
		static struct record sr;
		if (!read_record(dir, &sr) || !sr.listed)
			return;
		print_state(c.id, status_of(dir, &sr), &sr);
		_exit(0);
	}
	/* kill takes no lock (as kill.ts): it changes nothing of runts's. */
	int lock = -1;
	if (c.verb != KILL) {
		lock = open(lock_path, O_RDONLY | O_CLOEXEC);
		if (lock < 0) {
			/* As delete.ts (and runc): --force on a container that
			 * is gone already is not an error; engines clean up
			 * with it. */
			struct stat st;
			if (c.verb == DELETE && c.force && errno == ENOENT && stat(dir, &st) < 0 && errno == ENOENT)
				_exit(0);
			return;
		}
		while (flock(lock, LOCK_EX) < 0)
			if (errno != EINTR) {
				close(lock);
				return;
			}
	}
	static struct record r;
	int usable = read_record(dir, &r);
	int live = usable && alive(&r);
	char barrier[4300];
	snprintf(barrier, sizeof barrier, "%s/barrier", dir);
	/* start: only a created container (alive, barrier there); delete: a
	 * stopped one, or any with --force; kill: a live one. Else Node says
	 * why. */
	if (!usable || (c.verb == START && (!live || access(barrier, F_OK) < 0)) ||
	    (c.verb == DELETE && live && !c.force) || (c.verb == KILL && !live)) {
		if (lock >= 0)
			close(lock);
		return;
	}
	logging = &c;
	if (c.verb == START)
		start(dir, &r, c.id);
	else if (c.verb == DELETE)
		delete(dir, &r);
	else
		kill_process(&r, sig);
	_exit(0);
}
