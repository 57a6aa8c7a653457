import NIOCore
import NIOWebSocket

/// Enforces the rules of RFC 6455 section 5 that NIO's frame decoder leaves to the application,
/// on every frame before fragments are reassembled: a client frame is masked (5.1), sets no RSV
/// bit (no extension is negotiated, 5.2), and has an opcode RFC 6455 defines (5.2). A violation
/// fails the connection: a ``Violation`` reaches ``PushConnection``, which closes with 1002; of
/// the frames after it, only a close frame (the client's answer, which ends the connection at
/// once) goes on.
final class FrameChecker: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame

    /// A frame broke RFC 6455's framing rules.
    struct Violation: Error {
        var reason: String
    }

    private static let defined: Set<WebSocketOpcode> = [.continuation, .text, .binary, .connectionClose, .ping, .pong]
    private var failed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if failed {
            if frame.opcode == .connectionClose { context.fireChannelRead(data) }
            return
        }
        let reason: String
        if frame.maskKey == nil {
            reason = "unmasked client frame"
        } else if frame.rsv1 || frame.rsv2 || frame.rsv3 {
            reason = "reserved bit set, no extension negotiated"
        } else if !Self.defined.contains(frame.opcode) {
            reason = "reserved opcode"
        } else {
            context.fireChannelRead(data)
            return
        }
        failed = true
        context.fireErrorCaught(Violation(reason: reason))
    }
}
