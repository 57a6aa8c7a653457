import NIOCore

/// Bounds the connections a listening channel has accepted and not yet closed: at `bound`, it
/// stops accepting (`autoRead` off) until one closes.
///
/// ``ConnectionGauge`` counts a connection only once its pipeline is set up, on its event loop;
/// one accepted past `max_refusals` is closed there, at once. In a flood the listener accepts
/// faster than those closes happen, so accepted descriptors outnumbered `max_connections +
/// max_refusals` by dozens for a moment. With `bound` a little above that sum (see
/// ``DescriptorBudget/acceptSlack``) a flood waits in the backlog instead, and the descriptors
/// connections hold stay within their budget.
final class AcceptGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let bound: Int
    private var open = 0
    private var paused = false

    init(bound: Int) { self.bound = bound }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let accepted = Self.unwrapInboundIn(data)
        open += 1
        let gate = NIOLoopBound(self, eventLoop: context.eventLoop)
        let server = NIOLoopBound(context.channel, eventLoop: context.eventLoop)
        accepted.closeFuture.hop(to: context.eventLoop).whenComplete { _ in
            gate.value.closed(server.value)
        }
        // Again each time: AcceptPauseHandler may have turned autoRead back on meanwhile.
        if open >= bound {
            paused = true
            try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
        }
        context.fireChannelRead(data)
    }

    private func closed(_ server: any Channel) {
        open -= 1
        guard paused, open < bound else { return }
        paused = false
        try? server.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
    }
}
