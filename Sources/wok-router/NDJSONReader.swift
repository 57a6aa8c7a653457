#if canImport(Glibc)
import Glibc
#endif

/// Reads an NDJSON file (or standard input) line by line with bounded memory: at most
/// `maxLineBytes` per line are kept; a longer line is reported as such and skipped.
struct NDJSONReader {
    /// One line: its 1-based number, and its bytes or the fact that it was too long.
    enum Line {
        case text(number: Int, bytes: ArraySlice<UInt8>)
        case tooLong(number: Int)
    }

    private let fd: Int32
    private let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var lineNumber = 0
    private var atEnd = false
    private var skipping = false
    /// Called before each read, that is whenever no whole line is buffered: the caller flushes
    /// what it printed so far, so that a stream (`tail -f log | wok-router validate --ndjson -`)
    /// shows each line's result while the next one is awaited.
    private let beforeRead: () -> Void

    /// Opens `path` (`-` is standard input).
    init(path: String, maxLineBytes: Int, beforeRead: @escaping () -> Void = {}) throws(ValidateFailure) {
        fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ValidateFailure("\(path): cannot read: \(String(cString: strerror(errno)))") }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            Glibc.close(fd)
            throw ValidateFailure("\(path): cannot read: is a folder")
        }
        self.maxLineBytes = maxLineBytes
        self.beforeRead = beforeRead
    }

    func close() { if fd != 0 { Glibc.close(fd) } }

    /// The next line, or nil at the end of the file.
    mutating func next() throws(ValidateFailure) -> Line? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                lineNumber += 1
                let line = buffer[start..<newline]
                start = newline + 1
                if skipping || line.count > maxLineBytes {
                    skipping = false
                    return .tooLong(number: lineNumber)
                }
                return .text(number: lineNumber, bytes: line)
            }
            if atEnd {
                guard start < buffer.count || skipping else { return nil }
                lineNumber += 1
                let line = buffer[start...]
                start = buffer.count
                if skipping || line.count > maxLineBytes {
                    skipping = false
                    return .tooLong(number: lineNumber)
                }
                return .text(number: lineNumber, bytes: line)
            }
            if buffer.count - start > maxLineBytes {
                // Drop what is buffered of this line and remember to report it once it ends.
                skipping = true
                buffer.removeAll(keepingCapacity: true)
                start = 0
            }
            try fill()
        }
    }

    private mutating func fill() throws(ValidateFailure) {
        beforeRead()
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ValidateFailure("read error: \(String(cString: strerror(errno)))")
            }
            if n == 0 { atEnd = true } else { buffer.append(contentsOf: chunk[0..<n]) }
            return
        }
    }
}
