/*
 * The process's credentials: `user` (uid, gid, groups), `caps` (the
 * bounding, effective, permitted, inheritable and ambient sets),
 * `no-new-privs` and `keyring` (a session keyring of its own).
 *
 * Owns: nothing. May assume: `user` comes before `caps` (it keeps the
 * permitted set across the uid change; `caps` says what remains).
 */
#include "internal.h"
#include <grp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

void op_user(const struct op *o)
{
	uid_t uid = (uid_t)num(o, 0);
	gid_t gid = (gid_t)num(o, 1);
	const char *list = ARG(o, 2);
	size_t n = 0;
	gid_t *groups = calloc(ARGLEN(o, 2) / 2 + 1, sizeof *groups);
	if (!groups)
		fail(LABEL(o), ENOMEM);
	while (*list) {
		char *end;
		unsigned long long g;
		errno = 0;
		g = strtoull(list, &end, 10);
		if (errno || end == list || (*end && *end != ',') || g > UINT32_MAX)
			fail_text(LABEL(o), EINVAL, "bad group list");
		groups[n++] = (gid_t)g;
		list = *end ? end + 1 : end;
	}
	/* KEEPCAPS: keep the permitted set across the uid change; the `caps`
	 * op decides what remains. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		fail(LABEL(o), errno);
	/* setgroups is denied in a user namespace with setgroups=deny; that
	 * is harmless when no groups are wanted. */
	if (setgroups(n, groups) < 0 && !(errno == EPERM && n == 0))
		fail(LABEL(o), errno);
	if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		fail(LABEL(o), errno);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		fail(LABEL(o), errno);
	free(groups);
}

static int last_cap(void)
{
	char buf[16] = {0};
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t r = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (r > 0)
			return atoi(buf);
	}
	/* No /proc: probe the bounding set until the kernel says EINVAL. */
	int c = 0;
	while (prctl(PR_CAPBSET_READ, c + 1, 0, 0, 0) >= 0)
		c++;
	return c;
}

void op_caps(const struct op *o)
{
	int last = last_cap();
	uint64_t known = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
	/* Bits for caps this kernel does not have are ignored. */
	uint64_t bset = num(o, 0), eff = num(o, 1) & known, perm = num(o, 2) & known;
	uint64_t inh = num(o, 3) & known, amb = num(o, 4) & known;
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];

	/* `user` ran first and cleared the effective set; dropping from the
	 * bounding set needs CAP_SETPCAP effective, so raise effective to
	 * permitted (always allowed) for the moment. */
	if (syscall(SYS_capget, &h, d) < 0)
		fail(LABEL(o), errno);
	d[0].effective = d[0].permitted;
	d[1].effective = d[1].permitted;
	if (syscall(SYS_capset, &h, d) < 0)
		fail(LABEL(o), errno);

	for (int c = 0; c <= last; c++)
		if (!((bset >> c) & 1) && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			fail(LABEL(o), errno);

	d[0].effective = (uint32_t)eff;
	d[1].effective = (uint32_t)(eff >> 32);
	d[0].permitted = (uint32_t)perm;
	d[1].permitted = (uint32_t)(perm >> 32);
	d[0].inheritable = (uint32_t)inh;
	d[1].inheritable = (uint32_t)(inh >> 32);
	if (syscall(SYS_capset, &h, d) < 0)
		fail(LABEL(o), errno);

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		fail(LABEL(o), errno);
	for (int c = 0; c <= last && c < 64; c++)
		if (((amb >> c) & 1) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			fail(LABEL(o), errno);
}

void op_no_new_privs(const struct op *o)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(LABEL(o), errno);
}

/* `keyring name search`: join the session keyring of that name
 * (KEYCTL_JOIN_SESSION_KEYRING = 1): one of that name this process may
 * search (the container's, for an exec'd process), else a new one, so the
 * container does not share the caller's keys. search (not 0): permission
 * bits added to the keyring (KEYCTL_DESCRIBE = 6, KEYCTL_SETPERM = 5), so
 * that the container's exec'd processes find it by name, as runc's init
 * does: user search, or other search in a user namespace. Kernels or
 * seccomp policies without keyctl answer ENOSYS: nothing to share then. */
void op_keyring(const struct op *o)
{
	unsigned long long search = num(o, 1);
	long serial = syscall(SYS_keyctl, 1, ARG(o, 0), 0, 0, 0);
	if (serial < 0) {
		if (errno != ENOSYS)
			fail(LABEL(o), errno);
		return;
	}
	if (!search)
		return;
	/* "type;uid;gid;perm;description", perm in hex */
	char desc[512];
	long n = syscall(SYS_keyctl, 6, serial, desc, sizeof desc - 1, 0);
	if (n < 0)
		fail(LABEL(o), errno);
	desc[n < (long)sizeof desc ? n : (long)sizeof desc - 1] = 0;
	char *p = desc;
	for (int i = 0; i < 3 && p; i++)
		if ((p = strchr(p, ';')))
			p++;
	char *end;
	unsigned long perm = p ? strtoul(p, &end, 16) : 0;
	if (!p || *end != ';')
		fail_text(LABEL(o), EINVAL, "cannot read the keyring's permissions");
	if (syscall(SYS_keyctl, 5, serial, (unsigned long)(perm | search), 0, 0) < 0)
		fail(LABEL(o), errno);
}
