import WokJSON

/// A notification with its outgoing frame text, built once however many subscribers get it.
///
/// The frame is `{"type":"notification","id":..,"epoch":..,"topic":..,"plugin":..,"time":..,"data":..}`
/// as UTF-8 bytes. Transports cache their own wire form (a pre-framed WebSocket buffer, an SSE
/// block) with `cached(for:make:)`, so each is built once too, from whichever thread asks first.
public final class EncodedNotification: Sendable {
    /// The notification.
    public let notification: Notification
    /// The JSON text of the `notification` frame, UTF-8.
    public let frame: [UInt8]
    private let cache = Locked<[String: any Sendable]>([:])

    /// Encodes `notification`'s frame.
    public init(_ notification: Notification) {
        self.notification = notification
        self.frame = EncodedNotification.encodeFrame(notification)
    }

    /// The id, for ordering and `Last-Event-ID`.
    public var id: UInt64 { notification.id }

    /// The frame as a `String` (copies; prefer `frame` or a cached wire form on hot paths).
    public var frameText: String { String(decoding: frame, as: UTF8.self) }

    /// The value cached under `key`, made by `make` the first time it is asked for.
    ///
    /// Thread-safe; `make` runs at most once per key (under the notification's lock, so it must
    /// be quick and must not call back into this object).
    public func cached<T: Sendable>(for key: String, make: () -> T) -> T {
        cache.withLock { slots in
            if let value = slots[key] as? T { return value }
            let value = make()
            slots[key] = value
            return value
        }
    }

    static func encodeFrame(_ notification: Notification) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        out.append(contentsOf: #"{"type":"notification","id":"#.utf8)
        out.append(contentsOf: String(notification.id).utf8)
        out.append(contentsOf: #","epoch":"#.utf8)
        appendString(notification.epoch, to: &out)
        out.append(contentsOf: #","topic":"#.utf8)
        appendString(notification.topic.name, to: &out)
        out.append(contentsOf: #","plugin":"#.utf8)
        appendString(notification.plugin, to: &out)
        out.append(contentsOf: #","time":""#.utf8)
        out.append(contentsOf: notification.time.description.utf8)
        out.append(contentsOf: #"","data":"#.utf8)
        if let serialized = notification.serializedData {
            out.append(contentsOf: serialized)
        } else {
            notification.data.write(to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static func appendString(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { JSON.writeEscaped($0, to: &out) }
    }
}
