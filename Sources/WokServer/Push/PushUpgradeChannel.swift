import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// The child channel of the wok-router listener: HTTP/1 served by Hummingbird, except
/// `POST /notifications` when no token needs verifying, which ``EventLoopPublishHandler`` answers
/// on the event loop; and `/push` upgraded to WebSocket onto our own lean handler
/// (``PushConnection``), with no Swift task kept per socket.
struct PushUpgradeChannel: ServerChildChannel, HTTPChannelHandler {
    enum UpgradeResult: Sendable {
        case websocket
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case failedUpgrade(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: UpgradeOutcome
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let services: PushServices
    /// Requests on this listener come over the UNIX socket (publishers need no token).
    let trusted: Bool

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let services = self.services
        let trusted = self.trusted
        let configuration = services.configuration
        return channel.eventLoop.makeCompletedFuture {
            if !trusted, !configuration.tcpNoDelay {
                try? channel.syncOptions?.setOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 0)
            }
            let upgradeAttempted = NIOLoopBoundBox(false, eventLoop: channel.eventLoop)
            let admission = NIOLoopBoundBox<PushAdmission?>(nil, eventLoop: channel.eventLoop)
            let upgradeGuard = NIOLoopBound(UpgradeGuardHandler(), eventLoop: channel.eventLoop)
            let closeWatcher = InputClosedWatcher(eventLoop: channel.eventLoop)
            let timeoutHandler = NIOLoopBound(
                RequestTimeoutHandler(timeout: .nanoseconds(Int64(configuration.requestTimeout * 1e9))), eventLoop: channel.eventLoop)
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: configuration.maxFrameBytes,
                enableAutomaticErrorHandling: true,
                shouldUpgrade: { channel, head in
                    upgradeAttempted.value = true
                    let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
                    guard path == "/push" else { return channel.eventLoop.makeSucceededFuture(nil) }
                    // No task when no token must be verified (trusted listener, or no auth_secret).
                    if let decided = services.admitWithoutVerifying(head: head, trusted: trusted) {
                        admission.value = decided
                        return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
                    }
                    let promise = channel.eventLoop.makePromise(of: PushAdmission.self)
                    promise.completeWithTask { await services.admit(head: head, trusted: trusted) }
                    return promise.futureResult.map { result -> HTTPHeaders? in
                        admission.value = result
                        return HTTPHeaders()
                    }
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        let ops = channel.pipeline.syncOperations
                        ops.removeHandler(timeoutHandler.value, promise: nil)
                        ops.removeHandler(upgradeGuard.value, promise: nil)
                        ops.removeHandler(closeWatcher, promise: nil)
                        try channel.syncOptions?.setOption(
                            ChannelOptions.writeBufferWaterMark, value: .init(low: 16 * 1024, high: 64 * 1024))
                        let raw = RawWriteHandler()
                        try ops.addHandler(raw, position: .first)
                        try ops.addHandler(NIOWebSocketFrameAggregator(
                            minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 256,
                            maxAccumulatedFrameSize: configuration.maxFrameBytes))
                        let connection = PushConnection(
                            services: services, loop: services.loop(for: channel.eventLoop),
                            admission: admission.value ?? .refused(code: CloseCode.policy, reason: "refused", disconnect: "auth_refused"),
                            rawHandler: raw)
                        try ops.addHandler(connection)
                        return UpgradeResult.websocket
                    }
                }
            )
            let serverUpgrade = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let ops = channel.pipeline.syncOperations
                        // Publishes whose grant is known without verifying a token are served on the
                        // loop, before Hummingbird's codec; their answers go out through `raw`.
                        let grants = services.grants
                        let raw = RawWriteHandler()
                        try ops.addHandler(raw, position: .first)
                        try ops.addHandler(EventLoopPublishHandler(
                            processor: PublishProcessor(router: services.router, maxBodyBytes: configuration.maxBodyBytes),
                            serverName: WokRouterServer.serverName, rawOutput: raw,
                            idleTimeout: .nanoseconds(Int64(configuration.idleTimeout * 1e9)),
                            grant: { head in
                                grants.grantWithoutVerifying(uri: head.uri, authorization: head.headers.first(name: "authorization"),
                                                             trusted: trusted)
                            }))
                        try ops.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        // The idle timeout is the publish handler's: this handler does not see publishes.
                        try ops.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
                        let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        return upgradeAttempted.value ? UpgradeResult.failedUpgrade(asyncChannel) : UpgradeResult.notUpgraded(asyncChannel)
                    }
                }
            )
            try channel.pipeline.syncOperations.addHandler(closeWatcher, position: .first)
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: serverUpgrade)
            pipeline.enablePipelining = false
            pipeline.enableErrorHandling = false
            pipeline.enableResponseHeaderValidation = false
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            try channel.pipeline.syncOperations.addHandler(timeoutHandler.value)
            let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try channel.pipeline.syncOperations.addHandler(upgradeGuard.value, position: .after(decoder))
            return Value(upgradeResult: UpgradeOutcome(result), channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .websocket:
                return
            case .notUpgraded(let http1):
                await handleHTTP(asyncChannel: http1, logger: logger)
            case .failedUpgrade(let http1):
                await Self.refuseUpgrade(http1)
            }
        } catch {
            logger.debug("connection ended during setup", metadata: ["error": "\(error)"])
        }
    }

    /// Answers an upgrade request to a path other than `/push`.
    private static func refuseUpgrade(_ channel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>) async {
        let body = #"{"error":"not_found","message":"WebSocket upgrades are served on /push only"}"#
        try? await channel.executeThenClose { _, outbound in
            let head = HTTPResponse(status: .notFound, headerFields: [
                .connection: "close", .contentType: "application/json", .contentLength: String(body.utf8.count),
            ])
            try await outbound.write(contentsOf: [.head(head), .body(ByteBuffer(string: body)), .end(nil)])
        }
    }
}
