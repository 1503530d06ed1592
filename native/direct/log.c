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

/* The fields src/errors.ts's parseFields finds in a failure's message,
 * which the json log adds to its line: "[word: ]STEP: ECODE[: ...]". */
static void error_fields(const char *msg, char *out, size_t cap)
{
	out[0] = '\0';
	const char *starts[2] = {NULL, msg};
	size_t w = strspn(msg, "abcdefghijklmnopqrstuvwxyz");
	if (w && msg[w] == ':' && msg[w + 1] == ' ')
		starts[0] = msg + w + 2;
	for (int k = 0; k < 2; k++) {
		const char *s = starts[k];
		if (!s)
			continue;
		for (const char *p = s + 1; *p && p[-1] != '\n'; p++) {
			if (p[-1] == '\n' || *p == '\n')
				break;
			if (strncmp(p, ": E", 3))
				continue;
			size_t n = strspn(p + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
			const char *end = p + 3 + n;
			if (!n || (*end && strncmp(end, ": ", 2)))
				continue;
			char step[2048], code[64], qs[4200];
			snprintf(step, sizeof step, "%.*s", (int)(p - s), s);
			snprintf(code, sizeof code, "%.*s", (int)(end - p - 2), p + 2);
			json_string(qs, sizeof qs, step);
			snprintf(out, cap, ",\"step\":\"%s\",\"code\":\"%s\"", qs, code);
			return;
		}
	}
}

static void log_with(const char *level, const char *msg, const char *fields)
{
	if (!logging || !logging->log)
		return;
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char when[64], quoted[4096], line[8600];
	snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000));
	json_string(quoted, sizeof quoted, msg);
	int n = logging->json ? snprintf(line, sizeof line, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"%s}\n", level, quoted, when, fields)
			      : snprintf(line, sizeof line, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, quoted);
	int fd = open(logging->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return; /* as log.ts: a log we cannot write is not a second failure */
	if (write(fd, line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1)) < 0) { /* the same */
	}
	close(fd);
}

void log_line(const char *level, const char *msg)
{
	log_with(level, msg, "");
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

static _Noreturn void vfail(int status, const char *fmt, va_list ap)
{
	char msg[2048], fields[4400];
	vsnprintf(msg, sizeof msg, fmt, ap);
	error_fields(msg, fields, sizeof fields);
	log_with("error", msg, fields);
	dprintf(2, "runts: %s\n", msg);
	_exit(status);
}

__attribute__((noreturn)) void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(1, fmt, ap);
}

/* exec's own failures exit 255, as runc's (src/cli/exec.ts), so that they
 * differ from any status of the process. */
__attribute__((noreturn)) void fail_exec(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(255, fmt, ap);
}
