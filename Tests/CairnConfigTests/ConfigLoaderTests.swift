import Testing
@testable import CairnConfig

@Suite struct ConfigLoaderTests {
    @Test func defaults() {
        let s = Settings()
        #expect(s.port == 7379)
        #expect(s.bind == ["127.0.0.1"])
        #expect(s.protoMaxBulkLen == 512 * 1024 * 1024)
        #expect(s.clientQueryBufferLimit == 1024 * 1024 * 1024)
        #expect(s.maxclients == 10_000)
    }

    @Test func readsAFileWithCommentsQuotesAndUnits() throws {
        var s = Settings()
        try ConfigLoader.load("""
            # a comment
            port 7380
              maxclients 50
            proto-max-bulk-len 2mb
            client-query-buffer-limit 3m
            bind 127.0.0.1 ::1
            dir "/tmp/cairn data"
            LOGLEVEL warning
            hz 1000
            """, into: &s)
        #expect(s.port == 7380)
        #expect(s.maxclients == 50)
        #expect(s.protoMaxBulkLen == 2 * 1024 * 1024)
        #expect(s.clientQueryBufferLimit == 3_000_000)
        #expect(s.bind == ["127.0.0.1", "::1"])
        #expect(s.dir == "/tmp/cairn data")
        #expect(s.loglevel == .warning)
        #expect(s.hz == 500)
    }

    @Test func flagsBecomeLinesAndWinOverTheFile() throws {
        let flags = try ConfigLoader.configText(fromFlags: ["--port", "7390", "--bind", "127.0.0.1", "::1", "--dir", "a \"b\""]).get()
        var s = Settings()
        try ConfigLoader.load("port 1000\n" + flags, into: &s)
        #expect(s.port == 7390)
        #expect(s.bind == ["127.0.0.1", "::1"])
        #expect(s.dir == "a \"b\"")
    }

    @Test func errorsNameTheDirectiveAndLine() {
        func failure(_ text: String) -> ConfigError? {
            var s = Settings()
            do { try ConfigLoader.load(text, into: &s); return nil } catch { return error }
        }
        let unknown = failure("port 1\nfoo bar")
        #expect(unknown?.line == 2)
        #expect(unknown?.text == "foo bar")
        #expect(unknown?.message == "Bad directive or wrong number of arguments")
        #expect(failure("port abc")?.message == "argument couldn't be parsed into an integer")
        #expect(failure("port 99999")?.message == "argument must be between 0 and 65535 inclusive")
        #expect(failure("maxclients 0")?.message == "argument must be between 1 and 4294967295 inclusive")
        #expect(failure("proto-max-bulk-len 12x")?.message == "argument must be a memory value")
        #expect(failure("proto-max-bulk-len 1000")?.message == "argument must be between 1048576 and 9223372036854775807 inclusive")
        #expect(failure("loglevel loud")?.message == "argument(s) must be one of the following: debug, verbose, notice, warning")
        #expect(failure("port")?.message == "wrong number of arguments")
        #expect(failure("port 1 2")?.message == "wrong number of arguments")
        #expect(failure("dir \"unterminated")?.message == "Unbalanced quotes in configuration line")
        #expect(failure("port 1")?.description == nil)
    }

    @Test func aValueBeforeAnyFlagIsAnError() {
        #expect(throws: ConfigError.self) { try ConfigLoader.configText(fromFlags: ["7380"]).get() }
    }

    @Test func memoryValues() {
        #expect(MemoryValue.parse("1024") == 1024)
        #expect(MemoryValue.parse("1k") == 1000)
        #expect(MemoryValue.parse("1KB") == 1024)
        #expect(MemoryValue.parse("1gb") == 1 << 30)
        #expect(MemoryValue.parse("1.5mb") == nil)
        #expect(MemoryValue.parse("-1") == nil)
        #expect(MemoryValue.parse("mb") == nil)
    }

    @Test func everyDirectiveRoundTripsThroughRender() throws {
        let defaults = Settings()
        for directive in Directives.all {
            var s = Settings()
            #expect(directive.apply([directive.render(defaults)], to: &s) == nil, "\(directive.name)")
            #expect(s == defaults, "\(directive.name)")
        }
    }
}
