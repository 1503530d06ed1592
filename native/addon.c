/*
 * bin/runts-addon.node: the Node addon of runts, with what Node itself
 * cannot do cheaply.
 *
 *   exit(status)     _exit(2). When a runts command is done its output is
 *                    written already (write(2) on fds 1 and 2, src/log.ts),
 *                    so nothing is left for Node's own exit to do, which
 *                    still joins V8's worker threads and runs its C++
 *                    teardown first: about 1.5 ms more before the caller
 *                    sees the exit, and up to 10 ms of CPU, on a host of
 *                    the kind runts was measured on (docs/performance.md,
 *                    item 20). src/sys/exit.ts.
 *   mapString(path)  the file as a string that V8 reads in place from a
 *                    private read-only mapping (an external Latin-1
 *                    string), and
 *   mapBuffer(path)  as a Buffer over such a mapping: how the entries in
 *                    build/ take their bundle and its code cache, instead
 *                    of reading each into a new buffer and copying the
 *                    bundle into V8's heap, which cost 6 ms for the full
 *                    bundle on such a host (fresh pages are dear there;
 *                    item 26). Both return undefined where they cannot,
 *                    and the entry then reads the files. A mapping lives
 *                    as long as the process: the bundle's source is needed
 *                    as long as any of its functions may be compiled. The
 *                    bundle is plain ASCII (scripts/bundle.mjs escapes
 *                    the rest), so Latin-1 is the same text; its files are
 *                    replaced, never rewritten in place, so a mapping
 *                    never changes under a running command.
 *
 *   readFile(path, latin1)
 *                    the whole file as a string (UTF-8, or Latin-1 for
 *                    /proc files), in one call: list reads state.json and
 *                    /proc/<pid>/stat for every container, and Node's
 *                    open, read and close from JavaScript cost about 40 µs
 *                    a file here against 5 for the system calls themselves
 *                    (item 27). A failure throws an Error whose code is
 *                    the errno's name (ENOENT), as Node's fs errors have.
 *                    src/sys/files.ts.
 *   libseccompVersion()
 *                    "MAJOR.MINOR.MICRO" from seccomp_version() of the
 *                    libseccomp.so.2 the dynamic linker finds, or undefined
 *                    where there is none: `runts --version` names it, as
 *                    runc's does, without loading koffi for one call (10 to
 *                    40 ms here). The library stays loaded: it is the one
 *                    koffi gets if seccomp is compiled later.
 *
 * The few Node-API declarations it needs are written out here (the ABI is
 * stable), so that building it needs no Node headers; node resolves them
 * when it loads the addon. node_api_create_external_string_latin1 is looked
 * up when first called: a Node without it (before 20.4) still loads the
 * addon, and the entry reads the bundle.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef int napi_status;
typedef napi_value (*napi_callback)(napi_env, napi_callback_info);
typedef void (*napi_finalize)(napi_env, void *data, void *hint);
typedef napi_status (*external_latin1_fn)(napi_env, char *, size_t, napi_finalize, void *, napi_value *, bool *);

napi_status napi_get_cb_info(napi_env, napi_callback_info, size_t *argc, napi_value *argv, napi_value *this_arg,
			     void **data);
napi_status napi_get_value_int32(napi_env, napi_value, int32_t *);
napi_status napi_get_value_string_utf8(napi_env, napi_value, char *buf, size_t size, size_t *result);
napi_status napi_get_undefined(napi_env, napi_value *);
napi_status napi_create_external_buffer(napi_env, size_t length, void *data, napi_finalize, void *hint,
					napi_value *result);
napi_status napi_create_function(napi_env, const char *name, size_t length, napi_callback, void *data,
				 napi_value *result);
napi_status napi_set_named_property(napi_env, napi_value object, const char *name, napi_value value);
napi_status napi_get_value_bool(napi_env, napi_value, bool *);
napi_status napi_create_string_utf8(napi_env, const char *, size_t, napi_value *);
napi_status napi_create_string_latin1(napi_env, const char *, size_t, napi_value *);
napi_status napi_throw_error(napi_env, const char *code, const char *msg);

static napi_value exit_now(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value arg;
	int32_t status = 1;
	if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) == 0 && argc == 1)
		napi_get_value_int32(env, arg, &status);
	_exit(status);
}

/* The file named by the one argument, mapped whole; NULL if it cannot be
 * (or is empty: nothing to map). */
static void *map_argument(napi_env env, napi_callback_info info, size_t *length)
{
	size_t argc = 1;
	napi_value arg;
	char path[4096];
	size_t n;
	if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != 0 || argc != 1 ||
	    napi_get_value_string_utf8(env, arg, path, sizeof path, &n) != 0 || n + 1 >= sizeof path)
		return NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	void *p = MAP_FAILED;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	*length = (size_t)st.st_size;
	return p;
}

static napi_value undefined(napi_env env)
{
	napi_value u = NULL;
	napi_get_undefined(env, &u);
	return u;
}

static napi_value map_string(napi_env env, napi_callback_info info)
{
	static external_latin1_fn make;
	if (!make)
		make = (external_latin1_fn)dlsym(RTLD_DEFAULT, "node_api_create_external_string_latin1");
	size_t length;
	char *p = make ? map_argument(env, info, &length) : NULL;
	if (!p)
		return undefined(env);
	napi_value s;
	bool copied = false;
	if (make(env, p, length, NULL, NULL, &s, &copied) != 0) {
		munmap(p, length);
		return undefined(env);
	}
	if (copied) /* V8 made its own copy: the mapping is not needed */
		munmap(p, length);
	return s;
}

static napi_value map_buffer(napi_env env, napi_callback_info info)
{
	size_t length;
	void *p = map_argument(env, info, &length);
	if (!p)
		return undefined(env);
	napi_value b;
	if (napi_create_external_buffer(env, length, p, NULL, NULL, &b) != 0) {
		munmap(p, length);
		return undefined(env);
	}
	return b;
}

static napi_value read_file(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2];
	char path[4096];
	size_t n;
	bool latin1 = false;
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != 0 || argc != 2 ||
	    napi_get_value_string_utf8(env, argv[0], path, sizeof path, &n) != 0 || n + 1 >= sizeof path ||
	    napi_get_value_bool(env, argv[1], &latin1) != 0) {
		napi_throw_error(env, "EINVAL", "readFile(path, latin1): bad arguments");
		return NULL;
	}
	/* Nearly always one read into this buffer; a bigger file grows it. */
	static char small[65536];
	char *buf = small;
	size_t cap = sizeof small, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err = fd < 0 ? errno : 0;
	while (!err) {
		if (len == cap) {
			char *bigger = malloc(cap * 2);
			if (!bigger) {
				err = ENOMEM;
				break;
			}
			memcpy(bigger, buf, len);
			if (buf != small)
				free(buf);
			buf = bigger;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err = errno;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (fd >= 0)
		close(fd);
	napi_value s = NULL;
	if (!err && (latin1 ? napi_create_string_latin1(env, buf, len, &s) : napi_create_string_utf8(env, buf, len, &s)) != 0)
		err = ENOMEM;
	if (buf != small)
		free(buf);
	if (err) {
		const char *name = strerrorname_np(err);
		char msg[4200];
		snprintf(msg, sizeof msg, "read %s: %s", path, name ? name : "EIO");
		napi_throw_error(env, name ? name : "EIO", msg);
		return NULL;
	}
	return s;
}

struct scmp_version {
	unsigned int major, minor, micro;
};

static napi_value libseccomp_version(napi_env env, napi_callback_info info)
{
	(void)info;
	void *so = dlopen("libseccomp.so.2", RTLD_LAZY | RTLD_LOCAL);
	if (!so)
		return undefined(env);
	const struct scmp_version *(*version)(void) =
		(const struct scmp_version *(*)(void))dlsym(so, "seccomp_version");
	const struct scmp_version *v = version ? version() : NULL;
	if (!v)
		return undefined(env);
	char text[48];
	int n = snprintf(text, sizeof text, "%u.%u.%u", v->major, v->minor, v->micro);
	napi_value s = NULL;
	if (napi_create_string_utf8(env, text, (size_t)n, &s) != 0)
		return undefined(env);
	return s;
}

/* The Node-API version this addon needs: 1, the first. */
int32_t node_api_module_get_api_version_v1(void)
{
	return 1;
}

napi_value napi_register_module_v1(napi_env env, napi_value exports)
{
	static const struct {
		const char *name;
		napi_callback fn;
	} functions[] = {{"exit", exit_now}, {"mapString", map_string}, {"mapBuffer", map_buffer}, {"readFile", read_file},
								       {"libseccompVersion", libseccomp_version}};
	for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
		napi_value fn;
		if (napi_create_function(env, functions[i].name, (size_t)-1, functions[i].fn, NULL, &fn) == 0)
			napi_set_named_property(env, exports, functions[i].name, fn);
	}
	return exports;
}
