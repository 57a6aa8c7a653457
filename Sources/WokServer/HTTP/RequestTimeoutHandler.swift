import NIOCore
import NIOHTTP1

/// Closes a connection whose request (head and body) does not arrive whole within the timeout:
/// the guard against slowloris-style partial requests. The clock starts when the connection
/// opens and again at each new request head; the request's end stops it. One lazily re-armed
/// timer per connection (``LazyDeadlineTimer``), not one per request.
final class RequestTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let timeout: TimeAmount
    private var timer: LazyDeadlineTimer?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        timer = LazyDeadlineTimer(eventLoop: context.eventLoop) {
            Disconnects.count("request_timeout")
            channel.close(promise: nil)
        }
        timer?.set(.now() + timeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: if timer?.deadline == nil { timer?.set(.now() + timeout) }
        case .body: break
        case .end: timer?.set(nil)
        }
        context.fireChannelRead(data)
    }
}
