// C2SP tlog-checkpoint bodies (the text of checkpoint.txt, of a witness request):
// Checkpoint(text:) accepts only the canonical text, so what parses writes back
// byte for byte and parses back equal, with a size >= 0 and a 32-byte root.
import ArmoryLedger
import FuzzSupport

@main
enum FuzzMain {
    static func main() { runFuzzing(checkInput) }
}

/// The properties every input is held to.
func checkInput(_ bytes: [UInt8]) {
    guard let text = String(validating: bytes, as: UTF8.self), let cp = try? Checkpoint(text: text) else { return }
    require(cp.text == text, "a checkpoint does not write back the text it was read from: \(show(text)) -> \(show(cp.text))")
    require((try? Checkpoint(text: cp.text)) == cp, "a checkpoint does not parse back equal: \(show(text))")
    require(cp.size >= 0 && cp.rootHash.count == 32 && !cp.origin.isEmpty, "a checkpoint with an impossible field: \(show(text))")
    let rebuilt = try? Checkpoint(origin: cp.origin, size: cp.size, rootHash: cp.rootHash, extensions: cp.extensions)
    require(rebuilt == cp, "the fields of a parsed checkpoint are refused by its initialiser: \(show(text))")
    // Any checkpoint can be signed; the signed note parses back to the same checkpoint.
    let note = cp.signed(by: Fixtures.logSigner)
    require((try? SignedNote(parsing: note.formatted))?.text == text, "a signed checkpoint does not parse back: \(show(text))")
}

