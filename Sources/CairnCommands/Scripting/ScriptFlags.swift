/// What a script declares in its shebang line (`#!lua flags=no-writes,allow-oom`), as
/// Redis 7.0 reads it. A script without one runs with the old rules (it may write).
struct ScriptFlags: OptionSet, Sendable {
    let rawValue: UInt8

    static let noWrites = ScriptFlags(rawValue: 1 << 0)
    static let allowOOM = ScriptFlags(rawValue: 1 << 1)
    static let allowStale = ScriptFlags(rawValue: 1 << 2)
    static let noCluster = ScriptFlags(rawValue: 1 << 3)
    static let allowCrossSlotKeys = ScriptFlags(rawValue: 1 << 4)
    /// Cairn's marker: the script had a shebang (Redis's "not EVAL-compatible" mode).
    static let declared = ScriptFlags(rawValue: 1 << 7)

    static let names: [(String, ScriptFlags)] = [
        ("no-writes", .noWrites), ("allow-oom", .allowOOM), ("allow-stale", .allowStale),
        ("no-cluster", .noCluster), ("allow-cross-slot-keys", .allowCrossSlotKeys),
    ]

    /// A script's shebang, if it has one: its flags and where the Lua code starts (the
    /// newline ending the shebang, so line numbers stay those of the whole body), or
    /// Redis's error text. O(shebang length).
    static func parse(_ body: [UInt8]) -> Result<(flags: ScriptFlags, codeStart: Int), ShebangError> {
        guard body.starts(with: [UInt8(ascii: "#"), UInt8(ascii: "!")]) else { return .success(([], 0)) }
        let end = body.firstIndex(of: UInt8(ascii: "\n")) ?? body.endIndex
        let line = String(decoding: body[..<end], as: UTF8.self)
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let engine = parts.first, engine == "#!lua" else {
            return .failure(ShebangError(message: "ERR Unexpected engine in script shebang: \(parts.first ?? "")"))
        }
        var flags: ScriptFlags = [.declared]
        for part in parts.dropFirst() {
            guard part.hasPrefix("flags=") else {
                return .failure(ShebangError(message: "ERR Unknown lua shebang option: \(part)"))
            }
            for name in part.dropFirst("flags=".count).split(separator: ",", omittingEmptySubsequences: true) {
                guard let flag = names.first(where: { $0.0 == name })?.1 else {
                    return .failure(ShebangError(message: "ERR Unexpected flag in script shebang: \(name)"))
                }
                flags.insert(flag)
            }
        }
        return .success((flags, end))
    }

    struct ShebangError: Error {
        let message: String
    }
}
