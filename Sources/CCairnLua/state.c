// The interpreter's life: opening it with Redis's libraries, the redis.* functions that
// need no host, and running code.
#include "internal.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

// MARK: - Opening

// The vendored libraries (vendor/README.md).
int luaopen_struct(lua_State *L);
int luaopen_cmsgpack(lua_State *L);

static void open_library(lua_State *L, lua_CFunction open, const char *name) {
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
}

/// Opens a library Debian packages separately (lua-cjson, lua-bitop) if it is installed,
/// as the global `name`. Loaded at run time, so the server builds and runs without them.
static void open_installed_library(lua_State *L, const char *file, const char *symbol, const char *name) {
    void *handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) return;
    lua_CFunction open = (lua_CFunction)dlsym(handle, symbol);
    if (open == NULL) return;
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (lua_istable(L, -1)) {
        lua_setfield(L, LUA_GLOBALSINDEX, name);
    } else {
        lua_pop(L, 1);
    }
}

static int setup(lua_State *L) {
    open_library(L, luaopen_base, "");
    open_library(L, luaopen_table, LUA_TABLIBNAME);
    open_library(L, luaopen_string, LUA_STRLIBNAME);
    open_library(L, luaopen_math, LUA_MATHLIBNAME);
    open_library(L, luaopen_debug, LUA_DBLIBNAME);  // for the error handler; removed by cairn_lua_lock
    // Redis's order: cjson, struct, cmsgpack, bit. struct and cmsgpack are kept in
    // vendor/ (Debian does not package them); each sets its global itself.
    open_installed_library(L, "liblua5.1-cjson.so.0", "luaopen_cjson", "cjson");
    open_library(L, luaopen_struct, "struct");
    open_library(L, luaopen_cmsgpack, "cmsgpack");
    open_installed_library(L, "liblua5.1-bitop.so.0", "luaopen_bit", "bit");
    // Redis 7.0 takes these away from scripts: files, printing to the server's stdout,
    // and changing function environments (which could escape the read-only globals).
    static const char *const removed[] = {"dofile", "loadfile", "print", "getfenv", "setfenv", "newproxy", NULL};
    for (int i = 0; removed[i] != NULL; i++) cairn_remove_global(L, removed[i]);

    cairn_open_random(L);

    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_READONLY);
    struct host *host = (struct host *)lua_newuserdata(L, sizeof(struct host));
    host->fn = NULL;
    host->context = NULL;
    lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST);
    return 0;
}

lua_State *cairn_lua_open(void) {
    lua_State *L = cairn_pool_newstate();
    if (L == NULL) return NULL;
    if (lua_cpcall(L, setup, NULL) != 0) {
        cairn_pool_close(L);
        return NULL;
    }
    return L;
}

void cairn_lua_close(lua_State *L) {
    cairn_pool_close(L);
}

// MARK: - redis.* without the host

/// `{err = msg}` or `{ok = msg}`, as redis.error_reply / status_reply build them.
static int reply_table(lua_State *L, const char *field) {
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
        lua_newtable(L);
        lua_pushstring(L, "ERR wrong number or type of arguments");
        lua_setfield(L, -2, "err");
        return 1;  // returned, not raised, as in Redis
    }
    lua_newtable(L);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, field);
    return 1;
}

static int error_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) return reply_table(L, "err");
    // Redis 7.0 reads "-CODE message": without a leading '-' the text is taken as that
    // form anyway, and a text without a space gets the generic ERR code.
    size_t length = 0;
    const char *message = lua_tolstring(L, 1, &length);
    if (length > 0 && message[0] == '-') {
        message++;
        length--;
    }
    while (length > 0 && (message[length - 1] == '\r' || message[length - 1] == '\n')) length--;
    if (memchr(message, ' ', length) == NULL) {
        lua_pushliteral(L, "ERR ");
        lua_pushlstring(L, message, length);
        lua_concat(L, 2);
    } else {
        lua_pushlstring(L, message, length);
    }
    lua_replace(L, 1);
    return reply_table(L, "err");
}

static int status_reply(lua_State *L) { return reply_table(L, "ok"); }

static int returns_true(lua_State *L) {
    lua_pushboolean(L, 1);
    return 1;
}

static int returns_false(lua_State *L) {
    lua_pushboolean(L, 0);
    return 1;
}

static int returns_nothing(lua_State *L) {
    (void)L;
    return 0;
}

void cairn_lua_register_redis_basics(lua_State *L, const char *version, int version_num) {
    lua_getfield(L, LUA_GLOBALSINDEX, "redis");
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_GLOBALSINDEX, "redis");
    }
    static const struct { const char *name; lua_CFunction fn; } functions[] = {
        {"error_reply", error_reply},
        {"status_reply", status_reply},
        {"replicate_commands", returns_true},  // effects replication is the only mode
        {"breakpoint", returns_false},         // no debugger: never stops
        {"debug", returns_nothing},
        {NULL, NULL},
    };
    for (int i = 0; functions[i].name != NULL; i++) {
        lua_pushcfunction(L, functions[i].fn);
        lua_setfield(L, -2, functions[i].name);
    }
    static const struct { const char *name; int value; } constants[] = {
        {"LOG_DEBUG", 0}, {"LOG_VERBOSE", 1}, {"LOG_NOTICE", 2}, {"LOG_WARNING", 3},
        {"REPL_NONE", 0}, {"REPL_AOF", 1}, {"REPL_SLAVE", 2}, {"REPL_REPLICA", 2}, {"REPL_ALL", 3},
        {NULL, 0},
    };
    for (int i = 0; constants[i].name != NULL; i++) {
        lua_pushinteger(L, constants[i].value);
        lua_setfield(L, -2, constants[i].name);
    }
    lua_pushstring(L, version);
    lua_setfield(L, -2, "REDIS_VERSION");
    lua_pushinteger(L, version_num);
    lua_setfield(L, -2, "REDIS_VERSION_NUM");
    lua_pop(L, 1);
}

// MARK: - Running

int cairn_lua_load(lua_State *L, const char *body, size_t length, const char *chunkname) {
    return luaL_loadbuffer(L, body, length, chunkname);
}

int cairn_lua_call(lua_State *L, int nargs) {
    int function = lua_gettop(L) - nargs;
    lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_HANDLER);
    lua_insert(L, function);
    int status = lua_pcall(L, nargs, 1, function);
    lua_remove(L, function);
    return status;
}

void cairn_lua_set_global(lua_State *L, const char *name) {
    lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBALS);
    lua_insert(L, -2);
    lua_setfield(L, -2, name);  // the real globals have no __newindex: a raw write
    lua_pop(L, 1);
}


size_t cairn_lua_format_number(double value, char *buffer, size_t capacity) {
    int written = snprintf(buffer, capacity, "%.17g", value);
    if (written < 0) return 0;
    return (size_t)written < capacity ? (size_t)written : capacity - 1;
}
