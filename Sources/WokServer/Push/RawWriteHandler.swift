import NIOCore

/// A no-op outbound handler installed first in a `/push` pipeline: writing through its context
/// enters the pipeline at the head, below the WebSocket frame encoder, so pre-framed bytes go to
/// the socket untouched.
final class RawWriteHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private(set) var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }
}
