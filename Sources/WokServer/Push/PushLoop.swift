import NIOConcurrencyHelpers
import NIOCore
import WokRouterCore

/// The push state of one event loop: its fan-out queue and the connections it owns.
///
/// Deliveries come from any thread: they are appended to the queue under a lock and one drain is
/// scheduled on the loop if none is pending. The drain writes every pending frame, then flushes
/// each touched socket once, so a burst becomes one `writev` per socket.
final class PushLoop: @unchecked Sendable {
    let eventLoop: any EventLoop
    private let lock = NIOLock()
    private var pending: [(PushConnection, ByteBuffer)] = []
    private var spare: [(PushConnection, ByteBuffer)] = []
    private var drainScheduled = false
    private var lastNotification: EncodedNotification?
    private var lastFrame = ByteBuffer()

    // Confined to `eventLoop`.
    private var flushList: [PushConnection] = []
    private(set) var connections: [ObjectIdentifier: PushConnection] = [:]
    private var pinger: RepeatedTask?

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Queues `frame` for `connection`; called from any thread.
    func enqueue(_ connection: PushConnection, _ frame: ByteBuffer) {
        let schedule = lock.withLock { () -> Bool in
            pending.append((connection, frame))
            if drainScheduled { return false }
            drainScheduled = true
            return true
        }
        if schedule { eventLoop.execute { self.drain() } }
    }

    /// Queues a notification for `connection`, reusing the frame of the previous call when it was
    /// for the same notification (the router hands one notification to many subscribers in a row).
    func enqueue(_ connection: PushConnection, _ notification: EncodedNotification) {
        let schedule = lock.withLock { () -> Bool in
            if lastNotification !== notification {
                lastNotification = notification
                lastFrame = PreFramed.notification(notification)
            }
            pending.append((connection, lastFrame))
            if drainScheduled { return false }
            drainScheduled = true
            return true
        }
        if schedule { eventLoop.execute { self.drain() } }
    }

    /// Pending frames over all connections of this loop (the queue-depth gauge).
    var depth: Int { lock.withLock { pending.count } }

    private func drain() {
        var batch = lock.withLock { () -> [(PushConnection, ByteBuffer)] in
            let batch = pending
            pending = spare
            drainScheduled = false
            lastNotification = nil
            return batch
        }
        for (connection, frame) in batch {
            if connection.send(frame) { flushList.append(connection) }
        }
        for connection in flushList { connection.flush() }
        flushList.removeAll(keepingCapacity: true)
        batch.removeAll(keepingCapacity: true)
        lock.withLock { if spare.capacity < batch.capacity { spare = batch } }
    }

    // MARK: Connections (on the loop)

    func register(_ connection: PushConnection) {
        eventLoop.assertInEventLoop()
        connections[ObjectIdentifier(connection)] = connection
    }

    func unregister(_ connection: PushConnection) {
        eventLoop.assertInEventLoop()
        connections[ObjectIdentifier(connection)] = nil
    }

    /// Starts the server pings of this loop's connections.
    func startPinging(every interval: TimeAmount) {
        eventLoop.execute {
            self.pinger = self.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                let now = NIODeadline.now()
                for connection in self.connections.values { connection.pingTick(now: now) }
            }
        }
    }

    /// Closes every connection with `code` (shutdown: 1001).
    func closeAll(code: UInt16, reason: String) -> EventLoopFuture<Void> {
        eventLoop.submit {
            self.pinger?.cancel()
            self.pinger = nil
            for connection in self.connections.values { connection.closeWith(code: code, reason: reason, disconnect: "shutdown") }
        }
    }
}
