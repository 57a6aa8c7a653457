import WokJSON

/// Turns jansson's parse messages into ones a person acts on.
enum JSONParseDiagnosis {
    /// `path:line:column: not JSON: reason`.
    static func describe(_ error: JSONParseError, path: String, lineOffset: Int = 0) -> String {
        "\(path):\(error.line + lineOffset):\(error.column): \(reason(error.message))"
    }

    static func reason(_ message: String) -> String {
        if message.contains("too big integer") {
            return "integer beyond 64 bits (\(message))"
        }
        if message.contains("maximum parsing depth") {
            return "nested deeper than the parser allows (\(message))"
        }
        if message.contains("unable to decode byte") || message.contains("invalid UTF-8") {
            return "not UTF-8 (\(message))"
        }
        if message.contains("\\u0000") {
            return "not JSON: \(message)"
        }
        return "not JSON: \(message)"
    }
}
