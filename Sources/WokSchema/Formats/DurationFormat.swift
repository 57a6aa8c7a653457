/// ISO 8601 durations as the ABNF of RFC 3339 appendix A (cited by JSON Schema 2019-09) allows:
/// `P4DT12H30M5S`, `P2W`; units in order, without gaps, no fractions, no sign.
enum DurationFormat {
    static func isValid(_ text: String) -> Bool {
        var b = Array(text.utf8)[...]
        guard b.first == UInt8(ascii: "P") else { return false }
        b = b.dropFirst()
        guard !b.isEmpty else { return false }
        if b.last == UInt8(ascii: "W") {
            return b.dropLast().allSatisfy(DateTimeFormat.isDigit) && b.count > 1
        }
        let parts = b.split(separator: UInt8(ascii: "T"), maxSplits: 1, omittingEmptySubsequences: false)
        let hasTime = parts.count == 2
        if parts.count == 2, parts[1].isEmpty { return false }
        guard let date = units(parts[0]), isRun(date, in: Array("YMD".utf8)) else { return false }
        if hasTime {
            guard let time = units(parts[1]), !time.isEmpty, isRun(time, in: Array("HMS".utf8)) else { return false }
        }
        return !date.isEmpty || hasTime
    }

    /// The unit letters of `1Y2M...`, or nil when a number lacks its unit or a unit its number.
    private static func units(_ b: ArraySlice<UInt8>) -> [UInt8]? {
        var result: [UInt8] = []
        var sawDigit = false
        for c in b {
            if DateTimeFormat.isDigit(c) {
                sawDigit = true
            } else {
                guard sawDigit else { return nil }
                result.append(c)
                sawDigit = false
            }
        }
        return sawDigit ? nil : result
    }

    /// Whether `units` is a contiguous run of `order` (`YM`, `MD`, `YMD`; not `YD`, not `DY`).
    private static func isRun(_ units: [UInt8], in order: [UInt8]) -> Bool {
        guard let first = units.first else { return true }
        guard let start = order.firstIndex(of: first), start + units.count <= order.count else { return false }
        return Array(order[start..<(start + units.count)]) == units
    }
}
