/*
 * The init's side of the sync socket (docs/init-protocol.md, "Messages"):
 * lines out (`error`, `sync`, `notify`, `pid`, ...), reply lines in, and
 * the ops that talk to the runtime: `fork` (the split of stage 0 from
 * stage 1, which says `pid`), `sync` and `notify`.
 *
 * Owns: sync_fd, the payload of the last `ok <payload>` reply,
 * plan_pending. Every failure anywhere ends here (fail*): one `error` line,
 * then exit 1 with the unread input drained.
 * May assume: one thread; a forked stage shares the socket, so a reader
 * never takes a byte past its own line.
 */
#include "internal.h"
#include <stdarg.h>
#include <signal.h>
#include <sys/socket.h>

int sync_fd = -1;    /* the socket to the runtime (CLOEXEC) */
int exec_fd = -1;    /* the same socket after `ready`, kept for exec (op_notify) */
char *payload;       /* payload of the last `ok <payload>` reply */
size_t payload_len;

/* Writes all of buf to the socket. Returns -1 if the runtime has closed its
 * end. MSG_NOSIGNAL: no SIGPIPE death. */
int send_all(const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = send(sync_fd, buf, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Sends one protocol line. Newlines inside the text (from a label, say) are
 * turned into spaces so that one message stays one line. */
__attribute__((format(printf, 1, 2))) void send_line(const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		_exit(1);
	for (char *p = s; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (sync_fd < 0) { /* no socket (any more): stderr, and start if it listens */
		if (start_fd >= 0)
			dprintf(start_fd, "%s\n", s);
		/* People read stderr: the message without the protocol's
		 * keyword (`error running ... hook`, not `error error ...`). */
		dprintf(2, "runts-init: %s\n", strncmp(s, "error ", 6) ? s : s + 6);
		_exit(1);
	}
	s[n] = '\n'; /* overwrites the NUL; length is n + 1 */
	if (send_all(s, (size_t)n + 1) < 0) {
		/* runts closed its end before `ready`: it gave up on this
		 * create (and is removing the cgroups we may be joining) or
		 * died. Nobody is left to tell; a line on the caller's stderr
		 * after runts's own error would only confuse. */
		_exit(1);
	}
	free(s);
}

const char *errname(int err)
{
	const char *s = strerrorname_np(err);
	return s ? s : "EUNKNOWN";
}

/* Exit 1 after discarding unread input: closing a unix socket with data
 * still queued (an unread plan, say) makes the runtime's next read fail with
 * ECONNRESET instead of a clean EOF. */
int plan_pending = 1; /* stage 0 has not read the plan yet */

_Noreturn void drain_and_exit(void)
{
	char buf[4096];
	/* Failing before the plan came (start-up): wait for it and read it
	 * whole. Gone first, we would make the runtime's write of the plan
	 * fail, and its socket would be torn down with our error line unread. */
	uint32_t left;
	if (plan_pending && sync_fd >= 0 && read_plan_length(&left) == 0) {
		while (left > 0) {
			ssize_t r = read(sync_fd, buf, left < sizeof buf ? left : sizeof buf);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			left -= (uint32_t)r;
		}
	}
	if (sync_fd >= 0 && fcntl(sync_fd, F_SETFL, O_NONBLOCK) == 0)
		while (read(sync_fd, buf, sizeof buf) > 0)
			;
	_exit(1);
}

/* `error <label>: <ERRNO>: <text>` and exit 1. text NULL = strerror(err). */
_Noreturn void fail_text(const char *label, int err, const char *text)
{
	send_line("error %s: %s: %s", label, errname(err), text ? text : strerror(err));
	drain_and_exit();
}

_Noreturn void fail(const char *label, int err)
{
	fail_text(label, err, NULL);
}

/* `error <label>: <free text>` (hook outcomes that are not an errno). */
__attribute__((format(printf, 2, 3))) _Noreturn void fail_msg(const char *label,
								      const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		_exit(1);
	send_line("error %s: %s", label, s);
	drain_and_exit();
}

int read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Reads one reply line, byte by byte: the init must never consume bytes
 * beyond the line (a forked child shares the socket). NULL on EOF/error. */
char *read_line(size_t *len)
{
	/* Peek, then take exactly up to the newline: what follows the line is
	 * for a later reader (stage 1 reads on from the same socket). */
	size_t cap = 512, n = 0;
	char *s = malloc(cap);
	for (;;) {
		if (!s)
			return NULL;
		ssize_t r = recv(sync_fd, s + n, cap - n - 1, MSG_PEEK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		char *nl = memchr(s + n, '\n', (size_t)r);
		size_t take = nl ? (size_t)(nl - (s + n)) + 1 : (size_t)r;
		for (size_t got = 0; got < take;) {
			ssize_t k = read(sync_fd, s + n + got, take - got);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				goto gone;
			got += (size_t)k;
		}
		n += take;
		if (nl) {
			s[n - 1] = '\0';
			*len = n - 1;
			return s;
		}
		if (cap - n - 1 == 0) {
			if (cap >= MAX_LINE)
				break;
			cap *= 2;
			s = realloc(s, cap);
		}
	}
gone:
	free(s);
	return NULL;
}

void op_fork(const struct op *o)
{
	/* The child waits on this pipe until the parent has sent `pid` (and
	 * exited), so `pid` always comes before anything the child says. */
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		fail(LABEL(o), errno);
	pid_t pid = fork_into_cgroup();
	if (pid < 0)
		fail(LABEL(o), errno);
	if (pid > 0) {
		char line[32];
		int n = snprintf(line, sizeof line, "pid %d\n", (int)pid);
		/* The waiter first: once we exit, the child may run and end. */
		if ((waiter_fd >= 0 && write(waiter_fd, &pid, sizeof pid) != sizeof pid) ||
		    send(sync_fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
			/* Nobody would know of the child: it must not go on. */
			kill(pid, SIGKILL);
			_exit(1);
		}
		_exit(0); /* closes p[1]: releases the child */
	}
	close(p[1]);
	keep_ready_pipe();
	xclose(&cgroup2_fd);
	char c;
	while (read(p[0], &c, 1) < 0 && errno == EINTR)
		;
	close(p[0]);
}

void op_sync(const struct op *o)
{
	size_t n;
	send_line("sync %s", ARG(o, 0));
	char *line = read_line(&n);
	if (!line)
		_exit(1); /* runtime gone: never hang, never go on alone */
	if (!strcmp(line, "ok")) {
		free(line);
	} else if (!strncmp(line, "ok ", 3)) {
		free(payload);
		payload = line; /* keep the whole line; the payload starts at +3 */
		payload_len = n - 3;
	} else if (!strcmp(line, "abort")) {
		drain_and_exit();
	} else {
		fail_text(LABEL(o), EPROTO, "unexpected reply to sync");
	}
}

void op_notify(const struct op *o)
{
	/* The plan says what becomes of the socket after `ready`, as only its
	 * compiler knows what the process does next. `close`: the init closes
	 * it (create's plan: the init waits on at the barrier, holding no fd
	 * but stdio and the barrier). `keep`: it is left to close at the
	 * execve (close-on-exec; exec's plan): its EOF tells a
	 * runtime that waits for it (bin/runts's exec --detach) that the
	 * program runs, under its label, or that the process is gone; a failed
	 * execve says so on it first (exec.c). */
	int keep = !strcmp(ARG(o, 1), "keep");
	if (!keep && strcmp(ARG(o, 1), "close"))
		fail_text(LABEL(o), EINVAL, "socket must be close or keep");
	send_line("notify %s", ARG(o, 0));
	/* After `ready` the runtime stops listening (create has returned):
	 * later failures go to the container's stderr instead. */
	if (!strcmp(ARG(o, 0), "ready")) {
		if (!keep)
			close(sync_fd);
		else
			exec_fd = sync_fd;
		sync_fd = -1;
		tell_reaper_ready();
	}
}
