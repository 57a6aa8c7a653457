import Foundation

/// A minimal blocking HTTP/1.1 client over a UNIX socket, keep-alive, for tests that talk to a
/// real `wok-router serve` process (its UNIX socket is the publisher credential).
final class UnixHTTPClient {
    struct Response {
        var status: Int
        var body: Data
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let fd: Int32
    private var pending: [UInt8] = []

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw Failure(description: "socket path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard status == 0 else {
            close(fd)
            throw Failure(description: "connect \(path): errno \(errno)")
        }
    }

    deinit { close(fd) }

    /// Sends one request and reads its response.
    func request(_ method: String, _ target: String, body: Data = Data()) throws -> Response {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        head += "Content-Length: \(body.count)\r\n\r\n"
        try send(Data(head.utf8) + body)
        let headerEnd = try readUntil(Array("\r\n\r\n".utf8))
        let header = String(decoding: pending[..<headerEnd], as: UTF8.self)
        pending.removeSubrange(..<(headerEnd + 4))
        let lines = header.split(separator: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else {
            throw Failure(description: "bad status line: \(header.prefix(80))")
        }
        var length = 0
        for line in lines.dropFirst() where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
        }
        while pending.count < length { try receive() }
        let responseBody = Data(pending[0..<length])
        pending.removeFirst(length)
        return Response(status: status, body: responseBody)
    }

    private func send(_ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { throw Failure(description: "write: errno \(errno)") }
                offset += written
            }
        }
    }

    private func receive() throws {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw Failure(description: "connection closed") }
            pending.append(contentsOf: buffer[..<count])
            return
        }
    }

    /// The offset of the first CRLFCRLF in what was received, reading more until it comes.
    private func readUntil(_ marker: [UInt8]) throws -> Int {
        while true {
            if pending.count >= marker.count {
                for start in 0...(pending.count - marker.count) where pending[start..<start + marker.count].elementsEqual(marker) {
                    return start
                }
            }
            try receive()
        }
    }
}
