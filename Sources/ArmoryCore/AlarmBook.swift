/// ALARM-1: every alarm raised, by its step number (a log's entry index), kept compactly in
/// the order raised. Each alarm is evidence and is never dropped, and a production whose
/// alarms go unanswered keeps tens of thousands: a dictionary of statuses cost 280 bytes an
/// alarm, these parallel arrays a fifth of that (each list of rules is kept once, and each
/// time as its instant and offset: the text as written stays in the alarm's entry).
public struct AlarmBook: Sendable, Hashable, Sequence {
    /// The alarms' step numbers, ascending (the order raised).
    public private(set) var keys: [Int] = []
    /// When each alarm's step says it happened, by position.
    var times: [Moment] = []
    /// Which of `ruleLists` each alarm cites, by position.
    var rules: [UInt32] = []
    /// The different lists of rules alarms cite, each kept once.
    var ruleLists: [[Rule]] = []
    var ruleListPositions: [[Rule]: UInt32] = [:]
    /// The accepted acknowledgements of the alarms that have any, by step number.
    var acknowledgements: [Int: [Acknowledgement]] = [:]
    /// How many alarms are not yet answered: kept by `raise` and `acknowledge`, which see
    /// every change that moves it.
    public private(set) var openCount = 0

    public init() {}

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// Where the alarm raised by step `number` is kept, or where it would go.
    func place(_ number: Int) -> (position: Int, found: Bool) {
        var low = 0, high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle] < number { low = middle + 1 } else { high = middle }
        }
        return (low, low < keys.count && keys[low] == number)
    }

    /// A `Timestamp` without its text: 16 bytes and no string kept per alarm.
    struct Moment: Sendable, Hashable {
        let seconds: Int64
        let nanoseconds: Int32
        let offsetMinutes: Int16
        init(_ t: Timestamp) { (seconds, nanoseconds, offsetMinutes) = (t.seconds, t.nanoseconds, t.offsetMinutes) }
        /// The same moment in the same offset (written canonically, which may not be as written).
        var timestamp: Timestamp { Timestamp(seconds: seconds, nanoseconds: nanoseconds, offsetMinutes: offsetMinutes) }
    }

    func status(at position: Int) -> AlarmStatus {
        AlarmStatus(at: times[position].timestamp, rules: ruleLists[Int(rules[position])], acknowledgements: acknowledgements[keys[position]] ?? [])
    }

    /// The alarm raised by step `number`, if that step raised one.
    public subscript(number: Int) -> AlarmStatus? {
        let (position, found) = place(number)
        return found ? status(at: position) : nil
    }

    /// Whether the alarm raised by step `number` is answered (nil: no such alarm).
    public func answered(_ number: Int) -> Bool? {
        guard place(number).found else { return nil }
        return isAnswered(number)
    }

    /// Whether the alarm raised by step `number`, known to be kept, is answered.
    private func isAnswered(_ number: Int) -> Bool {
        acknowledgements[number].map(AlarmStatus.answered(by:)) ?? false
    }

    /// The step numbers of the alarms not yet answered, ascending.
    public var unanswered: [Int] {
        openCount == 0 ? [] : openCount == keys.count ? keys : keys.filter { !isAnswered($0) }
    }

    /// The alarms raised after the first `count`, read by position: what is new to someone who
    /// has seen `count` of them.
    public func raised(after count: Int) -> [(number: Int, at: Timestamp, answered: Bool)] {
        (Swift.min(Swift.max(0, count), keys.count)..<keys.count).map { (keys[$0], times[$0].timestamp, isAnswered(keys[$0])) }
    }

    /// Records the alarm raised by step `number`, replacing any it raised before (its
    /// acknowledgements go with it).
    mutating func raise(_ number: Int, at: Timestamp, rules cited: [Rule]) {
        let list: UInt32
        if let known = ruleListPositions[cited] { list = known } else {
            list = UInt32(ruleLists.count)
            ruleLists.append(cited)
            ruleListPositions[cited] = list
        }
        let (position, found) = place(number)
        if found {
            if isAnswered(number) { openCount += 1 }
            times[position] = Moment(at)
            rules[position] = list
            acknowledgements[number] = nil
            return
        }
        keys.insert(number, at: position)
        times.insert(Moment(at), at: position)
        rules.insert(list, at: position)
        openCount += 1
    }

    /// Adds an accepted acknowledgement of the alarm raised by step `number`; returns false,
    /// keeping nothing, when that step raised no alarm.
    @discardableResult
    mutating func acknowledge(_ number: Int, _ a: Acknowledgement) -> Bool {
        guard let was = answered(number) else { return false }
        acknowledgements[number, default: []].append(a)
        if a.answers && !was { openCount -= 1 }
        return true
    }

    public struct Iterator: IteratorProtocol {
        let book: AlarmBook
        var position = 0
        public mutating func next() -> (key: Int, value: AlarmStatus)? {
            guard position < book.keys.count else { return nil }
            defer { position += 1 }
            return (book.keys[position], book.status(at: position))
        }
    }

    /// Every alarm, by step number ascending.
    public func makeIterator() -> Iterator { Iterator(book: self) }

    // Two books are equal when they hold the same alarms, however their lists of rules were numbered.
    public static func == (a: AlarmBook, b: AlarmBook) -> Bool {
        a.keys == b.keys && a.times == b.times && a.acknowledgements == b.acknowledgements
            && zip(a.rules, b.rules).allSatisfy { a.ruleLists[Int($0)] == b.ruleLists[Int($1)] }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(keys)
        hasher.combine(times)
        hasher.combine(acknowledgements)
    }
}
