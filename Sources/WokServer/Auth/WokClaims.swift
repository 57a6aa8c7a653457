import JWTKit

/// The claims of a wok-router token (HS256 JWT).
///
/// `exp` is required. `topics` lists the filters a subscriber may subscribe to (absent: none);
/// `pub: true` lets the holder publish, to the topics its `topics` claim covers when present.
public struct WokClaims: JWTPayload, Equatable {
    /// Expiry; a token past it is refused.
    public var exp: ExpirationClaim
    /// Filters the holder may subscribe to (and publish to, with `pub`).
    public var topics: [String]?
    /// Whether the holder may publish.
    public var pub: Bool?
    /// Who holds the token, for logs.
    public var sub: String?

    /// - Parameters: see the properties.
    public init(exp: ExpirationClaim, topics: [String]? = nil, pub: Bool? = nil, sub: String? = nil) {
        self.exp = exp
        self.topics = topics
        self.pub = pub
        self.sub = sub
    }

    /// Checks the expiry.
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
