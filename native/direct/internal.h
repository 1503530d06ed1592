/*
 * What the files of direct/ share: the command as parsed, the record
 * create leaves, and the functions one file offers the others.
 * `start`, `delete`, `kill`, `state` and `list` run by bin/runts itself,
 * without Node, for the containers whose create left a `direct` record in
 * their state directory (src/container/state.ts, directRecord: no
 * poststart or poststop hooks, no mounts in the host's namespace, only
 * cgroups runts made). Engines call these for every container, and their
 * work is small next to Node's start (docs/architecture.md, "start, delete
 * and kill without Node"; docs/performance.md, item 25).
 *
 * The TypeScript still decides everything: create writes, as plain lines,
 * the pid and start time to check, the cgroup directories to remove and
 * their parents; this code only carries that out. Anything out of the
 * ordinary returns to the launcher before anything has changed, and the
 * launcher starts Node as usual, which says what is wrong in its own words:
 * an option this code does not take, a container without the record or in
 * a state the command refuses (not created, for start; running without
 * --force, for delete; stopped, for kill without --all), a signal it does
 * not know, kill --all without the cgroups and freezer in the record, a
 * delete of a container whose cgroup is a systemd unit that systemd may
 * still have loaded (stopped over D-Bus; delete.c, systemd_dropped). Once
 * it has begun, it finishes the command as
 * src/container/start.ts, delete.ts and kill.ts would, with the same
 * messages and --log lines (src/log.ts).
 *
 *   command.c   direct_command: parse, lock, record, checks, dispatch
 *   cmdline.c   the command line and --root's default
 *   record.c    the record, the process's liveness, the status
 *   log.c       --log lines, warnings, failure
 *   start.c     start
 *   delete.c    delete
 *   kill.c      kill
 *   state.c     state
 *   list.c      list
 *   out.c       stdout, gathered and written at once (state, list)
 *   exec.c      exec: the record, the process, the init driven to the end
 *   execplan.c  exec's plan for runts-init, as src/plan/exec.ts makes it
 *   execlsm.c   exec: whether the AppArmor profile and SELinux label apply here
 *   json.c      a small strict JSON reader (process.json)
 */
#ifndef RUNTS_DIRECT_INTERNAL_H
#define RUNTS_DIRECT_INTERNAL_H

#define _GNU_SOURCE
#include "../direct.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_DIRS 64

#define MAX_ANNOTATIONS 1024

enum verb { START, DELETE, KILL, STATE, LIST, EXEC };

struct command {
	enum verb verb;
	const char *root, *log, *id, *signal;
	int json, force, all; /* all: kill's --all */
	int quiet, list_json; /* list's --quiet and --format json */
	/* exec's: --process, --console-socket, --pid-file, --preserve-fds,
	 * --detach, --tty, and the command after the ID */
	const char *process_file, *console_socket, *pid_file, *pidfd_socket;
	int preserve_fds, detach, tty, ncommand;
	char **command;
};

struct record {
	long pid;
	char starttime[32];
	int ncgroups, nparents;
	char *cgroups[MAX_DIRS], *parents[MAX_DIRS];
	/* what state and list print (record version 2, "listed" at its end) */
	int listed, freezer_version, nannotations;
	char *oci, *bundle, *rootfs_json, *created, *owner, *freezer_dir;
	char *annotations[MAX_ANNOTATIONS];
	/* the systemd unit made for it (--systemd-cgroup); NULL: cgroupfs.
	 * A unit systemd still has loaded is stopped over D-Bus, by Node's
	 * delete; systemd_system: the unit is the system manager's (not a
	 * user's, rootless, nor unknown: an older record). */
	const char *systemd_unit;
	int systemd_system;
	char text[65536];
};

/* Output, gathered and written at once (out.c). */
struct out {
	char *buf;
	size_t len, cap;
};

/* log.c */
extern const struct command *logging;
void log_line(const char *level, const char *msg);
__attribute__((format(printf, 1, 2))) void warn(const char *fmt, ...);
__attribute__((format(printf, 1, 2), noreturn)) void fail(const char *fmt, ...);
__attribute__((format(printf, 1, 2), noreturn)) void fail_exec(const char *fmt, ...);

/* cmdline.c */
int valid_id(const char *id);
int parse(int argc, char **argv, struct command *c);
int parse_exec(int argc, char **argv, struct command *c);

/* record.c */
int read_file(const char *path, char *buf, size_t cap);
int read_record(const char *dir, struct record *r);
int alive(const struct record *r);
const char *status_of(const char *dir, const struct record *r);

/* json.c: a document as a table of nodes; a member's key is in `key`,
 * a string's or number's text in `str` (NUL-ended, UTF-8). */
#define MAX_JSON_NODES 8192
#define MAX_JSON_DEPTH 8
enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };
struct json_node {
	enum json_type type;
	const char *key, *str;
	size_t len;
	int child, next;
};
struct json {
	int n;
	char *strings;
	struct json_node nodes[MAX_JSON_NODES];
};
int json_parse(struct json *j, const char *text, size_t len);
int json_get(const struct json *j, int k, const char *key);

/* execplan.c: the process exec runs, and its plan */
#define MAX_ARGS 4096
#define MAX_GIDS 64
#define MAX_RLIMITS 32
struct rlimit_entry {
	int type;
	const char *soft_label, *hard_label; /* as JS prints the numbers */
	char soft[24], hard[24];              /* as the init reads them */
};
struct process {
	int terminal, console_size, no_new_privs, has_umask, has_oom;
	const char *oom_score_adj; /* as JS prints it */
	unsigned long long height, width, uid, gid, umask;
	const char *cwd;
	const char *apparmor, *selinux; /* the labels it execs into; NULL: none */
	const char *args[MAX_ARGS], *env[MAX_ARGS];
	int nargs, nenv, ngids, nrlimits;
	unsigned long long gids[MAX_GIDS];
	unsigned long long caps[5]; /* bounding, effective, permitted, inheritable, ambient */
	struct rlimit_entry rlimits[MAX_RLIMITS];
};
struct exec_input {
	const struct process *process;
	long pid;
	unsigned namespaces; /* bits in the order user ipc uts net pid cgroup time mnt */
	const char *console_socket;
	const char *home; /* from the container's /etc/passwd; NULL: none */
	int preserve_fds;
	int send_pidfd; /* --pidfd-socket: the process waits for it (sync "pidfd") */
	unsigned seccomp_flags;
	const char *seccomp_bpf;
	size_t seccomp_len;
	const char *keyring; /* the container's session keyring; NULL: none */
};
struct plan {
	char *buf;
	size_t len, cap;
	int failed;
};
extern const char *const CAPABILITY_NAMES[], *const RLIMIT_NAMES[];
int take_process(const struct json *j, int k, struct process *p);
int with_command(struct process *p, const char *const *command, int n, int tty);
int with_labels(struct process *p, const char *apparmor, const char *selinux);

/* execlsm.c: whether this host can apply the process's labels now */
int labels_applicable(const struct process *p);
int compile_exec(const struct exec_input *in, struct plan *pl);

/* out.c */
__attribute__((format(printf, 2, 3))) void put(struct out *o, const char *fmt, ...);
void pad(struct out *o, const char *cell, size_t width);
void flush_out(const struct out *o);

/* The commands, each carried out once direct_command has checked it may
 * (show_state and list_all check for themselves: they return, having
 * changed nothing, when Node must run the command). */
void start(const char *dir, const struct record *r, const char *id); /* start.c */
void delete(const char *dir, const struct record *r);                /* delete.c */
int systemd_dropped(const struct record *r);                         /* delete.c */
int signal_number(const char *text);                                 /* kill.c */
void kill_process(const struct record *r, int sig);                  /* kill.c */
void kill_all(const struct record *r, int sig);                      /* kill.c */
void show_state(const char *dir, const char *id);                    /* state.c */
void list_all(const struct command *c);                              /* list.c */

/* start.c and delete.c wait in small steps */
static inline void sleep_us(long us)
{
	struct timespec ts = {0, us * 1000};
	nanosleep(&ts, NULL);
}

static inline long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
