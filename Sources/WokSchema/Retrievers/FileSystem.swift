#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file operations WokSchema and the command line need, on the C library
/// (no Foundation, to keep the command line quick to start).
package enum FileSystem {
    /// The canonical absolute path (`..` and symbolic links resolved), or nil when it does not exist.
    package static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    package static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    package static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Why a file could not be read.
    package struct ReadError: Error, Sendable, CustomStringConvertible {
        package let path: String
        package let reason: String
        package var description: String { "\(path): \(reason)" }
    }

    /// The whole file (or standard input for `-`), refusing one larger than `maxBytes`.
    package static func read(_ path: String, maxBytes: Int) throws(ReadError) -> [UInt8] {
        let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(path: path, reason: String(cString: strerror(errno))) }
        defer { if fd != 0 { close(fd) } }
        var info = stat()
        if fstat(fd, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFDIR { throw ReadError(path: path, reason: "is a folder") }
            if (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) > maxBytes {
                throw ReadError(path: path, reason: "\(info.st_size) bytes, more than the limit of \(maxBytes) bytes")
            }
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > maxBytes {
                throw ReadError(path: path, reason: "more than the limit of \(maxBytes) bytes")
            }
        }
        return bytes
    }

    /// The names in a folder (without `.` and `..`), sorted; empty when it cannot be listed.
    package static func list(_ directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

extension FileSystem {
    /// The `file://` URI of an absolute path, with everything but unreserved characters and `/`
    /// percent-encoded.
    package static func fileURI(forAbsolutePath path: String) -> String {
        var out = "file://"
        for byte in path.utf8 {
            let c = Unicode.Scalar(byte)
            if byte < 0x80, c.properties.isAlphabetic || ("0"..."9").contains(c) || "-._~/".unicodeScalars.contains(c) {
                out.unicodeScalars.append(c)
            } else {
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// The path of a `file://` URI (fragment dropped, percent-decoding undone), or nil for other URIs.
    package static func path(ofFileURI uri: String) -> String? {
        guard uri.hasPrefix("file://") else { return nil }
        let rest = uri.dropFirst("file://".count).prefix { $0 != "#" }
        return DirectoryRetriever.percentDecoded(rest)
    }
}
