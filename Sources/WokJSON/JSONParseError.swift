/// Why a JSON text could not be parsed, and where.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 1-based line of the error.
    public let line: Int
    /// 1-based column (in characters) of the error.
    public let column: Int
    /// 0-based byte offset of the error.
    public let offset: Int
    /// What went wrong, as jansson describes it.
    public let message: String

    public init(line: Int, column: Int, offset: Int, message: String) {
        self.line = line
        self.column = column
        self.offset = offset
        self.message = message
    }

    public var description: String { "line \(line), column \(column): \(message)" }
}
