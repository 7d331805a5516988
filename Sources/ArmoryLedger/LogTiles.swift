/// Where one resource of a tiled log sits (C2SP tlog-tiles): a tile of tree hashes,
/// `tile/<L>/<N>[.p/<W>]`, or an entry bundle, `tile/entries/<N>[.p/<W>]`. A mirror or an
/// auditor fetches these with tools nobody here wrote (docs/FORMAT.md, "The tiled log").
public struct TileAddress: Sendable, Hashable, CustomStringConvertible {
    /// Hashes (or entries) in a full tile: a subtree of height 8.
    public static let fullWidth = 256
    /// Tree levels a tile spans.
    public static let height = 8
    /// The highest tile level the format writes.
    public static let maximumLevel = 63
    /// The highest tile index read: four groups of three digits, far beyond any log's size.
    public static let maximumIndex = 999_999_999_999

    /// The tile's level (0: leaf hashes), or nil for an entry bundle.
    public let level: Int?
    /// The tile's index within its level.
    public let index: Int
    /// A partial tile's width (1...255); nil for a full tile.
    public let partialWidth: Int?

    public init?(level: Int?, index: Int, partialWidth: Int? = nil) {
        if let level, !(0...Self.maximumLevel).contains(level) { return nil }
        if let w = partialWidth, !(1..<Self.fullWidth).contains(w) { return nil }
        guard (0...Self.maximumIndex).contains(index) else { return nil }
        self.level = level
        self.index = index
        self.partialWidth = partialWidth
    }

    /// How many hashes (or entries) the tile holds.
    public var width: Int { partialWidth ?? Self.fullWidth }

    /// The tree level of the nodes whose hashes the tile holds (an entry bundle: the leaves').
    public var treeLevel: Int { (level ?? 0) * Self.height }

    /// The index, at `treeLevel`, of the tile's first node (an entry bundle: its first entry).
    public var firstNode: Int { index * Self.fullWidth }

    /// Whether a tree of `size` leaves has every node (or entry) this tile holds.
    public func isComplete(inTreeOf size: Int) -> Bool {
        // A shift past the word's width gives 0: no tile that high is complete.
        firstNode + width <= (size >> treeLevel)
    }

    /// The path after the log's prefix: `tile/0/x001/234.p/5`.
    public var path: String {
        "tile/" + (level.map(String.init) ?? "entries") + "/" + Self.encode(index) + (partialWidth.map { ".p/\($0)" } ?? "")
    }

    public var description: String { path }

    /// `N` as the format writes it: groups of three digits, all but the last led by `x`.
    static func encode(_ n: Int) -> String {
        var groups: [String] = []
        var rest = n
        repeat {
            let g = String(rest % 1000)
            groups.insert(String(repeating: "0", count: 3 - g.count) + g, at: 0)
            rest /= 1000
        } while rest > 0
        return groups.enumerated().map { $0.offset < groups.count - 1 ? "x" + $0.element : $0.element }.joined(separator: "/")
    }

    /// Reads the path segments after `tile/`; nil for anything the format does not write
    /// exactly so (leading zeros, a group without its `x`, a width of 0 or 256).
    public init?(segments: [Substring]) {
        guard segments.count >= 2, segments.count <= 7 else { return nil }
        var rest = segments.dropFirst()
        let level: Int?
        if segments[0] == "entries" {
            level = nil
        } else {
            guard let l = Self.decimal(segments[0]) else { return nil }
            level = l
        }
        var width: Int?
        if rest.count >= 2, rest[rest.endIndex - 2].hasSuffix(".p") {
            guard let w = Self.decimal(rest.last!) else { return nil }
            width = w
            rest.removeLast()
            rest[rest.endIndex - 1] = rest.last!.dropLast(2)
        }
        var n = 0
        for (k, group) in rest.enumerated() {
            let digits = k < rest.count - 1 ? (group.first == "x" ? group.dropFirst() : "") : group
            guard digits.count == 3, digits.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
            n = n * 1000 + Int(digits)!
            guard n <= Self.maximumIndex else { return nil }
        }
        guard let address = TileAddress(level: level, index: n, partialWidth: width),
              address.path == "tile/" + segments.joined(separator: "/") else { return nil }
        self = address
    }

    /// A level or width: a plain decimal of at most three digits.
    static func decimal(_ s: Substring) -> Int? { plainDecimal(s, maximumDigits: 3) }

    /// The tile of `level` (nil: the entry bundle) holding node (or entry) `node`, as a tree
    /// of `size` leaves has it: full, or partial when the tree ends inside it.
    public static func covering(node: Int, level: Int?, size: Int) -> TileAddress? {
        let treeLevel = (level ?? 0) * height
        let nodes = size >> treeLevel
        guard node >= 0, node < nodes else { return nil }
        let index = node / fullWidth
        let width = min(fullWidth, nodes - index * fullWidth)
        return TileAddress(level: level, index: index, partialWidth: width == fullWidth ? nil : width)
    }
}

/// The entry bundle's bytes: each entry's canonical bytes, led by their length as a
/// big-endian uint16 (C2SP tlog-tiles).
public enum EntryBundle {
    /// The longest entry a bundle can carry.
    public static let maximumEntryLength = Int(UInt16.max)

    public struct TooLong: Error, CustomStringConvertible {
        public let position: Int
        public let length: Int
        public var description: String {
            "entry \(position) of the bundle is \(length) bytes; an entry bundle carries entries of at most \(EntryBundle.maximumEntryLength)"
        }
    }

    public static func encode(_ entries: [[UInt8]]) throws(TooLong) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.reduce(0) { $0 + 2 + $1.count })
        for (k, e) in entries.enumerated() {
            guard e.count <= maximumEntryLength else { throw TooLong(position: k, length: e.count) }
            out.append(UInt8(e.count >> 8))
            out.append(UInt8(e.count & 0xff))
            out += e
        }
        return out
    }

    /// The entries of a bundle; nil when its bytes do not split into length-led entries exactly.
    public static func decode(_ bytes: [UInt8]) -> [[UInt8]]? {
        var out: [[UInt8]] = []
        var k = 0
        while k < bytes.count {
            guard k + 2 <= bytes.count else { return nil }
            let n = Int(bytes[k]) << 8 | Int(bytes[k + 1])
            guard k + 2 + n <= bytes.count else { return nil }
            out.append(Array(bytes[(k + 2)..<(k + 2 + n)]))
            k += 2 + n
        }
        return out
    }
}

/// A whole number written in ASCII decimal with no sign and no leading zero ("0" for zero),
/// of at most `maximumDigits` digits and no more than `Int.max`: how C2SP writes sizes, levels
/// and widths. Anything else is nil.
func plainDecimal(_ s: Substring, maximumDigits: Int = 19) -> Int? {
    guard !s.isEmpty, s.utf8.count <= maximumDigits, s.utf8.allSatisfy({ (48...57).contains($0) }), s == "0" || s.first != "0" else { return nil }
    return Int(s)
}
