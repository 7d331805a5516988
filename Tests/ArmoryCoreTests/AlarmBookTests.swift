@testable import ArmoryCore
import Testing

/// The alarms of a production (ALARM-1), kept compactly: found by step number, in the order
/// raised, with their acknowledgements; equal whenever they hold the same alarms.
struct AlarmBookTests {
    static func at(_ s: Int64) -> Timestamp { Timestamp(seconds: 1_800_000_000 + s, offsetMinutes: 0) }
    static func ack(_ n: Int, answers: Bool) -> Acknowledgement {
        Acknowledgement(number: n, by: answers ? "pat" : "ana", at: at(Int64(n)), answers: answers, note: nil)
    }

    @Test func alarmsAreFoundByStepNumberInTheOrderRaised() {
        var book = AlarmBook()
        book.raise(4, at: Self.at(4), rules: [.concern1])
        book.raise(9, at: Self.at(9), rules: [.fa1, .fa4])
        // Out of order (never from the engine, which raises in step order): still kept in order.
        book.raise(6, at: Self.at(6), rules: [.concern1])
        #expect(book.keys == [4, 6, 9] && book.count == 3 && book.openCount == 3)
        #expect(book[6]?.rules == [.concern1] && book[9]?.rules == [.fa1, .fa4] && book[9]?.at == Self.at(9))
        #expect(book[5] == nil && book[0] == nil && book[10] == nil)
        #expect(book.map(\.key) == [4, 6, 9])
        #expect(book.ruleLists.count == 2, "each list of rules is kept once")
        #expect(book.raised(after: 1).map(\.number) == [6, 9] && book.raised(after: 3).isEmpty && book.raised(after: 7).isEmpty)
        #expect(book.raised(after: 2).first.map { [$0.at == Self.at(9), $0.answered] } == [true, false])
    }

    @Test func acknowledgementsAnswerOnlyWhenAProducerOrSafetyGivesThem() {
        var book = AlarmBook()
        book.raise(4, at: Self.at(4), rules: [.concern1])
        book.raise(6, at: Self.at(6), rules: [.concern1])
        let none = book.acknowledge(5, Self.ack(7, answers: true))
        #expect(!none, "no alarm at 5")
        let first = book.acknowledge(4, Self.ack(7, answers: false))
        #expect(first)
        #expect(book.unanswered == [4, 6] && book.answered(4) == false && book.openCount == 2)
        let answer = book.acknowledge(4, Self.ack(8, answers: true))
        #expect(answer && book.openCount == 1)
        let again = book.acknowledge(4, Self.ack(9, answers: true))
        #expect(again)
        #expect(book.openCount == 1, "a second answer does not answer it again")
        #expect(book.unanswered == [6] && book.answered(4) == true && book.answered(5) == nil)
        #expect(book[4]?.acknowledgements.map(\.number) == [7, 8, 9] && book[4]?.answer?.number == 8)
        // Raised again at the same step (a replaced decision): its acknowledgements go with the old one.
        book.raise(4, at: Self.at(4), rules: [.alarm1])
        #expect(book[4]?.acknowledgements.isEmpty == true && book.unanswered == [4, 6] && book.openCount == 2)
        // Raised again while still open: still one open alarm.
        book.raise(6, at: Self.at(6), rules: [.alarm1])
        #expect(book.openCount == 2)
        book.acknowledge(4, Self.ack(10, answers: true))
        book.acknowledge(6, Self.ack(11, answers: true))
        #expect(book.openCount == 0 && book.unanswered.isEmpty)
    }

    @Test func booksWithTheSameAlarmsAreEqualHoweverTheirRulesWereNumbered() {
        var a = AlarmBook(), b = AlarmBook()
        a.raise(1, at: Self.at(1), rules: [.concern1])
        a.raise(2, at: Self.at(2), rules: [.fa7])
        b.raise(2, at: Self.at(2), rules: [.fa7])
        b.raise(1, at: Self.at(1), rules: [.concern1])
        #expect(a.ruleLists != b.ruleLists)
        #expect(a == b && a.hashValue == b.hashValue)
        b.raise(2, at: Self.at(2), rules: [.fa1])
        #expect(a != b)
    }

    @Test func anAlarmsTimeKeepsItsInstantAndOffset() throws {
        for text in ["2026-12-04T17:49:37Z", "2026-12-04T17:49:37.25+02:00", "2026-12-04T17:49:37.000000001-07:30",
                     "2026-12-04t17:49:37.120z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z"] {
            let t = try #require(Timestamp(rfc3339: text))
            var book = AlarmBook()
            book.raise(1, at: t, rules: [.concern1])
            let kept = try #require(book[1]?.at)
            #expect(kept == t && kept.offsetMinutes == t.offsetMinutes && kept.nanoseconds == t.nanoseconds, "\(text)")
            #expect(kept.localDate == t.localDate && kept.localClock == t.localClock, "\(text)")
            // Written canonically, it reads back as the same moment.
            #expect(Timestamp(rfc3339: kept.text) == t && Timestamp(rfc3339: kept.text)?.offsetMinutes == t.offsetMinutes, "\(kept.text)")
        }
        #expect(Timestamp(rfc3339: "2026-12-04T17:49:37.250+02:00").map { AlarmBook.Moment($0).timestamp.text } == "2026-12-04T17:49:37.25+02:00")
    }
}
