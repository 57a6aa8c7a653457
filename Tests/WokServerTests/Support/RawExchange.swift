import NIOCore
import NIOPosix

/// A bare TCP exchange for hand-made requests: writes the bytes in one write (one segment on
/// loopback), then collects what comes back until `done` says so or the server closes.
enum RawExchange {
    static func send(_ bytes: [UInt8], port: Int, until done: @escaping @Sendable ([UInt8]) -> Bool = { _ in false }) async throws -> [UInt8] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: bytes))
            var received: [UInt8] = []
            for try await chunk in inbound {
                received += chunk.readableBytesView
                if done(received) { break }
            }
            return received
        }
    }

    /// A handshake request for `/push` (plus `query`) with `key`, and `extra` header lines.
    static func handshake(query: String = "", key: String = "dGhlIHNhbXBsZSBub25jZQ==", path: String = "/push",
                          extra: String = "") -> [UInt8] {
        Array(("GET \(path)\(query) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\(extra)\r\n").utf8)
    }

    /// A masked client text frame (payload under 126 bytes).
    static func textFrame(_ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        precondition(payload.count < 126)
        let mask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        return [0x81, 0x80 | UInt8(payload.count)] + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }

    /// The HTTP head (up to the blank line) and the bytes after it; nil while the head is incomplete.
    static func splitHead(_ bytes: [UInt8]) -> (head: String, rest: [UInt8])? {
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        guard bytes.count >= 4, let at = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == end }) else { return nil }
        return (String(decoding: bytes[..<at], as: UTF8.self), Array(bytes[(at + 4)...]))
    }

    /// The whole unmasked server frames at the start of `bytes`.
    static func frames(_ bytes: [UInt8]) -> [(opcode: UInt8, payload: [UInt8])] {
        var frames: [(UInt8, [UInt8])] = []
        var at = 0
        while bytes.count - at >= 2 {
            var length = Int(bytes[at + 1] & 0x7F)
            var start = at + 2
            if length == 126 {
                guard bytes.count - at >= 4 else { break }
                length = Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
                start = at + 4
            } else if length == 127 {
                break  // not sent in these tests
            }
            guard bytes.count >= start + length else { break }
            frames.append((bytes[at] & 0x0F, Array(bytes[start..<start + length])))
            at = start + length
        }
        return frames
    }
}
