import WokJSON

/// Checks the `format` keyword's named formats.
///
/// TODO(formats): date-time, date, time, duration, email, idn-email, hostname, idn-hostname,
/// ipv4, ipv6, uri, uri-reference, iri, iri-reference, uri-template, uuid, json-pointer,
/// relative-json-pointer, regex.
public enum FormatChecker {
    /// Whether `value` conforms to `format` under `draft`; nil when the format is unknown to
    /// that draft (unknown formats always pass). Values of a type the format does not
    /// constrain (a number for `email`) are valid.
    public static func check(_ format: String, _ value: JSON, draft: Draft) -> Bool? { nil }
}
