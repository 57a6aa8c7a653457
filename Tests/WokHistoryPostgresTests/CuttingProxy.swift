import Foundation
import NIOCore
import NIOPosix

/// A TCP proxy on loopback between a store and the test server, that cuts or stalls connections
/// at chosen moments (what a network or a server crash does, at a moment a test can choose).
///
/// - `cutNextAnswer()`: the next connection that sends something forwards it to the server, and
///   is closed on both sides when the server's answer comes, without forwarding it (the server
///   did the work; the client never hears of it).
/// - `holdNextRequest()`: the next bytes a client sends are kept back, and its connection to the
///   client is closed; the server side stays open until `releaseHeld()` forwards them (a
///   statement that reaches the server after its client gave up).
/// - `pause()` / `resume()`: stops and restarts reading on every connection (a stalled network).
final class CuttingProxy: @unchecked Sendable {
    private enum Mode { case forward, cutNextAnswer, swallowNextAnswer, holdNextRequest }

    fileprivate final class Pair: @unchecked Sendable {
        var client: (any Channel)?
        var server: (any Channel)?
        var pendingToServer: [ByteBuffer] = []
        /// Armed by `cutNextAnswer`: the server's next bytes end both connections.
        var cutOnAnswer = false
        /// Its client bytes were held back by `holdNextRequest`.
        var heldBack = false
        /// Armed by `swallowNextAnswer`: the server's bytes are dropped from now on.
        var swallowing = false
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let lock = NSLock()
    private var mode = Mode.forward
    private var pairs: [Pair] = []
    private var paused = false
    private var held: (server: any Channel, bytes: [ByteBuffer])?
    private var listener: (any Channel)?
    private let target: SocketAddress
    /// Answers cut so far.
    private(set) var cuts = 0
    /// Answers the server sent to bytes released by `releaseHeld()`.
    private(set) var answersToReleased = 0

    /// Starts listening on a free loopback port, forwarding to `host:port`.
    init(to host: String, port: Int) throws {
        target = try SocketAddress.makeAddressResolvingHost(host, port: port)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [unowned self] channel in
                channel.eventLoop.makeCompletedFuture { try self.accept(channel) }
            }
        listener = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
    }

    /// The port clients connect to.
    var port: Int { listener?.localAddress?.port ?? 0 }

    /// `url` (a postgres:// URL) pointing at this proxy instead.
    func rewrite(_ url: String) -> String {
        var components = URLComponents(string: url)!
        components.host = "127.0.0.1"
        components.port = port
        return components.string!
    }

    func cutNextAnswer() { withLock { mode = .cutNextAnswer } }
    /// The next connection that sends something forwards it, and from then on hears nothing back
    /// (a network that went silent: no FIN, no RST).
    func swallowNextAnswer() { withLock { mode = .swallowNextAnswer } }
    func holdNextRequest() { withLock { mode = .holdNextRequest } }

    /// Whether held bytes are waiting for `releaseHeld()`.
    var holding: Bool { withLock { held != nil } }

    /// Forwards the bytes kept back by `holdNextRequest` to the server.
    func releaseHeld() {
        guard let (server, bytes) = withLock({ () -> (any Channel, [ByteBuffer])? in
            defer { held = nil }
            return held
        }) else { return }
        for buffer in bytes { server.write(buffer, promise: nil) }
        server.flush()
    }

    /// Stops reading on every connection (and on those accepted later) until `resume()`.
    func pause() { setReading(false) }
    func resume() { setReading(true) }

    func shutdown() {
        let channels = withLock { pairs.flatMap { [$0.client, $0.server].compactMap { $0 } } + [listener].compactMap { $0 } + [held?.server].compactMap { $0 } }
        for channel in channels { try? channel.close().wait() }
        try? group.syncShutdownGracefully()
    }

    private func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func setReading(_ on: Bool) {
        let channels = withLock { () -> [any Channel] in
            paused = !on
            return pairs.flatMap { [$0.client, $0.server].compactMap { $0 } }
        }
        // Waited for: once this returns, nothing more is read (a test's next step relies on it).
        for channel in channels { try? channel.setOption(ChannelOptions.autoRead, value: on).wait() }
    }

    private func accept(_ client: any Channel) throws {
        let pair = Pair()
        pair.client = client
        let paused = withLock { () -> Bool in
            pairs.append(pair)
            return self.paused
        }
        if paused { try client.syncOptions?.setOption(ChannelOptions.autoRead, value: false) }
        try client.pipeline.syncOperations.addHandler(Side(proxy: self, pair: pair, fromClient: true))
        ClientBootstrap(group: group)
            .channelInitializer { [unowned self] server in
                server.eventLoop.makeCompletedFuture {
                    if self.withLock({ self.paused }) { try server.syncOptions?.setOption(ChannelOptions.autoRead, value: false) }
                    try server.pipeline.syncOperations.addHandler(Side(proxy: self, pair: pair, fromClient: false))
                }
            }
            .connect(to: target)
            .whenComplete { result in
                switch result {
                case .success(let server):
                    client.eventLoop.execute {
                        pair.server = server
                        for buffer in pair.pendingToServer { server.write(buffer, promise: nil) }
                        pair.pendingToServer = []
                        server.flush()
                    }
                case .failure:
                    client.close(promise: nil)
                }
            }
    }

    /// Bytes read on one side of `pair`.
    fileprivate func read(_ buffer: ByteBuffer, pair: Pair, fromClient: Bool) {
        if fromClient {
            let action = withLock { () -> Mode in
                let current = mode
                switch current {
                case .forward: break
                case .cutNextAnswer: pair.cutOnAnswer = true
                case .swallowNextAnswer: pair.swallowing = true
                case .holdNextRequest: break
                }
                if current != .forward { mode = .forward }
                return current
            }
            if action == .holdNextRequest, let server = pair.server {
                withLock { held = (server, [buffer]); pair.heldBack = true }
                pair.client?.close(promise: nil)
                return
            }
            guard let server = pair.server else {
                pair.pendingToServer.append(buffer)
                return
            }
            server.writeAndFlush(buffer, promise: nil)
        } else {
            if pair.heldBack {
                withLock { answersToReleased += 1 }
                return
            }
            if pair.swallowing { return }
            if pair.cutOnAnswer {
                pair.cutOnAnswer = false
                withLock { cuts += 1 }
                pair.client?.close(promise: nil)
                pair.server?.close(promise: nil)
                return
            }
            pair.client?.writeAndFlush(buffer, promise: nil)
        }
    }

    /// One side closed: close the other (unless its bytes are held).
    fileprivate func closed(pair: Pair, fromClient: Bool) {
        if pair.heldBack { return }
        if fromClient { pair.server?.close(promise: nil) } else { pair.client?.close(promise: nil) }
    }

    private final class Side: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let proxy: CuttingProxy
        let pair: Pair
        let fromClient: Bool
        init(proxy: CuttingProxy, pair: Pair, fromClient: Bool) {
            self.proxy = proxy
            self.pair = pair
            self.fromClient = fromClient
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            proxy.read(unwrapInboundIn(data), pair: pair, fromClient: fromClient)
        }
        func channelInactive(context: ChannelHandlerContext) {
            proxy.closed(pair: pair, fromClient: fromClient)
            context.fireChannelInactive()
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}
