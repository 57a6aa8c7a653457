import NIOCore

/// The whole pipeline of a TCP connection accepted past `max_connections`: nothing is parsed;
/// once the client's first bytes arrive it is answered `503 {"error":"limit_exceeded"}` (a
/// WebSocket client sees its handshake refused with 503) and closed with a ``LingeringClose``, so
/// that the client reads the answer rather than a reset. A client that sends nothing within
/// `linger_timeout` is sent the same answer and closed the same way: its request may arrive just
/// after the answer went out, and closing with it unread would reset the connection (the client
/// could see the reset instead of the 503). Either way a refusal holds its descriptor at most
/// twice `linger_timeout` (less once `linger_bytes` were dropped), and `max_refusals` bounds how
/// many are in progress.
///
/// The answer waits for the request's first bytes because clients are not ready for an answer to
/// a request they have not sent yet (Python's `websockets` fails its handshake with an internal
/// error instead of the 503).
final class ConnectionRefusal: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// The answer, as bytes.
    static let answer: ByteBuffer = {
        let body = #"{"error":"limit_exceeded","message":"too many connections (max_connections)"}"#
        return ByteBuffer(string: "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: "
            + "\(body.utf8.count)\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + body)
    }()

    private let linger: LingeringClose
    private var answered = false
    private var deadline: Scheduled<Void>?

    init(linger: LingeringClose) { self.linger = linger }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startClock(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        startClock(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The request is not parsed: its first bytes are the cue to answer; the rest is dropped.
        refuse(context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            refuse(context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func startClock(_ context: ChannelHandlerContext) {
        guard deadline == nil, !answered else { return }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: linger.timeout) {
            handler.value.deadline = nil
            // Lingering as after a request: the client's first bytes may be on their way, and
            // closing with them unread would reset the connection under its 503.
            handler.value.refuse(loopBoundContext.value)
        }
    }

    /// The whole pipeline of a TCP connection accepted past `max_connections` while
    /// `max_refusals` refusals are in progress: closed as soon as it is active, without an answer.
    final class CloseAtOnce: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer

        func handlerAdded(context: ChannelHandlerContext) {
            if context.channel.isActive { context.close(promise: nil) }
        }

        func channelActive(context: ChannelHandlerContext) {
            context.close(promise: nil)
        }
    }

    private func refuse(_ context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        deadline?.cancel()
        deadline = nil
        linger.close(context.channel, after: context.writeAndFlush(NIOAny(Self.answer)))
    }
}
