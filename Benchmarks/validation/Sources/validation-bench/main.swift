// Times wok-router's parse-only, validate-only and parse+validate per NDJSON document, and the
// compile time of large schemas. Prints one JSON object; run.sh turns it into the table.
//
// Usage: validation-bench SCHEMA NDJSON ROUNDS COMPILE_SCHEMA...
import CJansson
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

/// Documents per timed chunk: each chunk's best of `rounds` counts, so a burst of load from
/// other processes on a shared machine spoils one chunk of one round, not the figure.
let chunk = 1_000

/// Nanoseconds per document of `body(range of documents)`, summing each chunk's best round;
/// and the results summed over the documents (from the last round).
@MainActor func best(_ body: (Range<Int>) -> Int) -> (nsPerDoc: Double, result: Int) {
    let chunks = stride(from: 0, to: lines.count, by: chunk).map { $0..<min($0 + chunk, lines.count) }
    var bestNs = [UInt64](repeating: .max, count: chunks.count)
    var result = 0
    for _ in 0..<rounds {
        result = 0
        for (k, range) in chunks.enumerated() {
            let t0 = DispatchTime.now().uptimeNanoseconds
            result += body(range)
            bestNs[k] = min(bestNs[k], DispatchTime.now().uptimeNanoseconds - t0)
        }
    }
    return (Double(bestNs.reduce(0, +)) / Double(lines.count), result)
}

let parsed: [JSON] = data.withUnsafeBytes { raw in
    lines.map { try! JSON.parse(UnsafeRawBufferPointer(rebasing: raw[$0])) }
}

let parse = best { range in
    data.withUnsafeBytes { raw in
        var count = 0
        for line in lines[range] {
            if let doc = try? JSON.parse(UnsafeRawBufferPointer(rebasing: raw[line])), doc.isObject { count += 1 }
        }
        return count
    }
}
// jansson alone, called from C's side of the wrapper: what WokJSON's JSON value adds on top.
let rawParse = best { range in
    data.withUnsafeBytes { raw in
        var count = 0
        var error = json_error_t()
        for line in lines[range] {
            let slice = UnsafeRawBufferPointer(rebasing: raw[line])
            if let value = json_loadb(slice.baseAddress!.assumingMemoryBound(to: CChar.self), slice.count, 0, &error) {
                count += 1
                json_decref(value)
            }
        }
        return count
    }
}
let validate = best { range in
    var valid = 0
    for doc in parsed[range] where validator.isValid(doc) { valid += 1 }
    return valid
}
let parseValidate = best { range in
    data.withUnsafeBytes { raw in
        var valid = 0
        for line in lines[range] {
            if let doc = try? JSON.parse(UnsafeRawBufferPointer(rebasing: raw[line])), validator.isValid(doc) { valid += 1 }
        }
        return valid
    }
}
// The error path: every document made invalid in one place, full error lists built.
let invalidDocs = parsed.map { $0.setting("status", to: 999) }
let validateErrors = best { range in
    var errors = 0
    for doc in invalidDocs[range] { errors += validator.validate(doc).count }
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
    "\"raw_jansson_ns\": \(rawParse.nsPerDoc)",
    "\"validate_ns\": \(validate.nsPerDoc)",
    "\"parse_validate_ns\": \(parseValidate.nsPerDoc)",
    "\"validate_errors_ns\": \(validateErrors.nsPerDoc)",
    "\"valid\": \(validate.result)",
    "\"parsed\": \(parse.result)",
    "\"errors\": \(validateErrors.result)",
    "\"compile_us\": [\(compiles.map { String($0) }.joined(separator: ", "))]",
]
print("{" + out.joined(separator: ", ") + "}")
