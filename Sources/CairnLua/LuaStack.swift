import CLua
import CCairnLua

/// The Lua types a script's values can have.
public enum LuaType: Int32 {
    case none = -1, nil_ = 0, boolean, lightUserdata, number, string, table, function, userdata, thread
}

/// A Lua stack: the main interpreter's, or a coroutine's when a host function is
/// called from one. A thin view over the C API with only the operations that cannot
/// raise a Lua error (no metamethods are ever called: reads and writes are raw), so
/// Swift frames are never crossed by a longjmp. Indexes are Lua's: 1… from the bottom,
/// -1… from the top.
public struct LuaStack {
    public let state: OpaquePointer

    public init(_ state: OpaquePointer) {
        self.state = state
    }

    /// Values on the stack. O(1).
    public var top: Int32 { lua_gettop(state) }

    /// Keeps the lowest `count` values. O(1).
    public func setTop(_ count: Int32) { lua_settop(state, count) }

    /// Removes the top `count` values. O(1).
    public func pop(_ count: Int32 = 1) { lua_settop(state, -count - 1) }

    /// Makes room for `count` more values; false if Lua's stack cannot grow that far.
    public func reserve(_ count: Int32) -> Bool { lua_checkstack(state, count) != 0 }

    public func type(at index: Int32) -> LuaType { LuaType(rawValue: lua_type(state, index)) ?? .none }

    /// The bytes of a string value (not of a number: reading one would convert it in
    /// place). Valid while the value stays on the stack.
    public func stringBytes(at index: Int32) -> UnsafeRawBufferPointer? {
        guard lua_type(state, index) == LUA_TSTRING else { return nil }
        var length = 0
        guard let pointer = lua_tolstring(state, index, &length) else { return nil }
        return UnsafeRawBufferPointer(start: pointer, count: length)
    }

    /// A string value as a Swift string (invalid UTF-8 repaired), or nil if not a string.
    public func string(at index: Int32) -> String? {
        stringBytes(at: index).map { String(decoding: $0, as: UTF8.self) }
    }

    public func number(at index: Int32) -> Double { lua_tonumber(state, index) }

    public func boolean(at index: Int32) -> Bool { lua_toboolean(state, index) != 0 }

    /// The length of a table's array part as `#` sees it, without metamethods. O(log n).
    public func rawLength(at index: Int32) -> Int { Int(lua_objlen(state, index)) }

    // MARK: Pushing

    public func pushNil() { lua_pushnil(state) }
    public func pushBoolean(_ value: Bool) { lua_pushboolean(state, value ? 1 : 0) }
    public func pushNumber(_ value: Double) { lua_pushnumber(state, value) }
    public func pushInteger(_ value: Int) { lua_pushinteger(state, value) }
    public func pushValue(at index: Int32) { lua_pushvalue(state, index) }

    /// Moves the top value to `index`, shifting those above it up. O(n).
    public func insert(at index: Int32) { lua_insert(state, index) }

    public func pushString(_ bytes: UnsafeRawBufferPointer) {
        if let base = bytes.baseAddress {
            lua_pushlstring(state, base.assumingMemoryBound(to: CChar.self), bytes.count)
        } else {
            lua_pushlstring(state, "", 0)
        }
    }

    public func pushString(_ text: String) {
        var text = text
        text.withUTF8 { pushString(UnsafeRawBufferPointer($0)) }
    }

    /// A new table with room for `arrayCount` indexed and `fieldCount` named entries.
    public func pushTable(arrayCount: Int32 = 0, fieldCount: Int32 = 0) {
        lua_createtable(state, max(0, arrayCount), max(0, fieldCount))
    }

    // MARK: Tables (raw: no metamethods)

    /// Pushes `table[name]`. O(1).
    public func rawField(_ name: String, of table: Int32) {
        let table = absolute(table)
        pushString(name)
        lua_rawget(state, table)
    }

    /// `table[name] = value on top` (pops it). O(1).
    public func setRawField(_ name: String, of table: Int32) {
        let table = absolute(table)
        pushString(name)
        lua_insert(state, -2)
        lua_rawset(state, table)
    }

    /// Pushes `table[i]`. O(1).
    public func rawIndex(_ i: Int32, of table: Int32) { lua_rawgeti(state, table, i) }

    /// `table[i] = value on top` (pops it). O(1).
    public func setRawIndex(_ i: Int32, of table: Int32) { lua_rawseti(state, absolute(table), i) }

    /// `table[key] = value`, key and value the two top values (pops both). O(1).
    public func rawSet(table: Int32) { lua_rawset(state, absolute(table)) }

    /// Table iteration: with a key on top (nil to start), pushes the next key and value
    /// and returns true, or pops the key and returns false at the end.
    public func next(of table: Int32) -> Bool { lua_next(state, table) != 0 }

    /// `{err = message}`, as a Redis error reaches a script.
    public func pushErrorTable(_ message: String) {
        pushTable(fieldCount: 1)
        pushString(message)
        setRawField("err", of: -2)
    }

    func absolute(_ index: Int32) -> Int32 {
        index > 0 || index <= LUA_REGISTRYINDEX ? index : lua_gettop(state) + index + 1
    }
}
