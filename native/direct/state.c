/*
 * `runts state` (src/cli/state.ts) from a version 2 record.
 *
 * Owns: SPEC_VERSION. May assume: nothing; no lock, as state.ts
 * (state.json is replaced by rename).
 */
#include "internal.h"

/* The runtime-spec version state prints (src/container/state.ts, SPEC_VERSION;
 * a unit test keeps the two the same). */
#define SPEC_VERSION "1.3.0"

/* state: JSON.stringify(toState(...), null, 2), as src/cli/state.ts prints it. */
static void print_state(const char *id, const char *status, const struct record *r)
{
	struct out o = {0};
	put(&o, "{\n  \"ociVersion\": \"%s\",\n  \"id\": \"%s\",\n  \"status\": \"%s\",\n  \"bundle\": \"%s\",\n", SPEC_VERSION, id, status, r->bundle);
	if (strcmp(status, "stopped"))
		put(&o, "  \"pid\": %ld,\n", r->pid);
	put(&o, "  \"annotations\": {");
	for (int k = 0; k < r->nannotations; k++)
		put(&o, "%s\n    %s", k ? "," : "", r->annotations[k]);
	put(&o, "%s}\n}\n", r->nannotations ? "\n  " : "");
	flush_out(&o);
}

/* state of one container; returns (to Node) unless it has a version 2
 * record. */
void show_state(const char *dir, const char *id)
{
	static struct record sr;
	if (!read_record(dir, &sr) || !sr.listed)
		return;
	print_state(id, status_of(dir, &sr), &sr);
	_exit(0);
}
