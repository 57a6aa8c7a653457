import Foundation
import NIOConcurrencyHelpers
import NIOCore
import WokRouterCore

/// The push state of one event loop: its fan-out queue and the connections it owns. It is the
/// ``DeliveryGroup`` of its connections, so the router hands it each notification once for all
/// of its matching sockets.
///
/// Deliveries come from any thread: they are appended to the queue under a lock and one drain is
/// scheduled on the loop if none is pending. The drain writes every pending frame, then flushes
/// each touched socket once, so a burst becomes one `writev` per socket.
final class PushLoop: DeliveryGroup, @unchecked Sendable {
    /// One queued hand-over.
    private enum Delivery {
        /// A frame for one connection (replies, held-back notifications).
        case one(PushConnection, ByteBuffer)
        /// A notification's frame for every connection listed (all of them this loop's).
        case many(ByteBuffer, [PushConnection])
    }

    let eventLoop: any EventLoop
    private let lock = NIOLock()
    private var pending: [Delivery] = []
    private var spare: [Delivery] = []
    private var drainScheduled = false

    // Confined to `eventLoop`.
    private(set) var connections: [ObjectIdentifier: PushConnection] = [:]
    private var pinger: RepeatedTask?

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Queues `frame` for `connection`; called from any thread.
    func enqueue(_ connection: PushConnection, _ frame: ByteBuffer) {
        enqueue(.one(connection, frame))
    }

    /// Queues `notification` for each of `subscribers` (this loop's connections); called by the
    /// router from any thread. The frame is built here, once, and belongs to this loop alone: its
    /// reference count is then touched by this loop's thread only.
    func deliver(_ notification: EncodedNotification, to subscribers: [any Subscriber]) {
        // The router hands a group only the subscribers that named it: this loop's connections.
        enqueue(.many(PreFramed.text(notification.frame), subscribers.compactMap { $0 as? PushConnection }))
    }

    private func enqueue(_ delivery: Delivery) {
        let schedule = lock.withLock { () -> Bool in
            pending.append(delivery)
            if drainScheduled { return false }
            drainScheduled = true
            return true
        }
        if schedule { eventLoop.execute { self.drain() } }
    }

    /// Pending frames over all connections of this loop (the queue-depth gauge).
    var depth: Int {
        lock.withLock {
            pending.reduce(0) { count, delivery in
                switch delivery {
                case .one: count + 1
                case .many(_, let connections): count + connections.count
                }
            }
        }
    }

    private func drain() {
        // `spare` is the previous batch's emptied array: it becomes the queue, so appends reuse
        // its capacity (and, held by nothing else, do not copy it).
        var batch = lock.withLock { () -> [Delivery] in
            var batch = spare
            spare = []
            swap(&batch, &pending)
            drainScheduled = false
            return batch
        }
        for delivery in batch {
            switch delivery {
            case .one(let connection, let frame):
                connection.send(frame)
            case .many(let frame, let connections):
                for connection in connections { connection.send(frame) }
            }
        }
        // Each socket written to has `needsFlush` set: flush it once, however many frames it got.
        for delivery in batch {
            switch delivery {
            case .one(let connection, _):
                connection.flushIfNeeded()
            case .many(_, let connections):
                for connection in connections { connection.flushIfNeeded() }
            }
        }
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
                let wallClock = Date()
                for connection in self.connections.values { connection.pingTick(now: now, wallClock: wallClock) }
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
