// Calls from Lua into the host (Swift): the trampolines, the hook, registration.
#include "internal.h"

// MARK: - Host calls

static int call_host(lua_State *L, struct host *host, int function_id) {
    if (host == NULL || host->fn == NULL) {
        lua_pushstring(L, "redis.call/pcall can only be called inside a script invocation");
        return lua_error(L);
    }
    int results = host->fn(L, host->context, function_id);
    if (results < 0) return lua_error(L);  // the host pushed the error value
    return results;
}

int cairn_trampoline(lua_State *L) {
    int function_id = (int)lua_tointeger(L, lua_upvalueindex(1));
    struct host *host = (struct host *)lua_touserdata(L, lua_upvalueindex(2));
    return call_host(L, host, function_id);
}

struct host *cairn_registry_host(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST);
    struct host *host = (struct host *)lua_touserdata(L, -1);
    lua_pop(L, 1);
    return host;
}

static void count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    call_host(L, cairn_registry_host(L), CAIRN_LUA_HOOK_ID);
}

void cairn_lua_set_host(lua_State *L, cairn_lua_host_fn fn, void *context) {
    struct host *host = cairn_registry_host(L);
    if (host == NULL) return;
    host->fn = fn;
    host->context = context;
}

void cairn_lua_register(lua_State *L, const char *table, const char *name, int function_id) {
    lua_getfield(L, LUA_GLOBALSINDEX, table);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_GLOBALSINDEX, table);
    }
    lua_pushinteger(L, function_id);
    lua_pushlightuserdata(L, cairn_registry_host(L));
    lua_pushcclosure(L, cairn_trampoline, 2);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

void cairn_lua_set_count_hook(lua_State *L, int count) {
    if (count > 0) {
        lua_sethook(L, count_hook, LUA_MASKCOUNT, count);
    } else {
        lua_sethook(L, NULL, 0, 0);
    }
}
