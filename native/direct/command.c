/*
 * The entry from bin/runts (native/launcher.c): which command, then the
 * checks that decide whether this code carries it out or Node does, then
 * the command's own file (start.c, delete.c, kill.c, state.c, list.c).
 *
 * Owns: the order of things: parse, lock, read the record, check, and only
 * then act. May assume: nothing has been done yet.
 */
#include "internal.h"
#include <sys/file.h>
#include <sys/stat.h>

void direct_command(int argc, char **argv)
{
	struct command c = {0};
	if (!parse(argc, argv, &c))
		return;
	if (c.verb == LIST) {
		list_all(&c); /* exits, or returns for Node */
		return;
	}
	char dir[4096];
	if (snprintf(dir, sizeof dir, "%s/%s", c.root, c.id) >= (int)sizeof dir)
		return;
	char lock_path[4300];
	snprintf(lock_path, sizeof lock_path, "%s/lock", dir);
	int sig = c.verb == KILL ? signal_number(c.signal) : 0;
	if (c.verb == KILL && !sig)
		return;
	if (c.verb == STATE) {
		/* no lock, as src/cli/state.ts: state.json is replaced by rename */
		show_state(dir, c.id); /* exits, or returns for Node */
		return;
	}
	/* kill takes no lock (as kill.ts): it changes nothing of runts's. */
	int lock = -1;
	if (c.verb != KILL) {
		lock = open(lock_path, O_RDONLY | O_CLOEXEC);
		if (lock < 0) {
			/* As delete.ts (and runc): --force on a container that
			 * is gone already is not an error; engines clean up
			 * with it. */
			struct stat st;
			if (c.verb == DELETE && c.force && errno == ENOENT && stat(dir, &st) < 0 && errno == ENOENT)
				_exit(0);
			return;
		}
		while (flock(lock, LOCK_EX) < 0)
			if (errno != EINTR) {
				close(lock);
				return;
			}
	}
	static struct record r;
	int usable = read_record(dir, &r);
	int live = usable && alive(&r);
	char barrier[4300];
	snprintf(barrier, sizeof barrier, "%s/barrier", dir);
	/* start: only a created container (alive, barrier there); delete: a
	 * stopped one, or any with --force; kill: a live one, or with --all
	 * any whose record names its cgroups and freezer (what is left in a
	 * stopped one's cgroup is signalled, as kill.ts). Else Node says why.
	 * A systemd unit's container is deleted by Node, which stops the unit
	 * over D-Bus (src/cgroups/systemd.ts), unless it is stopped and systemd
	 * has dropped the unit already (delete.c, systemd_dropped). */
	int kill_ok = c.all ? r.ncgroups > 0 && r.freezer_version : live;
	if (!usable || (c.verb == START && (!live || access(barrier, F_OK) < 0)) ||
	    (c.verb == DELETE && ((live && !c.force) || (r.systemd_unit && (live || !systemd_dropped(&r))))) || (c.verb == KILL && !kill_ok)) {
		if (lock >= 0)
			close(lock);
		return;
	}
	logging = &c;
	if (c.verb == START)
		start(dir, &r, c.id);
	else if (c.verb == DELETE)
		delete(dir, &r);
	else if (c.all)
		kill_all(&r, sig);
	else
		kill_process(&r, sig);
	_exit(0);
}
