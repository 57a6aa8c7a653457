import Hummingbird
import Logging
import NIOCore

/// The request context of wok-router's routes: Hummingbird's core context plus the channel, so
/// that long-lived responses can watch their connection.
struct WokRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
