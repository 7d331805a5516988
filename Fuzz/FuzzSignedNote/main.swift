// C2SP signed notes, cosignatures and note keys (a bundle's checkpoint.txt and
// latest-checkpoint.txt, keys/*.vkey, a witness's reply, a key file):
// - a note that parses is written (formatted) so that it parses back to an equal note,
//   and the formatted text is a fixed point;
// - a note that verifies under the fixture keys carries a text those keys signed, and
//   every witness timestamp it reports is one the witness signed for that text;
// - a verifier key that parses is in canonical form and parses back equal; a signer key
//   that parses gives back the same key from its own text;
// - verification never traps, with or without rejectUnknown.
import ArmoryLedger
import FuzzSupport

@main
enum FuzzMain {
    static func main() { runFuzzing(prepare: { _ = Fixtures.signedTexts }, checkInput) }
}

/// Texts the test-vector keys signed (golang/mod and the signed-note spec).
let vectorTexts: Set<String> = [
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n",
]

/// The properties every input is held to.
func checkInput(_ bytes: [UInt8]) {
    guard let text = String(validating: bytes, as: UTF8.self) else { return }

    if let key = try? NoteVerifierKey(text) {
        require(key.description == text, "a verifier key parsed from a non-canonical text: \(show(text))")
        require((try? NoteVerifierKey(key.description)) == key, "a verifier key does not parse back: \(show(text))")
    }
    if let signer = try? NoteSigner(signerKey: text) {
        let back = try? NoteSigner(signerKey: signer.signerKeyText)
        require(back?.verifierKey == signer.verifierKey, "a signer key does not parse back from its own text")
    }

    guard let note = try? SignedNote(parsing: text) else { return }
    let formatted = note.formatted
    let again: SignedNote
    do { again = try SignedNote(parsing: formatted) } catch { violated("a parsed note's formatted text does not parse (\(error)): \(show(formatted))") }
    require(again == note, "a note changed through its formatted text: \(show(text)) -> \(show(formatted))")
    require(again.formatted == formatted, "formatted text is not a fixed point: \(show(formatted))")
    require(note.signatures.count <= SignedNote.maximumSignatures, "more signatures than the limit were accepted")

    _ = try? note.verify(with: Fixtures.noteKeys, rejectUnknown: true)
    if let verified = try? note.verify(with: Fixtures.noteKeys) {
        require(!verified.isEmpty, "verify returned no key yet did not throw")
        if let stamps = Fixtures.signedTexts[note.text] {
            for v in verified where v.key == Fixtures.witnessKey {
                require(v.timestamp.map(stamps.contains) == true, "a witness timestamp nobody signed verified: \(String(describing: v.timestamp))")
            }
        } else {
            require(vectorTexts.contains(note.text), "a note verified under the fixture keys with a text they never signed: \(show(note.text))")
        }
    }
}

