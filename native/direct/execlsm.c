/*
 * Whether exec's AppArmor profile and SELinux label can be applied on this
 * host now, as src/plan/lsm.ts's checkLsm decides it from
 * src/plan/facts.ts's lsmFacts: AppArmor enabled and the profile loaded
 * (or one the kernel resolves itself); SELinux enabled. Where Node would
 * refuse, or might read the host otherwise, 0: Node runs the exec and says
 * why. The attributes themselves are written by runts-init
 * (native/init/lsm.c), from the plan's `apparmor-exec` and `selinux-label`
 * steps, as for Node's plan.
 *
 * Owns: nothing. May assume: the labels' forms were checked (with_labels).
 */
#include "internal.h"
#include <sys/stat.h>
#include <sys/vfs.h>

#define SELINUX_MAGIC 0xf97cff8c

/* The first bytes of a small file, NUL-ended; -1 if it cannot be read. */
static ssize_t head(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n;
	while ((n = read(fd, buf, cap - 1)) < 0 && errno == EINTR)
		;
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static int apparmor_enabled(void)
{
	char y[8];
	return access("/sys/kernel/security/apparmor", F_OK) == 0 &&
	       head("/sys/module/apparmor/parameters/enabled", y, sizeof y) > 0 && y[0] == 'Y';
}

/* Is profile among the loaded ones (lines "name (mode)")? 1 also where the
 * list cannot be read (Node then does not check either); -1 where it is
 * too long for us to read whole. */
static int apparmor_loaded(const char *profile)
{
	int fd = open("/sys/kernel/security/apparmor/profiles", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	size_t cap = 1 << 22, len = 0;
	char *text = malloc(cap + 1);
	ssize_t n = 0;
	while (text && len < cap && ((n = read(fd, text + len, cap - len)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			len += (size_t)n;
	close(fd);
	if (!text || n < 0) {
		free(text);
		return text ? 1 : -1;
	}
	if (len == cap) {
		free(text);
		return -1;
	}
	text[len] = '\0';
	size_t plen = strlen(profile);
	int found = 0;
	for (char *line = text; !found && *line;) {
		char *end = strchr(line, '\n');
		size_t ll = end ? (size_t)(end - line) : strlen(line);
		/* the name: the line less its last " (mode)" */
		found = ll >= plen + 3 && !strncmp(line, profile, plen) && line[plen] == ' ' && line[plen + 1] == '(' &&
			line[ll - 1] == ')' && memchr(line + plen + 2, '(', ll - plen - 2) == NULL &&
			memchr(line + plen + 2, ')', ll - plen - 3) == NULL;
		line = end ? end + 1 : line + ll;
	}
	free(text);
	return found;
}

static int selinux_enabled(void)
{
	struct statfs fs;
	char cur[256];
	if (statfs("/sys/fs/selinux", &fs) < 0 || (unsigned long)fs.f_type != SELINUX_MAGIC ||
	    access("/sys/fs/selinux/enforce", F_OK) < 0)
		return 0;
	ssize_t n = head("/proc/self/attr/current", cur, sizeof cur);
	if (n < 0)
		return 1;
	while (n > 0 && (cur[n - 1] == '\0' || cur[n - 1] == '\n'))
		cur[--n] = '\0';
	return strcmp(cur, "kernel") != 0;
}

int labels_applicable(const struct process *p)
{
	if (p->apparmor) {
		const char *a = p->apparmor;
		/* unconfined, stacks and other namespaces' profiles: the kernel's */
		int kernel = !strcmp(a, "unconfined") || strstr(a, "//") || a[0] == ':';
		if (!apparmor_enabled() || (!kernel && apparmor_loaded(a) != 1))
			return 0;
	}
	return !p->selinux || selinux_enabled();
}
