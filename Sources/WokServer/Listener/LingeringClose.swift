import NIOCore

/// Closes a connection that was answered before its request was read whole (413, a 400, a refusal
/// past `max_connections`) without resetting it under the client: closing a socket with unread
/// input makes the kernel send a reset, and a client still sending its body then fails in its
/// send and may never read the answer.
///
/// Once the answer is out, the output side is shut down (the client reads the answer, then the
/// end), and whatever the client still sends is read and dropped, until it closes its side, or
/// `timeout` passes, or `maxBytes` are dropped, whichever comes first; then the connection closes.
/// The settings are `linger_timeout` and `linger_bytes`.
struct LingeringClose: Sendable {
    let timeout: TimeAmount
    let maxBytes: Int

    init(timeout: TimeAmount, maxBytes: Int) {
        self.timeout = timeout
        self.maxBytes = maxBytes
    }

    init(_ configuration: WokServerConfiguration) {
        self.init(timeout: .nanoseconds(Int64(configuration.lingerTimeout * 1e9)), maxBytes: configuration.lingerBytes)
    }

    /// Starts the lingering close of `channel`, once everything written to it so far is out.
    /// - Parameter written: completes when the answer's last write did (or failed).
    func close(_ channel: any Channel, after written: EventLoopFuture<Void>) {
        let timeout = self.timeout
        let maxBytes = self.maxBytes
        written.hop(to: channel.eventLoop).assumeIsolated().whenComplete { result in
            guard case .success = result, channel.isActive else {
                channel.close(promise: nil)
                return
            }
            do {
                try channel.pipeline.syncOperations.addHandler(Drain(timeout: timeout, maxBytes: maxBytes), position: .first)
            } catch {
                channel.close(promise: nil)
                return
            }
            channel.close(mode: .output, promise: nil)
        }
    }

    /// Reads and drops everything, at the head of the pipeline (nothing reaches the HTTP decoder),
    /// and closes the connection when the client's input ends or a bound is reached.
    final class Drain: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer

        private let timeout: TimeAmount
        private var remaining: Int
        private var deadline: Scheduled<Void>?

        init(timeout: TimeAmount, maxBytes: Int) {
            self.timeout = timeout
            self.remaining = maxBytes
        }

        func handlerAdded(context: ChannelHandlerContext) {
            let channel = context.channel
            deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
            // Handlers further in may have stopped reading (the publish handler does once it answered
            // with `Connection: close`): read from here, below them.
            context.read()
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            deadline?.cancel()
            deadline = nil
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            remaining -= unwrapInboundIn(data).readableBytes
            if remaining < 0 { context.close(promise: nil) }
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            if context.channel.isActive { context.read() }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? ChannelEvent, event == .inputClosed {
                context.close(promise: nil)
                return
            }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
