import WokJSON
import WokSchema

/// One `validate --schema|--topic` run: compile the schema, then check every file.
struct ValidateRun {
    let options: SchemaOptions
    let refMap: [String]
    let root: String
    let ndjson: Bool
    let maxBytes: Int
    let report: ValidateReport

    /// Runs and returns the exit status.
    func run(schema: String?, topic: String?, files: [String]) -> Int32 {
        let validator: Validator
        do throws(ValidateFailure) {
            let resolution = try topic.map { topic throws(ValidateFailure) in try TopicResolver(root: root).resolve(topic) }
            validator = try SchemaLoader(options: options, refMap: refMap, maxBytes: maxBytes)
                .compile(resolution?.source ?? SchemaSource.file(schema!))
            // The file compiles here (validate's own draft, format and --ref-map options), yet the router refuses it.
            if let refusal = resolution?.refusal { throw ValidateFailure(refusal, status: 1) }
        } catch {
            ValidateReport.printError(error.message)
            return error.status
        }
        for file in files {
            if ndjson { checkLines(of: file, with: validator) } else { checkDocument(file, with: validator) }
        }
        report.finish()
        return report.exitCode
    }

    /// A file holding one JSON document; errors are placed on the line their instance location starts.
    private func checkDocument(_ file: String, with validator: Validator) {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.read(file, maxBytes: maxBytes)
        } catch {
            let hint = error.reason.contains("limit") ? " (see --max-bytes)" : ""
            report.unreadable("\(file): cannot read: \(error.reason)\(hint)")
            return
        }
        let instance: JSON
        do {
            instance = try JSON.parse(bytes)
        } catch {
            report.unparseable(file: file, line: error.line, message: JSONParseDiagnosis.describe(error, path: file))
            return
        }
        let found = validator.validate(instance)
        let places = JSONSourceLocator.positions(of: Set(found.map(\.instanceLocation)), in: bytes)
        let errors = found.map { ($0, places[$0.instanceLocation]?.line ?? 1) }
        report.instance(file: file, line: 1, errors: errors)
    }

    /// An NDJSON file: one instance per non-blank line.
    private func checkLines(of file: String, with validator: Validator) {
        var reader: NDJSONReader
        do {
            reader = try NDJSONReader(path: file, maxLineBytes: maxBytes, beforeRead: { [report] in report.flush() })
        } catch {
            report.unreadable(error.message)
            return
        }
        defer { reader.close() }
        while true {
            let next: NDJSONReader.Line?
            do {
                next = try reader.next()
            } catch {
                report.unreadable("\(file): \(error.message)")
                return
            }
            guard let line = next else { return }
            switch line {
            case .tooLong(let number):
                report.unparseable(file: file, line: number, message: "\(file):\(number): line longer than \(maxBytes) bytes (--max-bytes)")
            case .text(let number, let bytes):
                guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
                let instance: JSON
                do {
                    instance = try JSON.parse(bytes)
                } catch {
                    report.unparseable(file: file, line: number, message: "\(file):\(number):\(error.column): \(JSONParseDiagnosis.reason(error.message))")
                    continue
                }
                let errors = validator.validate(instance).map { ($0, number) }
                report.instance(file: file, line: number, errors: errors)
            }
        }
    }
}
