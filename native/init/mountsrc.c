/*
 * Bind-mount sources opened from the host's side, as runc's parent opens
 * them for its init: in a user namespace the container's root may not
 * reach a source (a file under a 0700 directory of the host's root), and
 * may not make an idmapped mount of a host file system (the kernel wants
 * CAP_SYS_ADMIN over the file system's user namespace).
 *
 * `source-helper` (stage 0, before any namespace) forks the source helper:
 * a process that keeps the runtime's credentials and namespaces and serves
 * requests from stage 1 on a seqpacket socket. For each request it joins
 * the container's mount namespace (stage 1 sends its fd), so the source
 * resolves there as runc resolves it (after the mounts made before it,
 * with the flags the kernel locked), and opens it: O_PATH for a plain bind,
 * or open_tree(OPEN_TREE_CLONE) marked idmapped (mount_setattr) with the
 * user namespace of `idmap-userns`. The fd goes back with SCM_RIGHTS.
 *
 * `host-source` (stage 1) gets that fd for the bind that follows it: the
 * next `mkpoint` looks at it instead of the path, the next bind `mount`
 * mounts /proc/self/fd/N, `idmap-mount` moves the tree onto its target.
 *
 * Owns: source_sock (stage 1's end), bind_source_fd.
 * May assume: `source-helper` runs in stage 0 after the `idmap-userns` ops
 * and before any `setns` or `unshare`; binds come before the root switch,
 * which ends the helper (close_source_helper).
 */
#include "internal.h"
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "../fdpass.h"

static int source_sock = -1; /* stage 1's end of the helper's socket */
int bind_source_fd = -1;     /* `host-source`'s fd, for the next mkpoint and bind */

/* What stage 1 asks for: kind 'p' (O_PATH) or 't' (idmapped tree), then
 * the path; the container's mount namespace fd rides along. */
struct request {
	char kind;
	char recursive;
	uint32_t idmap;
};

/* One message and at most one fd from it (-1: none). */
static ssize_t recv_with_fd(int sock, void *buf, size_t len, int *fd)
{
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
	*fd = -1;
	ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	struct cmsghdr *c = n < 0 ? NULL : CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n;
}

/* An idmapped clone of path's mount (the tree with recursive), or -1 with
 * errno. */
static int idmapped_tree(const char *path, int recursive, uint32_t idmap)
{
	int userns = idmap_userns_fd(idmap);
	if (userns < 0) {
		errno = EINVAL;
		return -1;
	}
	int tree = (int)syscall(SYS_open_tree, AT_FDCWD, path,
				OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
	if (tree < 0)
		return -1;
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0) {
		int err = errno;
		close(tree);
		errno = err;
		return -1;
	}
	return tree;
}

/* The helper: answers each request with an errno (0) and the fd, until
 * stage 1 closes its end. */
static _Noreturn void serve(int sock)
{
	for (;;) {
		struct request req;
		char buf[sizeof req + PATH_MAX + 1];
		int ns;
		ssize_t n = recv_with_fd(sock, buf, sizeof buf - 1, &ns);
		if (n <= 0)
			_exit(0);
		buf[n] = '\0';
		memcpy(&req, buf, n < (ssize_t)sizeof req ? 0 : sizeof req);
		const char *path = buf + sizeof req;
		int fd = -1, err = 0;
		if (n < (ssize_t)sizeof req || ns < 0)
			err = EPROTO;
		else if (setns(ns, CLONE_NEWNS) < 0)
			err = errno;
		else if ((fd = req.kind == 't' ? idmapped_tree(path, req.recursive, req.idmap)
					       : open(path, O_PATH | O_CLOEXEC)) < 0)
			err = errno;
		if (ns >= 0)
			close(ns);
		int sent = fd >= 0 ? send_fd(sock, fd, (char *)&err, sizeof err)
				   : (int)send(sock, &err, sizeof err, MSG_NOSIGNAL);
		if (fd >= 0)
			close(fd);
		if (sent < 0)
			_exit(0);
	}
}

/* `source-helper`: forks the helper. It keeps only its socket and the
 * idmap user namespaces (stdio /dev/null, the sync socket and any caller's
 * fd closed: nobody waits on it for an EOF), and ends when stage 1 does. */
void op_source_helper(const struct op *o)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		fail(LABEL(o), errno);
	pid_t pid = fork();
	if (pid < 0)
		fail(LABEL(o), errno);
	if (pid == 0) {
		int keep[CLOSE_KEEP_MAX], n = 0;
		keep[n++] = sv[1];
		for (int i = 0; n < CLOSE_KEEP_MAX && idmap_userns_fd((uint32_t)i) >= 0; i++)
			keep[n++] = idmap_userns_fd((uint32_t)i);
		int null = open("/dev/null", O_RDWR);
		for (int fd = 0; fd < 3 && null >= 0; fd++)
			dup2(null, fd);
		close(sv[0]);
		close_from(3, keep, n);
		serve(sv[1]);
	}
	close(sv[1]);
	source_sock = sv[0];
}

/* Stage 1: the source from the helper, or -1 with errno. */
static int ask_helper(char kind, const char *path, int recursive, uint32_t idmap)
{
	struct request req = {.kind = kind, .recursive = (char)recursive, .idmap = idmap};
	char buf[sizeof req + PATH_MAX];
	size_t len = strlen(path);
	if (len >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, &req, sizeof req);
	memcpy(buf + sizeof req, path, len);
	int ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return -1;
	int sent = send_fd(source_sock, ns, buf, sizeof req + len);
	close(ns);
	int err = EPROTO, fd;
	if (sent < 0 || recv_with_fd(source_sock, &err, sizeof err, &fd) != sizeof err)
		return errno = EPROTO, -1;
	if (err) {
		if (fd >= 0)
			close(fd);
		return errno = err, -1;
	}
	return fd;
}

/* `host-source source kind recursive idmap`: kind 0, a plain bind: only a
 * source stage 1 cannot stat is asked for (runc's rule); the helper's
 * failure leaves the bind to fail by itself, naming its own errno. Kind 1,
 * idmapped: always a tree, from the helper, or made here without one (no
 * user namespace: this process has the runtime's credentials). */
void op_host_source(const struct op *o)
{
	const char *src = ARG(o, 0);
	int tree = num(o, 1) == 1, recursive = num(o, 2) == 1;
	uint32_t idmap = (uint32_t)num(o, 3);
	struct stat st;
	xclose(&bind_source_fd);
	if (!tree && (source_sock < 0 || stat(src, &st) == 0))
		return;
	int fd = source_sock >= 0 ? ask_helper(tree ? 't' : 'p', src, recursive, idmap)
				  : idmapped_tree(src, recursive, idmap);
	if (fd < 0 && tree && errno == ENOSYS)
		fail_text(LABEL(o), ENOSYS, "the kernel lacks open_tree or mount_setattr (idmapped mounts need Linux 5.12)");
	if (fd < 0 && tree && errno == EINVAL)
		fail_text(LABEL(o), EINVAL, "maybe the file system does not support idmapped mounts on this kernel");
	if (fd < 0 && tree)
		fail(LABEL(o), errno);
	bind_source_fd = fd; /* -1 for a plain bind the helper could not open */
}

/* The root switch: no bind comes after it; the helper sees EOF and ends. */
void close_source_helper(void)
{
	xclose(&source_sock);
	xclose(&bind_source_fd);
}
