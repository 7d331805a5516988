// A log's entries re-decided (LogReplay: what `armory verify` and `armory import` run on a
// bundle's entries.bin, whose signer the verifier may not know). Input: entries.bin.
// - entries.bin is read back to exactly its bytes;
// - LogReplay never traps; what it accepts decodes to entries that re-encode to the input,
//   numbered 0, 1, 2, ..., each step's canonical JSON being the entry's body;
// - the evidence report over an accepted log (manifest.json, report.txt) never traps and
//   its manifest is JSON naming the scope;
// - completeness: an accepted log, signed with the fixture key and bundled by
//   EvidenceBundle.make for the whole log, a day and a firearm, verifies.
import ArmoryCore
import ArmoryLedger
import FuzzSupport

@main
enum FuzzMain {
    static func main() { runFuzzing(checkInput) }
}

/// The properties every input is held to.
func checkInput(_ bytes: [UInt8]) {
    let archive = BundleArchive(files: [.init(name: "entries.bin", contents: bytes)])
    guard let entries = try? EvidenceBundle.entries(in: archive) else { return }
    require(EvidenceBundle.entriesFile(entries) == bytes, "entries.bin does not write back to its bytes")
    let replay: LogReplay
    do { replay = try LogReplay(entryBytes: entries) } catch { _ = error.description; return }
    require(replay.entries.count == entries.count, "replay accepted \(entries.count) entries but kept \(replay.entries.count)")
    for (k, item) in replay.entries.enumerated() {
        require(item.entry.index == UInt64(k), "entry \(k) says it is \(item.entry.index)")
        require(item.entry.encoded() == entries[k], "entry \(k) does not re-encode to its bytes")
        if let step = item.step { require(step.json.compactText == item.entry.body, "entry \(k)'s step is not its body") }
    }
    // The report, for three scopes.
    let firearm = replay.entries.lazy.compactMap { $0.step?.action.firearm }.first ?? "colt-2"
    let day = String(replay.entries.last!.entry.at.prefix(10))
    for scope in [EvidenceScope.all, .day(day), .firearm(firearm)] {
        let report = EvidenceReport(scope: scope, origin: "armory/fuzz", replay: replay, coveredSize: entries.count,
                                    rootBase64: "", latestSize: entries.count, signers: ["armory.example/fuzz"])
        require(report.selected.first == 0, "the production header is not in scope")
        _ = report.text
        let manifest = report.manifest
        guard let json = try? JSON.parse(manifest) else { violated("manifest.json is not JSON: \(show(manifest))") }
        require(json["scope"] == scope.json, "manifest.json does not name its scope")
    }
    // Completeness: the same entries, signed and bundled, verify.
    var tree = MerkleTree()
    for e in entries { tree.append(leafHash: MerkleHash.leaf(e)) }
    let checkpoint = try! Checkpoint(origin: "armory/fuzz", size: entries.count, rootHash: try! tree.rootHash())
    let log: ProductionLog
    do { log = try ProductionLog(origin: "armory/fuzz", entries: entries, checkpoints: [checkpoint.signed(by: Fixtures.logSigner)]) } catch {
        violated("LogReplay accepts the entries but ProductionLog does not: \(error)")
    }
    for scope in [EvidenceScope.all, .day(day), .firearm(firearm)] {
        let bundle: [UInt8]
        do { bundle = try EvidenceBundle.make(log: log, scope: scope, logKey: Fixtures.logKey).encoded() } catch {
            violated("no bundle can be made of an accepted log (\(scope)): \(error)")
        }
        do {
            let summary = try EvidenceBundle.verify(bundle, trustedLogKey: Fixtures.logKey)
            require(summary.entries == entries.count && summary.scope == scope, "the summary does not describe the bundle")
        } catch {
            violated("a bundle made of an accepted log does not verify (\(scope)): \(error)")
        }
    }
}

