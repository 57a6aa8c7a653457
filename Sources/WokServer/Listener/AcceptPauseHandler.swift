import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Pauses accepting for a moment when `accept` fails for lack of resources (out of file
/// descriptors: EMFILE, ENFILE; or memory: ENOBUFS, ENOMEM), on a listening channel.
///
/// The pending connection stays in the backlog, so the listening socket stays readable, and NIO
/// keeps its read pending after a failed accept: without a pause its event loop retries at once,
/// forever, at 100% CPU (NIO's `AcceptBackoffHandler` only delays `read()`, which is never called
/// again here). Turning `autoRead` off takes the socket out of the poll set; it is turned back on
/// after `pause`.
final class AcceptPauseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let pause: TimeAmount
    private var resume: Scheduled<Void>?

    init(pause: TimeAmount = .milliseconds(100)) { self.pause = pause }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? IOError, [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errnoCode) else {
            context.fireErrorCaught(error)
            return
        }
        guard resume == nil, let options = context.channel.syncOptions else { return }
        try? options.setOption(ChannelOptions.autoRead, value: false)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let channel = NIOLoopBound(context.channel, eventLoop: context.eventLoop)
        resume = context.eventLoop.scheduleTask(in: pause) {
            handler.value.resume = nil
            try? channel.value.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        resume?.cancel()
        resume = nil
    }
}
