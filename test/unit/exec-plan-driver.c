/*
 * For test/unit/exec-direct.test.ts: native/direct/execplan.c and json.c
 * alone, on one case. Writes the plan bin/runts's exec would send to
 * runts-init on stdout and exits 0, or exits 3 where exec would leave the
 * command to Node.
 *   exec-plan-driver PROCESS.JSON PID NSBITS SOCKET|- HOME|- PRESERVE
 *                    SECCOMP-FLAGS BPF-FILE|- TTY [COMMAND...]
 * with the container's labels in $CONTAINER_APPARMOR and $CONTAINER_SELINUX
 * (the exec record's), and --pidfd-socket where $SEND_PIDFD is 1.
 */
#include "../../native/direct/internal.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	static char buf[1 << 20];
	*len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	if (argc < 10)
		return 2;
	size_t len;
	char *text = slurp(argv[1], &len);
	if (!text)
		return 2;
	static struct json j;
	static struct process p;
	int root = json_parse(&j, text, len);
	if (root < 0 || !take_process(&j, root, &p))
		return 3;
	if (!with_command(&p, argc > 10 ? (const char *const *)argv + 10 : NULL, argc - 10, atoi(argv[9])))
		return 3;
	if (!with_labels(&p, getenv("CONTAINER_APPARMOR"), getenv("CONTAINER_SELINUX")))
		return 3;
	const char *pidfd = getenv("SEND_PIDFD");
	struct exec_input in = {.process = &p, .pid = atol(argv[2]), .namespaces = (unsigned)atoi(argv[3]),
				.preserve_fds = atoi(argv[6]), .seccomp_flags = (unsigned)atoi(argv[7]),
				.send_pidfd = pidfd && !strcmp(pidfd, "1")};
	if (strcmp(argv[4], "-"))
		in.console_socket = argv[4];
	in.keyring = getenv("DRIVER_KEYRING"); /* the exec record's keyring line */
	if (strcmp(argv[5], "-"))
		in.home = argv[5];
	if (p.terminal && !in.console_socket)
		return 3;
	if (strcmp(argv[8], "-")) {
		static char bpf[1 << 16];
		FILE *f = fopen(argv[8], "rb");
		if (!f)
			return 2;
		in.seccomp_len = fread(bpf, 1, sizeof bpf, f);
		fclose(f);
		in.seccomp_bpf = bpf;
	}
	static struct plan pl;
	if (!compile_exec(&in, &pl))
		return 3;
	fwrite(pl.buf, 1, pl.len, stdout);
	return 0;
}
