import CJansson

/// A JSON number as jansson keeps it: a 64-bit integer or a double. Compared exactly.
enum Number: Sendable, CustomStringConvertible {
    case int(Int64)
    case real(Double)

    /// Reads a jansson integer or real (the caller checked the type).
    @inline(__always) init(_ v: RawJSON) {
        if wok_json_typeof(v) == JSON_INTEGER { self = .int(Int64(json_integer_value(v))) } else { self = .real(json_real_value(v)) }
    }

    var double: Double {
        switch self {
        case .int(let i): Double(i)
        case .real(let d): d
        }
    }

    /// Whether the number has no fractional part.
    var isWhole: Bool {
        switch self {
        case .int: true
        case .real(let d): d.isFinite && d == d.rounded(.towardZero)
        }
    }

    /// -1, 0 or 1 as `self` is below, equal to or above `other`, without rounding large integers.
    @inline(__always) func compare(_ other: Number) -> Int {
        switch (self, other) {
        case (.int(let a), .int(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.real(let a), .real(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.int(let a), .real(let b)): return Number.compare(a, b)
        case (.real(let a), .int(let b)): return -Number.compare(b, a)
        }
    }

    private static func compare(_ i: Int64, _ d: Double) -> Int {
        if d >= 9_223_372_036_854_775_808.0 { return -1 }
        if d < -9_223_372_036_854_775_808.0 { return 1 }
        let floor = d.rounded(.down)
        let f = Int64(floor)
        if i < f { return -1 }
        if i > f { return 1 }
        return d > floor ? -1 : 0
    }

    var description: String {
        switch self {
        case .int(let i): String(i)
        case .real(let d):
            d == d.rounded(.towardZero) && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
        }
    }

    /// Whether `self` is a multiple of `divisor` (> 0): exact for integers; for reals, the
    /// quotient must be whole up to the rounding of decimal fractions (so 0.0075 is a multiple
    /// of 0.0001), with an exact binary test when the quotient overflows.
    func isMultiple(of divisor: Number) -> Bool {
        if case .int(let a) = self, case .int(let b) = divisor {
            return b == -1 || a % b == 0
        }
        let v = double, d = divisor.double
        if v == 0 { return true }
        let q = v / d
        guard q.isFinite else { return Number.dyadicMultiple(v, d) }
        // From 2^52 on every double is whole: the quotient is a whole number of divisors.
        if abs(q) >= 4_503_599_627_370_496 { return true }
        let r = q.rounded()
        return abs(q - r) <= max(r.ulp, 1e-300) * 8
    }

    /// Exact test on the binary values: v = mv·2^ev, d = md·2^ed with odd mantissas.
    private static func dyadicMultiple(_ v: Double, _ d: Double) -> Bool {
        func split(_ x: Double) -> (UInt64, Int) {
            var m = x.magnitude.significandBitPattern | (x.magnitude.isNormal ? (1 << 52) : 0)
            var e = Int(x.magnitude.exponent) - 52
            if !x.magnitude.isNormal { e = -1074 }
            if m == 0 { return (0, 0) }
            let tz = m.trailingZeroBitCount
            m >>= UInt64(tz)
            e += tz
            return (m, e)
        }
        let (mv, ev) = split(v), (md, ed) = split(d)
        guard md != 0 else { return false }
        return mv % md == 0 && ev >= ed
    }
}
