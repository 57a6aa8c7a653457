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
    /// Publish a `wok.router.plugins` notification when a plugin is loaded, changed, refused or removed.
    public var publishPluginEvents = true

    public init() {}
}
