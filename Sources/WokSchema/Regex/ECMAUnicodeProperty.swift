/// ECMA-262's `\p{...}` names (exact, case-sensitive), mapped to PCRE2's.
enum ECMAUnicodeProperty {
    /// The PCRE2 escape for the body of `\p{body}` (`\P` when `negated`), or nil when ECMA-262
    /// does not name such a property.
    static func pcre(_ body: String, negated: Bool) -> String? {
        let p = negated ? "\\P" : "\\p"
        if let eq = body.firstIndex(of: "=") {
            let key = body[..<eq]
            let value = String(body[body.index(after: eq)...])
            guard !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else { return nil }
            switch key {
            case "General_Category", "gc":
                return generalCategories[value].map { "\(p){\($0)}" }
            case "Script", "sc":
                return "\(p){sc:\(value)}"
            case "Script_Extensions", "scx":
                return "\(p){scx:\(value)}"
            default:
                return nil
            }
        }
        if let short = generalCategories[body] { return "\(p){\(short)}" }
        if body == "Assigned" { return negated ? "\\p{Cn}" : "\\P{Cn}" }
        if let name = binaryProperties[body] { return "\(p){\(name)}" }
        return nil
    }

    /// General_Category values and aliases (PropertyValueAliases.txt) → short name.
    static let generalCategories: [String: String] = {
        let rows: [[String]] = [
            ["C", "Other"], ["Cc", "Control", "cntrl"], ["Cf", "Format"], ["Cn", "Unassigned"],
            ["Co", "Private_Use"], ["Cs", "Surrogate"], ["L", "Letter"], ["LC", "Cased_Letter"],
            ["Ll", "Lowercase_Letter"], ["Lm", "Modifier_Letter"], ["Lo", "Other_Letter"],
            ["Lt", "Titlecase_Letter"], ["Lu", "Uppercase_Letter"], ["M", "Mark", "Combining_Mark"],
            ["Mc", "Spacing_Mark"], ["Me", "Enclosing_Mark"], ["Mn", "Nonspacing_Mark"], ["N", "Number"],
            ["Nd", "Decimal_Number", "digit"], ["Nl", "Letter_Number"], ["No", "Other_Number"],
            ["P", "Punctuation", "punct"], ["Pc", "Connector_Punctuation"], ["Pd", "Dash_Punctuation"],
            ["Pe", "Close_Punctuation"], ["Pf", "Final_Punctuation"], ["Pi", "Initial_Punctuation"],
            ["Po", "Other_Punctuation"], ["Ps", "Open_Punctuation"], ["S", "Symbol"], ["Sc", "Currency_Symbol"],
            ["Sk", "Modifier_Symbol"], ["Sm", "Math_Symbol"], ["So", "Other_Symbol"], ["Z", "Separator"],
            ["Zl", "Line_Separator"], ["Zp", "Paragraph_Separator"], ["Zs", "Space_Separator"],
        ]
        var table: [String: String] = [:]
        for row in rows { for name in row { table[name] = row[0] == "LC" ? "L&" : row[0] } }
        return table
    }()

    /// ECMA-262's binary Unicode properties (long and short names) → the name PCRE2 knows.
    static let binaryProperties: [String: String] = {
        let rows: [[String]] = [
            ["ASCII"], ["ASCII_Hex_Digit", "AHex"], ["Alphabetic", "Alpha"], ["Any"],
            ["Bidi_Control", "Bidi_C"], ["Bidi_Mirrored", "Bidi_M"], ["Case_Ignorable", "CI"], ["Cased"],
            ["Changes_When_Casefolded", "CWCF"], ["Changes_When_Casemapped", "CWCM"],
            ["Changes_When_Lowercased", "CWL"], ["Changes_When_NFKC_Casefolded", "CWKCF"],
            ["Changes_When_Titlecased", "CWT"], ["Changes_When_Uppercased", "CWU"], ["Dash"],
            ["Default_Ignorable_Code_Point", "DI"], ["Deprecated", "Dep"], ["Diacritic", "Dia"],
            ["Emoji"], ["Emoji_Component", "EComp"], ["Emoji_Modifier", "EMod"],
            ["Emoji_Modifier_Base", "EBase"], ["Emoji_Presentation", "EPres"],
            ["Extended_Pictographic", "ExtPict"], ["Extender", "Ext"], ["Grapheme_Base", "Gr_Base"],
            ["Grapheme_Extend", "Gr_Ext"], ["Hex_Digit", "Hex"], ["IDS_Binary_Operator", "IDSB"],
            ["IDS_Trinary_Operator", "IDST"], ["ID_Continue", "IDC"], ["ID_Start", "IDS"],
            ["Ideographic", "Ideo"], ["Join_Control", "Join_C"], ["Logical_Order_Exception", "LOE"],
            ["Lowercase", "Lower"], ["Math"], ["Noncharacter_Code_Point", "NChar"],
            ["Pattern_Syntax", "Pat_Syn"], ["Pattern_White_Space", "Pat_WS"], ["Quotation_Mark", "QMark"],
            ["Radical"], ["Regional_Indicator", "RI"], ["Sentence_Terminal", "STerm"],
            ["Soft_Dotted", "SD"], ["Terminal_Punctuation", "Term"], ["Unified_Ideograph", "UIdeo"],
            ["Uppercase", "Upper"], ["Variation_Selector", "VS"], ["White_Space", "space"],
            ["XID_Continue", "XIDC"], ["XID_Start", "XIDS"],
        ]
        var table: [String: String] = [:]
        for row in rows { for name in row { table[name] = row[0] } }
        return table
    }()
}
