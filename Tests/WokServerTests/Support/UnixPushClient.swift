import NIOCore
import NIOPosix
import WokJSON

/// A minimal WebSocket client over the router's UNIX socket (hummingbird-websocket's client dials
/// TCP only): the RFC 6455 handshake, masked text frames out, unfragmented frames in.
struct UnixPushSession {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var buffer = ByteBuffer()

    /// A frame from the router.
    enum Frame {
        case text(JSON)
        case close(code: UInt16)
    }

    /// Connects to `path`, runs `body`, closes.
    static func with(path: String, _ body: (inout UnixPushSession) async throws -> Void) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: path) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var session = UnixPushSession(iterator: inbound.makeAsyncIterator(), outbound: outbound)
            try await body(&session)
        }
    }

    private init(iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.iterator = iterator
        self.outbound = outbound
    }

    /// Sends the upgrade request for `/push` and returns the response head's status line.
    mutating func handshake(headers: [(String, String)] = []) async throws -> String {
        var request = "GET /push HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        try await outbound.write(ByteBuffer(string: request + "\r\n"))
        while true {
            let view = buffer.readableBytesView
            if let end = view.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: view[view.startIndex..<end.lowerBound], as: UTF8.self)
                buffer.moveReaderIndex(to: end.upperBound)
                return String(head.split(separator: "\r\n").first ?? "")
            }
            try await fill()
        }
    }

    /// Sends `json` as a masked text frame.
    func send(_ json: JSON) async throws {
        let payload = Array(json.serializedString().utf8)
        let mask: [UInt8] = [0x5A, 0x13, 0xC7, 0x2E]
        var frame = ByteBuffer()
        frame.writeInteger(UInt8(0x81))
        if payload.count < 126 {
            frame.writeInteger(UInt8(0x80 | payload.count))
        } else {
            frame.writeInteger(UInt8(0x80 | 126))
            frame.writeInteger(UInt16(payload.count))
        }
        frame.writeBytes(mask)
        frame.writeBytes(payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        try await outbound.write(frame)
    }

    /// The next text or close frame (pings are skipped).
    mutating func next() async throws -> Frame {
        while true {
            let (opcode, payload) = try await readFrame()
            switch opcode {
            case 0x1: return .text(try JSON.parse(payload))
            case 0x8:
                let code = payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : 1005
                return .close(code: code)
            default: continue
            }
        }
    }

    /// The next text frame, which must come.
    mutating func expectText() async throws -> JSON {
        switch try await next() {
        case .text(let json): return json
        case .close(let code): throw TestFailure("closed with \(code)")
        }
    }

    private mutating func readFrame() async throws -> (UInt8, [UInt8]) {
        while true {
            var peek = buffer
            if let first = peek.readInteger(as: UInt8.self), let second = peek.readInteger(as: UInt8.self) {
                var length = Int(second & 0x7F)
                var complete = true
                if length == 126 {
                    if let l = peek.readInteger(as: UInt16.self) { length = Int(l) } else { complete = false }
                } else if length == 127 {
                    if let l = peek.readInteger(as: UInt64.self) { length = Int(l) } else { complete = false }
                }
                if complete, let payload = peek.readBytes(length: length) {
                    buffer = peek
                    return (first & 0x0F, payload)
                }
            }
            try await fill()
        }
    }

    private mutating func fill() async throws {
        guard var more = try await iterator.next() else { throw TestFailure("the socket closed") }
        buffer.writeBuffer(&more)
    }
}
