import ArmoryCore
import ArmoryStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ArmoryAPI

/// A restarted server signs no one out (a screen following live alarms reconnects on its
/// own), signs no one back in who signed out, and keeps only the tokens' digests.
struct SessionRestartTests {
    @Test func aSessionOutlivesARestartButNotASignOut() async throws {
        let first = try Harness()
        try await first.production("set", people: AuthorisationTests.people, openedAt: Timestamp(rfc3339: AuthorisationTests.at(0))!)
        let (ana, ben) = try await first.app.test(.router) { client in
            (try await client.signIn("set", "ana"), try await client.signIn("set", "ben"))
        }
        // The store holds digests, never a token.
        let kept = try first.store.sessions(validAt: Int64(Date().timeIntervalSince1970))
        #expect(kept.count == 2 && !kept.contains { $0.digest == ana || $0.digest == ben })

        let second = try Harness(path: first.path)
        try await second.app.test(.router) { client in
            let who = try await client.call(.get, "/api/v1/session", token: ana)
            #expect(who.status == 200 && who.json["person"] == .string("ana") && who.json["roles"] == .strings(["armorer"]), "\(who.text)")
            // The roles are the log's: a talent's restored session still may not receive a firearm.
            let receive = try await client.call(.post, "/api/v1/productions/set/steps", token: ben,
                                                body: #"{"do":"receive_firearm","firearm":"colt-9","serial":"9","make":"Colt","model":"SAA"}"#)
            #expect(receive.status == 409 && receive.text.contains("ROLE-2"), "\(receive.text)")
            #expect(try await client.call(.post, "/api/v1/sign-out", token: ben).status == 204)
            #expect(try await client.call(.get, "/api/v1/session", token: ben).status == 401)
            #expect(try await client.call(.get, "/api/v1/session", token: String(repeating: "0", count: 64)).status == 401)
        }

        let third = try Harness(path: first.path)
        try await third.app.test(.router) { client in
            let (a, b) = (try await client.call(.get, "/api/v1/session", token: ana), try await client.call(.get, "/api/v1/session", token: ben))
            #expect(a.status == 200)
            #expect(b.status == 401, "a sign-out is kept across restarts too")
        }
    }

    @Test func anEndedOrSignedOutSessionIsNotRestored() throws {
        let book = SessionBook()
        let now = Date()
        let person = Person(id: "ana", name: "Ana", roles: [.armorer])
        let (token, _, stored) = book.open(production: "set", person: person, now: now)
        let later = SessionBook()
        later.restore([stored], now: now.addingTimeInterval(book.lifetime + 1))
        #expect(later.restored(token, now: now.addingTimeInterval(book.lifetime + 1)) == nil)
        let meanwhile = SessionBook()
        meanwhile.restore([stored], now: now.addingTimeInterval(60))
        #expect(meanwhile.restored(token, now: now.addingTimeInterval(book.lifetime + 1)) == nil, "ended while waiting to be used")
        // Requests arriving together adopt the same session; once signed out, none does.
        let again = SessionBook()
        again.restore([stored], now: now)
        let kept = try #require(again.restored(token, now: now))
        #expect(again.restored(token, now: now) == kept)
        let first = again.adopt(kept, person: person), second = again.adopt(kept, person: person)
        #expect(first != nil && first == second && first?.roles == [.armorer])
        again.close(token)
        #expect(again.adopt(kept, person: person) == nil && again.session(for: token, now: now) == nil)
        let signedOut = SessionBook()
        signedOut.restore([stored], now: now)
        signedOut.close(token)
        #expect(signedOut.restored(token, now: now) == nil)
    }
}
