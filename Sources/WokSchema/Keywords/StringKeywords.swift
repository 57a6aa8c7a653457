import CJansson

/// `minLength` / `maxLength`, counted in Unicode code points.
final class LengthKeyword: Keyword {
    let limit: Int
    let isMinimum: Bool
    let absolute: String?

    init(limit: Int, isMinimum: Bool, absolute: String?) {
        self.limit = limit
        self.isMinimum = isMinimum
        self.absolute = absolute
    }

    @inline(__always) override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_STRING else { return true }
        let bytes = json_string_length(instance)
        if isMinimum {
            if bytes < limit { return false }
            if bytes >= limit * 4 { return true }
            return Raw.codePointCount(instance) >= limit
        }
        if bytes <= limit { return true }
        return Raw.codePointCount(instance) <= limit
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard !isValid(instance, &ctx) else { return }
        if isMinimum {
            sink.add(at, "minLength", absolute, "\(Raw.describe(instance)) is shorter than \(limit) character\(limit == 1 ? "" : "s")")
        } else {
            sink.add(at, "maxLength", absolute, "\(Raw.describe(instance)) is longer than \(limit) character\(limit == 1 ? "" : "s")")
        }
    }
}

/// `pattern`: an ECMA-262 regular expression searched in the string, at a bounded cost.
final class PatternKeyword: Keyword {
    let regex: ECMARegex
    let absolute: String?

    init(regex: ECMARegex, absolute: String?) {
        self.regex = regex
        self.absolute = absolute
    }

    @inline(__always) override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_STRING else { return true }
        return regex.search(validUTF8: Raw.stringBytes(instance)) == .match
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_STRING else { return }
        switch regex.search(validUTF8: Raw.stringBytes(instance)) {
        case .match: return
        case .noMatch:
            sink.add(at, "pattern", absolute, "\(Raw.describe(instance)) does not match \"\(regex.pattern)\"")
        case .limitExceeded:
            sink.add(at, "pattern", absolute, "pattern \"\(regex.pattern)\" was too costly to evaluate against \(Raw.describe(instance, limit: 40))")
        }
    }
}

/// `format`: a named format, asserted (the annotation-only case compiles to nothing).
final class FormatKeyword: Keyword {
    let format: String
    let draft: Draft
    let absolute: String?

    init(format: String, draft: Draft, absolute: String?) {
        self.format = format
        self.draft = draft
        self.absolute = absolute
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        FormatChecker.check(format, JSONBridge.json(instance), draft: draft) ?? true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard !isValid(instance, &ctx) else { return }
        sink.add(at, "format", absolute, "\(Raw.describe(instance)) is not a valid \"\(format)\"")
    }
}

/// Draft 7 `contentEncoding` / `contentMediaType` as assertions: base64 and JSON.
final class ContentKeyword: Keyword {
    let base64: Bool
    let json: Bool
    let absolute: String?

    init(base64: Bool, json: Bool, absolute: String?) {
        self.base64 = base64
        self.json = json
        self.absolute = absolute
    }

    private func decoded(_ instance: RawJSON) -> [UInt8]? {
        let bytes = Raw.stringBytes(instance)
        return base64 ? Base64.decode(bytes) : Array(bytes)
    }

    override func isValid(_ instance: RawJSON, _ ctx: inout EvalContext) -> Bool {
        guard wok_json_typeof(instance) == JSON_STRING else { return true }
        guard let data = decoded(instance) else { return false }
        if json { return (try? JSONBridge.parse(data)) != nil }
        return true
    }

    override func validate(_ instance: RawJSON, _ ctx: inout EvalContext, _ at: Location, _ sink: inout ErrorSink) {
        guard wok_json_typeof(instance) == JSON_STRING else { return }
        guard let data = decoded(instance) else {
            sink.add(at, "contentEncoding", absolute, "\(Raw.describe(instance)) is not valid base64")
            return
        }
        if json, (try? JSONBridge.parse(data)) == nil {
            sink.add(at, "contentMediaType", absolute, "\(Raw.describe(instance)) is not valid \"application/json\"")
        }
    }
}

/// RFC 4648 base64 (with padding) decoding.
enum Base64 {
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        var acc: UInt32 = 0, bits = 0, padding = 0
        for b in bytes {
            let v: UInt32
            switch b {
            case 65...90: v = UInt32(b - 65)
            case 97...122: v = UInt32(b - 71)
            case 48...57: v = UInt32(b + 4)
            case 43: v = 62
            case 47: v = 63
            case 61: padding += 1; continue
            case 10, 13: continue
            default: return nil
            }
            if padding > 0 { return nil }
            acc = acc << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> UInt32(bits)) & 0xFF))
            }
        }
        if padding > 2 { return nil }
        return out
    }
}
