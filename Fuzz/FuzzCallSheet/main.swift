// A call sheet (`armory crew import`, the crew page's upload): what CallSheet(bytes:) reads,
// written back as CSV with every field quoted, reads again to the same people; its steps
// decide against a production without ever being invalid input; and when every one was
// recorded as ok, the same sheet has nothing left to record.
import ArmoryCore
import FuzzSupport

@main
enum FuzzMain {
    static func main() { runFuzzing(checkInput) }
}

/// One person as the sheet says, without the line it was on.
struct Said: Equatable {
    let id: String, name: String, roles: [Role], credentials: [Credential]
}

/// A field in double quotes, each quote doubled. Done on Unicode scalars, as the sheet is read:
/// a quote followed by a combining mark is one Character but still a quote.
func quoted(_ s: String) -> String {
    var out = String.UnicodeScalarView()
    out.append("\"")
    for c in s.unicodeScalars {
        if c == "\"" { out.append("\"") }
        out.append(c)
    }
    out.append("\"")
    return String(out)
}

/// The properties every input is held to.
func checkInput(_ bytes: [UInt8]) {
    let sheet: CallSheet
    do { sheet = try CallSheet(bytes: bytes) } catch { _ = error.description; return }
    let said = sheet.rows.map { Said(id: $0.id, name: $0.name, roles: $0.roles, credentials: $0.credentials) }
    var text = CallSheet.columns.joined(separator: ",") + "\r\n"
    for r in sheet.rows {
        var fields = [quoted(r.id), quoted(r.name), quoted(r.roles.map(\.rawValue).joined(separator: ";"))]
        for kind in CredentialKind.allCases {
            let c = r.credentials.first { $0.kind == kind }
            fields += [quoted(c?.number ?? ""), quoted(c?.expires.text ?? "")]
        }
        text += fields.joined(separator: ",") + "\r\n"
    }
    let written = Array(text.utf8)
    let again: CallSheet
    do { again = try CallSheet(bytes: written) } catch {
        violated("a sheet written back does not read (\(error)): \(show(written))")
    }
    require(again.rows.map { Said(id: $0.id, name: $0.name, roles: $0.roles, credentials: $0.credentials) } == said,
            "a sheet written back reads as other people: \(show(written))")
    var state = ProductionState(people: [Person(id: "fuzz producer", name: "Producer", roles: [.producer])])
    var at: Int64 = 1_772_460_000
    var allOK = true
    for action in sheet.actions(against: state) {
        at += 1
        do {
            let d = try state.apply(Step(at: Timestamp(seconds: at, offsetMinutes: 0), by: "fuzz producer", action: action))
            if d.outcome != .ok { allOK = false }
        } catch {
            violated("a call sheet's step is invalid input (\(error.message)): \(action.name) for \(show(bytes))")
        }
    }
    if allOK { require(sheet.actions(against: state).isEmpty, "the same sheet, imported again, still has steps to record") }
}
