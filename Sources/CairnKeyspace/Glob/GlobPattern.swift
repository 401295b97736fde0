/// Redis's glob matcher (`stringmatchlen`): `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes.
/// Used by KEYS, SCAN MATCH and CONFIG GET.
public enum GlobPattern {
    /// Whether `string` matches `pattern`. Worst case O(p·s) with nested stars; a nesting
    /// limit stops pathological patterns as Redis does.
    @inlinable public static func matches(_ pattern: some Collection<UInt8>, _ string: some Collection<UInt8>,
                                          ignoreCase: Bool = false) -> Bool {
        let contiguous = pattern.withContiguousStorageIfAvailable { p in
            string.withContiguousStorageIfAvailable { s in
                matches(UnsafeRawBufferPointer(p), UnsafeRawBufferPointer(s), ignoreCase: ignoreCase)
            }
        }
        if let answer = contiguous ?? nil { return answer }
        return Array(pattern).withUnsafeBytes { p in
            Array(string).withUnsafeBytes { s in matches(p, s, ignoreCase: ignoreCase) }
        }
    }

    /// The same over raw bytes: what KEYS and SCAN call for every key, with no copy of
    /// the key or the pattern (copying both cost KEYS over 632k keys 235 ms against
    /// Redis's 140). Worst case O(p·s).
    public static func matches(_ pattern: UnsafeRawBufferPointer, _ string: UnsafeRawBufferPointer,
                               ignoreCase: Bool = false) -> Bool {
        var skipLongerMatches = false
        return match(pattern, 0, string, 0, ignoreCase, &skipLongerMatches, nesting: 0)
    }

    /// True for the pattern `*`, which KEYS and SCAN treat as "no filter" (Redis does too;
    /// note that `matches("*", "")` is false, as in Redis, so the shortcut matters).
    public static func matchesEverything(_ pattern: some Collection<UInt8>) -> Bool {
        pattern.count == 1 && pattern.first == UInt8(ascii: "*")
    }

    private static func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c | 0x20 : c }

    /// Every read of `p` and `s` is behind a check of its index against the count (they
    /// are raw buffers: nothing else checks it).
    private static func match(_ p: UnsafeRawBufferPointer, _ pi0: Int, _ s: UnsafeRawBufferPointer, _ si0: Int, _ nocase: Bool,
                              _ skipLongerMatches: inout Bool, nesting: Int) -> Bool {
        if nesting > 1000 { return false }
        var pi = pi0, si = si0
        while pi < p.count && si < s.count {
            switch p[pi] {
            case UInt8(ascii: "*"):
                while pi + 1 < p.count && p[pi + 1] == UInt8(ascii: "*") { pi += 1 }
                if pi + 1 == p.count { return true }
                var k = si
                while k < s.count {
                    if match(p, pi + 1, s, k, nocase, &skipLongerMatches, nesting: nesting + 1) { return true }
                    if skipLongerMatches { return false }
                    k += 1
                }
                skipLongerMatches = true
                return false
            case UInt8(ascii: "?"):
                si += 1
            case UInt8(ascii: "["):
                pi += 1
                let negate = pi < p.count && p[pi] == UInt8(ascii: "^")
                if negate { pi += 1 }
                var matched = false
                while true {
                    if pi >= p.count { pi -= 1; break }
                    if p[pi] == UInt8(ascii: "\\") && pi + 1 < p.count {
                        pi += 1
                        if p[pi] == s[si] { matched = true }
                    } else if p[pi] == UInt8(ascii: "]") {
                        break
                    } else if pi + 2 < p.count && p[pi + 1] == UInt8(ascii: "-") {
                        var start = p[pi], end = p[pi + 2], c = s[si]
                        if start > end { swap(&start, &end) }
                        if nocase { start = lower(start); end = lower(end); c = lower(c) }
                        pi += 2
                        if c >= start && c <= end { matched = true }
                    } else {
                        if nocase ? lower(p[pi]) == lower(s[si]) : p[pi] == s[si] { matched = true }
                    }
                    pi += 1
                }
                if negate { matched = !matched }
                if !matched { return false }
                si += 1
            case UInt8(ascii: "\\") where pi + 1 < p.count:
                pi += 1
                fallthrough
            default:
                if nocase ? lower(p[pi]) != lower(s[si]) : p[pi] != s[si] { return false }
                si += 1
            }
            pi += 1
            if si == s.count {
                while pi < p.count && p[pi] == UInt8(ascii: "*") { pi += 1 }
                break
            }
        }
        return pi == p.count && si == s.count
    }
}
