/*
 * Unix sockets to the engine's listeners (--console-socket, the seccomp
 * agent): connecting to one by its host path, and sending it an fd with
 * SCM_RIGHTS (the two shared with bin/runts: ../fdpass.h).
 *
 * Owns: nothing. May assume: the caller connects while the host path is
 * still reachable (before pivot_root or setns into the mount namespace).
 */
#include "internal.h"
#include <sys/socket.h>
#include <sys/un.h>

/* A socket connected to the unix socket at the op's first argument, a host
 * path (so: before pivot_root or setns into the mount namespace).
 * Non-blocking connect: a listener whose backlog is full (one that never
 * accepts) is EAGAIN at once, as Go's net.Dial gives runc, not a wait
 * without end; the socket is blocking again afterwards. */
int connect_unix(const struct op *o)
{
	int fd = unix_connect(ARG(o, 0), ARGLEN(o, 0));
	if (fd < 0 && errno == ENAMETOOLONG)
		fail_text(LABEL(o), ENAMETOOLONG, "socket path too long");
	if (fd < 0 && errno == EAGAIN)
		fail_text(LABEL(o), EAGAIN, "nobody accepts on it (its backlog is full)");
	if (fd < 0)
		fail(LABEL(o), errno);
	return fd;
}
