import Foundation

/// A cheap summary of the schema tree (every entry's path, size, mtime and inode under
/// `schemas/` and `plugins/`, links not followed): when it changes, the registry reloads.
struct TreeStamp: Equatable, Sendable {
    private var entries: [String: [Int64]] = [:]

    static func scan(root: String) -> TreeStamp {
        var stamp = TreeStamp()
        for folder in ["schemas", "plugins"] { stamp.add(root + "/" + folder, depth: 0) }
        return stamp
    }

    private mutating func add(_ path: String, depth: Int) {
        var info = stat()
        guard depth < 24, lstat(path, &info) == 0 else { return }
        entries[path] = [Int64(info.st_size), Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec), Int64(info.st_ino)]
        guard (info.st_mode & S_IFMT) == S_IFDIR,
              let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
        for name in names where !name.hasPrefix(".") { add(path + "/" + name, depth: depth + 1) }
    }
}
