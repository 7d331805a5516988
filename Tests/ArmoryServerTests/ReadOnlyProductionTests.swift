import ArmoryCore
import ArmoryLedger
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The security review's first finding, on the database d5fc985 wrote when it was reproduced
/// (ArmoryStoreTests/Fixtures/README.md): entry 72 is stamped in year 10000. There every
/// request for the production answered 503. Now the production opens read-only: everything
/// before entry 72 can be read, pages say why nothing can be recorded, and every write is
/// a 503 naming the entry, with nothing recorded.
struct ReadOnlyProductionTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ArmoryStoreTests/Fixtures/year-10000/armory.db")

    @Test func aProductionWithAnUnreadableEntryIsServedReadOnly() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("armory-read-only-\(UInt64.random(in: 0...UInt64.max)).db").path
        try FileManager.default.copyItem(atPath: Self.fixture.path, toPath: path)
        // The demo's key is not kept with the fixture: a server without one.
        let h = try Harness(path: path, signer: nil)
        for person in ["pat", "ana"] { try h.store.setSecret("demo", person: person, secret: try Harness.hasher.hash("pw-\(person)")) }
        try await h.app.test(.router) { client in
            let pat = try await client.signIn("demo", "pat"), ana = try await client.signIn("demo", "ana")
            let production = try await client.call(.get, "/api/v1/productions/demo", token: pat)
            #expect(production.status == 200)
            #expect(production.json["read_only"]?["entry"] == .int(72))
            #expect(production.json["entries"] == .int(73))
            #expect(try await client.call(.get, "/api/v1/productions/demo/entries/71", token: pat).status == 200)
            #expect(try await client.call(.get, "/api/v1/productions/demo/firearms", token: pat).status == 200)
            let dashboard = try await client.call(.get, "/p/demo/dashboard", token: pat)
            #expect(dashboard.status == 200)
            #expect(dashboard.text.contains("id=\"read-only\"") && dashboard.text.contains("entry 72 cannot be read"))

            for (token, uri, body) in [(ana, "/api/v1/productions/demo/steps", #"{"do":"report_concern","text":"still here"}"#),
                                       (nil, "/api/v1/productions/demo/concerns", #"{"text":"anonymous"}"#),
                                       (pat, "/api/v1/productions/demo/people/ben/pin", nil)] {
                let a = try await client.call(.post, uri, token: token, body: body)
                #expect(a.status == 503, "\(uri): \(a.status) \(a.text)")
                #expect(a.json["error"]?.stringValue?.contains("entry 72 cannot be read") == true, "\(uri): \(a.text)")
            }
            #expect(try await client.call(.get, "/api/v1/productions/demo", token: pat).json["entries"] == .int(73))
            #expect(try await client.call(.get, "/health").status == 200)
        }
    }
}
