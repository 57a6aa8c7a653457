/// A subscription filter: an exact topic, `*` for exactly one segment, `>` as the last segment
/// for one or more trailing segments (PROTOCOL section 1). Nothing else is a wildcard.
///
/// A filter has 2 to 8 segments, like a topic; `kimchi.>` matches `kimchi.vms` and
/// `kimchi.vms.state`, not `kimchi`.
public struct TopicFilter: Hashable, Sendable, CustomStringConvertible {
    /// One segment of a filter.
    public enum Segment: Hashable, Sendable {
        /// Matches exactly this segment.
        case literal(String)
        /// `*`: matches any one segment.
        case any
        /// `>`: matches one or more trailing segments (only last).
        case rest
    }

    /// The filter as written: `kimchi.*`.
    public let text: String
    /// The parsed segments.
    public let segments: [Segment]

    /// Parses and validates a filter.
    /// - Throws: `TopicError` when `text` is not a filter.
    public init(_ text: String) throws(TopicError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        try Topic.checkShape(text, segmentCount: parts.count)
        var segments: [Segment] = []
        segments.reserveCapacity(parts.count)
        for (index, part) in parts.enumerated() {
            switch part {
            case "*": segments.append(.any)
            case ">":
                guard index == parts.count - 1 else { throw TopicError(text, "\">\" may only be the last segment") }
                segments.append(.rest)
            default:
                guard Topic.isSegment(part.utf8) else {
                    throw TopicError(text, "segment \"\(part)\" is not [a-z0-9][a-z0-9_-]*, \"*\" or a final \">\"")
                }
                segments.append(.literal(String(part)))
            }
        }
        self.text = text
        self.segments = segments
    }

    /// The filter matching exactly `topic`.
    public init(_ topic: Topic) {
        self.text = topic.name
        self.segments = topic.segments.map { .literal(String($0)) }
    }

    /// The topic this filter names when it has no wildcard, else nil.
    public var exactTopic: Topic? {
        isExact ? try? Topic(text) : nil
    }

    /// Whether the filter has no wildcard.
    public var isExact: Bool {
        segments.allSatisfy { if case .literal = $0 { true } else { false } }
    }

    /// Whether `topic` matches this filter.
    public func matches(_ topic: Topic) -> Bool { matches(topicName: topic.name) }

    /// Whether the topic named `name` (assumed valid) matches this filter.
    public func matches(topicName name: String) -> Bool {
        matches(segments: name.split(separator: ".", omittingEmptySubsequences: false))
    }

    /// Whether the topic made of `topicSegments` matches this filter (no allocation: split the
    /// topic once when testing many filters).
    public func matches(segments topicSegments: [Substring]) -> Bool {
        var parts = topicSegments[...]
        for segment in segments {
            switch segment {
            case .rest: return !parts.isEmpty
            case .any:
                guard parts.popFirst() != nil else { return false }
            case .literal(let literal):
                guard let part = parts.popFirst(), part == literal else { return false }
            }
        }
        return parts.isEmpty
    }

    public var description: String { text }
}
