import NIOCore

/// Tells long-lived responses (SSE, long-polls) that their client went away. Hummingbird allows
/// remote half-closure, so a client that closes shows up as `inputClosed`, not as an inactive
/// channel; without this an SSE stream would notice only at its next heartbeat write, and a
/// long-poll would hold its connection slot until its `wait` ran out.
final class InputClosedWatcher: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private let eventLoop: any EventLoop
    // Confined to `eventLoop`.
    private var closed = false
    private var callbacks: [UInt64: @Sendable () -> Void] = [:]
    private var nextID: UInt64 = 0

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    /// Runs `body` once the client closed its side (or the channel closed); at once if it has.
    /// - Returns: what ``forget(_:)`` takes, for a request that ends first (a keep-alive
    ///   connection serves many: their callbacks must not pile up).
    @discardableResult
    func whenClosed(_ body: @escaping @Sendable () -> Void) -> EventLoopFuture<UInt64> {
        eventLoop.submit {
            if self.closed { body() } else { self.callbacks[self.nextID] = body }
            self.nextID += 1
            return self.nextID - 1
        }
    }

    /// Drops the callback `whenClosed` registered as `id`.
    func forget(_ id: EventLoopFuture<UInt64>) {
        id.whenSuccess { id in self.callbacks[id] = nil }
    }

    /// What ``whenClientLeaves(_:_:)`` registered: ``forget()`` it when the request ends first.
    struct Registration {
        fileprivate let watcher: InputClosedWatcher
        fileprivate let id: EventLoopFuture<UInt64>

        func forget() { watcher.forget(id) }
    }

    /// Runs `body` once the client of `channel` (a plain HTTP connection) went away; at once when
    /// it has, even when its pipeline is gone already (it left while its token was verified).
    /// - Returns: the registration to forget when the request ends first; nil when `body` ran.
    static func whenClientLeaves(_ channel: any Channel, _ body: @escaping @Sendable () -> Void) async -> Registration? {
        if let watcher = try? await channel.pipeline.handler(type: InputClosedWatcher.self).get() {
            return Registration(watcher: watcher, id: watcher.whenClosed(body))
        }
        if !channel.isActive { body() }
        return nil
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
        self.callbacks = [:]
        for callback in callbacks.values { callback() }
    }
}
