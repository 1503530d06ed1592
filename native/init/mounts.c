/*
 * Mounts inside the container's root: `mount`, `mount-host` (a host path,
 * before the root is set up), `mount-copyup` (podman's tmpcopyup),
 * `mount-tmpfs` (a tmpfs with the mode of the directory it covers),
 * `remount`, `propagate`, `setattr` (mount_setattr), `mask` (masked
 * paths) and `readonly` (read-only paths). Idmapped mounts are idmap.c's.
 *
 * Owns: nothing. May assume: container paths go through in_root (rootfs.c)
 * and the mount is made on the /proc/self/fd path of the fd resolved, never
 * on a path looked up again.
 */
#include "internal.h"
#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

/* Mount flags of the mount under fd that a bind remount must repeat: in a
 * user namespace the kernel locks ro/nosuid/nodev/noexec and the atime mode
 * of mounts inherited from the parent (a read-only fuse mount, say), and
 * refuses (EPERM) to clear them. runc 1.5 repeats the same set. */
static unsigned long current_flags(int fd)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (fstatvfs(fd, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	else if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	else
		f |= MS_STRICTATIME; /* neither flag shown: strictatime */
	return f;
}

#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME | MS_NODIRATIME)

/* flags with the current nosuid/nodev/noexec added and atime replaced. */
static unsigned long with_locked(unsigned long flags, int fd)
{
	return (flags & ~(unsigned long)ATIME_FLAGS) | current_flags(fd);
}

void op_mount_host(const struct op *o)
{
	if (mount(opt(ARG(o, 0)), ARG(o, 1), opt(ARG(o, 2)), num(o, 3), opt(ARG(o, 4))) < 0)
		fail(LABEL(o), errno);
}

void op_mount(const struct op *o)
{
	char p[32];
	const char *type = ARG(o, 2);
	/* proc and sysfs only on a real directory, never through a symlink
	 * that ends the destination (CVE-2019-19921: a rootfs whose /proc
	 * points elsewhere would get proc mounted there, and the masking of
	 * /proc paths would miss it). runc refuses these too. */
	if (!strcmp(type, "proc") || !strcmp(type, "sysfs")) {
		struct stat st;
		int last = in_root_or_fail(LABEL(o), ARG(o, 1), O_NOFOLLOW);
		if (fstat(last, &st) < 0)
			fail(LABEL(o), errno);
		close(last);
		if (!S_ISDIR(st.st_mode))
			fail_msg(LABEL(o), "filesystem \"%s\" must be mounted on ordinary directory", type);
	}
	int fd = in_root_or_fail(LABEL(o), ARG(o, 1), 0);
	/* A bind whose source host-source opened from the host's side mounts
	 * that fd (mountsrc.c). */
	char src[32];
	const char *source = opt(ARG(o, 0));
	if ((num(o, 3) & MS_BIND) && bind_source_fd >= 0)
		source = fdpath(bind_source_fd, src);
	if (mount(source, fdpath(fd, p), opt(ARG(o, 2)), num(o, 3), opt(ARG(o, 4))) < 0)
		fail(LABEL(o), errno);
	close(fd);
	if (num(o, 3) & MS_BIND)
		xclose(&bind_source_fd);
}

/* `mount-copyup`: a mount (a tmpfs, for podman's tmpcopyup) that starts
 * with a copy of what the directory under it held. An fd opened on the
 * directory before the mount keeps seeing the hidden contents. */
static int copy_tree(int src, int dst, int depth)
{
	if (depth > 64)
		return ELOOP;
	int again = dup(src);
	DIR *d = again < 0 ? NULL : fdopendir(again);
	if (!d)
		return errno;
	struct dirent *e;
	int err = 0;
	while (!err && (e = readdir(d))) {
		const char *n = e->d_name;
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		struct stat st;
		if (fstatat(src, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			err = errno;
			break;
		}
		mode_t perm = st.st_mode & 07777;
		if (S_ISDIR(st.st_mode)) {
			int in = -1, out = -1;
			if (mkdirat(dst, n, 0700) < 0 ||
			    (in = openat(src, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
			    (out = openat(dst, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				err = errno;
			else
				err = copy_tree(in, out, depth + 1);
			if (in >= 0)
				close(in);
			if (out >= 0)
				close(out);
		} else if (S_ISREG(st.st_mode)) {
			int in = openat(src, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			int out = in < 0 ? -1 : openat(dst, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			char buf[65536];
			ssize_t r;
			if (in < 0 || out < 0)
				err = errno;
			while (!err && (r = read(in, buf, sizeof buf)) != 0) {
				if (r < 0 || write(out, buf, (size_t)r) != r)
					err = errno ? errno : EIO;
			}
			if (in >= 0)
				close(in);
			if (out >= 0)
				close(out);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t len = readlinkat(src, n, target, sizeof target - 1);
			if (len < 0)
				err = errno;
			else {
				target[len] = 0;
				if (symlinkat(target, dst, n) < 0)
					err = errno;
			}
		} else if (mknodat(dst, n, st.st_mode, st.st_rdev) < 0 && errno != EPERM) {
			err = errno;
		}
		if (!err && fchownat(dst, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM && errno != EINVAL)
			err = errno;
		if (!err && !S_ISLNK(st.st_mode) && fchmodat(dst, n, perm, 0) < 0 && errno != ENOENT)
			err = errno;
	}
	closedir(d);
	return err;
}

void op_mount_copyup(const struct op *o)
{
	char p[32];
	int target = in_root_or_fail(LABEL(o), ARG(o, 1), 0);
	int orig = open(fdpath(target, p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (orig < 0)
		fail(LABEL(o), errno);
	if (mount(opt(ARG(o, 0)), fdpath(target, p), opt(ARG(o, 2)), num(o, 3), opt(ARG(o, 4))) < 0)
		fail(LABEL(o), errno);
	close(target);
	int top = in_root_or_fail(LABEL(o), ARG(o, 1), 0); /* now the new mount */
	int dst = open(fdpath(top, p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dst < 0)
		fail(LABEL(o), errno);
	struct stat st;
	if (fstat(orig, &st) == 0) {
		if (fchown(dst, st.st_uid, st.st_gid) < 0 && errno != EPERM && errno != EINVAL)
			fail(LABEL(o), errno);
		if (fchmod(dst, st.st_mode & 07777) < 0)
			fail(LABEL(o), errno);
	}
	int err = copy_tree(orig, dst, 0);
	if (err)
		fail_text(LABEL(o), err, "copying the directory's contents into the new mount");
	close(orig);
	close(dst);
	close(top);
}

/* `mount-tmpfs` (mount's arguments): a tmpfs on a directory that is there
 * already takes that directory's mode, as in runc (a mode= of the config's
 * comes after it and wins); on one made now, tmpfs's own default. */
void op_mount_tmpfs(const struct op *o)
{
	char p[32], *data = NULL;
	struct stat st;
	int fd = in_root(ARG(o, 1), 0);
	if (fd == -ENOENT)
		fd = mkdirs_fd(LABEL(o), ARG(o, 1), 0755);
	else if (fd < 0)
		fail(LABEL(o), -fd);
	else if (fstat(fd, &st) < 0 ||
		 asprintf(&data, "mode=%04o%s%s", (unsigned)(st.st_mode & 07777),
			  ARG(o, 4)[0] ? "," : "", ARG(o, 4)) < 0)
		fail(LABEL(o), errno);
	if (mount(opt(ARG(o, 0)), fdpath(fd, p), ARG(o, 2), num(o, 3), data ? data : opt(ARG(o, 4))) < 0)
		fail(LABEL(o), errno);
	free(data);
	close(fd);
}

/* `remount DEST FLAGS [CLEARED]`: CLEARED, the lockable flags the config
 * explicitly turned off (rw, suid, dev, exec). */
#define LOCKABLE (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
void op_remount(const struct op *o)
{
	char p[32];
	if (NARGS(o) != 2 && NARGS(o) != 3)
		fail_text(LABEL(o), EINVAL, "wrong number of arguments");
	int fd = in_root_or_fail(LABEL(o), ARG(o, 0), 0);
	unsigned long flags = MS_REMOUNT | num(o, 1);
	unsigned long cleared = NARGS(o) == 3 ? num(o, 2) : 0;
	/* As asked first (real root may clear flags); on EPERM, once more with
	 * the flags the kernel may have locked (user namespace), unless the
	 * config asked to clear one of them: that it cannot have. */
	if (mount(NULL, fdpath(fd, p), NULL, flags, NULL) < 0) {
		int err = errno;
		unsigned long again = with_locked(flags, fd);
		unsigned long stuck = current_flags(fd) & cleared & LOCKABLE;
		if (err == EPERM && stuck)
			fail_msg(LABEL(o), "cannot clear locked flags%s%s%s%s: %s",
				 stuck & MS_RDONLY ? " ro" : "", stuck & MS_NOSUID ? " nosuid" : "",
				 stuck & MS_NODEV ? " nodev" : "", stuck & MS_NOEXEC ? " noexec" : "",
				 strerror(err));
		/* An atime mode the config asked for must be the locked one: the
		 * kernel would silently keep noatime over relatime, or strictatime
		 * over either (runc 1.5 refuses it the same way). */
		unsigned long want = flags & ATIME_FLAGS, have = current_flags(fd) & ATIME_FLAGS;
		if (err == EPERM && want && want != have)
			fail_msg(LABEL(o), "cannot change locked atime flags%s%s%s%s: %s",
				 have & MS_NOATIME ? " noatime" : "", have & MS_RELATIME ? " relatime" : "",
				 have & MS_STRICTATIME ? " strictatime" : "", have & MS_NODIRATIME ? " nodiratime" : "",
				 strerror(err));
		if (err != EPERM || again == flags ||
		    mount(NULL, fdpath(fd, p), NULL, again, NULL) < 0)
			fail(LABEL(o), err == EPERM && again != flags ? errno : err);
	}
	close(fd);
}

void op_propagate(const struct op *o)
{
	char p[32];
	int fd = in_root_or_fail(LABEL(o), ARG(o, 0), 0);
	if (mount(NULL, fdpath(fd, p), NULL, num(o, 1), NULL) < 0)
		fail(LABEL(o), errno);
	close(fd);
}

void op_setattr(const struct op *o)
{
	struct mount_attr attr = {
		.attr_set = num(o, 1),
		.attr_clr = num(o, 2),
		.propagation = num(o, 3),
	};
	unsigned int flags = AT_EMPTY_PATH | (num(o, 4) ? AT_RECURSIVE : 0);
	int fd = in_root_or_fail(LABEL(o), ARG(o, 0), 0);
	if (syscall(SYS_mount_setattr, fd, "", flags, &attr, sizeof attr) < 0)
		fail(LABEL(o), errno);
	close(fd);
}

void op_mask(const struct op *o)
{
	char p[32], q[32];
	struct stat st;
	if (NARGS(o) != 1 && NARGS(o) != 2)
		fail_text(LABEL(o), EINVAL, "wrong number of arguments");
	int fd = in_root(ARG(o, 0), 0);
	if (fd == -ENOENT)
		return;
	if (fd < 0)
		fail(LABEL(o), -fd);
	if (fstat(fd, &st) < 0)
		fail(LABEL(o), errno);
	if (S_ISDIR(st.st_mode)) {
		/* The optional second argument is the tmpfs's data: the mount
		 * label as context= (docs/lsm.md). */
		if (mount("tmpfs", fdpath(fd, p), "tmpfs",
			  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NARGS(o) == 2 ? ARG(o, 1) : NULL) < 0)
			fail(LABEL(o), errno);
	} else {
		/* Bind the container's /dev/null, but only once we have checked
		 * that what we hold is really the null device: a planted symlink
		 * or file there must not become writable over a masked path
		 * (CVE-2025-31133). We mount the fd we checked, not a path. */
		struct stat ns;
		int null = in_root("/dev/null", 0);
		if (null < 0)
			fail_text(LABEL(o), -null, "cannot open /dev/null");
		if (fstat(null, &ns) < 0)
			fail(LABEL(o), errno);
		if (!S_ISCHR(ns.st_mode) || ns.st_rdev != makedev(1, 3))
			fail_text(LABEL(o), EPERM, "/dev/null is not the null device (char 1:3)");
		if (mount(fdpath(null, q), fdpath(fd, p), NULL, MS_BIND, NULL) < 0)
			fail(LABEL(o), errno);
		close(null);
	}
	close(fd);
}

void op_readonly(const struct op *o)
{
	char p[32];
	int fd = in_root(ARG(o, 0), 0);
	if (fd == -ENOENT)
		return;
	if (fd < 0)
		fail(LABEL(o), -fd);
	if (mount(fdpath(fd, p), fdpath(fd, p), NULL, MS_BIND | MS_REC, NULL) < 0)
		fail(LABEL(o), errno);
	close(fd);
	/* The old fd still names the mount underneath: reopen to get the new
	 * bind mount on top, and remount that one read-only, repeating its
	 * current flags so a locked one is never dropped. */
	fd = in_root_or_fail(LABEL(o), ARG(o, 0), 0);
	unsigned long flags = with_locked(MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC, fd);
	if (mount(NULL, fdpath(fd, p), NULL, flags, NULL) < 0)
		fail(LABEL(o), errno);
	close(fd);
}
