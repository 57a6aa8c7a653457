import CJansson

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
