#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WokJSON

/// Serves schema documents from local folders: a URI that starts with a mapped prefix is the
/// file at the rest of the URI under that prefix's folder (`--ref-map PREFIX=DIR`).
///
/// Offline and confined: it never reaches the network, and it refuses (`SchemaError.forbiddenRef`)
/// a path that leaves its folder once `..` and symbolic links are resolved, and any `file:` URI
/// outside every folder. Other URIs it does not serve come back as nil (unresolved).
public struct DirectoryRetriever: SchemaRetriever {
    /// One `PREFIX=DIR` mapping, with the folder's real path.
    public struct Mapping: Sendable, Hashable {
        /// The URI prefix (`http://localhost:1234/`, `file:///srv/wok/schemas/`).
        public let prefix: String
        /// The folder's canonical absolute path, without a trailing `/`.
        public let directory: String
    }

    /// The mappings, longest prefix first.
    public let mappings: [Mapping]
    /// Files larger than this are refused (a schema document is small).
    public var maxDocumentBytes: Int

    /// - Parameters:
    ///   - mappings: URI prefix → folder. Each folder must exist.
    ///   - maxDocumentBytes: the largest schema file read (default 16 MiB).
    /// - Throws: `DirectoryRetriever.FolderError` when a folder does not exist or is not a folder.
    public init(mappings: [(prefix: String, directory: String)], maxDocumentBytes: Int = 16 << 20) throws(FolderError) {
        var resolved: [Mapping] = []
        for (prefix, directory) in mappings {
            guard let real = FileSystem.realPath(directory), FileSystem.isDirectory(real) else {
                throw FolderError(directory: directory)
            }
            resolved.append(Mapping(prefix: prefix, directory: real == "/" ? "" : real))
        }
        self.mappings = resolved.sorted { $0.prefix.count > $1.prefix.count }
        self.maxDocumentBytes = maxDocumentBytes
    }

    /// `file://` URI prefix (with trailing `/`) naming a folder, for mapping a folder to itself.
    public static func fileURIPrefix(forDirectory directory: String) -> String? {
        guard let real = FileSystem.realPath(directory) else { return nil }
        return FileSystem.fileURI(forAbsolutePath: real == "/" ? "" : real) + "/"
    }

    /// The document at `uri` (its fragment ignored), parsed; nil when no mapping serves the URI
    /// (other than `file:`) or the file does not exist.
    /// - Throws: `SchemaError.forbiddenRef` for a `file:` URI outside the folders or a path that
    ///   leaves its folder; `.unresolvableRef` when the file cannot be read (or is larger than
    ///   `maxDocumentBytes`); `.invalidSchema` when it is not JSON (with its line and column).
    public func retrieve(_ uri: String) throws(SchemaError) -> JSON? {
        let base = uri.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        guard let mapping = mappings.first(where: { base.hasPrefix($0.prefix) }) else {
            if base.lowercased().hasPrefix("file:") { throw SchemaError.forbiddenRef(uri, at: "") }
            return nil
        }
        guard let rest = Self.percentDecoded(base.dropFirst(mapping.prefix.count)),
              !rest.isEmpty, !rest.utf8.contains(0), !rest.hasPrefix("/") else {
            throw SchemaError.forbiddenRef(uri, at: "")
        }
        let candidate = mapping.directory + "/" + rest
        guard let real = FileSystem.realPath(candidate) else { return nil }
        guard real.hasPrefix(mapping.directory + "/") else { throw SchemaError.forbiddenRef(uri, at: "") }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.read(real, maxBytes: maxDocumentBytes)
        } catch {
            throw SchemaError.unresolvableRef(uri, at: "")
        }
        do {
            return try JSON.parse(bytes)
        } catch {
            throw SchemaError.invalidSchema("\(real):\(error.line):\(error.column): not JSON: \(error.message)", at: "", uri: uri)
        }
    }

    /// `%XX` decoded; nil when an escape is malformed or the result is not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let b = iterator.next() {
            if b == UInt8(ascii: "%") {
                guard let h = iterator.next(), let l = iterator.next(),
                      let value = UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16) else { return nil }
                bytes.append(value)
            } else {
                bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// A folder given to the retriever that is not a usable folder.
    public struct FolderError: Error, Sendable, CustomStringConvertible {
        /// The folder as given.
        public let directory: String
        public var description: String { "\(directory): not a folder" }
    }
}
