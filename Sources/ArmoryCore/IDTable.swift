/// A production's firearms, lots or people by id. Each id is given a small number once, its
/// place in the order first named, and the engine looks things up by that number: a rule
/// reads an array instead of hashing a name in a dictionary, and a copy of the state holds
/// a few arrays instead of a table of names.
///
/// Readers outside the engine use it as they would a dictionary keyed by id: `table[id]`,
/// `keys`, `values`, and iteration as `(key, value)` pairs, in the order first named.
public struct IDTable<Value: Hashable & Sendable>: Sendable, Sequence {
    /// Every id, in the order first named: an id's number is its place here.
    public private(set) var ids: [String] = []
    /// Each id's number.
    private var numbers: [String: Int32] = [:]
    /// Each id's value, by number; nil for an id named but holding none (a firearm whose only
    /// receipt was refused).
    private var items: [Value?] = []
    /// How many ids hold a value.
    public private(set) var count = 0

    public init() {}

    /// The value kept for `id`, if any.
    public subscript(id: String) -> Value? {
        guard let n = numbers[id] else { return nil }
        return items[Int(n)]
    }

    /// Whether no id holds a value.
    public var isEmpty: Bool { count == 0 }

    /// The ids that hold a value, in the order first named.
    public var keys: [String] { ids.indices.filter { items[$0] != nil }.map { ids[$0] } }

    /// The values, in the order their ids were first named.
    public var values: [Value] { items.compactMap { $0 } }

    /// The number of `id`, if it was ever named.
    func number(of id: String) -> Int32? { numbers[id] }

    /// The number the next new id will get.
    var nextNumber: Int32 { Int32(ids.count) }

    /// The id numbered `n`.
    func id(_ n: Int32) -> String { ids[Int(n)] }

    /// The value numbered `n` (nil: named, holding none).
    subscript(number n: Int32) -> Value? {
        get { items[Int(n)] }
        set {
            let k = Int(n)
            if items[k] == nil, newValue != nil { count += 1 } else if items[k] != nil, newValue == nil { count -= 1 }
            items[k] = newValue
        }
    }

    /// Names `id` (new), holding `value`; returns its number.
    @discardableResult
    mutating func append(_ id: String, _ value: Value?) -> Int32 {
        let n = nextNumber
        numbers[id] = n
        ids.append(id)
        items.append(value)
        if value != nil { count += 1 }
        return n
    }

    /// Changes the value numbered `n` in place (it must hold one).
    mutating func modify(_ n: Int32, _ change: (inout Value) -> Void) {
        let k = Int(n)
        guard items[k] != nil else { return }
        change(&items[k]!)
    }

    /// Whether both hold the same values under the same ids, whatever order they were named in
    /// (as two dictionaries are equal).
    func sameEntries(as other: IDTable<Value>) -> Bool {
        if ids == other.ids { return items == other.items }
        guard count == other.count else { return false }
        for k in items.indices {
            if let v = items[k], other[ids[k]] != v { return false }
        }
        return true
    }

    public struct Iterator: IteratorProtocol {
        let table: IDTable<Value>
        var position = 0
        public mutating func next() -> (key: String, value: Value)? {
            while position < table.items.count {
                defer { position += 1 }
                if let v = table.items[position] { return (table.ids[position], v) }
            }
            return nil
        }
    }

    /// Every id holding a value, with its value, in the order first named.
    public func makeIterator() -> Iterator { Iterator(table: self) }
}

extension IDTable: Hashable {
    /// Equal when they hold the same values under the same ids, named in the same order (the
    /// numbers follow from that order).
    public static func == (a: IDTable<Value>, b: IDTable<Value>) -> Bool { a.ids == b.ids && a.items == b.items }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ids)
        hasher.combine(items)
    }
}
