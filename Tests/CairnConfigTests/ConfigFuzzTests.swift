import class Foundation.ProcessInfo
import Testing
import CairnTestSupport
@testable import CairnConfig

/// Config files and flags are input from outside too: every directive with boundary
/// values, in files with mangled quoting, must load or be refused with a message naming
/// the line, never trap; a loaded value must print back (CONFIG GET) and reload the same.
@Suite struct ConfigFuzzTests {
    static let values = ["0", "1", "-1", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                         "99999999999999999999", "4294967296", "2147483648", "1e3", "", "yes", "no", "always",
                         "everysec", "1s", "9999999999999999h", "9223372036854775807ms", "-5m", "100mb",
                         "8589934592gb", "99999999999999999999gb", "1k", "normal 1mb 512kb 10", "normal 1 2",
                         "master 1 2 3", "pubsub 0 0 99999999999999999999", "a/b", "..", "\"x", "'y", "\"a\\x4", "\u{0}"]

    @Test func everyDirectiveWithBoundaryValues() {
        let env = ProcessInfo.processInfo.environment
        var rng = SplitMix64(state: env["CAIRN_FUZZ_SEED"].flatMap(UInt64.init) ?? 21)
        let iterations = env["CAIRN_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 20_000
        let names = Directives.all.map(\.name)
        for _ in 0..<iterations {
            var lines: [String] = []
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let name = Bool.random(using: &rng) ? names.randomElement(using: &rng)! : names.randomElement(using: &rng)!.uppercased()
                let words = (0..<Int.random(in: 0...3, using: &rng)).map { _ in Self.values.randomElement(using: &rng)! }
                lines.append(([name] + words).joined(separator: " "))
            }
            var settings = Settings()
            do {
                try ConfigLoader.load(lines.joined(separator: "\n"), into: &settings)
            } catch {
                #expect(error.description.contains("line"), "\(error.description)")
                continue
            }
            // What loaded prints back and reloads to the same settings (Cairn writes no
            // config files, so values that would need escaping are not printed here).
            let rendered = Directives.all.map { ($0.name, $0.render(settings)) }
            if rendered.contains(where: { $0.1.contains(where: { "\"'\\\u{0}".contains($0) }) }) { continue }
            var again = Settings()
            let printed = rendered.map { "\($0.0) \"\($0.1)\"" }.joined(separator: "\n")
            do {
                try ConfigLoader.load(printed, into: &again)
                #expect(again == settings, "\(lines) printed as \(printed)")
            } catch {
                Issue.record("\(lines) printed as something that does not load: \(error)")
            }
        }
    }
}

