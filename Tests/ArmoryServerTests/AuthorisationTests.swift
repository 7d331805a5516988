import ArmoryCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Every role against every command, over HTTP: the people PROTOCOL.md lets do a thing get
/// it recorded (201); everyone else is refused (409) citing a role rule, and the attempt is
/// recorded. Observations are recorded from anyone. Productions are isolated.
struct AuthorisationTests {
    static let people = [
        Person(id: "ana", name: "Ana", roles: [.armorer]), Person(id: "ben", name: "Ben", roles: [.talent]),
        Person(id: "dee", name: "Dee", roles: [.firstAD]), Person(id: "pat", name: "Pat", roles: [.producer]),
        Person(id: "sol", name: "Sol", roles: [.safety]), Person(id: "cy", name: "Cy", roles: [.crew]),
        Person(id: "pm", name: "Pim", roles: [.propMaster]), Person(id: "duo", name: "Duo", roles: [.armorer, .firstAD]),
    ]
    static let t0: Int64 = 1_772_460_000

    static func at(_ minute: Int) -> String { Timestamp(seconds: t0 + Int64(minute) * 60, offsetMinutes: -420).text }

    /// Steps (by, body) that leave colt-1 inspected in the armorer's hands and lot D1 verified, with scene 1's meeting held.
    static let base: [(String, String)] = [
        ("ana", #"{"do":"receive_firearm","firearm":"colt-1","serial":"S1","make":"Colt","model":"SAA"}"#),
        ("ana", #"{"do":"inspect_firearm","firearm":"colt-1","result":"clear"}"#),
        ("ana", #"{"do":"receive_ammo","lot":"D1","kind":"dummy","count":6}"#),
        ("ana", #"{"do":"inspect_lot","lot":"D1","inspected":6,"live_found":0}"#),
        ("dee", #"{"do":"safety_meeting","scene":"1","attendees":["ana","ben","dee"],"blanks":false}"#),
    ]

    struct Command: Sendable, CustomStringConvertible {
        let name: String
        let prefix: [(String, String)]
        let body: String
        /// Who may give it; nil for an observation, recorded from anyone (SCENARIOS.md).
        let allowed: Set<Role>?
        var description: String { name }
    }

    static let commands: [Command] = [
        Command(name: "receive_firearm", prefix: [], body: #"{"do":"receive_firearm","firearm":"colt-9","serial":"S9","make":"Colt","model":"SAA"}"#, allowed: [.armorer]),
        Command(name: "return_firearm", prefix: [], body: #"{"do":"return_firearm","firearm":"colt-1"}"#, allowed: [.armorer]),
        Command(name: "receive_ammo", prefix: [], body: #"{"do":"receive_ammo","lot":"D9","kind":"dummy","count":6}"#, allowed: nil),
        Command(name: "inspect_lot", prefix: [], body: #"{"do":"inspect_lot","lot":"D1","inspected":6,"live_found":0}"#, allowed: nil),
        Command(name: "safety_meeting", prefix: [], body: #"{"do":"safety_meeting","scene":"2","attendees":["ana","ben","dee"],"blanks":false}"#,
                allowed: [.armorer, .firstAD]),
        Command(name: "inspect_firearm", prefix: [], body: #"{"do":"inspect_firearm","firearm":"colt-1","result":"clear"}"#, allowed: nil),
        Command(name: "load", prefix: [], body: #"{"do":"load","firearm":"colt-1","lot":"D1","rounds":6,"scene":"1"}"#, allowed: [.armorer]),
        Command(name: "unload", prefix: [("ana", #"{"do":"load","firearm":"colt-1","lot":"D1","rounds":6,"scene":"1"}"#)],
                body: #"{"do":"unload","firearm":"colt-1","lot":"D1","rounds":6}"#, allowed: [.armorer]),
        Command(name: "show_clear", prefix: [], body: #"{"do":"show_clear","firearm":"colt-1","to":["ben","dee"]}"#, allowed: [.armorer]),
        Command(name: "hand_over", prefix: [("ana", #"{"do":"show_clear","firearm":"colt-1","to":["ben","dee"]}"#)],
                body: #"{"do":"hand_over","firearm":"colt-1","to":"ben","scene":"1"}"#, allowed: [.armorer]),
        Command(name: "declare", prefix: [], body: #"{"do":"declare","firearm":"colt-1","state":"cold"}"#, allowed: [.armorer]),
        Command(name: "store", prefix: [], body: #"{"do":"store","firearm":"colt-1","locked":true}"#, allowed: [.armorer]),
        Command(name: "reconcile", prefix: [], body: #"{"do":"reconcile","lot":"D1","counted":6}"#, allowed: nil),
        Command(name: "unfreeze", prefix: [("ana", #"{"do":"report_discharge","firearm":"colt-1","injuries":false}"#)],
                body: #"{"do":"unfreeze","firearm":"colt-1","reason":"inspected by the armorer and the safety rep"}"#, allowed: [.producer, .safety]),
    ]

    static let roleRules: Set<String> = ["ROLE-1", "ROLE-2", "FA-1", "FA-3"]

    /// Runs `prefix` then the command as `person` in a production of its own.
    static func attempt(_ client: some TestClientProtocol, _ h: Harness, production: String, prefix: [(String, String)],
                        person: String, body: String) async throws -> Answer {
        try await h.production(production, people: people, openedAt: Timestamp(rfc3339: at(0))!)
        var tokens: [String: String] = [:]
        func token(_ p: String) async throws -> String {
            if let t = tokens[p] { return t }
            let t = try await client.signIn(production, p)
            tokens[p] = t
            return t
        }
        var minute = 1
        func timed(_ body: String) -> String { defer { minute += 1 }; return "{\"at\":\"\(at(minute))\"," + body.dropFirst() }
        for (by, step) in base + prefix {
            let a = try await client.call(.post, "/api/v1/productions/\(production)/steps", token: try await token(by), body: timed(step))
            #expect(a.status == 201, "setup step \(step) answered \(a.status) \(a.text)")
        }
        return try await client.call(.post, "/api/v1/productions/\(production)/steps", token: try await token(person), body: timed(body))
    }

    @Test(arguments: commands)
    func everyRoleAgainstACommand(_ command: Command) async throws {
        let h = try Harness()
        try await h.app.test(.router) { client in
            for person in Self.people {
                let answer = try await Self.attempt(client, h, production: "\(command.name)-\(person.id)", prefix: command.prefix, person: person.id, body: command.body)
                guard let allowed = command.allowed else {
                    // An observation: recorded whoever reports it; only the armorer's counts for inspections.
                    #expect(answer.status == 201, "\(person.id) \(command.name): \(answer.status) \(answer.text)")
                    continue
                }
                let mayDo = person.roles.count == 1 && !person.roles.isDisjoint(with: allowed)
                if mayDo {
                    #expect(answer.status == 201 && answer.json["outcome"] == .string("ok"), "\(person.id) \(command.name): \(answer.status) \(answer.text)")
                } else {
                    let rules = Set(answer.json["rules"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                    #expect(answer.status == 409 && !rules.isDisjoint(with: Self.roleRules), "\(person.id) \(command.name): \(answer.status) \(answer.text)")
                    // The refused attempt is in the log.
                    if case let .number(index, _)? = answer.json["index"] {
                        let token = try await client.signIn("\(command.name)-\(person.id)", "pat")
                        let entry = try await client.call(.get, "/api/v1/productions/\(command.name)-\(person.id)/entries/\(Int(index))", token: token)
                        #expect(entry.json["outcome"] == .string("refused") && entry.json["by"] == .string(person.id))
                    } else {
                        Issue.record("a refusal without the entry index: \(answer.text)")
                    }
                }
            }
        }
    }

    @Test func observationsAreRecordedFromAnyone() async throws {
        let h = try Harness()
        try await h.app.test(.router) { client in
            for person in Self.people {
                let concern = try await Self.attempt(client, h, production: "concern-\(person.id)", prefix: [], person: person.id,
                                                     body: #"{"do":"report_concern","text":"the blanks box was left open"}"#)
                #expect(concern.status == 201 && concern.json["outcome"] == .string("alarm"), "\(person.id): \(concern.text)")
                let discharge = try await Self.attempt(client, h, production: "discharge-\(person.id)", prefix: [], person: person.id,
                                                       body: #"{"do":"report_discharge","firearm":"colt-1","injuries":false}"#)
                #expect(discharge.status == 201 && discharge.json["rules"] == .array([.string("FA-7")]), "\(person.id): \(discharge.text)")
            }
        }
    }

    @Test func productionsAreIsolatedAndEveryRouteNeedsASession() async throws {
        let h = try Harness()
        try await h.production("a", people: Self.people, openedAt: Timestamp(rfc3339: Self.at(0))!)
        try await h.production("b", people: Self.people, openedAt: Timestamp(rfc3339: Self.at(0))!)
        try await h.app.test(.router) { client in
            let tokenA = try await client.signIn("a", "pat")
            let routes: [(HTTPRequest.Method, String)] = [
                (.get, ""), (.get, "/people"), (.get, "/firearms"), (.get, "/firearms/colt-1"), (.get, "/lots"), (.get, "/lots/D1"),
                (.get, "/scenes"), (.get, "/alarms"), (.get, "/days"), (.get, "/days/2026-03-02/timeline"), (.get, "/entries"),
                (.get, "/entries/0"), (.get, "/entries/0/proof"), (.get, "/checkpoints"), (.post, "/checkpoints"), (.get, "/consistency"),
                (.get, "/bundle?all=true"), (.get, "/events"), (.post, "/steps"), (.post, "/transfers"), (.post, "/people/ben/pin"),
            ]
            for (method, route) in routes {
                let body = method == .post ? #"{"do":"wrap"}"# : nil
                let anonymous = try await client.call(method, "/api/v1/productions/b\(route)", body: body)
                #expect(anonymous.status == 401, "\(method) \(route) without a session: \(anonymous.status)")
                let cross = try await client.call(method, "/api/v1/productions/b\(route)", token: tokenA, body: body)
                #expect(cross.status == 403, "\(method) \(route) from production a: \(cross.status) \(cross.text)")
            }
            // Production b's log is untouched: only its header.
            let tokenB = try await client.signIn("b", "pat")
            #expect(try await client.call(.get, "/api/v1/productions/b", token: tokenB).json["entries"] == .number(1, isInteger: true))
            #expect(try await client.call(.get, "/api/v1/productions", token: tokenB).json.arrayValue?.count == 1)
        }
    }

    @Test func signInRefusesWrongSecretsAndThrottles() async throws {
        let h = try Harness()
        try await h.production("a", people: Self.people, openedAt: Timestamp(rfc3339: Self.at(0))!)
        try await h.app.test(.router) { client in
            for body in [#"{"person":"ana","password":"wrong"}"#, #"{"person":"nobody","password":"pw-nobody"}"#] {
                let a = try await client.call(.post, "/api/v1/productions/a/sign-in", body: body)
                #expect(a.status == 401, "\(body): \(a.status)")
            }
            #expect(try await client.call(.post, "/api/v1/productions/zzz/sign-in", body: #"{"person":"ana","password":"pw-ana"}"#).status == 401)
            #expect(try await client.call(.post, "/api/v1/productions/a/sign-in", body: #"{"person":"ana"}"#).status == 422)
            for _ in 0..<4 { _ = try await client.call(.post, "/api/v1/productions/a/sign-in", body: #"{"person":"ana","password":"wrong"}"#) }
            let throttled = try await client.call(.post, "/api/v1/productions/a/sign-in", body: #"{"person":"ana","password":"pw-ana"}"#)
            #expect(throttled.status == 429)
            // Talent signs in with a one-time PIN from the armorer; a PIN works once.
            let sam = try await client.signIn("a", "duo")
            #expect(try await client.call(.post, "/api/v1/productions/a/people/ben/pin", token: sam).status == 403, "a dual-hatted armorer issues no PIN")
            let dee = try await client.signIn("a", "dee")
            #expect(try await client.call(.post, "/api/v1/productions/a/people/ben/pin", token: dee).status == 403)
            // A producer issues PINs for anyone but producers; every issuance is on the record.
            let pat = try await client.signIn("a", "pat")
            #expect(try await client.call(.post, "/api/v1/productions/a/people/ben/pin", token: pat).status == 201)
            #expect(try await client.call(.post, "/api/v1/productions/a/people/pat/pin", token: pat).status == 403)
            // ana is throttled; the armorer's PIN route needs an armorer session: use a second armorer production.
            try await h.production("b", people: Self.people, openedAt: Timestamp(rfc3339: Self.at(0))!)
            let ana = try await client.signIn("b", "ana")
            let issued = try await client.call(.post, "/api/v1/productions/b/people/ben/pin", token: ana)
            #expect(issued.status == 201)
            let pin = issued.json["pin"]!.stringValue!
            let first = try await client.call(.post, "/api/v1/productions/b/sign-in", body: #"{"person":"ben","pin":"\#(pin)"}"#)
            #expect(first.status == 200 && first.json["roles"] == .array([.string("talent")]))
            let again = try await client.call(.post, "/api/v1/productions/b/sign-in", body: #"{"person":"ben","pin":"\#(pin)"}"#)
            #expect(again.status == 401)
            // Signing out ends the session.
            let token = first.json["token"]!.stringValue!
            #expect(try await client.call(.post, "/api/v1/sign-out", token: token).status == 204)
            #expect(try await client.call(.get, "/api/v1/session", token: token).status == 401)
        }
    }
}
