/// A moment as a person on set wrote it: an RFC 3339 date-time with its UTC offset.
///
/// Steps carry their own time (the engine never reads a clock). The original text is
/// kept because it is evidence; comparisons use the instant.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public let seconds: Int64
    /// Fraction of the second, in nanoseconds (0..<1_000_000_000).
    public let nanoseconds: Int32
    /// The writer's UTC offset in minutes (east positive), for showing local time.
    public let offsetMinutes: Int16
    /// The text as written.
    public let text: String

    public var description: String { text }

    public static func == (a: Timestamp, b: Timestamp) -> Bool {
        a.seconds == b.seconds && a.nanoseconds == b.nanoseconds
    }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(seconds)
        hasher.combine(nanoseconds)
    }
    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    /// Seconds from `earlier` to `self`, as a fraction.
    public func seconds(since earlier: Timestamp) -> Double {
        Double(seconds - earlier.seconds) + Double(nanoseconds - earlier.nanoseconds) / 1e9
    }

    /// Local wall-clock time `HH:MM` in the writer's offset.
    public var localClock: String {
        let local = seconds + Int64(offsetMinutes) * 60
        let secondOfDay = ((local % 86_400) + 86_400) % 86_400
        let h = secondOfDay / 3600, m = (secondOfDay % 3600) / 60
        return (h < 10 ? "0" : "") + String(h) + ":" + (m < 10 ? "0" : "") + String(m)
    }

    /// Local calendar date `YYYY-MM-DD` in the writer's offset.
    public var localDate: String {
        let local = seconds + Int64(offsetMinutes) * 60
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let (y, m, d) = Timestamp.civil(fromDays: days)
        func pad(_ n: Int64, _ w: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
    }

    /// Parses an RFC 3339 `date-time` (section 5.6): `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
    /// `t`/`z` in lower case are accepted as the RFC allows; a leap second is not.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        func digits(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= b.count else { return nil }
            var v: Int64 = 0
            for k in from..<(from + count) {
                let c = b[k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            return v
        }
        guard b.count >= 20,
              let year = digits(0, 4), b[4] == UInt8(ascii: "-"),
              let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
              let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let hour = digits(11, 2), b[13] == UInt8(ascii: ":"),
              let minute = digits(14, 2), b[16] == UInt8(ascii: ":"),
              let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var k = 19
        var nanos: Int64 = 0
        if k < b.count, b[k] == UInt8(ascii: ".") {
            k += 1
            var scale: Int64 = 100_000_000
            let fracStart = k
            while k < b.count, b[k] >= 48, b[k] <= 57 {
                nanos += Int64(b[k] - 48) * scale
                scale /= 10
                k += 1
            }
            guard k > fracStart else { return nil }
        }
        guard k < b.count else { return nil }
        var offset: Int64 = 0
        if b[k] == UInt8(ascii: "Z") || b[k] == UInt8(ascii: "z") {
            k += 1
        } else if b[k] == UInt8(ascii: "+") || b[k] == UInt8(ascii: "-") {
            let sign: Int64 = b[k] == UInt8(ascii: "-") ? -1 : 1
            guard let oh = digits(k + 1, 2), k + 3 < b.count, b[k + 3] == UInt8(ascii: ":"),
                  let om = digits(k + 4, 2), oh <= 23, om <= 59
            else { return nil }
            offset = sign * (oh * 60 + om)
            k += 6
        } else {
            return nil
        }
        guard k == b.count else { return nil }
        let days = Timestamp.days(fromCivil: year, month, day)
        self.seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset * 60
        self.nanoseconds = Int32(nanos)
        self.offsetMinutes = Int16(offset)
        self.text = text
    }

    static func isLeap(_ y: Int64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

extension Timestamp {
    /// 0000-01-01T00:00:00 and 9999-12-31T23:59:59, local time, in seconds from the epoch.
    static let earliestLocal: Int64 = -62_167_219_200
    static let latestLocal: Int64 = 253_402_300_799

    /// The moment `seconds` after the epoch, written in RFC 3339 with the given offset.
    /// The moment is kept within years 0000 to 9999 as written in `offsetMinutes`, the
    /// years RFC 3339 can write: a later moment is written as 9999-12-31T23:59:59 there
    /// (a log dated past it could not be read back).
    public init(seconds: Int64, offsetMinutes: Int16 = 0) {
        let offsetSeconds = Int64(offsetMinutes) * 60
        let seconds = min(max(seconds, Timestamp.earliestLocal - offsetSeconds), Timestamp.latestLocal - offsetSeconds)
        let local = seconds + offsetSeconds
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = local - days * 86_400
        let (y, m, d) = Timestamp.civil(fromDays: days)
        func pad(_ n: Int64, _ w: Int = 2) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        var text = pad(y, 4) + "-" + pad(m) + "-" + pad(d) + "T"
        text += pad(secondOfDay / 3600) + ":" + pad(secondOfDay % 3600 / 60) + ":" + pad(secondOfDay % 60)
        if offsetMinutes == 0 {
            text += "Z"
        } else {
            let o = Int64(abs(Int(offsetMinutes)))
            text += (offsetMinutes < 0 ? "-" : "+") + pad(o / 60) + ":" + pad(o % 60)
        }
        self.seconds = seconds
        self.nanoseconds = 0
        self.offsetMinutes = offsetMinutes
        self.text = text
    }

    /// The moment `seconds` and `nanoseconds` after the epoch, written in RFC 3339 with the
    /// given offset and as few fraction digits as hold the nanoseconds (none for a whole second).
    init(seconds: Int64, nanoseconds: Int32, offsetMinutes: Int16) {
        self.init(seconds: seconds, offsetMinutes: offsetMinutes)
        guard nanoseconds > 0, nanoseconds < 1_000_000_000 else { return }
        var digits = String(nanoseconds)
        digits = String(repeating: "0", count: 9 - digits.count) + digits
        while digits.last == "0" { digits.removeLast() }
        var text = self.text
        text.insert(contentsOf: "." + digits, at: text.index(text.startIndex, offsetBy: 19))
        self = Timestamp(seconds: self.seconds, nanoseconds: nanoseconds, offsetMinutes: offsetMinutes, text: text)
    }

    private init(seconds: Int64, nanoseconds: Int32, offsetMinutes: Int16, text: String) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.offsetMinutes = offsetMinutes
        self.text = text
    }
}
