/// A JSON Pointer (RFC 6901): a path of reference tokens into a JSON document.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The unescaped reference tokens, outermost first.
    public var tokens: [String]

    /// The pointer to the whole document.
    public static let root = JSONPointer(tokens: [])

    public init(tokens: [String]) { self.tokens = tokens }

    /// Parses `/a/b~1c` form. Returns nil when the text is neither empty nor starts with `/`,
    /// or has a `~` not followed by `0` or `1`.
    public init?(_ text: String) {
        guard !text.isEmpty else { self.tokens = []; return }
        guard text.hasPrefix("/") else { return nil }
        var tokens: [String] = []
        for part in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard let token = JSONPointer.unescape(part) else { return nil }
            tokens.append(token)
        }
        self.tokens = tokens
    }

    /// This pointer with one more token.
    public func appending(_ token: String) -> JSONPointer { JSONPointer(tokens: tokens + [token]) }

    /// This pointer with an array index as one more token.
    public func appending(_ index: Int) -> JSONPointer { appending(String(index)) }

    /// The `/a/b~1c` text of this pointer.
    public var description: String { tokens.map { "/" + JSONPointer.escape($0) }.joined() }

    /// Escapes one token: `~` as `~0`, `/` as `~1`.
    public static func escape(_ token: String) -> String {
        guard token.contains(where: { $0 == "~" || $0 == "/" }) else { return token }
        return token.replacingAll("~", with: "~0").replacingAll("/", with: "~1")
    }

    static func unescape(_ token: Substring) -> String? {
        guard token.contains("~") else { return String(token) }
        var out = ""
        var iterator = token.makeIterator()
        while let c = iterator.next() {
            if c == "~" {
                switch iterator.next() {
                case "0": out.append("~")
                case "1": out.append("/")
                default: return nil
                }
            } else {
                out.append(c)
            }
        }
        return out
    }
}

extension JSON {
    /// The value `pointer` points to, or nil when it leads nowhere.
    /// Array tokens must be canonical decimal indexes (`0`, `12`; not `01` or `-`).
    public func resolve(_ pointer: JSONPointer) -> JSON? {
        var current = self
        for token in pointer.tokens {
            if current.isObject {
                guard let next = current[token] else { return nil }
                current = next
            } else if current.isArray {
                guard let index = Int(token), String(index) == token, let next = current[index] else { return nil }
                current = next
            } else {
                return nil
            }
        }
        return current
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}
