import NIOCore
import WokRouterCore

/// Builds complete server-to-client WebSocket frames (header and payload in one buffer), so the
/// same bytes can be written to many sockets below the frame encoder.
enum PreFramed {
    static let allocator = ByteBufferAllocator()

    /// A final, unmasked frame with `opcode` (0x1 text, 0x8 close, 0x9 ping, 0xA pong).
    static func frame(opcode: UInt8, payload: some Collection<UInt8>) -> ByteBuffer {
        let count = payload.count
        var buffer = allocator.buffer(capacity: count + 10)
        buffer.writeInteger(0x80 | opcode)
        if count < 126 {
            buffer.writeInteger(UInt8(count))
        } else if count <= Int(UInt16.max) {
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(count))
        } else {
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(count))
        }
        buffer.writeBytes(payload)
        return buffer
    }

    /// A text frame carrying `json`.
    static func text(_ json: [UInt8]) -> ByteBuffer { frame(opcode: 0x1, payload: json) }

    /// A close frame with `code` and a short reason.
    static func close(code: UInt16, reason: String) -> ByteBuffer {
        var payload: [UInt8] = [UInt8(code >> 8), UInt8(code & 0xFF)]
        payload.append(contentsOf: reason.utf8.prefix(120))
        return frame(opcode: 0x8, payload: payload)
    }

    /// The cache key of the pre-framed notification on ``EncodedNotification``.
    static let cacheKey = "websocket"

    /// The notification's text frame, built once per notification.
    static func notification(_ n: EncodedNotification) -> ByteBuffer {
        n.cached(for: cacheKey) { text(n.frame) }
    }
}
