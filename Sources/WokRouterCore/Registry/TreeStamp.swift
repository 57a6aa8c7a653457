import Foundation

/// A cheap summary of the schema tree (every entry's path, size, mtime and inode under
/// `schemas/` and `plugins/`): when it changes, the registry reloads.
///
/// A symbolic link that stays inside the root is followed, as the loader follows it: the stamp
/// holds the link's own entry and its target's, and walks a linked folder, so that editing a file
/// through a link (or inside a linked plugin folder) is seen. Links leaving the root are not
/// followed (the loader ignores them), nor are links back to a folder being walked.
struct TreeStamp: Equatable, Sendable {
    private var entries: [String: [Int64]] = [:]

    /// Scans the tree under `root`, a real path (no symbolic link in it).
    static func scan(root: String) -> TreeStamp {
        var stamp = TreeStamp()
        for folder in ["schemas", "plugins"] { stamp.add(root + "/" + folder, root: root, depth: 0, ancestors: []) }
        return stamp
    }

    private struct FolderID: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    private mutating func add(_ path: String, root: String, depth: Int, ancestors: Set<FolderID>) {
        var info = stat()
        guard depth < 24, lstat(path, &info) == 0 else { return }
        var entry = Self.summary(info)
        if (info.st_mode & S_IFMT) == S_IFLNK {
            var target = stat()
            guard let real = TreeWalker.realPath(path), real == root || real.hasPrefix(root + "/"), stat(real, &target) == 0 else {
                entries[path] = entry
                return
            }
            entry += Self.summary(target)
            info = target
        }
        entries[path] = entry
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return }
        let folder = FolderID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        guard !ancestors.contains(folder), let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
        let inside = ancestors.union([folder])
        for name in names where !name.hasPrefix(".") { add(path + "/" + name, root: root, depth: depth + 1, ancestors: inside) }
    }

    private static func summary(_ info: stat) -> [Int64] {
        [Int64(info.st_size), Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec), Int64(info.st_ino)]
    }
}
