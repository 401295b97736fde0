import Testing
import NIOCore
import NIOConcurrencyHelpers
@testable import CairnTransport
#if canImport(Glibc)
import Glibc
#endif

/// Connections on the loop, driven from plain blocking sockets in the test: reads and
/// writes in order, back-pressure through the water marks, each side closing, graceful
/// shutdown and adopted sockets.
@Suite struct SocketChannelTests {
    /// Writes back what it reads, flushing at the end of each read batch.
    final class Echo: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.write(data, promise: nil) }
        func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
    }

    /// Records what the pipeline hears.
    final class Recorder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let events: NIOLockedValueBox<[String]>
        let closeOnQuiesce: Bool
        init(_ events: NIOLockedValueBox<[String]>, closeOnQuiesce: Bool = false) {
            self.events = events
            self.closeOnQuiesce = closeOnQuiesce
        }
        func channelRegistered(context: ChannelHandlerContext) { events.withLockedValue { $0.append("registered") } }
        func channelActive(context: ChannelHandlerContext) { events.withLockedValue { $0.append("active") } }
        func channelInactive(context: ChannelHandlerContext) { events.withLockedValue { $0.append("inactive") } }
        func channelUnregistered(context: ChannelHandlerContext) { events.withLockedValue { $0.append("unregistered") } }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let text = String(buffer: unwrapInboundIn(data))
            events.withLockedValue { $0.append("read \(text)") }
        }
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is ChannelShouldQuiesceEvent {
                events.withLockedValue { $0.append("quiesce") }
                if closeOnQuiesce { context.close(promise: nil) }
            }
        }
    }

    /// Takes reads straight from the socket, recording them.
    final class DirectReader: SocketReadTarget, Sendable {
        let events: NIOLockedValueBox<[String]>
        init(_ events: NIOLockedValueBox<[String]>) { self.events = events }
        func socketDidRead(_ bytes: ByteBuffer) { events.withLockedValue { $0.append("direct \(String(buffer: bytes))") } }
        func socketDidFinishReading() { events.withLockedValue { $0.append("direct complete") } }
    }

    /// Writes `size` bytes when the first byte arrives, counting writability changes.
    final class Flood: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let size: Int
        let changes: NIOLockedValueBox<[Bool]>
        let done: EventLoopPromise<Void>
        init(size: Int, changes: NIOLockedValueBox<[Bool]>, done: EventLoopPromise<Void>) {
            self.size = size
            self.changes = changes
            self.done = done
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var offset = 0
            while offset < size {
                let chunk = min(16384, size - offset)
                var buffer = context.channel.allocator.buffer(capacity: chunk)
                for i in 0..<chunk { buffer.writeInteger(UInt8(truncatingIfNeeded: offset + i)) }
                offset += chunk
                context.write(wrapOutboundOut(buffer), promise: offset == size ? done : nil)
            }
            context.flush()
        }
        func channelWritabilityChanged(context: ChannelHandlerContext) {
            let writable = context.channel.isWritable
            changes.withLockedValue { $0.append(writable) }
        }
    }

    /// A blocking client socket connected to `port`, every wait bounded to 5 s.
    static func connect(port: Int) throws -> CInt {
        let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let result = address.withSockAddr { Glibc.connect(fd, $0, socklen_t($1)) }
        guard result == 0 else {
            Glibc.close(fd)
            throw IOError(errnoCode: errno, reason: "connect")
        }
        return fd
    }

    static func send(_ fd: CInt, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    /// Reads exactly `count` bytes, or fewer if the peer closes or 5 s pass.
    static func receive(_ fd: CInt, count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + got, count - got) }
            if n <= 0 { break }
            got += n
        }
        return Array(bytes.prefix(got))
    }

    /// A listener with no handlers, a client connected to it and the channel it got.
    static func acceptOne(on loop: SocketEventLoop) async throws -> (SocketListener, CInt, SocketChannel) {
        let channels = NIOLockedValueBox<[SocketChannel]>([])
        let listener = try await loop.listen(host: "127.0.0.1", port: 0) { channel in
            channels.withLockedValue { $0.append(channel) }
        }.get()
        let client = try connect(port: listener.localAddress.port ?? 0)
        try await waitUntil { !channels.withLockedValue { $0 }.isEmpty }
        guard let channel = channels.withLockedValue({ $0.first }) else {
            Glibc.close(client)
            throw ChannelError.ioOnClosedChannel
        }
        return (listener, client, channel)
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(nanoseconds: 10_000_000) }
    }

    @Test func echoesInOrderAndReportsAddresses() async throws {
        let loop = try SocketEventLoop(name: "test-loop")
        let channels = NIOLockedValueBox<[SocketChannel]>([])
        let listener = try await loop.listen(host: "127.0.0.1", port: 0) { channel in
            channels.withLockedValue { $0.append(channel) }
            try channel.pipeline.syncOperations.addHandler(Echo())
        }.get()
        let port = try #require(listener.localAddress.port)
        #expect(port > 0)
        let client = try Self.connect(port: port)
        defer { Glibc.close(client) }
        try await Self.waitUntil { !channels.withLockedValue { $0 }.isEmpty }
        let channel = try #require(channels.withLockedValue { $0.first })
        #expect(channel.localAddress?.port == port)
        let readSize = { try await loop.submit { (channel._channelCore as? SocketCore)?.nextReadSize ?? 0 }.get() }
        // A request larger than the first read buffers, so reads grow to their limit…
        let big = String(repeating: "x", count: 300_000)
        Self.send(client, big)
        #expect(Self.receive(client, count: big.utf8.count).count == big.utf8.count)
        #expect(try await readSize() == 65536)
        // …and small requests bring them back down, each answered in order.
        for round in 0..<50 {
            let message = "request \(round)\r\n"
            Self.send(client, message)
            #expect(Self.receive(client, count: message.utf8.count) == Array(message.utf8))
        }
        #expect(try await readSize() == 2048)
        try await listener.close().get()
        try await loop.shutdownGracefully()
    }

    @Test func backPressureFollowsTheWaterMarksAndEveryByteArrivesInOrder() async throws {
        let loop = try SocketEventLoop(name: "test-loop")
        let changes = NIOLockedValueBox<[Bool]>([])
        let done = loop.makePromise(of: Void.self)
        let size = 1024 * 1024
        let listener = try await loop.listen(host: "127.0.0.1", port: 0) { channel in
            try channel.pipeline.syncOperations.addHandler(Flood(size: size, changes: changes, done: done))
        }.get()
        let client = try Self.connect(port: listener.localAddress.port ?? 0)
        defer { Glibc.close(client) }
        Self.send(client, "go")
        let received = Self.receive(client, count: size)
        #expect(received.count == size)
        #expect(received.enumerated().allSatisfy { $0.element == UInt8(truncatingIfNeeded: $0.offset) })
        try await done.futureResult.get()
        // Unwritable while more than 64 KiB waited, writable again once drained.
        #expect(changes.withLockedValue { $0 }.first == false)
        #expect(changes.withLockedValue { $0 }.last == true)
        try await loop.shutdownGracefully()
    }

    @Test func eventsWhenTheClientCloses() async throws {
        let loop = try SocketEventLoop(name: "test-loop")
        let events = NIOLockedValueBox<[String]>([])
        let channels = NIOLockedValueBox<[SocketChannel]>([])
        let listener = try await loop.listen(host: "127.0.0.1", port: 0) { channel in
            channels.withLockedValue { $0.append(channel) }
            try channel.pipeline.syncOperations.addHandler(Recorder(events))
        }.get()
        let client = try Self.connect(port: listener.localAddress.port ?? 0)
        Self.send(client, "hello")
        try await Self.waitUntil { events.withLockedValue { $0.count } >= 3 }
        Glibc.close(client)
        let channel = try #require(channels.withLockedValue { $0.first })
        try await channel.closeFuture.get()
        #expect(events.withLockedValue { $0 } == ["registered", "active", "read hello", "inactive", "unregistered"])
        #expect(!channel.isActive)
        #expect(channel.remoteAddress?.ipAddress == "127.0.0.1")
        try await loop.shutdownGracefully()
    }

    @Test func aReadTargetTakesTheBytesInsteadOfThePipelineUntilTheChannelCloses() async throws {
        let loop = try SocketEventLoop(name: "test-loop")
        let events = NIOLockedValueBox<[String]>([])
        let (listener, client, channel) = try await Self.acceptOne(on: loop)
        try await loop.submit { try channel.pipeline.syncOperations.addHandler(Recorder(events)) }.get()
        weak var released: DirectReader?
        do {
            let reader = DirectReader(events)
            released = reader
            try await loop.submit { channel.setReadTarget(reader) }.get()
        }
        Self.send(client, "hello")
        try await Self.waitUntil { events.withLockedValue { $0 }.contains("direct complete") }
        try await loop.submit { channel.setReadTarget(nil) }.get()
        Self.send(client, "again")
        try await Self.waitUntil { events.withLockedValue { $0 }.contains("read again") }
        #expect(events.withLockedValue { $0 } == ["direct hello", "direct complete", "read again"])
        #expect(released == nil, "a target set back to nil is let go")

        // Set again, it is let go when the channel closes.
        do {
            let reader = DirectReader(events)
            released = reader
            try await loop.submit { channel.setReadTarget(reader) }.get()
        }
        Glibc.close(client)
        try await channel.closeFuture.get()
        #expect(released == nil)
        #expect(events.withLockedValue { $0 } == ["direct hello", "direct complete", "read again", "inactive", "unregistered"])
        try await listener.close().get()
        try await loop.shutdownGracefully()
    }

    @Test func aDirectWriteTakesWhatTheSocketAcceptsAndNothingOnceClosed() async throws {
        let loop = try SocketEventLoop(name: "test-loop")
        let (listener, client, channel) = try await Self.acceptOne(on: loop)
        defer { Glibc.close(client) }
        #expect(try await loop.submit { channel.descriptor }.get() >= 0)
        #expect(try await loop.submit { channel.writeDirectly(ByteBuffer(string: "hello")) }.get() == .complete)
        #expect(Self.receive(client, count: 5) == Array("hello".utf8))

        // The client reads nothing: the socket fills, and the write says how much it took.
        let big = ByteBuffer(repeating: 0x61, count: 64 << 20)
        let outcome = try await loop.submit { channel.writeDirectly(big) }.get()
        guard case .partial(let written) = outcome else {
            Issue.record("a 64 MiB write to a reader that reads nothing was \(outcome)")
            return
        }
        #expect(written > 0 && written < big.readableBytes)
        // (The kernel may have made room meanwhile, so how much of this it takes varies; it
        // is never an error while the channel is open.)
        #expect(try await loop.submit { channel.writeDirectly(ByteBuffer(string: "more")) }.get() != .failed)

        try await channel.close().get()
        #expect(try await loop.submit { channel.writeDirectly(ByteBuffer(string: "late")) }.get() == .failed,
                "a closed channel's descriptor is never written to")
        #expect(try await loop.submit { channel.descriptor }.get() == -1)
        try await listener.close().get()
        try await loop.shutdownGracefully()
    }

    @Test func closingFromTheServerEndsTheClientsStreamAndFailsLaterWrites() async throws {
        let loop = try SocketEventLoop(name: "test-loop")
        let (_, client, channel) = try await Self.acceptOne(on: loop)
        defer { Glibc.close(client) }
        try await channel.writeAndFlush(ByteBuffer(string: "bye")).get()
        try await channel.close().get()
        #expect(Self.receive(client, count: 10) == Array("bye".utf8))
        await #expect(throws: ChannelError.self) { try await channel.writeAndFlush(ByteBuffer(string: "late")).get() }
        await #expect(throws: ChannelError.alreadyClosed) { try await channel.close().get() }
        try await loop.shutdownGracefully()
    }

    @Test func quiescingWaitsForEveryConnectionToClose() async throws {
        let loop = try SocketEventLoop(name: "test-loop")
        let events = NIOLockedValueBox<[String]>([])
        let listener = try await loop.listen(host: "127.0.0.1", port: 0) { channel in
            try channel.pipeline.syncOperations.addHandler(Recorder(events, closeOnQuiesce: true))
        }.get()
        let port = listener.localAddress.port ?? 0
        let clients = try (0..<3).map { _ in try Self.connect(port: port) }
        defer { for client in clients { Glibc.close(client) } }
        try await Self.waitUntil { events.withLockedValue { $0.filter { $0 == "active" }.count } == 3 }
        try await listener.close().get()
        #expect(throws: IOError.self) { try Self.connect(port: port) }
        try await loop.quiesceConnections().get()
        #expect(events.withLockedValue { $0.filter { $0 == "quiesce" }.count } == 3)
        #expect(events.withLockedValue { $0.filter { $0 == "inactive" }.count } == 3)
        for client in clients { #expect(Self.receive(client, count: 1).isEmpty) }
        // With nothing open it completes at once.
        try await loop.quiesceConnections().get()
        try await loop.shutdownGracefully()
    }

    @Test func adoptsAConnectedSocket() async throws {
        let loop = try SocketEventLoop(name: "test-loop")
        var pair: [CInt] = [0, 0]
        #expect(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { Glibc.close(pair[1]) }
        _ = fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(pair[1], SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let channel = try await loop.adopt(descriptor: pair[0]) { channel in
            try channel.pipeline.syncOperations.addHandler(Echo())
        }.get()
        Self.send(pair[1], "ping")
        #expect(Self.receive(pair[1], count: 4) == Array("ping".utf8))
        try await channel.close().get()
        try await loop.shutdownGracefully()
    }

    @Test func stoppingTheLoopClosesWhatIsStillOpen() async throws {
        let loop = try SocketEventLoop(name: "test-loop")
        let (listener, client, channel) = try await Self.acceptOne(on: loop)
        defer { Glibc.close(client) }
        let listenerClosed = Outcome(listener.closeFuture)
        let channelClosed = Outcome(channel.closeFuture)
        try await loop.shutdownGracefully()
        #expect(listenerClosed.ended && listenerClosed.error == nil)
        #expect(channelClosed.ended && channelClosed.error == nil)
        #expect(!channel.isActive)
        #expect(Self.receive(client, count: 1).isEmpty)
    }

    @Test func bindingAPortInUseFails() async throws {
        let loop = try SocketEventLoop(name: "test-loop")
        let first = try await loop.listen(host: "127.0.0.1", port: 0) { _ in }.get()
        await #expect(throws: IOError.self) {
            try await loop.listen(host: "127.0.0.1", port: first.localAddress.port ?? 0) { _ in }.get()
        }
        try await loop.shutdownGracefully()
    }
}
