/// Why a topic name or a topic filter was refused.
public struct TopicError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text that was refused.
    public let text: String
    /// What is wrong with it, for a person.
    public let message: String

    init(_ text: String, _ message: String) {
        self.text = text
        self.message = message
    }

    public var description: String { "\"\(text)\": \(message)" }
}
