/*
 * bin/runts-exit.node: a Node addon with one function, exit(status), that
 * calls _exit(2).
 *
 * When a runts command is done its output is written already (write(2) on
 * fds 1 and 2, src/log.ts), so nothing is left for Node's own exit to do,
 * which still joins V8's worker threads and runs its C++ teardown first:
 * about 1.5 ms more before the caller sees the exit, and up to 10 ms of
 * CPU, on a host of the kind runts was measured on (docs/performance.md,
 * item 20). src/sys/exit.ts loads this addon at the
 * very end and falls back to process.exit() if it cannot.
 *
 * The few Node-API declarations it needs are written out here (the ABI is
 * stable), so that building it needs no Node headers; node resolves them
 * when it loads the addon.
 */
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef int napi_status;
typedef napi_value (*napi_callback)(napi_env, napi_callback_info);

napi_status napi_get_cb_info(napi_env, napi_callback_info, size_t *argc, napi_value *argv, napi_value *this_arg,
			     void **data);
napi_status napi_get_value_int32(napi_env, napi_value, int32_t *);
napi_status napi_create_function(napi_env, const char *name, size_t length, napi_callback, void *data,
				 napi_value *result);
napi_status napi_set_named_property(napi_env, napi_value object, const char *name, napi_value value);

static napi_value exit_now(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value arg;
	int32_t status = 1;
	if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) == 0 && argc == 1)
		napi_get_value_int32(env, arg, &status);
	_exit(status);
}

/* The Node-API version this addon needs: 1, the first. */
int32_t node_api_module_get_api_version_v1(void)
{
	return 1;
}

napi_value napi_register_module_v1(napi_env env, napi_value exports)
{
	napi_value fn;
	if (napi_create_function(env, "exit", 4, exit_now, NULL, &fn) == 0)
		napi_set_named_property(env, exports, "exit", fn);
	return exports;
}
