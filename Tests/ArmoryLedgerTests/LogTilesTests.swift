@testable import ArmoryLedger
import Testing

/// The tiled log's addresses and entry bundles, as C2SP tlog-tiles writes them.
struct LogTilesTests {
    static func address(_ path: String) -> TileAddress? {
        guard path.hasPrefix("tile/") else { return nil }
        return TileAddress(segments: path.dropFirst(5).split(separator: "/", omittingEmptySubsequences: false))
    }

    @Test func pathsReadAndWriteAsTheFormatWritesThem() throws {
        // The spec's example index, and the edges of the groups.
        let cases: [(String, Int?, Int, Int?)] = [
            ("tile/0/000", 0, 0, nil), ("tile/0/067", 0, 67, nil), ("tile/1/x001/x234/067", 1, 1_234_067, nil),
            ("tile/0/x001/000.p/5", 0, 1000, 5), ("tile/63/999", 63, 999, nil), ("tile/entries/000.p/1", nil, 0, 1),
            ("tile/entries/x999/x999/x999/999.p/255", nil, TileAddress.maximumIndex, 255), ("tile/2/x010/000", 2, 10_000, nil),
        ]
        for (path, level, index, width) in cases {
            let a = try #require(Self.address(path), "\(path)")
            #expect(a.level == level && a.index == index && a.partialWidth == width, "\(path)")
            #expect(a.path == path)
            #expect(TileAddress(level: level, index: index, partialWidth: width)?.path == path)
        }
    }

    @Test func anythingElseIsNoTile() {
        for path in ["tile/0", "tile/0/67", "tile/0/0067", "tile/00/000", "tile/01/000", "tile/64/000", "tile/-1/000", "tile/entries",
                     "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/05", "tile/0/000.p/", "tile/0/000.p", "tile/0/000/.p/5",
                     "tile/0/x000/067", "tile/0/001/067", "tile/0/x001/x067", "tile/0/x1/067", "tile/data/000", "tile/0/x001//067",
                     "tile/entries/x001/x000/x000/x000/000", "tile/0/+01", "tile/0/0x1", "tile/0/٠٠٠", "tile/0/000.p/5/6", "tile/8/0/000"] {
            #expect(Self.address(path) == nil, "\(path)")
        }
        #expect(TileAddress(level: 64, index: 0) == nil && TileAddress(level: 0, index: -1) == nil)
        #expect(TileAddress(level: 0, index: 0, partialWidth: 256) == nil && TileAddress(level: nil, index: 0, partialWidth: 0) == nil)
    }

    /// The spec's worked example: "a tree of size 70,000 will be represented by 273 full level 0
    /// tiles, one partial level 0 tile of width 112, one full level 1 tile, one partial level 1
    /// tile of width 17, and one partial level 2 tile of width 1."
    @Test func theTilesOfATreeAreTheSpecsExample() {
        let size = 70_000
        #expect(TileAddress.covering(node: 0, level: 0, size: size) == TileAddress(level: 0, index: 0))
        #expect(TileAddress.covering(node: 272 * 256, level: 0, size: size) == TileAddress(level: 0, index: 272))
        #expect(TileAddress.covering(node: size - 1, level: 0, size: size) == TileAddress(level: 0, index: 273, partialWidth: 112))
        #expect(TileAddress.covering(node: 0, level: 1, size: size) == TileAddress(level: 1, index: 0))
        #expect(TileAddress.covering(node: 272, level: 1, size: size) == TileAddress(level: 1, index: 1, partialWidth: 17))
        #expect(TileAddress.covering(node: 0, level: 2, size: size) == TileAddress(level: 2, index: 0, partialWidth: 1))
        #expect(TileAddress.covering(node: size, level: 0, size: size) == nil && TileAddress.covering(node: 273, level: 1, size: size) == nil)
        #expect(TileAddress.covering(node: 0, level: 3, size: size) == nil, "no level 3 tile: the tree is under 256^3")
        // "A tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1."
        #expect(TileAddress.covering(node: 255, level: 0, size: 256) == TileAddress(level: 0, index: 0))
        #expect(TileAddress.covering(node: 0, level: 1, size: 256) == TileAddress(level: 1, index: 0, partialWidth: 1))
        // Complete only once the tree holds every node the tile names.
        let t = TileAddress(level: 1, index: 1, partialWidth: 17)!
        #expect(!t.isComplete(inTreeOf: (256 + 17) * 256 - 1) && t.isComplete(inTreeOf: (256 + 17) * 256))
        #expect(!TileAddress(level: 63, index: 0, partialWidth: 1)!.isComplete(inTreeOf: .max), "a level past the word's width")
        #expect(TileAddress(level: 7, index: 0, partialWidth: 1)!.isComplete(inTreeOf: 1 << 56) && !TileAddress(level: 7, index: 0, partialWidth: 1)!.isComplete(inTreeOf: (1 << 56) - 1))
    }

    @Test func entryBundlesAreLengthLedEntries() throws {
        let entries: [[UInt8]] = [[], [1], Array(repeating: 7, count: 300), Array(repeating: 9, count: EntryBundle.maximumEntryLength)]
        let bytes = try EntryBundle.encode(entries)
        #expect(Array(bytes.prefix(5)) == [0, 0, 0, 1, 1] && Array(bytes[5..<7]) == [1, 44], "lengths big-endian: 0, 1, 300")
        #expect(bytes.count == entries.reduce(0) { $0 + 2 + $1.count })
        #expect(EntryBundle.decode(bytes) == entries)
        #expect(EntryBundle.decode(Array(bytes.dropLast())) == nil && EntryBundle.decode([0]) == nil && EntryBundle.decode([0, 2, 1]) == nil)
        #expect(EntryBundle.decode([]) == [])
        #expect(throws: EntryBundle.TooLong.self) { try EntryBundle.encode([[1], Array(repeating: 0, count: EntryBundle.maximumEntryLength + 1)]) }
    }
}
