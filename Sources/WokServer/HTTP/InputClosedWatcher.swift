import NIOCore

/// Tells long-lived responses (SSE) that their client went away. Hummingbird allows remote
/// half-closure, so a client that closes shows up as `inputClosed`, not as an inactive channel;
/// without this an SSE stream would notice only at its next heartbeat write.
final class InputClosedWatcher: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private let eventLoop: any EventLoop
    // Confined to `eventLoop`.
    private var closed = false
    private var callbacks: [@Sendable () -> Void] = []

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    /// Runs `body` once the client closed its side (or the channel closed); at once if it has.
    func whenClosed(_ body: @escaping @Sendable () -> Void) {
        eventLoop.execute {
            if self.closed { body() } else { self.callbacks.append(body) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { fire() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fire()
        context.fireChannelInactive()
    }

    private func fire() {
        guard !closed else { return }
        closed = true
        let callbacks = self.callbacks
        self.callbacks = []
        for callback in callbacks { callback() }
    }
}
