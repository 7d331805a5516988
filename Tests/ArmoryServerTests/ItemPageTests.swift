import ArmoryCore
import Foundation
import Testing

@testable import ArmoryPages

/// A firearm's and a lot's page put first what the engine would accept now from the person
/// signed in (a dry run, never recorded), list the rest under "Not now" with the rule's title
/// and what to do, leave out what makes no sense in the state, and say in plain words why a
/// firearm is frozen, withdrawn or unknown, linking the entry that made it so.
struct ItemPageTests {
    static let people = [
        Person(id: "ana", name: "Ana Ortiz", roles: [.armorer]),
        Person(id: "ben", name: "Ben Cole", roles: [.talent]),
        Person(id: "dee", name: "Dee Park", roles: [.firstAD]),
        Person(id: "pat", name: "Pat Lee", roles: [.producer]),
    ]

    /// The production after `actions`, each by its person, a minute apart.
    static func state(_ actions: [(String, Action)]) throws -> ProductionState {
        var state = ProductionState(people: people)
        for (k, (by, action)) in actions.enumerated() {
            let d = try state.apply(Step(at: Timestamp(seconds: 1_772_460_000 + Int64(k) * 60, offsetMinutes: -420), by: by, action: action))
            #expect(d.outcome != .refused, "\(action.name): \(d.message)")
        }
        return state
    }

    static let ready: [(String, Action)] = [
        ("ana", .receiveFirearm(firearm: "colt-1", serial: "SA-1", make: "Colt", model: "SAA", from: "Western")),
        ("ana", .inspectFirearm(firearm: "colt-1", result: .clear)),
        ("ana", .receiveAmmo(lot: "D1", kind: .dummy, count: 12, source: nil, caliber: nil)),
        ("ana", .inspectLot(lot: "D1", inspected: 12, liveFound: 0)),
        ("dee", .safetyMeeting(scene: "1A", attendees: ["ana", "dee", "ben"], blanks: false)),
    ]

    static func offers(_ state: ProductionState, by person: String, firearm: String? = nil, lot: String? = nil) -> ItemActions {
        var offers = ItemActions(state: state, person: person, at: state.lastAt!, currentScene: "1A", production: "p")
        if let firearm { offers.firearm(state.firearm(firearm)!) }
        if let lot { offers.lot(state.lot(lot)!) }
        return offers
    }

    @Test func aReadyFirearmOffersWhatTheEngineAcceptsFirst() throws {
        let state = try Self.state(Self.ready)
        let offers = Self.offers(state, by: "ana", firearm: "colt-1")
        #expect(offers.now.map(\.name) == ["inspect_firearm", "load", "show_clear", "declare", "store", "return_firearm"])
        // The load the engine accepted is the one the form opens with: a usable lot, the scene met.
        #expect(offers.now.first { $0.name == "load" }?.href == "/p/p/tablet/act/load?firearm=colt-1&lot=D1&scene=1A")
        // Handing over before a show-clear is refused (FA-2), with the rule's title and what to do.
        #expect(offers.notNow.map(\.name) == ["hand_over"])
        let handOver = try #require(offers.notNow.first)
        #expect(handOver.reason == "\(Rule.fa2.title). \(RuleAdvice.advice(.fa2))")
        #expect(handOver.href.contains("to=ben") && handOver.href.contains("scene=1A"))
        // Nothing that makes no sense: it holds nothing to unload and is not frozen.
        let all = Set((offers.now + offers.notNow + offers.reports).map(\.name))
        #expect(!all.contains("unfreeze") && !all.contains("unload"))
        #expect(offers.reports.map(\.name) == ["fire", "report_discharge", "report_missing"])
        // Shown clear to talent and the first AD: the handover is now allowed.
        var shown = state
        _ = try shown.apply(Step(at: Timestamp(seconds: state.lastAt!.seconds + 60, offsetMinutes: -420), by: "ana",
                                 action: .showClear(firearm: "colt-1", to: ["ben", "dee"])))
        #expect(Self.offers(shown, by: "ana", firearm: "colt-1").now.map(\.name).contains("hand_over"))
    }

    @Test func anUnknownFirearmIsInspectedFirst() throws {
        let state = try Self.state(Array(Self.ready.prefix(1)) + Self.ready.dropFirst(2))
        let offers = Self.offers(state, by: "ana", firearm: "colt-1")
        #expect(offers.now.first?.name == "inspect_firearm")
        for name in ["load", "show_clear", "declare"] {
            let refused = try #require(offers.notNow.first { $0.name == name }, "\(name)")
            #expect(refused.reason?.contains(Rule.fa4.title) == true && refused.reason?.contains("inspects") == true, "\(name)")
        }
    }

    @Test func aFrozenFirearmIsUnfrozenOnlyByAProducerOrSafety() throws {
        let state = try Self.state(Self.ready + [("ana", .reportDischarge(firearm: "colt-1", injuries: false, note: nil))])
        let armorer = Self.offers(state, by: "ana", firearm: "colt-1")
        #expect(armorer.now.map(\.name).contains("store"))
        #expect(armorer.notNow.first { $0.name == "unfreeze" }?.reason?.contains(Rule.role2.title) == true)
        #expect(armorer.notNow.first { $0.name == "load" }?.reason?.contains(Rule.fa7.title) == true)
        #expect(Self.offers(state, by: "pat", firearm: "colt-1").now.map(\.name) == ["unfreeze"])
    }

    @Test func aLotOffersItsInspectionLoadAndCount() throws {
        let state = try Self.state(Self.ready)
        let offers = Self.offers(state, by: "ana", lot: "D1")
        #expect(offers.now.map(\.name) == ["inspect_lot", "load", "reconcile"])
        #expect(offers.now.first { $0.name == "load" }?.href.contains("firearm=colt-1") == true)
        // A dummy lot not yet inspected round by round: loading from it waits (AMMO-2).
        let unverified = try Self.state(Self.ready + [("ana", .receiveAmmo(lot: "D2", kind: .dummy, count: 6, source: nil, caliber: nil))])
        let d2 = Self.offers(unverified, by: "ana", lot: "D2")
        #expect(d2.notNow.first { $0.name == "load" }?.reason?.contains(Rule.ammo2.title) == true)
    }

    // MARK: Over HTTP

    /// The page's words as a reader sees them, without its markup.
    static func words(_ html: String) -> String {
        html.replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
    }

    @Test func theFirearmPageListsNowBeforeNotNowAndExplainsAFreeze() async throws {
        let h = try Harness()
        try await h.production("p", people: Self.people, openedAt: Timestamp(seconds: 1_772_460_000, offsetMinutes: -420))
        try await h.app.test(.router) { client in
            let ana = try await client.signIn("p", "ana")
            @discardableResult
            func record(_ fields: [(String, JSON)]) async throws -> Int {
                let a = try await client.call(.post, "/api/v1/productions/p/steps", token: ana, body: CrewOverHTTPTests.step(fields))
                #expect(a.status == 201, "\(a.text)")
                return a.json["index"]?.intValue ?? -1
            }
            let received = try await record([("do", .string("receive_firearm")), ("firearm", .string("colt-1")), ("serial", .string("SA-1")),
                                              ("make", .string("Colt")), ("model", .string("SAA"))])
            var page = try await client.call(.get, "/p/p/tablet/firearm/colt-1", token: ana)
            #expect(page.status == 200)
            // Unknown, in plain words, linking the receipt; the inspection offered first.
            #expect(page.text.contains("id=\"state-Unknown\"") && page.text.contains("href=\"/p/p/entry/\(received)\""), "\(page.text)")
            #expect(page.text.contains("id=\"now-inspect_firearm\""))
            try await record([("do", .string("inspect_firearm")), ("firearm", .string("colt-1")), ("result", .string("clear"))])
            page = try await client.call(.get, "/p/p/tablet/firearm/colt-1", token: ana)
            let text = page.text
            let now = try #require(text.range(of: "What you can do now")), notNow = try #require(text.range(of: "Not now"))
            #expect(now.lowerBound < notNow.lowerBound)
            #expect(!text.contains("Unfreeze") && !text.contains("state-Unknown"))
            // Loading waits for a lot, said in words; hand-over for a show-clear.
            #expect(text.contains("No lot has rounds in its box"))
            // Advice in plain words: no internal action names where a reader reads.
            #expect(Self.words(text).range(of: #"\b[a-z]+_[a-z_]+\b"#, options: .regularExpression) == nil,
                    "\(Self.words(text).range(of: #"\b[a-z]+_[a-z_]+\b"#, options: .regularExpression).map { Self.words(text)[$0] } ?? "")")
            let discharge = try await record([("do", .string("report_discharge")), ("firearm", .string("colt-1")), ("injuries", .bool(false))])
            page = try await client.call(.get, "/p/p/tablet/firearm/colt-1", token: ana)
            #expect(page.text.contains("id=\"state-Frozen\"") && page.text.contains("href=\"/p/p/entry/\(discharge)\""))
            #expect(page.text.contains("id=\"not-now-unfreeze\""))
            let pat = try await client.signIn("p", "pat")
            let producer = try await client.call(.get, "/p/p/tablet/firearm/colt-1", token: pat)
            #expect(producer.text.contains("id=\"now-unfreeze\""))
        }
    }
}
