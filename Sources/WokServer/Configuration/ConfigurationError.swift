/// A configuration file, variable or flag that cannot be used.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, for people.
    public let description: String

    static func badValue(_ key: String, _ value: String, _ expected: String) -> Self {
        .init(description: "\(key): \(value) is not \(expected)")
    }
    static func unknownKey(_ key: String, in place: String) -> Self {
        .init(description: "\(place): unknown setting \"\(key)\"")
    }
    static func unreadable(_ path: String, _ reason: String) -> Self {
        .init(description: "\(path): \(reason)")
    }
    static func invalid(_ message: String) -> Self { .init(description: message) }
}
