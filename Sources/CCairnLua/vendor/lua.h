// Lets the vendored libraries include Lua by the name their sources use; Cairn builds
// against Debian's liblua5.1-0-dev, which installs the header under lua5.1/.
#include <lua5.1/lua.h>
