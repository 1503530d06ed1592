/*
 * What the files of runts-init share: the op as the plan reader hands it
 * over, the state more than one file touches (each with the file that owns
 * it), and the functions one file offers the others. Each file's own
 * header says what it owns and what it may assume.
 *
 *   main.c        start-up up to the plan: sealed copy, arguments, main()
 *   early.c       the early init and the early helper
 *   waiter.c      the waiter (foreground run and exec) and the reaper
 *   cgroups.c     mkcgroup, joining the container's cgroups, clone3
 *   protocol.c    the sync socket: lines out, replies in, fail*();
 *                 ops fork, sync, notify
 *   plan.c        the plan reader and the op table (the instruction set)
 *   util.c        op arguments, fd paths, small files
 *   namespaces.c  setns, unshare, become-root, write, hostname,
 *                 domainname, sysctl, loopback-up
 *   idmap.c       idmap-userns, idmap-mount
 *   mountsrc.c    source-helper, host-source: bind sources from the host's side
 *   rootfs.c      in-root path resolution; root, mkdirs, mkfile, mkpoint,
 *                 pivot-root, chroot, move-root, chdir
 *   mounts.c      mount-host, mount, mount-copyup, mount-tmpfs, remount, propagate,
 *                 setattr, mask, readonly
 *   devices.c     mknod, bind-dev, symlink
 *   process.c     setsid, umask, rlimit, personality, ioprio, scheduler,
 *                 cpu-affinity, mempolicy
 *   creds.c       user, caps, no-new-privs, keyring
 *   seccomp.c     seccomp, seccomp-listener-connect, seccomp-listener
 *   fdpass.c      unix sockets to the engine's listeners, SCM_RIGHTS
 *   terminal.c    console-connect, console
 *   barrier.c     open-barrier, wait-barrier
 *   hooks.c       hook
 *   exec.c        lookup, exec; the clean state the program starts with
 *   lsm.c         apparmor-exec, selinux-label, file-label (AppArmor, SELinux)
 */
#ifndef RUNTS_INIT_INTERNAL_H
#define RUNTS_INIT_INTERNAL_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>

#define MAX_LINE (16u << 20) /* sanity cap on a sync reply */

/* One instruction: f[0] is the op, f[1] the label, f[2..n-1] the args. Every
 * field is NUL-terminated in place; len[] keeps the true length because the
 * seccomp program and `write` contents may hold NUL bytes. */
struct op {
	uint32_t n;
	char **f;
	uint32_t *len;
};

#define LABEL(o) ((o)->f[1])
#define NARGS(o) ((int)(o)->n - 2)
#define ARG(o, i) ((o)->f[2 + (i)])
#define ARGLEN(o, i) ((o)->len[2 + (i)])

/* What the init does before the plan comes, while runts compiles it: its
 * arguments (docs/init-protocol.md). main.c parses them. */
struct startup {
	int lock;	     /* `lock FD`: the container's lock, taken for runts */
	const char *fifo;    /* `mkfifo PATH MODE`: the start barrier */
	const char *fifo_mode;
	int waiter;	     /* `waiter`: split off the waiter (run, exec in the foreground) */
	int exit_lock;	     /* `exit-lock FD`: the waiter takes it when the process has exited */
	int cgroup2_now;     /* `cgroup2-now`: join a cgroup2 dir at once, not at the fork */
	char **cgroups;	     /* `cgroup DIR`...: the cgroups to join */
	int ncgroups;
	int preserve_fds;    /* early init: `preserve-fds N`, the caller's fds 3..3+N-1 */
	int runts_pid;	     /* early init: `runts PID`, whose lock fds `lock` and `exit-lock` name */
	char **mk_root, **mk_dir; /* `mkcgroup ROOT DIR CPUSET`...: cgroup directories to make */
	int *mk_cpuset, nmk;
};

/* State shared between files, by owner. */
/* protocol.c */
extern int sync_fd;        /* the socket to the runtime (CLOEXEC) */
extern int exec_fd;        /* after `ready` in exec's plan: the socket, left to the execve */
extern int sigpipe_ignored; /* SIGPIPE is SIG_IGN (start-up), for exec to restore */
extern char *payload;      /* payload of the last `ok <payload>` reply */
extern size_t payload_len;
extern int plan_pending;   /* stage 0 has not read the plan yet */
/* barrier.c */
extern int barrier_fd;     /* O_PATH fifo set by `open-barrier` */
extern const char *made_fifo; /* `mkfifo PATH`: barrier_fd is already open on it */
extern int start_fd;       /* the barrier fifo's write end after `wait-barrier`: runts start reads it */
/* cgroups.c */
extern int cgroup2_fd;     /* the container's cgroup2 dir: `fork` clones into it */
extern const char *cgroup2_dir; /* its path, for messages */
/* waiter.c */
extern int waiter_fd;      /* the pipe that tells the waiter (or reaper) the container's pid */
extern int no_subreaper;

/* protocol.c: messages; every failure ends in fail*() */
int send_all(const char *buf, size_t n);
__attribute__((format(printf, 1, 2))) void send_line(const char *fmt, ...);
const char *errname(int err);
const char *go_signal(int sig, char *buf, size_t n); /* util.c: "bad system call" */
const char *go_strerror(int err, char *buf, size_t n); /* util.c: "no such file or directory" */
_Noreturn void drain_and_exit(void);
_Noreturn void fail_text(const char *label, int err, const char *text);
_Noreturn void fail(const char *label, int err);
__attribute__((format(printf, 2, 3))) _Noreturn void fail_msg(const char *label, const char *fmt, ...);
int read_full(int fd, void *buf, size_t n);
char *read_line(size_t *len);

/* plan.c */
int read_plan_length(uint32_t *total);
void run_plan(void);

/* util.c */
int parse_u64(const char *s, unsigned long long *out);
unsigned long long num(const struct op *o, int i);
const char *opt(const char *s);
const char *fdpath(int fd, char buf[32]);
void xclose(int *fd);
char **take_list(const struct op *o, int *i);
struct program {
	const char *path;
	char **argv, **envp;
};
struct program take_program(const struct op *o);
void write_file_or_fail(const char *label, const char *path, const char *text, size_t len);

/* rootfs.c: in-root path resolution */
int in_root(const char *path, int extra);
int in_root_or_fail(const char *label, const char *path, int extra);
int walk_create(const char *label, const char *path, int as_file, mode_t mode);
int mkdirs_fd(const char *label, const char *path, mode_t mode);
int parent_fd(const char *label, const char *path, char **base);

/* main.c */
int lock_fd(int fd);
int make_fifo(const char *path, const char *mode_text);
int parse_fd(const char *s);

/* early.c */
void read_early_args(int *argc, char ***argv);
void adopt_early(struct startup *st);
int early_helper(void);

/* waiter.c */
#define CLOSE_KEEP_MAX 72
int close_from(int from, const int *keep, int n);
void start_waiter(int as_waiter, int exit_lock, int status_fd);
void keep_ready_pipe(void);
void tell_reaper_ready(void);

/* cgroups.c */
void join_cgroup(const char *dir);
void join_cgroup2_now(void);
pid_t fork_into_cgroup(void);
void make_cgroups(const struct startup *st);

/* fdpass.c; send_fd and unix_connect from ../fdpass.h */
#include "../fdpass.h"
int connect_unix(const struct op *o);

/* exec.c */
int cloexec_from(int first);
void reset_signals(void);

/* The ops, by file; plan.c's table maps their names to them. */
/* protocol.c */
void op_fork(const struct op *o);
void op_sync(const struct op *o);
void op_notify(const struct op *o);
/* namespaces.c */
void op_setns(const struct op *o);
void op_unshare(const struct op *o);
void op_become_root(const struct op *o);
void op_write(const struct op *o);
void op_hostname(const struct op *o);
void op_domainname(const struct op *o);
void op_sysctl(const struct op *o);
void op_loopback_up(const struct op *o);
/* idmap.c */
void op_idmap_userns(const struct op *o);
void op_idmap_mount(const struct op *o);
int idmap_userns_fd(uint32_t index);
/* mountsrc.c */
extern int bind_source_fd; /* `host-source`'s fd for the next mkpoint and bind */
void op_source_helper(const struct op *o);
void op_host_source(const struct op *o);
void close_source_helper(void);
/* rootfs.c */
void op_root(const struct op *o);
void op_mkdirs(const struct op *o);
void op_mkfile(const struct op *o);
void op_mkpoint(const struct op *o);
void op_move_root(const struct op *o);
void op_pivot_root(const struct op *o);
void op_chroot(const struct op *o);
void op_chdir(const struct op *o);
void op_chdir_early(const struct op *o);
/* mounts.c */
void op_mount_host(const struct op *o);
void op_mount(const struct op *o);
void op_mount_copyup(const struct op *o);
void op_mount_tmpfs(const struct op *o);
void op_remount(const struct op *o);
void op_propagate(const struct op *o);
void op_setattr(const struct op *o);
void op_mask(const struct op *o);
void op_readonly(const struct op *o);
/* devices.c */
void op_mknod(const struct op *o);
void op_bind_dev(const struct op *o);
void op_symlink(const struct op *o);
/* process.c */
void op_setsid(const struct op *o);
void op_umask(const struct op *o);
void op_rlimit(const struct op *o);
void op_personality(const struct op *o);
void op_ioprio(const struct op *o);
void op_mempolicy(const struct op *o);
void op_scheduler(const struct op *o);
void op_cpu_affinity(const struct op *o);
/* creds.c */
void op_user(const struct op *o);
void op_caps(const struct op *o);
void op_no_new_privs(const struct op *o);
void op_keyring(const struct op *o);
/* seccomp.c */
void op_seccomp(const struct op *o);
void op_seccomp_listener_connect(const struct op *o);
void op_seccomp_listener(const struct op *o);
/* terminal.c */
void op_console_connect(const struct op *o);
void op_console(const struct op *o);
/* barrier.c */
void op_open_barrier(const struct op *o);
void op_wait_barrier(const struct op *o);
/* hooks.c */
void op_hook(const struct op *o);
/* exec.c */
void op_lookup(const struct op *o);
void op_exec(const struct op *o);
/* lsm.c */
void op_apparmor_exec(const struct op *o);
void op_selinux_label(const struct op *o);
void op_file_label(const struct op *o);

#endif
