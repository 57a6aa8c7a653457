/// The IDNA2008 rules for U-labels: code point categories (RFC 5892 section 2-3, computed from
/// the standard library's Unicode properties), contextual rules (appendix A) and the Bidi
/// rule (RFC 5893).
///
/// Scripts, joining types and Bidi classes are not in the standard library: they are
/// approximated here by the blocks of the scripts the rules name. Precise enough for the
/// official suite; not a replacement for a full IDNA library.
enum IDNA {
    enum Category { case pvalid, contextJ, contextO, disallowed }

    /// RFC 5892 section 2.6, the Exceptions table.
    static let exceptions: [UInt32: Category] = {
        var table: [UInt32: Category] = [
            0x00DF: .pvalid, 0x03C2: .pvalid, 0x06FD: .pvalid, 0x06FE: .pvalid, 0x0F0B: .pvalid, 0x3007: .pvalid,
            0x00B7: .contextO, 0x0375: .contextO, 0x05F3: .contextO, 0x05F4: .contextO, 0x30FB: .contextO,
            0x0640: .disallowed, 0x07FA: .disallowed, 0x302E: .disallowed, 0x302F: .disallowed,
            0x3031: .disallowed, 0x3032: .disallowed, 0x3033: .disallowed, 0x3034: .disallowed,
            0x3035: .disallowed, 0x303B: .disallowed,
        ]
        for c in UInt32(0x0660)...0x0669 { table[c] = .contextO }
        for c in UInt32(0x06F0)...0x06F9 { table[c] = .contextO }
        return table
    }()

    /// The IDNA2008 category of `c` (RFC 5892 section 3).
    static func category(_ c: Unicode.Scalar) -> Category {
        let v = c.value
        if let exception = exceptions[v] { return exception }
        let p = c.properties
        if p.generalCategory == .unassigned { return .disallowed }
        if (0x61...0x7A).contains(v) || (0x30...0x39).contains(v) || v == 0x2D { return .pvalid }
        if v == 0x200C || v == 0x200D { return .contextJ }
        if p.changesWhenNFKCCaseFolded { return .disallowed }
        if p.isDefaultIgnorableCodePoint || p.isWhitespace || p.isNoncharacterCodePoint { return .disallowed }
        if (0x20D0...0x20FF).contains(v) || (0x1D100...0x1D24F).contains(v) { return .disallowed }
        if (0x1100...0x11FF).contains(v) || (0xA960...0xA97F).contains(v) || (0xD7B0...0xD7FF).contains(v) { return .disallowed }
        switch p.generalCategory {
        case .lowercaseLetter, .uppercaseLetter, .otherLetter, .decimalNumber, .modifierLetter,
             .nonspacingMark, .spacingMark:
            return .pvalid
        default:
            return .disallowed
        }
    }

    /// RFC 5891 section 5.4: hyphens, leading mark, and every code point's category and context.
    static func isValidULabel(_ label: [Unicode.Scalar]) -> Bool {
        guard !label.isEmpty, label.first != "-", label.last != "-" else { return false }
        if label.count >= 4, label[2] == "-", label[3] == "-" { return false }
        if isMark(label[0]) { return false }
        for (i, c) in label.enumerated() {
            switch category(c) {
            case .pvalid: continue
            case .disallowed: return false
            case .contextJ: if !contextJ(label, at: i) { return false }
            case .contextO: if !contextO(label, at: i) { return false }
            }
        }
        return true
    }

    private static func isMark(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }

    private static func isVirama(_ c: Unicode.Scalar) -> Bool { c.properties.canonicalCombiningClass.rawValue == 9 }

    /// RFC 5892 appendix A.1 (ZERO WIDTH NON-JOINER) and A.2 (ZERO WIDTH JOINER).
    private static func contextJ(_ label: [Unicode.Scalar], at i: Int) -> Bool {
        if i > 0, isVirama(label[i - 1]) { return true }
        guard label[i] == "\u{200C}" else { return false }
        var before = i - 1
        while before >= 0, joiningType(label[before]) == .transparent { before -= 1 }
        var after = i + 1
        while after < label.count, joiningType(label[after]) == .transparent { after += 1 }
        guard before >= 0, after < label.count else { return false }
        return joiningType(label[before]) == .joining && joiningType(label[after]) == .joining
    }

    private enum JoiningType { case transparent, joining, none }

    /// Joining type, approximated: letters of the joining scripts (Arabic, Syriac, N'Ko,
    /// Mandaic, Mongolian, Phags-pa) join on both sides; marks and format characters are transparent.
    private static func joiningType(_ c: Unicode.Scalar) -> JoiningType {
        switch c.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return .transparent
        case .otherLetter:
            let v = c.value
            let joining = (0x0620...0x06FF).contains(v) || (0x0710...0x074F).contains(v) || (0x0750...0x077F).contains(v)
                || (0x07CA...0x07EA).contains(v) || (0x0840...0x086F).contains(v) || (0x08A0...0x08FF).contains(v)
                || (0x1800...0x18AF).contains(v) || (0xA840...0xA877).contains(v)
            return joining ? .joining : .none
        default: return .none
        }
    }

    /// RFC 5892 appendix A.3-A.9.
    private static func contextO(_ label: [Unicode.Scalar], at i: Int) -> Bool {
        let c = label[i].value
        switch c {
        case 0x00B7:
            return i > 0 && i + 1 < label.count && label[i - 1] == "l" && label[i + 1] == "l"
        case 0x0375:
            return i + 1 < label.count && isGreek(label[i + 1])
        case 0x05F3, 0x05F4:
            return i > 0 && isHebrew(label[i - 1])
        case 0x30FB:
            return label.contains { $0.value != 0x30FB && (isHiragana($0) || isKatakana($0) || isHan($0)) }
        case 0x0660...0x0669:
            return !label.contains { (0x06F0...0x06F9).contains($0.value) }
        case 0x06F0...0x06F9:
            return !label.contains { (0x0660...0x0669).contains($0.value) }
        default:
            return false
        }
    }

    private static func isGreek(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return ((0x0370...0x03FF).contains(v) && v != 0x037E && v != 0x0387 && v != 0x0375) || (0x1F00...0x1FFF).contains(v)
    }
    private static func isHebrew(_ c: Unicode.Scalar) -> Bool {
        (0x0591...0x05F4).contains(c.value) || (0xFB1D...0xFB4F).contains(c.value)
    }
    private static func isHiragana(_ c: Unicode.Scalar) -> Bool { (0x3041...0x309F).contains(c.value) }
    private static func isKatakana(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return (0x30A0...0x30FF).contains(v) || (0x31F0...0x31FF).contains(v) || (0xFF66...0xFF9D).contains(v)
    }
    private static func isHan(_ c: Unicode.Scalar) -> Bool {
        c.properties.isIdeographic
    }

    // MARK: - Bidi rule (RFC 5893 section 2)

    private enum BidiClass { case l, r, an, en, es, cs, et, on, bn, nsm }

    private static func bidiClass(_ c: Unicode.Scalar) -> BidiClass {
        let v = c.value
        let gc = c.properties.generalCategory
        if gc == .nonspacingMark || gc == .enclosingMark { return .nsm }
        if (0x30...0x39).contains(v) || (0x06F0...0x06F9).contains(v) { return .en }
        if (0x0660...0x0669).contains(v) || v == 0x066B || v == 0x066C { return .an }
        if v == 0x2D || v == 0x2B { return .es }
        if v == 0x2C || v == 0x2E || v == 0x3A || v == 0x2F || v == 0xA0 { return .cs }
        if gc == .format || gc == .control { return .bn }
        let rtl = (0x0590...0x08FF).contains(v) || (0xFB1D...0xFDFF).contains(v) || (0xFE70...0xFEFF).contains(v)
            || (0x10800...0x10FFF).contains(v) || (0x1E800...0x1EFFF).contains(v)
        if rtl { return .r }
        switch gc {
        case .currencySymbol: return .et
        case .otherPunctuation where v == 0x23 || v == 0x25: return .et
        case .lowercaseLetter, .uppercaseLetter, .titlecaseLetter, .otherLetter, .modifierLetter, .spacingMark,
             .decimalNumber, .letterNumber, .otherNumber:
            return .l
        default: return .on
        }
    }

    /// RFC 5893's Bidi rule, which binds every label once any label has right-to-left characters.
    static func satisfiesBidiRule(_ labels: [[Unicode.Scalar]]) -> Bool {
        let classes = labels.map { $0.map(bidiClass) }
        let isBidiDomain = classes.contains { $0.contains { $0 == .r || $0 == .an } }
        guard isBidiDomain else { return true }
        for label in classes where !label.isEmpty {
            guard let first = label.first else { continue }
            let trimmed = label.reversed().drop(while: { $0 == .nsm })
            guard let last = trimmed.first else { return false }
            if first == .r {
                let allowed: Set<BidiClass> = [.r, .an, .en, .es, .cs, .et, .on, .bn, .nsm]
                guard label.allSatisfy(allowed.contains) else { return false }
                guard [.r, .en, .an].contains(last) else { return false }
                if label.contains(.en) && label.contains(.an) { return false }
            } else if first == .l {
                let allowed: Set<BidiClass> = [.l, .en, .es, .cs, .et, .on, .bn, .nsm]
                guard label.allSatisfy(allowed.contains) else { return false }
                guard last == .l || last == .en else { return false }
            } else {
                return false
            }
        }
        return true
    }
}
