/// Finds where a JSON Pointer's value starts in a JSON text, to name the line of an error.
///
/// A small scanner over the bytes: it follows the pointer's tokens into objects and arrays and
/// skips everything else without building values. Iterative, so any nesting depth is fine.
enum JSONSourceLocator {
    /// The 1-based line and column where the value `pointer` names starts, or nil when the text
    /// does not have it.
    static func position(of pointer: String, in text: [UInt8]) -> (line: Int, column: Int)? {
        guard let tokens = tokens(pointer) else { return nil }
        return text.withUnsafeBufferPointer { bytes -> (Int, Int)? in
            var scanner = Scanner(bytes: bytes)
            scanner.skipSpace()
            for token in tokens {
                guard scanner.descend(into: token) else { return nil }
            }
            return scanner.lineAndColumn()
        }
    }

    private static func tokens(_ pointer: String) -> [[UInt8]]? {
        guard !pointer.isEmpty else { return [] }
        guard pointer.hasPrefix("/") else { return nil }
        return pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map { token in
            Array(token.replacingOccurrences("~1", "/").replacingOccurrences("~0", "~").utf8)
        }
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        /// Moves from the start of a container to the start of its member or element `token`.
        mutating func descend(into token: [UInt8]) -> Bool {
            guard i < bytes.count else { return false }
            if bytes[i] == UInt8(ascii: "{") {
                i += 1
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return false }
                    guard let key = readString() else { return false }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return false }
                    i += 1
                    skipSpace()
                    if key == token { return true }
                    guard skipValue() else { return false }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ",") else { return false }
                    i += 1
                }
            }
            if bytes[i] == UInt8(ascii: "[") {
                guard let text = String(validating: token, as: UTF8.self), let index = Int(text), index >= 0 else { return false }
                i += 1
                skipSpace()
                for _ in 0..<index {
                    guard skipValue() else { return false }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ",") else { return false }
                    i += 1
                    skipSpace()
                }
                return i < bytes.count && bytes[i] != UInt8(ascii: "]")
            }
            return false
        }

        /// Reads a string at `i` (on its opening quote), decoding escapes; leaves `i` after it.
        mutating func readString() -> [UInt8]? {
            i += 1
            var out: [UInt8] = []
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") { i += 1; return out }
                if c == UInt8(ascii: "\\") {
                    guard i + 1 < bytes.count else { return nil }
                    let e = bytes[i + 1]
                    i += 2
                    switch e {
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard let scalar = readUnicodeEscape() else { return nil }
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: out.append(e)
                    }
                    continue
                }
                out.append(c)
                i += 1
            }
            return nil
        }

        private mutating func hex4() -> UInt32? {
            guard i + 4 <= bytes.count else { return nil }
            guard let value = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else { return nil }
            i += 4
            return value
        }

        private mutating func readUnicodeEscape() -> Unicode.Scalar? {
            guard let lead = hex4() else { return nil }
            if (0xD800...0xDBFF).contains(lead), i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                i += 2
                guard let trail = hex4() else { return nil }
                return Unicode.Scalar(0x10000 + ((lead - 0xD800) << 10) + (trail &- 0xDC00))
            }
            return Unicode.Scalar(lead) ?? "\u{FFFD}"
        }

        /// Skips one value (any depth, without recursion).
        mutating func skipValue() -> Bool {
            var depth = 0
            repeat {
                guard i < bytes.count else { return false }
                switch bytes[i] {
                case UInt8(ascii: "\""):
                    guard readString() != nil else { return false }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    i += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    i += 1
                    if depth < 0 { return false }
                default:
                    i += 1
                    // Scalars and separators inside containers: move on to the next byte.
                    if depth == 0 {
                        while i < bytes.count, !Self.isDelimiter(bytes[i]) { i += 1 }
                    }
                }
            } while depth > 0
            return true
        }

        private static func isDelimiter(_ c: UInt8) -> Bool {
            c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") || c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09
        }

        func lineAndColumn() -> (Int, Int) {
            var line = 1
            var lineStart = 0
            for k in 0..<min(i, bytes.count) where bytes[k] == 0x0A {
                line += 1
                lineStart = k + 1
            }
            let column = String(decoding: bytes[lineStart..<min(i, bytes.count)], as: UTF8.self).unicodeScalars.count + 1
            return (line, column)
        }
    }
}

extension Substring {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> Substring {
        guard contains(target.first!) else { return self }
        var out = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        out += rest
        return out[...]
    }
}
