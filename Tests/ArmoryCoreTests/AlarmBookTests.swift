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
        #expect(book.raise(4, at: Self.at(4), rules: [.concern1]) == nil)
        #expect(book.raise(9, at: Self.at(9), rules: [.fa1, .fa4]) == nil)
        // Out of order (never from the engine, which raises in step order): still kept in order.
        #expect(book.raise(6, at: Self.at(6), rules: [.concern1]) == nil)
        #expect(book.keys == [4, 6, 9] && book.count == 3)
        #expect(book[6]?.rules == [.concern1] && book[9]?.rules == [.fa1, .fa4] && book[9]?.at == Self.at(9))
        #expect(book[5] == nil && book[0] == nil && book[10] == nil)
        #expect(book.map(\.key) == [4, 6, 9])
        #expect(book.ruleLists.count == 2, "each list of rules is kept once")
    }

    @Test func acknowledgementsAnswerOnlyWhenAProducerOrSafetyGivesThem() {
        var book = AlarmBook()
        book.raise(4, at: Self.at(4), rules: [.concern1])
        book.raise(6, at: Self.at(6), rules: [.concern1])
        #expect(book.acknowledge(5, Self.ack(7, answers: true)) == nil, "no alarm at 5")
        #expect(book.acknowledge(4, Self.ack(7, answers: false)).map { [$0.was, $0.now] } == [false, false])
        #expect(book.unanswered == [4, 6] && book.answered(4) == false)
        #expect(book.acknowledge(4, Self.ack(8, answers: true)).map { [$0.was, $0.now] } == [false, true])
        #expect(book.acknowledge(4, Self.ack(9, answers: true)).map { [$0.was, $0.now] } == [true, true])
        #expect(book.unanswered == [6] && book.answered(4) == true && book.answered(5) == nil)
        #expect(book[4]?.acknowledgements.map(\.number) == [7, 8, 9] && book[4]?.answer?.number == 8)
        // Raised again at the same step (a replaced decision): its acknowledgements go with the old one.
        #expect(book.raise(4, at: Self.at(4), rules: [.alarm1])?.answered == true)
        #expect(book[4]?.acknowledgements.isEmpty == true && book.unanswered == [4, 6])
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
}
