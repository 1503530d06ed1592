/* start, delete and kill without Node (direct.c). */
#ifndef RUNTS_DIRECT_H
#define RUNTS_DIRECT_H

/* Runs `start`, `delete` or `kill` and exits, when the container's record allows;
 * returns, having changed nothing, when Node must run the command. */
void direct_command(int argc, char **argv);

#endif
