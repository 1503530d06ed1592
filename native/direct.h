/* start, delete, kill, state and list without Node (direct/, whose
 * internal.h says which file holds what). */
#ifndef RUNTS_DIRECT_H
#define RUNTS_DIRECT_H

/* Runs `start`, `delete`, `kill`, `state` or `list` and exits, when the
 * container's record allows; returns, having changed nothing, when Node
 * must run the command. */
void direct_command(int argc, char **argv);

/* Runs `exec` to the end and exits, for a container whose create left an
 * exec record and a process this code takes (direct/exec.c); returns,
 * having started nothing, when Node must run it. */
void direct_exec(int argc, char **argv);

#endif
