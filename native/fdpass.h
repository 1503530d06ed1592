/*
 * Unix sockets to a caller's listener, shared by runts-init
 * (init/fdpass.c: --console-socket, the seccomp agent) and bin/runts
 * (direct/exec.c: --pidfd-socket): connecting to one by its path, and
 * sending an fd with SCM_RIGHTS.
 */
#ifndef RUNTS_FDPASS_H
#define RUNTS_FDPASS_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

/* Sends fd over a unix socket with SCM_RIGHTS, data as the message. */
static inline int send_fd(int sock, int fd, const char *data, size_t len)
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

/* A stream socket connected to the unix socket at path (len bytes); -1
 * with errno (ENAMETOOLONG for a path that does not fit). The connect is
 * non-blocking: a listener whose backlog is full (one that never accepts)
 * is EAGAIN at once, as Go's net.Dial gives runc, not a wait without end;
 * the socket is blocking again afterwards. */
static inline int unix_connect(const char *path, size_t len)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (len >= sizeof addr.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(addr.sun_path, path, len);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || fcntl(fd, F_SETFL, 0) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

#endif
