import Foundation
import JWTKit

/// The claims of a wok-router token (HS256 JWT).
///
/// `exp` is required; `nbf`, when present, must be reached (RFC 7519 section 4.1.5). `topics` lists the filters a subscriber may subscribe to (absent: none);
/// `pub: true` lets the holder publish, to the topics its `topics` claim covers when present.
public struct WokClaims: JWTPayload, Equatable {
    /// Expiry; a token past it is refused.
    public var exp: ExpirationClaim
    /// Not before: a token used before it is refused.
    public var nbf: NotBeforeClaim?
    /// Filters the holder may subscribe to (and publish to, with `pub`).
    public var topics: [String]?
    /// Whether the holder may publish.
    public var pub: Bool?
    /// Who holds the token, for logs.
    public var sub: String?

    /// - Parameters: see the properties.
    public init(exp: ExpirationClaim, nbf: NotBeforeClaim? = nil, topics: [String]? = nil, pub: Bool? = nil, sub: String? = nil) {
        self.exp = exp
        self.nbf = nbf
        self.topics = topics
        self.pub = pub
        self.sub = sub
    }

    /// Checks the expiry and, when present, the not-before time (a token is refused before `nbf`,
    /// accepted from it on).
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        if let nbf, nbf.value > Date() {
            throw JWTError.claimVerificationFailure(failedClaim: nbf, reason: "not valid yet")
        }
    }
}
