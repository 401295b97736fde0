/// Splits an inline request line into arguments following Redis's `sdssplitargs`:
/// words separated by whitespace, "double quotes" with C-style escapes (`\n`, `\xHH`, ...),
/// 'single quotes' with only `\'` escaped, and a closing quote that must be followed by
/// whitespace or the end of the line.
public enum InlineSplitter {
    /// Splits `line` into words. O(n).
    public static func split(_ line: [UInt8]) throws(ProtocolError) -> [[UInt8]] {
        var args = Arguments()
        try split(line, into: &args)
        return args.all
    }

    static func split(_ line: [UInt8], into args: inout Arguments) throws(ProtocolError) {
        var p = 0
        let n = line.count
        // A NUL ends the line, as it ends the C string Redis splits.
        func at(_ i: Int) -> UInt8 { i < n ? line[i] : 0 }
        func isSpace(_ c: UInt8) -> Bool { c == 32 || (c >= 9 && c <= 13) }
        func hexValue(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        while true {
            while at(p) != 0 && isSpace(at(p)) { p += 1 }
            if at(p) == 0 { return }
            var current: [UInt8] = []
            var inDouble = false, inSingle = false, done = false
            while !done {
                let c = at(p)
                if inDouble {
                    if c == UInt8(ascii: "\\"), at(p + 1) == UInt8(ascii: "x"),
                       let hi = hexValue(at(p + 2)), let lo = hexValue(at(p + 3)) {
                        current.append(hi << 4 | lo)
                        p += 3
                    } else if c == UInt8(ascii: "\\"), at(p + 1) != 0 {
                        p += 1
                        switch at(p) {
                        case UInt8(ascii: "n"): current.append(10)
                        case UInt8(ascii: "r"): current.append(13)
                        case UInt8(ascii: "t"): current.append(9)
                        case UInt8(ascii: "b"): current.append(8)
                        case UInt8(ascii: "a"): current.append(7)
                        default: current.append(at(p))
                        }
                    } else if c == UInt8(ascii: "\"") {
                        if at(p + 1) != 0 && !isSpace(at(p + 1)) { throw .unbalancedQuotes }
                        done = true
                    } else if c == 0 {
                        throw .unbalancedQuotes
                    } else {
                        current.append(c)
                    }
                } else if inSingle {
                    if c == UInt8(ascii: "\\"), at(p + 1) == UInt8(ascii: "'") {
                        p += 1
                        current.append(UInt8(ascii: "'"))
                    } else if c == UInt8(ascii: "'") {
                        if at(p + 1) != 0 && !isSpace(at(p + 1)) { throw .unbalancedQuotes }
                        done = true
                    } else if c == 0 {
                        throw .unbalancedQuotes
                    } else {
                        current.append(c)
                    }
                } else {
                    switch c {
                    case 32, 10, 13, 9, 0: done = true
                    case UInt8(ascii: "\""): inDouble = true
                    case UInt8(ascii: "'"): inSingle = true
                    default: current.append(c)
                    }
                }
                if at(p) != 0 { p += 1 }
            }
            args.append(current)
        }
    }
}
