/*
 * seccomp: `seccomp` loads the filter the runtime compiled (libseccomp);
 * `seccomp-listener-connect` and `seccomp-listener` hand a notification fd
 * (SECCOMP_FILTER_FLAG_NEW_LISTENER) to the engine's seccomp agent.
 *
 * Owns: the notification fd and the agent's socket. May assume: the filter
 * allows the init's remaining steps (the runtime places it after `user`
 * and before `caps`, or with no_new_privs just before `exec`), and the
 * agent is connected to before the root changes.
 */
#include "internal.h"
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

static int listener_fd = -1; /* seccomp notification fd, from `seccomp` with NEW_LISTENER */

/* `seccomp flags bpf`: the filter compiled by the runtime (libseccomp). With
 * SECCOMP_FILTER_FLAG_NEW_LISTENER the kernel returns the notification fd,
 * kept in listener_fd for `seccomp-listener`. */
void op_seccomp(const struct op *o)
{
	unsigned long long flags = num(o, 0);
	uint32_t len = ARGLEN(o, 1);
	if (len == 0 || len % sizeof(struct sock_filter))
		fail_text(LABEL(o), EINVAL, "program size is not a multiple of 8");
	/* Copy: the field is not necessarily aligned for struct sock_filter. */
	struct sock_filter *insns = malloc(len);
	if (!insns)
		fail(LABEL(o), ENOMEM);
	memcpy(insns, ARG(o, 1), len);
	if (len / sizeof *insns > USHRT_MAX)
		fail(LABEL(o), E2BIG);
	struct sock_fprog prog = {.len = (unsigned short)(len / sizeof *insns), .filter = insns};
	/* Without no_new_privs the load needs CAP_SYS_ADMIN effective; after
	 * `user` the effective set is empty, so raise it to the permitted set
	 * (always allowed; `caps` sets the final sets afterwards). */
	if (!prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)) {
		struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
		struct __user_cap_data_struct d[2];
		if (syscall(SYS_capget, &h, d) == 0) {
			d[0].effective = d[0].permitted;
			d[1].effective = d[1].permitted;
			syscall(SYS_capset, &h, d);
		}
	}
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned long)flags, &prog);
	if (r < 0)
		fail(LABEL(o), errno);
	if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
		listener_fd = (int)r;
	free(insns);
}

/* `seccomp-listener-connect path`: connect to the seccomp agent's socket
 * while its host path is reachable (before pivot_root or setns). */
static int agent_fd = -1;
void op_seccomp_listener_connect(const struct op *o)
{
	agent_fd = connect_unix(o);
}

/* `seccomp-listener`: hands the notification fd of the last `seccomp`
 * (SECCOMP_FILTER_FLAG_NEW_LISTENER) to the connected agent, with the
 * container process state (runtime-spec seccomp state) as the message,
 * which the runtime supplies in reply to `sync seccomp-state`. */
void op_seccomp_listener(const struct op *o)
{
	if (listener_fd < 0 || agent_fd < 0)
		fail_text(LABEL(o), EINVAL, "no seccomp notification fd or agent");
	size_t n;
	send_line("sync seccomp-state");
	char *line = read_line(&n);
	if (!line)
		_exit(1);
	if (strncmp(line, "ok ", 3))
		fail_text(LABEL(o), EPROTO, "unexpected reply to sync");
	if (send_fd(agent_fd, listener_fd, line + 3, n - 3) < 0)
		fail(LABEL(o), errno);
	xclose(&agent_fd);
	xclose(&listener_fd);
	free(line);
}
