import ArmoryCore
import ArmoryLedger
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The link never lies (docs/SECURITY.md, "Idempotency keys"): a retry with the same key is
/// answered with the first attempt's entry and records nothing; a key names one step per
/// person; a form's post leads to its result (Post/Redirect/Get), which records nothing when
/// reloaded; the keys survive a restart, being kept in the entries themselves.
struct IdempotencyTests {
    static let people = RecordingForOthersTests.people

    static func post(_ client: some TestClientProtocol, _ body: String, token: String, key: String?) async throws -> (status: Int, text: String, replayed: Bool) {
        var headers: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(token)"]
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        return try await client.execute(uri: "/api/v1/productions/p/steps", method: .post, headers: headers, body: ByteBuffer(string: body)) { r in
            (Int(r.status.code), String(buffer: r.body), r.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
        }
    }

    @Test func aRetryIsAnsweredWithTheFirstEntryAndRecordsNothing() async throws {
        let h = try Harness()
        try await h.production("p", people: Self.people, openedAt: Timestamp(seconds: Int64(Date().timeIntervalSince1970) - 3600, offsetMinutes: -420))
        try await h.app.test(.router) { client in
            let ana = try await client.signIn("p", "ana"), cy = try await client.signIn("p", "cy")
            let concern = #"{"do":"report_concern","text":"the cart was open"}"#
            let first = try await Self.post(client, concern, token: ana, key: "k-1")
            #expect(first.status == 201 && !first.replayed, "\(first.text)")
            let size = try await h.hub.log("p").size
            let retry = try await Self.post(client, concern, token: ana, key: "k-1")
            #expect(retry.status == 201 && retry.text == first.text && retry.replayed, "\(retry.text)")
            #expect(try await h.hub.log("p").size == size, "nothing recorded twice")
            // Another person's same key is theirs: recorded.
            let other = try await Self.post(client, concern, token: cy, key: "k-1")
            #expect(other.status == 201 && !other.replayed && other.text != first.text, "\(other.text)")
            // The same key for a different step: 422 naming the header, nothing recorded.
            let size2 = try await h.hub.log("p").size
            let reused = try await Self.post(client, #"{"do":"report_concern","text":"something else"}"#, token: ana, key: "k-1")
            #expect(reused.status == 422 && reused.text.contains("Idempotency-Key"), "\(reused.text)")
            #expect(try await h.hub.log("p").size == size2)
            // No key: recorded each time.
            #expect(try await Self.post(client, concern, token: ana, key: nil).status == 201)
            #expect(try await Self.post(client, concern, token: ana, key: nil).status == 201)
            #expect(try await h.hub.log("p").size == size2 + 2)
            // A refused command's retry is answered with the same refusal, recorded once.
            let refused = try await Self.post(client, #"{"do":"store","firearm":"nope","locked":true}"#, token: ana, key: "k-2")
            let size3 = try await h.hub.log("p").size
            let refusedAgain = try await Self.post(client, #"{"do":"store","firearm":"nope","locked":true}"#, token: ana, key: "k-2")
            #expect(refused.status == refusedAgain.status && refused.text == refusedAgain.text, "\(refused) \(refusedAgain)")
            #expect(try await h.hub.log("p").size == size3)
            // Keys out of bounds: 400 naming the header.
            for bad in ["", String(repeating: "k", count: 129), "has space", "ü"] {
                let a = try await Self.post(client, concern, token: ana, key: bad)
                #expect(a.status == 400 && a.text.contains("Idempotency-Key"), "\(bad): \(a.text)")
            }
        }
    }

    /// Concurrent retries with one key (a double tap, a retry while the first is in flight): one entry.
    @Test func concurrentRetriesRecordOnce() async throws {
        let h = try Harness()
        try await h.production("p", people: Self.people, openedAt: Timestamp(seconds: Int64(Date().timeIntervalSince1970) - 3600, offsetMinutes: -420))
        try await h.app.test(.router) { client in
            let ana = try await client.signIn("p", "ana")
            let size = try await h.hub.log("p").size
            let answers = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await Self.post(client, #"{"do":"report_concern","text":"twice?"}"#, token: ana, key: "tap").text }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(answers.count == 1, "\(answers)")
            #expect(try await h.hub.log("p").size == size + 1)
        }
    }

    /// The keys are kept in the entries: after a restart a retry still records nothing.
    @Test func keysSurviveARestart() async throws {
        let h = try Harness()
        try await h.production("p", people: Self.people, openedAt: Timestamp(seconds: Int64(Date().timeIntervalSince1970) - 3600, offsetMinutes: -420))
        let (token, first) = try await h.app.test(.router) { client in
            let token = try await client.signIn("p", "ana")
            return (token, try await Self.post(client, #"{"do":"report_concern","text":"before the restart"}"#, token: token, key: "kept").text)
        }
        let again = try Harness(path: h.path)
        try await again.app.test(.router) { client in
            let size = try await again.hub.log("p").size
            let retry = try await Self.post(client, #"{"do":"report_concern","text":"before the restart"}"#, token: token, key: "kept")
            #expect(retry.status == 201 && retry.text == first && retry.replayed, "\(retry.text)")
            #expect(try await again.hub.log("p").size == size)
        }
    }

    /// Forms: the post redirects to the step's result; reloading it records nothing; the
    /// same hidden key sent again lands on the same result.
    @Test func aFormPostRedirectsAndItsKeyRecordsOnce() async throws {
        let h = try Harness()
        try await h.production("p", people: Self.people, openedAt: Timestamp(seconds: Int64(Date().timeIntervalSince1970) - 3600, offsetMinutes: -420))
        try await h.app.test(.router) { client in
            let ana = try await client.signIn("p", "ana")
            let form = try await client.call(.get, "/p/p/tablet/act/report_concern", token: ana).text
            let key = try #require(form.firstMatch(of: /name="idempotency_key" value="([0-9a-f]{32})"/)?.1)
            func send() async throws -> (Int, String?) {
                try await client.execute(uri: "/p/p/tablet/act/report_concern", method: .post,
                                         headers: [.contentType: "application/x-www-form-urlencoded", .authorization: "Bearer \(ana)"],
                                         body: ByteBuffer(string: "idempotency_key=\(key)&text=smoke+by+the+trailer")) { r in
                    (Int(r.status.code), r.headers[.location])
                }
            }
            let size = try await h.hub.log("p").size
            let (status, location) = try await send()
            #expect(status == 303 && location == "/p/p/tablet/result/\(size)", "\(status) \(location ?? "-")")
            let (again, location2) = try await send()
            #expect(again == 303 && location2 == location)
            let result = try await client.call(.get, location!, token: ana)
            #expect(result.status == 200 && result.text.contains("data-outcome=\"alarm\""), "\(result.text)")
            _ = try await client.call(.get, location!, token: ana)
            #expect(try await h.hub.log("p").size == size + 1, "one entry, however often it was sent or its result read")
            // A result that is not a step: 404.
            #expect(try await client.call(.get, "/p/p/tablet/result/0", token: ana).status == 404)
            #expect(try await client.call(.get, "/p/p/tablet/result/99999999999999999999", token: ana).status == 404)
        }
    }
}
