import ArmoryLedger
import Foundation
import Testing

/// Bundles are ustar archives any `tar` reads, written and read canonically.
struct BundleArchiveTests {
    static let archive = BundleArchive(files: [
        .init(name: "manifest.json", contents: Array(#"{"scope":"all"}"#.utf8)),
        .init(name: "proofs/3.tlog-proof", contents: Array("c2sp.org/tlog-proof@v1\nindex 3\n".utf8)),
        .init(name: "empty.txt", contents: []),
        .init(name: "block.bin", contents: [UInt8](repeating: 7, count: 512)),
    ])

    @Test func roundTrips() throws {
        #expect(try BundleArchive(decoding: Self.archive.encoded()) == Self.archive)
    }

    @Test func isBlockAligned() {
        let bytes = Self.archive.encoded()
        #expect(bytes.count % 512 == 0)
        #expect(bytes.count == 512 * (4 + 1 + 1 + 0 + 1 + 2))
    }

    @Test func gnuTarListsAndExtractsIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("armory-tar-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bundle.tar")
        try Data(Self.archive.encoded()).write(to: path)
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        tar.arguments = ["tar", "-xf", path.path, "-C", dir.path]
        try tar.run()
        tar.waitUntilExit()
        #expect(tar.terminationStatus == 0)
        for f in Self.archive.files {
            let extracted = try Data(contentsOf: dir.appendingPathComponent(f.name))
            #expect([UInt8](extracted) == f.contents, "\(f.name) differs after tar -x")
        }
    }

    /// File contents are checked by the bundle verifier; every other byte (headers,
    /// padding, the end-of-archive blocks) is checked here.
    @Test func everySingleByteChangeOutsideFileContentsIsRejected() {
        let bytes = Self.archive.encoded()
        var contentBytes = Set<Int>()
        var offset = 0
        for f in Self.archive.files {
            offset += 512
            contentBytes.formUnion(offset..<(offset + f.contents.count))
            offset += (f.contents.count + 511) / 512 * 512
        }
        for k in bytes.indices where !contentBytes.contains(k) {
            var changed = bytes
            changed[k] ^= 0x01
            if let decoded = try? BundleArchive(decoding: changed) {
                Issue.record("a change at byte \(k) was accepted: \(decoded.files.map(\.name))")
            }
        }
    }

    @Test func truncationIsRejected() {
        let bytes = Self.archive.encoded()
        for n in stride(from: 0, to: bytes.count, by: 97) {
            #expect(throws: ArchiveError.self) { try BundleArchive(decoding: Array(bytes.prefix(n))) }
        }
    }
}
