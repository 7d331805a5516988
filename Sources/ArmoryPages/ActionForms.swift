import ArmoryCore
import ArmoryLedger
import Foundation

/// The tablet's form for each action of SCENARIOS.md: the same names and fields, with the
/// kind of control each field needs, so a step is one or two taps with the rest pre-filled.
struct ActionForm {
    enum Kind: Equatable {
        case firearm, newFirearm, lot, newLot, person, people, scene, text, longText, count, measure, flag, choice([String])
        /// A person id not on the crew yet; roles to tick; a permit and training with expiry; a date; an alarm raised earlier.
        case newPerson, roles, credentials, date, alarm
        /// Who did it, when not the person signed in (`by`): the talent handing a firearm back
        /// to the armorer, the talent who fired (RecordingForOthers).
        case actor
    }
    struct Field {
        let name: String
        let label: String
        let kind: Kind
        let optional: Bool
    }
    let name: String
    let title: String
    let observation: Bool
    let fields: [Field]

    static func f(_ name: String, _ label: String, _ kind: Kind, optional: Bool = false) -> Field {
        Field(name: name, label: label, kind: kind, optional: optional)
    }

    static let all: [ActionForm] = [
        ActionForm(name: "receive_firearm", title: "Receive a firearm", observation: false, fields: [
            f("firearm", "Firearm id", .newFirearm), f("serial", "Serial number", .text), f("make", "Make", .text), f("model", "Model", .text),
            f("from", "From (rental house)", .text, optional: true)]),
        ActionForm(name: "return_firearm", title: "Return to the rental house", observation: false, fields: [
            f("firearm", "Firearm", .firearm), f("to", "To (rental house)", .text, optional: true)]),
        ActionForm(name: "receive_ammo", title: "Receive ammunition", observation: true, fields: [
            f("lot", "Lot id", .newLot), f("kind", "Kind", .choice(["dummy", "blank", "live"])), f("count", "Rounds", .count),
            f("source", "Source", .text, optional: true), f("caliber", "Caliber", .text, optional: true)]),
        ActionForm(name: "inspect_lot", title: "Inspect a lot", observation: true, fields: [
            f("lot", "Lot", .lot), f("inspected", "Rounds looked at", .count), f("live_found", "Live rounds found", .count)]),
        ActionForm(name: "safety_meeting", title: "Safety meeting", observation: false, fields: [
            f("scene", "Scene", .scene), f("attendees", "Attendees", .people), f("blanks", "Blanks will be fired", .flag)]),
        ActionForm(name: "inspect_firearm", title: "Inspect", observation: true, fields: [
            f("firearm", "Firearm", .firearm), f("result", "Result", .choice(["clear", "obstructed", "faulty"]))]),
        ActionForm(name: "load", title: "Load", observation: false, fields: [
            f("firearm", "Firearm", .firearm), f("lot", "From lot", .lot), f("rounds", "Rounds", .count), f("scene", "Scene", .scene),
            f("rehearsal", "For a rehearsal", .flag, optional: true)]),
        ActionForm(name: "unload", title: "Unload", observation: false, fields: [
            f("firearm", "Firearm", .firearm), f("lot", "Back to lot", .lot), f("rounds", "Rounds", .count)]),
        ActionForm(name: "show_clear", title: "Show clear", observation: false, fields: [
            f("firearm", "Firearm", .firearm), f("to", "Shown to (talent and first AD together)", .people)]),
        ActionForm(name: "hand_over", title: "Hand over", observation: false, fields: [
            f("firearm", "Firearm", .firearm), f("to", "To", .person), f("scene", "Scene", .scene, optional: true),
            f("by", "Handed over by", .actor, optional: true)]),
        ActionForm(name: "declare", title: "Declare hot or cold", observation: false, fields: [
            f("firearm", "Firearm", .firearm), f("state", "State", .choice(["cold", "hot"]))]),
        ActionForm(name: "fire", title: "Record a shot", observation: true, fields: [
            f("firearm", "Firearm", .firearm), f("scene", "Scene", .scene), f("rounds", "Rounds", .count),
            f("result", "Result", .choice(["blank", "click", "misfire", "projectile"])), f("shooter", "Shooter (default: who holds it)", .person, optional: true),
            f("rehearsal", "In a rehearsal", .flag, optional: true), f("nearest_person_ft", "Nearest person to the muzzle line (feet)", .measure, optional: true),
            f("by", "Fired by", .actor, optional: true)]),
        ActionForm(name: "report_discharge", title: "Report a discharge", observation: true, fields: [
            f("firearm", "Firearm", .firearm), f("injuries", "Anyone hurt", .flag), f("note", "Note", .longText, optional: true),
            f("by", "Reported by", .actor, optional: true)]),
        ActionForm(name: "report_missing", title: "Report missing", observation: true, fields: [
            f("firearm", "Firearm", .firearm), f("by", "Reported by", .actor, optional: true)]),
        ActionForm(name: "report_concern", title: "Raise a safety concern", observation: true, fields: [
            f("text", "What worries you", .longText), f("scene", "Scene", .scene, optional: true), f("by", "Raised by", .actor, optional: true)]),
        ActionForm(name: "reconcile", title: "Count a lot", observation: true, fields: [f("lot", "Lot", .lot), f("counted", "Rounds counted in the box", .count)]),
        ActionForm(name: "store", title: "Store", observation: false, fields: [f("firearm", "Firearm", .firearm), f("locked", "Locked away", .flag)]),
        ActionForm(name: "unfreeze", title: "Unfreeze", observation: false, fields: [f("firearm", "Firearm", .firearm), f("reason", "Reason", .longText)]),
        ActionForm(name: "wrap", title: "Wrap the day", observation: true, fields: []),
        ActionForm(name: "join", title: "Add to the crew", observation: false, fields: [
            f("person", "Person id", .newPerson), f("name", "Name", .text), f("roles", "Roles", .roles),
            f("credentials", "Permit and training", .credentials, optional: true)]),
        ActionForm(name: "set_roles", title: "Change roles", observation: false, fields: [
            f("person", "Person", .person), f("roles", "Roles (replace all)", .roles)]),
        ActionForm(name: "leave", title: "Take off the crew", observation: false, fields: [f("person", "Person", .person)]),
        ActionForm(name: "credential", title: "Record a permit or training", observation: false, fields: [
            f("person", "Person", .person), f("kind", "Kind", .choice(["permit", "training"])), f("number", "Number", .text),
            f("expires", "Valid through", .date)]),
        ActionForm(name: "acknowledge", title: "Acknowledge an alarm", observation: false, fields: [
            f("alarm", "Alarm", .alarm), f("note", "Note", .longText, optional: true)]),
    ]

    static func named(_ name: String) -> ActionForm? { all.first { $0.name == name } }

    /// The actions offered on a firearm's page, in the order an armorer reaches for them.
    static let firearmActions = ["inspect_firearm", "load", "unload", "show_clear", "hand_over", "declare", "fire", "store",
                                 "report_discharge", "report_missing", "unfreeze", "return_firearm"]
    static let lotActions = ["inspect_lot", "load", "reconcile"]
    static let generalActions = ["receive_firearm", "receive_ammo", "safety_meeting", "report_concern", "wrap"]

    /// The step's JSON from the form's fields: numbers and flags as JSON numbers and
    /// booleans, lists from repeated fields, empty optional fields left out. The engine's
    /// own decoder then checks it like any other step.
    func json(from form: [(String, String)]) -> JSON {
        var members: [(key: String, value: JSON)] = [("do", .string(name))]
        for field in fields {
            let values = form.filter { $0.0 == field.name }.map { $0.1.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            switch field.kind {
            case .people, .roles:
                members.append((field.name, .array(values.map { .string($0) })))
            case .credentials:
                // One credential per kind whose number was filled in: `credentials.permit.number` and
                // `credentials.permit.expires`, the same for training.
                var list: [JSON] = []
                for kind in CredentialKind.allCases {
                    func value(_ part: String) -> String? {
                        form.first { $0.0 == "\(field.name).\(kind.rawValue).\(part)" }.map { $0.1.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
                    }
                    guard let number = value("number") else { continue }
                    list.append(.object([("kind", .string(kind.rawValue)), ("number", .string(number)),
                                         ("expires", value("expires").map { .string($0) } ?? .null)]))
                }
                if !list.isEmpty { members.append((field.name, .array(list))) }
            case .flag:
                // A checkbox sends "on"; anything else is not a yes, and the decoder names the field.
                if let v = values.first, !["on", "true", "1", "yes"].contains(v.lowercased()) { members.append((field.name, .string(String(v.prefix(64))))) }
                else if !values.isEmpty || !field.optional { members.append((field.name, .bool(!values.isEmpty))) }
            case .count, .alarm:
                guard let v = values.first else { if !field.optional { members.append((field.name, .null)) }; continue }
                // Only digits make a count; anything else goes on as text, for the decoder to name.
                if v.utf8.count <= 18, let n = Int(v) { members.append((field.name, .number(Double(n), isInteger: true))) } else { members.append((field.name, .string(v))) }
            case .measure:
                guard let v = values.first else { continue }
                // `nan`, `inf` and `1e300` are numbers to Double(_:) but never a distance: Limits names the bound
                // before the step is decoded or written.
                if let n = Double(v) { members.append((field.name, .number(n, isInteger: n.isFinite && n == n.rounded(.towardZero)))) } else { members.append((field.name, .string(v))) }
            default:
                if let v = values.first { members.append((field.name, .string(v))) } else if !field.optional { members.append((field.name, .null)) }
            }
        }
        return .object(members)
    }
}

/// What to do after a refusal or alarm, per rule: the armorer reads this on the tablet.
enum RuleAdvice {
    static func advice(_ rule: Rule) -> String {
        switch rule {
        case .ammo1: return "Quarantine the lot and get it off set. Inspect every firearm loaded from it before anyone uses it again."
        case .ammo2: return "Inspect every round still in the dummy lot, all in one inspection, before loading from it."
        case .ammo3: return "Only the armorer loads blanks, only for a take whose safety meeting announced blanks, never for a rehearsal."
        case .ammo4: return "Count the rounds in the lot's box and record the count; it must match the box before the wrap."
        case .concern1: return "Producers and safety have been alerted. Stop and talk it through before the next take."
        case .evid1: return "Nothing recorded can be changed; record a correction instead."
        case .evid2: return "The firearm and its lots are frozen as evidence. Store them locked; a producer or safety rep unfreezes."
        case .fa1: return "Only the armorer declares a firearm hot or cold, after inspecting it."
        case .fa2: return "Show the firearm clear to the talent and the first AD together, then hand it over within the window."
        case .fa3: return "Firearms pass only from the armorer to talent and back. Hand it back to the armorer."
        case .fa4: return "The armorer inspects the firearm before it is loaded, shown clear, declared or handed to talent."
        case .fa5: return "Only the person who holds the firearm may act on it. Find it and get it back to the armorer."
        case .fa6: return "Every firearm goes back to the armorer and is stored locked before the wrap."
        case .fa7: return "Stop. Secure the firearm, store it locked, and call the producer and safety rep."
        case .fa8: return "Bring the firearm back to the armorer for inspection before anyone uses it."
        case .role1: return "An armorer with another job on set may not act as armorer. A dedicated armorer must do this."
        case .role2: return "Your role does not allow this command. Ask the armorer."
        case .role3: return "Only a producer changes the crew list. Hand any firearm the person holds back to the armorer first."
        case .qual1: return "Record an unexpired permit and training for the armorer, and training for the talent, before going on."
        case .alarm1: return "A producer or safety rep acknowledges every open alarm before the wrap."
        case .scene1: return "Hold the scene's safety meeting with the armorer and the first AD first."
        case .scene2: return "Move everyone at least the safe distance from the muzzle line before firing blanks."
        case .scene3: return "Rehearsals are cold: no blanks or live rounds in a rehearsal."
        }
    }
}
