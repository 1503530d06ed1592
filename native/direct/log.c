/*
 * Messages as src/log.ts writes them: --log lines (text or json), warnings
 * (only to the log when there is one: an engine's stderr may be the
 * container's log stream) and the failure that ends a command.
 *
 * Owns: logging, the command whose --log and --log-format apply (set once
 * the command has begun). May assume: nothing else.
 */
#include "internal.h"
#include <stdarg.h>
#include <time.h>

const struct command *logging;

/* msg as JSON.stringify writes a string (inside quotes). */
static size_t json_string(char *out, size_t cap, const char *msg)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)msg; *p && n + 8 < cap; p++) {
		if (*p == '"' || *p == '\\')
			n += (size_t)snprintf(out + n, cap - n, "\\%c", *p);
		else if (*p == '\n')
			n += (size_t)snprintf(out + n, cap - n, "\\n");
		else if (*p < 0x20)
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", *p);
		else
			out[n++] = (char)*p;
	}
	out[n] = '\0';
	return n;
}

void log_line(const char *level, const char *msg)
{
	if (!logging || !logging->log)
		return;
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char when[64], quoted[4096], line[4400];
	snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000));
	json_string(quoted, sizeof quoted, msg);
	int n = logging->json ? snprintf(line, sizeof line, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n", level, quoted, when)
			      : snprintf(line, sizeof line, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, quoted);
	int fd = open(logging->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return; /* as log.ts: a log we cannot write is not a second failure */
	if (write(fd, line, (size_t)n) < 0) { /* the same */
	}
	close(fd);
}

/* With --log, warnings go only there (an engine's stderr may be the
 * container's log stream). */
void warn(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_line("warning", msg);
	if (!logging->log)
		dprintf(2, "runts: warning: %s\n", msg);
}

__attribute__((noreturn)) void fail(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_line("error", msg);
	dprintf(2, "runts: %s\n", msg);
	_exit(1);
}
