import ArmoryCore
import ArmoryHub
import ArmoryLedger
import ArmoryStore
import Foundation
import Synchronization

/// The one way a step comes in, from the API, the tablet's forms and the anonymous concern
/// page alike: its fields held to `Limits`, its sender fixed by the sign-in, its time held
/// to the server's clock, and the server's receipt recorded beside it.
extension ArmoryAPI {
    /// Records a step sent as JSON members (`at` and `by` optional). `session` nil: an
    /// anonymous concern, which takes the server's time only. Throws an `APIError` naming
    /// the field: 400 for a value out of bounds or a time ahead of the clock, 403 for a
    /// step in another person's name, 422 for a step the production cannot take, 503 when
    /// the store does not answer. A refused command is recorded, and returned.
    package func recordStep(_ production: String, members given: [(key: String, value: JSON)], session: Session?) async throws -> (index: Int, decision: Decision) {
        let r = try await recordStep(production, members: given, session: session, key: nil)
        return (r.index, r.decision)
    }

    /// Records a step as above, with the sender's idempotency key: a retry with the same key
    /// is answered with the entry the first attempt recorded (`repeated`), and records
    /// nothing. `by` may name someone other than the person signed in only as
    /// `RecordingForOthers` allows (403 naming `by` otherwise).
    package func recordStep(_ production: String, members given: [(key: String, value: JSON)], session: Session?,
                            key: String?, byServer: Bool = false) async throws -> ProductionHub.Recorded {
        if let key { try IdempotencyKey.check(key) }
        var members = given
        var seen = Set<String>()
        for m in members where !seen.insert(m.key).inserted { throw APIError.badRequest("field '\(m.key)' is given twice", field: m.key) }
        try Self.bounded(members)
        let now = stamp(in: try await zone(production))
        let via: LogEntry.Via
        if let session {
            if let by = members.first(where: { $0.key == "by" })?.value {
                guard case .string = by else { throw APIError.badRequest("field 'by' is a person's id", field: "by") }
            } else {
                members.insert(("by", .string(session.person)), at: 0)
            }
            via = session.via
        } else {
            guard members.first(where: { $0.key == "do" })?.value == .string("report_concern") else {
                throw APIError.unauthenticated
            }
            if let key = members.first(where: { $0.key == "at" || $0.key == "by" })?.key {
                throw APIError.badRequest("an anonymous concern takes the server's time and names no one: leave out '\(key)'", field: key)
            }
            via = byServer ? .server : .anonymous
        }
        let stampedNow = !members.contains(where: { $0.key == "at" })
        if stampedNow {
            members.insert(("at", .string(now.text)), at: 0)
        } else if case let .string(text)? = members.first(where: { $0.key == "at" })?.value, let at = Timestamp(rfc3339: text),
                  at.seconds > now.seconds + Limits.clockTolerance {
            throw APIError.badRequest("field 'at' (\(text)) is more than \(Limits.clockTolerance / 60) minutes ahead of the server's clock (\(now.text)); "
                                      + "a step is recorded when it happens, not before", field: "at")
        }
        let step = try Self.decoded(members)
        // An anonymous concern carries no key (nothing about its sender); the server's own entries may.
        let receipt = LogEntry.Receipt(received: now.text, via: via, recorder: session?.person, session: session?.name,
                                       key: session == nil && !byServer ? nil : key)
        var allowed: (@Sendable (ProductionState, Step) -> String?)?
        if let recorder = session?.person {
            allowed = { state, step in RecordingForOthers.refusal(step, recorder: recorder, in: state) }
        }
        do {
            return try await hub.record(production, step, stampedNow: stampedNow, receipt: receipt, allowed: allowed)
        } catch {
            throw APIError.notRecorded(error)
        }
    }

    /// Records the server's own safety concern (a witness holding another history of the
    /// log): a concern as anyone may raise it (CONCERN-1, alarming producers and safety),
    /// received from the server itself rather than from a person.
    package func recordServerConcern(_ production: String, text: String) async throws -> Int {
        try await recordStep(production, members: [("do", .string("report_concern")), ("text", .string(text))], session: nil,
                             key: nil, byServer: true).index
    }

    /// Records, on the set, a concern raised anonymously at the studio and handed over by it:
    /// a concern as anyone may raise it (CONCERN-1), received from the server, under the key
    /// `studio-concern-<n>` (handed over twice, it is recorded once), its text saying when the
    /// studio received it. Returns its entry.
    package func recordStudioConcern(_ production: String, _ concern: ConcernOffer) async throws -> Int {
        var members: [(key: String, value: JSON)] = [("do", .string("report_concern")),
                                                     ("text", .string(Self.studioConcernText(concern.text, raised: concern.raised)))]
        if let scene = concern.scene { members.append(("scene", .string(scene))) }
        return try await recordStep(production, members: members, session: nil, key: concern.key, byServer: true).index
    }

    /// A concern's text as the set records it: when the studio received it, then the text.
    static func studioConcernText(_ text: String, raised: String) -> String { "Raised at the studio at \(raised): " + text }
    /// What the words before a concern's text take, at most: a concern raised at the studio
    /// is that much shorter than one raised on the set.
    static let studioConcernAllowance = studioConcernText("", raised: String(repeating: "0", count: Limits.maximumTimeLength)).count

    /// A step's fields held to `Limits`: a 400 naming the field otherwise.
    static func bounded(_ members: [(key: String, value: JSON)]) throws {
        do { try Limits.check(step: .object(members)) } catch { throw APIError.badRequest(error.message, field: error.field) }
    }

    /// A step's fields decoded: a 422 naming the field otherwise.
    static func decoded(_ members: [(key: String, value: JSON)]) throws -> Step {
        do { return try Step(json: .object(members)) } catch { throw APIError.unprocessable(error.message, field: error.field) }
    }

    /// What became of an anonymous concern: recorded in the production's log, or, for a
    /// production recorded on its set and mirrored here, queued at the studio until the set takes it.
    package enum AnonymousConcern: Sendable {
        case recorded(index: Int, decision: Decision)
        case queued(StudioConcern)
    }

    /// The one way an anonymous concern comes in, from the API and the concern page alike:
    /// `members` its `text` and `scene`, within the rate limits.
    package func raiseAnonymousConcern(_ production: String, members: [(key: String, value: JSON)], address: String) async throws -> AnonymousConcern {
        try await limitedConcern(production, address: address) {
            let members = [(key: "do", value: JSON.string("report_concern"))] + members
            guard let receiver = mirrorReceiver, hub.mirrored[production] != nil else {
                let r = try await recordStep(production, members: members, session: nil)
                return .recorded(index: r.index, decision: r.decision)
            }
            // Checked as the set will check it (`recordStep`'s checks), so what is queued here is recorded there.
            try Self.bounded(members)
            let step = try Self.decoded([("at", .string(stamp(in: try await zone(production)).text))] + members)
            guard case let .reportConcern(text, scene) = step.action else { throw APIError.badRequest("field 'do' is report_concern", field: "do") }
            let longest = Limits.maximumTextLength - Self.studioConcernAllowance
            guard text.count <= longest else {
                throw APIError.badRequest("field 'text' is at most \(longest) characters for a production recorded on its set (the set adds when the studio received it)",
                                          field: "text")
            }
            let queued: StudioConcern?
            do { queued = try await receiver.queueConcern(production, text: text, scene: scene) } catch {
                throw APIError(.serviceUnavailable, "the studio's store did not answer; nothing was queued, send it again", retryAfter: 5)
            }
            guard let queued else {
                throw APIError(.tooManyRequests, "\(MirrorReceiver.maximumWaitingConcerns) concerns wait for the set already; tell the safety rep on set in person",
                               retryAfter: 600)
            }
            return .queued(queued)
        }
    }

    /// The server's receipt for something it records now on a person's behalf.
    func receipt(_ production: String, _ session: Session) async throws -> (Timestamp, LogEntry.Receipt) {
        let now = stamp(in: try await zone(production))
        return (now, LogEntry.Receipt(received: now.text, via: session.via, recorder: session.person, session: session.name))
    }
}

/// An idempotency key as a command carries it (the `Idempotency-Key` header, a form's
/// hidden field): a retry with the same key is answered with the first attempt's entry.
public enum IdempotencyKey {
    /// The request header that carries it.
    public static let header = "Idempotency-Key"
    /// The form field that carries it.
    public static let field = "idempotency_key"
    /// Longest key taken, in bytes.
    public static let maxLength = 128

    /// Refuses a key that is empty, too long or not printable ASCII (400 naming the header).
    static func check(_ key: String) throws {
        guard !key.isEmpty, key.utf8.count <= maxLength, key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7e }) else {
            throw APIError.badRequest("an \(header) is 1 to \(maxLength) printable ASCII characters without spaces", field: header)
        }
    }
}

/// Who may record a step for someone else (docs/SECURITY.md, "Recording for others"). The
/// rules judge the person who acted (`by`); the entry names the person who recorded it too.
/// - Anyone signed in records their own steps.
/// - The armorer may record the hand-back of a firearm to themselves by its custodian.
/// - Anyone signed in may record a shot fired, a discharge, a missing firearm or a concern
///   for a person present: observations of what someone did or saw.
/// - Nothing else: inspections, counts, receipts and wraps are the armorer's own record,
///   and a command is given by the person who gives it.
public enum RecordingForOthers {
    /// Why `recorder` may not record `step` (nil: they may).
    public static func refusal(_ step: Step, recorder: String, in state: ProductionState) -> String? {
        guard let by = step.by, by != recorder else { return nil }
        guard let person = state.people[by], person.onCrew else {
            return "field 'by' names '\(by)', who is not on the crew: a step is recorded for a person present only"
        }
        let armorer = state.people[recorder]?.rolesInForce.contains(.armorer) ?? false
        switch step.action {
        case .fire, .reportDischarge, .reportMissing, .reportConcern:
            return nil
        case let .handOver(firearm, to, _) where armorer && to == recorder && state.firearms[firearm]?.custodian == by:
            return nil
        case .handOver:
            return "field 'by' names '\(by)': the armorer may record only a hand-back to themselves, by the firearm's custodian"
        default:
            return "field 'by' names '\(by)': \(step.action.name) is recorded by the person who does it, signed in as themselves (\(recorder) is signed in)"
        }
    }
}

/// Counts requests per key in a sliding window: anonymous concerns per address and per
/// production. Below the limit every request goes through; above it the caller is told
/// how long to wait.
final class RateLimiter: Sendable {
    let limit: Int
    let window: TimeInterval
    let seen = Mutex<[String: [Date]]>([:])

    init(limit: Int, per window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Takes one place for `key` now, or says in how many seconds one frees up.
    func take(_ key: String, now: Date) -> Int? {
        seen.withLock { seen in
            var times = (seen[key] ?? []).filter { now.timeIntervalSince($0) < window }
            if seen.count > 100_000 { seen = seen.filter { !$0.value.isEmpty && now.timeIntervalSince($0.value.last!) < window } }
            guard times.count < limit else {
                seen[key] = times
                return max(1, Int((window - now.timeIntervalSince(times[0])).rounded(.up)))
            }
            times.append(now)
            seen[key] = times
            return nil
        }
    }

    /// Gives a place back (the request was not recorded after all).
    func giveBack(_ key: String) {
        seen.withLock { seen in
            if seen[key]?.isEmpty == false { seen[key]!.removeLast() }
        }
    }
}
