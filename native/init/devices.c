/*
 * The container's /dev: device nodes made (`mknod`) or bound from the host
 * (`bind-dev`, where mknod is denied: a user namespace), and the symlinks
 * made beside them (`symlink`: /dev/fd, /dev/stdin, ...).
 *
 * Owns: nothing. May assume: paths resolve in the root (rootfs.c). What is
 * there already: `mknod` and `symlink` keep it only if it is of the same
 * kind; `bind-dev` binds over it.
 */
#include "internal.h"
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

void op_mknod(const struct op *o)
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

void op_bind_dev(const struct op *o)
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

void op_symlink(const struct op *o)
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
