import ArgumentParser
import ArmoryLedger
import Foundation

/// `armory verify BUNDLE`: checks an evidence bundle offline, with no network and no
/// database: every signature, proof and hash, every recorded decision replayed through
/// the protocol engine, and completeness.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify an evidence bundle offline.",
        discussion: "Exit 0 with a summary when the bundle holds; exit 1 naming the first failing entry and why."
    )

    @Argument(help: "The bundle file.")
    var bundle: String

    @Option(help: "The production's published verifier key (text or file). Without it, the bundle's own key is trusted and the summary warns.")
    var key: String?

    @Option(name: .customLong("witness"), help: "A witness's cosignature key (text or file) whose cosignature the covered checkpoint must carry; repeatable.")
    var witnesses: [String] = []

    @Option(help: "How many of the --witness keys must have cosigned (default: all of them).")
    var quorum: Int?

    func run() throws {
        let trusted = try key.map { try loadVerifierKey($0, for: .log) }
        let required = try witnesses.map { try loadVerifierKey($0, for: .witness) }
        let quorum = self.quorum ?? required.count
        guard (required.isEmpty && self.quorum == nil) || (1...max(1, required.count)).contains(quorum) && !required.isEmpty else {
            printError("error: --quorum must be 1 to the number of --witness keys (\(required.count)), not \(quorum)")
            throw ExitCode(ExitStatus.invalidInput)
        }
        let source = try openBundle(bundle)
        let s: BundleSummary
        do { s = try EvidenceBundle.verify(source, trustedLogKey: trusted) } catch {
            printError("error: \(printable(bundle)) does not verify: \(printable(error.description))")
            throw ExitCode(1)
        }
        let missing = s.missingWitnesses(required, quorum: quorum)
        if !missing.isEmpty {
            printError("error: \(printable(bundle)) is not witnessed: its checkpoint (\(s.coveredSize) entries) carries \(required.count - missing.count) "
                       + "of the \(quorum) cosignatures required; none by \(missing.map { printable($0.description) }.joined(separator: ", "))")
            throw ExitCode(1)
        }
        // Every field below comes from the bundle, so each is printed through `printable`.
        var out = "VERIFIED  \(printable(bundle))\n"
        out += "production   \(printable(s.production))  (\(printable(s.origin)))\n"
        out += "scope        \(printable(s.scope.description)): \(s.inScope) of \(s.entries) entries, "
            + { switch s.proofKind {
                case .none: "every one proven by the tree they hash to\n"
                case .perEntry: "each with its inclusion proof\n"
                case .perRange: "proven by \(s.proofs) range proof\(s.proofs == 1 ? "" : "s"), one per run of consecutive entries\n"
            } }()
        out += "decisions    \(s.steps) steps replayed through the protocol engine: \(s.refused) refused, \(s.alarms) alarms"
        out += s.critical > 0 ? " (\(s.critical) critical)\n" : "\n"
        out += "checkpoint   \(s.coveredSize) entries, root \(s.rootBase64)\n"
        out += "complete     every entry 0..\(s.coveredSize - 1) present; "
        out += s.latestSize > s.coveredSize ? "consistent with the later checkpoint of \(s.latestSize)\n" : "this is the latest checkpoint\n"
        out += "signed by    \(printable(s.logKey.description))\(s.keyWasTrusted ? "  (the trusted key)" : "")\n"
        for w in s.witnesses {
            out += "witnessed by \(printable(w.name)) at \(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(w.timestamp))))\n"
        }
        if !required.isEmpty {
            out += "quorum       \(required.filter { s.cosignedBy.contains($0) }.count) of \(required.count) required witnesses cosigned (\(quorum) needed)\n"
        }
        if !s.keyWasTrusted {
            out += "WARNING      no --key given: the bundle's own key was trusted. Compare it with the production's published key.\n"
        }
        print(printable(out, keepingLines: true), terminator: "")
    }
}
