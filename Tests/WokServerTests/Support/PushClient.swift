import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import WokJSON

/// A `/push` test session over hummingbird-websocket's client (not our code). Tests run under a
/// time limit, so a frame that never comes fails the test instead of hanging it.
struct PushSession {
    let outbound: WebSocketOutboundWriter
    var iterator: WebSocketInboundMessageStream.AsyncIterator

    /// Sends a JSON frame.
    func send(_ json: JSON) async throws {
        try await outbound.write(.text(json.serializedString()))
    }

    /// Sends a binary frame.
    func send(binary: [UInt8]) async throws {
        try await outbound.write(.binary(ByteBuffer(bytes: binary)))
    }

    /// Sends raw text.
    func send(text: String) async throws {
        try await outbound.write(.text(text))
    }

    /// The next text frame as JSON; nil when the socket closed.
    mutating func next() async throws -> JSON? {
        guard let message = try await iterator.next() else { return nil }
        switch message {
        case .text(let text): return try JSON.parse(text)
        case .binary: throw TestFailure("unexpected binary frame")
        }
    }

    /// The next frame, which must exist.
    mutating func expectFrame() async throws -> JSON {
        guard let frame = try await next() else { throw TestFailure("the socket closed") }
        return frame
    }

    /// Every frame up to a `pong` answering a ping sent now (a barrier: what the router had
    /// queued for this socket before the ping).
    mutating func drain(ref: String = "barrier") async throws -> [JSON] {
        try await send(["type": "ping", "ref": .string(ref)])
        var frames: [JSON] = []
        while let frame = try await next() {
            if frame["type"]?.string == "pong", frame["ref"]?.string == ref { return frames }
            frames.append(frame)
        }
        throw TestFailure("the socket closed before the pong")
    }
}

extension TestServer {
    /// Opens `/push` (with `query`, `headers`), runs `body`, and returns the close code the
    /// router sent (nil when the client closed first).
    @discardableResult
    func push(query: String = "", headers: [(String, String)] = [], maxFrame: Int = 1 << 20,
              _ body: @escaping @Sendable (inout PushSession) async throws -> Void) async throws -> WebSocketErrorCode? {
        var logger = Logger(label: "push-test-client")
        logger.logLevel = .warning
        var fields = HTTPFields()
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        let close = try await WebSocketClient.connect(
            url: pushURL + query, configuration: .init(maxFrameSize: maxFrame, additionalHeaders: fields), logger: logger
        ) { inbound, outbound, _ in
            var session = PushSession(outbound: outbound, iterator: inbound.messages(maxSize: maxFrame).makeAsyncIterator())
            try await body(&session)
        }
        return close?.closeCode
    }
}
