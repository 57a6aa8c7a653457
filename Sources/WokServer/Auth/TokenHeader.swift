import Foundation
import WokJSON

/// The JOSE header of a token, checked before its signature (RFC 8725 section 3.1: a verifier
/// names the algorithms it accepts and uses no other).
///
/// jwt-kit picks the key by `kid` and then verifies with that key's own algorithm whatever the
/// header's `alg` says, so a token whose header claims `none`, `RS256` or `HS512` (or no `alg`)
/// but carries an HS256 signature would pass. wok-router issues and accepts HS256 only: the header
/// must say exactly `"alg": "HS256"`, and must not carry `crit` (RFC 7515 section 4.1.11: a
/// verifier refuses critical extensions it does not understand, and it understands none).
enum TokenHeader {
    /// The one algorithm accepted.
    static let algorithm = "HS256"

    /// Why the header of `token` is refused, or nil when it is acceptable.
    static func problem(_ token: String) -> String? {
        guard let dot = token.firstIndex(of: "."), let bytes = base64URLDecoded(token[..<dot]),
              let header = try? JSON.parse(bytes), header.isObject else {
            return "the token's header is not base64url JSON"
        }
        guard let alg = header["alg"]?.string else { return "the token's header names no \"alg\"" }
        guard alg == algorithm else { return "the token's \"alg\" is \(alg), not \(algorithm)" }
        if header["crit"] != nil { return "the token's header has \"crit\" extensions" }
        return nil
    }

    /// Decodes unpadded base64url (RFC 7515 section 2), or nil.
    static func base64URLDecoded(_ text: Substring) -> [UInt8]? {
        var base64 = String(text).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        if base64.contains("=") { return nil }
        switch base64.utf8.count % 4 {
        case 0: break
        case 2: base64 += "=="
        case 3: base64 += "="
        default: return nil
        }
        return Data(base64Encoded: base64).map { [UInt8]($0) }
    }
}
