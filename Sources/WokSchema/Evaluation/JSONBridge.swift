import WokJSON

/// Crossing from raw jansson values back to `JSON`, off the hot path.
enum JSONBridge {
    static func json(_ raw: RawJSON) -> JSON { JSON(retaining: raw) }
    static func parse(_ bytes: [UInt8]) throws -> JSON { try JSON.parse(bytes) }
}
