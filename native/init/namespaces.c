/*
 * Namespaces and what lives in them: `setns`, `unshare`, `become-root`
 * (root of a new user namespace), `write` (one write(2) of a /proc file:
 * timens_offsets, oom_score_adj), and the namespaced settings `hostname`,
 * `domainname`, `sysctl` and `loopback-up` (a new network namespace's lo).
 *
 * Owns: nothing. May assume: the runtime orders them: the user namespace
 * first and its mappings written (by the runtime, on `sync usermap`)
 * before anything needs them; `sysctl` before /proc/sys is made read-only.
 */
#include "internal.h"
#include <sched.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/magic.h>
#include <linux/openat2.h>

static int ns_flag(const char *type)
{
	static const struct {
		const char *name;
		int flag;
	} t[] = {
		{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},	   {"pid", CLONE_NEWPID},
		{"net", CLONE_NEWNET},	 {"ipc", CLONE_NEWIPC},	   {"uts", CLONE_NEWUTS},
		{"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(type, t[i].name))
			return t[i].flag;
	return 0;
}

void op_setns(const struct op *o)
{
	int flag = ns_flag(ARG(o, 1));
	if (!flag)
		fail_text(LABEL(o), EINVAL, "unknown namespace type");
	int fd = open(ARG(o, 0), O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, flag) < 0)
		fail(LABEL(o), errno);
	close(fd);
}

void op_unshare(const struct op *o)
{
	int flags = 0;
	char *save, *list = strdup(ARG(o, 0));
	if (!list)
		fail(LABEL(o), ENOMEM);
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int f = ns_flag(t);
		if (!f)
			fail_text(LABEL(o), EINVAL, "unknown namespace type");
		flags |= f;
	}
	free(list);
	if (unshare(flags) < 0)
		fail(LABEL(o), errno);
}

void op_become_root(const struct op *o)
{
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		fail(LABEL(o), errno);
}

void op_write(const struct op *o)
{
	/* One write(2): files like uid_map or timens_offsets need it whole. */
	int fd = open(ARG(o, 0), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail(LABEL(o), errno);
	ssize_t w = write(fd, ARG(o, 1), ARGLEN(o, 1));
	if (w < 0)
		fail(LABEL(o), errno);
	if ((size_t)w != ARGLEN(o, 1))
		fail_text(LABEL(o), EIO, "short write");
	close(fd);
}

void op_hostname(const struct op *o)
{
	if (sethostname(ARG(o, 0), ARGLEN(o, 0)) < 0)
		fail(LABEL(o), errno);
}

void op_domainname(const struct op *o)
{
	if (setdomainname(ARG(o, 0), ARGLEN(o, 0)) < 0)
		fail(LABEL(o), errno);
}

void op_sysctl(const struct op *o)
{
	/* "net.ipv4.ip_forward" -> net/ipv4/ip_forward; a key that already
	 * holds a '/' is taken as a path (as sysctl(8) does: eth0.1). */
	char *key = strdup(ARG(o, 0));
	if (!key)
		fail(LABEL(o), ENOMEM);
	if (!strchr(key, '/'))
		for (char *c = key; *c; c++)
			if (*c == '.')
				*c = '/';
	/* Only ever write into a real procfs, beneath /proc/sys, without
	 * crossing a mount or following any link: a bind mount or symlink
	 * planted there cannot redirect the write. */
	struct statfs sf;
	int dir = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || fstatfs(dir, &sf) < 0)
		fail(LABEL(o), errno);
	if (sf.f_type != PROC_SUPER_MAGIC)
		fail_text(LABEL(o), EXDEV, "/proc/sys is not procfs");
	struct open_how how = {
		.flags = O_WRONLY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, dir, key, &how, sizeof how);
	if (fd < 0)
		fail(LABEL(o), errno);
	ssize_t w = write(fd, ARG(o, 1), ARGLEN(o, 1));
	if (w < 0)
		fail(LABEL(o), errno);
	close(fd);
	close(dir);
	free(key);
}

/* `loopback-up`: the loopback interface of the network namespace the
 * process is in, set up (SIOCSIFFLAGS with IFF_UP), as runc and crun do for
 * a new one: a new network namespace starts with lo down. */
void op_loopback_up(const struct op *o)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail(LABEL(o), errno);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		fail(LABEL(o), errno);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		fail(LABEL(o), errno);
	close(fd);
}
