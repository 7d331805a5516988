import ArmoryCore
import ArmoryLedger
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Commands over HTTP: one winner among concurrent writers, clear 4xx answers for bad input
/// with nothing recorded, live events, proofs and bundles that verify.
struct CommandTests {
    static let people = AuthorisationTests.people
    static func at(_ m: Int) -> String { AuthorisationTests.at(m) }

    /// A production at the point where colt-1 has been shown clear to ben and dee.
    static func ready(_ client: some TestClientProtocol, _ h: Harness, _ id: String) async throws -> String {
        try await h.production(id, people: people, openedAt: Timestamp(rfc3339: at(0))!)
        let ana = try await client.signIn(id, "ana"), dee = try await client.signIn(id, "dee")
        var minute = 1
        for (token, step) in zip([ana, ana, ana, ana, dee, ana], AuthorisationTests.base.map(\.1) + [#"{"do":"show_clear","firearm":"colt-1","to":["ben","dee"]}"#]) {
            let a = try await client.call(.post, "/api/v1/productions/\(id)/steps", token: token, body: "{\"at\":\"\(at(minute))\"," + step.dropFirst())
            #expect(a.status == 201, "\(a.text)")
            minute += 1
        }
        return ana
    }

    @Test func ofFiftyClientsHandingOverTheSameFirearmExactlyOneWins() async throws {
        let h = try Harness()
        try await h.app.test(.router) { client in
            let ana = try await Self.ready(client, h, "p")
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        try await client.call(.post, "/api/v1/productions/p/steps", token: ana,
                                              body: #"{"at":"\#(Self.at(8))","do":"hand_over","firearm":"colt-1","to":"ben","scene":"1"}"#).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == 409 }.count == 49, "\(statuses)")
            let firearm = try await client.call(.get, "/api/v1/productions/p/firearms/colt-1", token: ana)
            #expect(firearm.json["state"]?["custodian"] == .string("ben"))
            // Every attempt is in the log, the 49 refusals included.
            // The latest 50 entries naming it by default; all of them on request.
            #expect(firearm.json["history"]?.arrayValue?.count == 50)
            let all = try await client.call(.get, "/api/v1/productions/p/firearms/colt-1?limit=1000", token: ana)
            #expect(all.json["history"]?.arrayValue?.count == 2 + 1 + 50)
            let older = try await client.call(.get, "/api/v1/productions/p/firearms/colt-1?limit=2&before=6", token: ana)
            #expect(older.json["history"]?.arrayValue?.compactMap { $0["index"] } == [.number(1, isInteger: true), .number(2, isInteger: true)])
            // Each entry's body is the step as recorded, a JSON object like the request's.
            let body = firearm.json["history"]?.arrayValue?.last?["body"]
            #expect(body == .object([("at", .string(Self.at(8))), ("by", .string("ana")), ("do", .string("hand_over")), ("firearm", .string("colt-1")),
                                     ("to", .string("ben")), ("scene", .string("1"))]), "\(String(describing: body))")
        }
    }

    @Test func badInputIsA4xxNamingWhatWasWrongAndRecordsNothing() async throws {
        let h = try Harness()
        try await h.app.test(.router) { client in
            let ana = try await Self.ready(client, h, "p")
            let before = try await client.call(.get, "/api/v1/productions/p", token: ana).json["entries"]
            let cases: [(String, Int, String?)] = [
                ("not json", 400, nil),
                ("", 400, nil),
                ("[1,2]", 422, nil),
                (#"{"do":"dance"}"#, 422, "do"),
                (#"{"do":"load","firearm":"colt-1"}"#, 422, "lot"),
                (#"{"do":"load","firearm":"colt-1","lot":"D1","rounds":-1,"scene":"1"}"#, 400, "rounds"),
                (#"{"do":"load","firearm":"colt-1","lot":"D1","rounds":1.5,"scene":"1"}"#, 400, "rounds"),
                (#"{"do":"load","firearm":"colt-404","lot":"D1","rounds":1,"scene":"1"}"#, 422, "firearm"),
                (#"{"do":"wrap","at":"yesterday"}"#, 422, "at"),
                (#"{"do":"wrap","at":"2020-01-01T00:00:00Z"}"#, 422, "at"),
                (#"{"do":"wrap","do":"wrap"}"#, 400, nil),
                // Out of bounds: a 400 naming the field and its bound.
                (#"{"do":"load","firearm":"colt-1","lot":"D1","rounds":1e300,"scene":"1"}"#, 400, "rounds"),
                (#"{"do":"load","firearm":"colt-1","lot":"D1","rounds":100001,"scene":"1"}"#, 400, "rounds"),
                (#"{"do":"load","firearm":"colt-1","lot":"D1","rounds":-0,"scene":"1"}"#, 400, "rounds"),
                (#"{"do":"load","firearm":"colt-1","lot":"D1","rounds":1,"scene":"\#(String(repeating: "s", count: 65))"}"#, 400, "scene"),
                (#"{"do":"report_concern","text":"\#(String(repeating: "x", count: 4001))"}"#, 400, "text"),
                (#"{"do":"report_concern","text":"a\u0000b"}"#, 400, "text"),
                (#"{"do":"receive_firearm","firearm":"<script>","serial":"S","make":"M","model":"M"}"#, 400, "firearm"),
                (#"{"do":"fire","firearm":"colt-1","scene":"1","rounds":0,"result":"click","nearest_person_ft":1e300}"#, 400, "nearest_person_ft"),
                // A time ahead of the server's clock is refused: the record's clock is the server's.
                (#"{"do":"wrap","at":"2099-01-01T00:00:00Z"}"#, 400, "at"),
                (#"{"do":"wrap","extra":1}"#, 422, "extra"),
            ]
            for (body, status, field) in cases {
                let a = try await client.call(.post, "/api/v1/productions/p/steps", token: ana, body: body)
                #expect(a.status == status, "\(body): \(a.status) \(a.text)")
                if let field { #expect(a.json["field"] == .string(field), "\(body): \(a.text)") }
                #expect(a.json["error"]?.stringValue?.isEmpty == false, "\(body): \(a.text)")
            }
            // Someone else's name in 'by' is refused outright.
            let impersonation = try await client.call(.post, "/api/v1/productions/p/steps", token: ana, body: #"{"by":"dee","do":"wrap"}"#)
            #expect(impersonation.status == 403)
            for (uri, status) in [("/entries?limit=0", 400), ("/entries?from=-3", 400), ("/entries/999", 404), ("/entries/x", 400),
                                  ("/days/2026-13-45/timeline", 400), ("/firearms/none", 404), ("/lots/none", 404),
                                  ("/bundle", 400), ("/bundle?day=2026-03-02&all=true", 400), ("/bundle?day=nonsense", 400), ("/bundle?firearm=none", 400), ("/consistency?from=5&to=2", 400)] {
                let a = try await client.call(.get, "/api/v1/productions/p\(uri)", token: ana)
                #expect(a.status == status, "\(uri): \(a.status) \(a.text)")
            }
            #expect(try await client.call(.get, "/api/v1/productions/p", token: ana).json["entries"] == before)
            // Ids in the path are percent-decoded.
            let spaced = try await client.call(.post, "/api/v1/productions/p/steps", token: ana,
                                               body: #"{"do":"receive_firearm","firearm":"Colt 2/B","serial":"S2","make":"Colt","model":"SAA"}"#)
            #expect(spaced.status == 201)
            #expect(try await client.call(.get, "/api/v1/productions/p/firearms/Colt%202%2FB", token: ana).status == 200)
        }
    }

    @Test func proofsAndBundlesVerifyAgainstTheSignedCheckpoint() async throws {
        let h = try Harness()
        try await h.app.test(.router) { client in
            let ana = try await Self.ready(client, h, "p")
            #expect(try await client.call(.get, "/api/v1/productions/p/entries/3/proof", token: ana).status == 404, "nothing signed yet")
            let pat = try await client.signIn("p", "pat")
            let signed = try await client.call(.post, "/api/v1/productions/p/checkpoints", token: pat)
            #expect(signed.status == 201 && signed.json["size"] == .number(7, isInteger: true), "\(signed.text)")
            let proof = try await client.call(.get, "/api/v1/productions/p/entries/3/proof", token: ana)
            let tlog = try TlogProof(parsing: proof.text)
            let log = try await h.hub.log("p")
            let cp = try tlog.verify(leafHash: MerkleHash.leaf(log.entries.bytes(at: 3)!), keys: [Harness.signer.verifierKey])
            #expect(cp.size == 7)
            let bundle = try await client.execute(uri: "/api/v1/productions/p/bundle?all=true", method: .get, headers: [.authorization: "Bearer \(pat)"]) { r in
                (r.status, [UInt8](buffer: r.body))
            }
            #expect(bundle.0 == .ok)
            let summary = try EvidenceBundle.verify(bundle.1, trustedLogKey: Harness.signer.verifierKey)
            #expect(summary.entries == 7)
            let ben = try await client.signIn("p", "ben")
            #expect(try await client.call(.get, "/api/v1/productions/p/bundle?all=true", token: ben).status == 403)
        }
    }

    @Test func everyRecordedEntryReachesLiveSubscribers() async throws {
        let h = try Harness()
        try await h.app.test(.router) { client in
            _ = try await Self.ready(client, h, "p")
            let streams = await (0..<4).asyncMap { _ in await h.hub.subscribe("p") }
            let ben = try await client.signIn("p", "ben")
            let sent = ContinuousClock.now
            let a = try await client.call(.post, "/api/v1/productions/p/steps", token: ben, body: #"{"do":"report_concern","text":"saw a live round in the dummies box"}"#)
            #expect(a.status == 201)
            for stream in streams {
                var it = stream.makeAsyncIterator()
                let event = await it.next()?.event
                #expect(event?.entry.outcome == .alarm && event?.entry.rules == [.concern1])
            }
            #expect(ContinuousClock.now - sent < .seconds(1))
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ f: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for x in self { out.append(try await f(x)) }
        return out
    }
}
