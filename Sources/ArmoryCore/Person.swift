/// A job on set, as PROTOCOL.md's role table names it.
public enum Role: String, CaseIterable, Sendable, Hashable, Codable {
    case armorer
    case firstAD = "first_ad"
    case talent
    case propMaster = "prop_master"
    case producer
    case safety
    case crew
}

/// The kind of paper a person carries (QUAL-1): an armorer's permit, or firearms training.
public enum CredentialKind: String, CaseIterable, Sendable, Hashable {
    case permit, training
}

/// A calendar date written `YYYY-MM-DD`: a credential's last valid day. Only real dates
/// (a 30 February is refused); the text is kept as written, and dates compare as days.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let text: String

    public init?(_ text: String) {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var v = 0
            for k in range {
                guard b[k] >= UInt8(ascii: "0"), b[k] <= UInt8(ascii: "9") else { return nil }
                v = v * 10 + Int(b[k] - UInt8(ascii: "0"))
            }
            return v
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10), (1...12).contains(m), d >= 1 else { return nil }
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        guard d <= days else { return nil }
        self.text = text
    }

    /// The date a step's `at` is written on (`Timestamp.localDate` is always a real date):
    /// built without checking, so deciding a step under QUAL-1 allocates nothing for it.
    init(writtenOn at: Timestamp) {
        text = at.localDate
    }

    public var description: String { text }
    // Four-digit years, two-digit months and days: the text orders as the days do.
    public static func < (a: CalendarDate, b: CalendarDate) -> Bool { a.text < b.text }
}

/// A permit or training record (QUAL-1): valid through `expires`, inclusive.
public struct Credential: Sendable, Hashable {
    public let kind: CredentialKind
    public let number: String
    public let expires: CalendarDate

    public init(kind: CredentialKind, number: String, expires: CalendarDate) {
        self.kind = kind
        self.number = number
        self.expires = expires
    }

    /// Precise "Credentials": unexpired on a step whose date, as written in its `at`, is on
    /// or before `expires`.
    public func isValid(on date: CalendarDate) -> Bool { date <= expires }
}

/// Someone known to the production. Identified by a short id that steps use in `by` and `to`.
/// Whether they are on the crew, their roles and credentials change only through the steps
/// of ROLE-3; a person off the crew holds no roles.
public struct Person: Sendable, Hashable {
    struct Fields: Hashable {
        let id: String
        var name: String
        var roles: Set<Role>
        var roleBits: UInt16
        var credentials: [Credential]
        var onCrew: Bool
    }

    private var shared: SharedFields<Fields>

    private var fields: Fields {
        _read { yield shared.value }
        _modify { yield &shared.value }
    }

    public static func == (a: Person, b: Person) -> Bool { a.shared == b.shared }
    public func hash(into hasher: inout Hasher) { shared.hash(into: &hasher) }

    public var id: String { fields.id }
    public internal(set) var name: String {
        get { fields.name }
        set { fields.name = newValue }
    }
    public internal(set) var roles: Set<Role> {
        get { fields.roles }
        set {
            fields.roles = newValue
            fields.roleBits = Self.bits(newValue)
        }
    }
    /// `roles` as one bit per role, for the questions asked on nearly every step (a set of
    /// roles hashes each role's name to answer them).
    private var roleBits: UInt16 { fields.roleBits }
    /// At most one of each kind, in `CredentialKind` order: a later one replaces the earlier.
    public internal(set) var credentials: [Credential] {
        _read { yield fields.credentials }
        _modify { yield &fields.credentials }
    }
    /// On the crew from the header or an accepted `join` until an accepted `leave` (ROLE-3).
    public internal(set) var onCrew: Bool {
        get { fields.onCrew }
        set { fields.onCrew = newValue }
    }

    public init(id: String, name: String, roles: Set<Role>, credentials: [Credential] = [], onCrew: Bool = true) {
        shared = SharedFields(Fields(id: id, name: name, roles: roles, roleBits: Self.bits(roles), credentials: [], onCrew: onCrew))
        for c in credentials { record(c) }
    }

    /// Keeps `c`, replacing an earlier credential of its kind.
    mutating func record(_ c: Credential) {
        credentials.removeAll { $0.kind == c.kind }
        credentials.append(c)
        credentials.sort { CredentialKind.allCases.firstIndex(of: $0.kind)! < CredentialKind.allCases.firstIndex(of: $1.kind)! }
    }

    /// The person's credential of `kind`, if they have one.
    public func credential(_ kind: CredentialKind) -> Credential? { credentials.first { $0.kind == kind } }

    /// Whether they hold a credential of `kind` unexpired on `date`.
    public func holds(_ kind: CredentialKind, on date: CalendarDate) -> Bool {
        credential(kind)?.isValid(on: date) ?? false
    }

    /// The roles they act in, as the crew list stands: none off the crew.
    public var rolesInForce: Set<Role> { onCrew ? roles : [] }

    /// Only a dedicated armorer acts as armorer (ROLE-1): `armorer` and no other role.
    /// (Asked on nearly every step: it builds nothing.)
    public var mayActAsArmorer: Bool { onCrew && roleBits == Self.bit(.armorer) }

    /// An armorer who also holds another job. ROLE-1 forbids it, so such a person
    /// acts in none of their roles: their armorer-only commands cite ROLE-1, the rest ROLE-2.
    public var isDualHattedArmorer: Bool { onCrew && roleBits & Self.bit(.armorer) != 0 && roleBits != Self.bit(.armorer) }

    /// Whether this person may act in `role` on set, ROLE-1 taken into account (QUAL-1 is
    /// the engine's to weigh, as it depends on the step's date and the policy).
    public func acts(as role: Role) -> Bool {
        if role == .armorer { return mayActAsArmorer }
        return onCrew && roleBits & Self.bit(role) != 0 && !isDualHattedArmorer
    }

    /// Whether `role` is among their roles (on the crew or not).
    public func has(_ role: Role) -> Bool { roleBits & Self.bit(role) != 0 }

    static func bit(_ role: Role) -> UInt16 {
        switch role {
        case .armorer: return 1
        case .firstAD: return 2
        case .talent: return 4
        case .propMaster: return 8
        case .producer: return 16
        case .safety: return 32
        case .crew: return 64
        }
    }

    static func bits(_ roles: Set<Role>) -> UInt16 { roles.reduce(0) { $0 | bit($1) } }
}
