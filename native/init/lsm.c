/*
 * AppArmor and SELinux (docs/lsm.md): `apparmor-exec` (the profile the next
 * execve switches to), `selinux-label` (the SELinux exec or key-creation
 * context) and `file-label` (a file's SELinux label).
 *
 * The attributes are the task's own, in /proc/thread-self/attr (a task may
 * write only its own): through the /proc the init sees at that step. Each
 * value goes in ONE write(2): the kernel takes a write as the whole value,
 * and a second one (a shell's echo writes the newline apart) replaces it;
 * for SELinux a lone newline clears the context, silently.
 *
 * Owns: nothing. May assume: the runtime checked the host has the LSM and
 * the values are well formed (src/plan/lsm.ts); the exec steps come after
 * every hook and mount of create that must run unconfined, in stage 1 (the
 * process that execs), before `no-new-privs`, `user`, `caps` and seccomp;
 * `selinux-label keycreate` comes just before `keyring`.
 */
#include "internal.h"
#include <sys/xattr.h>

/* Writes value whole to the open attribute file, or fails the step naming
 * the file (the kernel's errno says why: ENOENT, an AppArmor profile not
 * loaded; EINVAL, a context the SELinux policy does not know, or no LSM
 * behind the file). */
static void write_attr(const char *label, const char *path, const char *value, size_t len)
{
	char text[512];
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(text, sizeof text, "open %s: %s", path, strerror(errno));
		fail_text(label, errno, text);
	}
	ssize_t n = write(fd, value, len);
	if (n != (ssize_t)len) {
		int err = n < 0 ? errno : EIO;
		snprintf(text, sizeof text, "write %s: %s", path, n < 0 ? strerror(err) : "short write");
		fail_text(label, err, text);
	}
	close(fd);
}

/* apparmor-exec PROFILE: "exec PROFILE", as libapparmor's aa_change_onexec
 * writes it, to AppArmor's own file (Linux 5.8+) or the shared one before
 * that. The kernel checks the profile now and switches at execve. */
void op_apparmor_exec(const struct op *o)
{
	const char *path = "/proc/thread-self/attr/apparmor/exec";
	if (access(path, F_OK) < 0 && errno == ENOENT)
		path = "/proc/thread-self/attr/exec";
	size_t len = strlen("exec ") + ARGLEN(o, 0);
	char *value = malloc(len + 1);
	if (!value)
		fail(LABEL(o), ENOMEM);
	snprintf(value, len + 1, "exec %s", ARG(o, 0));
	write_attr(LABEL(o), path, value, len);
	free(value);
}

/* selinux-label ATTR LABEL: the context to exec into (exec) or to create
 * keys with (keycreate, before the session keyring is joined). */
void op_selinux_label(const struct op *o)
{
	char path[64];
	const char *attr = ARG(o, 0);
	if (strcmp(attr, "exec") != 0 && strcmp(attr, "keycreate") != 0)
		fail_text(LABEL(o), EINVAL, "attribute must be exec or keycreate");
	snprintf(path, sizeof path, "/proc/thread-self/attr/%s", attr);
	write_attr(LABEL(o), path, ARG(o, 1), ARGLEN(o, 1));
}

/* file-label IN-ROOT-PATH LABEL: the SELinux label of a file the runtime
 * made (mqueue's root, which takes no context= option). */
void op_file_label(const struct op *o)
{
	char p[32];
	int fd = in_root_or_fail(LABEL(o), ARG(o, 0), 0);
	if (setxattr(fdpath(fd, p), "security.selinux", ARG(o, 1), ARGLEN(o, 1), 0) < 0)
		fail(LABEL(o), errno);
	close(fd);
}
