/// The outcome of a `/push` upgrade request's checks (token, origin, connection count).
///
/// A refused socket is still upgraded, then closed at once with `code`, so that a browser sees
/// the reason (a failed HTTP upgrade shows it nothing).
enum PushAdmission: Sendable {
    case accepted(AccessGrant)
    case refused(code: UInt16, reason: String, disconnect: String)
}
