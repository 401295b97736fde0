// Lua 5.1 from Debian's liblua5.1-0-dev: the interpreter Redis embeds.
#include <lua5.1/lua.h>
#include <lua5.1/lauxlib.h>
#include <lua5.1/lualib.h>
