/*
 * The container's root: the directory set by `root`, how every container
 * path is resolved inside it (openat2 RESOLVE_IN_ROOT: a symlink or ".."
 * cannot leave it), the directories and files made inside it (`mkdirs`,
 * `mkfile`, `mkpoint`), and the switch to it (`pivot-root`, `chroot`,
 * `move-root`), then `chdir`.
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
static const char *root_path; /* its host path (move-root leaves the mounts under it) */

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

/* Returns an O_PATH fd on the in-root path, creating what is missing: each
 * missing directory with mode, and with as_file the last component as an
 * empty file (mode too). Symlinks are followed by hand, inside the root, as
 * runc's MkdirAllInRoot does: a destination through a dangling symlink, or
 * ending in one, is made where the link points, in the root. cur holds the
 * path resolved so far, real directories only (so ".." is lexical on it and
 * stops at the root); each new entry is made with mkdirat()/openat() on the
 * fd of its resolved parent, which never follow a symlink, so nothing is
 * created outside the root. */
#define MAX_LINKS 40
int walk_create(const char *label, const char *path, int as_file, mode_t mode)
{
	char cur[PATH_MAX] = "", rest[PATH_MAX], tmp[PATH_MAX], next[PATH_MAX];
	int links = 0;
	if (snprintf(rest, sizeof rest, "%s", path) >= (int)sizeof rest)
		fail(label, ENAMETOOLONG);
	const char *s = rest;
	for (;;) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		size_t n = strcspn(s, "/");
		char comp[NAME_MAX + 1];
		if (n > NAME_MAX)
			fail(label, ENAMETOOLONG);
		memcpy(comp, s, n);
		comp[n] = '\0';
		s += n;
		const char *q = s;
		while (*q == '/')
			q++;
		int last = !*q;
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			char *sl = strrchr(cur, '/');
			*(sl ? sl : cur) = '\0';
			continue;
		}
		if (snprintf(next, sizeof next, "%s/%s", cur, comp) >= (int)sizeof next)
			fail(label, ENAMETOOLONG);
		int fd = in_root(next, O_NOFOLLOW);
		if (fd >= 0) {
			struct stat st;
			if (fstat(fd, &st) < 0)
				fail(label, errno);
			if (S_ISLNK(st.st_mode)) {
				/* A /proc magic link (fd/N, cwd, root...) is refused
				 * as openat2's RESOLVE_NO_MAGICLINKS refuses it: its
				 * "target" is no path in the root. */
				int via = in_root(next, 0);
				if (via == -ELOOP)
					fail(label, ELOOP);
				if (via >= 0)
					close(via);
				char target[PATH_MAX];
				ssize_t len = readlinkat(fd, "", target, sizeof target - 1);
				if (len < 0)
					fail(label, errno);
				target[len] = '\0';
				if (++links > MAX_LINKS)
					fail(label, ELOOP);
				if (snprintf(tmp, sizeof tmp, "%s/%s", target, s) >= (int)sizeof tmp)
					fail(label, ENAMETOOLONG);
				memcpy(rest, tmp, sizeof rest);
				s = rest;
				if (target[0] == '/')
					cur[0] = '\0';
			} else {
				memcpy(cur, next, sizeof cur);
			}
			close(fd);
			continue;
		}
		if (fd != -ENOENT)
			fail(label, -fd);
		int dir = in_root_or_fail(label, cur[0] ? cur : "/", O_DIRECTORY);
		if (last && as_file) {
			/* O_EXCL|O_NOFOLLOW: never write through whatever is there. */
			int f = openat(dir, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
			if (f < 0 && errno != EEXIST)
				fail(label, errno);
			if (f >= 0)
				close(f);
		} else if (mkdirat(dir, comp, as_file ? 0755 : mode) < 0 && errno != EEXIST) {
			fail(label, errno);
		}
		close(dir);
		memcpy(cur, next, sizeof cur);
	}
	return in_root_or_fail(label, cur[0] ? cur : "/", as_file ? 0 : O_DIRECTORY);
}

int mkdirs_fd(const char *label, const char *path, mode_t mode)
{
	return walk_create(label, path, 0, mode);
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
	/* Canonical, as /proc/self/mountinfo shows the mounts under it. */
	if (!(root_path = realpath(ARG(o, 0), NULL)))
		root_path = ARG(o, 0);
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
	close(walk_create(LABEL(o), ARG(o, 0), 1, (mode_t)num(o, 1)));
}

/* `mkpoint SOURCE DEST`: the mount point of a bind, made like its host
 * source: an empty file for anything not a directory, else a directory.
 * The source is looked at now, in mount order, so that one an earlier
 * mount made (under a tmpfs, inside the rootfs) is found, as in runc. */
void op_mkpoint(const struct op *o)
{
	struct stat st;
	char label[PATH_MAX + 32];
	/* A source opened from the host's side (host-source) is looked at
	 * through its fd: the path may be out of this process's reach. */
	if ((bind_source_fd >= 0 ? fstat(bind_source_fd, &st) : stat(ARG(o, 0), &st)) < 0)
		fail(LABEL(o), errno); /* the label names the source's pointer */
	snprintf(label, sizeof label, "create mount point %s", ARG(o, 1));
	close(walk_create(label, ARG(o, 1), !S_ISDIR(st.st_mode), S_ISDIR(st.st_mode) ? 0755 : 0644));
}

static void need_root(const struct op *o)
{
	if (root_fd < 0)
		fail_text(LABEL(o), EINVAL, "no root set");
}

void op_pivot_root(const struct op *o)
{
	need_root(o);
	close_source_helper(); /* no bind comes after the root switch */
	/* The old root, held to be made a slave after the pivot: mount(2) on
	 * "." would reach the new root under it (umount2 reaches the top one),
	 * and make the container's own shared mounts slaves, i.e. private. */
	int old_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (old_root < 0 || fchdir(root_fd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		fail(LABEL(o), errno);
	/* The old root is now stacked on "/". Make it a slave so the detach does
	 * not propagate back to the host, then drop it. Through its fd when the
	 * container has its /proc; without one, "." (the whole tree). */
	char p[32];
	if (mount(NULL, fdpath(old_root, p), NULL, MS_SLAVE | MS_REC, NULL) < 0 &&
	    (errno != ENOENT || mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0))
		fail(LABEL(o), errno);
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		fail(LABEL(o), errno);
	/* No fd on a host directory may outlive this (CVE-2024-21626). */
	xclose(&old_root);
	xclose(&root_fd);
}

void op_chroot(const struct op *o)
{
	need_root(o);
	close_source_helper(); /* no bind comes after the root switch */
	if (fchdir(root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		fail(LABEL(o), errno);
	xclose(&root_fd);
}

/* `move-root` (--no-pivot): runc's way without pivot_root. The rootfs
 * mount is moved over "/" and then chrooted into, so that the process's
 * root is the top of the namespace's root and the kernel lets it make a
 * user namespace (a plain chroot is refused one: EPERM). First, the host's
 * whole proc and sysfs mounts outside the rootfs are detached (or, where
 * that is refused, covered with a tmpfs), as runc does: reachable, they
 * would let the container mount a fresh proc or sysfs of its own. */
static void unescape_mountinfo(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static void hide_host_pseudofs(const char *label)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		fail(label, errno);
	char *line = NULL, **points = NULL;
	size_t cap = 0, n = 0, rl = strlen(root_path);
	while (getline(&line, &cap, f) > 0) {
		/* id parent dev root mountpoint opts [optional...] - fstype source super */
		char *fields[5], *save = NULL, *tok = strtok_r(line, " ", &save);
		int k = 0;
		for (; tok && k < 5; tok = strtok_r(NULL, " ", &save))
			fields[k++] = tok;
		while (tok && strcmp(tok, "-"))
			tok = strtok_r(NULL, " ", &save);
		char *fstype = tok ? strtok_r(NULL, " ", &save) : NULL;
		if (k < 5 || !fstype || strcmp(fields[3], "/") ||
		    (strcmp(fstype, "proc") && strcmp(fstype, "sysfs")))
			continue;
		unescape_mountinfo(fields[4]);
		if (!strncmp(fields[4], root_path, rl) && (fields[4][rl] == '/' || !fields[4][rl]))
			continue;
		char **more = realloc(points, (n + 1) * sizeof *points);
		if (!more || !(more[n] = strdup(fields[4])))
			fail(label, ENOMEM);
		points = more;
		n++;
	}
	free(line);
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		if (mount(NULL, points[i], NULL, MS_SLAVE | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue; /* under one detached already */
			fail_text(label, errno, points[i]);
		}
		if (umount2(points[i], MNT_DETACH) < 0) {
			if ((errno != EINVAL && errno != EPERM) ||
			    mount("tmpfs", points[i], "tmpfs", 0, NULL) < 0)
				fail_text(label, errno, points[i]);
		}
		free(points[i]);
	}
	free(points);
}

void op_move_root(const struct op *o)
{
	need_root(o);
	close_source_helper(); /* no bind comes after the root switch */
	hide_host_pseudofs(LABEL(o));
	if (fchdir(root_fd) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 ||
	    chroot(".") < 0 || chdir("/") < 0)
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
