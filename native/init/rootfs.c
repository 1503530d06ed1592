/*
 * The container's root: the directory set by `root`, how every container
 * path is resolved inside it (openat2 RESOLVE_IN_ROOT: a symlink or ".."
 * cannot leave it), the directories and files made inside it (`mkdirs`,
 * `mkfile`), and the switch to it (`pivot-root`, `chroot`), then `chdir`.
 *
 * Owns: root_fd, closed at the switch so that no fd on a host directory
 * outlives it (CVE-2024-21626). May assume: ops on container paths come
 * after `root` and before the switch, or after it with "/" as the root.
 */
#include "internal.h"
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>

static int root_fd = -1;    /* O_PATH dir set by `root`; closed at pivot/chroot */

/* Opens path (O_PATH | extra) inside the root: the `root` dir before pivot,
 * "/" after it. Symlinks and ".." cannot leave the root, /proc magic links
 * are refused. Returns the fd or -errno. */
int in_root(const char *path, int extra)
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

int in_root_or_fail(const char *label, const char *path, int extra)
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
int mkdirs_fd(const char *label, const char *path, mode_t mode)
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
int parent_fd(const char *label, const char *path, char **base)
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

void op_root(const struct op *o)
{
	xclose(&root_fd);
	root_fd = open(ARG(o, 0), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		fail(LABEL(o), errno);
}

void op_mkdirs(const struct op *o)
{
	int fd = mkdirs_fd(LABEL(o), ARG(o, 0), (mode_t)num(o, 1));
	close(fd);
}

void op_mkfile(const struct op *o)
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

static void need_root(const struct op *o)
{
	if (root_fd < 0)
		fail_text(LABEL(o), EINVAL, "no root set");
}

void op_pivot_root(const struct op *o)
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

void op_chroot(const struct op *o)
{
	need_root(o);
	if (fchdir(root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		fail(LABEL(o), errno);
	xclose(&root_fd);
}

/* `chdir-early path`: the working directory while still root, before
 * `user`, as runc does: a cwd only root may enter still works. Denied
 * (EACCES, EPERM): `chdir` tries again as the user; anything else fails. */
static const char *early_cwd;
void op_chdir_early(const struct op *o)
{
	char buf[PATH_MAX];
	if (chdir(ARG(o, 0)) < 0) {
		if (errno == EACCES || errno == EPERM)
			return;
		fail_text(LABEL(o), errno, strerror(errno));
	}
	if (!getcwd(buf, sizeof buf))
		fail_text(LABEL(o), errno, "working directory is outside the root");
	early_cwd = ARG(o, 0);
}

void op_chdir(const struct op *o)
{
	char buf[PATH_MAX];
	if (early_cwd && !strcmp(early_cwd, ARG(o, 0)))
		return; /* there already, from `chdir-early` */
	if (chdir(ARG(o, 0)) < 0)
		fail(LABEL(o), errno);
	/* Defence in depth: the cwd must be reachable from our root; getcwd
	 * fails with ENOENT for a directory outside it. */
	if (!getcwd(buf, sizeof buf))
		fail_text(LABEL(o), errno, "working directory is outside the root");
}
