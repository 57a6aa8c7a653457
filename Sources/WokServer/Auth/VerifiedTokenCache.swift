import Foundation
import NIOConcurrencyHelpers

/// The grants of tokens verified recently, so that a client reconnecting with the same token is
/// admitted on the event loop, without a task to verify its signature again.
///
/// Keyed by the exact token string; an entry answers only while its token's `exp` is in the
/// future, and at most `capacity` entries are kept (the oldest goes first). The secret cannot
/// change while the router runs, so a token once verified stays valid until its `exp`.
final class VerifiedTokenCache: Sendable {
    private struct State {
        var entries: [String: (grant: AccessGrant, expires: Date)] = [:]
        /// Insertion order, for eviction (may name keys already removed).
        var order: [String] = []
        var orderHead = 0
    }

    /// The most entries kept.
    let capacity: Int
    private let state = NIOLockedValueBox(State())

    init(capacity: Int) { self.capacity = max(0, capacity) }

    /// Entries held now.
    var count: Int { state.withLockedValue { $0.entries.count } }

    /// The grant of `token` if it was verified and has not expired at `now`.
    func grant(for token: String, now: Date = Date()) -> AccessGrant? {
        state.withLockedValue { state in
            guard let entry = state.entries[token] else { return nil }
            guard now < entry.expires else {
                state.entries[token] = nil
                return nil
            }
            return entry.grant
        }
    }

    /// Remembers the verified `token` until `expires`.
    func insert(_ token: String, grant: AccessGrant, expires: Date, now: Date = Date()) {
        guard capacity > 0, now < expires else { return }
        state.withLockedValue { state in
            if state.entries[token] != nil {
                state.entries[token] = (grant, expires)
                return
            }
            // Full: the oldest goes (an expired one is dropped when looked up, or in its turn).
            while state.entries.count >= capacity, state.orderHead < state.order.count {
                let oldest = state.order[state.orderHead]
                state.orderHead += 1
                state.entries[oldest] = nil
            }
            state.entries[token] = (grant, expires)
            state.order.append(token)
            // Drop the consumed part of the order, and keys no longer held, once it has grown.
            if state.order.count > 2 * capacity {
                var seen = Set<String>()
                state.order = state.order[state.orderHead...].filter { state.entries[$0] != nil && seen.insert($0).inserted }
                state.orderHead = 0
            }
        }
    }
}
