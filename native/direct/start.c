/*
 * `runts start` of a created container (src/container/start.ts).
 *
 * Owns: nothing. May assume: direct_command holds the container's lock and
 * has seen the process alive and the barrier there.
 */
#include "internal.h"

/* start: as src/container/start.ts's releaseBarrier. The non-blocking open
 * never hangs on a dead init; the init's own open then completes and it
 * writes one byte, and keeps the fifo open until it execs the program, so
 * EOF after the byte means the program runs; a failure on the way arrives
 * as an "error ..." line. */
void start(const char *dir, const struct record *r, const char *id)
{
	char barrier[4200];
	snprintf(barrier, sizeof barrier, "%s/barrier", dir);
	int fd = open(barrier, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		fail("open %s: %s", barrier, strerrorname_np(errno));
	char said[4096], buf[4096];
	size_t len = 0;
	int released = 0, exited = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n > 0) {
			size_t skip = released ? 0 : 1; /* the release byte */
			released = 1;
			for (size_t k = skip; k < (size_t)n && len + 1 < sizeof said; k++)
				said[len++] = buf[k];
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			int e = errno;
			unlink(barrier);
			fail("read %s: %s", barrier, strerrorname_np(e));
		}
		if (n == 0) {
			if (released)
				break;
			if (!alive(r)) {
				exited = 1;
				break;
			}
		}
		sleep_us(200); /* the init is at most a few ms away */
	}
	close(fd);
	unlink(barrier);
	if (exited)
		fail("cannot start container \"%s\": its process exited", id);
	said[len] = '\0';
	for (char *line = said; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (!strncmp(line, "error ", 6)) {
			char *end = strchr(line, '\n');
			if (end)
				*end = '\0';
			fail("start: %s", line + 6);
		}
	}
}
