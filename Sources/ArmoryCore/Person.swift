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

/// Someone on the production. Identified by a short id that steps use in `by` and `to`.
public struct Person: Sendable, Hashable {
    public let id: String
    public let name: String
    public let roles: Set<Role>

    public init(id: String, name: String, roles: Set<Role>) {
        self.id = id
        self.name = name
        self.roles = roles
    }

    /// Only a dedicated armorer acts as armorer (ROLE-1): `armorer` and no other role.
    public var mayActAsArmorer: Bool { roles == [.armorer] }

    /// An armorer who also holds another job. ROLE-1 forbids it, so such a person
    /// acts in none of their roles: their armorer-only commands cite ROLE-1, the rest ROLE-2.
    public var isDualHattedArmorer: Bool { roles.contains(.armorer) && roles.count > 1 }

    /// Whether this person may act in `role` on set, ROLE-1 taken into account.
    public func acts(as role: Role) -> Bool {
        if role == .armorer { return mayActAsArmorer }
        return roles.contains(role) && !isDualHattedArmorer
    }
}
