/// ALARM-1: every alarm raised, by its step number (a log's entry index), kept compactly in
/// the order raised. Each alarm is evidence and is never dropped, and a production whose
/// alarms go unanswered keeps tens of thousands: a dictionary of statuses cost 280 bytes an
/// alarm, these parallel arrays about a third of that (each list of rules is kept once).
public struct AlarmBook: Sendable, Hashable, Sequence {
    /// The alarms' step numbers, ascending (the order raised).
    public private(set) var keys: [Int] = []
    /// When each alarm's step says it happened, by position.
    var times: [Timestamp] = []
    /// Which of `ruleLists` each alarm cites, by position.
    var rules: [UInt32] = []
    /// The different lists of rules alarms cite, each kept once.
    var ruleLists: [[Rule]] = []
    var ruleListPositions: [[Rule]: UInt32] = [:]
    /// The accepted acknowledgements of the alarms that have any, by step number.
    var acknowledgements: [Int: [Acknowledgement]] = [:]

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

    func status(at position: Int) -> AlarmStatus {
        AlarmStatus(at: times[position], rules: ruleLists[Int(rules[position])], acknowledgements: acknowledgements[keys[position]] ?? [])
    }

    /// The alarm raised by step `number`, if that step raised one.
    public subscript(number: Int) -> AlarmStatus? {
        let (position, found) = place(number)
        return found ? status(at: position) : nil
    }

    /// Whether the alarm raised by step `number` is answered (nil: no such alarm).
    public func answered(_ number: Int) -> Bool? {
        guard place(number).found else { return nil }
        return acknowledgements[number]?.contains(where: \.answers) ?? false
    }

    /// The step numbers of the alarms not yet answered, ascending.
    public var unanswered: [Int] {
        acknowledgements.isEmpty ? keys : keys.filter { !(acknowledgements[$0]?.contains(where: \.answers) ?? false) }
    }

    /// Records the alarm raised by step `number`; returns the one it replaced, if any (its
    /// acknowledgements go with it).
    @discardableResult
    mutating func raise(_ number: Int, at: Timestamp, rules cited: [Rule]) -> AlarmStatus? {
        let list: UInt32
        if let known = ruleListPositions[cited] { list = known } else {
            list = UInt32(ruleLists.count)
            ruleLists.append(cited)
            ruleListPositions[cited] = list
        }
        let (position, found) = place(number)
        if found {
            let replaced = status(at: position)
            times[position] = at
            rules[position] = list
            acknowledgements[number] = nil
            return replaced
        }
        keys.insert(number, at: position)
        times.insert(at, at: position)
        rules.insert(list, at: position)
        return nil
    }

    /// Adds an accepted acknowledgement of the alarm raised by step `number`; returns whether
    /// it was answered before and after (nil: no such alarm).
    mutating func acknowledge(_ number: Int, _ a: Acknowledgement) -> (was: Bool, now: Bool)? {
        guard let was = answered(number) else { return nil }
        acknowledgements[number, default: []].append(a)
        return (was, was || a.answers)
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
