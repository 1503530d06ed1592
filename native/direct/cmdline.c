/*
 * The command line, as src/main.ts and the commands' own parsers take it:
 * the global options this code takes (--root, --log, --log-format,
 * --systemd-cgroup), the command word, its options and its positionals,
 * and --root's default. Anything else: 0, and Node runs the command.
 *
 * Owns: nothing. May assume: nothing has been done yet.
 */
#include "internal.h"

/* runc's container ID rule, as src/spec/semantic.ts checks it. */
int valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 1024 || !strcmp(id, "."))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || !strchr("_.+-", c)))
			return 0;
	}
	return 1;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]: the value, or NULL. */
static const char *value_of(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] || *i + 1 >= argc || argv[*i + 1][0] == '-')
		return NULL;
	return argv[++*i];
}

/* One global option at argv[*i] (src/main.ts's, before or after the
 * command word, as the fast parser takes them): 1 taken, 0 not one this
 * file takes. --debug and the rest are left to Node. */
static int global_option(int argc, char **argv, int *i, struct command *c, int seen[3])
{
	const char *v;
	if ((v = value_of(argc, argv, i, "--root"))) {
		if (seen[0]++ || !*v)
			return 0;
		c->root = v;
	} else if ((v = value_of(argc, argv, i, "--log"))) {
		if (seen[1]++)
			return 0;
		c->log = *v ? v : NULL;
		/* A log it cannot open is Node's error to report (src/log.ts). */
		if (c->log) {
			int fd = open(c->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
			if (fd < 0)
				return 0;
			close(fd);
		}
	} else if ((v = value_of(argc, argv, i, "--log-format"))) {
		if (seen[2]++ || (strcmp(v, "text") && strcmp(v, "json")))
			return 0;
		c->json = !strcmp(v, "json");
	} else if (!strcmp(argv[*i], "--systemd-cgroup") || !strcmp(argv[*i], "--systemd-cgroup=true") ||
		   !strcmp(argv[*i], "--systemd-cgroup=false")) {
		/* only create uses it */
	} else {
		return 0;
	}
	return 1;
}

/* --root's default, as src/rootless.ts's defaultRoot under --rootless
 * auto: /run/runts, or $XDG_RUNTIME_DIR/runts for a caller that is not root
 * over the host (not root, or root of a user namespace, unless USER says
 * root). NULL where Node says why there is none. */
static const char *default_root(void)
{
	static char buf[4096];
	uid_t euid = geteuid();
	int initial = 1;
	char map[256] = "";
	int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, map, sizeof map - 1);
		close(fd);
		if (n > 0) {
			map[n] = '\0';
			unsigned long a, b, len;
			char extra;
			initial = sscanf(map, " %lu %lu %lu %c", &a, &b, &len, &extra) == 3 && a == 0 && b == 0 &&
				  len == 4294967295UL;
		}
	}
	if (euid == 0 && initial)
		return "/run/runts";
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *user = getenv("USER");
	if (xdg && *xdg && (euid != 0 || !user || strcmp(user, "root"))) {
		if (snprintf(buf, sizeof buf, "%s/runts", xdg) >= (int)sizeof buf)
			return NULL;
		return buf;
	}
	return euid != 0 ? NULL : "/run/runts";
}

int parse(int argc, char **argv, struct command *c)
{
	int seen[3] = {0, 0, 0}, forced = 0, all = 0, i = 1;
	c->root = NULL;
	for (; i < argc && argv[i][0] == '-'; i++)
		if (!global_option(argc, argv, &i, c, seen))
			return 0;
	if (i >= argc)
		return 0;
	if (!strcmp(argv[i], "start"))
		c->verb = START;
	else if (!strcmp(argv[i], "delete"))
		c->verb = DELETE;
	else if (!strcmp(argv[i], "kill"))
		c->verb = KILL;
	else if (!strcmp(argv[i], "state"))
		c->verb = STATE;
	else if (!strcmp(argv[i], "list") || !strcmp(argv[i], "ls"))
		c->verb = LIST;
	else
		return 0;
	int quiet = 0, format = 0;
	for (i++; i < argc; i++) {
		const char *a = argv[i], *v;
		if (c->verb == LIST) {
			/* list takes no positional; its own options as src/cli/list.ts's */
			if (!strcmp(a, "-q") || !strcmp(a, "--quiet") || !strcmp(a, "--quiet=true")) {
				if (quiet++)
					return 0;
				c->quiet = 1;
			} else if ((v = value_of(argc, argv, &i, "--format")) || (v = value_of(argc, argv, &i, "-f"))) {
				if (format++ || (strcmp(v, "table") && strcmp(v, "json")))
					return 0;
				c->list_json = !strcmp(v, "json");
			} else if (!global_option(argc, argv, &i, c, seen)) {
				return 0;
			}
			continue;
		}
		if (a[0] != '-' || !a[1]) {
			/* kill's second positional is its signal */
			if (c->id && (c->verb != KILL || c->signal))
				return 0;
			*(c->id ? &c->signal : &c->id) = a;
		} else if (c->verb == KILL && (!strcmp(a, "-a") || !strcmp(a, "--all") || !strcmp(a, "--all=true"))) {
			/* yargs would take a "true" or "false" after it as its value */
			if (all++ || (i + 1 < argc && (!strcmp(argv[i + 1], "true") || !strcmp(argv[i + 1], "false"))))
				return 0;
			c->all = 1;
		} else if (c->verb == DELETE && (!strcmp(a, "-f") || !strcmp(a, "--force") || !strcmp(a, "--force=true") ||
					    !strcmp(a, "--force=false"))) {
			if (forced++)
				return 0;
			c->force = strcmp(a, "--force=false") != 0;
		} else if (!global_option(argc, argv, &i, c, seen)) {
			return 0;
		}
	}
	if (!c->root && !(c->root = default_root()))
		return 0;
	if (c->verb == LIST)
		return 1;
	return c->id && valid_id(c->id);
}

/* exec's command line, as src/cli/exec.ts and splitExecArgs take it: the
 * options engines pass before the ID (--process, --console-socket,
 * --pid-file, --pidfd-socket, --preserve-fds, -d/--detach, -t/--tty, and
 * the global ones),
 * then the ID, then the command. Anything else (--env, --user, --cgroup,
 * --ignore-paused, --dry-run, a value that begins with "-", "--", -dt
 * written together...): 0, and Node runs it. */
int parse_exec(int argc, char **argv, struct command *c)
{
	int seen[3] = {0, 0, 0}, i = 1;
	int taken[7] = {0, 0, 0, 0, 0, 0, 0};
	c->root = NULL;
	for (; i < argc && argv[i][0] == '-'; i++)
		if (!global_option(argc, argv, &i, c, seen))
			return 0;
	if (i >= argc || strcmp(argv[i], "exec"))
		return 0;
	c->verb = EXEC;
	for (i++; i < argc; i++) {
		const char *a = argv[i], *v;
		if (a[0] != '-' || !a[1])
			break;
		if ((v = value_of(argc, argv, &i, "--process")) || (v = value_of(argc, argv, &i, "-p"))) {
			if (taken[0]++ || !*v)
				return 0;
			c->process_file = v;
		} else if ((v = value_of(argc, argv, &i, "--console-socket"))) {
			if (taken[1]++ || !*v)
				return 0;
			c->console_socket = v;
		} else if ((v = value_of(argc, argv, &i, "--pidfd-socket"))) {
			if (taken[6]++ || !*v)
				return 0;
			c->pidfd_socket = v;
		} else if ((v = value_of(argc, argv, &i, "--pid-file"))) {
			if (taken[2]++ || !*v)
				return 0;
			c->pid_file = v;
		} else if ((v = value_of(argc, argv, &i, "--preserve-fds"))) {
			if (taken[3]++ || !*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 4)
				return 0;
			c->preserve_fds = atoi(v);
		} else if (!strcmp(a, "-d") || !strcmp(a, "--detach")) {
			if (taken[4]++)
				return 0;
			c->detach = 1;
		} else if (!strcmp(a, "-t") || !strcmp(a, "--tty")) {
			if (taken[5]++)
				return 0;
			c->tty = 1;
		} else if (!global_option(argc, argv, &i, c, seen)) {
			return 0;
		}
	}
	/* yargs would read "true" or "false" after -d or -t as the flag's value */
	if (i >= argc || !valid_id(argv[i]) || !strcmp(argv[i], "true") || !strcmp(argv[i], "false"))
		return 0;
	c->id = argv[i++];
	/* the command: taken as it is, as splitExecArgs does (a "--" first
	 * would be yargs's to read: Node's) */
	if (i < argc && !strcmp(argv[i], "--"))
		return 0;
	c->command = argv + i;
	c->ncommand = argc - i;
	if (!c->process_file && !c->ncommand)
		return 0;
	if (!c->root && !(c->root = default_root()))
		return 0;
	return 1;
}
