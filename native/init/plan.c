/*
 * The plan (docs/init-protocol.md, "The plan"): its reader and the op
 * table. The table is the whole instruction set, op name -> function,
 * grouped by the file that carries the op out; a new family of ops (an
 * lsm.c for AppArmor and SELinux, say) adds its rows here and its
 * prototypes to internal.h.
 *
 * Owns: the op table. May assume: main() has read nothing of the plan yet
 * (plan_pending); each op checks its own arguments beyond their number.
 */
#include "internal.h"

#define MAX_PLAN (64u << 20)  /* sanity cap on the plan size */

/* The instruction set. nargs is the number of arguments after the label;
 * -1: the op checks them itself. Stage 0 runs up to `fork`, stage 1 after
 * it (docs/init-protocol.md says which op goes where); the order here is
 * only by file. */
static const struct {
	const char *name;
	int nargs;
	void (*fn)(const struct op *);
} ops[] = {
	/* protocol.c: the runtime and the stage split */
	{"fork", 0, op_fork},
	{"sync", 1, op_sync},
	{"notify", 2, op_notify},
	/* namespaces.c */
	{"setns", 2, op_setns},
	{"unshare", 1, op_unshare},
	{"become-root", 0, op_become_root},
	{"write", 2, op_write},
	{"hostname", 1, op_hostname},
	{"domainname", 1, op_domainname},
	{"sysctl", 2, op_sysctl},
	{"loopback-up", 0, op_loopback_up},
	/* idmap.c */
	{"idmap-userns", 2, op_idmap_userns},
	{"idmap-mount", 1, op_idmap_mount},
	/* mountsrc.c */
	{"source-helper", 0, op_source_helper},
	{"host-source", 4, op_host_source},
	/* rootfs.c */
	{"root", 1, op_root},
	{"mkdirs", 2, op_mkdirs},
	{"mkfile", 2, op_mkfile},
	{"mkpoint", 2, op_mkpoint},
	{"pivot-root", 0, op_pivot_root},
	{"chroot", 0, op_chroot},
	{"move-root", 0, op_move_root},
	{"chdir", 1, op_chdir},
	{"chdir-early", 1, op_chdir_early},
	/* mounts.c */
	{"mount-host", 5, op_mount_host},
	{"mount", 5, op_mount},
	{"mount-copyup", 5, op_mount_copyup},
	{"mount-tmpfs", 5, op_mount_tmpfs},
	{"remount", -1, op_remount},
	{"propagate", 2, op_propagate},
	{"setattr", 5, op_setattr},
	{"mask", -1, op_mask},
	{"readonly", 1, op_readonly},
	/* devices.c */
	{"mknod", 7, op_mknod},
	{"bind-dev", 2, op_bind_dev},
	{"symlink", 2, op_symlink},
	/* process.c */
	{"setsid", 0, op_setsid},
	{"umask", 1, op_umask},
	{"rlimit", 3, op_rlimit},
	{"personality", 1, op_personality},
	{"ioprio", 2, op_ioprio},
	{"scheduler", 7, op_scheduler},
	{"cpu-affinity", 1, op_cpu_affinity},
	{"mempolicy", 2, op_mempolicy},
	/* creds.c */
	{"user", 3, op_user},
	{"caps", 5, op_caps},
	{"no-new-privs", 0, op_no_new_privs},
	{"keyring", 2, op_keyring},
	/* seccomp.c */
	{"seccomp", 2, op_seccomp},
	{"seccomp-listener-connect", 1, op_seccomp_listener_connect},
	{"seccomp-listener", 0, op_seccomp_listener},
	/* terminal.c */
	{"console-connect", 1, op_console_connect},
	{"console", 5, op_console},
	/* barrier.c */
	{"open-barrier", 1, op_open_barrier},
	{"wait-barrier", 0, op_wait_barrier},
	/* hooks.c */
	{"hook", -1, op_hook},
	/* exec.c */
	{"lookup", 2, op_lookup},
	{"exec", -1, op_exec},
	/* lsm.c: AppArmor, SELinux */
	{"apparmor-exec", 1, op_apparmor_exec},
	{"selinux-label", 2, op_selinux_label},
	{"file-label", 2, op_file_label},
};


/* Reads a u32le at *p and advances. It then overwrites the first byte of
 * that (consumed) header with NUL: fields are packed back to back with the
 * headers, so that byte is exactly the end of the previous field, and this
 * is how every field gets its terminator in place. */
static int take_u32(char *buf, size_t total, size_t *p, uint32_t *v)
{
	if (total - *p < 4)
		return -1;
	const unsigned char *b = (const unsigned char *)buf + *p;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	buf[*p] = '\0';
	*p += 4;
	return 0;
}

static _Noreturn void bad_plan(void)
{
	fail_text("plan", EPROTO, "malformed plan");
}

/* The plan's first field: u32le total_length. */
int read_plan_length(uint32_t *total)
{
	unsigned char hdr[4];
	if (read_full(sync_fd, hdr, 4) < 0)
		return -1;
	*total = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
		 (uint32_t)hdr[3] << 24;
	return 0;
}

void run_plan(void)
{
	uint32_t total;
	if (read_plan_length(&total) < 0)
		_exit(1);
	if (total > MAX_PLAN)
		bad_plan();
	char *buf = malloc((size_t)total + 1); /* +1: terminator of the last field */
	/* Every header is at least 4 bytes, which bounds the counts. */
	char **fields = malloc(((size_t)total / 4 + 1) * sizeof *fields);
	uint32_t *lens = malloc(((size_t)total / 4 + 1) * sizeof *lens);
	struct op *plan = malloc(((size_t)total / 8 + 1) * sizeof *plan);
	if (!buf || !fields || !lens || !plan)
		fail("plan", ENOMEM);
	if (read_full(sync_fd, buf, total) < 0)
		_exit(1);
	plan_pending = 0;

	size_t p = 0, nf = 0, nops = 0;
	while (p < total) {
		uint32_t n, len;
		if (take_u32(buf, total, &p, &n) < 0 || n < 2 || n > (total - p) / 4)
			bad_plan();
		plan[nops] = (struct op){n, fields + nf, lens + nf};
		for (uint32_t k = 0; k < n; k++) {
			if (take_u32(buf, total, &p, &len) < 0 || len > total - p)
				bad_plan();
			fields[nf] = buf + p;
			lens[nf++] = len;
			p += len;
		}
		nops++;
	}
	buf[total] = '\0';

	for (size_t k = 0; k < nops; k++) {
		const struct op *o = &plan[k];
		size_t j = 0;
		while (j < sizeof ops / sizeof ops[0] && strcmp(ops[j].name, o->f[0]))
			j++;
		if (j == sizeof ops / sizeof ops[0])
			fail_text(LABEL(o), EINVAL, "unknown op");
		if (ops[j].nargs >= 0 && NARGS(o) != ops[j].nargs)
			fail_text(LABEL(o), EINVAL, "wrong number of arguments");
		ops[j].fn(o);
	}
}
