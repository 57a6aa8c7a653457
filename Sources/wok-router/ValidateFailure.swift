/// Something that stops `validate` before or outside validation (exit status 2), said with
/// its file and place: `schemas/x.json:3:14: not JSON: ...`.
struct ValidateFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
