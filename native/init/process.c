/*
 * The process's other attributes: `setsid`, `umask`, `rlimit`,
 * `personality`, `ioprio`, `scheduler` (sched_setattr), `cpu-affinity` and
 * `mempolicy` (set_mempolicy).
 *
 * Owns: nothing. May assume: nothing beyond the op's arguments.
 */
#include "internal.h"
#include <sched.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

void op_setsid(const struct op *o)
{
	if (setsid() < 0)
		fail(LABEL(o), errno);
}

static rlim_t rlim_arg(const struct op *o, int i)
{
	return strcmp(ARG(o, i), "-1") ? (rlim_t)num(o, i) : RLIM_INFINITY;
}

void op_rlimit(const struct op *o)
{
	struct rlimit r = {.rlim_cur = rlim_arg(o, 1), .rlim_max = rlim_arg(o, 2)};
	if (prlimit(0, (int)num(o, 0), &r, NULL) < 0)
		fail(LABEL(o), errno);
}

void op_umask(const struct op *o)
{
	umask((mode_t)num(o, 0));
}

void op_personality(const struct op *o)
{
	if (personality((unsigned long)num(o, 0)) < 0)
		fail(LABEL(o), errno);
}

/* `ioprio class level` (class 1 RT, 2 BE, 3 IDLE), for this process. */
void op_ioprio(const struct op *o)
{
	unsigned long long cls = num(o, 0), level = num(o, 1);
	if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)((cls << 13) | level)) < 0)
		fail(LABEL(o), errno);
}

/* `scheduler policy nice priority flags runtime deadline period` through
 * sched_setattr (the only call that covers SCHED_DEADLINE). nice is signed. */
struct runts_sched_attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};
void op_scheduler(const struct op *o)
{
	struct runts_sched_attr a = {.size = sizeof a};
	a.policy = (uint32_t)num(o, 0);
	a.nice = (int32_t)strtol(ARG(o, 1), NULL, 10);
	a.priority = (uint32_t)num(o, 2);
	a.flags = num(o, 3);
	a.runtime = num(o, 4);
	a.deadline = num(o, 5);
	a.period = num(o, 6);
	if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
		fail(LABEL(o), errno);
}

/* `cpu-affinity cpus` (a comma list of cpu numbers). */
void op_cpu_affinity(const struct op *o)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	for (char *p = ARG(o, 0); *p;) {
		char *end;
		unsigned long cpu = strtoul(p, &end, 10);
		if (end == p || cpu >= CPU_SETSIZE)
			fail_text(LABEL(o), EINVAL, "bad cpu list");
		CPU_SET(cpu, &set);
		p = *end == ',' ? end + 1 : end;
	}
	if (sched_setaffinity(0, sizeof set, &set) < 0)
		fail(LABEL(o), errno);
}

/* `mempolicy mode nodes`: set_mempolicy with mode (the MPOL_F_* flags or'ed
 * in) and nodes, a comma list of node numbers ("" = no nodemask). The
 * runtime checked the nodes against the host's; the kernel has the last
 * word (EINVAL). Inherited by fork and kept across execve. */
#define MEMPOLICY_MAX_NODES 1024
void op_mempolicy(const struct op *o)
{
	unsigned long mask[MEMPOLICY_MAX_NODES / (8 * sizeof(unsigned long))] = {0};
	const unsigned long bits = 8 * sizeof(unsigned long);
	const char *p = ARG(o, 1);
	int any = 0;
	while (*p) {
		char *end;
		unsigned long n = strtoul(p, &end, 10);
		if (end == p || n >= MEMPOLICY_MAX_NODES || (*end && *end != ','))
			fail_text(LABEL(o), EINVAL, "bad node list");
		mask[n / bits] |= 1UL << (n % bits);
		any = 1;
		p = *end ? end + 1 : end;
	}
	if (syscall(SYS_set_mempolicy, (int)num(o, 0), any ? mask : NULL, any ? (unsigned long)MEMPOLICY_MAX_NODES + 1 : 0UL) < 0)
		fail(LABEL(o), errno);
}
