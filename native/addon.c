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
 *   scmpOpen(), scmpInit(action), scmpRelease(h), scmpArchAdd(h, token),
 *   scmpArchNative(), scmpArchResolve(name), scmpResolveName(name),
 *   scmpResolveNameArch(token, name), scmpRuleAdd(h, action, nr, count,
 *   args), scmpAttrSet(h, attr, value), scmpExportBpf(h, fd),
 *   memfdCreate(name, flags), seccompProbe(flags), lastErrno()
 *                    libseccomp's calls that src/seccomp compiles a
 *                    filter with, one to one, so that create need not load
 *                    koffi for them: koffi's load and its bindings were
 *                    about a third of the CPU of a create with an engine's
 *                    seccomp profile (docs/performance.md, item 36).
 *                    scmpOpen() says whether libseccomp.so.2 and every
 *                    symbol were found; if not, src/seccomp goes through
 *                    koffi as before (and names what is missing). A filter
 *                    context is a small integer handle (from 1); args is a Buffer of
 *                    struct scmp_arg_cmp. Each returns what the C call
 *                    returns; seccompProbe returns -1 and keeps errno for
 *                    lastErrno(), as koffi's errno() did.
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
#include <sys/syscall.h>
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
napi_status napi_get_value_uint32(napi_env, napi_value, uint32_t *);
napi_status napi_create_int32(napi_env, int32_t, napi_value *);
napi_status napi_create_uint32(napi_env, uint32_t, napi_value *);
napi_status napi_get_boolean(napi_env, bool, napi_value *);
napi_status napi_get_buffer_info(napi_env, napi_value, void **data, size_t *length);

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

/* libseccomp, for src/seccomp (see the top). */
static struct {
	int opened; /* 0 not tried, 1 all found, -1 not */
	void *(*init)(uint32_t);
	void (*release)(void *);
	int (*arch_add)(void *, uint32_t);
	uint32_t (*arch_native)(void);
	uint32_t (*arch_resolve_name)(const char *);
	int (*resolve_name)(const char *);
	int (*resolve_name_arch)(uint32_t, const char *);
	int (*rule_add_array)(void *, uint32_t, int, unsigned int, const void *);
	int (*attr_set)(void *, int, uint32_t);
	int (*export_bpf)(void *, int);
} scmp;
static void *scmp_ctx[16]; /* handle -> scmp_filter_ctx; 0 is never one (falsy in JavaScript) */
static int last_errno;

static int scmp_open(void)
{
	if (scmp.opened)
		return scmp.opened > 0;
	scmp.opened = -1;
	void *so = dlopen("libseccomp.so.2", RTLD_LAZY | RTLD_LOCAL);
	if (!so)
		return 0;
#define SYM(field, name)                                                                                             \
	if (!(*(void **)&scmp.field = dlsym(so, name)))                                                              \
		return 0;
	SYM(init, "seccomp_init")
	SYM(release, "seccomp_release")
	SYM(arch_add, "seccomp_arch_add")
	SYM(arch_native, "seccomp_arch_native")
	SYM(arch_resolve_name, "seccomp_arch_resolve_name")
	SYM(resolve_name, "seccomp_syscall_resolve_name")
	SYM(resolve_name_arch, "seccomp_syscall_resolve_name_arch")
	SYM(rule_add_array, "seccomp_rule_add_array")
	SYM(attr_set, "seccomp_attr_set")
	SYM(export_bpf, "seccomp_export_bpf")
#undef SYM
	scmp.opened = 1;
	return 1;
}

/* Up to 5 arguments: unsigned numbers, strings (into str, at most one) and
 * a buffer (into buf). Returns 0 if they are not what was asked for. */
struct args {
	uint32_t u[5];
	char str[256];
	void *buf;
	size_t buflen;
};
static int get_args(napi_env env, napi_callback_info info, const char *kinds, struct args *a)
{
	size_t argc = 5;
	napi_value argv[5];
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != 0 || argc < strlen(kinds))
		return 0;
	for (size_t i = 0; kinds[i]; i++) {
		size_t n;
		if (kinds[i] == 'u' && napi_get_value_uint32(env, argv[i], &a->u[i]) != 0)
			return 0;
		if (kinds[i] == 's' && (napi_get_value_string_utf8(env, argv[i], a->str, sizeof a->str, &n) != 0 ||
					n + 1 >= sizeof a->str))
			return 0;
		if (kinds[i] == 'b' && napi_get_buffer_info(env, argv[i], &a->buf, &a->buflen) != 0)
			a->buf = NULL, a->buflen = 0; /* undefined: no conditions */
	}
	return 1;
}
static napi_value int_value(napi_env env, int32_t v)
{
	napi_value r = NULL;
	napi_create_int32(env, v, &r);
	return r;
}
static napi_value uint_value(napi_env env, uint32_t v)
{
	napi_value r = NULL;
	napi_create_uint32(env, v, &r);
	return r;
}
/* The context of a handle argument, or NULL. */
static void *ctx_of(uint32_t h)
{
	return h > 0 && h < sizeof scmp_ctx / sizeof *scmp_ctx ? scmp_ctx[h] : NULL;
}

static napi_value scmp_open_fn(napi_env env, napi_callback_info info)
{
	(void)info;
	napi_value r = NULL;
	napi_get_boolean(env, scmp_open(), &r);
	return r;
}
static napi_value scmp_init_fn(napi_env env, napi_callback_info info)
{
	struct args a;
	if (!scmp_open() || !get_args(env, info, "u", &a))
		return int_value(env, -1);
	for (int h = 1; h < (int)(sizeof scmp_ctx / sizeof *scmp_ctx); h++)
		if (!scmp_ctx[h])
			return int_value(env, (scmp_ctx[h] = scmp.init(a.u[0])) ? h : -1);
	return int_value(env, -1);
}
static napi_value scmp_release_fn(napi_env env, napi_callback_info info)
{
	struct args a;
	if (scmp_open() && get_args(env, info, "u", &a) && ctx_of(a.u[0])) {
		scmp.release(scmp_ctx[a.u[0]]);
		scmp_ctx[a.u[0]] = NULL;
	}
	return undefined(env);
}
static napi_value scmp_arch_add_fn(napi_env env, napi_callback_info info)
{
	struct args a;
	if (!scmp_open() || !get_args(env, info, "uu", &a) || !ctx_of(a.u[0]))
		return int_value(env, -EINVAL);
	return int_value(env, scmp.arch_add(ctx_of(a.u[0]), a.u[1]));
}
static napi_value scmp_arch_native_fn(napi_env env, napi_callback_info info)
{
	(void)info;
	return uint_value(env, scmp_open() ? scmp.arch_native() : 0);
}
static napi_value scmp_arch_resolve_fn(napi_env env, napi_callback_info info)
{
	struct args a;
	return uint_value(env, scmp_open() && get_args(env, info, "s", &a) ? scmp.arch_resolve_name(a.str) : 0);
}
static napi_value scmp_resolve_name_fn(napi_env env, napi_callback_info info)
{
	struct args a;
	return int_value(env, scmp_open() && get_args(env, info, "s", &a) ? scmp.resolve_name(a.str) : -1);
}
static napi_value scmp_resolve_name_arch_fn(napi_env env, napi_callback_info info)
{
	struct args a;
	return int_value(env, scmp_open() && get_args(env, info, "us", &a) ? scmp.resolve_name_arch(a.u[0], a.str) : -1);
}
/* scmp_arg_cmp is 24 bytes: arg, op, datum_a, datum_b. */
static napi_value scmp_rule_add_fn(napi_env env, napi_callback_info info)
{
	struct args a;
	if (!scmp_open() || !get_args(env, info, "uuuub", &a) || !ctx_of(a.u[0]) || a.buflen < (size_t)a.u[3] * 24)
		return int_value(env, -EINVAL);
	return int_value(env, scmp.rule_add_array(ctx_of(a.u[0]), a.u[1], (int)a.u[2], a.u[3], a.u[3] ? a.buf : NULL));
}
static napi_value scmp_attr_set_fn(napi_env env, napi_callback_info info)
{
	struct args a;
	if (!scmp_open() || !get_args(env, info, "uuu", &a) || !ctx_of(a.u[0]))
		return int_value(env, -EINVAL);
	return int_value(env, scmp.attr_set(ctx_of(a.u[0]), (int)a.u[1], a.u[2]));
}
static napi_value scmp_export_bpf_fn(napi_env env, napi_callback_info info)
{
	struct args a;
	if (!scmp_open() || !get_args(env, info, "uu", &a) || !ctx_of(a.u[0]))
		return int_value(env, -EINVAL);
	return int_value(env, scmp.export_bpf(ctx_of(a.u[0]), (int)a.u[1]));
}
static napi_value memfd_create_fn(napi_env env, napi_callback_info info)
{
	struct args a;
	if (!get_args(env, info, "su", &a))
		return int_value(env, -1);
	int fd = memfd_create(a.str, a.u[1]);
	last_errno = fd < 0 ? errno : 0;
	return int_value(env, fd);
}
/* seccomp(SECCOMP_SET_MODE_FILTER, flags, NULL): the kernel checks the
 * flags, then fails to read the program (EFAULT); nothing is installed. */
static napi_value seccomp_probe_fn(napi_env env, napi_callback_info info)
{
	struct args a;
	if (!get_args(env, info, "u", &a))
		return int_value(env, -1);
	long rc = syscall(SYS_seccomp, 1, a.u[0], NULL);
	last_errno = rc < 0 ? errno : 0;
	return int_value(env, (int32_t)rc);
}
static napi_value last_errno_fn(napi_env env, napi_callback_info info)
{
	(void)info;
	return int_value(env, last_errno);
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
								       {"libseccompVersion", libseccomp_version},
								       {"scmpOpen", scmp_open_fn},
								       {"scmpInit", scmp_init_fn},
								       {"scmpRelease", scmp_release_fn},
								       {"scmpArchAdd", scmp_arch_add_fn},
								       {"scmpArchNative", scmp_arch_native_fn},
								       {"scmpArchResolve", scmp_arch_resolve_fn},
								       {"scmpResolveName", scmp_resolve_name_fn},
								       {"scmpResolveNameArch", scmp_resolve_name_arch_fn},
								       {"scmpRuleAdd", scmp_rule_add_fn},
								       {"scmpAttrSet", scmp_attr_set_fn},
								       {"scmpExportBpf", scmp_export_bpf_fn},
								       {"memfdCreate", memfd_create_fn},
								       {"seccompProbe", seccomp_probe_fn},
								       {"lastErrno", last_errno_fn}};
	for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
		napi_value fn;
		if (napi_create_function(env, functions[i].name, (size_t)-1, functions[i].fn, NULL, &fn) == 0)
			napi_set_named_property(env, exports, functions[i].name, fn);
	}
	return exports;
}
