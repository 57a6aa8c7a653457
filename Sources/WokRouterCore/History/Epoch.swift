/// Makes epoch names: 12 random lowercase hex digits.
public enum Epoch {
    /// A new random epoch.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() & 0xFFFF_FFFF_FFFF
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 12 - text.count) + text
    }
}
