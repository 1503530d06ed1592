/*
 * The container's cgroups, before the plan comes and at `fork`:
 * `mkcgroup` (the directories made while runts compiles the plan), joining
 * each hierarchy (v1 by thread; cgroup2 by cloning the container's process
 * straight into it, clone3 CLONE_INTO_CGROUP), and the slow cgroup2 join.
 *
 * Owns: cgroup2_fd and its path. May assume: called from main() before the
 * plan, and fork_into_cgroup from `fork` (protocol.c).
 */
#include "internal.h"
#include <signal.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/magic.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL /* Linux >= 5.7 */
#endif

/* clone3's argument, as far as CLONE_INTO_CGROUP (CLONE_ARGS_SIZE_VER2). Our
 * own name: <linux/sched.h> clashes with glibc's <sched.h>. */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

int cgroup2_fd = -1; /* the container's cgroup2 dir: `fork` clones into it */
const char *cgroup2_dir; /* its path, for messages */

static _Noreturn void fail_cgroup2(int err)
{
	char label[PATH_MAX + 32];
	snprintf(label, sizeof label, "join cgroup %s", cgroup2_dir);
	fail(label, err);
}

/* The pending cgroup2 join, the slow way: `cgroup2-now`, or a kernel without
 * clone3 (see fork_into_cgroup). */
void join_cgroup2_now(void)
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
pid_t fork_into_cgroup(void)
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

/* Joins one of the container's cgroups, before the plan comes. On a v1
 * hierarchy: "0" into `tasks` moves just this thread (we have one), and the
 * kernel then skips its global threadgroup lock, whose first taking waits
 * for an RCU grace period (about 10 ms); `cgroup.procs` would take it. A
 * cgroup2 directory cannot be joined by thread: we keep it open and the
 * `fork` op clones the container's process straight into it. */
void join_cgroup(const char *dir)
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

/* `mkcgroup ROOT DIR CPUSET` (docs/init-protocol.md): the container's cgroup
 * directory in one hierarchy, with the parents it lacks below ROOT, made
 * here while runts compiles the plan, as src/cgroups/dirs.ts would make it
 * (createCgroup): a directory there already is not ours; in a v1 cpuset
 * hierarchy, every empty cpus or mems from the root down is filled from its
 * parent (fill_cpuset_chain).
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

/* v1 cpuset: a directory with empty cpus or mems takes no task (ENOSPC).
 * As runc does, every directory from the hierarchy's root down to dir that
 * is empty gets its parent's, parents first: the ones made now, and the
 * ones there already (a parent made by hand, or by an engine, and left
 * empty). A set already there is never changed. */
static int fill_cpuset_chain(const char *dir, const char *root)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	char parent[PATH_MAX], have[4096], value[4096];
	size_t rl = strlen(root);
	if (strlen(dir) <= rl)
		return 0;
	snprintf(parent, sizeof parent, "%s", dir);
	*strrchr(parent, '/') = '\0';
	if (strlen(parent) > rl && fill_cpuset_chain(parent, root) < 0)
		return -1;
	for (int k = 0; k < 2; k++) {
		if (read_trimmed(dir, files[k], have, sizeof have) < 0)
			return -1;
		if (have[0])
			continue;
		if (read_trimmed(parent, files[k], value, sizeof value) < 0)
			return -1;
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

static int make_below(const char *dir, const char *root)
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
		if (make_below(parent, root) < 0)
			return -1;
	}
	if (nmade >= MAX_MADE || !(made[nmade] = strdup(dir))) {
		rmdir(dir);
		errno = ENOMEM;
		return -1;
	}
	nmade++;
	send_line("made %s", dir);
	return 0;
}

void make_cgroups(const struct startup *st)
{
	for (int i = 0; i < st->nmk; i++) {
		/* A concurrent delete may remove an empty parent (/runts) between
		 * our mkdirs: then make it again. */
		int r = -1;
		for (int attempt = 0; attempt < 6; attempt++) {
			vanished = 0;
			if ((r = make_below(st->mk_dir[i], st->mk_root[i])) == 0 || !vanished)
				break;
		}
		if (r == 0 && st->mk_cpuset[i])
			r = fill_cpuset_chain(st->mk_dir[i], st->mk_root[i]);
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
