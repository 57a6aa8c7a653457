import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// The server side of RFC 6455's opening handshake (section 4.2), as pure functions: what to do
/// with a request head, the `Sec-WebSocket-Accept` value, and the 101 response as bytes.
enum WebSocketHandshake {
    /// What the upgrade handler does with a request head.
    enum Decision: Equatable {
        /// No `Upgrade` header: a plain HTTP request, served by Hummingbird.
        case notAnUpgrade
        /// An upgrade request that is not a well-formed WebSocket handshake: 400 and close. The
        /// string says what is wrong.
        case malformed(String)
        /// A well-formed WebSocket handshake to a path other than `/push`: 404 and close.
        case otherPath
        /// A well-formed WebSocket handshake to `/push`, with its `Sec-WebSocket-Key`.
        case push(key: String)
    }

    /// The GUID RFC 6455 appends to the key before hashing.
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// Decides what to do with `head` (RFC 6455 section 4.2.1). Any `Upgrade` header makes the
    /// request an upgrade attempt; it must then be a GET over HTTP/1.1 or later, `Upgrade` must
    /// name `websocket`, `Connection` must carry the `upgrade` token, `Sec-WebSocket-Version` must
    /// be exactly `13`, and there must be exactly one `Sec-WebSocket-Key`, which base64-decodes to
    /// 16 bytes. Only then does the path matter (`/push`, query string ignored).
    static func decide(_ head: HTTPRequestHead) -> Decision {
        guard head.headers.contains(name: "upgrade") else { return .notAnUpgrade }
        guard head.hasToken("websocket", in: "upgrade") else {
            return .malformed("only WebSocket upgrades are served")
        }
        guard head.method == .GET else { return .malformed("a WebSocket handshake is a GET") }
        guard head.version.major == 1, head.version.minor >= 1 else {
            return .malformed("a WebSocket handshake needs HTTP/1.1")
        }
        let keys = head.headers["sec-websocket-key"]
        guard let rawKey = keys.first, !rawKey.isEmpty else { return .malformed("Sec-WebSocket-Key is missing") }
        guard keys.count == 1 else { return .malformed("Sec-WebSocket-Key must be given once") }
        let key = HTTPWhitespace.trimmed(rawKey)
        guard isValidKey(key) else { return .malformed("Sec-WebSocket-Key must be 16 bytes in base64") }
        let versions = head.headers["sec-websocket-version"]
        guard versions.count == 1, HTTPWhitespace.trimmed(versions[0]) == "13" else {
            return .malformed("Sec-WebSocket-Version must be 13")
        }
        guard head.hasToken("upgrade", in: "connection") else {
            return .malformed("Connection must include Upgrade")
        }
        guard head.path == "/push" else { return .otherPath }
        return .push(key: key)
    }

    /// Whether `key` is the base64 form of 16 bytes: 22 characters of the base64 alphabet, then
    /// `==`. (The low 4 bits of the 22nd character are padding; like most servers, this does not
    /// insist that they are zero.)
    static func isValidKey(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard bytes.count == 24, bytes[22] == UInt8(ascii: "="), bytes[23] == UInt8(ascii: "=") else { return false }
        return bytes[..<22].allSatisfy { base64Value($0) != nil }
    }

    /// `Sec-WebSocket-Accept` for `key`: base64(SHA-1(key + GUID)).
    static func acceptValue(forKey key: String) -> String {
        let digest = Insecure.SHA1.hash(data: Array((key + guid).utf8))
        return base64(Array(digest))
    }

    /// The whole `101 Switching Protocols` response for `key`, ready to write below the HTTP encoder.
    static func switchingProtocols(key: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 160)
        buffer.writeStaticString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Accept: ")
        buffer.writeString(acceptValue(forKey: key))
        buffer.writeStaticString("\r\n\r\n")
        return buffer
    }

    // MARK: Helpers

    private static func base64Value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }

    /// Standard base64 with padding (Foundation's encoder).
    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}
