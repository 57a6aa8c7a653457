/// Something that stops `validate` before or outside validation, said with its file and place:
/// `schemas/x.json:3:14: not JSON: ...`. Its exit status is 2 (a usage error, a file that cannot
/// be read or parsed) unless it says otherwise: a schema that does not compile is "schema
/// invalid", 1 (PROTOCOL section 7).
struct ValidateFailure: Error, CustomStringConvertible {
    let message: String
    /// The exit status `validate` ends with.
    let status: Int32
    init(_ message: String, status: Int32 = 2) {
        self.message = message
        self.status = status
    }
    var description: String { message }
}
