import HTTPTypes
import NIOCore
import NIOHTTPTypes
import WokJSON
import WokRouterCore

/// Serves `POST /notifications` on the connection's event loop, ahead of Hummingbird.
///
/// Hummingbird runs every request as a Swift task on the concurrency pool: two thread hops per
/// request (loop → pool → loop), which the profile showed as most of a single POST's CPU
/// (BENCHMARKS.md, "Publish"). Here parsing, validation, the store's commit and the fan-out run on
/// the loop: the memory store commits inline; a SQLite commit completes on its writer thread and
/// only the answer hops back to the loop. It serves the publishes whose grant is known without
/// verifying a signature (``GrantResolver/grantWithoutVerifying(uri:authorization:trusted:)``:
/// the trusted UNIX socket, a router without auth, or a token verified recently); jwt-kit
/// verifies asynchronously, so a token not seen yet goes through Hummingbird's route, which
/// remembers it for the next ones.
///
/// It answers `Expect: 100-continue` with `100 Continue` (curl sends it for bodies over 1 KiB and
/// otherwise waits a second before sending the body). Every other request passes through
/// unchanged. Answers stay in request order: while a publish waits for the store, later requests
/// are held and reading pauses; while a request passed to Hummingbird is unanswered, a publish
/// behind it is passed on too.
final class EventLoopPublishHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

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
    }

    private let processor: PublishProcessor
    /// The grant of a request when it is known without verifying a signature, else nil.
    private let grant: (HTTPRequest) -> AccessGrant?
    private let serverName: String
    private var state = State.idle
    private var body = ByteBuffer()
    /// Requests passed to Hummingbird whose answer has not ended yet.
    private var unanswered = 0
    /// Parts read while a publish waits for the store, handled once it is answered.
    private var held: [HTTPRequestPart] = []
    private var readRequested = false
    private var context: ChannelHandlerContext?
    private var date = HTTPDate()

    init(processor: PublishProcessor, serverName: String, grant: @escaping (HTTPRequest) -> AccessGrant?) {
        self.processor = processor
        self.grant = grant
        self.serverName = serverName
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .publishing = state {
            held.append(part)
            return
        }
        handle(part, context: context)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Only Hummingbird's answers come through here (this handler writes its own from its context).
        if case .end = unwrapOutboundIn(data), unanswered > 0 { unanswered -= 1 }
        context.write(data, promise: promise)
    }

    func read(context: ChannelHandlerContext) {
        if case .publishing = state {
            readRequested = true
            return
        }
        context.read()
    }

    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head(let head)):
            guard unanswered == 0, Self.isPublish(head), let grant = grant(head) else {
                unanswered += 1
                state = .forwarding
                context.fireChannelRead(wrapInboundOut(part))
                return
            }
            let closeAfter = Self.wantsClose(head)
            let expectsContinue = Self.expectsContinue(head)
            body.clear()
            if let length = head.headerFields[.contentLength].flatMap({ Int($0) }), length > processor.maxBodyBytes {
                // A client waiting for 100 Continue does not send the body: close rather than
                // read its next request as this one's body.
                answer(processor.tooLarge.reply, closeAfter: closeAfter || expectsContinue, context: context)
                state = .discarding
            } else {
                if expectsContinue {
                    context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
                }
                state = .collecting(grant: grant, closeAfter: closeAfter)
            }
        case (.collecting(_, let closeAfter), .body(var chunk)):
            if body.readableBytes + chunk.readableBytes > processor.maxBodyBytes {
                body.clear()
                answer(processor.tooLarge.reply, closeAfter: closeAfter, context: context)
                state = .discarding
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
        case (.forwarding, .end):
            state = .idle
            context.fireChannelRead(wrapInboundOut(part))
        default:
            // The rest of a forwarded request (or a part out of order, which the HTTP decoder does
            // not produce): Hummingbird's to answer.
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    /// Sends the store's answer, then handles what was read meanwhile.
    private func finish(_ reply: JSONReply, closeAfter: Bool) {
        guard let context else { return }  // the connection closed meanwhile
        state = .idle
        answer(reply, closeAfter: closeAfter, context: context)
        if closeAfter {
            held = []
            return
        }
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
        if readRequested {
            if case .publishing = state { return }
            readRequested = false
            context.read()
        }
    }

    private func answer(_ reply: JSONReply, closeAfter: Bool, context: ChannelHandlerContext) {
        let bytes = reply.body.serialized()
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(bytes.count)
        fields[.date] = date.now()
        fields[.server] = serverName
        if closeAfter { fields[.connection] = "close" }
        context.write(wrapOutboundOut(.head(HTTPResponse(status: reply.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: bytes))), promise: nil)
        if closeAfter {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    private static func isPublish(_ head: HTTPRequest) -> Bool {
        guard head.method == .post, let path = head.path else { return false }
        return path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first == "/notifications"
    }

    /// `Expect: 100-continue`: the client waits for `100 Continue` before it sends the body.
    private static func expectsContinue(_ head: HTTPRequest) -> Bool {
        head.headerFields[.expect].map { $0.lowercased().filter { $0 != " " && $0 != "\t" } == "100-continue" } ?? false
    }

    /// `Connection: close` (Hummingbird closes after answering such a request too).
    private static func wantsClose(_ head: HTTPRequest) -> Bool {
        guard let value = head.headerFields[.connection] else { return false }
        return value.split(separator: ",").contains { $0.lowercased().filter { $0 != " " && $0 != "\t" } == "close" }
    }
}
