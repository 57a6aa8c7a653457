// Times wok-router's parse-only, validate-only and parse+validate per NDJSON document, and the
// compile time of large schemas. Prints one JSON object; run.sh turns it into the table.
//
// Usage: validation-bench SCHEMA NDJSON ROUNDS COMPILE_SCHEMA...
import Foundation
import WokJSON
import WokSchema

let arguments = CommandLine.arguments
guard arguments.count >= 4, let rounds = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: validation-bench SCHEMA NDJSON ROUNDS [COMPILE_SCHEMA...]\n".utf8))
    exit(2)
}
let schema = try JSON.parse(Data(contentsOf: URL(fileURLWithPath: arguments[1])))
let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: arguments[2])))
let compileSchemas = arguments.dropFirst(4).map { try! JSON.parse(Data(contentsOf: URL(fileURLWithPath: $0))) }

// The documents' byte ranges, one per non-empty line.
var lines: [Range<Int>] = []
var start = 0
for (index, byte) in data.enumerated() where byte == 0x0A {
    if index > start { lines.append(start..<index) }
    start = index + 1
}
if start < data.count { lines.append(start..<data.count) }

let validator = try SchemaCompiler().compile(schema)

/// The best (lowest) of `rounds` timings of `body`, in nanoseconds per document.
@MainActor func best(_ body: () -> Int) -> (nsPerDoc: Double, result: Int) {
    var bestNs = UInt64.max
    var result = 0
    for _ in 0..<rounds {
        let t0 = DispatchTime.now().uptimeNanoseconds
        result = body()
        let t1 = DispatchTime.now().uptimeNanoseconds
        bestNs = min(bestNs, t1 - t0)
    }
    return (Double(bestNs) / Double(lines.count), result)
}

let parsed: [JSON] = data.withUnsafeBytes { raw in
    lines.map { try! JSON.parse(UnsafeRawBufferPointer(rebasing: raw[$0])) }
}

let parse = best {
    data.withUnsafeBytes { raw in
        var count = 0
        for line in lines {
            if let doc = try? JSON.parse(UnsafeRawBufferPointer(rebasing: raw[line])), doc.isObject { count += 1 }
        }
        return count
    }
}
let validate = best {
    var valid = 0
    for doc in parsed where validator.isValid(doc) { valid += 1 }
    return valid
}
let parseValidate = best {
    data.withUnsafeBytes { raw in
        var valid = 0
        for line in lines {
            if let doc = try? JSON.parse(UnsafeRawBufferPointer(rebasing: raw[line])), validator.isValid(doc) { valid += 1 }
        }
        return valid
    }
}
// The error path: every document made invalid in one place, full error lists built.
let invalidDocs = parsed.map { $0.setting("status", to: 999) }
let validateErrors = best {
    var errors = 0
    for doc in invalidDocs { errors += validator.validate(doc).count }
    return errors
}

/// Microseconds per compile of `schema` (a fresh compiler each time), best of `rounds` × 20.
@MainActor func compileMicros(_ schema: JSON) -> Double {
    var bestNs = UInt64.max
    for _ in 0..<max(rounds, 3) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<20 { _ = try! SchemaCompiler().compile(schema) }
        bestNs = min(bestNs, (DispatchTime.now().uptimeNanoseconds - t0) / 20)
    }
    return Double(bestNs) / 1000
}
let compiles = compileSchemas.map(compileMicros)

let out: [String] = [
    "\"docs\": \(lines.count)",
    "\"bytes_per_doc\": \(data.count / max(lines.count, 1))",
    "\"parse_ns\": \(parse.nsPerDoc)",
    "\"validate_ns\": \(validate.nsPerDoc)",
    "\"parse_validate_ns\": \(parseValidate.nsPerDoc)",
    "\"validate_errors_ns\": \(validateErrors.nsPerDoc)",
    "\"valid\": \(validate.result)",
    "\"parsed\": \(parse.result)",
    "\"errors\": \(validateErrors.result)",
    "\"compile_us\": [\(compiles.map { String($0) }.joined(separator: ", "))]",
]
print("{" + out.joined(separator: ", ") + "}")
