/// Punycode (RFC 3492), the encoding of U-labels into A-labels (without the `xn--` prefix).
enum Punycode {
    private static let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700
    private static let initialBias = 72, initialN: UInt32 = 128

    /// Decodes `text` (ASCII); nil when it is not well-formed Punycode.
    static func decode(_ text: String) -> [Unicode.Scalar]? {
        let input = Array(text.utf8)
        guard input.allSatisfy({ $0 < 0x80 }) else { return nil }
        var output: [UInt32] = []
        var start = 0
        if let delimiter = input.lastIndex(of: UInt8(ascii: "-")) {
            output = input[..<delimiter].map(UInt32.init)
            start = delimiter + 1
            if delimiter == 0 { return nil }   // an empty basic part has no delimiter
        }
        var n = initialN, i = 0, bias = initialBias
        var index = start
        while index < input.count {
            let oldI = i
            var w = 1
            var k = base
            while true {
                guard index < input.count, let digit = digitValue(input[index]) else { return nil }
                index += 1
                let (product, o1) = digit.multipliedReportingOverflow(by: w)
                let (sum, o2) = i.addingReportingOverflow(product)
                guard !o1, !o2, sum < Int(Int32.max) else { return nil }
                i = sum
                let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                if digit < t { break }
                let (nextW, o3) = w.multipliedReportingOverflow(by: base - t)
                guard !o3, nextW < Int(Int32.max) else { return nil }
                w = nextW
                k += base
            }
            bias = adapt(i - oldI, numPoints: output.count + 1, first: oldI == 0)
            let (nAdd, _) = (i / (output.count + 1)).addingReportingOverflow(Int(n))
            guard nAdd <= 0x10FFFF else { return nil }
            n = UInt32(nAdd)
            i %= (output.count + 1)
            guard n >= 0x80, !(0xD800...0xDFFF).contains(n) else { return nil }
            output.insert(n, at: i)
            i += 1
        }
        return output.compactMap(Unicode.Scalar.init)
    }

    /// Encodes a label; nil only for an impossible overflow.
    static func encode(_ label: [Unicode.Scalar]) -> String? {
        let input = label.map(\.value)
        var output = input.filter { $0 < 0x80 }.map { Character(Unicode.Scalar($0)!) }
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append("-") }
        var n = initialN, delta = 0, bias = initialBias
        while handled < input.count {
            let m = input.filter { $0 >= n }.min()!
            let (d, o) = Int(m - n).multipliedReportingOverflow(by: handled + 1)
            guard !o else { return nil }
            delta += d
            n = m
            for c in input {
                if c < n { delta += 1 }
                if c == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                        if q < t { break }
                        output.append(digitCharacter(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digitCharacter(q))
                    bias = adapt(delta, numPoints: handled + 1, first: handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return String(output)
    }

    private static func adapt(_ delta: Int, numPoints: Int, first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / numPoints
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }

    private static func digitValue(_ c: UInt8) -> Int? {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(c - UInt8(ascii: "a"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(c - UInt8(ascii: "A"))
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(c - UInt8(ascii: "0")) + 26
        default: nil
        }
    }

    private static func digitCharacter(_ d: Int) -> Character {
        Character(Unicode.Scalar(UInt8(d < 26 ? d + 97 : d - 26 + 48)))
    }
}
