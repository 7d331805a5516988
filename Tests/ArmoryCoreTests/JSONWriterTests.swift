import ArmoryCore
import Testing

/// The JSON writer is what makes log entries canonical: its output must be stable byte for
/// byte, with only quote, backslash and control characters escaped.
struct JSONWriterTests {
    /// The escape rule, one scalar at a time (the writer copies runs of bytes instead).
    static func reference(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    static let pool: [Character] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{1f}", "\u{7f}",
                                    "é", "—", "→", "日", "🔫", "'", "{", "}", ":", ","]

    @Test func stringsAreEscapedMinimallyAndReadBackTheSame() throws {
        var rng = SystemRandomNumberGenerator()
        var strings = ["", "colt-1", "2026-03-02T08:00:00-07:00", "the AD called it \"cold\"", "C:\\props\\", "line\nbreak"]
        for _ in 0..<2000 {
            strings.append(String((0..<Int.random(in: 0...24, using: &rng)).map { _ in Self.pool.randomElement(using: &rng)! }))
        }
        for s in strings {
            let text = JSON.string(s).compactText
            #expect(text == Self.reference(s), "\(s.debugDescription) was written as \(text)")
            #expect(try JSON.parse(text) == .string(s))
            #expect(JSON.object([(s, .string(s))]).compactBytes == Array("{\(text):\(text)}".utf8))
        }
    }

    @Test func textIsCopiedAsItIs() {
        let body = #"{"do":"report_concern","text":"loose \"hammer\""}"#
        #expect(JSON.array([.text(body), .int(3)]).compactText == "[" + body + ",3]")
    }
}
