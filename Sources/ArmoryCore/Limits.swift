/// The bounds every value from outside is held to before it reaches the engine: the API,
/// the tablet's forms and the anonymous concern page all check a step's fields here, so a
/// person sees the same message, naming the field and its bound, wherever they typed it.
/// docs/LIMITS.md lists them; the OpenAPI document states each one on its field.
///
/// Steps already recorded are not held to these bounds again (a bundle written before a
/// bound was set still verifies): they are checked where a value comes in, not where the
/// log is read.
public enum Limits {
    /// Rounds in a lot, a load, a shot or a count; rounds looked at; live rounds found.
    public static let maximumRounds = 100_000
    /// A distance in feet (the nearest person to the muzzle line).
    public static let maximumFeet = 10_000.0
    /// An id (firearm, lot, person, scene), in characters.
    public static let maximumIDLength = 64
    /// A short text (serial, make, model, rental house, source, caliber, a person's name), in characters.
    public static let maximumNameLength = 200
    /// A long text (a concern, a note, a reason, a correction), in characters.
    public static let maximumTextLength = 4_000
    /// People named in one step (attendees, a show-clear's witnesses).
    public static let maximumPeople = 200
    /// Credentials carried by one person or one `join` (there are two kinds).
    public static let maximumCredentials = 8
    /// The greatest step number an `acknowledge` may name.
    public static let maximumStepNumber = 1_000_000_000
    /// A time as written, in characters (RFC 3339 needs at most 35 with nanoseconds).
    public static let maximumTimeLength = 40
    /// How far a time a device claims may run ahead of the server's clock, in seconds.
    public static let clockTolerance: Int64 = 120

    /// The kind of value each field of a step holds, for its bound.
    enum Bound {
        case rounds, feet, id, name, text, people, time, flag, choice, date, stepNumber, credentials
    }

    /// Every field a step (or an anonymous concern) may carry, by name.
    static let bounds: [String: Bound] = [
        "at": .time, "by": .id, "do": .choice,
        "firearm": .id, "lot": .id, "scene": .id, "shooter": .id,
        "serial": .name, "make": .name, "model": .name, "from": .name, "source": .name, "caliber": .name,
        "kind": .choice, "result": .choice, "state": .choice,
        "count": .rounds, "inspected": .rounds, "live_found": .rounds, "rounds": .rounds, "counted": .rounds,
        "nearest_person_ft": .feet,
        "attendees": .people,
        "blanks": .flag, "rehearsal": .flag, "injuries": .flag, "locked": .flag,
        "text": .text, "note": .text, "reason": .text,
        "person": .id, "name": .name, "roles": .people, "number": .name, "expires": .date,
        "alarm": .stepNumber, "credentials": .credentials,
    ]

    /// The bound of `field` in words, as the API and the pages state it.
    public static func describe(_ field: String) -> String? {
        guard let bound = bounds[field] ?? (field == "to" ? .id : nil) else { return nil }
        return describe(bound)
    }

    static func describe(_ bound: Bound) -> String {
        switch bound {
        case .rounds: return "a whole number from 0 to \(maximumRounds)"
        case .feet: return "a number of feet from 0 to \(Int(maximumFeet))"
        case .id: return "1 to \(maximumIDLength) letters, digits, spaces or - _ . : # / ( ) +"
        case .name: return "1 to \(maximumNameLength) characters, no control characters"
        case .text: return "1 to \(maximumTextLength) characters, no control characters but line breaks and tabs"
        case .people: return "a list of at most \(maximumPeople) ids, each \(describe(.id))"
        case .time: return "an RFC 3339 time of at most \(maximumTimeLength) characters"
        case .flag: return "true or false"
        case .choice: return "one of the listed words"
        case .date: return "a date written YYYY-MM-DD"
        case .stepNumber: return "a whole number from 0 to \(maximumStepNumber)"
        case .credentials: return "a list of at most \(maximumCredentials) credentials, each {kind, number, expires}"
        }
    }

    /// Checks the fields of a step as sent (JSON, before it is decoded) against their
    /// bounds. A field the step does not know is left to the decoder, which names it.
    /// `to` is a person id for `hand_over` and `show_clear`, a rental house for `return_firearm`.
    public static func check(step json: JSON) throws(StepFormatError) {
        guard case let .object(members) = json else { return }
        let action: String? = { if case let .string(s)? = json["do"] { return s } else { return nil } }()
        for (key, value) in members {
            var bound = bounds[key]
            if key == "to" { bound = action == "return_firearm" ? .name : (action == "show_clear" ? .people : .id) }
            guard let bound else { continue }
            try check(value, key, bound)
        }
    }

    /// Checks an evidence transfer's fields as sent: `case` an id, `to` a name, and the
    /// firearms and lots lists of ids.
    public static func check(transfer json: JSON) throws(StepFormatError) {
        guard case let .object(members) = json else { return }
        for (key, value) in members {
            switch key {
            case "case": try check(value, key, .id)
            case "to": try check(value, key, .name)
            case "firearms", "lots": try check(value, key, .people)
            default: continue
            }
        }
    }

    static func check(_ value: JSON, _ field: String, _ bound: Bound) throws(StepFormatError) {
        func outOfBounds(_ what: String) -> StepFormatError {
            StepFormatError("field '\(field)' \(what): it must be \(describe(bound))", field: field)
        }
        switch (bound, value) {
        case let (.rounds, .number(n, isInteger)):
            guard n.isFinite, isInteger || n == n.rounded(.towardZero) else { throw outOfBounds("is not a whole number") }
            guard n >= 0, n <= Double(maximumRounds), !(n == 0 && n.sign == .minus) else { throw outOfBounds("is out of bounds") }
        case let (.feet, .number(n, _)):
            guard n.isFinite, n >= 0, n <= maximumFeet, !(n == 0 && n.sign == .minus) else { throw outOfBounds("is out of bounds") }
        case let (.id, .string(s)):
            try checkText(s, maximum: maximumIDLength, allowed: isIDCharacter, outOfBounds)
        case let (.name, .string(s)):
            try checkText(s, maximum: maximumNameLength, allowed: { !isControl($0) }, outOfBounds)
        case let (.text, .string(s)):
            try checkText(s, maximum: maximumTextLength, allowed: { $0 == "\n" || $0 == "\t" || !isControl($0) }, outOfBounds)
        case let (.time, .string(s)):
            guard s.utf8.count <= maximumTimeLength else { throw outOfBounds("is too long") }
        case let (.people, .array(items)):
            guard items.count <= maximumPeople else { throw outOfBounds("names too many people") }
            for item in items {
                if case let .string(s) = item { try checkText(s, maximum: maximumIDLength, allowed: isIDCharacter, outOfBounds) }
            }
        case (.choice, .string(let s)):
            guard s.utf8.count <= maximumIDLength else { throw outOfBounds("is too long") }
        case (.date, .string(let s)):
            guard s.utf8.count <= maximumIDLength else { throw outOfBounds("is too long") }
        case let (.stepNumber, .number(n, isInteger)):
            guard n.isFinite, isInteger || n == n.rounded(.towardZero) else { throw outOfBounds("is not a whole number") }
            guard n >= 0, n <= Double(maximumStepNumber), !(n == 0 && n.sign == .minus) else { throw outOfBounds("is out of bounds") }
        case let (.credentials, .array(items)):
            guard items.count <= maximumCredentials else { throw outOfBounds("holds too many credentials") }
            for item in items {
                guard case let .object(fields) = item else { continue }
                for (key, value) in fields {
                    switch key {
                    case "number": try check(value, key, .name)
                    case "expires": try check(value, key, .date)
                    case "kind": try check(value, key, .choice)
                    default: continue
                    }
                }
            }
        default:
            // The wrong kind of value: the decoder names the kind it needs.
            return
        }
    }

    static func checkText(_ s: String, maximum: Int, allowed: (Unicode.Scalar) -> Bool,
                          _ outOfBounds: (String) -> StepFormatError) throws(StepFormatError) {
        guard !s.isEmpty else { throw outOfBounds("is empty") }
        // Counted in Unicode scalars: a bound a hostile text cannot stretch with combining marks.
        var n = 0
        for scalar in s.unicodeScalars {
            n += 1
            guard n <= maximum else { throw outOfBounds("is longer than \(maximum) characters") }
            guard allowed(scalar) else { throw outOfBounds("holds a character that is not allowed (U+\(hex(scalar.value)))") }
        }
    }

    /// Control characters (C0, DEL, C1) and the invisible direction overrides that can make
    /// a text read differently from what it holds.
    public static func isControl(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return v < 0x20 || (v >= 0x7F && v < 0xA0) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            || v == 0x200E || v == 0x200F || v == 0xFEFF
    }

    /// An id's characters: letters and digits of any script, spaces, and `- _ . : # / ( ) +`.
    public static func isIDCharacter(_ c: Unicode.Scalar) -> Bool {
        if c.properties.isAlphabetic || c.properties.numericType == .decimal { return !isControl(c) }
        switch c {
        case " ", "-", "_", ".", ":", "#", "/", "(", ")", "+": return true
        default: return false
        }
    }

    static func hex(_ v: UInt32) -> String {
        let digits = Array("0123456789ABCDEF")
        var out = ""
        var v = v
        repeat { out.insert(digits[Int(v & 0xF)], at: out.startIndex); v >>= 4 } while v > 0
        return String(repeating: "0", count: max(0, 4 - out.count)) + out
    }
}
