import ArmoryCore
import ArmoryLedger
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Who acted and who recorded (docs/SECURITY.md, "Recording for others"): the armorer
/// records a hand-back to themselves by the firearm's custodian, anyone signed in records a
/// shot, discharge, missing firearm or concern for a person on the crew, and everything else
/// for anyone else is a 403 naming `by`. The entry names both people.
struct RecordingForOthersTests {
    static let people = [
        Person(id: "ana", name: "Ana Ortiz", roles: [.armorer]),
        Person(id: "ben", name: "Ben Cole", roles: [.talent]),
        Person(id: "eve", name: "Eve Park", roles: [.talent]),
        Person(id: "dee", name: "Dee Lane", roles: [.firstAD]),
        Person(id: "pat", name: "Pat Lee", roles: [.producer]),
        Person(id: "cy", name: "Cy Moss", roles: [.crew]),
    ]

    static func body(_ fields: [(String, JSON)]) -> String { JSON.object(fields).compactText }

    /// colt-1 received, inspected, shown clear and handed to ben; D1 a verified dummy lot.
    static func setUp(_ client: some TestClientProtocol, ana: String, dee: String) async throws {
        let steps: [(String, [(String, JSON)])] = [
            (ana, [("do", "receive_firearm"), ("firearm", "colt-1"), ("serial", "S1"), ("make", "Colt"), ("model", "SAA")]),
            (ana, [("do", "receive_ammo"), ("lot", "D1"), ("kind", "dummy"), ("count", .int(6))]),
            (ana, [("do", "inspect_lot"), ("lot", "D1"), ("inspected", .int(6)), ("live_found", .int(0))]),
            (ana, [("do", "inspect_firearm"), ("firearm", "colt-1"), ("result", "clear")]),
            (dee, [("do", "safety_meeting"), ("scene", "12A"), ("attendees", .array(["ana", "ben", "dee"])), ("blanks", .bool(false))]),
            (ana, [("do", "show_clear"), ("firearm", "colt-1"), ("to", .array(["ben", "dee"]))]),
            (ana, [("do", "hand_over"), ("firearm", "colt-1"), ("to", "ben"), ("scene", "12A")]),
        ]
        for (token, fields) in steps {
            let a = try await client.call(.post, "/api/v1/productions/p/steps", token: token, body: body(fields))
            #expect(a.status == 201 && a.json["outcome"] == "ok", "\(fields): \(a.text)")
        }
    }

    struct Row: Sendable, CustomStringConvertible {
        let recorder: String
        let by: String
        let fields: [(String, JSON)]
        let allowed: Bool
        var description: String { "\(recorder) records \(fields.first!.1) by \(by): \(allowed ? "allowed" : "403")" }
    }

    /// The matrix, with colt-1 in ben's custody.
    static let rows: [Row] = [
        // The hand-back to the armorer, by its custodian: the armorer only, to themselves, from the custodian.
        Row(recorder: "ana", by: "ben", fields: [("do", "hand_over"), ("firearm", "colt-1"), ("to", "ana")], allowed: true),
        Row(recorder: "ana", by: "eve", fields: [("do", "hand_over"), ("firearm", "colt-1"), ("to", "ana")], allowed: false),
        Row(recorder: "ana", by: "ben", fields: [("do", "hand_over"), ("firearm", "colt-1"), ("to", "eve")], allowed: false),
        Row(recorder: "dee", by: "ben", fields: [("do", "hand_over"), ("firearm", "colt-1"), ("to", "dee")], allowed: false),
        Row(recorder: "cy", by: "ben", fields: [("do", "hand_over"), ("firearm", "colt-1"), ("to", "ana")], allowed: false),
        // Observations of what someone did or saw: anyone signed in, for anyone on the crew.
        Row(recorder: "ana", by: "ben", fields: [("do", "fire"), ("firearm", "colt-1"), ("scene", "12A"), ("rounds", .int(1)), ("result", "click")], allowed: true),
        Row(recorder: "cy", by: "ben", fields: [("do", "fire"), ("firearm", "colt-1"), ("scene", "12A"), ("rounds", .int(1)), ("result", "click")], allowed: true),
        Row(recorder: "dee", by: "eve", fields: [("do", "report_discharge"), ("firearm", "colt-1"), ("injuries", .bool(false))], allowed: true),
        Row(recorder: "pat", by: "cy", fields: [("do", "report_missing"), ("firearm", "colt-1")], allowed: true),
        Row(recorder: "ben", by: "cy", fields: [("do", "report_concern"), ("text", "the cart was open")], allowed: true),
        // The armorer's own record, and commands: never in another's name.
        Row(recorder: "cy", by: "ana", fields: [("do", "inspect_lot"), ("lot", "D1"), ("inspected", .int(6)), ("live_found", .int(0))], allowed: false),
        Row(recorder: "cy", by: "ana", fields: [("do", "reconcile"), ("lot", "D1"), ("counted", .int(6))], allowed: false),
        Row(recorder: "dee", by: "ana", fields: [("do", "inspect_firearm"), ("firearm", "colt-1"), ("result", "clear")], allowed: false),
        Row(recorder: "pat", by: "ana", fields: [("do", "wrap")], allowed: false),
        Row(recorder: "ana", by: "ben", fields: [("do", "declare"), ("firearm", "colt-1"), ("state", "cold")], allowed: false),
        Row(recorder: "ana", by: "ben", fields: [("do", "store"), ("firearm", "colt-1"), ("locked", .bool(true))], allowed: false),
        Row(recorder: "ben", by: "ana", fields: [("do", "load"), ("firearm", "colt-1"), ("lot", "D1"), ("rounds", .int(1)), ("scene", "12A")], allowed: false),
        Row(recorder: "cy", by: "pat", fields: [("do", "leave"), ("person", "ben")], allowed: false),
        Row(recorder: "cy", by: "pat", fields: [("do", "acknowledge"), ("alarm", .int(1))], allowed: false),
        // Not a person present: unknown, or off the crew.
        Row(recorder: "ana", by: "zed", fields: [("do", "report_concern"), ("text", "x")], allowed: false),
    ]

    @Test(arguments: rows)
    func eachRowAnswersAsDocumented(row: Row) async throws {
        let h = try Harness()
        try await h.production("p", people: Self.people, openedAt: Timestamp(seconds: Int64(Date().timeIntervalSince1970) - 3600, offsetMinutes: -420))
        try await h.app.test(.router) { client in
            var tokens: [String: String] = [:]
            for p in Self.people { tokens[p.id] = try await client.signIn("p", p.id) }
            try await Self.setUp(client, ana: tokens["ana"]!, dee: tokens["dee"]!)
            let before = try await h.hub.log("p").size
            let a = try await client.call(.post, "/api/v1/productions/p/steps", token: tokens[row.recorder]!,
                                          body: Self.body([("by", .string(row.by))] + row.fields))
            let log = try await h.hub.log("p")
            if row.allowed {
                #expect(a.status == 201, "\(row): \(a.text)")
                let entry = try LogEntry(decoding: log.entries.bytes(at: before)!)
                #expect(entry.by == row.by && entry.receipt?.recorder == row.recorder, "\(row)")
                #expect(entry.receipt?.session?.count == 16)
                // The API shows both.
                let listed = try await client.call(.get, "/api/v1/productions/p/entries?from=\(before)&limit=1", token: tokens["pat"]!)
                #expect(listed.json.arrayValue?.first?["recorded_by"] == .string(row.recorder) && listed.json.arrayValue?.first?["by"] == .string(row.by),
                        "\(listed.text)")
            } else {
                #expect(a.status == 403 && a.json["field"] == "by", "\(row): \(a.status) \(a.text)")
                #expect(log.size == before, "\(row): nothing recorded")
            }
        }
    }

    /// The talent's shot, recorded by the armorer: the talent is the shooter (the custodian
    /// fired it), the armorer the recorder; the hand-back by the armorer ends the talent's custody.
    @Test func theArmorerRecordsTheTalentsShotAndTheHandBack() async throws {
        let h = try Harness()
        try await h.production("p", people: Self.people, openedAt: Timestamp(seconds: Int64(Date().timeIntervalSince1970) - 3600, offsetMinutes: -420))
        try await h.app.test(.router) { client in
            let ana = try await client.signIn("p", "ana"), dee = try await client.signIn("p", "dee")
            try await Self.setUp(client, ana: ana, dee: dee)
            let fire = try await client.call(.post, "/api/v1/productions/p/steps", token: ana, body: Self.body([
                ("by", "ben"), ("do", "fire"), ("firearm", "colt-1"), ("scene", "12A"), ("rounds", .int(1)), ("result", "click")]))
            #expect(fire.status == 201 && fire.json["outcome"] == "ok", "\(fire.text)")
            let back = try await client.call(.post, "/api/v1/productions/p/steps", token: ana, body: Self.body([
                ("by", "ben"), ("do", "hand_over"), ("firearm", "colt-1"), ("to", "ana")]))
            #expect(back.status == 201 && back.json["outcome"] == "ok", "\(back.text)")
            let log = try await h.hub.log("p")
            #expect(log.state.firearms["colt-1"]?.custodian == "ana")
            // Once ana holds it, a hand-back "by ben" is refused: ben is no longer its custodian.
            let again = try await client.call(.post, "/api/v1/productions/p/steps", token: ana, body: Self.body([
                ("by", "ben"), ("do", "hand_over"), ("firearm", "colt-1"), ("to", "ana")]))
            #expect(again.status == 403 && again.json["field"] == "by", "\(again.text)")
            // The entry page names both, by name and role.
            let page = try await client.call(.get, "/p/p/entry/\(fire.json["index"]!.intValue!)", token: ana).text
            #expect(page.contains("Ben Cole (talent)") && page.contains("Recorded by") && page.contains("Ana Ortiz (armorer)"), "\(page)")
        }
    }
}

/// Steps written as literals in these tests.
extension JSON: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}
