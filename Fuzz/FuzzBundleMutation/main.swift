// Tamper evidence: the fixture's whole-log bundle (signed and cosigned with fixed keys),
// changed by the input, must not verify unless the bytes are unchanged. The input is a list
// of 5-byte edits: operation, position (3 bytes, big-endian, modulo the length), value.
// Operations: 0 XOR, 1 overwrite, 2 insert, 3 delete 1 to 16 bytes, 4 truncate.
import ArmoryLedger
import FuzzSupport

@main
enum FuzzMain {
    static func main() { runFuzzing(prepare: { _ = original }, checkInput) }
}

let original = Fixtures.bundle(.all)

/// The properties every input is held to.
func checkInput(_ edits: [UInt8]) {
    var bytes = original
    var k = 0
    while k + 5 <= edits.count {
        let op = edits[k] % 5, value = edits[k + 4]
        let raw = Int(edits[k + 1]) << 16 | Int(edits[k + 2]) << 8 | Int(edits[k + 3])
        k += 5
        switch op {
        case 0: if !bytes.isEmpty { bytes[raw % bytes.count] ^= value }
        case 1: if !bytes.isEmpty { bytes[raw % bytes.count] = value }
        case 2: bytes.insert(value, at: raw % (bytes.count + 1))
        case 3:
            if !bytes.isEmpty {
                let at = raw % bytes.count
                bytes.removeSubrange(at..<min(bytes.count, at + 1 + Int(value % 16)))
            }
        default: bytes.removeSubrange(min(bytes.count, raw)...)
        }
    }
    let untrusted = Result { () throws(BundleError) in try EvidenceBundle.verify(bytes) }
    if bytes == original {
        guard case .success = untrusted else { violated("the unchanged fixture bundle does not verify: \(untrusted)") }
        require((try? EvidenceBundle.verify(bytes, trustedLogKey: Fixtures.logKey)) != nil, "the unchanged bundle does not verify with its key")
    } else {
        if case .success = untrusted {
            let at = (0..<min(bytes.count, original.count)).first { bytes[$0] != original[$0] } ?? min(bytes.count, original.count)
            violated("a changed bundle verified: \(bytes.count) bytes (original \(original.count)), first difference at byte \(at)")
        }
    }
}

