import Foundation
import Testing

/// `tail -f log.ndjson | wok-router validate --topic T --ndjson -` (README, "Validating schemas"):
/// each line's result shows while the stream stays open.
@Suite struct ValidateStreamTests {
    private final class Received: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func add(_ more: Data) {
            lock.lock()
            defer { lock.unlock() }
            data.append(more)
        }
        var text: String {
            lock.lock()
            defer { lock.unlock() }
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// The report was written out only every 64 KiB or at the end of the input: on a stream that
    /// stays open, an invalid line was never shown.
    @Test func aStreamShowsEachResultWhileItStaysOpen() throws {
        let cli = try CLIRunner()
        try cli.write("s.json", #"{"type": "object", "required": ["user"]}"#)
        let process = Process()
        process.executableURL = try CLIRunner.binary()
        process.arguments = ["validate", "--schema", "s.json", "--ndjson", "-"]
        process.currentDirectoryURL = cli.dir
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        input.fileHandleForWriting.write(Data("{\"user\": \"a\"}\n{\"nobody\": 1}\n".utf8))

        let received = Received()
        let arrived = DispatchSemaphore(value: 0)
        let reader = output.fileHandleForReading
        DispatchQueue.global().async {
            received.add(reader.availableData)  // blocks until the first output, or the end of it
            arrived.signal()
        }
        // A hang guard, not a timing assertion: the line's error is normally there at once.
        let shown = arrived.wait(timeout: .now() + 60) == .success
        #expect(shown, "nothing was printed while the input stayed open")
        #expect(received.text.hasPrefix("-:2: (root): "), "\(received.text)")

        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
    }
}
