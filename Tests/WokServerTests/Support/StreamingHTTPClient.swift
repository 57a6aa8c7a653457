import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Opens a streaming GET (for SSE) and yields the body as it arrives.
enum StreamingHTTPClient {
    static func get(port: Int, path: String, headers: [(String, String)] = []) async throws -> (status: Int, body: AsyncStream<String>, channel: any Channel) {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let group = MultiThreadedEventLoopGroup.singleton
        let statusPromise = group.next().makePromise(of: Int.self)
        let channel = try await ClientBootstrap(group: group).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(Streamer(status: statusPromise, continuation: continuation))
            }
        }.connect(host: "127.0.0.1", port: port).get()
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: "localhost")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        let status = try await statusPromise.futureResult.get()
        return (status, stream, channel)
    }

    private final class Streamer: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        let status: EventLoopPromise<Int>
        let continuation: AsyncStream<String>.Continuation
        init(status: EventLoopPromise<Int>, continuation: AsyncStream<String>.Continuation) {
            self.status = status
            self.continuation = continuation
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): status.succeed(Int(head.status.code))
            case .body(let buffer): continuation.yield(String(buffer: buffer))
            case .end: continuation.finish()
            }
        }
        func channelInactive(context: ChannelHandlerContext) {
            status.fail(ChannelError.eof)
            continuation.finish()
        }
    }
}

/// Splits an SSE byte stream into events.
struct SSEParser {
    struct Event { var id: String?; var event: String?; var data: String }
    private var pending = ""

    mutating func feed(_ text: String) -> [Event] {
        pending += text
        var events: [Event] = []
        while let range = pending.range(of: "\n\n") {
            let block = String(pending[..<range.lowerBound])
            pending = String(pending[range.upperBound...])
            var event = Event(id: nil, event: nil, data: "")
            var hasData = false
            for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("id: ") { event.id = String(line.dropFirst(4)) }
                else if line.hasPrefix("event: ") { event.event = String(line.dropFirst(7)) }
                else if line.hasPrefix("data: ") { event.data += String(line.dropFirst(6)); hasData = true }
            }
            if hasData { events.append(event) }
        }
        return events
    }
}
