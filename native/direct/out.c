/*
 * What state and list print, gathered and written to stdout at once.
 *
 * Owns: nothing. May assume: nothing.
 */
#include "internal.h"
#include <stdarg.h>

void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(o->buf ? o->buf + o->len : NULL, o->buf ? o->cap - o->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			_exit(1);
		if (o->buf && o->len + (size_t)n < o->cap) {
			o->len += (size_t)n;
			return;
		}
		size_t cap = (o->cap ? o->cap * 2 : 65536) + (size_t)n;
		char *b = realloc(o->buf, cap);
		if (!b)
			fail("out of memory");
		o->buf = b;
		o->cap = cap;
	}
}

void pad(struct out *o, const char *cell, size_t width)
{
	put(o, "%s%*s", cell, (int)(width - strlen(cell)), "");
}

void flush_out(const struct out *o)
{
	for (size_t done = 0; done < o->len;) {
		ssize_t n = write(1, o->buf + done, o->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1);
		done += (size_t)n;
	}
}
