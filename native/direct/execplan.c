/*
 * exec's plan for runts-init, made here as src/plan/exec.ts's compileExec
 * makes it from a process (src/container/exec.ts's buildProcess), byte for
 * byte (test/unit/exec-direct.test.ts compares the two on a corpus of
 * process.json files).
 *
 * Only the process fields engines send are taken: args, env, cwd,
 * terminal and consoleSize, user (uid, gid, umask, additionalGids),
 * capabilities, rlimits, noNewPrivileges, oomScoreAdj, apparmorProfile and
 * selinuxLabel (the init writes them: native/init/lsm.c). Any other field, a value of a
 * type or form the schema would refuse or that Node would print
 * differently (a number with a fraction or an exponent, beyond 2^53, a
 * capability or rlimit the tables lack), and the process is not taken:
 * Node runs the command and says what is wrong.
 *
 * Owns: nothing. May assume: the JSON was read by json.c.
 */
#include "internal.h"

/* src/spec/tables.ts's CAPABILITIES and RLIMITS, in their order (a unit
 * test holds them to it). */
const char *const CAPABILITY_NAMES[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
	"CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE", NULL,
};

const char *const RLIMIT_NAMES[] = {
	"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE",
	"RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",
	"RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",
	"RLIMIT_RTPRIO", "RLIMIT_RTTIME", NULL,
};

static const char DEFAULT_PATH[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/* Number.MAX_SAFE_INTEGER: above it a JS number is not the JSON's digits. */
#define MAX_SAFE 9007199254740991ULL

/* Plain digits (no sign, fraction or exponent), at most max. */
static int plain_digits(const char *s, unsigned long long max, unsigned long long *v)
{
	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 16)
		return 0;
	*v = strtoull(s, NULL, 10);
	return *v <= max;
}

/* A JSON integer as Node holds it exactly: plain digits, at most max. */
static int whole(const struct json *j, int k, unsigned long long max, unsigned long long *v)
{
	if (k < 0 || j->nodes[k].type != JSON_NUMBER)
		return 0;
	return plain_digits(j->nodes[k].str, max, v);
}

static int is_bool(const struct json *j, int k, int *v)
{
	if (k < 0 || (j->nodes[k].type != JSON_TRUE && j->nodes[k].type != JSON_FALSE))
		return 0;
	*v = j->nodes[k].type == JSON_TRUE;
	return 1;
}

/* Every member of object k is one of the names. */
static int only(const struct json *j, int k, const char *const *names)
{
	for (int m = j->nodes[k].child; m >= 0; m = j->nodes[m].next) {
		const char *const *n = names;
		while (*n && strcmp(*n, j->nodes[m].key))
			n++;
		if (!*n)
			return 0;
	}
	return 1;
}

/* An array of strings: its items into out (at most max), their count or -1. */
static int strings(const struct json *j, int k, const char **out, int max)
{
	if (j->nodes[k].type != JSON_ARRAY)
		return -1;
	int n = 0;
	for (int m = j->nodes[k].child; m >= 0; m = j->nodes[m].next) {
		if (j->nodes[m].type != JSON_STRING || n >= max)
			return -1;
		out[n++] = j->nodes[m].str;
	}
	return n;
}

static int capability_mask(const struct json *j, int k, unsigned long long *mask)
{
	*mask = 0;
	if (k < 0)
		return 1;
	const char *names[64];
	int n = strings(j, k, names, 64);
	if (n < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		int bit = 0;
		while (CAPABILITY_NAMES[bit] && strcmp(CAPABILITY_NAMES[bit], names[i]))
			bit++;
		if (!CAPABILITY_NAMES[bit])
			return 0; /* Node would leave it out; rather, Node decides */
		*mask |= 1ULL << bit;
	}
	return 1;
}

static int rlimit_value(const struct json *j, int k, const char **label, char *arg, size_t cap)
{
	if (k < 0 || j->nodes[k].type != JSON_NUMBER)
		return 0;
	/* 2^64-1, "unlimited", as JS holds and prints it */
	if (!strcmp(j->nodes[k].str, "18446744073709551615")) {
		*label = "18446744073709552000";
		snprintf(arg, cap, "-1");
		return 1;
	}
	unsigned long long v;
	if (!whole(j, k, MAX_SAFE, &v))
		return 0;
	*label = j->nodes[k].str;
	/* src/plan/compile.ts's limit(): MAX_SAFE_INTEGER and up is unlimited */
	if (v >= MAX_SAFE)
		snprintf(arg, cap, "-1");
	else
		snprintf(arg, cap, "%llu", v);
	return 1;
}

int take_process(const struct json *j, int k, struct process *p)
{
	static const char *const fields[] = {"terminal", "consoleSize", "cwd", "env", "args", "user", "rlimits",
					     "capabilities", "noNewPrivileges", "oomScoreAdj", "apparmorProfile",
					     "selinuxLabel", NULL};
	memset(p, 0, sizeof *p);
	if (k < 0 || j->nodes[k].type != JSON_OBJECT || !only(j, k, fields))
		return 0;
	int m;
	if ((m = json_get(j, k, "terminal")) >= 0 && !is_bool(j, m, &p->terminal))
		return 0;
	if ((m = json_get(j, k, "noNewPrivileges")) >= 0 && !is_bool(j, m, &p->no_new_privs))
		return 0;
	if ((m = json_get(j, k, "oomScoreAdj")) >= 0) {
		/* an integer as JS prints it: digits, a "-" before all but 0 */
		const char *s = j->nodes[m].str;
		unsigned long long v;
		int neg = j->nodes[m].type == JSON_NUMBER && s[0] == '-';
		if (j->nodes[m].type != JSON_NUMBER || !plain_digits(neg ? s + 1 : s, MAX_SAFE, &v) || (neg && v == 0))
			return 0;
		p->oom_score_adj = s;
		p->has_oom = 1;
	}
	if ((m = json_get(j, k, "apparmorProfile")) >= 0) {
		if (j->nodes[m].type != JSON_STRING)
			return 0;
		p->apparmor = j->nodes[m].str;
	}
	if ((m = json_get(j, k, "selinuxLabel")) >= 0) {
		if (j->nodes[m].type != JSON_STRING)
			return 0;
		p->selinux = j->nodes[m].str;
	}
	if ((m = json_get(j, k, "consoleSize")) >= 0) {
		static const char *const size[] = {"height", "width", NULL};
		if (j->nodes[m].type != JSON_OBJECT || !only(j, m, size) ||
		    !whole(j, json_get(j, m, "height"), MAX_SAFE, &p->height) ||
		    !whole(j, json_get(j, m, "width"), MAX_SAFE, &p->width))
			return 0;
		p->console_size = 1;
	}
	if ((m = json_get(j, k, "cwd")) < 0 || j->nodes[m].type != JSON_STRING || j->nodes[m].str[0] != '/')
		return 0;
	p->cwd = j->nodes[m].str;
	if ((m = json_get(j, k, "args")) < 0 || (p->nargs = strings(j, m, p->args, MAX_ARGS)) < 1)
		return 0;
	if ((m = json_get(j, k, "env")) >= 0 && (p->nenv = strings(j, m, p->env, MAX_ARGS - 1)) < 0)
		return 0;
	/* user: uid and gid both (Node's labels print them), no username */
	static const char *const user[] = {"uid", "gid", "umask", "additionalGids", NULL};
	int u = json_get(j, k, "user");
	if (u < 0 || j->nodes[u].type != JSON_OBJECT || !only(j, u, user) ||
	    !whole(j, json_get(j, u, "uid"), 4294967295ULL, &p->uid) ||
	    !whole(j, json_get(j, u, "gid"), 4294967295ULL, &p->gid))
		return 0;
	if ((m = json_get(j, u, "umask")) >= 0) {
		if (!whole(j, m, 4294967295ULL, &p->umask))
			return 0;
		p->has_umask = 1;
	}
	if ((m = json_get(j, u, "additionalGids")) >= 0) {
		if (j->nodes[m].type != JSON_ARRAY)
			return 0;
		for (int g = j->nodes[m].child; g >= 0; g = j->nodes[g].next) {
			unsigned long long gid;
			if (p->ngids >= MAX_GIDS || !whole(j, g, 4294967295ULL, &gid))
				return 0;
			p->gids[p->ngids++] = gid;
		}
	}
	if ((m = json_get(j, k, "capabilities")) >= 0) {
		static const char *const sets[] = {"bounding", "effective", "permitted", "inheritable", "ambient", NULL};
		if (j->nodes[m].type != JSON_OBJECT || !only(j, m, sets))
			return 0;
		for (int s = 0; s < 5; s++)
			if (!capability_mask(j, json_get(j, m, sets[s]), &p->caps[s]))
				return 0;
	}
	if ((m = json_get(j, k, "rlimits")) >= 0) {
		if (j->nodes[m].type != JSON_ARRAY)
			return 0;
		static const char *const rlimit[] = {"type", "soft", "hard", NULL};
		for (int r = j->nodes[m].child; r >= 0; r = j->nodes[r].next) {
			if (p->nrlimits >= MAX_RLIMITS || j->nodes[r].type != JSON_OBJECT || !only(j, r, rlimit))
				return 0;
			struct rlimit_entry *e = &p->rlimits[p->nrlimits++];
			int t = json_get(j, r, "type");
			if (t < 0 || j->nodes[t].type != JSON_STRING)
				return 0;
			e->type = -1;
			for (int i = 0; RLIMIT_NAMES[i]; i++)
				if (!strcmp(RLIMIT_NAMES[i], j->nodes[t].str))
					e->type = i;
			if (e->type < 0 || !rlimit_value(j, json_get(j, r, "soft"), &e->soft_label, e->soft, sizeof e->soft) ||
			    !rlimit_value(j, json_get(j, r, "hard"), &e->hard_label, e->hard, sizeof e->hard))
				return 0;
		}
	}
	return 1;
}

/* What exec.ts's buildProcess does to the process: with process.json, only
 * --tty (a terminal); with the container's process (command non-NULL),
 * the command for args, the terminal as --tty says, no consoleSize. */
int with_command(struct process *p, const char *const *command, int n, int tty)
{
	if (!command) {
		if (tty)
			p->terminal = 1;
		return 1;
	}
	if (n < 1 || n > MAX_ARGS)
		return 0;
	for (int i = 0; i < n; i++)
		p->args[i] = command[i];
	p->nargs = n;
	p->terminal = tty;
	p->console_size = 0;
	return 1;
}

/* src/plan/lsm.ts's checkSelinuxLabel, for ASCII: user:role:type[:level],
 * no white space. Anything else (a byte above 0x7f, which JavaScript's \s
 * might or might not match) is left to Node. */
static int selinux_label_ok(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c >= 0x80 || strchr(" \t\n\v\f\r", *c))
			return 0;
	for (int part = 0; part < 3; part++) {
		size_t n = strcspn(s, ":");
		if (!n || (part < 2 && s[n] != ':'))
			return 0;
		s += n + (part < 2);
	}
	return !*s || (s[0] == ':' && s[1]);
}

/* buildProcess's labels: the process's own, or else the container's (an
 * exec'd process never escapes the container's confinement); "" is none.
 * 0 where Node would refuse one (checkApparmorProfile's and
 * checkSelinuxLabel's forms) or might read it otherwise. */
int with_labels(struct process *p, const char *apparmor, const char *selinux)
{
	if (!p->apparmor || !*p->apparmor)
		p->apparmor = apparmor && *apparmor ? apparmor : NULL;
	if (!p->selinux || !*p->selinux)
		p->selinux = selinux && *selinux ? selinux : NULL;
	if (p->apparmor && strchr(p->apparmor, '\n'))
		return 0;
	return !p->selinux || selinux_label_ok(p->selinux);
}

/* ---------------------------------------------------------------- the plan */

/* The plan as src/plan/instructions.ts's encodePlan writes it. */
static int grow(struct plan *pl, size_t more)
{
	if (pl->failed)
		return 0;
	if (pl->len + more <= pl->cap)
		return 1;
	size_t cap = pl->cap ? pl->cap : 4096;
	while (cap < pl->len + more)
		cap *= 2;
	char *b = realloc(pl->buf, cap);
	if (!b || cap > (64u << 20)) {
		pl->failed = 1;
		return 0;
	}
	pl->buf = b;
	pl->cap = cap;
	return 1;
}

static void put_u32(struct plan *pl, size_t at, uint32_t v)
{
	unsigned char b[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};
	memcpy(pl->buf + at, b, 4);
}

static void field(struct plan *pl, const void *bytes, size_t n)
{
	if (!grow(pl, 4 + n))
		return;
	put_u32(pl, pl->len, (uint32_t)n);
	memcpy(pl->buf + pl->len + 4, bytes, n);
	pl->len += 4 + n;
}

/* An instruction: its field count, then its op, label and arguments. */
static void begin(struct plan *pl, int nargs, const char *op, const char *label)
{
	if (!pl->len && grow(pl, 4))
		pl->len = 4; /* the total, written by plan_end */
	if (!grow(pl, 4))
		return;
	put_u32(pl, pl->len, (uint32_t)(2 + nargs));
	pl->len += 4;
	field(pl, op, strlen(op));
	field(pl, label, strlen(label));
}

static void arg(struct plan *pl, const char *s)
{
	field(pl, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void argf(struct plan *pl, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	arg(pl, buf);
}

/* A label that holds a path or a program name: built in a buffer of its own. */
static char *labelf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *labelf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* s as JSON.stringify writes a string (valid UTF-8 by now: json.c). */
/* A variable's name as processEnv takes it: up to the first '=' (with
 * none, JavaScript's slice(0, -1): all but the last character). */
static size_t env_key_len(const char *e)
{
	const char *eq = strchr(e, '=');
	size_t n = strlen(e);
	return eq ? (size_t)(eq - e) : (n ? n - 1 : 0);
}

/* fchown's "leave it" (compile.ts, KEEP_GID). */
#define KEEP_GID "4294967295"

static char *json_quoted(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n * 6 + 3), *o = out;
	if (!out)
		return NULL;
	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		const char *esc = strchr("\"\\\b\f\n\r\t", *p);
		if (esc && *p)
			o += sprintf(o, "\\%c", "\"\\bfnrt"[esc - "\"\\\b\f\n\r\t"]);
		else if (*p < 0x20)
			o += sprintf(o, "\\u%04x", *p);
		else
			*o++ = (char)*p;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

static const char *const NS_ORDER[] = {"user", "ipc", "uts", "net", "pid", "cgroup", "time", "mnt", NULL};

static void seccomp_steps(struct plan *pl, const struct exec_input *in)
{
	begin(pl, 2, "seccomp", "load the seccomp filter");
	argf(pl, "%u", in->seccomp_flags);
	field(pl, in->seccomp_bpf, in->seccomp_len);
}

/* The container's session keyring, joined by name, the process's SELinux
 * label first as the key-creation label (src/plan/exec.ts, keycreateStep). */
static int keyring_step(const struct exec_input *in, struct plan *pl)
{
	if (!in->keyring)
		return 1;
	char *label;
	if (in->process->selinux) {
		if (!(label = labelf("set the SELinux key-creation label %s (/process/selinuxLabel)", in->process->selinux)))
			return 0;
		begin(pl, 2, "selinux-label", label);
		free(label);
		arg(pl, "keycreate");
		arg(pl, in->process->selinux);
	}
	if (!(label = labelf("join the session keyring %s", in->keyring)))
		return 0;
	begin(pl, 2, "keyring", label);
	free(label);
	arg(pl, in->keyring);
	arg(pl, "0");
	return 1;
}

int compile_exec(const struct exec_input *in, struct plan *pl)
{
	const struct process *p = in->process;
	char *label;
	memset(pl, 0, sizeof *pl);
	if (p->terminal) {
		if (!(label = labelf("connect to the console socket %s", in->console_socket)))
			return 0;
		begin(pl, 1, "console-connect", label);
		free(label);
		arg(pl, in->console_socket);
	}
	for (int t = 0; NS_ORDER[t]; t++) {
		if (!(in->namespaces & (1u << t)))
			continue;
		char path[64], what[64];
		snprintf(path, sizeof path, "/proc/%ld/ns/%s", in->pid, NS_ORDER[t]);
		snprintf(what, sizeof what, "join the container's %s namespace", NS_ORDER[t]);
		begin(pl, 2, "setns", what);
		arg(pl, path);
		arg(pl, NS_ORDER[t]);
	}
	if (!(in->namespaces & (1u << 7))) { /* no mnt namespace of its own */
		char path[64];
		snprintf(path, sizeof path, "/proc/%ld/root", in->pid);
		begin(pl, 1, "root", "open the container's root");
		arg(pl, path);
		begin(pl, 0, "chroot", "chroot into the container's root");
	}
	begin(pl, 0, "fork", "start the process");
	if (in->send_pidfd) {
		/* src/plan/exec.ts's PIDFD_SYNC: the process waits while we open
		 * its pidfd */
		begin(pl, 1, "sync", "open the pidfd for --pidfd-socket");
		arg(pl, "pidfd");
	}
	begin(pl, 0, "setsid", "new session");
	if (!keyring_step(in, pl))
		return 0;
	if (p->terminal) {
		begin(pl, 5, "console", "set up the terminal");
		argf(pl, "%llu", p->console_size ? p->height : 0);
		argf(pl, "%llu", p->console_size ? p->width : 0);
		argf(pl, "%llu", p->uid);
		arg(pl, KEEP_GID); /* the pty keeps devpts's group, as runc */
		arg(pl, "0");
	}
	if (p->has_oom) {
		char what[64];
		snprintf(what, sizeof what, "set oom_score_adj %s", p->oom_score_adj);
		begin(pl, 2, "write", what);
		arg(pl, "/proc/self/oom_score_adj");
		arg(pl, p->oom_score_adj);
	}
	/* execLabelSteps: what the program is exec'd into, before no_new_privs,
	 * the user and the seccomp filter (docs/lsm.md) */
	if (p->apparmor) {
		if (!(label = labelf("set AppArmor profile %s on exec (/process/apparmorProfile)", p->apparmor)))
			return 0;
		begin(pl, 1, "apparmor-exec", label);
		free(label);
		arg(pl, p->apparmor);
	}
	if (p->selinux) {
		if (!(label = labelf("set the SELinux exec label %s (/process/selinuxLabel)", p->selinux)))
			return 0;
		begin(pl, 2, "selinux-label", label);
		free(label);
		arg(pl, "exec");
		arg(pl, p->selinux);
	}
	/* processSteps, with the seccomp filter before caps unless no_new_privs */
	for (int i = 0; i < p->nrlimits; i++) {
		const struct rlimit_entry *e = &p->rlimits[i];
		char what[128];
		snprintf(what, sizeof what, "set %s %s:%s", RLIMIT_NAMES[e->type], e->soft_label, e->hard_label);
		begin(pl, 3, "rlimit", what);
		argf(pl, "%d", e->type);
		arg(pl, e->soft);
		arg(pl, e->hard);
	}
	if (p->no_new_privs)
		begin(pl, 0, "no-new-privs", "set no_new_privs");
	if (p->has_umask) {
		char what[64];
		snprintf(what, sizeof what, "set umask %llo", p->umask);
		begin(pl, 1, "umask", what);
		argf(pl, "%llu", p->umask);
	}
	/* into cwd while still root, and again as the user */
	char *cwd_quoted = json_quoted(p->cwd);
	char *chdir_label = cwd_quoted ? labelf("chdir to cwd (%s) set in config.json", cwd_quoted) : NULL;
	free(cwd_quoted);
	if (!chdir_label)
		return 0;
	begin(pl, 1, "chdir-early", chdir_label);
	arg(pl, p->cwd);
	char what[96];
	snprintf(what, sizeof what, "set user %llu:%llu", p->uid, p->gid);
	begin(pl, 3, "user", what);
	argf(pl, "%llu", p->uid);
	argf(pl, "%llu", p->gid);
	char gids[MAX_GIDS * 11 + 1] = "";
	size_t at = 0;
	for (int i = 0; i < p->ngids; i++)
		at += (size_t)snprintf(gids + at, sizeof gids - at, "%s%llu", i ? "," : "", p->gids[i]);
	arg(pl, gids);
	begin(pl, 1, "chdir", chdir_label);
	free(chdir_label);
	arg(pl, p->cwd);
	if (in->seccomp_bpf && !p->no_new_privs)
		seccomp_steps(pl, in);
	/* ambient: only what is permitted and inheritable too */
	unsigned long long ambient = p->caps[4] & p->caps[2] & p->caps[3];
	begin(pl, 5, "caps", "set capabilities");
	for (int s = 0; s < 4; s++)
		argf(pl, "%llu", p->caps[s]);
	argf(pl, "%llu", ambient);
	/* execSteps and processEnv: a variable given twice is set once, with
	 * its last value, where it last appeared; an empty HOME counts as none,
	 * and HOME then comes from the container's /etc/passwd. */
	const char *env[MAX_ARGS + 1];
	int nenv = 0, has_home = 0;
	static size_t seen_len[MAX_ARGS];
	static const char *seen[MAX_ARGS];
	int nseen = 0;
	for (int i = p->nenv - 1; i >= 0; i--) {
		const char *e = p->env[i];
		size_t klen = env_key_len(e);
		int dup = 0;
		for (int j = 0; j < nseen && !dup; j++)
			dup = seen_len[j] == klen && !strncmp(seen[j], e, klen);
		if (dup)
			continue;
		seen[nseen] = e;
		seen_len[nseen++] = klen;
		if (klen == 4 && !strncmp(e, "HOME", 4)) {
			if (!strcmp(e, "HOME="))
				continue;
			has_home = 1;
		}
		env[nenv++] = e;
	}
	for (int i = 0, j = nenv - 1; i < j; i++, j--) {
		const char *t = env[i];
		env[i] = env[j];
		env[j] = t;
	}
	const char *search = DEFAULT_PATH;
	for (int i = 0; i < nenv; i++)
		if (!strncmp(env[i], "PATH=", 5))
			search = env[i] + 5;
	char *home = NULL;
	if (!has_home) {
		if (!(home = labelf("HOME=%s", in->home ? in->home : "/")))
			return 0;
		env[nenv++] = home;
	}
	/* the field, as src/plan/exec.ts labels lookup and exec */
	if (!(label = labelf("%s", "/args/0"))) {
		free(home);
		return 0;
	}
	begin(pl, 2, "lookup", label);
	arg(pl, p->args[0]);
	arg(pl, search);
	if (p->no_new_privs && in->seccomp_bpf)
		seccomp_steps(pl, in);
	begin(pl, 2, "notify", "report ready");
	arg(pl, "ready");
	arg(pl, "keep"); /* as src/plan/exec.ts: to close at the execve */
	begin(pl, 2 + 1 + p->nargs + 1 + nenv, "exec", label);
	argf(pl, "%d", in->preserve_fds);
	arg(pl, p->args[0]);
	argf(pl, "%d", p->nargs);
	for (int i = 0; i < p->nargs; i++)
		arg(pl, p->args[i]);
	argf(pl, "%d", nenv);
	for (int i = 0; i < nenv; i++)
		arg(pl, env[i]);
	free(label);
	free(home);
	if (pl->failed)
		return 0;
	put_u32(pl, 0, (uint32_t)(pl->len - 4));
	return 1;
}
