/// Text read from a file, a bundle or a database, made safe to print on a terminal.
///
/// A production title, a person's id or a key name is whatever its file says: an escape
/// sequence in it ("\u{1B}[8m" hides every later line; others retitle the window or move
/// the cursor) or a bidi override (U+202E shows "gol.txt" for "txt.log") would act on the
/// terminal of whoever reads `armory verify`. Every such character is shown instead as a
/// visible `\u{...}`: C0 controls (newline and tab too, unless `keepingLines`), DEL, C1
/// controls, bidi embeddings, overrides, isolates and marks, and the line and paragraph
/// separators. Everything else, backslashes included, is printed as it is.
func printable(_ text: String, keepingLines: Bool = false) -> String {
    func unsafe(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x0A, 0x09: return !keepingLines
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
    guard text.unicodeScalars.contains(where: unsafe) else { return text }
    var out = String.UnicodeScalarView()
    for u in text.unicodeScalars {
        if unsafe(u) {
            out.append(contentsOf: "\\u{\(String(u.value, radix: 16, uppercase: true))}".unicodeScalars)
        } else {
            out.append(u)
        }
    }
    return String(out)
}

/// Prints a line to standard output; the caller has passed every field read from a file
/// through `printable`, and the line as a whole is checked again here.
func printLine(_ line: String) {
    print(printable(line, keepingLines: true))
}
