import ArmoryCore
import Foundation
import Testing

/// The crew over HTTP (ROLE-3, ALARM-1): roles as of now in every session, a person who
/// leaves is signed out and cannot sign in again, a day player signs in with a PIN, and the
/// open alarms are listed until a producer or safety answers them.
struct CrewOverHTTPTests {
    static let people = [
        Person(id: "ana", name: "Ana Ortiz", roles: [.armorer]),
        Person(id: "ben", name: "Ben Cole", roles: [.talent]),
        Person(id: "pat", name: "Pat Lee", roles: [.producer]),
        Person(id: "sol", name: "Sol Grant", roles: [.safety]),
        Person(id: "cy", name: "Cy Moss", roles: [.crew]),
    ]

    static func step(_ fields: [(String, JSON)]) -> String {
        let now = Timestamp(seconds: Int64(Date().timeIntervalSince1970), offsetMinutes: 0).text
        return JSON.object([("at", .string(now))] + fields).compactText
    }

    @Test func aPersonWhoLeavesIsSignedOutAndCannotSignInAgain() async throws {
        let h = try Harness()
        try await h.production("p", people: Self.people, openedAt: Timestamp(seconds: 1_772_460_000, offsetMinutes: -420))
        try await h.app.test(.router) { client in
            let pat = try await client.signIn("p", "pat")
            let cy = try await client.signIn("p", "cy")
            #expect(try await client.call(.get, "/api/v1/productions/p/firearms", token: cy).status == 200)
            let leave = try await client.call(.post, "/api/v1/productions/p/steps", token: pat,
                                              body: Self.step([("do", .string("leave")), ("person", .string("cy"))]))
            #expect(leave.status == 201 && leave.json["outcome"] == .string("ok"), "\(leave.text)")
            #expect(try await client.call(.get, "/api/v1/productions/p/firearms", token: cy).status == 401)
            let again = try await client.call(.post, "/api/v1/productions/p/sign-in", body: #"{"person":"cy","password":"pw-cy"}"#)
            #expect(again.status == 401)
            let people = try await client.call(.get, "/api/v1/productions/p/people", token: pat)
            let entry = people.json.arrayValue?.first { $0["id"] == .string("cy") }
            #expect(entry?["on_crew"] == .bool(false) && entry?["roles"] == .array([]), "\(people.text)")
        }
    }

    @Test func aSessionCarriesTheRolesInForceNow() async throws {
        let h = try Harness()
        try await h.production("p", people: Self.people, openedAt: Timestamp(seconds: 1_772_460_000, offsetMinutes: -420))
        try await h.app.test(.router) { client in
            let pat = try await client.signIn("p", "pat")
            let cy = try await client.signIn("p", "cy")
            // A producer's route, refused to crew, allowed once cy is made a producer.
            let before = try await client.call(.post, "/api/v1/productions/p/people/ben/pin", token: cy)
            #expect(before.status == 403)
            let set = try await client.call(.post, "/api/v1/productions/p/steps", token: pat,
                                            body: Self.step([("do", .string("set_roles")), ("person", .string("cy")), ("roles", .array([.string("producer")]))]))
            #expect(set.status == 201, "\(set.text)")
            let after = try await client.call(.post, "/api/v1/productions/p/people/ben/pin", token: cy)
            #expect(after.status == 201, "\(after.text)")
        }
    }

    @Test func aDayPlayerJoinsAndSignsInWithAPIN() async throws {
        let h = try Harness()
        try await h.production("p", people: Self.people, openedAt: Timestamp(seconds: 1_772_460_000, offsetMinutes: -420))
        try await h.app.test(.router) { client in
            let pat = try await client.signIn("p", "pat")
            // Not known yet: no PIN.
            #expect(try await client.call(.post, "/api/v1/productions/p/people/jun/pin", token: pat).status == 404)
            let join = try await client.call(.post, "/api/v1/productions/p/steps", token: pat, body: Self.step([
                ("do", .string("join")), ("person", .string("jun")), ("name", .string("Jun Seo")), ("roles", .array([.string("talent")])),
                ("credentials", .array([.object([("kind", .string("training")), ("number", .string("SB1-1")), ("expires", .string("2099-12-31"))])])),
            ]))
            #expect(join.status == 201, "\(join.text)")
            let pin = try await client.call(.post, "/api/v1/productions/p/people/jun/pin", token: pat)
            #expect(pin.status == 201, "\(pin.text)")
            let signIn = try await client.call(.post, "/api/v1/productions/p/sign-in",
                                               body: JSON.object([("person", .string("jun")), ("pin", pin.json["pin"] ?? .null)]).compactText)
            #expect(signIn.status == 200, "\(signIn.text)")
            let me = signIn.json["token"]?.stringValue
            #expect(try await client.call(.get, "/api/v1/productions/p/firearms", token: me).status == 200)
            // A crew change by talent is refused, citing ROLE-3, and recorded.
            let refused = try await client.call(.post, "/api/v1/productions/p/steps", token: me,
                                                body: Self.step([("do", .string("leave")), ("person", .string("ben"))]))
            #expect(refused.status == 409 && refused.json["rules"] == .array([.string("ROLE-3")]), "\(refused.text)")
        }
    }

    @Test func openAlarmsAreListedUntilAnswered() async throws {
        let h = try Harness()
        try await h.production("p", people: Self.people, openedAt: Timestamp(seconds: 1_772_460_000, offsetMinutes: -420))
        try await h.app.test(.router) { client in
            let ana = try await client.signIn("p", "ana"), sol = try await client.signIn("p", "sol")
            let concern = try await client.call(.post, "/api/v1/productions/p/concerns", body: #"{"text":"the blanks box is open"}"#)
            #expect(concern.status == 201, "\(concern.text)")
            let index = concern.json["index"]?.intValue ?? -1
            var open = try await client.call(.get, "/api/v1/productions/p/alarms?open=true", token: ana)
            #expect(open.json.arrayValue?.map { $0["index"] } == [.int(index)] && open.json.arrayValue?.first?["answered"] == .bool(false), "\(open.text)")
            // The armorer may not acknowledge a concern; safety answers it.
            let byArmorer = try await client.call(.post, "/api/v1/productions/p/steps", token: ana,
                                                  body: Self.step([("do", .string("acknowledge")), ("alarm", .int(index))]))
            #expect(byArmorer.status == 409 && byArmorer.json["rules"] == .array([.string("ROLE-2")]), "\(byArmorer.text)")
            let bySafety = try await client.call(.post, "/api/v1/productions/p/steps", token: sol,
                                                 body: Self.step([("do", .string("acknowledge")), ("alarm", .int(index)), ("note", .string("spoke to props"))]))
            #expect(bySafety.status == 201, "\(bySafety.text)")
            open = try await client.call(.get, "/api/v1/productions/p/alarms?open=true", token: ana)
            #expect(open.json.arrayValue?.isEmpty == true, "\(open.text)")
            let all = try await client.call(.get, "/api/v1/productions/p/alarms", token: ana)
            #expect(all.json.arrayValue?.first?["answered"] == .bool(true), "\(all.text)")
            // An alarm number that names no alarm is invalid input, naming the field.
            let bad = try await client.call(.post, "/api/v1/productions/p/steps", token: sol,
                                            body: Self.step([("do", .string("acknowledge")), ("alarm", .int(index + 1))]))
            #expect(bad.status == 422 && bad.json["field"] == .string("alarm"), "\(bad.text)")
            #expect(try await client.call(.get, "/api/v1/productions/p/alarms?open=maybe", token: ana).status == 400)
        }
    }
}
