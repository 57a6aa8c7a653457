import WokJSON

/// Checks the `format` keyword's named formats.
///
/// Each draft knows the formats its specification (and the official suite's
/// `optional/format` folder for that draft) names; a format a draft does not define is
/// unknown under that draft, and unknown formats always pass.
public enum FormatChecker {
    /// Whether `value` conforms to `format` under `draft`; nil when the format is unknown to
    /// that draft (unknown formats always pass). Values of a type the format does not
    /// constrain (a number for `email`) are valid.
    public static func check(_ format: String, _ value: JSON, draft: Draft) -> Bool? {
        guard let checker = checker(format, draft: draft) else { return nil }
        guard let text = value.string else { return true }
        return checker(text)
    }

    /// Whether `format` is a format `draft` defines.
    public static func isKnown(_ format: String, draft: Draft) -> Bool {
        checker(format, draft: draft) != nil
    }

    /// The string check for `format` under `draft`, or nil when that draft does not define it.
    /// Resolving this once at compile time keeps the lookup off the hot path.
    public static func checker(_ format: String, draft: Draft) -> (@Sendable (String) -> Bool)? {
        if draft == .draft3 {
            switch format {
            case "date-time": return DateTimeFormat.isDateTime
            case "date": return DateTimeFormat.isFullDate
            case "time": return DateTimeFormat.isDraft3Time
            case "regex": return ECMARegex.isValidSyntax
            case "color": return ColorFormat.isCSSColor
            case "uri": return { URIFormat.isValid($0, iri: false, reference: false) }
            case "email": return { EmailFormat.isValid($0, idn: false) }
            case "ip-address": return IPFormat.isIPv4
            case "ipv6": return IPFormat.isIPv6
            case "host-name": return { HostnameFormat.isValid($0, idn: false) }
            default: return nil
            }
        }
        switch format {
        case "date-time": return DateTimeFormat.isDateTime
        case "email": return { EmailFormat.isValid($0, idn: false) }
        case "hostname": return { HostnameFormat.isValid($0, idn: false) }
        case "ipv4": return IPFormat.isIPv4
        case "ipv6": return IPFormat.isIPv6
        case "uri": return { URIFormat.isValid($0, iri: false, reference: false) }
        default: break
        }
        guard draft >= .draft6 else { return nil }
        switch format {
        case "uri-reference": return { URIFormat.isValid($0, iri: false, reference: true) }
        case "uri-template": return URITemplateFormat.isValid
        case "json-pointer": return PointerFormat.isJSONPointer
        default: break
        }
        guard draft >= .draft7 else { return nil }
        switch format {
        case "date": return DateTimeFormat.isFullDate
        case "time": return DateTimeFormat.isFullTime
        case "idn-email": return { EmailFormat.isValid($0, idn: true) }
        case "idn-hostname": return { HostnameFormat.isValid($0, idn: true) }
        case "iri": return { URIFormat.isValid($0, iri: true, reference: false) }
        case "iri-reference": return { URIFormat.isValid($0, iri: true, reference: true) }
        case "regex": return ECMARegex.isValidSyntax
        case "relative-json-pointer": return PointerFormat.isRelativeJSONPointer
        default: break
        }
        guard draft >= .draft2019_09 else { return nil }
        switch format {
        case "duration": return DurationFormat.isValid
        case "uuid": return UUIDFormat.isValid
        default: return nil
        }
    }
}
