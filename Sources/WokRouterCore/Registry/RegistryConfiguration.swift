import WokSchema

/// How the schema registry reads the tree and watches it.
public struct RegistryConfiguration: Sendable {
    /// How schemas compile (default draft, format assertion, bounds on nesting and `$ref` depth).
    public var schemaOptions = SchemaOptions()
    /// Seconds between two scans of the tree for changes (mtimes, sizes and inodes).
    public var pollIntervalSeconds: Double = 0.25
    /// The largest schema, manifest or sample file read, in bytes.
    public var maxFileBytes = 1 << 20
    /// The deepest folder nesting walked under `schemas/` and each plugin.
    public var maxFolderDepth = 16
    /// Also validate every schema's `examples` and every sample notification
    /// (`plugins/<plugin>/samples/{valid,invalid}/<topic>/*.json`): `wok-router validate --root`.
    public var checkExamplesAndSamples = false

    public init() {}
}

/// URIs under which the registry adds schema files to the compiler, so that relative `$ref`s
/// between files resolve: `wok-router:/plugins/kimchi/schemas/defs.json`,
/// `wok-router:/schemas/topics/wok.userlog.json`. Nothing else is reachable.
public enum SchemaURI {
    /// The scheme of every registry document.
    public static let scheme = "wok-router"
    /// The URI of the file at `relativePath` (relative to the root).
    public static func forFile(_ relativePath: String) -> String { "\(scheme):/\(relativePath)" }
}
