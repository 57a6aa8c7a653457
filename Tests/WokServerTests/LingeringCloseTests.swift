import NIOCore
import NIOEmbedded
import Testing
@testable import WokServer

/// `LingeringClose`: after an early answer, the client's bytes are dropped until it closes its
/// side, `linger_bytes` are passed or `linger_timeout` runs out.
struct LingeringCloseTests {
    /// An active embedded channel draining (its output half-closed: EmbeddedChannel has no half
    /// closure, so the drain handler is added by hand), and its event loop.
    static func lingering(timeout: TimeAmount = .seconds(2), maxBytes: Int = 100) throws -> (EmbeddedChannel, EmbeddedEventLoop) {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.pipeline.syncOperations.addHandler(LingeringClose.Drain(timeout: timeout, maxBytes: maxBytes), position: .first)
        return (channel, loop)
    }

    @Test func bytesWithinTheBudgetAreDroppedAndTheConnectionStaysOpen() throws {
        let (channel, _) = try Self.lingering()
        try channel.writeInbound(ByteBuffer(repeating: 0, count: 100))
        #expect(channel.isActive)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
    }

    @Test func oneBytePastTheBudgetCloses() throws {
        let (channel, _) = try Self.lingering()
        try channel.writeInbound(ByteBuffer(repeating: 0, count: 100))
        #expect(channel.isActive)
        try? channel.writeInbound(ByteBuffer(repeating: 0, count: 1))
        #expect(!channel.isActive)
    }

    @Test func theTimeoutCloses() throws {
        let (channel, loop) = try Self.lingering(timeout: .seconds(2))
        loop.advanceTime(by: .milliseconds(1999))
        #expect(channel.isActive)
        loop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }

    @Test func theClientClosingItsSideCloses() throws {
        let (channel, _) = try Self.lingering()
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(!channel.isActive)
    }

    @Test func aFailedAnswerClosesAtOnce() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        LingeringClose(timeout: .seconds(2), maxBytes: 100).close(channel, after: loop.makeFailedFuture(ChannelError.ioOnClosedChannel))
        loop.run()
        #expect(!channel.isActive)
    }
}
