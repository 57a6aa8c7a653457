import Foundation
import CoreFoundation

/// The file of the UNIX socket listener (`unix_socket`): what may be removed before binding it and
/// after closing it. Only a socket that no process serves is ever removed, so that a wrong path
/// (a typo naming a file or a folder, the socket of a router still running) loses nothing.
enum UnixSocketFile {
    /// Makes `path` free for a new socket: nothing is there, or a socket left by a process that is
    /// gone (connecting to it is refused), which is removed.
    /// - Throws: ``ConfigurationError`` when something else is at `path`, or a process accepts on it.
    static func prepare(_ path: String) throws(ConfigurationError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw .invalid("unix_socket \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw .invalid("unix_socket \(path): \(kind(info.st_mode)) is there, not a socket; it was left as it is: "
                + "choose another path, or remove it yourself")
        }
        if isServed(path) {
            throw .invalid("unix_socket \(path): another process is serving on this socket; it was left as it is")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw .invalid("unix_socket \(path): cannot remove the stale socket: \(String(cString: strerror(errno)))")
        }
    }

    /// Runs `bind` (which creates the socket file) with the process's umask set to 0o077, so that
    /// the socket is created with permissions for its owner alone (0o700); ``setMode(_:of:)`` then
    /// opens it to the configured `unix_socket_mode`. Without this the socket would exist with the
    /// umask's permissions (0o777 with umask 0) between its bind and the chmod, and a connection
    /// made then, granted publishing as every UNIX-socket connection is, would stay open.
    ///
    /// The umask is the process's: what other threads create meanwhile is created owner-only too
    /// (0o077 rather than 0o177, so that a folder created then stays usable by its owner). It is
    /// restored when `bind` returns or throws.
    static func bindingPrivately<T>(_ bind: () async throws -> T) async rethrows -> T {
        let previous = umask(0o077)
        defer { umask(previous) }
        return try await bind()
    }

    /// Sets the socket's permissions to `mode` (`unix_socket_mode`).
    /// - Returns: nil, or what went wrong (the socket then stays owner-only).
    static func setMode(_ mode: Int, of path: String) -> String? {
        chmod(path, mode_t(mode)) == 0 ? nil : String(cString: strerror(errno))
    }

    /// Removes `path` if it is a socket (the router's own, at shutdown); anything else stays.
    static func removeIfSocket(_ path: String) {
        var info = stat()
        if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFSOCK { unlink(path) }
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: "a file"
        case S_IFDIR: "a folder"
        case S_IFLNK: "a symbolic link"
        case S_IFIFO: "a FIFO"
        default: "something"
        }
    }

    /// Whether a process accepts connections on the socket at `path`.
    private static func isServed(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return result == 0
    }
}
