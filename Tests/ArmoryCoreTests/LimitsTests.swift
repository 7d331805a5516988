import Testing

@testable import ArmoryCore

/// The bounds every value from outside is held to (docs/LIMITS.md): an out-of-bounds value
/// is refused naming its field and bound, and no stamp is ever written past 9999-12-31.
struct LimitsTests {
    func refusal(_ json: String) -> StepFormatError? {
        do { try Limits.check(step: try JSON.parse(json)); return nil } catch let e as StepFormatError { return e } catch { return nil }
    }

    @Test(arguments: [
        (#"{"do":"fire","nearest_person_ft":1e300}"#, "nearest_person_ft"),
        (#"{"do":"fire","nearest_person_ft":-1}"#, "nearest_person_ft"),
        (#"{"do":"fire","nearest_person_ft":-0}"#, "nearest_person_ft"),
        (#"{"do":"load","rounds":9223372036854775808}"#, "rounds"),
        (#"{"do":"load","rounds":1.5}"#, "rounds"),
        (#"{"do":"load","rounds":100001}"#, "rounds"),
        (#"{"do":"receive_ammo","count":-1}"#, "count"),
        (#"{"do":"report_concern","text":""}"#, "text"),
        (#"{"do":"load","firearm":"a;b"}"#, "firearm"),
        (#"{"do":"load","firearm":"a\u202Eb"}"#, "firearm"),
        (#"{"do":"show_clear","to":["ok","x\u0000"]}"#, "to"),
        (#"{"do":"load","at":"2026-01-01T00:00:00.0000000000000000000000000Z"}"#, "at"),
    ])
    func anOutOfBoundsValueIsRefusedNamingItsFieldAndBound(_ json: String, _ field: String) throws {
        let e = try #require(refusal(json))
        #expect(e.field == field)
        #expect(e.message.contains("'\(field)'") && e.message.contains("it must be"))
    }

    @Test func valuesAtTheirBoundsPass() {
        #expect(refusal(#"{"do":"load","rounds":100000,"firearm":"colt-1 (A)","scene":"12B"}"#) == nil)
        #expect(refusal(#"{"do":"fire","nearest_person_ft":10000}"#) == nil)
        #expect(refusal("{\"do\":\"report_concern\",\"text\":\"" + String(repeating: "é", count: 4_000) + "\"}") == nil)
        #expect(refusal("{\"do\":\"report_concern\",\"text\":\"" + String(repeating: "x", count: 4_001) + "\"}")?.field == "text")
    }

    @Test func aTextIsCountedInScalarsSoCombiningMarksCannotStretchIt() {
        let stretched = String(repeating: "e\u{301}", count: 2_001)  // 4,002 scalars, 2,001 characters
        #expect(refusal("{\"do\":\"report_concern\",\"text\":\"\(stretched)\"}")?.field == "text")
    }

    @Test(arguments: [Int64.max, Int64.max / 2, 253_402_300_799, 253_402_300_799 + 86_400, Int64.min, Int64.min / 2] as [Int64])
    func noStampIsWrittenOutsideTheYearsRFC3339Writes(_ seconds: Int64) throws {
        for offset: Int16 in [-720, -420, 0, 840] {
            let t = Timestamp(seconds: seconds, offsetMinutes: offset)
            // Four-digit years only, and what is written reads back as the same moment.
            #expect(t.text.prefix(4).allSatisfy(\.isNumber) && t.text[t.text.index(t.text.startIndex, offsetBy: 4)] == "-", "\(t.text)")
            let back = try #require(Timestamp(rfc3339: t.text), "\(t.text) does not read back")
            #expect(back.seconds == t.seconds)
        }
    }

    @Test func theStampAfterTheLatestIsStillReadable() throws {
        // The security review's first finding: a concern at 9999-12-31T23:59:59-12:00, then
        // one stamped a second later, gave a five-digit year no reader takes.
        let last = try #require(Timestamp(rfc3339: "9999-12-31T23:59:59-12:00"))
        let next = Timestamp(seconds: last.seconds + 1, offsetMinutes: -420)
        #expect(Timestamp(rfc3339: next.text) != nil, "\(next.text)")
    }

    @Test func integersPastInt64AreNotIntegers() throws {
        #expect(try JSON.parse("1e300").intValue == nil)
        #expect(try JSON.parse("9223372036854775808").intValue == nil)
        #expect(try JSON.parse("2.5").intValue == nil)
        #expect(try JSON.parse("100000").intValue == 100_000)
    }
}
