/*
 * `runts list` (src/container/list.ts, src/cli/list.ts): every container
 * under --root, when every one has a version 2 record.
 *
 * Owns: nothing. May assume: nothing; no lock, as list.ts.
 */
#include "internal.h"
#include <dirent.h>

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list: every container under --root, as src/container/list.ts and
 * src/cli/list.ts; returns (to Node) unless every container there has a
 * version 2 record. */
void list_all(const struct command *c)
{
	DIR *d = opendir(c->root);
	if (!d)
		return;
	size_t n = 0, cap = 64;
	char **ids = malloc(cap * sizeof *ids);
	struct dirent *e;
	while (ids && (e = readdir(d))) {
		if (!valid_id(e->d_name))
			continue; /* "." and "..", and nothing a container could be */
		if (n == cap)
			ids = realloc(ids, (cap *= 2) * sizeof *ids);
		if (ids)
			ids[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (!ids)
		return;
	qsort(ids, n, sizeof *ids, by_name);
	struct record *recs = calloc(n ? n : 1, sizeof *recs);
	const char **status = calloc(n ? n : 1, sizeof *status);
	long *pid = calloc(n ? n : 1, sizeof *pid); /* as list prints it: 0 once stopped */
	if (!recs || !status || !pid)
		return;
	char dir[4400];
	for (size_t k = 0; k < n; k++) {
		snprintf(dir, sizeof dir, "%s/%s", c->root, ids[k]);
		if (!ids[k] || !read_record(dir, &recs[k]) || !recs[k].listed)
			return; /* a create under way, a container without the record: Node */
		status[k] = status_of(dir, &recs[k]);
		pid[k] = strcmp(status[k], "stopped") ? recs[k].pid : 0L;
	}
	struct out o = {0};
	put(&o, "%s", ""); /* an empty list still prints (a lone newline, or []) */
	if (c->quiet) {
		for (size_t k = 0; k < n; k++)
			put(&o, "%s\n", ids[k]);
	} else if (c->list_json) {
		put(&o, "[");
		for (size_t k = 0; k < n; k++) {
			const struct record *r = &recs[k];
			put(&o, "%s{\"ociVersion\":\"%s\",\"id\":\"%s\",\"pid\":%ld,\"status\":\"%s\",\"bundle\":\"%s\",\"rootfs\":%s,\"created\":\"%s\",\"owner\":\"%s\"}",
			    k ? "," : "", r->oci, ids[k], pid[k], status[k], r->bundle, r->rootfs_json, r->created, r->owner);
		}
		put(&o, "]\n");
	} else {
		/* columns as wide as their widest cell, three spaces apart */
		static const char *const head[6] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
		size_t w[5];
		char (*pid_text)[24] = calloc(n ? n : 1, sizeof *pid_text);
		if (!pid_text)
			return;
		for (int col = 0; col < 5; col++)
			w[col] = strlen(head[col]);
		for (size_t k = 0; k < n; k++) {
			snprintf(pid_text[k], sizeof pid_text[k], "%ld", pid[k]);
			const char *cell[5] = {ids[k], pid_text[k], status[k], recs[k].bundle, recs[k].created};
			for (int col = 0; col < 5; col++)
				if (strlen(cell[col]) > w[col])
					w[col] = strlen(cell[col]);
		}
		for (int col = 0; col < 5; col++)
			pad(&o, head[col], w[col] + 3);
		put(&o, "%s", head[5]);
		for (size_t k = 0; k < n; k++) {
			const struct record *r = &recs[k];
			const char *cell[5] = {ids[k], pid_text[k], status[k], r->bundle, r->created};
			put(&o, "\n");
			for (int col = 0; col < 5; col++)
				pad(&o, cell[col], w[col] + 3);
			put(&o, "%s", r->owner);
		}
		put(&o, "\n");
	}
	flush_out(&o);
	_exit(0);
}
