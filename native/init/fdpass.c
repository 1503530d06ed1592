/*
 * Unix sockets to the engine's listeners (--console-socket, the seccomp
 * agent): connecting to one by its host path, and sending it an fd with
 * SCM_RIGHTS.
 *
 * Owns: nothing. May assume: the caller connects while the host path is
 * still reachable (before pivot_root or setns into the mount namespace).
 */
#include "internal.h"
#include <sys/socket.h>
#include <sys/un.h>

/* Sends fd over a unix socket with SCM_RIGHTS, data as the message. */
int send_fd(int sock, int fd, const char *data, size_t len)
{
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* A socket connected to the unix socket at the op's first argument, a host
 * path (so: before pivot_root or setns into the mount namespace).
 * Non-blocking connect: a listener whose backlog is full (one that never
 * accepts) is EAGAIN at once, as Go's net.Dial gives runc, not a wait
 * without end; the socket is blocking again afterwards. */
int connect_unix(const struct op *o)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (ARGLEN(o, 0) >= sizeof addr.sun_path)
		fail_text(LABEL(o), ENAMETOOLONG, "socket path too long");
	memcpy(addr.sun_path, ARG(o, 0), ARGLEN(o, 0));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		if (errno == EAGAIN)
			fail_text(LABEL(o), EAGAIN, "nobody accepts on it (its backlog is full)");
		fail(LABEL(o), errno);
	}
	if (fcntl(fd, F_SETFL, 0) < 0)
		fail(LABEL(o), errno);
	return fd;
}
