/*
 * Small helpers every family of ops uses: reading an op's numeric and list
 * arguments, /proc/self/fd paths, closing, writing a small file whole.
 *
 * Owns: nothing. May assume: a failure is reported with fail*() (protocol.c).
 */
#include "internal.h"

/* Strict decimal unsigned parse: the whole string, no sign, no overflow. */
int parse_u64(const char *s, unsigned long long *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return (errno || *end) ? -1 : 0;
}

unsigned long long num(const struct op *o, int i)
{
	unsigned long long v;
	if (parse_u64(ARG(o, i), &v) < 0)
		fail_text(LABEL(o), EINVAL, "bad number");
	return v;
}

/* "" means NULL for optional mount(2) arguments. */
const char *opt(const char *s)
{
	return *s ? s : NULL;
}

const char *fdpath(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

void xclose(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Builds a NULL-terminated vector from "count, then count fields" starting at
 * argument *i; *i moves past it. */
char **take_list(const struct op *o, int *i)
{
	unsigned long long c;
	if (*i >= NARGS(o) || parse_u64(ARG(o, *i), &c) < 0 ||
	    c > (unsigned long long)(NARGS(o) - *i - 1))
		fail_text(LABEL(o), EINVAL, "bad argument list");
	(*i)++;
	char **v = calloc(c + 1, sizeof *v);
	if (!v)
		fail(LABEL(o), ENOMEM);
	for (unsigned long long k = 0; k < c; k++)
		v[k] = ARG(o, *i + (int)k);
	*i += (int)c;
	return v;
}

/* The shape `exec` and `hook` share: a number (theirs to read), the
 * program's path, its argv list (empty: the path alone) and its env list. */
struct program take_program(const struct op *o)
{
	int i = 2;
	if (NARGS(o) < 4)
		fail_text(LABEL(o), EINVAL, "wrong number of arguments");
	struct program p = {.path = ARG(o, 1)};
	p.argv = take_list(o, &i);
	p.envp = take_list(o, &i);
	if (i != NARGS(o))
		fail_text(LABEL(o), EINVAL, "wrong number of arguments");
	if (!p.argv[0]) {
		free(p.argv);
		if (!(p.argv = calloc(2, sizeof *p.argv)))
			fail(LABEL(o), ENOMEM);
		p.argv[0] = (char *)p.path;
	}
	return p;
}

void write_file_or_fail(const char *label, const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		fail(label, errno);
	close(fd);
}

/* A signal as Go's os/exec names it for runc (`bad system call`): glibc's
 * strsignal with a small first letter, unless the word is an acronym. */
const char *go_signal(int sig, char *buf, size_t n)
{
	const char *name = strsignal(sig);
	snprintf(buf, n, "%s", name && *name ? name : "unknown signal");
	if (buf[0] && !(buf[1] >= 'A' && buf[1] <= 'Z') && buf[0] >= 'A' && buf[0] <= 'Z')
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

/* An errno as Go words it for runc (`no such file or directory`). */
const char *go_strerror(int err, char *buf, size_t n)
{
	snprintf(buf, n, "%s", strerror(err));
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}
