import Foundation
import Logging
import NIOCore
import NIOWebSocket
import WokJSON
import WokRouterCore

/// One `/push` socket: a plain channel handler (no task per connection) that reads client frames
/// and is the router's ``Subscriber`` for this socket.
///
/// Everything the router hands over goes through the loop's ``PushLoop`` queue and is written
/// below the frame encoder as pre-framed bytes. The outbound queue is bounded: NIO's write buffer
/// up to its high watermark, then a backlog of at most `outbound_queue_bytes` bytes or
/// `outbound_queue_frames` frames; past that the backlog is discarded and the socket closed 1013.
final class PushConnection: ChannelInboundHandler, Subscriber, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame

    private enum State { case open, closing, closed }

    let services: PushServices
    let loop: PushLoop
    private let admission: PushAdmission
    private let rawHandler: RawWriteHandler

    // Confined to the channel's event loop.
    private var context: ChannelHandlerContext?
    /// The socket's writability, kept from `channelWritabilityChanged` so that `send` does not go
    /// through `context.channel` (a retain/release pair per frame) for every delivery.
    private var writable = true
    private var state = State.open
    /// Frames waiting for the socket to become writable: `backlog[backlogHead...]`. An empty
    /// array allocates nothing, which keeps idle sockets small.
    private var backlog: [ByteBuffer] = []
    private var backlogHead = 0
    private var backlogBytes = 0
    private var needsFlush = false
    private var bucket: TokenBucket
    private var lastHeard = NIODeadline.now()
    private var operations: Task<Void, Never>?
    private var operationCount = 0
    private var counted = false

    init(services: PushServices, loop: PushLoop, admission: PushAdmission, rawHandler: RawWriteHandler) {
        self.services = services
        self.loop = loop
        self.admission = admission
        self.rawHandler = rawHandler
        self.bucket = TokenBucket(rate: services.configuration.clientFrameRate, burst: services.configuration.clientFrameBurst, now: .now())
    }

    // MARK: Subscriber (any thread)

    /// Live notifications come through the loop (``deliveryGroup``); this gets the ones held back
    /// during a replay, and the replay itself.
    func deliver(_ notification: EncodedNotification) {
        loop.enqueue(self, PreFramed.notification(notification))
    }

    /// This socket's loop: the router hands it each live notification once for all of the
    /// loop's matching sockets.
    var deliveryGroup: (any DeliveryGroup)? { loop }

    /// `.shutdown`: 1001. `.historyGap` (this router skipped notifications the socket may match):
    /// 1013, so that the client reconnects and resumes, and learns `recovered: false`.
    func close(reason: SubscriberCloseReason) {
        loop.eventLoop.execute {
            if reason == .historyGap {
                self.closeWith(code: CloseCode.tryAgainLater, reason: "missed notifications: resume", disconnect: "history_gap")
            } else {
                self.closeWith(code: CloseCode.goingAway, reason: "router shutting down", disconnect: "shutdown")
            }
        }
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        writable = context.channel.isWritable
        switch admission {
        case .accepted:
            counted = true
            loop.register(self)
        case .refused(let code, let reason, let disconnect):
            closeWith(code: code, reason: reason, disconnect: disconnect)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(context: context)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(context: context)
        self.context = nil
    }

    private func finish(context: ChannelHandlerContext) {
        guard state != .closed else { return }
        if state == .open { Disconnects.count("client_gone") }
        state = .closed
        clearBacklog()
        services.router.remove(self)
        if counted {
            counted = false
            loop.unregister(self)
            services.connections.release(.websocket)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        lastHeard = .now()
        switch frame.opcode {
        case .text:
            guard state == .open else { return }
            let payload = frame.unmaskedData
            guard bucket.take(now: lastHeard) else {
                // Not through `answer`: frames past the rate must not start tasks at the rate they
                // come. Read for its `ref` only, which the refusal echoes like every reply.
                switch ClientFrame.ref(in: payload.readableBytesView) {
                case .failure:
                    closeNotUTF8()
                case .success(let ref):
                    reply(ServerFrame.error(.limitExceeded, "too many frames: at most \(services.configuration.clientFrameRate) per second",
                                            details: ["limit": "client_frame_rate"], ref: ref))
                }
                return
            }
            handleText(payload.readableBytesView)
        case .binary:
            guard state == .open else { return }
            // Not through `answer` (binary frames are not rate limited): no task per frame.
            reply(ServerFrame.error(.invalidFrame, "binary frames are not accepted; send JSON text frames", ref: nil))
        case .ping:
            guard state == .open else { return }
            // Through the bounded outbound queue like every other frame. Before, pongs were
            // written straight to the channel: a client sending pings without reading grew the
            // router's memory without bound (900,000 pings: +320 MB) and was never closed.
            send(PreFramed.frame(opcode: 0xA, payload: frame.unmaskedData.readableBytesView))
            flushIfNeeded()
        case .pong:
            break
        case .connectionClose:
            if state == .open {
                let (code, disconnect) = Self.closeAnswer(frame.unmaskedData)
                if let raw = rawHandler.context {
                    raw.writeAndFlush(NIOAny(PreFramed.close(code: code, reason: "")), promise: nil)
                }
                Disconnects.count(disconnect)
                state = .closing
                services.router.remove(self)
            }
            context.close(promise: nil)
        default:
            break
        }
    }

    /// The code answering a client's close frame, and the disconnect reason to count: the
    /// client's code echoed (RFC 6455 5.5.1), 1000 for a close frame without one; 1002 for a
    /// payload of one byte or a code no endpoint may send (7.4), and 1007 for a reason that is not
    /// UTF-8 (8.1). Before, any code was echoed, even 1005, 1006 and 1015, which RFC 6455 forbids
    /// on the wire.
    static func closeAnswer(_ payload: ByteBuffer) -> (code: UInt16, disconnect: String) {
        var payload = payload
        guard payload.readableBytes > 0 else { return (CloseCode.normal, "client_close") }
        guard let code = payload.readInteger(as: UInt16.self), CloseCode.isValidReceived(code) else {
            return (CloseCode.protocolError, "protocol_error")
        }
        guard String(validating: payload.readableBytesView, as: UTF8.self) != nil else {
            return (CloseCode.invalidData, "protocol_error")
        }
        return (code, "client_close")
    }

    /// The client closed its side of the TCP connection (listeners allow half-closure): it can send
    /// nothing more, not even the close frame a close handshake waits for. Close now; before, the
    /// socket stayed open, holding its connection slots, until the next ping's write failed
    /// (`ping_interval`) or, for a client still reading, `ping_timeout`.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)  // counted as client_gone when it was open (finish)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let violation = error as? FrameChecker.Violation {
            closeWith(code: CloseCode.protocolError, reason: violation.reason, disconnect: "protocol_error")
            return
        }
        if error is NIOWebSocketError {
            // WebSocketProtocolErrorHandler has sent the close frame (1009 for an oversized frame).
            if state == .open { Disconnects.count("protocol_error") }
            state = .closing
            services.router.remove(self)
            return
        }
        if let aggregation = error as? NIOWebSocketFrameAggregator.Error {
            switch aggregation {
            case .accumulatedFrameSizeIsTooLarge, .tooManyFragments:
                closeWith(code: CloseCode.tooLarge, reason: "message too large", disconnect: "too_large")
            default:
                closeWith(code: CloseCode.protocolError, reason: "protocol error", disconnect: "protocol_error")
            }
            return
        }
        if state == .open { Disconnects.count("error") }
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        guard writable, state == .open, let raw = rawHandler.context else { return }
        while context.channel.isWritable, backlogHead < backlog.count {
            let frame = backlog[backlogHead]
            backlogHead += 1
            backlogBytes -= frame.readableBytes
            raw.write(NIOAny(frame), promise: nil)
        }
        if backlogHead == backlog.count {
            clearBacklog()
        } else {
            backlog.removeFirst(backlogHead)
            backlogHead = 0
        }
        raw.flush()
    }

    // MARK: Outbound (on the loop)

    /// Writes `frame` (to be flushed by `flushIfNeeded`) or queues it.
    func send(_ frame: ByteBuffer) {
        guard state == .open, let raw = rawHandler.context else { return }
        if writable && backlogHead == backlog.count {
            raw.write(NIOAny(frame), promise: nil)
            needsFlush = true
            return
        }
        backlog.append(frame)
        backlogBytes += frame.readableBytes
        let c = services.configuration
        if backlog.count - backlogHead > c.outboundQueueFrames || backlogBytes > c.outboundQueueBytes {
            closeWith(code: CloseCode.tryAgainLater, reason: "outbound queue full: client too slow", disconnect: "slow_consumer")
        }
    }

    /// Flushes what `send` wrote since the last flush, if anything.
    func flushIfNeeded() {
        guard needsFlush else { return }
        needsFlush = false
        rawHandler.context?.flush()
    }

    /// Discards the queue, sends a close frame with `code`, and closes the socket once the client
    /// answers, or 2 s after the close frame reached the kernel (it may first wait behind a full
    /// socket buffer for a client that stopped reading), or after `ping_timeout` at the latest.
    func closeWith(code: UInt16, reason: String, disconnect: String) {
        guard state == .open, let context else { return }
        state = .closing
        Disconnects.count(disconnect)
        clearBacklog()
        services.router.remove(self)
        let channel = context.channel
        let latest = TimeAmount.nanoseconds(Int64(services.configuration.closeTimeout * 1e9))
        let deadline = channel.eventLoop.scheduleTask(in: latest) { channel.close(promise: nil) }
        channel.closeFuture.whenComplete { _ in deadline.cancel() }
        guard let raw = rawHandler.context else {
            channel.close(promise: nil)
            return
        }
        // Closing on a fixed timer would drop a close frame still queued behind the kernel buffer:
        // the client would see 1006 instead of this code when it reads again.
        let written = channel.eventLoop.makePromise(of: Void.self)
        raw.writeAndFlush(NIOAny(PreFramed.close(code: code, reason: reason)), promise: written)
        written.futureResult.whenComplete { _ in
            channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        }
    }

    /// Called by the loop's pinger: closes a silent socket, and one whose token has expired
    /// (1008), pings the others.
    func pingTick(now: NIODeadline, wallClock: Date) {
        guard state == .open, let raw = rawHandler.context else { return }
        if closeIfExpired(at: wallClock) { return }
        let timeout = TimeAmount.nanoseconds(Int64(services.configuration.pingTimeout * 1e9))
        if now - lastHeard > timeout {
            state = .closing
            Disconnects.count("ping_timeout")
            services.router.remove(self)
            context?.close(promise: nil)
            return
        }
        raw.writeAndFlush(NIOAny(PreFramed.frame(opcode: 0x9, payload: EmptyCollection())), promise: nil)
    }

    /// Closes the socket with 1008 when the token it was admitted with has expired at `now`: a
    /// token's `exp` bounds what it grants, an open socket included (checked on every ping tick
    /// and before every subscribe). Returns whether it did.
    private func closeIfExpired(at now: Date) -> Bool {
        guard case .accepted(let grant) = admission, grant.hasExpired(at: now) else { return false }
        closeWith(code: CloseCode.policy, reason: "token expired", disconnect: "token_expired")
        return true
    }

    private func clearBacklog() {
        backlog = []
        backlogHead = 0
        backlogBytes = 0
    }

    /// Sends a reply frame in order with deliveries.
    private func reply(_ json: [UInt8]) {
        loop.enqueue(self, PreFramed.text(json))
    }

    /// Sends the reply to a client frame after the replies of the frames before it: at once when
    /// no earlier router operation of this socket is in flight, else behind them on the chain.
    /// For frames within the client frame rate only (each may start a task).
    private func answer(_ json: [UInt8]) {
        if operations == nil {
            reply(json)
        } else {
            let loop = self.loop
            enqueueOperation { [self] in loop.enqueue(self, PreFramed.text(json)) }
        }
    }

    // MARK: Client frames

    private func handleText(_ bytes: ByteBufferView) {
        let (parsed, ref) = ClientFrame.parse(bytes, validator: services.router.registry.snapshot.protocolValidators["client-frame"],
                                              maxFilters: services.configuration.maxFilters)
        switch parsed {
        case .failure(let invalid) where invalid.notUTF8:
            closeNotUTF8()
        case .failure(let invalid):
            answer(ServerFrame.error(invalid.code, invalid.message, details: invalid.details, ref: ref))
        case .success(.ping):
            answer(ServerFrame.pong(ref: ref))
        case .success(.subscribe(let topics, let since, let epoch)):
            subscribe(topics, since: since, epoch: epoch, ref: ref)
        case .success(.unsubscribe(let topics)):
            unsubscribe(topics, ref: ref)
        }
    }

    /// RFC 6455 8.1: a text message that is not UTF-8 fails the connection with 1007. Before, it
    /// was answered `invalid_frame` and the socket stayed open.
    private func closeNotUTF8() {
        closeWith(code: CloseCode.invalidData, reason: "text frame is not UTF-8", disconnect: "protocol_error")
    }

    private func parseFilters(_ topics: [String], ref: JSON?) -> [TopicFilter]? {
        var parsed: [TopicFilter] = []
        for topic in topics {
            do {
                parsed.append(try TopicFilter(topic))
            } catch {
                answer(ServerFrame.error(.invalidFrame, "not a topic filter: \(error.description)",
                                        details: ["topic": .string(topic)], ref: ref))
                return nil
            }
        }
        return parsed
    }

    private func subscribe(_ topics: [String], since: UInt64?, epoch: String?, ref: JSON?) {
        if closeIfExpired(at: Date()) { return }
        let max = services.configuration.maxFilters
        guard let parsed = parseFilters(topics, ref: ref) else { return }
        if case .accepted(let grant) = admission {
            let refused = zip(topics, parsed).filter { !grant.maySubscribe($0.1) }.map(\.0)
            if !refused.isEmpty {
                answer(ServerFrame.error(.forbidden, "not granted to this connection: " + refused.joined(separator: ", "),
                                        details: ["topics": .array(refused.map { .string($0) })], ref: ref))
                return
            }
        }
        let router = services.router
        let loop = self.loop
        if since == nil && operations == nil {
            // Live only and nothing of this socket in flight: no store read, no task. The router
            // calls back before it lets any notification of the new filters through.
            do throws(SubscribeError) {
                try router.subscribeLive(self, filters: parsed, maxFilters: max) { result in
                    loop.enqueue(self, PreFramed.text(ServerFrame.subscribed(topics: topics, result: result, ref: ref)))
                }
            } catch {
                reply(Self.subscribeRefusal(error, parsed, router: router, maxFilters: max, ref: ref))
            }
            return
        }
        enqueueOperation { [self] in
            do throws(SubscribeError) {
                try await router.subscribe(self, filters: parsed, since: since, epoch: epoch, maxFilters: max) { result in
                    loop.enqueue(self, PreFramed.text(ServerFrame.subscribed(topics: topics, result: result, ref: ref)))
                }
                // The socket may have closed while subscribing: do not leave it registered.
                loop.eventLoop.execute { if self.state != .open { router.remove(self) } }
            } catch {
                loop.enqueue(self, PreFramed.text(Self.subscribeRefusal(error, parsed, router: router, maxFilters: max, ref: ref)))
            }
        }
    }

    /// The error frame for a subscribe the router refused.
    private static func subscribeRefusal(_ error: SubscribeError, _ parsed: [TopicFilter], router: WokRouterCore.Router,
                                         maxFilters: Int, ref: JSON?) -> [UInt8] {
        if error.code == .limitExceeded {
            return ServerFrame.error(.limitExceeded, error.message, details: ["limit": "max_filters", "max": .int(Int64(maxFilters))], ref: ref)
        }
        guard error.code == .unknownTopic else { return ServerFrame.error(.unavailable, error.message, ref: ref) }
        var details: [(String, JSON)] = [("suggestions", .array(error.suggestions.map { .string($0) }))]
        if let unknown = parsed.first(where: { f in f.exactTopic.map { router.registry.validator(for: $0.name) == nil } ?? false }) {
            details.insert(("topic", .string(unknown.text)), at: 0)
        }
        return ServerFrame.error(.unknownTopic, error.message, details: .object(details), ref: ref)
    }

    private func unsubscribe(_ topics: [String], ref: JSON?) {
        guard let parsed = parseFilters(topics, ref: ref) else { return }
        let router = services.router
        let loop = self.loop
        if operations == nil {
            router.unsubscribe(self, filters: parsed)
            reply(ServerFrame.unsubscribed(topics: topics, ref: ref))
            return
        }
        enqueueOperation { [self] in
            router.unsubscribe(self, filters: parsed)
            loop.enqueue(self, PreFramed.text(ServerFrame.unsubscribed(topics: topics, ref: ref)))
        }
    }

    /// Runs router calls of this connection one after the other, in the order the frames came.
    private func enqueueOperation(_ body: @escaping @Sendable () async -> Void) {
        let previous = operations
        operationCount += 1
        let number = operationCount
        let eventLoop = loop.eventLoop
        operations = Task {
            await previous?.value
            await body()
            // Drop the finished task so an idle socket holds none.
            eventLoop.execute { if self.operationCount == number { self.operations = nil } }
        }
    }
}
