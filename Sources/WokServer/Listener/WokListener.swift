import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOExtras
import NIOHTTPTypes
import NIOPosix
import ServiceLifecycle

/// One listener of wok-router (TCP, or the UNIX socket): a NIO server channel whose connections
/// are set up by ``PushUpgradeChannel``. A `/push` socket never touches Swift concurrency; a
/// connection whose first request is plain HTTP is handed over and served, in a child task, by
/// Hummingbird's HTTP/1 request loop with the HTTP API's router.
///
/// Replaces Hummingbird's `Server`, which starts a task for every accepted connection (push
/// sockets included) and suspends it until the connection's first request is decided.
///
/// Graceful shutdown (run it after the router service, which closes push sockets with 1001): the
/// listening socket closes, open HTTP connections are told to quiesce (they close once their
/// current request is answered), and `run()` returns when every HTTP connection's task finished.
final class WokListener: Service {
    private let address: ListenAddress
    private let child: PushUpgradeChannel
    private let connections: AsyncStream<NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>>
    private let continuation: AsyncStream<NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>>.Continuation
    private let eventLoopGroup: any EventLoopGroup
    private let backlog: Int32
    private let acceptBound: Int?
    private let logger: Logger
    private let onServerRunning: @Sendable (any Channel) async -> Void

    init(address: ListenAddress, trusted: Bool, push: PushServices, responder: @escaping HTTPChannelHandler.Responder,
         eventLoopGroup: any EventLoopGroup, backlog: Int32, acceptBound: Int?, logger: Logger,
         onServerRunning: @escaping @Sendable (any Channel) async -> Void) {
        let (connections, continuation) = AsyncStream.makeStream(of: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>.self)
        self.connections = connections
        self.continuation = continuation
        self.address = address
        self.child = PushUpgradeChannel(responder: responder, services: push, trusted: trusted) { http in
            // After the stream finished (listener closing), nobody would serve it.
            if case .terminated = continuation.yield(http) { http.channel.close(promise: nil) }
        }
        self.eventLoopGroup = eventLoopGroup
        self.backlog = backlog
        self.acceptBound = acceptBound
        self.logger = logger
        self.onServerRunning = onServerRunning
    }

    func run() async throws {
        let child = self.child
        let logger = self.logger
        let acceptBound = self.acceptBound
        let quiescing = ServerQuiescingHelper(group: eventLoopGroup)
        let bootstrap = ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(ChannelOptions.backlog, value: backlog)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptPauseHandler())
                    if let acceptBound { try channel.pipeline.syncOperations.addHandler(AcceptGate(bound: acceptBound)) }
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelInitializer { channel in child.setup(channel: channel, logger: logger).map { _ in } }
        let serverChannel: any Channel
        do {
            switch address {
            case .hostname(let host, let port):
                serverChannel = try await bootstrap.bind(host: host, port: port).get()
            case .unixDomainSocket(let path):
                serverChannel = try await UnixSocketFile.bindingPrivately {
                    try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
                }
            }
        } catch {
            continuation.finish()
            throw error
        }
        let continuation = self.continuation
        serverChannel.closeFuture.whenComplete { _ in continuation.finish() }
        let connections = self.connections
        let onServerRunning = self.onServerRunning
        // Completed by the quiescing helper once every accepted connection closed, or below.
        let quiesced = serverChannel.eventLoop.makePromise(of: Void.self)
        await withGracefulShutdownHandler {
            await onServerRunning(serverChannel)
            await withDiscardingTaskGroup { group in
                for await http in connections {
                    group.addTask { await child.handleHTTP(asyncChannel: http, logger: logger) }
                }
            }
        } onGracefulShutdown: {
            quiescing.initiateShutdown(promise: quiesced)
        }
        // Every HTTP connection's task has ended. Push sockets still closing (they wait up to
        // close_timeout for the client's close frame) are not waited for, as Hummingbird's Server
        // did not; the event loops' shutdown closes whatever is left.
        quiesced.succeed(())
        // Cancelled rather than shut down: stop listening all the same.
        serverChannel.close(promise: nil)
    }
}
