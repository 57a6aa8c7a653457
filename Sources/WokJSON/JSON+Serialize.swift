import CJansson

extension JSON {
    /// Compact JSON text (no spaces). Keys keep document order unless `sortKeys`; reals print
    /// in their shortest round-tripping form; non-ASCII text is written as UTF-8, not escaped.
    public func serialized(sortKeys: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out, sortKeys: sortKeys)
        return out
    }

    /// Compact JSON text as a `String`; see `serialized(sortKeys:)`.
    public func serializedString(sortKeys: Bool = false) -> String {
        String(decoding: serialized(sortKeys: sortKeys), as: UTF8.self)
    }

    /// Appends this value's compact JSON text to `out`.
    public func write(to out: inout [UInt8], sortKeys: Bool = false) {
        switch kind {
        case .null: out.append(contentsOf: "null".utf8)
        case .true: out.append(contentsOf: "true".utf8)
        case .false: out.append(contentsOf: "false".utf8)
        case .integer: out.append(contentsOf: String(int!).utf8)
        case .real: out.append(contentsOf: JSON.format(real: double!).utf8)
        case .string: withUTF8 { JSON.writeEscaped($0, to: &out) }
        case .array:
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(to: &out, sortKeys: sortKeys)
            }
            out.append(UInt8(ascii: "]"))
        case .object:
            out.append(UInt8(ascii: "{"))
            var members = Array(self.members)
            if sortKeys { members.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } }
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                var key = member.key
                key.withUTF8 { JSON.writeEscaped($0, to: &out) }
                out.append(UInt8(ascii: ":"))
                member.value.write(to: &out, sortKeys: sortKeys)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The shortest text that reads back as `value`, always with a `.` or exponent so that it
    /// stays a real.
    static func format(real value: Double) -> String {
        var text = "\(value)"
        if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { text += ".0" }
        return text
    }

    /// Writes `bytes` as a JSON string literal: quotes, backslashes and control characters escaped.
    public static func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [92, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [92, UInt8(ascii: "f")])
            case 0..<0x20, 0x7F:
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSON: CustomStringConvertible {
    /// Compact JSON text in document order.
    public var description: String { serializedString() }
}
