/*
 * Idmapped mounts: `idmap-userns` makes, in stage 0, a user namespace with
 * a mount's mappings and keeps an fd on it; `host-source` (mountsrc.c)
 * clones the source tree and marks the clone idmapped with that namespace,
 * from the host's side; `idmap-mount` moves it onto its target in the
 * container's root.
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
 * and keeps an fd to it, for `host-source` to mark a clone of the source
 * idmapped with (mount_setattr MOUNT_ATTR_IDMAP). */
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

/* An `idmap-userns` namespace by index, or -1. */
int idmap_userns_fd(uint32_t index)
{
	return index < (uint32_t)n_idmaps ? idmap_fds[index] : -1;
}

/* `idmap-mount target`: moves the idmapped tree that `host-source` made
 * (mountsrc.c) onto the target. */
void op_idmap_mount(const struct op *o)
{
	if (bind_source_fd < 0)
		fail_text(LABEL(o), EINVAL, "no idmapped tree from host-source");
	int target = in_root_or_fail(LABEL(o), ARG(o, 0), 0);
	if (syscall(SYS_move_mount, bind_source_fd, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		fail(LABEL(o), errno);
	close(target);
	xclose(&bind_source_fd);
}
