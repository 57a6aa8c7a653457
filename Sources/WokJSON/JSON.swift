import CJansson

/// An immutable JSON value backed by a jansson `json_t`.
///
/// A `JSON` keeps the whole document it came from alive: values reached through
/// subscripts share their root's storage, so walking a document allocates nothing
/// and takes no jansson references. Integers (`Int64`) and reals (`Double`) stay
/// distinct, as the JSON text wrote them.
///
/// Values are never mutated after construction; build new ones with the
/// `JSON.object(_:)`, `JSON.array(_:)` and scalar factories.
public struct JSON: @unchecked Sendable {
    /// The jansson value. Valid while this `JSON` (or a copy) lives; do not decref it.
    public let raw: UnsafeMutablePointer<json_t>
    @usableFromInline let owner: JSONOwner

    /// Wraps a value that belongs to `owner`'s document.
    @inlinable init(borrowing raw: UnsafeMutablePointer<json_t>, owner: JSONOwner) {
        self.raw = raw
        self.owner = owner
    }

    /// Takes over one reference to `raw` (a "new" reference in jansson's terms).
    public init(adopting raw: UnsafeMutablePointer<json_t>) {
        self.raw = raw
        self.owner = JSONOwner(raw)
    }

    /// Takes a new reference to a value owned elsewhere (jansson "borrowed" reference).
    public init(retaining raw: UnsafeMutablePointer<json_t>) {
        self.init(adopting: json_incref(raw)!)
    }
}

/// Owns one jansson reference to a document root and releases it when the last `JSON` goes.
public final class JSONOwner: @unchecked Sendable {
    let root: UnsafeMutablePointer<json_t>
    init(_ root: UnsafeMutablePointer<json_t>) { self.root = root }
    deinit { json_decref(root) }
}

// MARK: - Kinds and scalar access

extension JSON {
    /// The kind of a JSON value; `integer` and `real` are both JSON numbers.
    public enum Kind: Sendable, Hashable {
        case object, array, string, integer, real, `true`, `false`, null
    }

    /// This value's kind.
    @inlinable public var kind: Kind {
        switch wok_json_typeof(raw) {
        case JSON_OBJECT: .object
        case JSON_ARRAY: .array
        case JSON_STRING: .string
        case JSON_INTEGER: .integer
        case JSON_REAL: .real
        case JSON_TRUE: .true
        case JSON_FALSE: .false
        default: .null
        }
    }

    @inlinable public var isObject: Bool { wok_json_typeof(raw) == JSON_OBJECT }
    @inlinable public var isArray: Bool { wok_json_typeof(raw) == JSON_ARRAY }
    @inlinable public var isString: Bool { wok_json_typeof(raw) == JSON_STRING }
    @inlinable public var isNumber: Bool { let t = wok_json_typeof(raw); return t == JSON_INTEGER || t == JSON_REAL }
    @inlinable public var isBool: Bool { let t = wok_json_typeof(raw); return t == JSON_TRUE || t == JSON_FALSE }
    @inlinable public var isNull: Bool { wok_json_typeof(raw) == JSON_NULL }

    /// The string's text, or nil when this is not a string.
    public var string: String? {
        guard isString else { return nil }
        let length = json_string_length(raw)
        let base = json_string_value(raw)!
        return base.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// Calls `body` with the string's UTF-8 bytes (no copy), or returns nil when this is not a string.
    @inlinable public func withUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        guard isString else { return nil }
        let length = json_string_length(raw)
        return try json_string_value(raw)!.withMemoryRebound(to: UInt8.self, capacity: Swift.max(length, 1)) {
            try body(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// The integer, when this is a JSON integer (not a real, even a whole one).
    @inlinable public var int: Int64? { wok_json_typeof(raw) == JSON_INTEGER ? Int64(json_integer_value(raw)) : nil }

    /// The number as a `Double`, for integers and reals alike.
    @inlinable public var double: Double? {
        switch wok_json_typeof(raw) {
        case JSON_INTEGER: Double(json_integer_value(raw))
        case JSON_REAL: json_real_value(raw)
        default: nil
        }
    }

    /// The boolean, or nil when this is not `true` or `false`.
    @inlinable public var bool: Bool? {
        switch wok_json_typeof(raw) {
        case JSON_TRUE: true
        case JSON_FALSE: false
        default: nil
        }
    }
}

// MARK: - Objects and arrays

extension JSON {
    /// The number of members of an object or elements of an array; 0 for anything else.
    @inlinable public var count: Int {
        switch wok_json_typeof(raw) {
        case JSON_OBJECT: json_object_size(raw)
        case JSON_ARRAY: json_array_size(raw)
        default: 0
        }
    }

    /// The member named `key`, or nil when absent or when this is not an object.
    @inlinable public subscript(key: String) -> JSON? {
        guard wok_json_typeof(raw) == JSON_OBJECT else { return nil }
        var key = key
        return key.withUTF8 { bytes -> JSON? in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                guard let value = json_object_getn(raw, chars.baseAddress ?? emptyCString, chars.count) else { return nil }
                return JSON(borrowing: value, owner: owner)
            }
        }
    }

    /// The element at `index`, or nil when out of range or when this is not an array.
    @inlinable public subscript(index: Int) -> JSON? {
        guard wok_json_typeof(raw) == JSON_ARRAY, index >= 0,
              let value = json_array_get(raw, index) else { return nil }
        return JSON(borrowing: value, owner: owner)
    }

    /// The elements of an array; empty for anything else.
    public var elements: JSONElements { JSONElements(array: self) }

    /// The members of an object in document order; empty for anything else.
    public var members: JSONMembers { JSONMembers(object: self) }

    /// The keys of an object in document order.
    public var keys: [String] { members.map(\.key) }
}

/// The elements of a JSON array, as a random-access collection.
public struct JSONElements: RandomAccessCollection, Sendable {
    let array: JSON
    public var startIndex: Int { 0 }
    public var endIndex: Int { array.isArray ? json_array_size(array.raw) : 0 }
    public subscript(position: Int) -> JSON {
        JSON(borrowing: json_array_get(array.raw, position)!, owner: array.owner)
    }
}

/// The members of a JSON object, in document order.
public struct JSONMembers: Sequence, Sendable {
    let object: JSON

    public struct Iterator: IteratorProtocol {
        let object: JSON
        var iter: UnsafeMutableRawPointer?

        public mutating func next() -> (key: String, value: JSON)? {
            guard let current = iter else { return nil }
            let length = json_object_iter_key_len(current)
            let key = json_object_iter_key(current)!.withMemoryRebound(to: UInt8.self, capacity: Swift.max(length, 1)) {
                String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
            }
            let value = JSON(borrowing: json_object_iter_value(current)!, owner: object.owner)
            iter = json_object_iter_next(object.raw, current)
            return (key, value)
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(object: object, iter: object.isObject ? json_object_iter(object.raw) : nil)
    }

    public var underestimatedCount: Int { object.count }
}

/// A valid pointer to an empty C string, for empty buffers whose base address is nil.
@usableFromInline nonisolated(unsafe) let emptyCString: UnsafePointer<CChar> = {
    let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    pointer.pointee = 0
    return UnsafePointer(pointer)
}()
