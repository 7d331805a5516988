/// What every fuzz target shares: failing a property so that libFuzzer records the input
/// as a crash.

/// Stops the run when a property does not hold. `fatalError` traps, libFuzzer catches the
/// signal, prints the message and the stack, and saves the input as `crash-<sha1>`.
public func require(_ condition: Bool, _ message: @autoclosure () -> String,
                    file: StaticString = #fileID, line: UInt = #line) {
    if !condition { fatalError("property violated: " + message(), file: file, line: line) }
}

/// A property violation with no condition to test (a `catch` that must not be reached).
public func violated(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError("property violated: " + message, file: file, line: line)
}

/// Bytes as text for a failure message: printable ASCII as is, the rest escaped, cut at 400.
public func show(_ bytes: [UInt8]) -> String {
    var out = ""
    for b in bytes.prefix(400) {
        switch b {
        case 0x20...0x7E where b != UInt8(ascii: "\\"): out.unicodeScalars.append(Unicode.Scalar(b))
        case UInt8(ascii: "\n"): out += "\\n"
        default:
            let hex = Array("0123456789abcdef")
            out += "\\x" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 0xF)])
        }
    }
    return bytes.count > 400 ? out + "... (\(bytes.count) bytes)" : out
}

/// `show` for text.
public func show(_ text: String) -> String { show(Array(text.utf8)) }
