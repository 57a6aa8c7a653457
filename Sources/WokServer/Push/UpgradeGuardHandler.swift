import NIOCore
import NIOHTTP1

/// Answers malformed upgrade requests itself (400, JSON body, connection closed): an `Upgrade`
/// header that is not a well-formed WebSocket handshake (no `Sec-WebSocket-Key`, a version other
/// than 13, another protocol). NIO's upgrade handler drops such a request's head when it falls
/// back to plain HTTP, which would leave the client without an answer.
final class UpgradeGuardHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var refusing = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .head(let head) = part, let problem = Self.problem(head) {
            refusing = true
            let body = #"{"error":"bad_request","message":"invalid upgrade request: \#(problem)"}"#
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in loopBound.value.close(promise: nil) }
            return
        }
        if refusing { return }
        context.fireChannelRead(data)
    }

    /// What is wrong with an upgrade request, or nil when it is not one or is well formed.
    static func problem(_ head: HTTPRequestHead) -> String? {
        let upgrade = head.headers["upgrade"]
        guard !upgrade.isEmpty else { return nil }
        guard upgrade.contains(where: { $0.lowercased().contains("websocket") }) else {
            return "only WebSocket upgrades are served"
        }
        guard head.method == .GET else { return "a WebSocket handshake is a GET" }
        guard let key = head.headers.first(name: "sec-websocket-key"), !key.isEmpty else {
            return "Sec-WebSocket-Key is missing"
        }
        guard head.headers.first(name: "sec-websocket-version") == "13" else {
            return "Sec-WebSocket-Version must be 13"
        }
        guard head.headers["connection"].contains(where: { $0.lowercased().contains("upgrade") }) else {
            return "Connection must include Upgrade"
        }
        return nil
    }
}
