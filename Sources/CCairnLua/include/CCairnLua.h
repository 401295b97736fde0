// The C side of Cairn's Lua scripting: what must not be written in Swift.
//
// Lua reports errors with longjmp. A longjmp must never cross a Swift frame (it would
// skip Swift's cleanup), so every function Lua calls that may raise an error is a C
// function here: it calls the host (Swift) through `cairn_lua_host_fn`, and raises the
// error itself after the host has returned. The host only pushes values, which cannot
// raise anything but an allocation failure.
#ifndef CCAIRN_LUA_H
#define CCAIRN_LUA_H

#include <lua5.1/lua.h>
#include <stddef.h>
#include <stdint.h>

/// A host function: `function_id` says which (as registered), arguments are on the
/// stack. Returns how many results it pushed, or -1 after pushing an error value that
/// the caller then raises (the script's `redis.call` error, a killed script…).
typedef int (*cairn_lua_host_fn)(lua_State *L, void *host, int function_id);

/// The host function id used for the instruction-count hook (time limits, SCRIPT KILL).
#define CAIRN_LUA_HOOK_ID (-1)

/// A new interpreter with the libraries Redis 7.0 gives scripts (base without the
/// file and environment functions, string, table, math, coroutine; `cjson` and `bit`
/// when Debian's lua-cjson and lua-bitop are installed) and Redis's `math.random`.
/// NULL if Lua could not allocate one.
lua_State *cairn_lua_open(void);

/// Closes an interpreter opened by cairn_lua_open and frees its memory pool.
void cairn_lua_close(lua_State *L);

/// Sets the host that `redis.*` functions and the hook call back into.
void cairn_lua_set_host(lua_State *L, cairn_lua_host_fn fn, void *host);

/// Defines `<table>.<name>` (a global table, created if missing) as a function that
/// calls the host with `function_id`.
void cairn_lua_register(lua_State *L, const char *table, const char *name, int function_id);

/// Defines the `redis` functions that need no host (error_reply, status_reply,
/// replicate_commands, breakpoint, debug) and its constants.
void cairn_lua_register_redis_basics(lua_State *L, const char *version, int version_num);

/// Ends set-up as Redis 7.0 does: the error handler, then every global and library
/// table read-only (`Attempt to modify a readonly table`), reading a missing global an
/// error (`Script attempted to access nonexistent global variable`), and `debug` gone.
/// Returns 0, or non-zero if the interpreter could not be set up.
int cairn_lua_lock(lua_State *L);

/// For FUNCTION LOAD (after cairn_lua_lock): builds the globals a library's code sees
/// while it loads, as Redis 7.0 gives them: only `redis`, with `register_function` and
/// `log` (host functions of these ids) and the LOG_* and version constants. Returns 0,
/// or non-zero if Lua could not allocate them.
int cairn_lua_build_load_globals(lua_State *L, int register_function_id, int log_id);

/// Switches what globals resolve to: the load-time globals (non-zero) or the full ones.
/// Functions defined by a library see whichever is in force when they run.
void cairn_lua_use_load_globals(lua_State *L, int loading);

/// Compiles `body` as a chunk named `chunkname`: 0 and the function on the stack, or
/// non-zero and the compiler's message.
int cairn_lua_load(lua_State *L, const char *body, size_t length, const char *chunkname);

/// Calls the function below its `nargs` arguments with the error handler: 0 and one
/// result on the stack, or non-zero and the error (a table with `err`, `source`,
/// `line` for script errors).
int cairn_lua_call(lua_State *L, int nargs);

/// Sets a global (raw, bypassing the read-only protection), taking the value on top.
void cairn_lua_set_global(lua_State *L, const char *name);

/// Where `math.random` keeps its generator's state: owned by the host, so it goes on
/// from script to script (and across SCRIPT FLUSH) as Redis's process-wide one does.
void cairn_lua_set_random_state(lua_State *L, uint64_t *state);

/// The generator's state before any `math.randomseed`.
uint64_t cairn_lua_random_initial_state(void);

/// Calls the host with CAIRN_LUA_HOOK_ID every `count` instructions (0 removes it).
void cairn_lua_set_count_hook(lua_State *L, int count);

/// Redis's formatting of numbers passed as command arguments ("%.17g").
size_t cairn_lua_format_number(double value, char *buffer, size_t capacity);

#endif
