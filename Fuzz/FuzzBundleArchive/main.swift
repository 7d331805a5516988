// Evidence bundle archives as read by `armory verify` and `armory import`, any bytes:
// - BundleArchive(decoding:) accepts only canonical archives: what it reads encodes back
//   to exactly the input, with unique, safe member names;
// - EvidenceBundle.verify never traps, and the only bytes that verify are the fixture
//   bundles themselves (the fuzzer cannot sign, so nothing else may pass).
import ArmoryLedger
import FuzzSupport

@main
enum FuzzMain {
    static func main() { runFuzzing(prepare: { _ = Fixtures.bundles }, checkInput) }
}

/// The properties every input is held to.
func checkInput(_ bytes: [UInt8]) {
    if let archive = try? BundleArchive(decoding: bytes) {
        require(archive.encoded() == bytes, "an archive read from bytes that are not its canonical encoding")
        require(Set(archive.files.map(\.name)).count == archive.files.count, "an archive with a name given twice was read")
        for f in archive.files { require(BundleArchive.problem(withName: f.name) == nil, "an unsafe member name was read: \(show(f.name))") }
        // A small limit refuses what the standard one reads only when the archive is larger.
        let small = BundleArchive.Limits(bytes: 4096, members: 2)
        if (try? BundleArchive(decoding: bytes, limits: small)) == nil {
            require(bytes.count > small.bytes || archive.files.count > small.members, "the limits refused an archive within them")
        }
        _ = try? EvidenceBundle.entries(in: archive)
    }
    if (try? EvidenceBundle.verify(bytes)) != nil || (try? EvidenceBundle.verify(bytes, trustedLogKey: Fixtures.logKey)) != nil {
        require(Fixtures.bundles.contains(bytes), "bytes other than a fixture bundle verified (\(bytes.count) bytes)")
    }
}

