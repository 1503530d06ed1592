/*
 * The terminal: `console-connect` to the engine's --console-socket, then
 * `console`, a pty from the container's own devpts whose master goes to
 * that socket and whose slave becomes the controlling terminal, stdio and
 * /dev/console.
 *
 * Owns: the console socket. May assume: `console-connect` runs while the
 * socket's host path is reachable; `console` in the container's mount
 * namespace (its /dev/ptmx is the container's) and after `setsid`.
 */
#include "internal.h"
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <termios.h>

static int console_fd = -1; /* connected --console-socket, set by `console-connect` */

/* `console-connect`: connect to the engine's --console-socket while its
 * host path is still reachable (before pivot_root). */
void op_console_connect(const struct op *o)
{
	console_fd = connect_unix(o);
}

/* `console rows cols uid gid`: a pty from the container's own devpts
 * (opened after pivot_root), its master handed to the console socket with
 * SCM_RIGHTS (payload: the slave's name, as runc sends), the slave made the
 * controlling terminal and stdio 0/1/2, and bound over /dev/console. */
void op_console(const struct op *o)
{
	if (console_fd < 0)
		fail_text(LABEL(o), EINVAL, "no console socket connected");
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		fail(LABEL(o), errno);
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		fail(LABEL(o), errno);
	unsigned int n;
	if (ioctl(master, TIOCGPTN, &n) < 0)
		fail(LABEL(o), errno);
	/* TIOCGPTPEER opens the slave from the master itself: no path lookup
	 * that a container could redirect. */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		fail(LABEL(o), errno);
	struct winsize ws = {.ws_row = (unsigned short)num(o, 0), .ws_col = (unsigned short)num(o, 1)};
	if ((ws.ws_row || ws.ws_col) && ioctl(master, TIOCSWINSZ, &ws) < 0)
		fail(LABEL(o), errno);
	if (fchown(slave, (uid_t)num(o, 2), (gid_t)num(o, 3)) < 0 && errno != EINVAL)
		fail(LABEL(o), errno);

	char name[64];
	int namelen = snprintf(name, sizeof name, "/dev/pts/%u", n);
	if (send_fd(console_fd, master, name, (size_t)namelen) < 0)
		fail(LABEL(o), errno);
	close(master);
	xclose(&console_fd);

	/* /dev/console is the pty too (an empty file to bind over if missing),
	 * for a container's first process; not for exec. */
	int fd = num(o, 4) ? open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
	if (fd >= 0)
		close(fd);
	if (num(o, 4) && (fd >= 0 || errno == EEXIST)) {
		char p[32];
		if (mount(fdpath(slave, p), "/dev/console", NULL, MS_BIND, NULL) < 0)
			fail(LABEL(o), errno);
	}
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		fail(LABEL(o), errno);
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			fail(LABEL(o), errno);
	close(slave);
}
