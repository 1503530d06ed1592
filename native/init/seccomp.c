/*
 * seccomp: `seccomp` loads the filter the runtime compiled (libseccomp);
 * `seccomp-listener-connect` and `seccomp-listener` hand a notification fd
 * (SECCOMP_FILTER_FLAG_NEW_LISTENER) to the engine's seccomp agent, through
 * a courier outside the filter.
 *
 * Owns: the notification fd, the agent's socket and the courier. May
 * assume: the filter allows the init's remaining steps (the runtime places
 * it after `user` and before `caps`, or with no_new_privs just before
 * `exec`), `seccomp-listener` comes just before `seccomp`, `write` is not
 * SCMP_ACT_NOTIFY (the runtime refuses that, as runc), and the agent is
 * connected to before the root changes.
 */
#include "internal.h"
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

static int listener_fd = -1; /* seccomp notification fd, from `seccomp` with NEW_LISTENER */

/* The seccomp agent's connection, from `seccomp-listener-connect`. */
static int agent_fd = -1;

/* `seccomp-listener-connect path`: connect to the seccomp agent's socket
 * while its host path is reachable (before pivot_root or setns). */
void op_seccomp_listener_connect(const struct op *o)
{
	agent_fd = connect_unix(o);
}

/* The courier: a child sharing our fd table (CLONE_FILES) but made before
 * the filter is loaded, so no rule of it applies to the courier. Once the
 * filter is in, the only syscall we make before the agent has the
 * notification fd is one write of its number to the courier (runc's rule:
 * SCMP_ACT_NOTIFY may not be used for write; the runtime refuses it), and
 * the courier sends it on. Whatever we do later that the filter notifies
 * waits for an agent that has the fd already: no deadlock. */
static pid_t courier_pid = -1;
static int courier_in[2] = {-1, -1};  /* us -> courier: the fd number */
static int courier_out[2] = {-1, -1}; /* courier -> us: 0 or an errno */

static _Noreturn void courier_main(const char *state, size_t len)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* Bounded: should the init fail before loading the filter. */
	struct pollfd p = {.fd = courier_in[0], .events = POLLIN};
	int fd = -1;
	unsigned char err = ETIMEDOUT;
	if (poll(&p, 1, 60000) == 1 && read(courier_in[0], &fd, sizeof fd) == (ssize_t)sizeof fd)
		err = send_fd(agent_fd, fd, state, len) < 0 ? (unsigned char)errno : 0;
	(void)!write(courier_out[1], &err, 1);
	_exit(0);
}

/* `seccomp-listener` (just before `seccomp`): asks the runtime for the
 * seccomp state while no filter is loaded, and starts the courier with it. */
void op_seccomp_listener(const struct op *o)
{
	if (agent_fd < 0)
		fail_text(LABEL(o), EINVAL, "no seccomp agent connected");
	size_t n;
	send_line("sync seccomp-state");
	char *line = read_line(&n);
	if (!line)
		_exit(1);
	if (strncmp(line, "ok ", 3))
		fail_text(LABEL(o), EPROTO, "unexpected reply to sync");
	if (pipe2(courier_in, O_CLOEXEC) < 0 || pipe2(courier_out, O_CLOEXEC) < 0)
		fail(LABEL(o), errno);
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		fail(LABEL(o), errno);
	if (pid == 0)
		courier_main(line + 3, n - 3);
	courier_pid = pid;
	free(line);
}

/* Right after the filter with a listener is loaded: the fd's number goes
 * to the courier, and we wait until the agent has the fd (a read the
 * filter notifies waits for the agent, which is about to have it). */
static void hand_listener_to_courier(const char *label)
{
	if (courier_pid < 0)
		fail_text(label, EINVAL, "no seccomp agent to hand the notification fd to");
	ssize_t w;
	do
		w = write(courier_in[1], &listener_fd, sizeof listener_fd);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)sizeof listener_fd) {
		kill(courier_pid, SIGKILL);
		fail_text(label, w < 0 ? errno : EIO, "failed to connect with seccomp agent");
	}
	unsigned char err = EIO;
	ssize_t r;
	do
		r = read(courier_out[0], &err, 1);
	while (r < 0 && errno == EINTR);
	int rerr = r < 0 ? errno : 0;
	while (waitpid(courier_pid, NULL, 0) < 0 && errno == EINTR)
		;
	courier_pid = -1;
	if (r != 1)
		fail_text(label, rerr ? rerr : EIO, "failed to connect with seccomp agent");
	if (err)
		fail_text(label, err, "failed to connect with seccomp agent");
	xclose(&courier_in[0]);
	xclose(&courier_in[1]);
	xclose(&courier_out[0]);
	xclose(&courier_out[1]);
	xclose(&agent_fd);
	xclose(&listener_fd);
}

/* `seccomp flags bpf`: the filter compiled by the runtime (libseccomp). With
 * SECCOMP_FILTER_FLAG_NEW_LISTENER the kernel returns the notification fd,
 * which goes to the agent through the courier (`seccomp-listener`, before). */
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
	/* Every fd close-on-exec now, while close_range is surely allowed: the
	 * profile may kill on it, and runc's init makes no such call after
	 * its filter (exec and hooks then have nothing left to mark). */
	if (cloexec_from(3) < 0)
		fail(LABEL(o), errno);
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned long)flags, &prog);
	if (r < 0)
		fail(LABEL(o), errno);
	if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		listener_fd = (int)r;
		hand_listener_to_courier(LABEL(o));
	}
	free(insns);
}

