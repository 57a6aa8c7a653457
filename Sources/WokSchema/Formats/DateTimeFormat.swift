/// RFC 3339 `date-time`, `full-date` and `full-time` (with its leap-second rule), and
/// draft-03's `time` (`hh:mm:ss`).
enum DateTimeFormat {
    /// `1985-04-12T23:20:50.52Z`; `T` and `Z` in either case.
    static func isDateTime(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count > 11, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") else { return false }
        return isFullDate(b[0..<10]) && isFullTime(b[11...])
    }

    /// `1985-04-12`, a day that exists.
    static func isFullDate(_ text: String) -> Bool { isFullDate(Array(text.utf8)[...]) }

    /// `23:20:50.52Z`, `08:30:06+00:20`; second 60 only at 23:59 UTC.
    static func isFullTime(_ text: String) -> Bool { isFullTime(Array(text.utf8)[...]) }

    /// Draft-03's `time`: `hh:mm:ss`.
    static func isDraft3Time(_ text: String) -> Bool {
        let b = Array(text.utf8)[...]
        guard b.count == 8, let (h, m, s) = hms(b) else { return false }
        return h <= 23 && m <= 59 && s <= 59
    }

    static func isFullDate(_ b: ArraySlice<UInt8>) -> Bool {
        let b = Array(b)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let year = digits(b[0..<4]), let month = digits(b[5..<7]), let day = digits(b[8..<10])
        else { return false }
        guard (1...12).contains(month), day >= 1 else { return false }
        return day <= daysIn(month: month, year: year)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func isFullTime(_ slice: ArraySlice<UInt8>) -> Bool {
        let b = Array(slice)
        guard b.count >= 9, let (hour, minute, second) = hms(b[0..<8]) else { return false }
        var i = 8
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            guard i > start else { return false }
        }
        guard i < b.count else { return false }
        var offsetMinutes = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard i + 1 == b.count else { return false }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let rest = b[(i + 1)...]
            guard rest.count == 5, rest[rest.startIndex + 2] == UInt8(ascii: ":"),
                  let oh = digits(rest.prefix(2)), let om = digits(rest.suffix(2)), oh <= 23, om <= 59
            else { return false }
            offsetMinutes = (oh * 60 + om) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return false
        }
        guard hour <= 23, minute <= 59, second <= 60 else { return false }
        if second == 60 {
            let utc = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }
        return true
    }

    /// `hh:mm:ss` at the start of an 8-byte slice.
    private static func hms(_ b: ArraySlice<UInt8>) -> (Int, Int, Int)? {
        let b = Array(b)
        guard b.count == 8, b[2] == UInt8(ascii: ":"), b[5] == UInt8(ascii: ":"),
              let h = digits(b[0..<2]), let m = digits(b[3..<5]), let s = digits(b[6..<8]) else { return nil }
        return (h, m, s)
    }

    static func digits(_ b: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for c in b {
            guard isDigit(c) else { return nil }
            value = value * 10 + Int(c - 48)
        }
        return b.isEmpty ? nil : value
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
}
