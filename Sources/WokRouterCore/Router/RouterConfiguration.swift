/// How the router behaves. Every bound is explicit; the defaults suit one WoK host.
public struct RouterConfiguration: Sendable {
    /// Retention of topics whose plugin does not override it.
    public var defaultRetention: Retention = .standard
    /// Seconds between two retention passes over the store.
    public var retentionIntervalSeconds: Double = 60
    /// The most notifications one subscribe may replay. A resume that missed more gets
    /// `recovered: false` and no replay (the client reloads its state instead).
    public var maxReplay: Int = 100_000
    /// Notifications read from the store per page while replaying or answering history.
    public var replayPageSize: Int = 1_000
    /// The largest `limit` a history read accepts; larger requests are clamped.
    public var maxHistoryLimit: Int = 1_000
    /// With a store shared by several routers (PostgreSQL): the longest, in seconds, a resume
    /// waits when its `since` was committed (by another router) but this router's fan-out has
    /// not reached it yet (its LISTEN/NOTIFY lags). Within the bound the resume is answered as
    /// usual once the fan-out gets there; past it, it is answered anyway (`recovered: true`, a
    /// `head` below `since`) and what the fan-out later brings at or below `since` is not
    /// delivered to it (the client has it). 0: no wait. Single-router stores practically never
    /// wait (their fan-out follows each commit at once).
    public var resumeWaitSeconds: Double = 2
    /// Publish a `wok.router.plugins` notification when a plugin is loaded, changed, refused or removed.
    public var publishPluginEvents = true

    public init() {}
}
