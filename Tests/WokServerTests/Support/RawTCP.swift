import NIOCore
import NIOPosix

/// A bare TCP connection for misbehaving clients: it writes what it is told and never answers.
struct RawTCP {
    let channel: any Channel

    static func connect(port: Int) async throws -> RawTCP {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        return RawTCP(channel: channel)
    }

    func write(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    /// Returns once the router closed the connection.
    func closed() async throws {
        try await channel.closeFuture.get()
    }
}
