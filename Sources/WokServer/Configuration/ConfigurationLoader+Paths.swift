import Foundation
import WokSchema

extension ConfigurationLoader {
    /// The folder holding the config file at `file`, absolute and canonical (`..` and symbolic
    /// links resolved, as the kernel resolved them to open the file; a relative `file` is read
    /// from the working directory).
    static func folder(of file: String) -> String {
        let absolute = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
        let folder = absolute[..<(absolute.lastIndex(of: "/") ?? absolute.startIndex)]
        let path = folder.isEmpty ? "/" : String(folder)
        return FileSystem.realPath(path) ?? path
    }

    /// A path-valued setting read from a config file, a relative path made relative to `folder`
    /// (the config file's), as most servers read their config files; absolute paths, and stores
    /// that are not files (`memory:`, `postgres://...`, `sqlite:` alone: the file under the root),
    /// stay as they are. Values from the environment and flags do not come through here: they stay
    /// relative to the working directory.
    static func resolve(_ value: ConfigurationKey.Value, of key: ConfigurationKey, against folder: String) -> ConfigurationKey.Value {
        guard case .string(let text?) = value else { return value }
        switch key.path {
        case .none:
            return value
        case .file:
            return .string(joined(folder, text))
        case .store:
            guard text.hasPrefix("sqlite:") else { return value }
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            // SQLite's own names (`:memory:`) are not files.
            if path.isEmpty || path.hasPrefix(":") { return value }
            return .string("sqlite:" + joined(folder, path))
        }
    }

    /// `path` read from `folder`: itself when absolute (or empty, which names nothing).
    private static func joined(_ folder: String, _ path: String) -> String {
        if path.isEmpty || path.hasPrefix("/") { return path }
        var rest = Substring(path)
        while rest.hasPrefix("./") { rest = rest.dropFirst(2).drop { $0 == "/" } }
        if rest.isEmpty || rest == "." { return folder }
        return (folder == "/" ? "" : folder) + "/" + rest
    }
}
