/*
 * bin/runts: starts Node the way that suits the command.
 *
 * All of runts is the TypeScript program that Node runs; this program only
 * chooses Node's arguments, as a #! line would if it could choose
 * (docs/performance.md, "Two ways in"; scripts/bundle.mjs makes both
 * bundles, each compiled from V8's code cache of it):
 *   state, list, kill,   node build/light.js: only what these use; their
 *   start, delete        own work is small, and reading and compiling the
 *                        rest would cost them more than it;
 *   anything else        node build/full.js: the paths of create, run and
 *                        exec, compiled by a warm-up.
 * For create, run and exec it also starts bin/runts-init at once, with one
 * end of a socketpair, so that the init's start (its exec, its sealed copy
 * of itself) overlaps Node's and runts need not fork Node for it; runts
 * finds it in _RUNTS_EARLY_INIT=PID:FD (docs/init-protocol.md, "The early
 * init"). For start and delete it starts runts-init as the helper that
 * takes the container's lock (_RUNTS_EARLY_HELPER). Whatever fails here,
 * runts spawns one itself.
 * build/ is found beside the directory of this binary (symlinks resolved:
 * /proc/self/exe). start, delete and kill of most containers never reach Node:
 * direct.c runs them here, from a record create left for them, and so
 * does direct/exec.c for exec of the processes engines send.
 * Two variables of the caller's environment are dropped
 * (DROPPED_ENV): NODE_OPTIONS, whose V8 flags would make Node reject the code
 * caches, and whose --require would run the caller's code in runts; and
 * NODE_EXTRA_CA_CERTS, for which Node reads and parses every certificate
 * named before any script runs (40 ms for Debian's bundle on a host of this
 * kind), while runts makes no TLS connection. Nothing runts starts inherits
 * Node's environment (the init, hooks and containers get their own).
 * _RUNTS_EARLY_* from a caller are dropped too: only this program sets
 * them. The path of node is fixed at build time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "direct.h"

#ifndef RUNTS_NODE
#error "build with -DRUNTS_NODE='\"/path/to/node\"'"
#endif

extern char **environ;

static const char *const DROPPED_ENV[] = {"NODE_OPTIONS=", "NODE_EXTRA_CA_CERTS=", "_RUNTS_EARLY_", NULL};

/* Does this environment entry start with one of the prefixes? */
static int dropped(const char *entry)
{
	for (const char *const *p = DROPPED_ENV; *p; p++)
		if (!strncmp(entry, *p, strlen(*p)))
			return 1;
	return 0;
}

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

/* Is `word` among the arguments? (--dry-run: no init needed.) */
static int has_arg(int argc, char **argv, const char *word)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], word))
			return 1;
	return 0;
}

/* Forks and execs <prefix>/bin/runts-init with one end of a socketpair,
 * as an init or (helper) as the helper that takes the container's lock;
 * returns "_RUNTS_EARLY_INIT=PID:FD" (or _RUNTS_EARLY_HELPER) for Node,
 * whose end FD is, or NULL. */
static char *start_early_init(const char *prefix, int helper)
{
	static char var[64];
	char init[PATH_MAX + 32];
	snprintf(init, sizeof init, "%s/bin/runts-init", prefix);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return NULL;
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	if (pid == 0) {
		char sync[32];
		snprintf(sync, sizeof sync, "_RUNTS_SYNC=%d", sv[1]);
		char *env[] = {sync, "_RUNTS_EARLY=1", NULL};
		char *args[] = {"runts-init", helper ? "--early-helper" : NULL, NULL};
		if (fcntl(sv[1], F_SETFD, 0) == 0) /* sv[0] closes at the exec */
			execve(init, args, env);
		_exit(127);
	}
	close(sv[1]);
	/* Under Yama's ptrace_scope 1 a child may not take its parent's fds
	 * (pidfd_getfd) unless the parent names it; the setting outlives the
	 * exec. Without Yama: EINVAL, and nothing needed. */
	prctl(PR_SET_PTRACER, (unsigned long)pid, 0, 0, 0);
	if (fcntl(sv[0], F_SETFD, 0) < 0) { /* Node keeps its end */
		close(sv[0]);
		return NULL; /* the init sees EOF and ends */
	}
	snprintf(var, sizeof var, "%s=%d:%d", helper ? "_RUNTS_EARLY_HELPER" : "_RUNTS_EARLY_INIT", (int)pid, sv[0]);
	return var;
}

int main(int argc, char **argv)
{
	static const char *const light[] = {"state", "list", "ls", "kill", "start", "delete", NULL};
	const char *cmd = command_of(argc, argv);
	int is_light = cmd && one_of(cmd, light);
	static const char *const direct[] = {"start", "delete", "kill", "state", "list", "ls", NULL};
	if (cmd && one_of(cmd, direct))
		direct_command(argc, argv); /* returns when Node must do it */
	if (cmd && !strcmp(cmd, "exec"))
		direct_exec(argc, argv); /* the same */

	/* Where this binary is, symlinks resolved; without /proc, from argv[0]. */
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n >= 0) {
		self[n] = '\0';
	} else if (!strchr(argv[0], '/') || !realpath(argv[0], self)) {
		fprintf(stderr, "runts: cannot tell where bin/runts is (/proc/self/exe: %s)\n", strerror(errno));
		return 1;
	}
	/* <prefix>/bin/runts -> <prefix>/build/... */
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
	char entry[PATH_MAX + 64];
	snprintf(entry, sizeof entry, "%s/build/%s.js", prefix, is_light ? "light" : "full");

	char **args = calloc((size_t)argc + 2, sizeof *args);
	size_t nenv = 0;
	while (environ[nenv])
		nenv++;
	char **env = calloc(nenv + 2, sizeof *env);
	if (!args || !env) {
		fprintf(stderr, "runts: out of memory\n");
		return 1;
	}
	int k = 0;
	args[k++] = (char *)RUNTS_NODE;
	args[k++] = entry;
	for (int i = 1; i < argc; i++)
		args[k++] = argv[i];
	size_t e = 0;
	for (size_t i = 0; i < nenv; i++)
		if (!dropped(environ[i]))
			env[e++] = environ[i];
	static const char *const early[] = {"create", "run", "exec", NULL};
	static const char *const locking[] = {"start", "delete", NULL};
	char *early_var = NULL;
	if (cmd && one_of(cmd, early) && !has_arg(argc, argv, "--dry-run"))
		early_var = start_early_init(prefix, 0);
	else if (cmd && one_of(cmd, locking))
		early_var = start_early_init(prefix, 1);
	if (early_var)
		env[e++] = early_var;
	execve(RUNTS_NODE, args, env);
	fprintf(stderr, "runts: cannot start %s: %s\n", RUNTS_NODE, strerror(errno));
	return 1;
}
