import ArmoryLedger
import Foundation
import Testing

/// Hostile bundle archives: each is refused with an `ArchiveError` naming the member and the
/// problem, before anything is allocated from a size it declares. (No Armory command
/// extracts a bundle to disk: `verify` and `import` read it in memory only; the names are
/// still held to safe relative paths, since investigators will `tar -x` bundles.)
struct HostileArchiveTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        let bytes: [UInt8]
        let message: String
        var limits = BundleArchive.Limits.standard
        var testDescription: String { label }
    }

    // MARK: Building archives byte by byte, with a correct checksum unless told otherwise.

    static func octal(_ value: Int, width: Int) -> [UInt8] {
        let digits = String(value, radix: 8)
        return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
    }

    /// A ustar header as Armory writes it, with any field overridden.
    static func header(name: [UInt8], size: Int, sizeField: [UInt8]? = nil, type: UInt8 = UInt8(ascii: "0"),
                       link: [UInt8] = [], prefix: [UInt8] = []) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int) { for (k, b) in bytes.enumerated() { h[offset + k] = b } }
        put(name, at: 0)
        put(octal(0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(sizeField ?? octal(size, width: 12), at: 124)
        put(octal(0, width: 12), at: 136)
        put(Array("        ".utf8), at: 148)
        h[156] = type
        put(link, at: 157)
        put(Array("ustar".utf8) + [0] + Array("00".utf8), at: 257)
        put(Array("armory".utf8), at: 265)
        put(Array("armory".utf8), at: 297)
        put(octal(0, width: 8), at: 329)
        put(octal(0, width: 8), at: 337)
        put(prefix, at: 345)
        put(octal(h.reduce(0) { $0 + Int($1) }, width: 7) + [UInt8(ascii: " ")], at: 148)
        return h
    }

    static func member(_ name: String, _ contents: [UInt8] = Array("x\n".utf8), type: UInt8 = UInt8(ascii: "0"),
                       link: String = "", prefix: String = "") -> [UInt8] {
        member(raw: Array(name.utf8), contents, type: type, link: link, prefix: prefix)
    }

    static func member(raw name: [UInt8], _ contents: [UInt8] = Array("x\n".utf8), type: UInt8 = UInt8(ascii: "0"),
                       link: String = "", prefix: String = "") -> [UInt8] {
        header(name: name, size: contents.count, type: type, link: Array(link.utf8), prefix: Array(prefix.utf8))
            + contents + [UInt8](repeating: 0, count: (512 - contents.count % 512) % 512)
    }

    static let end = [UInt8](repeating: 0, count: 1024)
    static let good = member("manifest.json")

    static let cases: [Case] = [
        Case(label: "parent directory", bytes: member("../x") + end, message: "member '../x' climbs out of the bundle's directory"),
        Case(label: "parent inside the path", bytes: member("a/../../x") + end, message: "member 'a/../../x' climbs out"),
        Case(label: "absolute path", bytes: member("/etc/x") + end, message: "member '/etc/x' is an absolute path"),
        Case(label: "dot component", bytes: member("./x") + end, message: "member './x' has an empty or '.' path component"),
        Case(label: "empty component", bytes: member("a//x") + end, message: "member 'a//x' has an empty or '.' path component"),
        Case(label: "escape in a name", bytes: member("a\u{1B}[8mb") + end, message: "holds a character other than letters"),
        Case(label: "backslash in a name", bytes: member(#"..\x"#) + end, message: "holds a character other than letters"),
        Case(label: "name not UTF-8", bytes: good + member(raw: [0x66, 0xFF, 0xFE]) + end, message: "member 2 (byte 1024): its name is not UTF-8"),
        Case(label: "traversal in the ustar prefix", bytes: member("x", prefix: "../..") + end, message: "member 'x' uses the ustar name prefix field"),
        Case(label: "symbolic link", bytes: member("keys/log.vkey", [], type: UInt8(ascii: "2"), link: "/etc/passwd") + end,
             message: "member 'keys/log.vkey' is a symbolic link; a bundle holds only regular files"),
        Case(label: "hard link", bytes: good + member("report.txt", [], type: UInt8(ascii: "1"), link: "manifest.json") + end,
             message: "member 'report.txt' is a hard link"),
        Case(label: "character device", bytes: member("entries.bin", [], type: UInt8(ascii: "3")) + end, message: "is a character device"),
        Case(label: "block device", bytes: member("entries.bin", [], type: UInt8(ascii: "4")) + end, message: "is a block device"),
        Case(label: "directory", bytes: member("proofs", [], type: UInt8(ascii: "5")) + end, message: "member 'proofs' is a directory"),
        Case(label: "FIFO", bytes: member("entries.bin", [], type: UInt8(ascii: "6")) + end, message: "is a FIFO"),
        Case(label: "pax header", bytes: member("PaxHeader", Array("30 path=../../../etc/passwd\n".utf8), type: UInt8(ascii: "x")) + end,
             message: "is a pax extended header"),
        Case(label: "GNU long name", bytes: member("././@LongLink", Array("../x\0".utf8), type: UInt8(ascii: "L")) + end,
             message: "member '././@LongLink' has an empty or '.' path component"),
        Case(label: "GNU long name, plain name", bytes: member("LongLink", Array("../x\0".utf8), type: UInt8(ascii: "L")) + end,
             message: "is a GNU long-name header"),
        Case(label: "huge octal size", bytes: header(name: Array("entries.bin".utf8), size: 0, sizeField: Array("77777777777\0".utf8)) + end,
             message: "member 'entries.bin' declares 8589934591 bytes but only 1024 remain"),
        Case(label: "base-256 size", bytes: header(name: Array("entries.bin".utf8), size: 0,
                                                    sizeField: [0x80, 0, 0, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF]) + end,
             message: "member 'entries.bin': its size is in base-256 form"),
        Case(label: "size not octal", bytes: header(name: Array("entries.bin".utf8), size: 0, sizeField: Array("0000000009\0\0".utf8)) + end,
             message: "member 'entries.bin': its size field is not 11 octal digits"),
        Case(label: "negative size", bytes: header(name: Array("entries.bin".utf8), size: 0, sizeField: Array("-0000000001\0".utf8)) + end,
             message: "its size field is not 11 octal digits"),
        Case(label: "truncated in the contents", bytes: Array(member("entries.bin", [UInt8](repeating: 1, count: 2000)).prefix(1500)),
             message: "member 'entries.bin' declares 2000 bytes but only 988 remain"),
        Case(label: "truncated in a header", bytes: good + Array(good.prefix(300)), message: "archive is truncated: it ends inside the header of member 2"),
        Case(label: "truncated in the padding", bytes: Array(member("entries.bin", [1, 2, 3]).prefix(600)),
             message: "archive is truncated: it ends inside the padding after member 'entries.bin'"),
        Case(label: "no end blocks", bytes: good, message: "archive is truncated: it ends inside the header of member 2"),
        Case(label: "one end block", bytes: good + [UInt8](repeating: 0, count: 512), message: "ends inside its end-of-archive blocks"),
        Case(label: "bytes after the end", bytes: good + end + [1], message: "archive has 1 bytes after its end-of-archive blocks"),
        Case(label: "a member hidden after the end", bytes: good + end + member("../x"), message: "bytes after its end-of-archive blocks"),
        Case(label: "duplicate member", bytes: good + good + end, message: "member 'manifest.json' appears twice"),
        Case(label: "bad checksum", bytes: { var b = good; b[148] = UInt8(ascii: "7"); return b + end }(),
             message: "member 'manifest.json': header field 'checksum' is not as Armory writes it"),
        Case(label: "another owner", bytes: { var h = header(name: Array("manifest.json".utf8), size: 0)
                                               h[108] = UInt8(ascii: "1"); return h + end }(),
             message: "header field 'uid'"),
        Case(label: "padding not zero", bytes: { var b = good; b[600] = 1; return b + end }(),
             message: "member 'manifest.json': the padding after its contents is not zero (byte 600)"),
        Case(label: "too many members", bytes: (0..<5).flatMap { member("proofs/\($0).tlog-proof") } + end,
             message: "archive holds more than 3 members", limits: .init(bytes: 1 << 20, members: 3)),
        Case(label: "too many bytes", bytes: good + end, message: "archive is 2048 bytes, more than a bundle may be (2047)",
             limits: .init(bytes: 2047, members: 10)),
    ]

    @Test func theBuilderWritesWhatArmoryWrites() throws {
        let archive = BundleArchive(files: [.init(name: "manifest.json", contents: Array("x\n".utf8)), .init(name: "proofs/0.tlog-proof", contents: [])])
        #expect(Self.good + Self.member("proofs/0.tlog-proof", []) + Self.end == archive.encoded())
        #expect(try BundleArchive(decoding: archive.encoded()) == archive)
    }

    @Test(arguments: cases) func isRefusedNamingTheProblem(_ c: Case) {
        do {
            let archive = try BundleArchive(decoding: c.bytes, limits: c.limits)
            Issue.record("accepted, with \(archive.files.map(\.name))")
        } catch {
            #expect(error.message.contains(c.message), "got: \(error.message)")
        }
    }

    /// The same archives given to the verifier: each one's problem is what it reports.
    @Test(arguments: cases.filter { $0.limits.bytes == BundleArchive.Limits.standard.bytes && $0.limits.members == BundleArchive.Limits.standard.members })
    func verifyNamesTheProblem(_ c: Case) {
        do {
            _ = try EvidenceBundle.verify(c.bytes)
            Issue.record("verified")
        } catch {
            #expect(error.description.hasPrefix("not an Armory bundle: "), "got: \(error.description)")
            #expect(error.description.contains(c.message), "got: \(error.description)")
        }
    }

    @Test func safeNamesAreAccepted() {
        for name in ["manifest.json", "proofs/12.tlog-proof", "keys/witness-1.vkey", "a_b-c.D9", "..a", "a..", "a/b.c/d"] {
            #expect(BundleArchive.problem(withName: name) == nil, "\(name)")
        }
        for name in ["..", "../a", "a/..", "/a", "a/", "a//b", ".", "a/./b", "a b", "a\\b", "é", "a\u{202E}b", ""] {
            #expect(BundleArchive.problem(withName: name) != nil, "\(name)")
        }
    }

    @Test func aMemberNoBundleHoldsIsNamed() {
        let bytes = BundleArchive(files: [.init(name: "manifest.json", contents: []), .init(name: "evil/run.sh", contents: [])]).encoded()
        #expect(throws: BundleError("not an Armory bundle: member 'evil/run.sh' is none of the files a bundle holds (docs/FORMAT.md)")) {
            try EvidenceBundle.verify(bytes)
        }
    }

    /// A member declaring nearly 8 GiB in a 2 KiB archive is refused at once: nothing is
    /// allocated from the declared size (an allocation of 8 GiB would take seconds or fail).
    @Test func aHugeDeclaredSizeAllocatesNothing() {
        let bytes = Self.header(name: Array("entries.bin".utf8), size: 0, sizeField: Array("77777777777\0".utf8)) + Self.end
        let start = Date()
        for _ in 0..<1000 { _ = try? BundleArchive(decoding: bytes) }
        #expect(Date().timeIntervalSince(start) < 5)
    }
}
