/// A value the subscription index can hold: a class with a scratch mark the index uses to hand
/// out each value once per lookup, without allocating a set.
public protocol SubscriptionIndexable: AnyObject {
    /// Scratch space owned by the index; do not touch.
    var indexMark: UInt64 { get set }
}

/// Finds the holders of every filter matching a topic, in time that grows with the number of
/// matching filters, not with the total: a trie over segments with a `*` child per node and the
/// `>` holders kept at the node they follow.
///
/// Not thread-safe: the router calls it under its lock. A value that holds several filters
/// matching one topic is reported once per lookup.
public struct SubscriptionIndex<Value: SubscriptionIndexable> {
    private final class Node {
        var children: [String: Node] = [:]
        var star: Node?
        /// Values whose filter ends at this node.
        var exact: [ObjectIdentifier: Value] = [:]
        /// Values whose filter is this node's path followed by `>`.
        var rest: [ObjectIdentifier: Value] = [:]

        var isEmpty: Bool { children.isEmpty && star == nil && exact.isEmpty && rest.isEmpty }
    }

    private let root = Node()
    private var mark: UInt64 = 0
    /// The number of (filter, value) pairs held.
    public private(set) var count = 0

    public init() {}

    /// Adds `filter` for `value`.
    /// - Returns: false when `value` already held `filter` (nothing changes).
    @discardableResult
    public mutating func insert(_ filter: TopicFilter, for value: Value) -> Bool {
        var node = root
        for segment in filter.segments {
            switch segment {
            case .literal(let name):
                if let child = node.children[name] { node = child } else {
                    let child = Node()
                    node.children[name] = child
                    node = child
                }
            case .any:
                if let star = node.star { node = star } else {
                    let star = Node()
                    node.star = star
                    node = star
                }
            case .rest:
                let inserted = node.rest.updateValue(value, forKey: ObjectIdentifier(value)) == nil
                if inserted { count += 1 }
                return inserted
            }
        }
        let inserted = node.exact.updateValue(value, forKey: ObjectIdentifier(value)) == nil
        if inserted { count += 1 }
        return inserted
    }

    /// Removes `filter` for `value`, pruning nodes left empty.
    /// - Returns: false when `value` did not hold `filter`.
    @discardableResult
    public mutating func remove(_ filter: TopicFilter, for value: Value) -> Bool {
        var path: [(parent: Node, segment: TopicFilter.Segment)] = []
        var node = root
        var removed = false
        for segment in filter.segments {
            switch segment {
            case .literal(let name):
                guard let child = node.children[name] else { return false }
                path.append((node, segment))
                node = child
            case .any:
                guard let star = node.star else { return false }
                path.append((node, segment))
                node = star
            case .rest:
                removed = node.rest.removeValue(forKey: ObjectIdentifier(value)) != nil
            }
        }
        if case .rest = filter.segments.last {} else {
            removed = node.exact.removeValue(forKey: ObjectIdentifier(value)) != nil
        }
        guard removed else { return false }
        count -= 1
        // Prune empty nodes from the leaf up.
        while node.isEmpty, let (parent, segment) = path.popLast() {
            switch segment {
            case .literal(let name): parent.children[name] = nil
            case .any: parent.star = nil
            case .rest: break
            }
            node = parent
        }
        return true
    }

    /// Calls `body` once for every value holding at least one filter that matches `topic`.
    public mutating func forEachMatch(of topic: Topic, _ body: (Value) -> Void) {
        mark &+= 1
        let segments = topic.name.split(separator: ".", omittingEmptySubsequences: false)
        visit(root, segments, 0, mark, body)
    }

    /// Every value holding a filter that matches `topic`, each once, in no particular order.
    public mutating func matches(of topic: Topic) -> [Value] {
        var found: [Value] = []
        forEachMatch(of: topic) { found.append($0) }
        return found
    }

    private func visit(_ node: Node, _ segments: [Substring], _ index: Int, _ mark: UInt64, _ body: (Value) -> Void) {
        if index == segments.count {
            for value in node.exact.values where value.indexMark != mark {
                value.indexMark = mark
                body(value)
            }
            return
        }
        for value in node.rest.values where value.indexMark != mark {
            value.indexMark = mark
            body(value)
        }
        if !node.children.isEmpty, let child = node.children[String(segments[index])] {
            visit(child, segments, index + 1, mark, body)
        }
        if let star = node.star { visit(star, segments, index + 1, mark, body) }
    }
}
