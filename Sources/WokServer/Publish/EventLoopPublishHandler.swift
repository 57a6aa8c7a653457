import HTTPTypes
import NIOCore
import NIOHTTP1
import WokJSON
import WokRouterCore

/// Serves `POST /notifications` on the connection's event loop, ahead of Hummingbird.
///
/// Hummingbird runs every request as a Swift task on the concurrency pool: two thread hops per
/// request (loop → pool → loop). Here parsing, validation, the store's commit and the fan-out run on
/// the loop: the memory store commits inline; a SQLite commit completes on its writer thread and
/// only the answer hops back to the loop. It serves the publishes whose grant is known without
/// verifying a signature (``GrantResolver/grantWithoutVerifying(uri:authorization:trusted:)``:
/// the trusted UNIX socket, a router without auth, or a token verified recently); jwt-kit
/// verifies asynchronously, so a token not seen yet goes through Hummingbird's route, which
/// remembers it for the next ones.
///
/// It sits right after NIO's HTTP/1 decoder, below Hummingbird's HTTP/1 ↔ HTTPTypes codec and
/// connection-state handler, and writes its answers as one pre-serialized buffer through
/// `rawOutput` (a handler at the head of the pipeline): converting each part to HTTPTypes and back
/// and building the answer's head as `HTTPFields` cost about a tenth of a single publish's CPU.
/// So it also keeps the connection's idle timeout (Hummingbird's handler no longer sees the
/// publishes), and a graceful shutdown that arrives during a publish closes the connection once
/// that publish is answered.
///
/// It answers `Expect: 100-continue` with `100 Continue` (curl sends it for bodies over 1 KiB and
/// otherwise waits a second before sending the body). Every other request passes through
/// unchanged. Answers stay in request order: while a publish waits for the store, later requests
/// are held and reading pauses; while a request passed to Hummingbird is unanswered, a publish
/// behind it is passed on too.
///
/// Reading also pauses while the connection is not writable: a client that pipelines publishes and
/// never reads the answers would otherwise have them pile up in memory without bound; when the
/// connection stays unwritable for `idle_timeout`, it is closed. An error from
/// the decoder or the end of the client's input that arrives while a publish waits for the store is
/// held like the parts, so that Hummingbird (which answers a parse error with 400 and closes when
/// the input ends) neither answers nor closes ahead of that publish. After an answer with
/// `Connection: close`, nothing more is read or served.
///
/// Every request head is checked first (``RequestTarget``: `Host`, absolute-form targets;
/// ``TransferCoding``: a transfer coding other than `chunked`), for this handler's publishes and
/// for the requests it passes on alike: one it refuses is answered `400` (or `501` for a transfer
/// coding it does not implement), after the answers still owed to the requests before it, and
/// the connection closes. An answer sent before the request was read whole (that 400 or 501, a
/// 413, a request that does not parse) closes with a ``LingeringClose``, so that a client still
/// sending reads it rather than a reset.
final class EventLoopPublishHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Between requests.
        case idle
        /// Reading the body of a publish this handler serves.
        case collecting(grant: AccessGrant, closeAfter: Bool)
        /// Answered before the body ended (413): skipping the rest of it.
        case discarding
        /// Waiting for the store; later parts are held.
        case publishing
        /// Passing a request to Hummingbird, until its end.
        case forwarding
        /// Answered with `Connection: close`: the rest is dropped until the connection closes.
        case closing
    }

    private let processor: PublishProcessor
    /// The grant of a request when it is known without verifying a signature, else nil.
    private let grant: (HTTPRequestHead) -> AccessGrant?
    private let serverName: String
    /// Writes bytes at the head of the pipeline, below the HTTP encoder.
    private let rawOutput: RawWriteHandler
    private let idleTimeout: TimeAmount
    private let linger: LingeringClose
    private var state = State.idle
    private var body = ByteBuffer()
    /// Requests passed to Hummingbird whose answer has not ended yet.
    private var unanswered = 0
    /// Parts read while a publish waits for the store, handled once it is answered.
    private var held: [HTTPServerRequestPart] = []
    /// Decoder errors read while a publish waits for the store, passed on once it is answered.
    private var heldErrors: [any Error] = []
    /// The client closed its side while a publish waited for the store: passed on once it is answered.
    private var heldInputClosed = false
    private var readRequested = false
    /// The channel's writability: no reading while the answers back up.
    private var writable = true
    /// A request asked for an upgrade, after which the decoder parses nothing: no more reading, and
    /// the connection closes once its answers are out.
    private var lastRequest = false
    /// A request refused while Hummingbird still owed answers: sent after them, then close.
    private var pendingRefusal: JSONReply?
    /// A graceful shutdown arrived during a publish: close once it is answered.
    private var quiescing = false
    private var context: ChannelHandlerContext?
    private var date = HTTPDate()
    /// The idle clock: set when no request is in progress, cleared when one starts.
    private var idleTimer: LazyDeadlineTimer?
    /// Set while the channel is not writable (the client does not read its answers): closes the
    /// connection when that lasts `idleTimeout`. Reading stops meanwhile, so no other clock runs:
    /// without it, a client that pipelines requests and never reads held its connection (and its
    /// `max_connections` slot) for ever.
    private var stallTimer: Scheduled<Void>?

    init(processor: PublishProcessor, serverName: String, rawOutput: RawWriteHandler, linger: LingeringClose,
         idleTimeout: TimeAmount, grant: @escaping (HTTPRequestHead) -> AccessGrant?) {
        self.processor = processor
        self.grant = grant
        self.serverName = serverName
        self.rawOutput = rawOutput
        self.idleTimeout = idleTimeout
        self.linger = linger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let channel = context.channel
        idleTimer = LazyDeadlineTimer(eventLoop: context.eventLoop) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        idleTimer?.cancel()
        idleTimer = nil
        stallTimer?.cancel()
        stallTimer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch state {
        case .publishing: held.append(part)
        case .closing: break
        default: handle(part, context: context)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Only Hummingbird's answers come through here (this handler writes its own through `rawOutput`).
        if case .end = unwrapOutboundIn(data), unanswered > 0 {
            unanswered -= 1
            if unanswered == 0, let refusal = pendingRefusal {
                pendingRefusal = nil
                context.write(data, promise: promise)
                answer(refusal, closeAfter: true, linger: true, context: context)
                return
            }
            if unanswered == 0, lastRequest, case .idle = state {
                state = .closing
                context.write(data, promise: promise)
                closeAfterWrites(context: context)
                return
            }
            becameIdleIfSo(context: context)
        }
        context.write(data, promise: promise)
    }

    func read(context: ChannelHandlerContext) {
        if lastRequest { return }
        if case .publishing = state {
            readRequested = true
            return
        }
        guard writable else {
            readRequested = true
            return
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        if writable {
            stallTimer?.cancel()
            stallTimer = nil
        } else if stallTimer == nil {
            let channel = context.channel
            stallTimer = context.eventLoop.scheduleTask(in: idleTimeout) { channel.close(promise: nil) }
        }
        if writable, readRequested, !lastRequest {
            switch state {
            case .publishing: break
            default:
                readRequested = false
                context.read()
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch state {
        case .publishing:
            heldErrors.append(error)
        case .discarding:
            // This request was answered already (413): a second answer (Hummingbird's 400) would
            // be read as the next request's. Close once the 413 is out.
            state = .closing
            let channel = context.channel
            afterWrites(context: context) { [linger] _ in linger.close(channel, after: channel.eventLoop.makeSucceededVoidFuture()) }
        case .closing:
            break  // the connection closes once its last answer is out
        case .idle, .collecting:
            guard unanswered == 0, error is HTTPParserError else { return context.fireErrorCaught(error) }
            // A request that does not parse, with nothing else unanswered: the same JSON 400 as on a
            // connection's first request (Hummingbird's has no body), then close.
            state = .closing
            answer(Self.malformed, closeAfter: true, linger: true, context: context)
        case .forwarding:
            context.fireErrorCaught(error)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            switch state {
            case .collecting, .publishing, .discarding:
                // Hummingbird's connection handler did not see this request: it would close at once.
                quiescing = true
                return
            case .idle, .forwarding, .closing:
                break
            }
        }
        if case .publishing = state, let event = event as? ChannelEvent, event == .inputClosed {
            heldInputClosed = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.closing, _):
            break
        case (.idle, .head(var head)):
            idleTimer?.set(nil)
            if let problem = RequestTarget.check(&head) {
                refuse(RouteError(.badRequest, "bad_request", problem).reply, context: context)
                return
            }
            if let refusal = TransferCoding.check(head) {
                refuse(refusal.reply, context: context)
                return
            }
            let part = HTTPServerRequestPart.head(head)
            // NIO's decoder (llhttp) parses nothing after a request that asks for an upgrade, or a
            // CONNECT: every byte after it would pile up in its buffer, without bound. (An upgrade as
            // a connection's first request never gets here: PushUpgradeHandler answers those.)
            // Serve it, read no more, and close once it is answered.
            if head.method == .CONNECT || head.headers.contains(name: "upgrade") { lastRequest = true }
            guard unanswered == 0, !quiescing, Self.isPublish(head), let grant = grant(head) else {
                unanswered += 1
                state = .forwarding
                context.fireChannelRead(wrapInboundOut(part))
                return
            }
            let closeAfter = !head.isKeepAlive || lastRequest
            // `Expect: 100-continue`: the client waits for `100 Continue` before it sends the body.
            let expectsContinue = head.hasToken("100-continue", in: "expect")
            body.clear()
            if let length = head.headers.first(name: "content-length").flatMap({ Int($0) }), length > processor.maxBodyBytes {
                // A client waiting for 100 Continue does not send the body: close rather than
                // read its next request as this one's body.
                let close = closeAfter || expectsContinue
                answer(processor.tooLarge.reply, closeAfter: close, linger: true, context: context)
                state = close ? .closing : .discarding
            } else {
                if expectsContinue, let raw = rawOutput.context {
                    raw.writeAndFlush(NIOAny(Self.continueBytes), promise: nil)
                }
                state = .collecting(grant: grant, closeAfter: closeAfter)
            }
        case (.collecting(_, let closeAfter), .body(var chunk)):
            if body.readableBytes + chunk.readableBytes > processor.maxBodyBytes {
                body.clear()
                answer(processor.tooLarge.reply, closeAfter: closeAfter, linger: true, context: context)
                state = closeAfter ? .closing : .discarding
            } else {
                body.writeBuffer(&chunk)
            }
        case (.collecting(let grant, let closeAfter), .end):
            state = .publishing
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let eventLoop = context.eventLoop
            processor.respond(to: body.readableBytesView, grant: grant) { reply in
                if eventLoop.inEventLoop {
                    handler.value.finish(reply, closeAfter: closeAfter)
                } else {
                    eventLoop.execute { handler.value.finish(reply, closeAfter: closeAfter) }
                }
            }
        case (.discarding, .body):
            break
        case (.discarding, .end):
            state = .idle
            if quiescing { context.close(promise: nil) }
            becameIdleIfSo(context: context)
        case (.forwarding, .end):
            state = .idle
            context.fireChannelRead(wrapInboundOut(part))
            if lastRequest, unanswered == 0 {  // Hummingbird answered before the request ended
                state = .closing
                closeAfterWrites(context: context)
                return
            }
            becameIdleIfSo(context: context)  // when Hummingbird answered before the request ended
        default:
            // The rest of a forwarded request (or a part out of order, which the HTTP decoder does
            // not produce): Hummingbird's to answer.
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    /// Refuses a request whose head ``RequestTarget`` or ``TransferCoding`` refused, then close;
    /// after the answers Hummingbird still owes to the requests before it, if any. Nothing more is read.
    private func refuse(_ reply: JSONReply, context: ChannelHandlerContext) {
        state = .closing
        lastRequest = true
        if unanswered == 0 {
            answer(reply, closeAfter: true, linger: true, context: context)
        } else {
            pendingRefusal = reply
        }
    }

    /// Sends the store's answer, then handles what was read meanwhile.
    private func finish(_ reply: JSONReply, closeAfter: Bool) {
        guard let context else { return }  // the connection closed meanwhile
        if closeAfter || quiescing {
            state = .closing
            answer(reply, closeAfter: true, context: context)
            held = []
            heldErrors = []
            return
        }
        state = .idle
        answer(reply, closeAfter: false, context: context)
        var parts = held[...]
        held = []
        var forwarded = false
        while let part = parts.popFirst() {
            if case .publishing = state {
                held = [part] + parts
                break
            }
            handle(part, context: context)
            if case .forwarding = state { forwarded = true }
        }
        // Parts passed on outside a read cycle: let the next handler deliver them now.
        if forwarded { context.fireChannelReadComplete() }
        if case .publishing = state { return }
        releaseHeldEvents(context: context)
        becameIdleIfSo(context: context)
        if readRequested, writable, !lastRequest {
            readRequested = false
            context.read()
        }
    }

    /// Passes on the decoder errors and the end of input held while publishing, now that the
    /// publishes read before them are answered.
    private func releaseHeldEvents(context: ChannelHandlerContext) {
        if !heldErrors.isEmpty {
            let errors = heldErrors
            heldErrors = []
            for error in errors { errorCaught(context: context, error: error) }
        }
        guard heldInputClosed else { return }
        heldInputClosed = false
        // Hummingbird closes the connection when the input ends, which drops writes still pending:
        // pass the event on once every answer written so far has gone out (writes complete in order).
        afterWrites(context: context) { $0.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
    }

    /// Closes the connection once everything written so far has gone out.
    private func closeAfterWrites(context: ChannelHandlerContext) {
        afterWrites(context: context) { $0.close(promise: nil) }
    }

    /// Runs `body` (if the handler is still in the pipeline) once every write so far has completed:
    /// an empty write flushed behind them completes after them.
    private func afterWrites(context: ChannelHandlerContext, _ body: @escaping (ChannelHandlerContext) -> Void) {
        guard let raw = rawOutput.context else { return body(context) }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        raw.writeAndFlush(NIOAny(ByteBuffer())).assumeIsolated().whenComplete { _ in
            if let context = handler.value.context { body(context) }
        }
    }

    /// Writes `reply`; with `closeAfter`, closes once it is out (lingering with `linger`: the
    /// client may still be sending the request it answers).
    private func answer(_ reply: JSONReply, closeAfter: Bool, linger: Bool = false, context: ChannelHandlerContext) {
        guard let raw = rawOutput.context else { return }
        let bytes = reply.body.serialized()
        var buffer = context.channel.allocator.buffer(capacity: 160 + serverName.utf8.count + bytes.count)
        buffer.writeStaticString("HTTP/1.1 ")
        buffer.writeString(String(reply.status.code))
        buffer.writeStaticString(" ")
        buffer.writeString(reply.status.reasonPhrase)
        buffer.writeStaticString("\r\nContent-Type: application/json\r\nContent-Length: ")
        buffer.writeString(String(bytes.count))
        buffer.writeStaticString("\r\nDate: ")
        buffer.writeString(date.now())
        buffer.writeStaticString("\r\nServer: ")
        buffer.writeString(serverName)
        buffer.writeStaticString(closeAfter ? "\r\nConnection: close\r\n\r\n" : "\r\n\r\n")
        buffer.writeBytes(bytes)
        if closeAfter, linger {
            self.linger.close(context.channel, after: raw.writeAndFlush(NIOAny(buffer)))
        } else if closeAfter {
            let channel = context.channel
            raw.writeAndFlush(NIOAny(buffer)).whenComplete { _ in channel.close(promise: nil) }
        } else {
            raw.writeAndFlush(NIOAny(buffer), promise: nil)
        }
    }

    // MARK: Idle timeout

    /// Starts the idle clock when no request is in progress any more.
    private func becameIdleIfSo(context: ChannelHandlerContext) {
        guard case .idle = state, unanswered == 0, idleTimer?.deadline == nil else { return }
        idleTimer?.set(.now() + idleTimeout)
    }

    // MARK: Requests

    private static let malformed = RouteError(.badRequest, "bad_request", "malformed HTTP request").reply

    private static let continueBytes = ByteBuffer(staticString: "HTTP/1.1 100 Continue\r\n\r\n")

    private static func isPublish(_ head: HTTPRequestHead) -> Bool {
        head.method == .POST && head.path == "/notifications"
    }
}
