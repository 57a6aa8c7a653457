/// `hostname` (RFC 1123, with A-labels checked as RFC 5890-5891 say) and `idn-hostname`
/// (RFC 5890-5893: U-labels, the IDNA2008 code point rules, contextual rules and the Bidi rule).
///
/// Labels are 1-63 octets (an U-label: its A-label form), names at most 253 octets, no empty
/// label, no trailing dot.
enum HostnameFormat {
    /// The label separators `idn-hostname` accepts (RFC 3490 section 3.1).
    static let idnSeparators: Set<Unicode.Scalar> = [".", "\u{3002}", "\u{FF0E}", "\u{FF61}"]

    static func isValid(_ text: String, idn: Bool) -> Bool {
        guard !text.isEmpty else { return false }
        var labels: [[Unicode.Scalar]] = [[]]
        for c in text.unicodeScalars {
            if c == "." || (idn && idnSeparators.contains(c)) {
                labels.append([])
            } else {
                labels[labels.count - 1].append(c)
            }
        }
        var total = labels.count - 1
        var uLabels: [[Unicode.Scalar]] = []
        for label in labels {
            guard !label.isEmpty else { return false }
            if label.allSatisfy(\.isASCII) {
                guard label.count <= 63, isLDH(label) else { return false }
                total += label.count
                if label.count >= 4, String(String.UnicodeScalarView(label[0..<4])).lowercased() == "xn--" {
                    guard let decoded = aLabelToULabel(label) else { return false }
                    uLabels.append(decoded)
                } else {
                    uLabels.append(label)
                }
            } else {
                guard idn, IDNA.isValidULabel(label),
                      let encoded = Punycode.encode(label), encoded.count + 4 <= 63 else { return false }
                total += encoded.count + 4
                uLabels.append(label)
            }
        }
        guard total <= 253 else { return false }
        return IDNA.satisfiesBidiRule(uLabels)
    }

    /// Letters, digits and hyphens, not starting or ending with a hyphen.
    private static func isLDH(_ label: [Unicode.Scalar]) -> Bool {
        guard label.first != "-", label.last != "-" else { return false }
        return label.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// The U-label an `xn--` label encodes, when it is a valid A-label: Punycode that decodes to
    /// some non-ASCII, re-encodes to itself, and is a valid U-label.
    private static func aLabelToULabel(_ label: [Unicode.Scalar]) -> [Unicode.Scalar]? {
        let body = String(String.UnicodeScalarView(label[4...])).lowercased()
        guard let decoded = Punycode.decode(body), decoded.contains(where: { !$0.isASCII }),
              Punycode.encode(decoded) == body, IDNA.isValidULabel(decoded) else { return nil }
        return decoded
    }
}
