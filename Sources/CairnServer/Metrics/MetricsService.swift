public import Logging
public import ServiceLifecycle
import NIOCore
import NIOPosix
import NIOHTTP1
public import CairnConfig

/// The Prometheus endpoint as a `Service` beside the server in the ServiceGroup:
/// `GET /metrics` on `metrics-bind:metrics-port`, off unless `metrics-port` is set.
///
/// It runs on an event loop of its own. A scrape costs the server's loop one hop that
/// copies figures (`MetricsSnapshot`); the registry is updated and rendered here.
public struct MetricsService: Service {
    let settings: Settings
    let server: CairnServer
    let exporter: MetricsExporter
    let logger: Logger

    public init(settings: Settings, server: CairnServer, exporter: MetricsExporter, logger: Logger) {
        self.settings = settings
        self.server = server
        self.exporter = exporter
        self.logger = logger
    }

    public func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = self.server
        let exporter = self.exporter
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(scrape: {
                            exporter.render(await server.metricsSnapshot())
                        }))
                    }
                }
                .bind(host: settings.metricsBind, port: settings.metricsPort).get()
        } catch {
            try? await group.shutdownGracefully()
            throw CairnServer.StartupError(
                message: "Could not create the metrics endpoint on \(settings.metricsBind):\(settings.metricsPort): \(error)")
        }
        logger.notice("Metrics at http://\(settings.metricsBind):\(settings.metricsPort)/metrics")
        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
        try? await group.shutdownGracefully()
    }
}

/// One HTTP connection of the endpoint: `GET /metrics` renders, anything else is 404
/// (405 for other methods on /metrics).
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let scrape: @Sendable () async -> [UInt8]
    private var request: HTTPRequestHead?

    init(scrape: @escaping @Sendable () async -> [UInt8]) {
        self.scrape = scrape
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            guard path == "/metrics" else {
                respond(context: context, head: head, status: .notFound, body: Array("Not found; metrics are at /metrics\n".utf8))
                return
            }
            guard head.method == .GET || head.method == .HEAD else {
                respond(context: context, head: head, status: .methodNotAllowed, body: [])
                return
            }
            let promise = context.eventLoop.makePromise(of: [UInt8].self)
            let scrape = self.scrape
            promise.completeWithTask { await scrape() }
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            promise.futureResult.whenSuccess { body in
                let (handler, context) = bound.value
                handler.respond(context: context, head: head, status: .ok, body: head.method == .HEAD ? [] : body,
                                contentType: "text/plain; version=0.0.4; charset=utf-8")
            }
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead, status: HTTPResponseStatus, body: [UInt8],
                         contentType: String = "text/plain; charset=utf-8") {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if !body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: body.count)
            buffer.writeBytes(body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
