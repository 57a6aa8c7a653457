/// Nearest-name suggestions for unknown topics and settings ("did you mean").
package enum EditDistance {
    /// The Levenshtein distance between `a` and `b` (over UTF-8 bytes; topic names are ASCII).
    package static func between(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// Up to `limit` names of `candidates` close to `name`, nearest first (ties by name).
    /// Close means a distance of at most a third of the name's length (at least 2), or a
    /// candidate that starts with the name (`kimchi.vm` → `kimchi.vms.state`).
    package static func suggestions(for name: String, among candidates: some Sequence<String>, limit: Int = 3) -> [String] {
        let bound = max(2, name.utf8.count / 3)
        var scored: [(Int, String)] = []
        for candidate in candidates {
            let distance = between(name, candidate)
            if distance <= bound || (name.utf8.count >= 3 && candidate.hasPrefix(name)) { scored.append((distance, candidate)) }
        }
        scored.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        return scored.prefix(limit).map(\.1)
    }
}
