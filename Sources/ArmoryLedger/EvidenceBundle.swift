import ArmoryCore
import Foundation

/// Why a bundle does not verify: the first failing entry (when one is to blame) and why.
public struct BundleError: Error, Equatable, Sendable, CustomStringConvertible {
    public let entry: Int?
    public let message: String
    public init(entry: Int? = nil, _ message: String) {
        self.entry = entry
        self.message = message
    }
    public var description: String { entry.map { "entry \($0): \(message)" } ?? message }
}

/// What a verified bundle shows, for the one-screen summary of `armory verify`.
public struct BundleSummary: Sendable {
    public let production: String
    public let origin: String
    public let scope: EvidenceScope
    public let entries: Int
    public let inScope: Int
    public let steps: Int
    public let refused: Int
    public let alarms: Int
    public let critical: Int
    public let coveredSize: Int
    public let rootBase64: String
    public let latestSize: Int
    public let logKey: NoteVerifierKey
    public let keyWasTrusted: Bool
    public let witnesses: [(name: String, timestamp: UInt64)]
    /// The witness keys whose cosignatures on the covered checkpoint verified.
    public let cosignedBy: [NoteVerifierKey]
    public let proofs: Int

    /// Which of `required` witnesses did not cosign the covered checkpoint, when fewer than
    /// `quorum` of them did (empty: the quorum holds).
    public func missingWitnesses(_ required: [NoteVerifierKey], quorum: Int) -> [NoteVerifierKey] {
        let missing = required.filter { !cosignedBy.contains($0) }
        return required.count - missing.count >= quorum ? [] : missing
    }
}

/// An evidence bundle (docs/FORMAT.md): one file an investigator, insurer or court can
/// verify offline, proving its own completeness against a signed, witnessed checkpoint.
public enum EvidenceBundle {
    /// `entries.bin`: each entry's canonical bytes after its length (4 bytes, big-endian).
    public static func entriesFile(_ entries: [[UInt8]]) -> [UInt8] {
        var blob: [UInt8] = []
        for e in entries {
            let n = UInt32(e.count)
            blob += [UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)] + e
        }
        return blob
    }

    /// The entries an archive's `entries.bin` holds, or why it cannot be read.
    public static func entries(in archive: BundleArchive) throws(BundleError) -> [[UInt8]] {
        guard let blob = archive.file("entries.bin") else { throw BundleError("missing entries.bin") }
        var entries: [[UInt8]] = []
        var offset = 0
        while offset < blob.count {
            guard offset + 4 <= blob.count else { throw BundleError(entry: entries.count, "entries.bin ends inside a length") }
            let n = Int(blob[offset]) << 24 | Int(blob[offset + 1]) << 16 | Int(blob[offset + 2]) << 8 | Int(blob[offset + 3])
            guard offset + 4 + n <= blob.count else { throw BundleError(entry: entries.count, "entries.bin ends inside the entry") }
            entries.append(Array(blob[(offset + 4)..<(offset + 4 + n)]))
            offset += 4 + n
        }
        return entries
    }

    /// Makes the bundle of `scope` from `log`. The covered checkpoint is the latest, except
    /// for a day, where it is the first checkpoint that also holds an entry after that day
    /// (so the day is provably complete) when the log has one.
    public static func make(log: ProductionLog, scope: EvidenceScope, witnessKeys: [NoteVerifierKey] = [],
                            logKey: NoteVerifierKey) throws(BundleError) -> BundleArchive {
        // A bundle carries only signatures it can check: by the log's key and the witness keys it holds.
        let known = [logKey] + witnessKeys
        guard let latest = log.checkpoints.last.map({ only(known, $0) }) else { throw BundleError("the log has no signed checkpoint yet") }
        guard let all = log.entries.all, log.isWhole else { throw BundleError("a bundle is made from the whole log, and this copy holds only its recent entries") }
        let latestCP = try checkpoint(latest, "latest checkpoint")
        var covered = latest
        if case .day(let d) = scope {
            let dates = all.map { (try? LogEntry(decoding: $0))?.at.prefix(10) ?? "" }
            for note in log.checkpoints {
                guard let cp = try? Checkpoint(text: note.text) else { continue }
                if dates.prefix(cp.size).contains(where: { $0 > d }) { covered = only(known, note); break }
            }
        }
        let coveredCP = try checkpoint(covered, "checkpoint")
        let prefix = Array(all.prefix(coveredCP.size))
        let replay: LogReplay
        do { replay = try LogReplay(entryBytes: prefix) } catch { throw BundleError(entry: Int(error.index), error.message) }
        let consistency: [Hash]
        do { consistency = try log.tree.consistencyProof(from: coveredCP.size, to: latestCP.size) } catch { throw BundleError(error.message) }
        let signers = signerNames(covered, keys: [logKey] + witnessKeys)
        let report = EvidenceReport(scope: scope, origin: log.origin, replay: replay, coveredSize: coveredCP.size,
                                    rootBase64: Data(coveredCP.rootHash).base64EncodedString(), latestSize: latestCP.size, signers: signers)
        var tree = MerkleTree()
        for e in prefix { tree.append(leafHash: MerkleHash.leaf(e)) }
        return try assemble(report: report, entries: prefix, tree: tree, covered: covered, latest: latest,
                            consistency: consistency, logKey: logKey, witnessKeys: witnessKeys)
    }

    static func checkpoint(_ note: SignedNote, _ what: String) throws(BundleError) -> Checkpoint {
        do { return try Checkpoint(text: note.text) } catch { throw BundleError("\(what): \(error.message)") }
    }

    /// The note with only the signatures by these keys (a witness since dropped from the
    /// server's list signed with a key the bundle cannot name).
    static func only(_ keys: [NoteVerifierKey], _ note: SignedNote) -> SignedNote {
        let kept = note.signatures.filter { sig in keys.contains { sig.isBy($0) } }
        return (try? SignedNote(text: note.text, signatures: kept)) ?? note
    }

    static func signerNames(_ note: SignedNote, keys: [NoteVerifierKey]) -> [String] {
        note.signatures.compactMap { sig in keys.first { sig.isBy($0) }?.name }
    }

    /// The canonical archive: the one place the bundle layout is written down in code,
    /// used both to make a bundle and to check one.
    static func assemble(report: EvidenceReport, entries: [[UInt8]], tree: MerkleTree<InMemoryNodeStore>, covered: SignedNote,
                         latest: SignedNote, consistency: [Hash], logKey: NoteVerifierKey,
                         witnessKeys: [NoteVerifierKey]) throws(BundleError) -> BundleArchive {
        var files: [BundleArchive.File] = []
        func add(_ name: String, _ text: String) { files.append(.init(name: name, contents: Array(text.utf8))) }
        add("manifest.json", report.manifest)
        files.append(.init(name: "entries.bin", contents: entriesFile(entries)))
        add("checkpoint.txt", covered.formatted)
        add("latest-checkpoint.txt", latest.formatted)
        add("consistency.txt", consistency.map { Base64.encode($0) + "\n" }.joined())
        let checkpointText = covered.formatted
        let proving = report.holdsProofs ? report.selected : []
        let proofs: [[Hash]]
        do { proofs = try tree.inclusionProofs(proving, size: entries.count) } catch {
            // Name the entry whose proof could not be made.
            for k in report.selected {
                do { _ = try tree.inclusionProof(index: k, size: entries.count) } catch { throw BundleError(entry: k, error.message) }
            }
            throw BundleError(error.message)
        }
        for (k, proof) in zip(proving, proofs) {
            add("proofs/\(k).tlog-proof", TlogProof(index: k, proof: proof, checkpoint: covered).formatted(checkpoint: checkpointText))
        }
        add("keys/log.vkey", logKey.description + "\n")
        for (n, w) in witnessKeys.enumerated() { add("keys/witness-\(n + 1).vkey", w.description + "\n") }
        add("report.txt", report.text)
        return BundleArchive(files: files)
    }

    /// Verifies a bundle offline. With `trustedLogKey`, the bundle must be signed by that
    /// key; without it, the bundle's own key is used and the summary says so.
    public static func verify(_ bytes: [UInt8], trustedLogKey: NoteVerifierKey? = nil) throws(BundleError) -> BundleSummary {
        let archive: BundleArchive
        do { archive = try BundleArchive(decoding: bytes) } catch { throw BundleError("not an Armory bundle: \(error.message)") }
        if let stray = archive.files.first(where: { !isDocumented($0.name) }) {
            throw BundleError("not an Armory bundle: member '\(stray.name)' is none of the files a bundle holds (docs/FORMAT.md)")
        }
        func text(_ name: String) throws(BundleError) -> String {
            guard let b = archive.file(name) else { throw BundleError("missing \(name)") }
            guard let s = String(validating: b, as: UTF8.self) else { throw BundleError("\(name) is not UTF-8") }
            return s
        }
        // Keys.
        let logKey: NoteVerifierKey
        do { logKey = try NoteVerifierKey(String(try text("keys/log.vkey").dropLast())) } catch { throw BundleError("keys/log.vkey: \(error)") }
        if let trustedLogKey, trustedLogKey != logKey {
            throw BundleError("the bundle is signed by \(logKey), not by the trusted key \(trustedLogKey)")
        }
        var witnessKeys: [NoteVerifierKey] = []
        for f in archive.files where f.name.hasPrefix("keys/witness-") {
            do { witnessKeys.append(try NoteVerifierKey(String(try text(f.name).dropLast()))) } catch { throw BundleError("\(f.name): \(error)") }
            guard witnessKeys.last!.type == .cosignatureV1 else { throw BundleError("\(f.name) is not a cosignature key") }
        }
        // Checkpoints.
        func note(_ name: String) throws(BundleError) -> (SignedNote, Checkpoint, [(key: NoteVerifierKey, timestamp: UInt64?)]) {
            do {
                let n = try SignedNote(parsing: try text(name))
                let verified = try n.verify(with: [logKey] + witnessKeys, rejectUnknown: true)
                guard verified.contains(where: { $0.key == logKey }) else { throw NoteError("not signed by the log") }
                return (n, try Checkpoint(text: n.text), verified)
            } catch let e as BundleError {
                throw e
            } catch {
                throw BundleError("\(name): \(error)")
            }
        }
        let (coveredNote, covered, coveredSigs) = try note("checkpoint.txt")
        let (latestNote, latest, _) = try note("latest-checkpoint.txt")
        guard covered.origin == latest.origin else { throw BundleError("the two checkpoints are of different logs") }
        // Entries.
        let entries = try entries(in: archive)
        guard entries.count == covered.size else {
            throw BundleError("the bundle holds \(entries.count) entries but its checkpoint covers \(covered.size): entries are missing or added")
        }
        var tree = MerkleTree()
        for e in entries { tree.append(leafHash: MerkleHash.leaf(e)) }
        let root = try! tree.rootHash()
        if root != covered.rootHash {
            // Name the first entry whose own proof no longer holds, where the bundle has one.
            for f in archive.files where f.name.hasPrefix("proofs/") {
                guard let p = try? TlogProof(parsing: try text(f.name)), p.index < entries.count else { continue }
                if !MerkleProof.verifyInclusion(index: p.index, size: covered.size, leafHash: MerkleHash.leaf(entries[p.index]), proof: p.proof, root: covered.rootHash) {
                    throw BundleError(entry: p.index, "its bytes are not the ones the checkpoint signed (inclusion proof fails)")
                }
            }
            // Without proofs (a whole log's bundle), an entry whose decision no longer stands is named.
            do { _ = try LogReplay(entryBytes: entries) } catch {
                throw BundleError(entry: Int(error.index), "its bytes are not the ones the checkpoint signed (\(error.message))")
            }
            throw BundleError("the entries do not hash to the signed root: an entry was altered, added, dropped or reordered")
        }
        let replay: LogReplay
        do { replay = try LogReplay(entryBytes: entries) } catch { throw BundleError(entry: Int(error.index), error.message) }
        // The format, which says which files the bundle holds.
        let manifest: JSON
        do { manifest = try JSON.parse(try text("manifest.json")) } catch let e as BundleError { throw e } catch {
            throw BundleError("manifest.json: \(error)")
        }
        guard let format = EvidenceReport.formats.first(where: { manifest["format"] == .string(EvidenceReport.formatName($0)) }) else {
            throw BundleError("manifest.json: format must be one of \(EvidenceReport.formats.map { EvidenceReport.formatName($0) }.joined(separator: ", "))")
        }
        // Consistency with the latest checkpoint.
        var consistency: [Hash] = []
        for line in try text("consistency.txt").split(separator: "\n") {
            guard let h = Data(base64Encoded: String(line)), h.count == 32 else { throw BundleError("consistency.txt holds a line that is not a hash") }
            consistency.append(Array(h))
        }
        let consistent = covered.size == latest.size
            ? consistency.isEmpty && covered.rootHash == latest.rootHash
            : MerkleProof.verifyConsistency(first: covered.size, second: latest.size, firstRoot: covered.rootHash, secondRoot: latest.rootHash, proof: consistency)
        guard consistent else {
            throw BundleError("the covered checkpoint (\(covered.size)) is not consistent with the latest (\(latest.size)): the log was rewritten or the checkpoint swapped")
        }
        // Scope and completeness.
        let scope = try parseScope(manifest["scope"])
        let report = EvidenceReport(scope: scope, origin: covered.origin, replay: replay, coveredSize: covered.size,
                                    rootBase64: Data(covered.rootHash).base64EncodedString(), latestSize: latest.size,
                                    signers: signerNames(coveredNote, keys: [logKey] + witnessKeys), format: format)
        switch scope {
        case .all, .firearm:
            guard covered.size == latest.size else { throw BundleError("the bundle covers \(covered.size) entries, not the latest \(latest.size)") }
        case .day(let d):
            let last = report.selected.last ?? 0
            let fenced = replay.entries.dropFirst(last + 1).contains { $0.entry.at.prefix(10) > d }
            guard covered.size == latest.size || fenced else {
                throw BundleError("the bundle may leave out later entries of \(d): it ends before the day does")
            }
        }
        // Every file must be exactly what these verified contents give.
        let expected = try assemble(report: report, entries: entries, tree: tree, covered: coveredNote, latest: latestNote,
                                    consistency: consistency, logKey: logKey, witnessKeys: witnessKeys)
        if expected != archive {
            let names = archive.files.map(\.name), want = expected.files.map(\.name)
            if names != want {
                throw BundleError("the bundle's files are not the documented set: \(Set(names).symmetricDifference(want).sorted().prefix(3).joined(separator: ", "))")
            }
            for (a, b) in zip(archive.files, expected.files) where a != b {
                if a.name.hasPrefix("proofs/"), let k = Int(a.name.dropFirst(7).prefix { $0.isNumber }) {
                    throw BundleError(entry: k, "\(a.name) is not the inclusion proof of that entry")
                }
                throw BundleError("\(a.name) does not match the verified entries")
            }
        }
        let steps = report.selected.filter { replay.entries[$0].entry.kind == .step }
        return BundleSummary(
            production: replay.header.title, origin: covered.origin, scope: scope, entries: entries.count,
            inScope: report.selected.count, steps: steps.count,
            refused: steps.filter { replay.entries[$0].entry.outcome == .refused }.count,
            alarms: steps.filter { replay.entries[$0].entry.outcome == .alarm }.count,
            critical: steps.filter { replay.entries[$0].entry.outcome == .alarm && replay.entries[$0].entry.rules.contains(.fa7) }.count,
            coveredSize: covered.size, rootBase64: Data(covered.rootHash).base64EncodedString(), latestSize: latest.size,
            logKey: logKey, keyWasTrusted: trustedLogKey != nil,
            witnesses: coveredSigs.compactMap { s in s.timestamp.map { (s.key.name, $0) } },
            cosignedBy: coveredSigs.filter { $0.timestamp != nil }.map(\.key),
            proofs: report.holdsProofs ? report.selected.count : 0)
    }

    /// Whether `name` is one of the files docs/FORMAT.md lists for a bundle.
    static func isDocumented(_ name: String) -> Bool {
        let fixed: Set = ["manifest.json", "entries.bin", "checkpoint.txt", "latest-checkpoint.txt", "consistency.txt", "keys/log.vkey", "report.txt"]
        if fixed.contains(name) { return true }
        func numbered(_ prefix: String, _ suffix: String) -> Bool {
            guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return false }
            return name.dropFirst(prefix.count).dropLast(suffix.count).allSatisfy { $0.isASCII && $0.isNumber }
        }
        return numbered("proofs/", ".tlog-proof") || numbered("keys/witness-", ".vkey")
    }

    static func parseScope(_ json: JSON?) throws(BundleError) -> EvidenceScope {
        switch json {
        case .object(let m) where m.count == 1 && m[0].key == "all" && m[0].value == .bool(true): return .all
        case .object(let m) where m.count == 1 && m[0].key == "day":
            if case let .string(d) = m[0].value { return .day(d) }
        case .object(let m) where m.count == 1 && m[0].key == "firearm":
            if case let .string(f) = m[0].value { return .firearm(f) }
        default: break
        }
        throw BundleError("manifest.json: scope must be {\"all\": true}, {\"day\": DATE} or {\"firearm\": ID}")
    }
}
