/*
 * `runts kill` (src/container/kill.ts): the signal, as kill.ts takes it,
 * to the container's process. --all is Node's.
 *
 * Owns: nothing. May assume: direct_command has seen the process alive; no
 * lock is taken (kill changes nothing of runts's).
 */
#include "internal.h"
#include <strings.h>

/* kill's signal as src/container/kill.ts's parseSignal takes it: a number
 * from 1 to 64, or a standard name with or without SIG, in any case
 * (glibc's own names); 0 for anything else (SIGRTMIN+3, say), which Node
 * then parses or refuses. */
int signal_number(const char *text)
{
	if (!text || !*text)
		return SIGTERM;
	if (strspn(text, "0123456789") == strlen(text)) {
		long n = strlen(text) <= 2 ? strtol(text, NULL, 10) : 0;
		return n >= 1 && n <= 64 ? (int)n : 0;
	}
	if (!strncasecmp(text, "SIG", 3))
		text += 3;
	for (int n = 1; n < 32; n++) {
		const char *name = sigabbrev_np(n);
		if (name && !strcasecmp(text, name))
			return n;
	}
	return 0;
}

/* kill: the signal to the container's process (kill.ts; --all is left to
 * Node, which freezes the cgroup meanwhile). A process gone in between is
 * no error there either. */
void kill_process(const struct record *r, int sig)
{
	if (kill((pid_t)r->pid, sig) < 0 && errno != ESRCH)
		fail("kill %ld: %s", r->pid, strerrorname_np(errno));
}
