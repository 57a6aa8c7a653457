/// Finds where a JSON Pointer's value starts in a JSON text, to name the line of an error.
///
/// A small scanner over the bytes: it follows the pointer's tokens into objects and arrays and
/// skips everything else without building values. Iterative, so any nesting depth is fine.
enum JSONSourceLocator {
    /// The 1-based line and column where the value `pointer` names starts, or nil when the text
    /// does not have it.
    static func position(of pointer: String, in text: [UInt8]) -> (line: Int, column: Int)? {
        positions(of: [pointer], in: text)[pointer]
    }

    /// Where each of `pointers` starts, found in one pass over `text`: containers on no
    /// pointer's path are skipped without looking inside, so the cost is one scan of the text
    /// however many errors an instance has.
    static func positions(of pointers: Set<String>, in text: [UInt8]) -> [String: (line: Int, column: Int)] {
        guard !pointers.isEmpty else { return [:] }
        var prefixes: Set<String> = []
        for pointer in pointers {
            var index = pointer.startIndex
            while let slash = pointer[index...].firstIndex(of: "/") {
                prefixes.insert(String(pointer[..<slash]))
                index = pointer.index(after: slash)
            }
        }
        var offsets: [String: Int] = [:]
        text.withUnsafeBufferPointer { bytes in
            var scanner = Scanner(bytes: bytes)
            scanner.skipSpace()
            _ = scanner.visit(path: "", wanted: pointers, prefixes: prefixes, found: &offsets, depth: 0)
        }
        return lineAndColumn(of: offsets, in: text)
    }

    /// Converts byte offsets to lines and columns in one pass.
    private static func lineAndColumn(of offsets: [String: Int], in text: [UInt8]) -> [String: (line: Int, column: Int)] {
        var result: [String: (line: Int, column: Int)] = [:]
        var line = 1
        var lineStart = 0
        var k = 0
        for (pointer, offset) in offsets.sorted(by: { $0.value < $1.value }) {
            while k < offset && k < text.count {
                if text[k] == 0x0A { line += 1; lineStart = k + 1 }
                k += 1
            }
            let column = String(decoding: text[lineStart..<min(offset, text.count)], as: UTF8.self).unicodeScalars.count + 1
            result[pointer] = (line, column)
        }
        return result
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        /// Visits the value at `i` whose pointer is `path`: records it when wanted, looks inside
        /// when it is on a wanted path, skips it otherwise. Returns false on malformed text.
        mutating func visit(path: String, wanted: Set<String>, prefixes: Set<String>,
                            found: inout [String: Int], depth: Int) -> Bool {
            guard i < bytes.count else { return false }
            if wanted.contains(path) { found[path] = i }
            guard prefixes.contains(path), depth < 10_000 else { return skipValue() }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return true }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\""), let key = readString() else { return false }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return false }
                    i += 1
                    skipSpace()
                    let token = String(decoding: key, as: UTF8.self)
                    let escaped = token.contains("~") || token.contains("/")
                        ? token.split(separator: "~", omittingEmptySubsequences: false).joined(separator: "~0")
                            .split(separator: "/", omittingEmptySubsequences: false).joined(separator: "~1")
                        : token
                    guard visit(path: path + "/" + escaped, wanted: wanted, prefixes: prefixes, found: &found, depth: depth + 1) else { return false }
                    skipSpace()
                    guard i < bytes.count else { return false }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return true }
                    guard bytes[i] == UInt8(ascii: ",") else { return false }
                    i += 1
                }
            case UInt8(ascii: "["):
                i += 1
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return true }
                var index = 0
                while true {
                    skipSpace()
                    guard visit(path: path + "/" + String(index), wanted: wanted, prefixes: prefixes, found: &found, depth: depth + 1) else { return false }
                    index += 1
                    skipSpace()
                    guard i < bytes.count else { return false }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return true }
                    guard bytes[i] == UInt8(ascii: ",") else { return false }
                    i += 1
                }
            default:
                return skipValue()
            }
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

        /// Skips a string at `i` (on its opening quote) without decoding it.
        mutating func skipString() -> Bool {
            i += 1
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "\""): i += 1; return true
                case UInt8(ascii: "\\"): i += 2
                default: i += 1
                }
            }
            return false
        }

        /// Skips one value (any depth, without recursion).
        mutating func skipValue() -> Bool {
            var depth = 0
            repeat {
                guard i < bytes.count else { return false }
                switch bytes[i] {
                case UInt8(ascii: "\""):
                    guard skipString() else { return false }
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
    }
}
