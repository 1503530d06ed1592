/*
 * `runts kill` (src/container/kill.ts): the signal, as kill.ts takes it,
 * to the container's process; with --all to every process in its cgroup
 * (src/cgroups/signal.ts: cgroup.kill for SIGKILL where the kernel has it,
 * else frozen, each process signalled, thawed).
 *
 * Owns: nothing. May assume: direct_command has seen the process alive
 * (plain kill) or the record names the cgroups and the freezer (--all); no
 * lock is taken (kill changes nothing of runts's).
 */
#include "internal.h"
#include <dirent.h>
#include <strings.h>

/* kill's signal as src/container/kill.ts's parseSignal takes it: a number
 * from 1 to 64, or a standard name with or without SIG, in any case
 * (glibc's own names); 0 for anything else (SIGRTMIN+3, say), which Node
 * then parses or refuses. */
int signal_number(const char *text)
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

/* kill: the signal to the container's process (kill.ts). A process gone
 * in between is no error there either. */
void kill_process(const struct record *r, int sig)
{
	if (kill((pid_t)r->pid, sig) < 0 && errno != ESRCH)
		fail("kill %ld: %s", r->pid, strerrorname_np(errno));
}

/* The file's whole new value, as src/cgroups/fsio.ts's realIo writes it;
 * 0 or the errno. */
static int put_file(const char *dir, const char *file, const char *text)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int err = write(fd, text, strlen(text)) < 0 ? errno : 0;
	close(fd);
	return err;
}

static int get_file(const char *dir, const char *file, char *buf, size_t cap)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	return read_file(path, buf, cap);
}

/* The freezer, as src/cgroups/freezer.ts's freeze with op "kill": NULL
 * when frozen, else why not (the freezer thawed again). v1: FROZEN,
 * retried while FREEZING, thawed now and then to let a task move on; v2:
 * cgroup.freeze, then cgroup.events until "frozen 1". */
static const char *freeze(const struct record *r, char *why, size_t cap)
{
	const char *dir = r->freezer_dir;
	char text[256];
	int err;
	if (r->freezer_version == 1) {
		for (int i = 0; i < 1000; i++) {
			if (i % 50 == 49) {
				put_file(dir, "freezer.state", "THAWED");
				sleep_us(10000);
			}
			if ((err = put_file(dir, "freezer.state", "FROZEN"))) {
				put_file(dir, "freezer.state", "THAWED");
				snprintf(why, cap, "kill: cgroup freezer.state: write \"FROZEN\": %s", strerrorname_np(err));
				return why;
			}
			if (i % 25 == 24)
				sleep_us(1000);
			if (get_file(dir, "freezer.state", text, sizeof text) < 0) {
				put_file(dir, "freezer.state", "THAWED");
				snprintf(why, cap, "kill: cgroup freezer.state: write \"FROZEN\": %s", strerrorname_np(errno));
				return why;
			}
			text[strcspn(text, " \t\n")] = '\0';
			if (!strcmp(text, "FROZEN"))
				return NULL;
			if (strcmp(text, "FREEZING")) {
				put_file(dir, "freezer.state", "THAWED");
				snprintf(why, cap, "kill: unexpected freezer state %s while freezing", text);
				return why;
			}
		}
		put_file(dir, "freezer.state", "THAWED");
		return "kill: the cgroup did not freeze (a task stays FREEZING)";
	}
	if ((err = put_file(dir, "cgroup.freeze", "1"))) {
		snprintf(why, cap, "kill: cgroup cgroup.freeze: write \"1\": %s", strerrorname_np(err));
		return why;
	}
	for (int i = 0; i < 1000; i++) {
		if (get_file(dir, "cgroup.events", text, sizeof text) < 0)
			return NULL; /* an old kernel without the field */
		const char *f = strstr(text, "frozen ");
		while (f && f != text && f[-1] != '\n')
			f = strstr(f + 1, "frozen ");
		if (!f || f[7] == '1')
			return NULL;
		sleep_us(10000);
	}
	put_file(dir, "cgroup.freeze", "0");
	return "kill: the cgroup did not freeze within 10s";
}

/* The pids of a cgroup and its descendants, as src/cgroups/stats.ts's
 * allPids (each once); -1 when dir has no cgroup.procs. */
struct pids {
	long *v;
	size_t n, cap;
};

static void add_pid(struct pids *p, long pid)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i] == pid)
			return;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		long *v = realloc(p->v, cap * sizeof *v);
		if (!v)
			fail("kill: out of memory");
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = pid;
}

static int walk_pids(const char *dir, struct pids *p, int depth)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char buf[4096];
	long pid = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				pid = pid * 10 + (buf[i] - '0');
			} else {
				if (pid > 0)
					add_pid(p, pid);
				pid = 0;
			}
		}
	if (pid > 0)
		add_pid(p, pid);
	close(fd);
	DIR *d = depth < 64 ? opendir(dir) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			walk_pids(path, p, depth + 1);
		}
	if (d)
		closedir(d);
	return 0;
}

/* kill --all (kill.ts, signal.ts's signalAll): SIGKILL through cgroup.kill
 * of the v2 directory where the kernel has it; else the cgroup frozen
 * (or, if it cannot be, a warning and on), every process in it and below
 * signalled, the cgroup thawed. A pid gone meanwhile is no error. */
void kill_all(const struct record *r, int sig)
{
	char path[4200];
	for (int k = 0; sig == SIGKILL && k < r->ncgroups; k++) {
		snprintf(path, sizeof path, "%s/cgroup.kill", r->cgroups[k]);
		if (access(path, F_OK) < 0)
			continue;
		int err = put_file(r->cgroups[k], "cgroup.kill", "1");
		if (!err)
			return;
		warn("kill: cgroup.kill: %s; signalling each process", strerrorname_np(err));
		break;
	}
	char why[512];
	const char *no = freeze(r, why, sizeof why);
	if (no)
		warn("kill: cannot freeze the container first: %s", no);
	/* The freezer's hierarchy first (what was frozen), then any other. */
	struct pids p = {0};
	if (walk_pids(r->freezer_dir, &p, 0) < 0)
		for (int k = 0; k < r->ncgroups && walk_pids(r->cgroups[k], &p, 0) < 0; k++)
			;
	long failed = 0;
	int err = 0;
	for (size_t i = 0; i < p.n && !failed; i++)
		if (kill((pid_t)p.v[i], sig) < 0 && errno != ESRCH) {
			failed = p.v[i];
			err = errno;
		}
	free(p.v);
	if (!no) {
		const char *file = r->freezer_version == 1 ? "freezer.state" : "cgroup.freeze";
		const char *value = r->freezer_version == 1 ? "THAWED" : "0";
		int terr = put_file(r->freezer_dir, file, value);
		if (terr)
			warn("kill: kill: cgroup %s: write \"%s\": %s", file, value, strerrorname_np(terr));
	}
	if (failed)
		fail("kill %ld: %s", failed, strerrorname_np(err));
}
