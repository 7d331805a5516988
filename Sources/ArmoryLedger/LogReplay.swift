import ArmoryCore
import Foundation

/// The first entry of every production's log: who is on the production and under which
/// policy, the ground every later decision stands on.
public struct ProductionHeader: Sendable, Equatable {
    public var title: String
    public var timezone: String
    public var policy: Policy
    public var people: [Person]

    public init(title: String, timezone: String, policy: Policy = .protocolDefault, people: [Person]) {
        self.title = title
        self.timezone = timezone
        self.policy = policy
        self.people = people
    }

    /// The header of a scenario file's production.
    public init(scenario: Scenario) {
        self.init(title: scenario.title ?? "Untitled production", timezone: scenario.timezone ?? "UTC",
                  policy: scenario.policy, people: scenario.people)
    }

    /// The canonical JSON body (docs/FORMAT.md).
    public var json: JSON {
        .object([("title", .string(title)), ("timezone", .string(timezone)), ("policy", policy.json),
                 ("people", .array(people.map(\.json)))])
    }

    public init(json: JSON) throws(EntryFormatError) {
        guard case let .object(members) = json, members.map(\.key) == ["title", "timezone", "policy", "people"],
              case let .string(title)? = json["title"], case let .string(timezone)? = json["timezone"],
              let policyJSON = json["policy"], case let .array(peopleJSON)? = json["people"]
        else { throw EntryFormatError("production header must be {title, timezone, policy, people}") }
        do {
            self.init(title: title, timezone: timezone, policy: try Policy(json: policyJSON, packs: nil),
                      people: try peopleJSON.map { (p: JSON) throws(StepFormatError) -> Person in try Person(json: p, rolesRequired: false) })
        } catch {
            throw EntryFormatError("production header: \(error.message)")
        }
    }

    /// The state a production starts in.
    public var initialState: ProductionState { ProductionState(people: people, policy: policy) }
}

/// Why a log's entries do not stand up: which entry, and what is wrong with it.
public struct LogReplayError: Error, Equatable, Sendable, CustomStringConvertible {
    public let index: UInt64
    public let message: String
    public init(index: UInt64, message: String) {
        self.index = index
        self.message = message
    }
    public var description: String { "entry \(index): \(message)" }
}

/// A log's entries read back and re-decided: the fold the architecture describes
/// ("state is derived, never edited"), run the same way by `armory verify`.
public struct LogReplay: Sendable {
    public let header: ProductionHeader
    /// Each entry, decoded, with the step it records (nil for non-step entries).
    public private(set) var entries: [(entry: LogEntry, step: Step?)]
    /// The production's state after the last entry.
    public private(set) var finalState: ProductionState

    /// Decodes every entry and re-decides every step, requiring: index 0 is the header and
    /// nothing else is; indices run 0, 1, 2, ... with none missing or repeated; each body
    /// is canonical; and each recorded decision (outcome and rules) is what the engine decides
    /// now under the protocol revision the entry was recorded under.
    public init(entryBytes: [[UInt8]]) throws(LogReplayError) {
        try self.init(entryBytes: entryBytes, stoppingAtFault: false)
    }

    /// Why a log without entries does not stand up.
    public static let emptyLog = "the log is empty: no production header"

    /// The first entry that does not stand up, when the replay was asked to stop there
    /// (`readingUpToFault`); everything before it is in `entries` and `finalState`.
    public private(set) var fault: LogReplayError?

    /// Replays as far as the entries stand up: the header must, and the first entry after
    /// it that does not is kept as `fault` instead of being thrown. A production whose log
    /// holds an entry no reader can take (written by an older server) still opens, read-only,
    /// with that entry named, instead of the whole production going dark.
    public init(readingUpToFault entryBytes: [[UInt8]]) throws(LogReplayError) {
        try self.init(entryBytes: entryBytes, stoppingAtFault: true)
        if let fault {
            // The state as it stood before the faulty entry, exactly: replayed again without it.
            let before = try LogReplay(entryBytes: Array(entryBytes[..<Int(fault.index)]))
            self.entries = before.entries
            self.finalState = before.finalState
        }
    }

    init(entryBytes: [[UInt8]], stoppingAtFault: Bool) throws(LogReplayError) {
        var decoded: [(entry: LogEntry, step: Step?)] = []
        decoded.reserveCapacity(entryBytes.count)
        var header: ProductionHeader?
        var state = ProductionState(people: [])
        var fault: LogReplayError?
        entries: for (position, bytes) in entryBytes.enumerated() {
            do throws(LogReplayError) {
                decoded.append(try Self.decide(bytes, at: position, header: &header, state: &state))
            } catch {
                guard stoppingAtFault, header != nil else { throw error }
                fault = error
                break entries
            }
        }
        guard let header else { throw LogReplayError(index: 0, message: Self.emptyLog) }
        self.header = header
        self.entries = decoded
        self.finalState = state
        self.fault = fault
    }

    /// Decodes the entry at `position` and re-decides it against `state` (moved on by it),
    /// with the checks `init(entryBytes:)` describes; `header` is set by entry 0. One entry
    /// at a time, so a log received in parts (a set's log mirrored to the studio) is checked
    /// as it arrives, exactly as a whole log is.
    public static func decide(_ bytes: [UInt8], at position: Int, header: inout ProductionHeader?,
                              state: inout ProductionState) throws(LogReplayError) -> (entry: LogEntry, step: Step?) {
        let expected = UInt64(position)
        let entry: LogEntry
        do { entry = try LogEntry(decoding: bytes) } catch { throw LogReplayError(index: expected, message: error.message) }
        guard entry.index == expected else {
            throw LogReplayError(index: expected, message: "entry says it is index \(entry.index); entries are missing, repeated or out of order")
        }
        func fail(_ m: String) -> LogReplayError { LogReplayError(index: expected, message: m) }
        // Each entry is re-decided by the protocol revision it was recorded under (its
        // format version), so a log that spans an upgrade verifies entry by entry.
        guard ProtocolRevision.all.contains(entry.protocolRevision) else {
            throw fail("protocol revision \(entry.protocolRevision) is not one this verifier knows")
        }
        if let receipt = entry.receipt, Timestamp(rfc3339: receipt.received) == nil {
            throw fail("received '\(receipt.received)' is not an RFC 3339 time")
        }
        // Who recorded an entry (version 3) is a person of the production who signed in.
        if let receipt = entry.receipt, let recorder = receipt.recorder {
            guard receipt.via == .password || receipt.via == .pin else {
                throw fail("an entry received via \(receipt.via.rawValue) names no recorder")
            }
            guard position == 0 || state.people[recorder] != nil else {
                throw fail("recorder '\(recorder)' is not a person of this production")
            }
        }
        let body: JSON
        do { body = try JSON.parse(entry.body) } catch { throw fail("body is not JSON: \(error.description)") }
        // The body is canonical JSON: compared as bytes. A step's is compared once, as the
        // step's own canonical JSON, which it can only equal if it is canonical itself.
        var bodyText = entry.body
        func canonical(_ json: JSON) -> Bool {
            // Written into room for the body (one allocation, not one per doubling).
            var bytes: [UInt8] = []
            bytes.reserveCapacity(bodyText.utf8.count + 1)
            json.write(to: &bytes)
            return bodyText.withUTF8 { body in
                bytes.withUnsafeBufferPointer { $0.count == body.count && (body.isEmpty || memcmp($0.baseAddress!, body.baseAddress!, body.count) == 0) }
            }
        }
        guard entry.kind == .step || canonical(body) else { throw fail("body is not canonical JSON") }
        switch entry.kind {
        case .production:
            guard position == 0 else { throw fail("a production header may only be entry 0") }
            let h: ProductionHeader
            do { h = try ProductionHeader(json: body) } catch { throw fail(error.message) }
            guard h.json.compactText == entry.body else { throw fail("production header is not canonical") }
            header = h
            state = h.initialState
            return (entry, nil)
        case .step:
            guard header != nil else { throw fail("a step before the production header") }
            let step: Step
            do { step = try Step(json: body) } catch { throw fail(canonical(body) ? "step: \(error.message)" : "body is not canonical JSON") }
            guard canonical(step.json) else { throw fail(canonical(body) ? "step fields disagree with the entry" : "body is not canonical JSON") }
            guard step.at.text == entry.at, step.by == entry.by else { throw fail("step fields disagree with the entry") }
            let decision: Decision
            // The entry carries its message: only the outcome and rules are compared, so none is written.
            do { decision = try state.apply(step, revision: entry.protocolRevision, number: Int(entry.index), messages: false) } catch { throw fail("step is invalid for this production: \(error.message)") }
            guard decision.outcome == entry.outcome, decision.rules == entry.rules else {
                throw fail("recorded \(entry.outcome.rawValue) \(entry.rules.map(\.rawValue)) but the protocol decides \(decision.outcome.rawValue) \(decision.rules.map(\.rawValue))")
            }
            return (entry, step)
        case .transfer:
            guard header != nil else { throw fail("a transfer before the production header") }
            guard let at = Timestamp(rfc3339: entry.at), let by = entry.by else { throw fail("a transfer needs its time and who made it") }
            let decision: Decision
            do throws(StepFormatError) {
                let transfer = try EvidenceTransfer(json: body, at: at, by: by)
                guard transfer.json.compactText == entry.body else { throw StepFormatError("transfer body is not canonical") }
                decision = try state.apply(transfer)
            } catch {
                throw fail("transfer: \(error.message)")
            }
            guard decision.outcome == entry.outcome, decision.rules == entry.rules else {
                throw fail("recorded \(entry.outcome.rawValue) \(entry.rules.map(\.rawValue)) but the protocol decides \(decision.outcome.rawValue) \(decision.rules.map(\.rawValue))")
            }
            return (entry, nil)
        case .correction:
            guard position > 0 else { throw fail("entry 0 must be the production header") }
            guard entry.outcome == .ok, entry.rules.isEmpty else { throw fail("correction entries carry no decision") }
            guard case let .object(members) = body, members.map(\.key) == ["corrects", "text"],
                  case let .number(n, true)? = body["corrects"], n > 0, n < Double(position),
                  case let .string(text)? = body["text"], !text.isEmpty
            else { throw fail("a correction is {corrects: an earlier entry, text}") }
            return (entry, nil)
        case .pin:
            guard position > 0 else { throw fail("entry 0 must be the production header") }
            guard entry.outcome == .ok, entry.rules.isEmpty else { throw fail("PIN issuance entries carry no decision") }
            guard Timestamp(rfc3339: entry.at) != nil else { throw fail("a PIN issuance needs its time") }
            guard case let .object(members) = body, members.map(\.key) == ["for"], case let .string(person)? = body["for"],
                  let by = entry.by
            else { throw fail("a PIN issuance is {for: a person}, by the person who issued it") }
            guard state.people[by] != nil, state.people[person] != nil else {
                throw fail("a PIN issuance names a person who is not in this production")
            }
            return (entry, nil)
        }
    }
}
