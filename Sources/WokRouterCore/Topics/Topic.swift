/// A validated topic name: 2 to 8 dot-separated segments `[a-z0-9][a-z0-9_-]*`, at most 255 bytes.
///
/// The first segment names the plugin that owns the topic (`wok` is the core).
public struct Topic: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The most segments a topic (or a filter) may have.
    public static let maxSegments = 8
    /// The fewest segments a topic (or a filter) may have.
    public static let minSegments = 2
    /// The longest topic name, in UTF-8 bytes.
    public static let maxLength = 255

    /// The topic name, as written: `kimchi.vms.state`.
    public let name: String

    /// Validates `name`.
    /// - Throws: `TopicError` when `name` is not a topic name.
    public init(_ name: String) throws(TopicError) {
        let segments = name.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        try Topic.checkShape(name, segmentCount: segments.count)
        for segment in segments where !Topic.isSegment(segment) {
            throw TopicError(name, "segment \"\(String(decoding: segment, as: UTF8.self))\" is not [a-z0-9][a-z0-9_-]*")
        }
        self.name = name
    }

    /// Whether `name` is a valid topic name.
    public static func isValid(_ name: String) -> Bool { (try? Topic(name)) != nil }

    /// The plugin owning this topic: its first segment.
    public var plugin: String { String(name.prefix { $0 != "." }) }

    /// The dot-separated segments.
    public var segments: [Substring] { name.split(separator: ".", omittingEmptySubsequences: false) }

    public var description: String { name }

    public static func < (a: Topic, b: Topic) -> Bool { a.name < b.name }

    static func checkShape(_ text: String, segmentCount: Int) throws(TopicError) {
        if text.utf8.count > maxLength { throw TopicError(text, "longer than \(maxLength) bytes") }
        if segmentCount < minSegments || segmentCount > maxSegments {
            throw TopicError(text, "needs \(minSegments) to \(maxSegments) dot-separated segments, has \(segmentCount)")
        }
    }

    /// Whether `bytes` is one segment: `[a-z0-9][a-z0-9_-]*`.
    static func isSegment(_ bytes: some Collection<UInt8>) -> Bool {
        guard let first = bytes.first, isLowerAlnum(first) else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}
