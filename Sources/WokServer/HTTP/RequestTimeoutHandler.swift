import NIOCore
import NIOHTTP1

/// Closes a connection whose request (head and body) does not arrive whole within the timeout:
/// the guard against slowloris-style partial requests. The clock starts when the connection
/// opens and again at each new request head; the request's end stops it.
final class RequestTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) { arm(context) }
    func handlerRemoved(context: ChannelHandlerContext) { timer?.cancel(); timer = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: if timer == nil { arm(context) }
        case .body: break
        case .end: timer?.cancel(); timer = nil
        }
        context.fireChannelRead(data)
    }

    private func arm(_ context: ChannelHandlerContext) {
        timer?.cancel()
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) {
            Disconnects.count("request_timeout")
            channel.close(promise: nil)
        }
    }
}
