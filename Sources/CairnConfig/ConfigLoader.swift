import CairnProtocol

/// A config file or command-line error, printed the way Redis prints its own so users
/// recognise it, and naming the directive at fault.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let line: Int
    public let text: String
    public let message: String

    public var description: String {
        """
        *** FATAL CONFIG FILE ERROR (Cairn) ***
        Reading the configuration file, at line \(line)
        >>> '\(text)'
        \(message)
        """
    }
}

/// Turns redis.conf-style text and `--directive value` flags into `Settings`.
public enum ConfigLoader {
    /// Parses config text (a file's contents followed by the flags, as Redis does), later
    /// lines overriding earlier ones. O(size of the text).
    public static func load(_ text: String, into settings: inout Settings) throws(ConfigError) {
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingASCIISpace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let words: [String]
            do {
                words = try InlineSplitter.split(Array(line.utf8)).map { String(decoding: $0, as: UTF8.self) }
            } catch {
                throw ConfigError(line: lineNumber, text: String(line), message: "Unbalanced quotes in configuration line")
            }
            guard let name = words.first else { continue }
            // `user` lines declare ACL users; the engine checks their rules at start-up.
            if name.lowercased() == "user" {
                guard words.count >= 2 else {
                    throw ConfigError(line: lineNumber, text: String(line), message: "wrong number of arguments")
                }
                settings.userLines.append(Array(words.dropFirst()))
                continue
            }
            guard let directive = Directives.named(name) else {
                throw ConfigError(line: lineNumber, text: String(line), message: "Bad directive or wrong number of arguments")
            }
            if let message = directive.apply(Array(words.dropFirst()), to: &settings) {
                throw ConfigError(line: lineNumber, text: String(line), message: message)
            }
        }
    }

    /// Converts `--port 7380 --bind 127.0.0.1 ::1` into config lines. Each `--name` starts a
    /// line; the words after it, up to the next `--name`, are its arguments.
    /// Returns nil and the offending word when a value comes before any `--name`.
    public static func configText(fromFlags flags: [String]) -> Result<String, ConfigError> {
        var lines: [String] = []
        var current: [String] = []
        for word in flags {
            if word.hasPrefix("--") && word.count > 2 {
                if !current.isEmpty { lines.append(current.joined(separator: " ")) }
                current = [String(word.dropFirst(2))]
            } else {
                guard !current.isEmpty else {
                    return .failure(ConfigError(line: 0, text: word, message: "Expected a --directive before '\(word)'"))
                }
                current.append(quote(word))
            }
        }
        if !current.isEmpty { lines.append(current.joined(separator: " ")) }
        return .success(lines.joined(separator: "\n"))
    }

    /// Quotes a flag's value so the config tokenizer reads it back as one word.
    static func quote(_ word: String) -> String {
        var out = "\""
        for scalar in word.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension Substring {
    func trimmingASCIISpace() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s = s.dropLast() }
        return s
    }
}
