// See lua.h beside this file.
#include <lua5.1/lauxlib.h>
