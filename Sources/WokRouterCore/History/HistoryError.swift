/// Why a history store could not append or read. The router answers `unavailable` and keeps
/// serving: a failed append stores nothing and acknowledges nothing.
public struct HistoryError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: String, Sendable, Hashable { case unavailable, closed, corrupt }
    private let kind: Kind
    /// What went wrong, for a person (the engine's own message included).
    public let message: String

    private init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The store cannot write or read now (full disk, read-only file, database down).
    public static func unavailable(_ message: String) -> HistoryError { .init(.unavailable, message) }
    /// The store was closed.
    public static let closed = HistoryError(.closed, "the history store is closed")
    /// The stored data is not what this engine wrote (a foreign or damaged database).
    public static func corrupt(_ message: String) -> HistoryError { .init(.corrupt, message) }

    /// Whether this is a closed store.
    public var isClosed: Bool { kind == .closed }

    public var description: String { "\(kind.rawValue): \(message)" }
}
