/*
 * The `direct` record create leaves in the container's state directory
 * (src/container/state.ts, directRecord), the process it names (alive, or
 * gone or a reused pid) and the status state and list print.
 *
 * Owns: nothing. May assume: the record is plain lines; one that is not as
 * expected is no record (Node runs the command).
 */
#include "internal.h"

int read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0 || (size_t)n == cap - 1)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

/* The record, as directRecord writes it; 0 if it is not one. */
int read_record(const char *dir, struct record *r)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/direct", dir);
	if (read_file(path, r->text, sizeof r->text) < 0)
		return 0;
	char *save = NULL, *line = strtok_r(r->text, "\n", &save);
	/* Version 1 (before state and list were here): start, delete, kill only. */
	if (!line || (strcmp(line, "runts-direct 1") && strcmp(line, "runts-direct 2")))
		return 0;
	r->pid = 0;
	r->starttime[0] = '\0';
	r->ncgroups = r->nparents = 0;
	r->listed = r->freezer_version = r->nannotations = 0;
	r->oci = r->bundle = r->rootfs_json = r->created = r->owner = r->freezer_dir = NULL;
	r->systemd_unit = NULL;
	r->systemd_system = 0;
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (!strcmp(line, "listed")) {
			r->listed = r->oci && r->bundle && r->rootfs_json && r->created && r->owner;
			continue;
		}
		char *value = strchr(line, ' ');
		if (!value)
			return 0;
		*value++ = '\0';
		if (!strcmp(line, "oci"))
			r->oci = value;
		else if (!strcmp(line, "bundle"))
			r->bundle = value;
		else if (!strcmp(line, "rootfs-json"))
			r->rootfs_json = value;
		else if (!strcmp(line, "created"))
			r->created = value;
		else if (!strcmp(line, "owner"))
			r->owner = value;
		else if (!strcmp(line, "freezer") && (value[0] == '1' || value[0] == '2') && value[1] == ' ') {
			r->freezer_version = value[0] - '0';
			r->freezer_dir = value + 2;
		} else if (!strcmp(line, "annotation")) {
			if (r->nannotations >= MAX_ANNOTATIONS)
				return 0;
			r->annotations[r->nannotations++] = value;
		} else if (!strcmp(line, "pid"))
			r->pid = strtol(value, NULL, 10);
		else if (!strcmp(line, "starttime") && strlen(value) < sizeof r->starttime)
			strcpy(r->starttime, value);
		else if (!strcmp(line, "cgroup") && r->ncgroups < MAX_DIRS)
			r->cgroups[r->ncgroups++] = value;
		else if (!strcmp(line, "systemd") && value[0]) {
			/* "system UNIT" or "user UNIT"; a record from before the
			 * manager was written says only "UNIT" (manager unknown). */
			char *unit = strchr(value, ' ');
			r->systemd_system = unit && !strncmp(value, "system ", 7);
			r->systemd_unit = unit ? unit + 1 : value;
		}
		else if (!strcmp(line, "parent") && r->nparents < MAX_DIRS)
			r->parents[r->nparents++] = value;
		else
			return 0;
	}
	snprintf(path, sizeof path, "%s/state.json", dir);
	return r->pid > 0 && r->starttime[0] && access(path, F_OK) == 0;
}

/* Alive, the recorded process (not a reused pid) and not a zombie: as
 * src/sys/proc.ts's isAlive. */
int alive(const struct record *r)
{
	char path[64], stat[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", r->pid);
	if (read_file(path, stat, sizeof stat) < 0)
		return 0;
	char *p = strrchr(stat, ')');
	if (!p || p[1] != ' ')
		return 0;
	char state = p[2];
	/* Field 3 is the state; field 22 the start time. */
	p += 2;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return 0;
	size_t n = strcspn(p, " ");
	return state != 'Z' && state != 'X' && n == strlen(r->starttime) && !strncmp(p, r->starttime, n);
}

/* The status as src/container/state.ts's statusOf tells it: stopped unless
 * the recorded process lives; created while the barrier is there; paused
 * when its freezer says so (as src/cgroups/freezer.ts's isFrozenCgroup:
 * v1 FROZEN or FREEZING of its own, not a parent's; v2 cgroup.freeze 1). */
const char *status_of(const char *dir, const struct record *r)
{
	if (!alive(r))
		return "stopped";
	char path[4400], text[64];
	snprintf(path, sizeof path, "%s/barrier", dir);
	if (access(path, F_OK) == 0)
		return "created";
	if (r->freezer_version == 1) {
		snprintf(path, sizeof path, "%s/freezer.state", r->freezer_dir);
		if (read_file(path, text, sizeof text) < 0 || !strncmp(text, "THAWED", 6))
			return "running";
		snprintf(path, sizeof path, "%s/freezer.self_freezing", r->freezer_dir);
		if (read_file(path, text, sizeof text) < 0)
			return "paused";
		return text[0] == '1' && (text[1] == '\n' || !text[1]) ? "paused" : "running";
	}
	if (r->freezer_version == 2) {
		snprintf(path, sizeof path, "%s/cgroup.freeze", r->freezer_dir);
		if (read_file(path, text, sizeof text) >= 0 && text[0] == '1' && (text[1] == '\n' || !text[1]))
			return "paused";
	}
	return "running";
}
