import NIOCore

/// The whole pipeline of a TCP connection accepted past `max_connections`: it answers
/// `503 {"error":"limit_exceeded"}` at once, without reading a request (a WebSocket client sees
/// its handshake refused with 503), and closes with a ``LingeringClose`` so that the client reads
/// the answer rather than a reset.
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

    init(linger: LingeringClose) { self.linger = linger }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        refuse(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}  // the lingering close drops it

    private func refuse(_ context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        linger.close(context.channel, after: context.writeAndFlush(NIOAny(Self.answer)))
    }
}
