import Foundation

/// Lists the files of a folder tree under the registry root, safely: symbolic links are
/// followed only when they stay inside the root, loops are refused, depth is bounded.
struct TreeWalker {
    /// A file found: its path relative to the root, and its real absolute path.
    struct File: Hashable {
        var relative: String
        var absolute: String
    }

    /// The root's real path (symbolic links resolved).
    let rootReal: String
    /// The deepest folder nesting walked.
    var maxDepth = 16
    /// Problems met (links escaping the root, loops, unreadable folders).
    var findings: [RegistryFinding] = []
    /// Set when a folder or file could not be read for lack of resources (out of file descriptors
    /// or memory): what was read is incomplete through no fault of the tree, and must not replace
    /// what is loaded (every topic would look removed).
    var resourceFailure: String?

    init?(root: String) {
        guard let real = TreeWalker.realPath(root) else { return nil }
        rootReal = real
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    enum Kind { case file, directory, other, missing }

    /// The kind of `relative` under the root after following links inside it; findings for
    /// links leaving the root or looping.
    mutating func kind(of relative: String) -> (Kind, real: String?) {
        let path = rootReal + "/" + relative
        var info = stat()
        guard lstat(path, &info) == 0 else { return (.missing, nil) }
        var real = path
        if (info.st_mode & S_IFMT) == S_IFLNK {
            guard let resolved = TreeWalker.realPath(path) else {
                let why = errno == ELOOP ? "symbolic link loop" : "symbolic link to nothing"
                findings.append(RegistryFinding(file: relative, message: "\(why); ignored"))
                return (.other, nil)
            }
            guard resolved == rootReal || resolved.hasPrefix(rootReal + "/") else {
                findings.append(RegistryFinding(file: relative, message: "symbolic link escapes the root (to \(resolved)); ignored"))
                return (.other, nil)
            }
            real = resolved
            guard stat(real, &info) == 0 else { return (.missing, nil) }
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return (.directory, real)
        case S_IFREG: return (.file, real)
        default: return (.other, real)
        }
    }

    /// The names in a folder, sorted, hidden ones (starting with `.`) left out.
    mutating func entries(of relative: String) -> [String] {
        guard let folder = opendir(rootReal + "/" + relative) else {
            noteResourceFailure(errno, relative)
            return []
        }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            guard bytes.first != UInt8(ascii: ".") else { continue }
            // Decoded leniently, two such names would be one, and neither could be opened again.
            guard let name = String(validating: bytes, as: UTF8.self) else {
                findings.append(RegistryFinding(file: relative + "/" + String(decoding: bytes, as: UTF8.self),
                                                message: "name is not valid UTF-8 (plugin and topic names are [a-z0-9_.-]); ignored"))
                continue
            }
            names.append(name)
        }
        return names.sorted()
    }

    private mutating func noteResourceFailure(_ code: Int32, _ relative: String) {
        guard [EMFILE, ENFILE, ENOMEM, ENOBUFS].contains(code) else { return }
        resourceFailure = "\(relative): \(String(cString: strerror(code)))"
    }

    /// Every regular file with extension `.json` (or any file when `allFiles`) under the folder
    /// `relative`, recursively, sorted by path.
    mutating func files(under relative: String, allFiles: Bool = false) -> [File] {
        var found: [File] = []
        let (kind, real) = kind(of: relative)
        guard kind == .directory, let real else { return [] }
        walk(relative, real: real, depth: 0, ancestors: [real], allFiles: allFiles, into: &found)
        return found
    }

    private mutating func walk(_ relative: String, real: String, depth: Int, ancestors: Set<String>, allFiles: Bool,
                               into found: inout [File]) {
        guard depth < maxDepth else {
            findings.append(RegistryFinding(file: relative, message: "folders nested deeper than \(maxDepth); not read"))
            return
        }
        for name in entries(of: relative) {
            let child = relative + "/" + name
            let (kind, childReal) = kind(of: child)
            guard let childReal else { continue }
            switch kind {
            case .directory:
                if ancestors.contains(childReal) || real == childReal || real.hasPrefix(childReal + "/") {
                    findings.append(RegistryFinding(file: child, message: "symbolic link loop (leads back to a folder above it); ignored"))
                    continue
                }
                walk(child, real: childReal, depth: depth + 1, ancestors: ancestors.union([childReal]), allFiles: allFiles, into: &found)
            case .file:
                if allFiles || name.hasSuffix(".json") { found.append(File(relative: child, absolute: childReal)) }
            case .other, .missing:
                continue
            }
        }
    }

    /// Reads a file, at most `limit` bytes; nil with a finding when it cannot be read or is larger.
    mutating func read(_ file: File, limit: Int) -> [UInt8]? {
        let descriptor = open(file.absolute, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            noteResourceFailure(errno, file.relative)
            findings.append(RegistryFinding(file: file.relative, message: "cannot be read"))
            return nil
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: limit + 1)) ?? Data()
        if data.count > limit {
            findings.append(RegistryFinding(file: file.relative, message: "larger than \(limit) bytes; not read"))
            return nil
        }
        return [UInt8](data)
    }
}
