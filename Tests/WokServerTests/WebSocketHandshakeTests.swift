import NIOCore
import NIOHTTP1
import Testing
@testable import WokServer

/// `WebSocketHandshake`: which first requests become push sockets, which are refused and why,
/// and the `Sec-WebSocket-Accept` value (RFC 6455 section 4.2).
struct WebSocketHandshakeTests {
    static let key = "dGhlIHNhbXBsZSBub25jZQ=="

    /// A well-formed handshake to `/push`, with `changes` applied.
    static func head(method: HTTPMethod = .GET, uri: String = "/push", version: HTTPVersion = .http1_1,
                     _ changes: (inout HTTPHeaders) -> Void = { _ in }) -> HTTPRequestHead {
        var headers = HTTPHeaders([
            ("Host", "127.0.0.1"), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13"),
        ])
        changes(&headers)
        return HTTPRequestHead(version: version, method: method, uri: uri, headers: headers)
    }

    @Test func rfc6455SampleKeyGivesTheSampleAcceptValue() {
        #expect(WebSocketHandshake.acceptValue(forKey: Self.key) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func switchingProtocolsResponseCarriesTheAcceptValue() {
        let bytes = WebSocketHandshake.switchingProtocols(key: Self.key, allocator: ByteBufferAllocator())
        #expect(String(buffer: bytes) == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
    }

    @Test(arguments: [
        ([UInt8](), ""), ([0x66], "Zg=="), ([0x66, 0x6F], "Zm8="), ([0x66, 0x6F, 0x6F], "Zm9v"),
        (Array("foobar".utf8), "Zm9vYmFy"), ([0xFB, 0xFF], "+/8="),
    ])
    func base64MatchesRFC4648(bytes: [UInt8], encoded: String) {
        #expect(WebSocketHandshake.base64(bytes) == encoded)
    }

    @Test func wellFormedHandshakeToPushIsAccepted() {
        #expect(WebSocketHandshake.decide(Self.head()) == .push(key: Self.key))
    }

    @Test func queryStringAndTokenListsAreAccepted() {
        let head = Self.head(uri: "/push?token=abc") { headers in
            headers.replaceOrAdd(name: "Connection", value: "keep-alive, Upgrade")
            headers.replaceOrAdd(name: "Upgrade", value: "WebSocket")
        }
        #expect(WebSocketHandshake.decide(head) == .push(key: Self.key))
        // Connection's tokens may also come on separate lines.
        let split = Self.head { headers in
            headers.replaceOrAdd(name: "Connection", value: "keep-alive")
            headers.add(name: "Connection", value: "upgrade")
        }
        #expect(WebSocketHandshake.decide(split) == .push(key: Self.key))
    }

    @Test func requestWithoutUpgradeIsPlainHTTP() {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/push", headers: ["Host": "x", "Connection": "Upgrade"])
        #expect(WebSocketHandshake.decide(head) == .notAnUpgrade)
        #expect(WebSocketHandshake.decide(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/notifications")) == .notAnUpgrade)
    }

    @Test func wellFormedHandshakeToAnotherPathIsNotFound() {
        #expect(WebSocketHandshake.decide(Self.head(uri: "/pushx")) == .otherPath)
        #expect(WebSocketHandshake.decide(Self.head(uri: "/push/")) == .otherPath)
        #expect(WebSocketHandshake.decide(Self.head(uri: "/healthz?x=/push")) == .otherPath)
    }

    /// Each malformed handshake is refused with the reason, whatever its path.
    @Test(arguments: [
        ("another protocol", Self.head { $0.replaceOrAdd(name: "Upgrade", value: "h2c") }, "only WebSocket upgrades are served"),
        ("websocket as a substring", Self.head { $0.replaceOrAdd(name: "Upgrade", value: "websocketx") }, "only WebSocket upgrades are served"),
        ("POST", Self.head(method: .POST), "a WebSocket handshake is a GET"),
        ("HTTP/1.0", Self.head(version: .http1_0), "a WebSocket handshake needs HTTP/1.1"),
        ("no key", Self.head { $0.remove(name: "Sec-WebSocket-Key") }, "Sec-WebSocket-Key is missing"),
        ("empty key", Self.head { $0.replaceOrAdd(name: "Sec-WebSocket-Key", value: "") }, "Sec-WebSocket-Key is missing"),
        ("two keys", Self.head { $0.add(name: "Sec-WebSocket-Key", value: Self.key) }, "Sec-WebSocket-Key must be given once"),
        ("15-byte key", Self.head { $0.replaceOrAdd(name: "Sec-WebSocket-Key", value: "dGhlIHNhbXBsZSBub25jZQ=") },
         "Sec-WebSocket-Key must be 16 bytes in base64"),
        ("17-byte key", Self.head { $0.replaceOrAdd(name: "Sec-WebSocket-Key", value: "dGhlIHNhbXBsZSBub25jZTE=") },
         "Sec-WebSocket-Key must be 16 bytes in base64"),
        ("key outside the alphabet", Self.head { $0.replaceOrAdd(name: "Sec-WebSocket-Key", value: "dGhlIHNhbXBsZSBub25j*Q==") },
         "Sec-WebSocket-Key must be 16 bytes in base64"),
        ("no version", Self.head { $0.remove(name: "Sec-WebSocket-Version") }, "Sec-WebSocket-Version must be 13"),
        ("version 8", Self.head { $0.replaceOrAdd(name: "Sec-WebSocket-Version", value: "8") }, "Sec-WebSocket-Version must be 13"),
        ("two versions", Self.head { $0.add(name: "Sec-WebSocket-Version", value: "13") }, "Sec-WebSocket-Version must be 13"),
        ("no Connection", Self.head { $0.remove(name: "Connection") }, "Connection must include Upgrade"),
        ("Connection without the token", Self.head { $0.replaceOrAdd(name: "Connection", value: "keep-alive, upgraded") },
         "Connection must include Upgrade"),
        ("other path, malformed", Self.head(uri: "/healthz") { $0.remove(name: "Sec-WebSocket-Key") }, "Sec-WebSocket-Key is missing"),
    ])
    func malformedHandshakeIsRefusedWithItsReason(name: String, head: HTTPRequestHead, reason: String) {
        #expect(WebSocketHandshake.decide(head) == .malformed(reason), "\(name)")
    }

    @Test func surroundingWhitespaceInKeyAndVersionIsIgnored() {
        let head = Self.head { headers in
            headers.replaceOrAdd(name: "Sec-WebSocket-Key", value: " \(Self.key)\t")
            headers.replaceOrAdd(name: "Sec-WebSocket-Version", value: " 13 ")
        }
        #expect(WebSocketHandshake.decide(head) == .push(key: Self.key))
    }
}
