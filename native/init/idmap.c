/*
 * Idmapped mounts: `idmap-userns` makes, in stage 0, a user namespace with
 * a mount's mappings and keeps an fd on it; `idmap-mount` clones a source
 * tree, marks the clone idmapped with that namespace and moves it onto its
 * target in the container's root.
 *
 * Owns: the user namespace fds, by index. May assume: `idmap-userns` runs
 * while still in the runtime's user namespace (before `unshare` of user).
 */
#include "internal.h"
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sched.h>

/* Idmapped mounts: `idmap-userns uid_map gid_map` (stage 0, still in the
 * runtime's user namespace) makes a user namespace with the mount's
 * mappings, by a child that unshares and waits while its maps are written,
 * and keeps an fd to it; `idmap-mount source target recursive index` clones
 * the source (open_tree), marks the clone idmapped with that namespace
 * (mount_setattr MOUNT_ATTR_IDMAP) and moves it onto the target. */
#define MAX_IDMAPS 64
static int idmap_fds[MAX_IDMAPS];
static int n_idmaps;

void op_idmap_userns(const struct op *o)
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

void op_idmap_mount(const struct op *o)
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
