import Logging
import ServiceLifecycle
import WokRouterCore

/// Runs the router's background work and, on graceful shutdown, closes every push socket with
/// 1001, ends SSE streams and long-polls, and finishes the store.
struct RouterService: Service {
    let router: WokRouterCore.Router
    let push: PushServices
    let logger: Logger

    func run() async throws {
        router.start()
        push.start()
        // Returns when graceful shutdown is triggered (SIGTERM/SIGINT) or the task is cancelled.
        try? await gracefulShutdown()
        logger.info("shutting down: closing push sockets with 1001")
        await shutdown()
    }

    func shutdown() async {
        await push.shutdown()
        await router.shutdown()
        logger.info("router stopped")
    }
}
