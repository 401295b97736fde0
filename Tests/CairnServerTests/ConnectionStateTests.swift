import Testing
import NIOCore
import NIOEmbedded
import Logging
import CairnProtocol
import CairnConfig
@testable import CairnCommands
@testable import CairnServer

/// A client's states (normal → blocked → normal, → closing) as its connection lives them,
/// on SwiftNIO's EmbeddedChannel: no sockets, one event loop the test turns by hand, and
/// a clock the test sets.
@Suite struct ConnectionStateTests {
    final class Server {
        var now: Int64 = 1_700_000_000_000
        let loop = EmbeddedEventLoop()
        let engine: Engine
        let runtime: ServerRuntime
        let flusher: ReplyFlusher

        init() {
            var clock: () -> Int64 = { 0 }
            engine = Engine(clock: { clock() })
            runtime = ServerRuntime(logger: Logger(label: "test"),
                                    processInfo: ProcessInfoFacts(processID: 1, tcpPort: 0, executable: "", configFile: "", startedAt: 0))
            flusher = ReplyFlusher(loop: loop, clock: engine.clock)
            clock = { [unowned self] in self.now }
            engine.timeSource = .manual(clock)
            engine.hooks = runtime
        }

        func connect() throws -> EmbeddedChannel {
            let handler = ConnectionHandler(engine: engine, runtime: runtime, flusher: flusher, allocator: ByteBufferAllocator())
            let channel = EmbeddedChannel(handler: handler, loop: loop)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7379)).wait()
            return channel
        }

        /// Sends one request and turns the loop (end-of-turn flushes, resumed reads).
        func send(_ channel: EmbeddedChannel, _ parts: String...) throws {
            var buffer = channel.allocator.buffer(capacity: 64)
            buffer.writeString("*\(parts.count)\r\n")
            for part in parts { buffer.writeString("$\(part.utf8.count)\r\n\(part)\r\n") }
            try channel.writeInbound(buffer)
            loop.run()
        }

        /// Everything written to `channel` so far.
        func output(_ channel: EmbeddedChannel) throws -> String {
            var text = ""
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
            return text
        }
    }

    @Test func blockedThenServedThenNormalAgainWithItsQueuedRequestsRunInOrder() throws {
        let s = Server()
        let waiter = try s.connect()
        try s.send(waiter, "BLPOP", "q", "0")
        #expect(try s.output(waiter) == "")
        let session = try #require(s.engine.clients.values.first)
        #expect(session.state.isBlocked)
        // Sent while parked: waits unread.
        try s.send(waiter, "PING")
        #expect(try s.output(waiter) == "")

        let pusher = try s.connect()
        try s.send(pusher, "RPUSH", "q", "v")
        #expect(try s.output(pusher) == ":1\r\n")
        #expect(try s.output(waiter) == "*2\r\n$1\r\nq\r\n$1\r\nv\r\n+PONG\r\n")
        guard case .normal = session.state else { Issue.record("served client must be normal again"); return }
    }

    @Test func theDeadlineTimerAnswersNilAndUnblocks() throws {
        let s = Server()
        let waiter = try s.connect()
        try s.send(waiter, "BLPOP", "q", "0.5")
        let session = try #require(s.engine.clients.values.first)
        #expect(session.state.isBlocked)
        s.now += 499
        s.loop.advanceTime(by: .milliseconds(499))
        #expect(try s.output(waiter) == "" && session.state.isBlocked)
        s.now += 1
        s.loop.advanceTime(by: .milliseconds(1))
        s.loop.run()
        #expect(try s.output(waiter) == "*-1\r\n")
        #expect(!session.state.isBlocked && s.engine.blockedClientCount == 0)
    }

    @Test func closingWhileBlockedUnparksTheClient() throws {
        let s = Server()
        let waiter = try s.connect()
        try s.send(waiter, "BRPOP", "q", "0")
        #expect(s.engine.blockedClientCount == 1)
        try waiter.close().wait()
        s.loop.run()
        #expect(s.engine.blockedClientCount == 0 && s.engine.clients.isEmpty)
    }

    @Test func quitMovesToClosingAndClosesAfterItsReply() throws {
        let s = Server()
        let client = try s.connect()
        try s.send(client, "QUIT")
        #expect(try s.output(client).hasPrefix("+OK\r\n"))
        s.loop.run()
        #expect(!client.isActive)
    }

    @Test func aResp2SubscriberIsRestrictedAndReceivesMessagesUntilItLeaves() throws {
        let s = Server()
        let subscriber = try s.connect()
        try s.send(subscriber, "SUBSCRIBE", "news")
        #expect(try s.output(subscriber) == "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n")
        try s.send(subscriber, "GET", "k")
        #expect(try s.output(subscriber).hasPrefix("-ERR Can't execute 'get'"))
        let publisher = try s.connect()
        try s.send(publisher, "PUBLISH", "news", "hi")
        #expect(try s.output(publisher) == ":1\r\n")
        #expect(try s.output(subscriber) == "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n")
        try s.send(subscriber, "UNSUBSCRIBE")
        _ = try s.output(subscriber)
        try s.send(subscriber, "GET", "k")
        #expect(try s.output(subscriber) == "$-1\r\n")
    }

    /// Records, across connections, the order in which they write.
    final class WriteOrder: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        final class Log { var names: [String] = [] }
        let name: String
        let log: Log
        init(_ name: String, _ log: Log) { self.name = name; self.log = log }
        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if unwrapOutboundIn(data).readableBytes > 0 { log.names.append(name) }
            context.write(data, promise: promise)
        }
    }

    @Test func repliesToRequestsAreWrittenBeforeMessagesPushedToListeners() throws {
        let s = Server()
        let log = WriteOrder.Log()
        var subscribers: [EmbeddedChannel] = []
        for i in 0..<3 {
            let channel = try s.connect()
            try s.send(channel, "SUBSCRIBE", "news")
            _ = try s.output(channel)
            try channel.pipeline.syncOperations.addHandler(WriteOrder("subscriber\(i)", log), position: .first)
            subscribers.append(channel)
        }
        let publisher = try s.connect()
        try publisher.pipeline.syncOperations.addHandler(WriteOrder("publisher", log), position: .first)
        // The subscribers get their message (queued for writing) before the publisher's
        // own reply exists; the publisher is still written first.
        try s.send(publisher, "PUBLISH", "news", "hi")
        #expect(log.names == ["publisher", "subscriber0", "subscriber1", "subscriber2"])
        #expect(try s.output(publisher) == ":3\r\n")
        for channel in subscribers {
            #expect(try s.output(channel) == "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n")
        }
    }

    @Test func monitoringReceivesOtherClientsCommandsAndResetEndsIt() throws {
        let s = Server()
        let monitor = try s.connect()
        try s.send(monitor, "MONITOR")
        #expect(try s.output(monitor) == "+OK\r\n")
        let session = try #require(s.engine.clients.values.first)
        guard case .monitoring = session.state else { Issue.record("MONITOR must leave the client monitoring"); return }
        let other = try s.connect()
        try s.send(other, "SET", "k", "v")
        let line = try s.output(monitor)
        #expect(line.hasPrefix("+") && line.hasSuffix("\"SET\" \"k\" \"v\"\r\n"))
        try s.send(monitor, "RESET")
        #expect(try s.output(monitor) == "+RESET\r\n")
        guard case .normal = session.state else { Issue.record("RESET must end monitoring"); return }
        try s.send(other, "SET", "k", "w")
        #expect(try s.output(monitor) == "")
    }

    @Test func aPausedWriteWaitsForUnpauseThenRunsWithWhatFollowedIt() throws {
        let s = Server()
        let admin = try s.connect()
        try s.send(admin, "CLIENT", "PAUSE", "10000", "WRITE")
        #expect(try s.output(admin) == "+OK\r\n")
        let writer = try s.connect()
        try s.send(writer, "SET", "k", "v")
        try s.send(writer, "GET", "k")
        #expect(try s.output(writer) == "")
        try s.send(admin, "CLIENT", "UNPAUSE")
        #expect(try s.output(admin) == "+OK\r\n")
        #expect(try s.output(writer) == "+OK\r\n$1\r\nv\r\n")
    }
}
