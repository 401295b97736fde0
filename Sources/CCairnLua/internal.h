// What the C files of CCairnLua share; not part of the module's interface.
#ifndef CCAIRN_LUA_INTERNAL_H
#define CCAIRN_LUA_INTERNAL_H

#include "CCairnLua.h"

#include <lua5.1/lauxlib.h>
#include <lua5.1/lualib.h>

#define REGISTRY_READONLY "cairn.readonly"          /* proxy -> backing, backing -> true */
#define REGISTRY_GLOBALS "cairn.globals"            /* the real globals table */
#define REGISTRY_HANDLER "cairn.errhandler"         /* __redis__err__handler */
#define REGISTRY_RANDOM "cairn.random"              /* math.random's state (host-owned) */
#define REGISTRY_HOST "cairn.host"                  /* struct host */
#define REGISTRY_GLOBALS_PROXY "cairn.globalsproxy" /* what scripts see as _G */
#define REGISTRY_LOAD_GLOBALS "cairn.loadglobals"   /* globals while a library loads */
#define REGISTRY_GLOBALS_META "cairn.globalsmeta"   /* what getmetatable(_G) shows */
#define READONLY_MESSAGE "Attempt to modify a readonly table"

struct host {
    cairn_lua_host_fn fn;
    void *context;
};

/* host.c */
struct host *cairn_registry_host(lua_State *L);
int cairn_trampoline(lua_State *L);
/* random.c */
void cairn_open_random(lua_State *L);
/* sandbox.c */
void cairn_make_proxy(lua_State *L, lua_CFunction missing);
int cairn_missing_global(lua_State *L);
void cairn_remove_global(lua_State *L, const char *name);
/* pool.c */
lua_State *cairn_pool_newstate(void);
void cairn_pool_close(lua_State *L);

#endif
