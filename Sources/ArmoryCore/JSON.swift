/// A parsed JSON value, kept close to the text so that scenario decoding can be strict:
/// integers stay distinguishable from fractions, object keys keep their order, and a
/// duplicate key is an error instead of a silent overwrite.
public enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    /// A number, with whether its text was an integer (no fraction, no exponent).
    case number(Double, isInteger: Bool)
    case string(String)
    case array([JSON])
    case object([(key: String, value: JSON)])
    /// JSON text already written and known to be valid (a log entry's body, which the log
    /// checked when it was recorded or loaded), copied into the output as it is instead of
    /// being parsed and written again. The parser never makes one.
    case text(String)

    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a, ia), .number(b, ib)): return a == b && ia == ib
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.text(a), .text(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The value under `key` when this is an object.
    public subscript(key: String) -> JSON? {
        guard case let .object(members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }

    /// A word for the kind of value, for error messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number(_, let isInteger): return isInteger ? "an integer" : "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        case .text: return "JSON text"
        }
    }
}

/// Why a text is not JSON, with the byte offset where reading stopped.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    public let offset: Int
    public let reason: String
    public var description: String { "not JSON: \(reason) at byte \(offset)" }
}

extension JSON {
    /// Parses RFC 8259 JSON from UTF-8 bytes. Rejects trailing content, duplicate keys,
    /// invalid escapes and unpaired surrogates.
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSON {
        var reader = JSONReader(bytes: bytes)
        return try reader.readDocument()
    }

    /// Parses a document as `parse` does, with the same errors at the same bytes, but hands
    /// the top-level object's members to `member` in the file's order as each is read, and
    /// the elements of its `streamed` array to `element` one at a time (0-based) instead of
    /// building the array (which `member` is handed empty, as its start is read): a long
    /// list is read in the memory of one element. Returns the
    /// document when its top level is not an object (nothing is handed over then).
    public static func parse(_ bytes: [UInt8], streaming streamed: String, member: (String, JSON) -> Void,
                             element: (Int, JSON) -> Void) throws(JSONSyntaxError) -> JSON? {
        var reader = JSONReader(bytes: bytes)
        return try reader.readDocument(streaming: streamed, member: member, element: element)
    }

    /// `parse(_:streaming:member:element:)` over a text read a piece at a time: `next` gives
    /// the following bytes, or nil at the end. Only the piece being read is held, and a
    /// member or element that runs past it is read again once the next piece is in, so the
    /// memory is a piece and the longest element, not the text. Errors name the same byte
    /// offsets (from the start of the text) as reading it whole.
    public static func parse(reading next: () -> [UInt8]?, streaming streamed: String, member: (String, JSON) -> Void,
                             element: (Int, JSON) -> Void) throws(JSONSyntaxError) -> JSON? {
        try withoutActuallyEscaping(next) { next throws(JSONSyntaxError) in
            var reader = JSONReader(bytes: [], source: next)
            reader.refill()
            return try reader.readDocument(streaming: streamed, member: member, element: element)
        }
    }

    /// Parses RFC 8259 JSON from a string.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSON {
        try parse(Array(text.utf8))
    }
}

private struct JSONReader {
    /// The text, or (read a piece at a time) the part of it not yet handed over.
    var bytes: [UInt8]
    var i = 0
    var depth = 0
    /// Where `bytes` starts in the whole text: error offsets count from the text's start.
    var base = 0
    /// The rest of the text, a piece at a time; nil once it has all been read.
    var source: (() -> [UInt8]?)?
    /// Bytes from the end of what has been read within which an error may only mean the
    /// text was cut there (the longest is a surrogate pair's `\uD83D\u`): read more, and
    /// read the part again.
    static let cutMargin = 12
    /// Deep nesting is never a scenario; the limit keeps a hostile file from exhausting the stack.
    static let maximumDepth = 256
    /// Keys of one object checked for a duplicate by comparing them one by one, before a set is built.
    static let keysComparedInPlace = 16

    init(bytes: [UInt8], source: (() -> [UInt8]?)? = nil) {
        self.bytes = bytes
        self.source = source
    }

    /// Drops what has been handed over (before `i`) and appends the next piece. At the end
    /// of the text, `source` becomes nil.
    mutating func refill() {
        guard let next = source else { return }
        if i > 0 {
            bytes.removeFirst(i)
            base += i
            i = 0
        }
        if let piece = next(), !piece.isEmpty { bytes += piece } else { source = nil }
    }

    /// Reads one member or element (or the separator after it) of a text read a piece at a
    /// time. When it runs into the end of what has been read, more is read and it is read
    /// again from its start: it is handed over only once something follows it, so a number
    /// cut in two is never taken for a shorter one.
    mutating func whole<T>(_ read: (inout JSONReader) throws(JSONSyntaxError) -> T) throws(JSONSyntaxError) -> T {
        var start = i
        let startDepth = depth
        while true {
            do {
                let value = try read(&self)
                skipSpace()
                if i < bytes.count || source == nil { return value }
            } catch {
                if source == nil || error.offset - base < bytes.count - Self.cutMargin { throw error }
            }
            // Read on until there is at least as much again as this part has taken so far,
            // so a long part is read again only a few times, not once a piece.
            let needed = 2 * (bytes.count - start)
            i = start
            depth = startDepth
            refill()
            while source != nil, bytes.count < needed { refill() }
            start = i
        }
    }

    mutating func readDocument() throws(JSONSyntaxError) -> JSON {
        // A UTF-8 byte order mark is tolerated: editors on set tablets add one.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        skipSpace()
        let value = try readValue()
        skipSpace()
        if i != bytes.count { throw fail("unexpected content after the document") }
        return value
    }

    func fail(_ reason: String) -> JSONSyntaxError { JSONSyntaxError(offset: base + i, reason: reason) }

    /// `readDocument` for a top-level object whose members are handed over as read, and the
    /// elements of its `streamed` array one by one (`JSON.parse(_:streaming:member:element:)`).
    mutating func readDocument(streaming streamed: String, member: (String, JSON) -> Void,
                               element: (Int, JSON) -> Void) throws(JSONSyntaxError) -> JSON? {
        while bytes.count < 3, source != nil { refill() }
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        try whole { r throws(JSONSyntaxError) in r.skipSpace() }
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else {
            let value = try whole { r throws(JSONSyntaxError) in try r.readValue() }
            try endOfText()
            return value
        }
        try enter()
        i += 1
        var seen = Set<String>()
        try whole { r throws(JSONSyntaxError) in r.skipSpace() }
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
            i += 1
            depth -= 1
        } else {
            repeat {
                // The key, its ':' and the first byte of its value, read together.
                let key = try whole { r throws(JSONSyntaxError) in
                    let (key, keyOffset) = try r.readKey()
                    if seen.contains(key) { throw JSONSyntaxError(offset: r.base + keyOffset, reason: "duplicate key \"\(key)\"") }
                    try r.readColon()
                    return key
                }
                seen.insert(key)
                if key == streamed, i < bytes.count, bytes[i] == UInt8(ascii: "[") {
                    member(key, .array([]))
                    try readStreamedElements(element)
                } else {
                    member(key, try whole { r throws(JSONSyntaxError) in try r.readValue() })
                }
            } while try whole({ r throws(JSONSyntaxError) in try r.another(before: "}") })
            depth -= 1
        }
        try endOfText()
        return nil
    }

    /// The streamed array: each element is handed to `element` as it is read.
    mutating func readStreamedElements(_ element: (Int, JSON) -> Void) throws(JSONSyntaxError) {
        try enter()
        i += 1
        try whole { r throws(JSONSyntaxError) in r.skipSpace() }
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return }
        var k = 0
        repeat {
            element(k, try whole { r throws(JSONSyntaxError) in try r.readValue() })
            k += 1
        } while try whole({ r throws(JSONSyntaxError) in try r.another(before: "]") })
        depth -= 1
    }

    /// Nothing but space may follow the document.
    mutating func endOfText() throws(JSONSyntaxError) {
        skipSpace()
        while i == bytes.count, source != nil {
            refill()
            skipSpace()
        }
        if i != bytes.count { throw fail("unexpected content after the document") }
    }

    mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    mutating func readValue() throws(JSONSyntaxError) -> JSON {
        guard i < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try readObject()
        case UInt8(ascii: "["): return try readArray()
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try readNumber()
        default: throw fail("unexpected character")
        }
    }

    mutating func expectWord(_ word: String) throws(JSONSyntaxError) {
        let expected = Array(word.utf8)
        guard i + expected.count <= bytes.count else { throw fail("unexpected end of input") }
        for k in 0..<expected.count where bytes[i + k] != expected[k] { throw fail("unexpected character") }
        i += expected.count
    }

    mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > Self.maximumDepth { throw fail("nesting deeper than \(Self.maximumDepth)") }
    }

    mutating func readObject() throws(JSONSyntaxError) -> JSON {
        try enter()
        i += 1
        var members: [(key: String, value: JSON)] = []
        // Keys seen, for a duplicate: a step's few keys are compared in place; a set is built
        // only for an object past `keysComparedInPlace`.
        var seen: Set<String>?
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return .object(members) }
        repeat {
            let (key, keyOffset) = try readKey()
            let duplicate: Bool
            if members.count < Self.keysComparedInPlace {
                duplicate = members.contains { $0.key == key }
            } else {
                if seen == nil { seen = Set(members.map(\.key)) }
                duplicate = !seen!.insert(key).inserted
            }
            if duplicate { throw JSONSyntaxError(offset: base + keyOffset, reason: "duplicate key \"\(key)\"") }
            try readColon()
            members.append((key, try readValue()))
        } while try another(before: "}")
        depth -= 1
        return .object(members)
    }

    /// An object member's key in quotes, and where it starts (for a duplicate's error).
    mutating func readKey() throws(JSONSyntaxError) -> (String, Int) {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a key in quotes") }
        let offset = i
        return (try readString(), offset)
    }

    /// The ':' between a key and its value, and the space around it.
    mutating func readColon() throws(JSONSyntaxError) {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
        i += 1
        skipSpace()
    }

    /// After a member or element: true past a ',' (another follows), false past `closer`
    /// (the object or array ends).
    mutating func another(before closer: Unicode.Scalar) throws(JSONSyntaxError) -> Bool {
        skipSpace()
        guard i < bytes.count else { throw fail("unexpected end of input") }
        if bytes[i] == UInt8(ascii: ",") { i += 1; return true }
        if bytes[i] == UInt8(ascii: closer) { i += 1; return false }
        throw fail("expected ',' or '\(closer)'")
    }

    mutating func readArray() throws(JSONSyntaxError) -> JSON {
        var elements: [JSON] = []
        try readElements { elements.append($0) }
        return .array(elements)
    }

    /// Reads an array, handing each element to `take` as it is read.
    mutating func readElements(_ take: (JSON) -> Void) throws(JSONSyntaxError) {
        try enter()
        i += 1
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return }
        repeat {
            skipSpace()
            take(try readValue())
        } while try another(before: "]")
        depth -= 1
    }

    mutating func readHex4() throws(JSONSyntaxError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("unexpected end of input in \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }

    mutating func readString() throws(JSONSyntaxError) -> String {
        i += 1  // opening quote
        let start = i
        // Fast path: no escapes.
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                let text = try validUTF8(bytes[start..<i], at: start)
                i += 1
                return text
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail("control character in string") }
            i += 1
        }
        var buffer = Array(bytes[start..<i])
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return try validUTF8(buffer[...], at: start)
            }
            if c < 0x20 { throw fail("control character in string") }
            if c != UInt8(ascii: "\\") { buffer.append(c); i += 1; continue }
            i += 1
            guard i < bytes.count else { break }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): buffer.append(0x22)
            case UInt8(ascii: "\\"): buffer.append(0x5C)
            case UInt8(ascii: "/"): buffer.append(0x2F)
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try readHex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 2 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw fail("unpaired surrogate in \\u escape")
                    }
                    i += 2
                    let low = try readHex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw fail("unpaired surrogate in \\u escape")
                }
                guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                buffer.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                throw fail("invalid escape")
            }
        }
        throw fail("unterminated string")
    }

    func validUTF8(_ slice: ArraySlice<UInt8>, at offset: Int) throws(JSONSyntaxError) -> String {
        // Read in place: ASCII (a step's keys and ids) is valid as it stands; anything else is validated.
        let read: String?? = slice.withContiguousStorageIfAvailable { part in
            part.allSatisfy { $0 < 0x80 } ? String(decoding: part, as: UTF8.self) : String(validating: part, as: UTF8.self)
        }
        guard let text = read ?? String(validating: slice, as: UTF8.self) else {
            throw JSONSyntaxError(offset: base + offset, reason: "string is not valid UTF-8")
        }
        return text
    }

    mutating func readNumber() throws(JSONSyntaxError) -> JSON {
        let start = i
        var isInteger = true
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count, isDigit(bytes[i]) else { throw fail("invalid number") }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            if i < bytes.count, isDigit(bytes[i]) { throw fail("leading zero in number") }
        } else {
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard i < bytes.count, isDigit(bytes[i]) else { throw fail("invalid number") }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            isInteger = false
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, isDigit(bytes[i]) else { throw fail("invalid number") }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw JSONSyntaxError(offset: base + start, reason: "number out of range") }
        // An integer no Int64 holds is written back with an exponent: it is read as a number,
        // so that what is read writes back to what reads the same.
        return .number(value, isInteger: isInteger && Int64(exactly: value) != nil)
    }

    func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}

extension JSON {
    /// Compact serialisation. Keys keep their order; strings are escaped minimally
    /// (quote, backslash, control characters), so the output is stable byte for byte.
    public var compactText: String { String(decoding: compactBytes, as: UTF8.self) }

    /// The compact serialisation as UTF-8 (what goes on the wire).
    public var compactBytes: [UInt8] {
        var out: [UInt8] = []
        write(to: &out)
        return out
    }

    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .number(let v, let isInteger):
            if isInteger, let n = Int64(exactly: v) { out += String(n).utf8 } else { out += String(v).utf8 }
        case .string(let s): JSON.writeString(s, to: &out)
        case .text(let t): out += t.utf8
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (k, e) in elements.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                e.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (k, m) in members.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                JSON.writeString(m.key, to: &out)
                out.append(UInt8(ascii: ":"))
                m.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string: the text between quotes, with runs that need no escape (most of
    /// it: ids, times, rule names, sentences) copied whole.
    public static func writeString(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { writeString(utf8: $0, to: &out) }
    }

    /// `writeString` of text given as its UTF-8 bytes (which must be valid UTF-8): a field
    /// read in place from stored bytes, written without making a `String` of it first.
    public static func writeString(utf8 bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var run = 0
        for i in bytes.indices {
            let b = bytes[i]
            guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i]))
            switch b {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case UInt8(ascii: "\n"): out += #"\n"#.utf8
            case UInt8(ascii: "\r"): out += #"\r"#.utf8
            case UInt8(ascii: "\t"): out += #"\t"#.utf8
            default:
                out += #"\u00"#.utf8
                out += [hexDigits[Int(b >> 4)], hexDigits[Int(b & 0xF)]]
            }
            run = i + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<bytes.count]))
        out.append(UInt8(ascii: "\""))
    }
}

extension JSON {
    /// A whole number.
    public static func int(_ n: Int) -> JSON { .number(Double(n), isInteger: true) }
    /// A string, or null when there is none.
    public static func orNull(_ s: String?) -> JSON { s.map { .string($0) } ?? .null }
    /// An array of strings.
    public static func strings(_ xs: [String]) -> JSON { .array(xs.map { .string($0) }) }

    /// The string, when this is one.
    public var stringValue: String? { if case let .string(s) = self { return s } else { return nil } }
    /// The number as a whole number, when this is a number.
    /// The value as an `Int` when it is a whole number an `Int` can hold (never a trap on
    /// `1e300`, `NaN` or a fraction: those are nil).
    public var intValue: Int? { if case let .number(n, _) = self { return Int(exactly: n) } else { return nil } }
    /// The elements, when this is an array.
    public var arrayValue: [JSON]? { if case let .array(a) = self { return a } else { return nil } }
}
