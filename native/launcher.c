/*
 * bin/runts: starts Node from the startup snapshot that suits the command.
 *
 * All of runts is the TypeScript program inside the snapshots; this program
 * only chooses Node's arguments, as a #! line would if it could choose
 * (docs/performance.md, "Two snapshots"):
 *   create, run, exec   build/runts.blob: every module loaded, the paths of
 *                       create and exec compiled by a warm-up;
 *   anything else       build/runts-light.blob: only what state, list,
 *                       kill, start, delete need. Each megabyte of snapshot
 *                       heap costs every start several milliseconds, so
 *                       the light commands do not carry the heavy ones'.
 * build/ is found beside the directory of this binary (symlinks resolved:
 * /proc/self/exe). NODE_OPTIONS is dropped: V8 flags in it would make Node
 * refuse the snapshot, and the caller's environment should not reach into
 * the runtime's own process. The path of node is fixed at build time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef RUNTS_NODE
#error "build with -DRUNTS_NODE='\"/path/to/node\"'"
#endif

extern char **environ;

static int one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

/* The command word: the first argument that is not a global option (runc's
 * global options; those that take a value take the next argument too). */
static const char *command_of(int argc, char **argv)
{
	static const char *const with_value[] = {"--root", "--log", "--log-format", "--rootless",
						 "--criu", NULL};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-')
			return a;
		if (!strcmp(a, "--"))
			return i + 1 < argc ? argv[i + 1] : NULL;
		if (!strchr(a, '=') && one_of(a, with_value))
			i++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *const heavy[] = {"create", "run", "exec", NULL};
	const char *cmd = command_of(argc, argv);
	const char *blob_name = cmd && one_of(cmd, heavy) ? "runts.blob" : "runts-light.blob";

	/* Where this binary is, symlinks resolved; without /proc, from argv[0]. */
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n >= 0) {
		self[n] = '\0';
	} else if (!strchr(argv[0], '/') || !realpath(argv[0], self)) {
		fprintf(stderr, "runts: cannot tell where bin/runts is (/proc/self/exe: %s)\n", strerror(errno));
		return 1;
	}
	/* <prefix>/bin/runts -> <prefix>/build/<blob> */
	char prefix[PATH_MAX];
	memcpy(prefix, self, strlen(self) + 1);
	for (int up = 0; up < 2; up++) {
		char *slash = strrchr(prefix, '/');
		if (!slash) {
			fprintf(stderr, "runts: cannot place %s\n", self);
			return 1;
		}
		*slash = '\0';
	}
	char blob_arg[PATH_MAX + 64];
	snprintf(blob_arg, sizeof blob_arg, "--snapshot-blob=%s/build/%s", prefix, blob_name);

	char **args = calloc((size_t)argc + 3, sizeof *args);
	size_t nenv = 0;
	while (environ[nenv])
		nenv++;
	char **env = calloc(nenv + 1, sizeof *env);
	if (!args || !env) {
		fprintf(stderr, "runts: out of memory\n");
		return 1;
	}
	args[0] = (char *)RUNTS_NODE;
	args[1] = blob_arg;
	args[2] = self; /* process.argv[1]: the snapshot finds build/ from it */
	for (int i = 1; i < argc; i++)
		args[i + 2] = argv[i];
	size_t k = 0;
	for (size_t i = 0; i < nenv; i++)
		if (strncmp(environ[i], "NODE_OPTIONS=", 13))
			env[k++] = environ[i];
	execve(RUNTS_NODE, args, env);
	fprintf(stderr, "runts: cannot start %s: %s\n", RUNTS_NODE, strerror(errno));
	return 1;
}
