/// A rule of the on-set firearms protocol (PROTOCOL.md), by its stable ID.
///
/// Refusals, alarms, reports and evidence cite rules by these IDs, never by paraphrase.
/// Their order (`Comparable`) is the order in which a decision lists them: by ID text.
public enum Rule: String, CaseIterable, Sendable, Comparable, Codable {
    case ammo1 = "AMMO-1"
    case ammo2 = "AMMO-2"
    case ammo3 = "AMMO-3"
    case ammo4 = "AMMO-4"
    case alarm1 = "ALARM-1"
    case concern1 = "CONCERN-1"
    case evid1 = "EVID-1"
    case evid2 = "EVID-2"
    case fa1 = "FA-1"
    case fa2 = "FA-2"
    case fa3 = "FA-3"
    case fa4 = "FA-4"
    case fa5 = "FA-5"
    case fa6 = "FA-6"
    case fa7 = "FA-7"
    case fa8 = "FA-8"
    case qual1 = "QUAL-1"
    case role1 = "ROLE-1"
    case role2 = "ROLE-2"
    case role3 = "ROLE-3"
    case scene1 = "SCENE-1"
    case scene2 = "SCENE-2"
    case scene3 = "SCENE-3"

    public static func < (a: Rule, b: Rule) -> Bool { a.rawValue < b.rawValue }

    /// The rule's title as PROTOCOL.md words it.
    public var title: String {
        switch self {
        case .ammo1: return "No live ammunition"
        case .ammo2: return "Dummies are verified round by round"
        case .ammo3: return "Blanks only by the armorer, only for a take"
        case .ammo4: return "Every round is accounted for"
        case .alarm1: return "Every alarm is answered"
        case .concern1: return "Anyone may raise a safety concern, anonymously"
        case .evid1: return "Append only"
        case .evid2: return "Freeze after an incident"
        case .fa1: return "Only the armorer declares a firearm hot or cold"
        case .fa2: return "Show-clear before every handover to talent"
        case .fa3: return "Handovers go through the armorer"
        case .fa4: return "Returns go to the armorer, and unknown means unsafe"
        case .fa5: return "Custody is never broken"
        case .fa6: return "Locked storage at wrap"
        case .fa7: return "An unplanned discharge stops everything"
        case .fa8: return "Misfires go back to the armorer"
        case .qual1: return "Qualified hands only"
        case .role1: return "A dedicated armorer"
        case .role2: return "Roles are checked on every command"
        case .role3: return "The crew list is kept by producers, on the record"
        case .scene1: return "A safety meeting comes first"
        case .scene2: return "Safe distance from blanks"
        case .scene3: return "Rehearsals are cold"
        }
    }
}
