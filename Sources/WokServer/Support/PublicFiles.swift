import Foundation

/// The browser client and demo pages (`Public/` in the repository), served whatever the root or
/// the working folder: from `public_dir` when configured, else from the repository of the
/// package build folder: the `Public/` folder found next to or above the executable (so a binary
/// built in the repository finds it), else `./Public`.
package struct PublicFiles: Sendable {
    /// The folder served, if one was found.
    package let directory: String?

    package init(configured: String?) {
        if let configured {
            directory = configured
            return
        }
        var candidates: [String] = []
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir.appendingPathComponent("Public").path)
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(FileManager.default.currentDirectoryPath + "/Public")
        directory = candidates.first { FileManager.default.fileExists(atPath: $0 + "/wok-push.js") || FileManager.default.fileExists(atPath: $0 + "/demo") }
    }

    /// The bytes and content type of `path` (like `/demo/userlog.html`), or nil.
    package func file(_ path: String) -> (bytes: Data, contentType: String)? {
        guard let directory else { return nil }
        let parts = path.split(separator: "/")
        guard !parts.isEmpty, !parts.contains(where: { $0 == ".." || $0 == "." || $0.hasPrefix(".") }) else { return nil }
        var full = directory + "/" + parts.joined(separator: "/")
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), isDir.boolValue { full += "/index.html" }
        guard let data = FileManager.default.contents(atPath: full) else { return nil }
        return (data, Self.contentType(full))
    }

    static func contentType(_ path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json": "application/json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        default: "application/octet-stream"
        }
    }
}
