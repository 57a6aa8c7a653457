import NIOConcurrencyHelpers
import WokRouterCore

/// The subscriber of one SSE stream: a bounded queue the response writer drains. When the
/// queue is full (the client stopped reading) the stream ends: the slow-consumer rule.
final class StreamSubscriber: Subscriber {
    enum Event: Sendable {
        case subscribed(SubscribeResult)
        case notification(EncodedNotification)
        case heartbeat
        /// The token the stream was opened with has expired: the stream ends.
        case expired
    }

    let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let overflowed = NIOLockedValueBox(false)
    private let missedNotifications = NIOLockedValueBox(false)

    /// - Parameter bound: events the queue holds at most.
    init(bound: Int) {
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingOldest(bound))
    }

    func deliver(_ notification: EncodedNotification) { yield(.notification(notification)) }
    func close(reason: SubscriberCloseReason) {
        if reason == .historyGap { missedNotifications.withLockedValue { $0 = true } }
        continuation.finish()
    }

    /// Whether the stream ended because the router skipped notifications it may match.
    var didMissNotifications: Bool { missedNotifications.withLockedValue { $0 } }

    /// Whether the stream ended because the queue overflowed.
    var didOverflow: Bool { overflowed.withLockedValue { $0 } }

    func yield(_ event: Event) {
        if case .dropped = continuation.yield(event) {
            overflowed.withLockedValue { $0 = true }
            continuation.finish()
        }
    }

    func finish() { continuation.finish() }
}
