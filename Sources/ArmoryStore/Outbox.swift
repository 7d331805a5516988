import ArmoryCore
import ArmoryLedger

/// How an alarm reaches a person who is not looking at a screen.
public enum DeliveryChannel: String, Sendable, CaseIterable {
    /// An e-mail over the configured SMTP relay.
    case email
    /// A Web Push message to a phone that subscribed from a page.
    case push
    /// A signed POST in the Alertmanager webhook format.
    case webhook
}

/// Where a person of a production wants alarms: an e-mail address or one phone's push
/// subscription (its JSON, as the browser gave it). Kept per production.
public struct Contact: Sendable, Equatable {
    public let id: Int64
    public let production: String
    public let person: String
    public let channel: DeliveryChannel
    public let address: String
    public init(id: Int64 = 0, production: String, person: String, channel: DeliveryChannel, address: String) {
        self.id = id
        self.production = production
        self.person = person
        self.channel = channel
        self.address = address
    }
}

/// A webhook alarms are sent to: the server's own (`production` "*", every production) or
/// one production's, added by a producer. Its secret signs each body (HMAC-SHA256).
public struct Webhook: Sendable, Equatable {
    public static let everyProduction = "*"
    public let id: Int64
    public let production: String
    public let url: String
    public let secret: String
    public init(id: Int64 = 0, production: String, url: String, secret: String) {
        self.id = id
        self.production = production
        self.url = url
        self.secret = secret
    }
}

/// One alarm to one recipient on one channel: written in the same transaction as the alarm
/// entry (round 0) or by escalation (round 1, 2, ...), then sent at least once.
public struct Delivery: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Not sent yet, or to be tried again at `nextAt`.
        case pending
        case delivered
        /// Given up: the receiver refused it for good, or the address is gone.
        case failed
        /// Not sent: an escalation of an alarm answered before its turn came.
        case withdrawn
    }
    /// The idempotency key a receiver drops duplicates by:
    /// `production/entry/round/recipient/channel/contact`.
    public let key: String
    public let production: String
    /// The alarm's entry index.
    public let index: Int
    public let round: Int
    /// The person it is for, or "webhook".
    public let recipient: String
    public let channel: DeliveryChannel
    /// The e-mail address, push subscription JSON, or webhook URL.
    public let address: String
    /// The contact or webhook it was made for.
    public let target: Int64
    public var state: State
    public var attempts: Int
    /// Unix seconds: when it is due (again).
    public var nextAt: Int64
    public var lastError: String?
    /// Unix seconds of the first failed attempt since it last succeeded (nil: none failed).
    public var failingSince: Int64?
    public var deliveredAt: Int64?
    public init(key: String, production: String, index: Int, round: Int, recipient: String, channel: DeliveryChannel, address: String,
                target: Int64, state: State = .pending, attempts: Int = 0, nextAt: Int64 = 0, lastError: String? = nil,
                failingSince: Int64? = nil, deliveredAt: Int64? = nil) {
        self.key = key
        self.production = production
        self.index = index
        self.round = round
        self.recipient = recipient
        self.channel = channel
        self.address = address
        self.target = target
        self.state = state
        self.attempts = attempts
        self.nextAt = nextAt
        self.lastError = lastError
        self.failingSince = failingSince
        self.deliveredAt = deliveredAt
    }

    /// The key for one alarm, round, recipient and contact.
    public static func key(production: String, index: Int, round: Int, recipient: String, channel: DeliveryChannel, target: Int64) -> String {
        "\(production)/\(index)/\(round)/\(recipient)/\(channel.rawValue)/\(target)"
    }
}

/// Who an alarm goes to when it is raised: producers and safety; everyone with a role on
/// the production for a critical alarm (FA-7, a live round under AMMO-1).
public struct AlarmRecipients: Sendable, Equatable {
    public let index: Int
    public let people: [String]
    public let critical: Bool
    public init(index: Int, people: [String], critical: Bool) {
        self.index = index
        self.people = people
        self.critical = critical
    }

    /// The recipients of the alarm at `index`, from the production's state.
    public static func of(_ state: ProductionState, index: Int) -> AlarmRecipients? {
        guard let alarm = state.alarms[index] else { return nil }
        let critical = isCritical(alarm.rules)
        let people = state.crew.filter { p in
            critical ? !p.rolesInForce.isEmpty : (p.rolesInForce.contains(.producer) || p.rolesInForce.contains(.safety))
        }.map(\.id).sorted()
        return AlarmRecipients(index: index, people: people, critical: critical)
    }

    /// An alarm everyone with a role is told of at once: a discharge (FA-7) or a live round (AMMO-1).
    public static func isCritical(_ rules: [Rule]) -> Bool { rules.contains(.fa7) || rules.contains(.ammo1) }

    /// Who an unanswered alarm is escalated to: every producer and safety.
    public static func escalation(_ state: ProductionState, index: Int) -> AlarmRecipients {
        let people = state.crew.filter { $0.rolesInForce.contains(.producer) || $0.rolesInForce.contains(.safety) }.map(\.id).sorted()
        return AlarmRecipients(index: index, people: people, critical: false)
    }
}

/// One escalation round of an unanswered alarm (ALARM-1): who is told, and which round.
public struct EscalationRound: Sendable, Equatable {
    public let recipients: AlarmRecipients
    public let round: Int
    public init(_ recipients: AlarmRecipients, round: Int) {
        self.recipients = recipients
        self.round = round
    }
}

/// How the outbox stands: for metrics and the dashboard.
public struct OutboxStats: Sendable, Equatable {
    public let pending: Int
    /// Unix seconds of the oldest alarm not delivered yet (nil: none waiting).
    public let oldestPendingSince: Int64?
    public init(pending: Int, oldestPendingSince: Int64?) {
        self.pending = pending
        self.oldestPendingSince = oldestPendingSince
    }
}

/// The delivery outbox: contacts, webhooks and deliveries. Round-0 deliveries are written
/// by `LogStore.append` in the alarm's own transaction (so a crash loses none); the rest
/// of this protocol is how the delivery worker and the pages use them.
public protocol DeliveryStore: Sendable {
    /// A person's contacts in a production, or everyone's (`person` nil).
    func contacts(_ production: String, person: String?) async throws -> [Contact]
    /// Adds a contact (the same address twice is kept once); returns it with its id.
    func addContact(_ contact: Contact) async throws -> Contact
    func removeContact(_ production: String, id: Int64) async throws
    /// The server's own webhooks, replacing those it had (each start says which).
    func setServerWebhooks(_ hooks: [(url: String, secret: String)]) async throws
    /// A production's own webhooks, and the server's.
    func webhooks(_ production: String) async throws -> [Webhook]
    func addWebhook(_ hook: Webhook) async throws -> Webhook
    func removeWebhook(_ production: String, id: Int64) async throws
    /// Writes the deliveries of each escalation round given (an alarm's recipients and the
    /// round), unless already written: in one transaction, as a look at the outbox finds them due.
    func escalate(_ production: String, _ rounds: [EscalationRound], at: Int64) async throws
    /// The highest escalation round written for each alarm of a production.
    func escalationRounds(_ production: String) async throws -> [Int: Int]
    /// Deliveries due at `now`, oldest first.
    func dueDeliveries(now: Int64, limit: Int) async throws -> [Delivery]
    /// Records what became of a delivery attempt.
    func updateDelivery(_ delivery: Delivery) async throws
    /// Records what became of several, in one transaction.
    func updateDeliveries(_ deliveries: [Delivery]) async throws
    /// Every delivery of a production's alarms (`index` nil) or of one alarm.
    func deliveries(_ production: String, index: Int?) async throws -> [Delivery]
    func outboxStats() async throws -> OutboxStats
}

/// An alarm as a channel sends it: what happened, where, and where to read the entry.
public struct AlarmMessage: Sendable, Equatable {
    public let production: String
    public let productionTitle: String
    public let index: Int
    /// The entry's time as written (RFC 3339).
    public let at: String
    public let rules: [Rule]
    public let message: String
    public let firearm: String?
    public let lot: String?
    /// FA-7 or a live round under AMMO-1: everyone with a role is told at once.
    public let critical: Bool
    /// 0 when raised; 1, 2, ... for each escalation of an alarm no one has answered.
    public let round: Int
    /// The entry's page, at the server's public address.
    public let url: String
    /// The studio's alarm that a set's log is not the one it holds (`StoredFork`), rather than an entry's.
    public let fork: Bool
    public init(production: String, productionTitle: String, index: Int, at: String, rules: [Rule], message: String,
                firearm: String?, lot: String?, critical: Bool, round: Int, url: String, fork: Bool = false) {
        self.fork = fork
        self.production = production
        self.productionTitle = productionTitle
        self.index = index
        self.at = at
        self.rules = rules
        self.message = message
        self.firearm = firearm
        self.lot = lot
        self.critical = critical
        self.round = round
        self.url = url
    }

    /// One line for a subject or a phone's notification title.
    public var title: String {
        (round > 0 ? "UNANSWERED (\(round)) " : "") + (critical ? "CRITICAL ALARM" : "ALARM") + (fork ? " FORK" : " \(rules.map(\.rawValue).joined(separator: ", "))") + " · \(productionTitle)"
    }
}

/// What one attempt to send a delivery came to.
public enum SendOutcome: Sendable, Equatable {
    case delivered
    /// Not now (a timeout, a 5xx, a 429): tried again later, after `after` seconds if the receiver said.
    case retry(String, after: Int?)
    /// Refused for good (a 4xx other than 429): not tried again.
    case failed(String)
    /// The address is gone (a push subscription the service dropped): the contact is removed.
    case gone(String)
}

/// A channel's sender: e-mail, push or webhook.
public protocol AlarmSender: Sendable {
    func send(_ delivery: Delivery, _ alarm: AlarmMessage) async -> SendOutcome
}
