import CoreFoundation
import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import WokServer

/// `UnixSocketFile`: the UNIX socket is created owner-only and only then opened to
/// `unix_socket_mode`, so that no connection can be made while it has the umask's permissions.
struct UnixSocketFileTests {
    /// A fresh path in a folder of its own.
    static func freshPath() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wok-unix-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent("router.sock").path
    }

    static func mode(of path: String) -> Int {
        var info = stat()
        return lstat(path, &info) == 0 ? Int(info.st_mode & 0o777) : -1
    }

    /// The socket NIO binds (as the listener does) has no group or other permission at the
    /// moment it appears, whatever the process's umask (here made as wide as it goes).
    @Test func theSocketIsOwnerOnlyFromItsBind() async throws {
        let path = try Self.freshPath()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let wide = umask(0)
        defer { umask(wide) }
        let (channel, modeAtBind) = try await UnixSocketFile.bindingPrivately {
            let channel = try await ServerBootstrap(group: group).bind(unixDomainSocketPath: path).get()
            return (channel, Self.mode(of: path))
        }
        #expect(modeAtBind == 0o700, "created owner-only, not \(String(modeAtBind, radix: 8))")
        #expect(umask(0) == 0, "the umask is restored after the bind")
        #expect(UnixSocketFile.setMode(0o660, of: path) == nil)
        #expect(Self.mode(of: path) == 0o660, "then opened to the configured mode")
        try await channel.close()
        try await group.shutdownGracefully()
    }

    /// A mode that cannot be set is reported (the caller logs it), not ignored.
    @Test func aModeThatCannotBeSetIsReported() throws {
        let problem = UnixSocketFile.setMode(0o660, of: try Self.freshPath() + ".missing")
        #expect(problem != nil)
    }
}
