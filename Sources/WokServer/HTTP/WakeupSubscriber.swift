import NIOConcurrencyHelpers
import WokRouterCore

/// The temporary subscriber of a long-poll (`GET /notifications?wait=`): it only signals that
/// something arrived; the request then reads the page from history.
final class WakeupSubscriber: Subscriber {
    private let state = NIOLockedValueBox<(fired: Bool, continuation: CheckedContinuation<Void, Never>?)>((false, nil))

    func deliver(_ notification: EncodedNotification) { fire() }
    func close(reason: SubscriberCloseReason) { fire() }

    /// Wakes the waiter (once).
    func fire() {
        let c = state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
            s.fired = true
            let c = s.continuation
            s.continuation = nil
            return c
        }
        c?.resume()
    }

    /// Returns once something arrived or `seconds` passed.
    func wait(seconds: Double) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let resumeNow = self.state.withLockedValue { s -> Bool in
                        if s.fired { return true }
                        s.continuation = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                self.fire()
            }
            await group.next()
            group.cancelAll()
            self.fire()
        }
    }
}
