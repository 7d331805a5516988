import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Foundation
import Logging

/// One recorded entry, as live subscribers receive it.
public struct LiveEvent: Sendable {
    public let index: Int
    public let entry: LogEntry
}

/// What a live stream carries: entries, and a heartbeat every 15 seconds so a dropped
/// connection is noticed (the write fails) and proxies keep the stream open.
public enum LiveMessage: Sendable {
    case entry(LiveEvent)
    case heartbeat

    public var event: LiveEvent? { if case let .entry(e) = self { return e } else { return nil } }
}

/// Why the hub did not record something.
public enum HubError: Error, Sendable, CustomStringConvertible {
    /// The step is not valid input (unknown id, time out of order...): nothing recorded.
    case invalid(StepFormatError)
    /// The stored log does not verify, or the store failed: nothing recorded.
    case store(any Error)
    /// A checkpoint was asked for, but this server was started without a signing key.
    case noSigningKey

    public var description: String {
        switch self {
        case .invalid(let e): return e.message
        case .store(let e): return "\(e)"
        case .noSigningKey: return "this server has no signing key"
        }
    }
}

/// Every production the server holds: its log in memory (loaded and verified from the
/// store on first use), one writer at a time per production, and the live subscribers
/// who get each new entry. A step is decided by the same engine as `armory replay`,
/// appended to the store in one transaction, and only then acknowledged and published.
public actor ProductionHub {
    public let store: any LogStore
    let signer: NoteSigner?
    let logger: Logger
    var logs: [String: ProductionLog] = [:]
    /// The last write queued per production: writes run one after another.
    var tails: [String: Task<Void, Never>] = [:]
    var subscribers: [String: [UUID: AsyncStream<LiveMessage>.Continuation]] = [:]
    /// Called with every recorded entry's decision (metrics).
    let onRecord: @Sendable (String, Decision, Int) -> Void

    public init(store: any LogStore, signer: NoteSigner?, logger: Logger, onRecord: @escaping @Sendable (String, Decision, Int) -> Void = { _, _, _ in }) {
        self.store = store
        self.signer = signer
        self.logger = logger
        self.onRecord = onRecord
    }

    /// The production's log, loaded and verified once.
    public func log(_ id: String) async throws -> ProductionLog {
        if let log = logs[id] { return log }
        let log = try await store.load(id, logKey: signer?.verifierKey)
        // Another caller may have loaded it meanwhile; the first copy stays.
        if let existing = logs[id] { return existing }
        logs[id] = log
        return log
    }

    /// Creates a production (the demo, an import).
    public func create(_ id: String, _ log: ProductionLog) async throws {
        try await store.create(id, log)
        logs[id] = log
    }

    /// Runs `body` after every earlier write to the production has finished.
    func serialised<T: Sendable>(_ id: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tails[id]
        let task = Task { () async throws -> T in
            _ = await previous?.value
            return try await body()
        }
        tails[id] = Task { _ = try? await task.value }
        return try await task.value
    }

    /// Decides and records a step; returns its index and decision. A refused command is
    /// recorded too (the attempt is evidence).
    public func record(_ id: String, _ step: Step) async throws -> (index: Int, decision: Decision) {
        try await serialised(id) { try await self.write(id) { (log: inout ProductionLog) throws(StepFormatError) in try log.record(step, signer: self.signer) } }
    }

    /// Decides and records an evidence transfer.
    public func transfer(_ id: String, _ t: EvidenceTransfer) async throws -> (index: Int, decision: Decision) {
        try await serialised(id) { try await self.write(id) { (log: inout ProductionLog) throws(StepFormatError) in try log.transfer(t, signer: self.signer) } }
    }

    /// Signs a checkpoint of the whole log now.
    public func signCheckpoint(_ id: String) async throws -> SignedNote {
        guard let signer else { throw HubError.noSigningKey }
        return try await serialised(id) { try await self.signed(id, signer) }
    }

    func signed(_ id: String, _ signer: NoteSigner) async throws -> SignedNote {
        var log: ProductionLog
        do { log = try await self.log(id) } catch { throw HubError.store(error) }
        logs[id] = nil
        let mark = log.mark
        let note = log.signCheckpoint(signer)
        do {
            if log.checkpointEdits != mark.checkpointEdits { try await store.append(id, from: mark, to: log) }
        } catch {
            throw HubError.store(error)
        }
        logs[id] = log
        return note
    }

    /// Applies `change` to the production's log and appends the result. The log is taken
    /// out of the table while it changes, so it is never copied; if the store refuses or
    /// fails, it is reloaded from the store on next use (the store is the truth).
    func write(_ id: String, _ change: (inout ProductionLog) throws(StepFormatError) -> (index: Int, decision: Decision))
        async throws -> (index: Int, decision: Decision) {
        var decidedAgain = false
        while true {
            var log: ProductionLog
            do { log = try await self.log(id) } catch { throw HubError.store(error) }
            logs[id] = nil
            let mark = log.mark
            let result: (index: Int, decision: Decision)
            do { result = try change(&log) } catch {
                // Invalid input is refused before anything changes: the log goes back as it was.
                logs[id] = log
                throw HubError.invalid(error)
            }
            if log.size == mark.size && log.checkpointEdits == mark.checkpointEdits {
                logs[id] = log
                return result
            }
            do {
                try await store.append(id, from: mark, to: log)
            } catch StoreError.conflict where !decidedAgain {
                // Another process wrote first: decide again, once, against what it wrote.
                logger.info("production \(id) changed underneath; deciding again")
                decidedAgain = true
                continue
            } catch {
                throw HubError.store(error)
            }
            logs[id] = log
            for index in mark.size..<log.size {
                let entry = try! LogEntry(decoding: log.entries[index])
                let decision = Decision(outcome: entry.outcome, rules: entry.rules, message: entry.message)
                onRecord(id, decision, log.size)
                publish(id, LiveEvent(index: index, entry: entry))
            }
            return result
        }
    }

    func publish(_ id: String, _ event: LiveEvent) {
        for c in (subscribers[id] ?? [:]).values { c.yield(.entry(event)) }
    }

    /// A stream of every entry recorded from now on.
    public func subscribe(_ id: String, heartbeat: Duration = .seconds(15)) -> AsyncStream<LiveMessage> {
        let key = UUID()
        let (stream, continuation) = AsyncStream<LiveMessage>.makeStream(bufferingPolicy: .bufferingNewest(1000))
        subscribers[id, default: [:]][key] = continuation
        let beat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: heartbeat)
                continuation.yield(.heartbeat)
            }
        }
        continuation.onTermination = { _ in
            beat.cancel()
            Task { await self.unsubscribe(id, key) }
        }
        return stream
    }

    func unsubscribe(_ id: String, _ key: UUID) { subscribers[id]?[key] = nil }

    /// How many live subscribers a production has.
    public func subscriberCount(_ id: String) -> Int { subscribers[id]?.count ?? 0 }
}
