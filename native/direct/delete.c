/*
 * `runts delete` (src/container/delete.ts): the process and whatever is
 * left in its cgroup killed (--force), the cgroups runts made removed, then
 * the state directory. A systemd unit's container only when it is stopped
 * and systemd has dropped its unit (systemd_dropped): then there is no unit
 * left to stop, and nothing else differs from a cgroupfs container's.
 *
 * Owns: nothing. May assume: direct_command holds the container's lock and
 * has checked the container is stopped, or --force.
 */
#include "internal.h"
#include <dirent.h>
#include <sys/stat.h>

/* The system manager keeps a transient unit's file here while the unit is
 * loaded, and removes it when it drops the unit (as it does a scope whose
 * processes have all gone): docs/cgroups.md, "delete without Node". */
#define SYSTEMD_TRANSIENT "/run/systemd/transient"

/* How long to give systemd to drop a unit whose cgroups are empty already:
 * it hears of it a moment after the last process went. */
#define SYSTEMD_DROP_WAIT_MS 500

/* No process in any of the container's cgroups (or the cgroup gone). */
static int cgroups_empty(const struct record *r)
{
	for (int k = 0; k < r->ncgroups; k++) {
		char path[4200], c;
		snprintf(path, sizeof path, "%s/cgroup.procs", r->cgroups[k]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return 0;
		}
		ssize_t n = read(fd, &c, 1);
		close(fd);
		if (n != 0)
			return 0;
	}
	return 1;
}

/* Whether systemd has dropped the container's unit, so that there is no
 * unit to stop and delete is what it is for a cgroupfs container: the
 * system manager's unit (a user manager's transient files are under the
 * $XDG_RUNTIME_DIR of whoever made it, which this cannot be sure of), its
 * file gone from SYSTEMD_TRANSIENT, which must be there. Anything else:
 * 0, and Node's delete stops the unit over D-Bus. */
int systemd_dropped(const struct record *r)
{
	const char *unit = r->systemd_unit;
	struct stat st;
	if (!r->systemd_system || !unit[0] || unit[0] == '.' || strchr(unit, '/'))
		return 0;
	if (stat(SYSTEMD_TRANSIENT, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	char path[4200];
	if (snprintf(path, sizeof path, "%s/%s", SYSTEMD_TRANSIENT, unit) >= (int)sizeof path)
		return 0;
	for (long deadline = now_ms() + SYSTEMD_DROP_WAIT_MS;; sleep_us(1000)) {
		if (lstat(path, &st) < 0)
			return errno == ENOENT;
		/* Processes left in it: systemd keeps the unit; Node kills them. */
		if (now_ms() >= deadline || !cgroups_empty(r))
			return 0;
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

/* delete: as src/container/delete.ts, for a stopped container or, with
 * --force, a running one. */
void delete(const char *dir, const struct record *r)
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
