import WokJSON
import WokSchema

/// Reads, parses and compiles the schema `validate` checks against, with an offline retriever
/// over the schema's folders and the `--ref-map` folders.
struct SchemaLoader {
    let options: SchemaOptions
    let refMap: [String]
    let maxBytes: Int

    func compile(_ source: SchemaSource) throws(ValidateFailure) -> Validator {
        let bytes = try read(source.path)
        let schema = try parse(bytes, path: source.path)
        guard let real = FileSystem.realPath(source.path) else { throw ValidateFailure("\(source.path): cannot resolve its path") }
        let uri = FileSystem.fileURI(forAbsolutePath: real)

        var mappings: [(prefix: String, directory: String)] = refMap.map { entry in
            let eq = entry.firstIndex(of: "=")!
            return (String(entry[..<eq]), String(entry[entry.index(after: eq)...]))
        }
        for folder in source.folders where FileSystem.realPath(folder) != "/" {
            // A schema's folder opens its files to `$ref`; the file-system root would open every file.
            if let prefix = DirectoryRetriever.fileURIPrefix(forDirectory: folder) { mappings.append((prefix, folder)) }
        }
        let retriever: DirectoryRetriever
        do {
            retriever = try DirectoryRetriever(mappings: mappings, maxDocumentBytes: maxBytes)
        } catch {
            throw ValidateFailure("--ref-map: \(error)")
        }
        let compiler = SchemaCompiler(options: options, retriever: retriever)
        if source.preload {
            for folder in source.folders { preload(folder, into: compiler, except: real, depth: 0) }
        }
        do {
            return try compiler.compile(schema, uri: uri)
        } catch {
            // The file was read and is JSON, but it is not a usable schema: "schema invalid", 1.
            throw ValidateFailure(describe(error, defaultPath: source.path, defaultText: bytes), status: 1)
        }
    }

    private func read(_ path: String) throws(ValidateFailure) -> [UInt8] {
        do {
            return try FileSystem.read(path, maxBytes: maxBytes)
        } catch {
            throw ValidateFailure("\(path): cannot read the schema: \(error.reason)")
        }
    }

    private func parse(_ bytes: [UInt8], path: String) throws(ValidateFailure) -> JSON {
        do {
            return try JSON.parse(bytes)
        } catch {
            throw ValidateFailure(JSONParseDiagnosis.describe(error, path: path) + " (schema)")
        }
    }

    /// Adds every parseable `.json` file under `folder` (three levels deep at most), so that
    /// `$ref`s by `$id` find them. Files that do not parse are left to the tree check.
    private func preload(_ folder: String, into compiler: SchemaCompiler, except: String, depth: Int) {
        guard depth < 3 else { return }
        for name in FileSystem.list(folder) {
            let path = "\(folder)/\(name)"
            if FileSystem.isDirectory(path) {
                preload(path, into: compiler, except: except, depth: depth + 1)
                continue
            }
            guard name.hasSuffix(".json"), let real = FileSystem.realPath(path), real != except,
                  let bytes = try? FileSystem.read(path, maxBytes: maxBytes), let document = try? JSON.parse(bytes) else { continue }
            try? compiler.addDocument(document, uri: FileSystem.fileURI(forAbsolutePath: real))
        }
    }

    /// `file:line:column: message`, the place found by locating the error's schema location
    /// in the text of the document it names.
    private func describe(_ error: SchemaError, defaultPath: String, defaultText: [UInt8]) -> String {
        var path = defaultPath
        var text: [UInt8]? = defaultText
        if let uri = error.uri, let filePath = FileSystem.path(ofFileURI: uri), filePath != FileSystem.realPath(defaultPath) {
            path = filePath
            text = try? FileSystem.read(filePath, maxBytes: maxBytes)
        } else if let uri = error.uri, FileSystem.path(ofFileURI: uri) == nil {
            path = "\(defaultPath) (in \(uri))"
            text = nil
        }
        let location = error.schemaLocation
        if let text, let (line, column) = JSONSourceLocator.position(of: location, in: text) {
            let place = location.isEmpty ? "" : " at \(location)"
            return "\(path):\(line):\(column): schema does not compile\(place): \(error.message)"
        }
        let place = location.isEmpty ? "" : " at \(location)"
        return "\(path): schema does not compile\(place): \(error.message)"
    }
}
