import NIOCore
import NIOHTTP1

/// Closes a connection whose request (head and body) does not arrive whole within the timeout:
/// the guard against slowloris-style partial requests. The clock starts when the connection
/// opens and again when the next request starts (its first bytes, seen by ``Start`` ahead of the
/// decoder, which passes nothing on until a head is whole; or its head); the request's end stops
/// it. One lazily re-armed timer per connection (``LazyDeadlineTimer``), not one per request.
final class RequestTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let timeout: TimeAmount
    private var timer: LazyDeadlineTimer?
    /// Bytes of a request arrived and its end has not (the connection's first request counts from its start).
    private var inRequest = true

    /// Sits before the HTTP decoder and tells the timeout handler when bytes arrive between
    /// requests: a next request trickled as a partial head is timed from its first byte, rather
    /// than left to the (longer) idle timeout.
    final class Start: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        private let handler: RequestTimeoutHandler

        init(_ handler: RequestTimeoutHandler) { self.handler = handler }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            handler.bytesArrived()
            context.fireChannelRead(data)
        }
    }

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
        case .head:
            inRequest = true
            if timer?.deadline == nil { timer?.set(.now() + timeout) }
        case .body: break
        case .end:
            inRequest = false
            timer?.set(nil)
        }
        context.fireChannelRead(data)
    }

    /// Bytes arrived: when no request was in progress, they start the next one's clock.
    fileprivate func bytesArrived() {
        guard !inRequest else { return }
        inRequest = true
        timer?.set(.now() + timeout)
    }
}
