import ArmoryCore
import ArmoryLedger
@testable import ArmoryStore
import Foundation
import PostgresNIO
import Testing

/// A statement whose connection is gone is answered with an error at once, never waited
/// for: PostgreSQL stopping under load once left a step, and every step queued behind it
/// in its production, waiting for an answer that could not come.
struct PostgresConnectionLossTests {
    /// The PostgreSQL store, or nil where PostgreSQL is not run (CI always runs it).
    static func store() async throws -> PostgresLogStore? {
        guard LogStoreBehaviourTests.backends.contains(.postgres) else { return nil }
        guard let url = LogStoreBehaviourTests.postgresURL else {
            Issue.record("CI must run the PostgreSQL suite: ARMORY_TEST_POSTGRES_URL is not set")
            return nil
        }
        return try await PostgresLogStore(url: url)
    }

    @Test func aStatementOnAConnectionThatClosedIsGivenUpAtOnce() async throws {
        guard let store = try await Self.store() else { return }
        defer { store.shutdown() }
        let logger = store.logger
        for _ in 0..<3 {
            let started = ContinuousClock.now
            do {
                _ = try await store.leased { c in
                    try await c.close()
                    return try await c.query("SELECT 1", logger: logger).collect().count
                }
                Issue.record("a statement on a closed connection was answered")
            } catch {
                // Either the driver's own error or the store's "closed before it answered".
            }
            #expect(ContinuousClock.now - started < .seconds(2), "a statement on a closed connection was waited for")
        }
        // The pool makes a new connection: the store goes on answering.
        #expect(try await store.productionIDs().count >= 0)
    }

    /// The check itself: a body that never answers, on a connection that closes, is given
    /// up within two looks; one on an open connection is waited for (its outcome would be unknown).
    @Test func aBodyThatNeverAnswersIsGivenUpOnlyOnceItsConnectionIsClosed() async throws {
        guard let store = try await Self.store() else { return }
        defer { store.shutdown() }
        // Stands for the statement the driver lost: it never answers.
        let never = Task { () -> Int in
            try await Task.sleep(for: .seconds(3600))
            return 0
        }
        defer { never.cancel() }
        let started = ContinuousClock.now
        do {
            _ = try await store.leased { c -> Int in
                Task {
                    // Open for a while first: the check does not give up on an open connection.
                    try await Task.sleep(for: .seconds(1))
                    try await c.close()
                }
                return try await never.value
            }
            Issue.record("a body that never answers was answered")
        } catch let StoreError.unavailable(why) {
            #expect(why.contains("closed before it answered"))
        }
        let waited = ContinuousClock.now - started
        #expect(waited >= .seconds(1) && waited < .seconds(2), "given up after \(waited)")
    }
}
