// C2SP tlog-witness add-checkpoint bodies, as `armory witness serve` reads them from anyone
// on the network: what parses keeps the old size line, the proof and the checkpoint's text
// byte for byte (signature lines are written back in canonical base64, a fixed point), with at most
// 63 proof hashes of 32 bytes; the witness's rules answer every request with a cosignature
// that verifies or a refusal with one of the protocol's statuses, and never cosign a
// checkpoint the fixture log's key did not sign.
import ArmoryLedger
import Foundation
import FuzzSupport

@main
enum FuzzMain {
    static func main() { runFuzzing(prepare: { _ = rules; _ = latest }, checkInput) }
}

let rules = try! WitnessRules(signer: Fixtures.witnessSigner, logs: [Fixtures.log.origin: [Fixtures.logKey]])
/// The fixture log's first checkpoint, as the state a request is checked against.
let latest = try! Checkpoint(text: Fixtures.log.checkpoints[0].text)

/// The properties every input is held to.
func checkInput(_ bytes: [UInt8]) {
    guard let request = try? AddCheckpoint(body: bytes) else { return }
    let head = "old \(request.oldSize)\n" + request.proof.map { Data($0).base64EncodedString() + "\n" }.joined() + "\n" + request.note.text
    require(bytes.starts(with: Array(head.utf8)), "a request does not keep its old size, proof and checkpoint text as sent: \(show(bytes))")
    let written = Array(request.body.utf8)
    let again = try? AddCheckpoint(body: written)
    require(again == request && again.map { Array($0.body.utf8) } == written, "a request written back does not read back the same: \(show(bytes))")
    require(request.oldSize >= 0 && request.proof.count <= AddCheckpoint.maximumProofLines && request.proof.allSatisfy { $0.count == 32 },
            "a request with an impossible field: \(show(bytes))")
    for state in [nil, latest] {
        do {
            let lines = try rules.cosign(request, latest: state, timestamp: 1_800_000_000)
            // The witness's own lines, on the checkpoint's text (the request may carry other
            // signatures, even broken ones by keys the witness does not trust for the log: ignored).
            let joined = try? SignedNote(parsing: request.note.text + "\n" + lines)
            require((try? joined?.verify(with: [Fixtures.witnessKey])) != nil, "a cosignature that does not verify: \(show(bytes))")
            require((try? request.note.verify(with: [Fixtures.logKey])) != nil, "a checkpoint cosigned without the log's signature: \(show(bytes))")
        } catch {
            require([400, 403, 404, 409, 422].contains(error.status), "a refusal with no status of the protocol: \(show(bytes))")
            require((error.latestSize != nil) == (error.status == 409), "a 409 without the size last cosigned, or a size on another status: \(show(bytes))")
        }
    }
}
