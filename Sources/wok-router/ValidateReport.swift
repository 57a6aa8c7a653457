#if canImport(Glibc)
import Glibc
#endif
import WokJSON
import WokSchema

/// Prints what `validate` finds: text for people, or one JSON line per instance.
///
/// Text: `file:line: instanceLocation: message [keywordLocation]` per error on standard output,
/// a summary on standard error. JSON: `{"file","line","valid","errors":[{"instanceLocation",
/// "keywordLocation","message"(,"code")}]}` per instance, with `"parseError"` for an instance
/// that is not JSON.
final class ValidateReport {
    let format: ValidateCommand.OutputFormat
    private var out: [UInt8] = []
    private(set) var instances = 0
    private(set) var invalid = 0
    private(set) var broken = 0

    init(format: ValidateCommand.OutputFormat) {
        self.format = format
        out.reserveCapacity(1 << 16)
    }

    /// One validated instance and its errors, each with the line it points at.
    func instance(file: String, line: Int, errors: [(error: ValidationError, line: Int)]) {
        instances += 1
        if !errors.isEmpty { invalid += 1 }
        switch format {
        case .text:
            for (error, errorLine) in errors {
                let location = error.instanceLocation.isEmpty ? "(root)" : Self.oneLine(error.instanceLocation)
                let code = error.code.map { " (\(Self.oneLine($0)))" } ?? ""
                append("\(file):\(errorLine): \(location): \(Self.oneLine(error.message))\(code) [\(Self.oneLine(error.keywordLocation))]\n")
            }
        case .json:
            appendJSONHead(file: file, line: line, valid: errors.isEmpty)
            out.append(contentsOf: ",\"errors\":[".utf8)
            for (index, (error, _)) in errors.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: "{\"instanceLocation\":".utf8)
                appendString(error.instanceLocation)
                out.append(contentsOf: ",\"keywordLocation\":".utf8)
                appendString(error.keywordLocation)
                out.append(contentsOf: ",\"message\":".utf8)
                appendString(error.message)
                if let code = error.code {
                    out.append(contentsOf: ",\"code\":".utf8)
                    appendString(code)
                }
                out.append(UInt8(ascii: "}"))
            }
            out.append(contentsOf: "]}\n".utf8)
        }
        flushIfFull()
    }

    /// An instance that is not JSON (`message` already says file, line and column).
    func unparseable(file: String, line: Int, message: String) {
        instances += 1
        broken += 1
        switch format {
        case .text:
            append("\(message)\n")
        case .json:
            appendJSONHead(file: file, line: line, valid: false)
            out.append(contentsOf: ",\"errors\":[],\"parseError\":".utf8)
            appendString(message)
            out.append(contentsOf: "}\n".utf8)
        }
        flushIfFull()
    }

    /// A file that cannot be read at all.
    func unreadable(_ message: String) {
        broken += 1
        flush()
        Self.printError(message)
    }

    /// The exit status: 2 when something could not be read or parsed, else 1 when something was invalid.
    var exitCode: Int32 { broken > 0 ? 2 : (invalid > 0 ? 1 : 0) }

    /// Flushes the output and, in text mode, prints the summary on standard error.
    func finish() {
        flush()
        guard format == .text else { return }
        let noun = instances == 1 ? "instance" : "instances"
        var summary = "\(instances) \(noun): \(instances - invalid - broken) valid, \(invalid) invalid"
        if broken > 0 { summary += ", \(broken) unreadable or not JSON" }
        Self.printError(summary, prefix: "")
    }

    /// Writes `wok-router validate: message` to standard error.
    static func printError(_ message: String, prefix: String = "wok-router validate: ") {
        StandardStream.write(Array((prefix + message + "\n").utf8), to: 2)
    }

    /// `text` with control characters escaped (`\n`, `\u0001`), so that one error stays one line.
    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where c.value < 0x20 || c.value == 0x7F:
                out += "\\u" + String(repeating: "0", count: 4 - String(c.value, radix: 16).count) + String(c.value, radix: 16)
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    private func appendJSONHead(file: String, line: Int, valid: Bool) {
        out.append(contentsOf: "{\"file\":".utf8)
        appendString(file)
        out.append(contentsOf: ",\"line\":\(line),\"valid\":\(valid)".utf8)
    }

    private func appendString(_ text: String) {
        var text = text
        text.withUTF8 { JSON.writeEscaped($0, to: &out) }
    }

    private func append(_ text: String) { out.append(contentsOf: text.utf8) }

    private func flushIfFull() { if out.count >= 1 << 16 { flush() } }

    func flush() {
        guard !out.isEmpty else { return }
        StandardStream.write(out, to: 1)
        out.removeAll(keepingCapacity: true)
    }
}
