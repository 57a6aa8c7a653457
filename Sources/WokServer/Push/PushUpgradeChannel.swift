import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// The pipeline of a connection accepted by ``WokListener``: HTTP/1 served by Hummingbird, except
/// `POST /notifications` when no token needs verifying, which ``EventLoopPublishHandler`` answers
/// on the event loop; and `/push` upgraded to WebSocket onto our own lean handler
/// (``PushConnection``), with no Swift task at all. ``PushUpgradeHandler`` reads each
/// connection's first request and decides which.
///
/// The `ServerChildChannel`/`HTTPChannelHandler` conformance is what gives ``WokListener``
/// Hummingbird's HTTP/1 request loop (`handleHTTP(asyncChannel:logger:)`) for the plain HTTP
/// connections; Hummingbird's own `Server` (a task per accepted connection) is not used.
struct PushUpgradeChannel: ServerChildChannel, HTTPChannelHandler {
    struct Value: ServerChildChannelValue {
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let services: PushServices
    /// Requests on this listener come over the UNIX socket (publishers need no token).
    let trusted: Bool
    /// Receives each connection whose first request is plain HTTP, on its event loop, once the
    /// HTTP handlers are in place; the listener serves it with ``handleHTTP(asyncChannel:logger:)``.
    let onHTTP: @Sendable (NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>) -> Void

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let services = self.services
        let trusted = self.trusted
        let onHTTP = self.onHTTP
        let configuration = services.configuration
        return channel.eventLoop.makeCompletedFuture {
            if !trusted, !configuration.tcpNoDelay {
                try? channel.syncOptions?.setOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 0)
            }
            let ops = channel.pipeline.syncOperations
            if !trusted {
                // Every TCP connection counts against max_connections while it is open, whatever it
                // becomes; past the bound it is answered 503 and closed, or, with max_refusals
                // refusals already in progress, closed at once: a refusal holds its descriptor up to
                // twice linger_timeout, and a flood of them must not use up the process's
                // descriptors. (The UNIX socket is not counted: TCP clients cannot starve the
                // trusted publishers.)
                let connections = services.connections
                guard connections.admitConnection() else {
                    Disconnects.count("max_connections")
                    guard connections.startRefusal() else {
                        try ops.addHandler(ConnectionRefusal.CloseAtOnce())
                        return Value(channel: channel)
                    }
                    channel.closeFuture.whenComplete { _ in connections.refusalEnded() }
                    try ops.addHandler(ConnectionRefusal(linger: LingeringClose(configuration)))
                    return Value(channel: channel)
                }
                channel.closeFuture.whenComplete { _ in connections.connectionClosed() }
            }
            let closeWatcher = InputClosedWatcher(eventLoop: channel.eventLoop)
            try ops.addHandler(closeWatcher)
            // NIO's pipeline configuration is the only public way to a request decoder that forwards
            // the bytes after an upgrade request and tells the encoder which responses answer HEAD;
            // its typed upgrade handler is replaced by ours at once (its upgrade future is never used).
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<Bool>(
                upgradeConfiguration: .init(upgraders: [], notUpgradingCompletionHandler: { $0.eventLoop.makeSucceededFuture(false) }))
            pipeline.enablePipelining = false
            pipeline.enableErrorHandling = false
            pipeline.enableResponseHeaderValidation = false
            _ = try ops.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            ops.removeHandler(try ops.handler(type: NIOTypedHTTPServerUpgradeHandler<Bool>.self), promise: nil)
            let timeout = RequestTimeoutHandler(timeout: .nanoseconds(Int64(configuration.requestTimeout * 1e9)))
            let http = PushUpgradeHandler.HTTPHandlers(
                encoder: try ops.handler(type: HTTPResponseEncoder.self),
                decoder: try ops.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self),
                timeout: timeout, timeoutStart: RequestTimeoutHandler.Start(timeout),
                closeWatcher: closeWatcher)
            try ops.addHandler(http.timeoutStart, position: .before(http.decoder))
            try ops.addHandler(PushUpgradeHandler(
                services: services, trusted: trusted, http: http,
                installHTTP: { channel in try Self.installHTTP(channel: channel, services: services, trusted: trusted, logger: logger) },
                onHTTP: onHTTP))
            try ops.addHandler(http.timeout)
            return Value(channel: channel)
        }
    }

    /// Not called: ``WokListener`` runs no task per connection, only ``handleHTTP(asyncChannel:logger:)``
    /// for the connections handed to ``onHTTP``.
    func handle(value: Value, logger: Logger) async {}

    /// Adds ``EventLoopPublishHandler`` (it answers publishes that need no token verified, before
    /// Hummingbird's codec; its answers go out through a ``RawWriteHandler`` at the head) and the
    /// handlers Hummingbird serves HTTP/1 with, and wraps the channel for the listener's task.
    private static func installHTTP(channel: any Channel, services: PushServices, trusted: Bool, logger: Logger) throws
        -> NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart> {
        let configuration = services.configuration
        let ops = channel.pipeline.syncOperations
        let grants = services.grants
        let raw = RawWriteHandler()
        try ops.addHandler(raw, position: .first)
        try ops.addHandler(EventLoopPublishHandler(
            processor: PublishProcessor(router: services.router, maxBodyBytes: configuration.maxBodyBytes),
            serverName: WokRouterServer.serverName, rawOutput: raw, linger: LingeringClose(configuration),
            idleTimeout: .nanoseconds(Int64(configuration.idleTimeout * 1e9)),
            grant: { head in
                grants.grantWithoutVerifying(uri: head.uri, authorization: head.headers["authorization"], trusted: trusted)
            }))
        try ops.addHandler(HTTP1ToHTTPServerCodec(secure: false))
        // The idle timeout is the publish handler's: this handler does not see the publishes.
        try ops.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
        return try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
    }
}
