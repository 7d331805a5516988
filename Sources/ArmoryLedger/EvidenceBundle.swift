import ArmoryCore
import Crypto
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
    /// Proof files: one per in-scope entry, one per run of them, or none.
    public let proofs: Int
    public let proofKind: BundleFormat.Proofs

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
        var stream = EntryStream(MemoryBundleSource(blob), blob.indices)
        var entries: [[UInt8]] = []
        while let e = try stream.next() { entries.append(e) }
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
        var tally = EvidenceTally<ReportText>(scope: scope)
        var header: ProductionHeader?
        var state = ProductionState(people: [])
        for (position, bytes) in prefix.enumerated() {
            do {
                let (entry, step) = try LogReplay.decide(bytes, at: position, header: &header, state: &state)
                tally.add(entry, step: step, at: position)
            } catch { throw BundleError(entry: Int(error.index), error.message) }
        }
        guard let header else { throw BundleError(entry: 0, LogReplay.emptyLog) }
        let consistency: [Hash]
        do { consistency = try log.tree.consistencyProof(from: coveredCP.size, to: latestCP.size) } catch { throw BundleError(error.message) }
        let report = EvidenceReport(tally: tally, header: header, finalState: state, origin: log.origin, coveredSize: coveredCP.size,
                                    rootBase64: Data(coveredCP.rootHash).base64EncodedString(), latestSize: latestCP.size,
                                    signers: signerNames(covered, keys: [logKey] + witnessKeys))
        var tree = MerkleTree()
        for e in prefix { tree.append(leafHash: MerkleHash.leaf(e)) }
        let checkpointText = covered.formatted
        var proofTexts: [String] = []
        switch report.proofs {
        case .none: break
        case .perEntry:
            let proving = tally.positions
            let proofs: [[Hash]]
            do { proofs = try tree.inclusionProofs(proving, size: prefix.count) } catch {
                // Name the entry whose proof could not be made.
                for k in proving {
                    do { _ = try tree.inclusionProof(index: k, size: prefix.count) } catch { throw BundleError(entry: k, error.message) }
                }
                throw BundleError(error.message)
            }
            proofTexts = zip(proving, proofs).map { TlogProof(index: $0, proof: $1, checkpoint: covered).formatted(checkpoint: checkpointText) }
        case .perRange:
            for range in tally.selected {
                do { proofTexts.append(RangeProof(range: range, size: prefix.count, proof: try tree.rangeProof(range, size: prefix.count)).formatted) } catch {
                    throw BundleError(entry: range.lowerBound, error.message)
                }
            }
        }
        var proofText = proofTexts.makeIterator()
        var files: [BundleArchive.File] = []
        for name in layout(proofs: report.proofFiles, witnesses: witnessKeys.count) {
            let text: String
            switch name {
            case "manifest.json": text = report.manifest
            case "entries.bin":
                files.append(.init(name: name, contents: entriesFile(prefix)))
                continue
            case "checkpoint.txt": text = checkpointText
            case "latest-checkpoint.txt": text = latest.formatted
            case "consistency.txt": text = consistencyText(consistency)
            case "keys/log.vkey": text = logKey.description + "\n"
            case "report.txt": text = report.text
            default:
                if let w = witnessNumber(name) {
                    text = witnessKeys[w - 1].description + "\n"
                } else {
                    text = proofText.next()!
                }
            }
            files.append(.init(name: name, contents: Array(text.utf8)))
        }
        return BundleArchive(files: files)
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

    /// The bundle's files, in order: the one place the layout is written down in code, used
    /// both to make a bundle and to check one.
    static func layout(proofs: [String], witnesses: Int) -> [String] {
        ["manifest.json", "entries.bin", "checkpoint.txt", "latest-checkpoint.txt", "consistency.txt"]
            + proofs + ["keys/log.vkey"]
            + (0..<witnesses).map { "keys/witness-\($0 + 1).vkey" } + ["report.txt"]
    }

    /// N of `keys/witness-N.vkey`.
    static func witnessNumber(_ name: String) -> Int? {
        guard name.hasPrefix("keys/witness-"), name.hasSuffix(".vkey") else { return nil }
        return Int(name.dropFirst(13).dropLast(5))
    }

    static func consistencyText(_ proof: [Hash]) -> String { proof.map { Base64.encode($0) + "\n" }.joined() }

    /// How much of a bundle's file is read at once.
    static let readChunk = 1 << 20

    /// Verifies a bundle held in memory (`verify(_:trustedLogKey:)` on its bytes).
    public static func verify(_ bytes: [UInt8], trustedLogKey: NoteVerifierKey? = nil) throws(BundleError) -> BundleSummary {
        try verify(MemoryBundleSource(bytes), trustedLogKey: trustedLogKey)
    }

    /// Verifies a bundle offline. With `trustedLogKey`, the bundle must be signed by that
    /// key; without it, the bundle's own key is used and the summary says so.
    ///
    /// The entries are read as a stream, once: each is hashed into the tree and re-decided
    /// as it is read, and counted for the manifest and the report; nothing of it is kept
    /// but, where the bundle holds proofs, its leaf hash. The memory taken is that of the
    /// production's state, not of the bundle. Every other file is compared with what the
    /// verified entries give: byte for byte, the report's long sections by their SHA-256.
    public static func verify(_ source: some BundleSource, trustedLogKey: NoteVerifierKey? = nil) throws(BundleError) -> BundleSummary {
        let members: [BundleArchive.Member]
        do { members = try BundleArchive.index(source) } catch { throw BundleError("not an Armory bundle: \(error.message)") }
        if let stray = members.first(where: { !isDocumented($0.name) }) {
            throw BundleError("not an Armory bundle: member '\(stray.name)' is none of the files a bundle holds (docs/FORMAT.md)")
        }
        func read(_ member: BundleArchive.Member) throws(BundleError) -> [UInt8] {
            do { return try source.read(member.contents) } catch { throw BundleError("\(member.name): \(error.message)") }
        }
        // The small files read as text (keys, checkpoints, manifest, consistency), kept for the
        // byte-for-byte comparison at the end instead of being read again.
        var kept: [String: [UInt8]] = [:]
        func held(_ m: BundleArchive.Member) throws(BundleError) -> [UInt8] {
            if let bytes = kept[m.name] { return bytes }
            return try read(m)
        }
        func text(_ name: String) throws(BundleError) -> String {
            guard let m = members.first(where: { $0.name == name }) else { throw BundleError("missing \(name)") }
            let bytes = try held(m)
            kept[name] = bytes
            guard let s = String(validating: bytes, as: UTF8.self) else { throw BundleError("\(name) is not UTF-8") }
            return s
        }
        // Keys.
        let logKey: NoteVerifierKey
        do { logKey = try NoteVerifierKey(String(try text("keys/log.vkey").dropLast())) } catch { throw BundleError("keys/log.vkey: \(error)") }
        if let trustedLogKey, trustedLogKey != logKey {
            throw BundleError("the bundle is signed by \(logKey), not by the trusted key \(trustedLogKey)")
        }
        var witnessKeys: [NoteVerifierKey] = []
        for m in members where m.name.hasPrefix("keys/witness-") {
            do { witnessKeys.append(try NoteVerifierKey(String(try text(m.name).dropLast()))) } catch { throw BundleError("\(m.name): \(error)") }
            guard witnessKeys.last!.type == .cosignatureV1 else { throw BundleError("\(m.name) is not a cosignature key") }
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
        // What the manifest claims (format and scope), read now so the entries are counted
        // as they stream; each claim is checked, and its error thrown, in its turn below.
        let manifest: Result<JSON, BundleError> = Result { () throws(BundleError) in
            do { return try JSON.parse(try text("manifest.json")) } catch let e as BundleError { throw e } catch {
                throw BundleError("manifest.json: \(error)")
            }
        }
        let format: Result<Int, BundleError> = manifest.flatMap { m in
            BundleFormat.all.first { m["format"] == .string(BundleFormat.name($0)) }.map { .success($0) }
                ?? .failure(BundleError("manifest.json: format must be one of \(BundleFormat.all.map { BundleFormat.name($0) }.joined(separator: ", "))"))
        }
        let claimedScope: Result<EvidenceScope, BundleError> = manifest.flatMap { m in Result { () throws(BundleError) in try parseScope(m["scope"]) } }
        let scope = (try? claimedScope.get()) ?? .all
        let holdsProofs = BundleFormat.proofs(format: (try? format.get()) ?? BundleFormat.current, scope: scope) != .none
        // Entries: hashed, re-decided and counted as they stream.
        guard let entriesMember = members.first(where: { $0.name == "entries.bin" }) else { throw BundleError("missing entries.bin") }
        var stream = EntryStream(source, entriesMember.contents)
        var tree = MerkleTree()
        var tally = EvidenceTally<ReportDigest>(scope: scope)
        var header: ProductionHeader?
        var state = ProductionState(people: [])
        var fault: LogReplayError?
        var leaves: [Int: Hash] = [:]
        var count = 0
        while let bytes = try stream.next() {
            let leaf = MerkleHash.leaf(bytes)
            tree.append(leafHash: leaf)
            if count & 0xFFFF == 0xFFFF { tree.forget(before: count) }
            if fault == nil {
                do {
                    let (entry, step) = try LogReplay.decide(bytes, at: count, header: &header, state: &state)
                    let before = tally.inScope
                    tally.add(entry, step: step, at: count)
                    if holdsProofs, tally.inScope > before { leaves[count] = leaf }
                } catch { fault = error }
            }
            count += 1
        }
        if fault == nil, header == nil { fault = LogReplayError(index: 0, message: LogReplay.emptyLog) }
        guard count == covered.size else {
            throw BundleError("the bundle holds \(count) entries but its checkpoint covers \(covered.size): entries are missing or added")
        }
        let root = try? tree.rootHash()
        if root != covered.rootHash {
            // Name the first entry whose own proof no longer holds, where the bundle has one.
            let claimed = members.compactMap { m -> TlogProof? in
                guard m.name.hasPrefix("proofs/"), let p = try? TlogProof(parsing: try text(m.name)), p.index < count else { return nil }
                return p
            }
            let runs = members.compactMap { m -> RangeProof? in
                guard m.name.hasSuffix(".range-proof"), let p = try? RangeProof(parsing: try text(m.name)), p.range.upperBound < count else { return nil }
                return p
            }
            let hashes = try leafHashes(source, entriesMember.contents, of: Set(claimed.map(\.index) + runs.flatMap { Array($0.range) }))
            for p in claimed where !MerkleProof.verifyInclusion(index: p.index, size: covered.size, leafHash: hashes[p.index]!, proof: p.proof, root: covered.rootHash) {
                throw BundleError(entry: p.index, "its bytes are not the ones the checkpoint signed (inclusion proof fails)")
            }
            for p in runs where !rangeHolds(p, hashes, root: covered.rootHash) {
                // The run is to blame; within it, the entry whose decision no longer stands, if one does not.
                let blamed = fault.map { Int($0.index) }.flatMap { p.range.contains($0) ? $0 : nil } ?? p.range.lowerBound
                throw BundleError(entry: blamed, "its bytes are not the ones the checkpoint signed (the range proof of entries \(p.range.lowerBound)...\(p.range.upperBound) fails)")
            }
            // Without proofs (a whole log's bundle), an entry whose decision no longer stands is named.
            if let fault { throw BundleError(entry: Int(fault.index), "its bytes are not the ones the checkpoint signed (\(fault.message))") }
            throw BundleError("the entries do not hash to the signed root: an entry was altered, added, dropped or reordered")
        }
        if let fault { throw BundleError(entry: Int(fault.index), fault.message) }
        // The format, which says which files the bundle holds.
        _ = try manifest.get()
        let bundleFormat = try format.get()
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
        _ = try claimedScope.get()
        let report = EvidenceReport(tally: tally, header: header!, finalState: state, origin: covered.origin, coveredSize: covered.size,
                                    rootBase64: Data(covered.rootHash).base64EncodedString(), latestSize: latest.size,
                                    signers: signerNames(coveredNote, keys: [logKey] + witnessKeys), format: bundleFormat)
        switch scope {
        case .all, .firearm:
            guard covered.size == latest.size else { throw BundleError("the bundle covers \(covered.size) entries, not the latest \(latest.size)") }
        case .day(let d):
            guard covered.size == latest.size || tally.fenced else {
                throw BundleError("the bundle may leave out later entries of \(d): it ends before the day does")
            }
        }
        // Every file must be exactly what these verified contents give.
        let proofFiles = report.proofFiles
        let names = members.map(\.name), want = layout(proofs: proofFiles, witnesses: witnessKeys.count)
        if names != want {
            throw BundleError("the bundle's files are not the documented set: \(Set(names).symmetricDifference(want).sorted().prefix(3).joined(separator: ", "))")
        }
        let checkpointText = coveredNote.formatted
        for m in members {
            let same: Bool
            switch m.name {
            case "entries.bin": same = true  // read whole above: each entry after its length, nothing else
            case "manifest.json": same = try held(m).elementsEqual(report.manifest.utf8)
            case "checkpoint.txt": same = try held(m).elementsEqual(checkpointText.utf8)
            case "latest-checkpoint.txt": same = try held(m).elementsEqual(latestNote.formatted.utf8)
            case "consistency.txt": same = try held(m).elementsEqual(consistencyText(consistency).utf8)
            case "keys/log.vkey": same = try held(m).elementsEqual((logKey.description + "\n").utf8)
            case "report.txt": same = try matches(source, m.contents, report.pieces)
            default:
                if let w = witnessNumber(m.name) {
                    same = try held(m).elementsEqual((witnessKeys[w - 1].description + "\n").utf8)
                    break
                }
                let bytes = try read(m)
                if m.name.hasSuffix(".range-proof") {
                    // proofs/A-B.range-proof: the run A...B's range proof in the covered tree, canonical.
                    let p = String(validating: bytes, as: UTF8.self).flatMap { try? RangeProof(parsing: $0) }
                    guard let p, p.fileName == m.name, p.size == covered.size, rangeHolds(p, leaves, root: covered.rootHash) else {
                        throw BundleError(entry: Int(m.name.dropFirst(7).prefix { $0.isNumber }) ?? 0, "\(m.name) is not the range proof of those entries")
                    }
                    same = true
                    break
                }
                // proofs/K.tlog-proof: K's inclusion proof in the covered tree, with its checkpoint, canonical.
                let k = Int(m.name.dropFirst(7).prefix { $0.isNumber })!
                let p = String(validating: bytes, as: UTF8.self).flatMap { try? TlogProof(parsing: $0) }
                guard let p, p.index == k, p.extra == nil, let leaf = leaves[k],
                      MerkleProof.verifyInclusion(index: k, size: covered.size, leafHash: leaf, proof: p.proof, root: covered.rootHash),
                      bytes.elementsEqual(p.formatted(checkpoint: checkpointText).utf8)
                else { throw BundleError(entry: k, "\(m.name) is not the inclusion proof of that entry") }
                same = true
            }
            guard same else { throw BundleError("\(m.name) does not match the verified entries") }
        }
        return BundleSummary(
            production: header!.title, origin: covered.origin, scope: scope, entries: count,
            inScope: tally.inScope, steps: tally.steps, refused: tally.refused, alarms: tally.alarms, critical: tally.critical,
            coveredSize: covered.size, rootBase64: Data(covered.rootHash).base64EncodedString(), latestSize: latest.size,
            logKey: logKey, keyWasTrusted: trustedLogKey != nil,
            witnesses: coveredSigs.compactMap { s in s.timestamp.map { (s.key.name, $0) } },
            cosignedBy: coveredSigs.filter { $0.timestamp != nil }.map(\.key),
            proofs: proofFiles.count, proofKind: report.proofs)
    }

    /// Whether a range proof, with its entries' leaf hashes (from `leaves`), gives `root`.
    static func rangeHolds(_ p: RangeProof, _ leaves: [Int: Hash], root: Hash) -> Bool {
        let hashes = p.range.compactMap { leaves[$0] }
        return hashes.count == p.range.count && MerkleProof.rootOfRange(p.range, size: p.size, leaves: hashes, proof: p.proof) == root
    }

    /// The leaf hashes of the entries at `positions`, read again from `entries.bin`: only
    /// to name the entry to blame once a bundle has already failed.
    static func leafHashes(_ source: some BundleSource, _ range: Range<Int>, of positions: Set<Int>) throws(BundleError) -> [Int: Hash] {
        var hashes: [Int: Hash] = [:]
        guard let last = positions.max() else { return hashes }
        var stream = EntryStream(source, range)
        var k = 0
        while k <= last, let bytes = try stream.next() {
            if positions.contains(k) { hashes[k] = MerkleHash.leaf(bytes) }
            k += 1
        }
        return hashes
    }

    /// Whether the member at `range` is exactly the report `pieces` make: text byte for
    /// byte, the long sections by length and SHA-256, read a piece at a time.
    static func matches(_ source: some BundleSource, _ range: Range<Int>, _ pieces: [EvidenceReport<ReportDigest>.Piece]) throws(BundleError) -> Bool {
        var at = range.lowerBound
        func take(_ n: Int) throws(BundleError) -> [UInt8]? {
            guard n <= range.upperBound - at else { return nil }
            defer { at += n }
            do { return try source.read(at..<(at + n)) } catch { throw BundleError("report.txt: \(error.message)") }
        }
        for piece in pieces {
            switch piece {
            case .text(let t):
                guard let bytes = try take(t.utf8.count), bytes.elementsEqual(t.utf8) else { return false }
            case .lines(let lines):
                var hasher = SHA256()
                var left = lines.bytes
                while left > 0 {
                    guard let bytes = try take(min(left, EvidenceBundle.readChunk)) else { return false }
                    hasher.update(data: bytes)
                    left -= bytes.count
                }
                guard Array(hasher.finalize()) == lines.digest else { return false }
            }
        }
        return at == range.upperBound
    }

    /// Whether `name` is one of the files docs/FORMAT.md lists for a bundle.
    static func isDocumented(_ name: String) -> Bool {
        let fixed: Set = ["manifest.json", "entries.bin", "checkpoint.txt", "latest-checkpoint.txt", "consistency.txt", "keys/log.vkey", "report.txt"]
        if fixed.contains(name) { return true }
        func numbered(_ prefix: String, _ suffix: String) -> Bool {
            guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return false }
            return name.dropFirst(prefix.count).dropLast(suffix.count).allSatisfy { $0.isASCII && $0.isNumber }
        }
        if name.hasPrefix("proofs/"), name.hasSuffix(".range-proof") {
            let run = name.dropFirst(7).dropLast(12).split(separator: "-", omittingEmptySubsequences: false)
            return run.count == 2 && run.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
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

/// `entries.bin` read as a stream: each entry's canonical bytes after its length (4 bytes,
/// big-endian), a piece of the file at a time.
struct EntryStream<Source: BundleSource> {
    let source: Source
    let range: Range<Int>
    /// How much is read at once (at least one whole entry).
    let chunk: Int
    var buffer: [UInt8] = []
    /// Where `buffer` starts in the source, and where the next entry starts.
    var bufferStart: Int
    var position: Int
    /// Entries read so far.
    var count = 0

    init(_ source: Source, _ range: Range<Int>, chunk: Int = EvidenceBundle.readChunk) {
        self.source = source
        self.range = range
        self.chunk = chunk
        bufferStart = range.lowerBound
        position = range.lowerBound
    }

    /// The next entry, nil at the end, or why `entries.bin` cannot be read.
    mutating func next() throws(BundleError) -> [UInt8]? {
        guard position < range.upperBound else { return nil }
        guard range.upperBound - position >= 4 else { throw BundleError(entry: count, "entries.bin ends inside a length") }
        let length = try take(4)
        let n = Int(length[0]) << 24 | Int(length[1]) << 16 | Int(length[2]) << 8 | Int(length[3])
        guard range.upperBound - position >= n else { throw BundleError(entry: count, "entries.bin ends inside the entry") }
        count += 1
        return try take(n)
    }

    mutating func take(_ n: Int) throws(BundleError) -> [UInt8] {
        if position + n > bufferStart + buffer.count {
            let end = min(range.upperBound, position + max(n, chunk))
            do { buffer = try source.read(position..<end) } catch { throw BundleError("entries.bin: \(error.message)") }
            bufferStart = position
        }
        let start = position - bufferStart
        position += n
        return Array(buffer[start..<(start + n)])
    }
}

/// A verified bundle's log read back in order, a batch of entries at a time, for `armory
/// import`: only one batch is in memory, never the bundle. Every bundle holds its log's
/// entries from the first; the covering checkpoint is read again here and its signature
/// checked with the key the bundle was verified with, so a file changed between the
/// verification and this read cannot put an unsigned checkpoint in a store.
public final class BundleLog {
    /// The log's origin (`armory/<production id>`).
    public let origin: String
    /// The checkpoint covering every entry, signed by the log key.
    public let checkpoint: SignedNote
    var stream: EntryStream<Opened>

    /// Any source, read through its protocol.
    struct Opened: BundleSource {
        let source: any BundleSource
        var count: Int { source.count }
        func read(_ range: Range<Int>) throws(ArchiveError) -> [UInt8] { try source.read(range) }
    }

    public init(_ source: any BundleSource, logKey: NoteVerifierKey) throws(BundleError) {
        let members: [BundleArchive.Member]
        do { members = try BundleArchive.index(source) } catch { throw BundleError("not an Armory bundle: \(error.message)") }
        func member(_ name: String) throws(BundleError) -> BundleArchive.Member {
            guard let m = members.first(where: { $0.name == name }) else { throw BundleError("missing \(name)") }
            return m
        }
        let named = try member("checkpoint.txt")
        do {
            let note = try SignedNote(parsing: String(decoding: try source.read(named.contents), as: UTF8.self))
            guard try note.verify(with: [logKey]).contains(where: { $0.key == logKey }) else { throw NoteError("not signed by the log") }
            checkpoint = note
            origin = try Checkpoint(text: note.text).origin
        } catch { throw BundleError("checkpoint.txt: \(error)") }
        stream = EntryStream(Opened(source: source), try member("entries.bin").contents)
    }

    /// The next entries in order, at most `limit` of them; none at the end.
    public func next(upTo limit: Int) throws(BundleError) -> [[UInt8]] {
        var batch: [[UInt8]] = []
        while batch.count < limit, let bytes = try stream.next() { batch.append(bytes) }
        return batch
    }
}
