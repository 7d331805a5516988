import ArmoryCore
@testable import ArmoryLedger
import Foundation
import Testing

/// `armory verify` reads a bundle's file a piece at a time: the same answers as reading
/// it whole, whatever the pieces' size, and the report's long sections checked by digest.
struct StreamingVerifyTests {
    static func file(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "armory-stream-\(UUID().uuidString).tar"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: [EvidenceScope.all, .day("2026-04-14"), .firearm("pietta-45")])
    func aBundleReadFromItsFileVerifiesAsFromMemory(scope: EvidenceScope) throws {
        let bytes = try EvidenceBundleTests.bundle(try EvidenceBundleTests.log("rust-reconstruction"), scope)
        let path = try Self.file(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try #require(FileBundleSource(path: path))
        #expect(source.count == bytes.count)
        let fromFile = try EvidenceBundle.verify(source, trustedLogKey: EvidenceBundleTests.logSigner.verifierKey)
        let fromMemory = try EvidenceBundle.verify(bytes, trustedLogKey: EvidenceBundleTests.logSigner.verifierKey)
        #expect(fromFile.inScope == fromMemory.inScope && fromFile.steps == fromMemory.steps && fromFile.alarms == fromMemory.alarms)
        #expect(fromFile.entries == fromMemory.entries && fromFile.proofs == fromMemory.proofs && fromFile.scope == scope)
        // The same file, one byte changed in the middle of the entries, does not verify.
        var changed = bytes
        let entries = try #require(try BundleArchive.index(MemoryBundleSource(bytes)).first { $0.name == "entries.bin" })
        changed[entries.contents.lowerBound + entries.contents.count / 2] ^= 1
        let changedPath = try Self.file(changed)
        defer { try? FileManager.default.removeItem(atPath: changedPath) }
        #expect(throws: BundleError.self) { try EvidenceBundle.verify(try #require(FileBundleSource(path: changedPath))) }
    }

    @Test(arguments: [1, 3, 7, 100, 4096])
    func entriesReadInAnyPieceSizeAreTheSame(chunk: Int) throws {
        let bytes = try EvidenceBundleTests.bundle(try EvidenceBundleTests.log("crow-reconstruction"))
        let archive = try BundleArchive(decoding: bytes)
        let whole = try EvidenceBundle.entries(in: archive)
        let member = try #require(try BundleArchive.index(MemoryBundleSource(bytes)).first { $0.name == "entries.bin" })
        var stream = EntryStream(MemoryBundleSource(bytes), member.contents, chunk: chunk)
        var streamed: [[UInt8]] = []
        while let e = try stream.next() { streamed.append(e) }
        #expect(streamed == whole)
        #expect(whole.count > 20)
    }

    /// Two lines of the timeline swapped: the same bytes, the same length, another report.
    @Test func aReportWithItsTimelineReorderedIsRefused() throws {
        let bytes = try EvidenceBundleTests.bundle(try EvidenceBundleTests.log("rust-reconstruction"))
        var archive = try BundleArchive(decoding: bytes)
        let report = String(decoding: try #require(archive.file("report.txt")), as: UTF8.self)
        var lines = report.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let timeline = try #require(lines.firstIndex(of: "TIMELINE"))
        lines.swapAt(timeline + 2, timeline + 3)
        let swapped = lines.joined(separator: "\n")
        #expect(swapped.utf8.count == report.utf8.count && swapped != report)
        archive.files = archive.files.map { $0.name == "report.txt" ? .init(name: $0.name, contents: Array(swapped.utf8)) : $0 }
        #expect(throws: BundleError("report.txt does not match the verified entries")) { try EvidenceBundle.verify(archive.encoded()) }
        // Cut short, or one line longer: refused too.
        for text in [String(report.dropLast(40)), report + "  #99  x\n"] {
            archive.files = archive.files.map { $0.name == "report.txt" ? .init(name: $0.name, contents: Array(text.utf8)) : $0 }
            #expect(throws: BundleError("report.txt does not match the verified entries")) { try EvidenceBundle.verify(archive.encoded()) }
        }
    }

    @Test func aFileThatShrinksWhileReadIsAnErrorNotACrash() throws {
        let bytes = try EvidenceBundleTests.bundle(try EvidenceBundleTests.log("clean-day"))
        let path = try Self.file(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try #require(FileBundleSource(path: path))
        try FileHandle(forWritingTo: URL(fileURLWithPath: path)).truncate(atOffset: 1000)
        #expect(throws: ArchiveError.self) { try source.read(900..<2000) }
        #expect(throws: BundleError.self) { try EvidenceBundle.verify(source) }
        #expect(FileBundleSource(path: NSTemporaryDirectory()) == nil, "a directory is no bundle")
    }
}
