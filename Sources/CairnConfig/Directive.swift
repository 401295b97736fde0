/// One configuration directive: its redis.conf name, how to parse and print it, and
/// whether CONFIG SET may change it on a running server.
public struct Directive: Sendable {
    public let name: String
    public let mutableAtRuntime: Bool
    /// Parses `arguments` into `settings`; returns an error message (Redis's wording) or nil.
    let parse: @Sendable (inout Settings, [String]) -> String?
    /// The value as CONFIG GET and the example config print it.
    public let render: @Sendable (Settings) -> String

    /// Applies the directive's arguments to `settings`. Returns Redis's error text on failure.
    public func apply(_ arguments: [String], to settings: inout Settings) -> String? {
        parse(&settings, arguments)
    }
}

extension Directive {
    static func integer(_ name: String, _ path: any WritableKeyPath<Settings, Int> & Sendable,
                        _ range: ClosedRange<Int>, clampTo clamp: ClosedRange<Int>? = nil,
                        mutable: Bool) -> Directive {
        Directive(name: name, mutableAtRuntime: mutable, parse: { settings, args in
            guard args.count == 1 else { return "wrong number of arguments" }
            guard let value = Int(args[0]) else { return "argument couldn't be parsed into an integer" }
            guard range.contains(value) else {
                return "argument must be between \(range.lowerBound) and \(range.upperBound) inclusive"
            }
            settings[keyPath: path] = clamp.map { min(max(value, $0.lowerBound), $0.upperBound) } ?? value
            return nil
        }, render: { String($0[keyPath: path]) })
    }

    static func memory(_ name: String, _ path: any WritableKeyPath<Settings, Int> & Sendable,
                       minimum: Int, mutable: Bool) -> Directive {
        Directive(name: name, mutableAtRuntime: mutable, parse: { settings, args in
            guard args.count == 1 else { return "wrong number of arguments" }
            guard let value = MemoryValue.parse(args[0]) else { return "argument must be a memory value" }
            guard value >= minimum else {
                return "argument must be between \(minimum) and \(Int.max) inclusive"
            }
            settings[keyPath: path] = value
            return nil
        }, render: { String($0[keyPath: path]) })
    }

    static func enumeration<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ path: any WritableKeyPath<Settings, E> & Sendable, mutable: Bool
    ) -> Directive where E.RawValue == String {
        Directive(name: name, mutableAtRuntime: mutable, parse: { settings, args in
            guard args.count == 1 else { return "wrong number of arguments" }
            guard let value = E(rawValue: args[0].lowercased()) else {
                let names = E.allCases.map(\.rawValue).joined(separator: ", ")
                return "argument(s) must be one of the following: \(names)"
            }
            settings[keyPath: path] = value
            return nil
        }, render: { $0[keyPath: path].rawValue })
    }

    static func bool(_ name: String, _ path: any WritableKeyPath<Settings, Bool> & Sendable, mutable: Bool) -> Directive {
        Directive(name: name, mutableAtRuntime: mutable, parse: { settings, args in
            guard args.count == 1 else { return "wrong number of arguments" }
            switch args[0].lowercased() {
            case "yes": settings[keyPath: path] = true
            case "no": settings[keyPath: path] = false
            default: return "argument must be 'yes' or 'no'"
            }
            return nil
        }, render: { $0[keyPath: path] ? "yes" : "no" })
    }

    static func string(_ name: String, _ path: any WritableKeyPath<Settings, String> & Sendable, mutable: Bool) -> Directive {
        Directive(name: name, mutableAtRuntime: mutable, parse: { settings, args in
            guard args.count == 1 else { return "wrong number of arguments" }
            settings[keyPath: path] = args[0]
            return nil
        }, render: { $0[keyPath: path] })
    }

    /// A duration in milliseconds, written `250ms`, `1s`, `30m`, `2h` or a plain number of
    /// milliseconds; printed in the largest unit that divides it.
    static func duration(_ name: String, _ path: any WritableKeyPath<Settings, Int> & Sendable,
                         range: ClosedRange<Int>, mutable: Bool) -> Directive {
        Directive(name: name, mutableAtRuntime: mutable, parse: { settings, args in
            guard args.count == 1 else { return "wrong number of arguments" }
            let text = args[0].lowercased()
            // Scaled with overflow reported: "9999999999999999h" is refused, not a trap.
            func scaled(_ digits: Substring, _ factor: Int) -> Int? {
                guard let n = Int(digits) else { return nil }
                let (ms, overflow) = n.multipliedReportingOverflow(by: factor)
                return overflow ? nil : ms
            }
            var value: Int?
            if text.hasSuffix("ms") { value = scaled(text.dropLast(2), 1) }
            else if text.hasSuffix("s") { value = scaled(text.dropLast(), 1000) }
            else if text.hasSuffix("m") { value = scaled(text.dropLast(), 60_000) }
            else if text.hasSuffix("h") { value = scaled(text.dropLast(), 3_600_000) }
            else { value = Int(text) }
            guard let ms = value else { return "argument must be a duration like 250ms, 1s, 30m or 2h" }
            guard range.contains(ms) else {
                return "argument must be between \(range.lowerBound)ms and \(range.upperBound)ms inclusive"
            }
            settings[keyPath: path] = ms
            return nil
        }, render: { settings in
            let ms = settings[keyPath: path]
            if ms == 0 { return "0" }
            if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
            if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
            return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms)ms"
        })
    }

    /// A file name within a directory: no '/' and not '.' or '..'. Fixed at start-up.
    static func fileName(_ name: String, _ path: any WritableKeyPath<Settings, String> & Sendable) -> Directive {
        Directive(name: name, mutableAtRuntime: false, parse: { settings, args in
            guard args.count == 1 else { return "wrong number of arguments" }
            let value = args[0]
            guard !value.isEmpty, !value.contains("/"), value != ".", value != ".." else {
                return "\(name) can't be a path, just a filename"
            }
            settings[keyPath: path] = value
            return nil
        }, render: { $0[keyPath: path] })
    }

    /// `client-output-buffer-limit <class> <hard> <soft> <soft-seconds> ...`: the classes
    /// named change, the others keep their limits (as in Redis, in a file or CONFIG SET).
    static func outputBufferLimits(_ name: String, _ path: any WritableKeyPath<Settings, OutputBufferLimits> & Sendable) -> Directive {
        Directive(name: name, mutableAtRuntime: true, parse: { settings, args in
            let words = args.flatMap { $0.split(separator: " ").map(String.init) }
            guard !words.isEmpty, words.count % 4 == 0 else { return "Wrong number of arguments in buffer limit configuration." }
            var limits = settings[keyPath: path]
            for i in stride(from: 0, to: words.count, by: 4) {
                guard let kind = ClientClass(configName: words[i]) else {
                    return "Invalid client class specified in buffer limit configuration."
                }
                guard let hard = MemoryValue.parse(words[i + 1]), let soft = MemoryValue.parse(words[i + 2]),
                      let seconds = Int(words[i + 3]), seconds >= 0 else {
                    return "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                }
                limits[kind] = OutputBufferLimit(hard: hard, soft: soft, softSeconds: seconds)
            }
            settings[keyPath: path] = limits
            return nil
        }, render: { settings in
            ClientClass.allCases.map { kind in
                let limit = settings[keyPath: path][kind]
                return "\(kind.configName) \(limit.hard) \(limit.soft) \(limit.softSeconds)"
            }.joined(separator: " ")
        })
    }

    /// Percentiles between 0 and 100, spaced in one string or given as separate words;
    /// empty allowed (INFO latencystats then lists none), as Redis's
    /// `latency-tracking-info-percentiles`.
    static func percentiles(_ name: String, _ path: any WritableKeyPath<Settings, [Double]> & Sendable) -> Directive {
        Directive(name: name, mutableAtRuntime: true, parse: { settings, args in
            var values: [Double] = []
            for word in args.flatMap({ $0.split(separator: " ") }) {
                guard let value = Double(word), value.isFinite else { return "Invalid latency-tracking-info-percentiles parameters" }
                guard (0...100).contains(value) else {
                    return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                }
                values.append(value)
            }
            settings[keyPath: path] = values
            return nil
        }, render: { $0[keyPath: path].map(Self.shortDecimal).joined(separator: " ") })
    }

    /// `99`, `99.9`, `12.345679`: a percentile as Redis prints it — six decimals, rounded,
    /// trailing zeros dropped. For values in 0...100 (what the directive accepts).
    public static func shortDecimal(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e12 else { return "0" }
        let scaled = Int64((abs(value) * 1_000_000).rounded())
        var fraction = String(scaled % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let sign = value < 0 && scaled != 0 ? "-" : ""
        return sign + String(scaled / 1_000_000) + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// A list of words; in a file as separate arguments, with CONFIG SET as one spaced string.
    static func words(_ name: String, _ path: any WritableKeyPath<Settings, [String]> & Sendable, mutable: Bool) -> Directive {
        Directive(name: name, mutableAtRuntime: mutable, parse: { settings, args in
            let words = args.flatMap { $0.split(separator: " ").map(String.init) }
            guard !words.isEmpty else { return "wrong number of arguments" }
            settings[keyPath: path] = words
            return nil
        }, render: { $0[keyPath: path].joined(separator: " ") })
    }
}

/// Redis's memory values: a number with an optional unit, `k`/`m`/`g` for powers of 1000
/// and `kb`/`mb`/`gb` for powers of 1024, case-insensitive.
public enum MemoryValue {
    public static func parse(_ text: String) -> Int? {
        let lower = text.lowercased()
        let units: [(String, Int)] = [("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10),
                                      ("g", 1_000_000_000), ("m", 1_000_000), ("k", 1000), ("b", 1)]
        var digits = Substring(lower)
        var multiplier = 1
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            digits = digits.dropLast(suffix.count)
            multiplier = factor
            break
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
              let value = Int(digits) else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }
}
