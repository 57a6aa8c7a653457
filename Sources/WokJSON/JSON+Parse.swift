import CJansson

extension JSON {
    /// Options for `JSON.parse`.
    public struct ParseOptions: Sendable {
        /// Refuse an object that names the same key twice (jansson keeps the last otherwise).
        public var rejectDuplicateKeys = false
        /// Read every number as a real, so integers beyond 64 bits parse (losing precision).
        public var integersAsReals = false
        public init(rejectDuplicateKeys: Bool = false, integersAsReals: Bool = false) {
            self.rejectDuplicateKeys = rejectDuplicateKeys
            self.integersAsReals = integersAsReals
        }
    }

    /// Parses one JSON text (any value at top level, not just objects and arrays).
    ///
    /// The text must be UTF-8. Nesting deeper than jansson's limit (2,048), integers that do
    /// not fit 64 bits and trailing garbage are errors with line and column. `\u0000` inside a
    /// string value is valid JSON (RFC 8259) and kept; in an object key jansson refuses it.
    /// - Throws: `JSONParseError`.
    public static func parse(_ bytes: UnsafeRawBufferPointer, options: ParseOptions = .init()) throws(JSONParseError) -> JSON {
        var flags = wok_json_decode_any | wok_json_allow_nul
        if options.rejectDuplicateKeys { flags |= wok_json_reject_duplicates }
        if options.integersAsReals { flags |= wok_json_decode_int_as_real }
        var error = json_error_t()
        let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
        guard let raw = json_loadb(base ?? emptyCString, bytes.count, flags, &error) else {
            throw JSONParseError(error)
        }
        return JSON(adopting: raw)
    }

    /// Parses one JSON text from bytes.
    public static func parse(_ bytes: some Collection<UInt8>, options: ParseOptions = .init()) throws(JSONParseError) -> JSON {
        let result: Result<JSON, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) -> JSON in try parse(UnsafeRawBufferPointer(buffer), options: options) }
        }
        if let result { return try result.get() }
        let array = Array(bytes)
        let copied = array.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) -> JSON in try parse(buffer, options: options) }
        }
        return try copied.get()
    }

    /// Parses one JSON text from a string.
    public static func parse(_ text: String, options: ParseOptions = .init()) throws(JSONParseError) -> JSON {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONParseError) -> JSON in try parse(UnsafeRawBufferPointer(buffer), options: options) }
        }
        return try result.get()
    }
}

extension JSONParseError {
    init(_ error: json_error_t) {
        var error = error
        let message = withUnsafeBytes(of: &error.text) { raw in
            let bytes = raw.prefix(while: { $0 != 0 })
            return String(decoding: bytes, as: UTF8.self)
        }
        self.init(line: Swift.max(Int(error.line), 1), column: Swift.max(Int(error.column), 1),
                  offset: Swift.max(Int(error.position), 0), message: message)
    }
}
