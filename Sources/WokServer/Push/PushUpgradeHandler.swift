import HTTPTypes
import NIOCore
import NIOHTTPTypes
import NIOHTTP1
import NIOWebSocket
import WokJSON

/// Reads the first request of a connection and decides, on the event loop, what the connection
/// becomes (replaces NIO's typed HTTP upgrader, whose future chains and deferred handler removals
/// cost a large share of a connection's setup):
///
/// - a request whose `Host` or target RFC 9112 refuses (see ``RequestTarget``): `400` with a JSON
///   body, then close; an absolute-form target is routed by its path from here on;
/// - a request whose `Transfer-Encoding` is refused (see ``TransferCoding``): `501` for a coding
///   other than `chunked`, `400` for a framing that cannot be trusted, with a JSON body, then close;
/// - no `Upgrade` header: the HTTP handlers for Hummingbird are installed, the request goes on to
///   them, and this handler leaves;
/// - a malformed upgrade request: `400` with a JSON body, then close;
/// - a well-formed WebSocket handshake to another path: `404`, then close;
/// - a well-formed handshake to `/push`: once the request has ended and the admission is decided
///   (without a task unless a token must be verified), the `101` goes out as pre-built bytes
///   below the HTTP encoder and the pipeline is switched to WebSocket at once. The HTTP decoder
///   leaves last and forwards whatever the client sent after the request (a subscribe frame in
///   the same segment) to the WebSocket decoder.
///
/// Only the first case involves a Swift task: `onHTTP` hands the connection to the listener,
/// which serves it with Hummingbird's HTTP handling.
final class PushUpgradeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The handlers around this one that the switch to WebSocket removes.
    struct HTTPHandlers {
        let encoder: HTTPResponseEncoder
        let decoder: ByteToMessageHandler<HTTPRequestDecoder>
        let timeout: RequestTimeoutHandler
        let timeoutStart: RequestTimeoutHandler.Start
        let closeWatcher: InputClosedWatcher
    }

    private enum State {
        /// Waiting for the first request head.
        case idle
        /// A `/push` handshake's head arrived; waiting for its end.
        case handshake(HTTPRequestHead, key: String)
        /// The request ended; a token is being verified.
        case admitting
        /// Handed over to Hummingbird: every part goes on.
        case handedOver
        /// Answered (an error, or switched to WebSocket): nothing more is read here.
        case finished
    }

    private let services: PushServices
    private let trusted: Bool
    private let http: HTTPHandlers
    /// Installs the handlers Hummingbird serves HTTP with and returns the channel it reads.
    private let installHTTP: (any Channel) throws -> NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>
    /// Hands a plain HTTP connection to the listener (called once the request head is on its way).
    private let onHTTP: (NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>) -> Void
    private var state = State.idle
    private var context: ChannelHandlerContext?

    init(services: PushServices, trusted: Bool, http: HTTPHandlers,
         installHTTP: @escaping (any Channel) throws -> NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>,
         onHTTP: @escaping (NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>) -> Void) {
        self.services = services
        self.trusted = trusted
        self.http = http
        self.installHTTP = installHTTP
        self.onHTTP = onHTTP
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .handedOver:
            context.fireChannelRead(data)
        case .finished, .admitting:
            // Nothing is parsed after a handshake (the decoder stops at an upgrade request), and an
            // answered connection is closing: drop.
            break
        case .idle:
            guard case .head(var head) = unwrapInboundIn(data) else {
                closeNow(context)
                return
            }
            if let problem = RequestTarget.check(&head) {
                answer(context, .badRequest, JSONResponse.errorBody("bad_request", problem).serializedString())
                return
            }
            if let refusal = TransferCoding.check(head) {
                let reply = refusal.reply
                answer(context, HTTPResponseStatus(statusCode: Int(reply.status.code)), reply.body.serializedString())
                return
            }
            switch WebSocketHandshake.decide(head) {
            case .notAnUpgrade:
                handOver(context: context, head: head)
            case .malformed(let problem):
                answer(context, .badRequest, #"{"error":"bad_request","message":"invalid upgrade request: \#(problem)"}"#)
            case .otherPath:
                answer(context, .notFound, #"{"error":"not_found","message":"WebSocket upgrades are served on /push only"}"#)
            case .push(let key):
                state = .handshake(head, key: key)
            }
        case .handshake(let head, let key):
            switch unwrapInboundIn(data) {
            case .head, .body:
                answer(context, .badRequest, #"{"error":"bad_request","message":"invalid upgrade request: a WebSocket handshake has no body"}"#)
            case .end:
                admit(context: context, head: head, key: key)
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handedOver = state {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if let event = event as? ChannelEvent, event == .inputClosed {
            // The client half-closed before its first request was answered: nothing to serve.
            closeNow(context)
            return
        }
        if event is ChannelShouldQuiesceEvent, case .idle = state {
            // The listener is shutting down and no request has started here.
            closeNow(context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch state {
        case .handedOver:
            context.fireErrorCaught(error)
        case .idle where error is HTTPParserError:
            // The first request does not parse (garbage, a header past the size limit).
            answer(context, .badRequest, #"{"error":"bad_request","message":"malformed HTTP request"}"#)
        case .idle, .handshake, .admitting:
            closeNow(context)
        case .finished:
            break
        }
    }

    // MARK: Outcomes

    /// A plain HTTP request: Hummingbird's handlers take the connection from here.
    private func handOver(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let asyncChannel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>
        do {
            asyncChannel = try installHTTP(context.channel)
        } catch {
            closeNow(context)
            return
        }
        state = .handedOver
        context.fireChannelRead(wrapInboundOut(.head(head)))
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
        onHTTP(asyncChannel)
    }

    /// Answers the first request with `status` and a JSON body, then closes (lingering: the client
    /// may still be sending).
    private func answer(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ body: String) {
        state = .finished
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        LingeringClose(services.configuration).close(context.channel, after: context.writeAndFlush(wrapOutboundOut(.end(nil))))
    }

    private func closeNow(_ context: ChannelHandlerContext) {
        state = .finished
        context.close(promise: nil)
    }

    // MARK: The /push handshake

    private func admit(context: ChannelHandlerContext, head: HTTPRequestHead, key: String) {
        // No task when no token must be verified (trusted listener, no auth_secret, a token seen before).
        if let decided = services.admitWithoutVerifying(head: head, trusted: trusted) {
            switchToWebSocket(context: context, key: key, admission: decided)
            return
        }
        state = .admitting
        let services = self.services
        let trusted = self.trusted
        let promise = context.eventLoop.makePromise(of: PushAdmission.self)
        promise.completeWithTask { await services.admit(head: head, trusted: trusted) }
        promise.futureResult.assumeIsolated().whenSuccess { admission in
            guard case .admitting = self.state, let context = self.context, context.channel.isActive else {
                // The connection went away meanwhile: give back the slot it was admitted to.
                if case .accepted = admission { services.connections.release(.websocket) }
                return
            }
            self.switchToWebSocket(context: context, key: key, admission: admission)
        }
    }

    /// Writes the 101 and replaces the HTTP handlers with the WebSocket ones and ``PushConnection``.
    private func switchToWebSocket(context: ChannelHandlerContext, key: String, admission: PushAdmission) {
        state = .finished
        let channel = context.channel
        let ops = context.pipeline.syncOperations
        let configuration = services.configuration
        do {
            // The 101 is written as bytes from here, below which only the decoder and the close
            // watcher sit (neither handles writes), once the HTTP encoder has left.
            ops.removeHandler(http.encoder, promise: nil)
            context.writeAndFlush(NIOAny(WebSocketHandshake.switchingProtocols(key: key, allocator: channel.allocator)), promise: nil)
            ops.removeHandler(http.timeout, promise: nil)
            ops.removeHandler(http.timeoutStart, promise: nil)
            ops.removeHandler(http.closeWatcher, promise: nil)
            try channel.syncOptions?.setOption(ChannelOptions.writeBufferWaterMark, value: .init(low: 16 * 1024, high: 64 * 1024))
            let raw = RawWriteHandler()
            try ops.addHandler(raw, position: .first)
            try ops.addHandler(WebSocketFrameEncoder())
            try ops.addHandler(ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: configuration.maxFrameBytes)))
            try ops.addHandler(WebSocketProtocolErrorHandler())
            try ops.addHandler(FrameChecker())
            try ops.addHandler(NIOWebSocketFrameAggregator(
                minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 256, maxAccumulatedFrameSize: configuration.maxFrameBytes))
            try ops.addHandler(PushConnection(services: services, loop: services.loop(for: channel.eventLoop),
                                              admission: admission, rawHandler: raw))
        } catch {
            // Only if the channel closed under us; PushConnection (if added) gives the slot back.
            if case .accepted = admission, (try? ops.handler(type: PushConnection.self)) == nil {
                services.connections.release(.websocket)
            }
            closeNow(context)
            return
        }
        ops.removeHandler(self, promise: nil)
        // Last: the decoder leaves on the next loop tick and hands the bytes that followed the
        // request (and any read meanwhile) to the WebSocket decoder, in order.
        ops.removeHandler(http.decoder, promise: nil)
    }
}
