import ArmoryCore
import ArmoryLedger
import ArmoryServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Every route, API and page, asked by each role, a person of another production and
/// nobody: each answers as the table below says (docs/SECURITY.md, promise 3). A route
/// missing from the table fails the test, so a new route cannot go unchecked.
struct RouteMatrixTests {
    enum Who: Hashable, CustomStringConvertible {
        case role(Role), dualHatted, otherProduction, nobody
        var description: String {
            switch self {
            case .role(let r): return r.rawValue
            case .dualHatted: return "dual-hatted armorer"
            case .otherProduction: return "person of another production"
            case .nobody: return "nobody"
            }
        }
    }

    static let people = [
        Person(id: "ana", name: "Ana", roles: [.armorer]), Person(id: "ben", name: "Ben", roles: [.talent]),
        Person(id: "dee", name: "Dee", roles: [.firstAD]), Person(id: "pat", name: "Pat", roles: [.producer]),
        Person(id: "sol", name: "Sol", roles: [.safety]), Person(id: "cy", name: "Cy", roles: [.crew]),
        Person(id: "pm", name: "Pim", roles: [.propMaster]), Person(id: "duo", name: "Duo", roles: [.armorer, .firstAD]),
    ]
    static let signedIn: [Who: String] = [
        .role(.armorer): "ana", .role(.talent): "ben", .role(.firstAD): "dee", .role(.producer): "pat", .role(.safety): "sol",
        .role(.crew): "cy", .role(.propMaster): "pm", .dualHatted: "duo",
    ]
    static let everyone: [Who] = signedIn.keys.sorted { $0.description < $1.description } + [.otherProduction, .nobody]

    /// What a route answers whom: `allowed` get `ok` (a status, or a set of them), a person of
    /// another production 403, nobody 401 (pages: 303 to the sign-in page), others 403.
    struct Route: CustomStringConvertible {
        let method: HTTPRequest.Method
        let path: String
        let body: String?
        /// Who is let through; nil: everyone signed in to the production.
        let allowed: Set<Who>?
        let ok: Set<Int>
        var page = false
        /// Not a production's route: any session gets `ok`.
        var everySession = false
        /// What a signed-in person who may not use the route gets.
        var refused = 403
        var description: String { "\(method) \(path)" }
    }

    static let day = String(Timestamp(seconds: AuthorisationTests.t0, offsetMinutes: -420).text.prefix(10))
    static var anyone: Set<Who>? { nil }
    /// Signing checkpoints and exporting bundles are not protocol steps: an armorer who also
    /// holds another role keeps them (evidence is never withheld from the armorer).
    static let staff: Set<Who> = [.role(.armorer), .role(.producer), .role(.safety), .dualHatted]

    static let routes: [Route] = [
        Route(method: .get, path: "/p/p", body: nil, allowed: anyone, ok: [303], page: true),
        Route(method: .get, path: "/p/p/tablet", body: nil, allowed: anyone, ok: [200], page: true),
        Route(method: .get, path: "/p/p/tablet/firearm/colt-1", body: nil, allowed: anyone, ok: [200], page: true),
        Route(method: .get, path: "/p/p/tablet/lot/D1", body: nil, allowed: anyone, ok: [200], page: true),
        Route(method: .get, path: "/p/p/tablet/act/inspect_firearm", body: nil, allowed: anyone, ok: [200], page: true),
        Route(method: .post, path: "/p/p/tablet/act/reconcile", body: "lot=D1&counted=6", allowed: anyone, ok: [303], page: true),
        Route(method: .get, path: "/p/p/tablet/result/1", body: nil, allowed: anyone, ok: [200], page: true),
        Route(method: .get, path: "/p/p/dashboard", body: nil, allowed: anyone, ok: [200], page: true),
        Route(method: .get, path: "/p/p/report/\(day)", body: nil, allowed: anyone, ok: [200], page: true),
        Route(method: .get, path: "/p/p/labels", body: nil, allowed: anyone, ok: [200], page: true),
        Route(method: .get, path: "/p/p/timeline/\(day)", body: nil, allowed: anyone, ok: [200], page: true),
        Route(method: .get, path: "/p/p/entry/1", body: nil, allowed: anyone, ok: [200], page: true),
        // The crew page is read by anyone signed in; a producer imports a call sheet; the armorer
        // and producers issue PINs (the armorer for talent and crew only).
        Route(method: .get, path: "/p/p/crew", body: nil, allowed: anyone, ok: [200], page: true),
        Route(method: .post, path: "/p/p/crew/import", body: "preview=1&sheet=id%2Cname%2Croles%2Cpermit%2Cpermit_expires%2Ctraining%2Ctraining_expires%0Azed%2CZed%20Quinn%2Ctalent%2C%2C%2C%2C%0A", allowed: [.role(.producer)], ok: [200], page: true),
        Route(method: .post, path: "/p/p/crew/pin", body: "person=ben", allowed: [.role(.armorer), .role(.producer)], ok: [201], page: true),
        // Where alarms reach people, from the crew page: one's own contacts (a producer anyone's), webhooks by producers.
        Route(method: .post, path: "/p/p/crew/contacts", body: "person=cy&address=cy%40example.com", allowed: [.role(.crew), .role(.producer)], ok: [303], page: true),
        Route(method: .post, path: "/p/p/crew/contacts/remove", body: "person=cy&id=999999", allowed: [.role(.crew), .role(.producer)], ok: [404], page: true),
        Route(method: .post, path: "/p/p/crew/webhooks", body: "url=https%3A%2F%2Fhooks.example%2Fq", allowed: [.role(.producer)], ok: [201], page: true),
        Route(method: .post, path: "/p/p/crew/webhooks/remove", body: "id=999999", allowed: [.role(.producer)], ok: [404], page: true),
        // The productions the session belongs to: a person of another production sees theirs.
        Route(method: .get, path: "/api/v1/productions", body: nil, allowed: anyone, ok: [200], everySession: true),
        Route(method: .get, path: "/api/v1/productions/p", body: nil, allowed: anyone, ok: [200]),
        Route(method: .get, path: "/api/v1/productions/p/people", body: nil, allowed: anyone, ok: [200]),
        Route(method: .post, path: "/api/v1/productions/p/people/ben/pin", body: nil, allowed: [.role(.armorer), .role(.producer)], ok: [201]),
        Route(method: .post, path: "/api/v1/productions/p/people/cy/sign-out", body: nil, allowed: [.role(.producer)], ok: [200]),
        Route(method: .post, path: "/api/v1/productions/p/steps", body: #"{"do":"reconcile","lot":"D1","counted":6}"#, allowed: anyone, ok: [201, 409]),
        Route(method: .post, path: "/api/v1/productions/p/transfers", body: #"{"case":"C-1","to":"Sheriff","lots":["D1"]}"#,
              allowed: anyone, ok: [201, 409]),
        // A person keeps their own contacts, a producer anyone's; producers keep the webhooks;
        // whoever receives alarms reads their deliveries; anyone signed in may subscribe a phone.
        Route(method: .get, path: "/api/v1/productions/p/people/cy/contacts", body: nil, allowed: [.role(.crew), .role(.producer)], ok: [200]),
        Route(method: .post, path: "/api/v1/productions/p/people/cy/contacts", body: #"{"channel":"email","address":"cy@example.com"}"#,
              allowed: [.role(.crew), .role(.producer)], ok: [201]),
        Route(method: .delete, path: "/api/v1/productions/p/people/cy/contacts/999999", body: nil, allowed: [.role(.crew), .role(.producer)], ok: [404]),
        Route(method: .get, path: "/api/v1/productions/p/webhooks", body: nil, allowed: [.role(.producer)], ok: [200]),
        Route(method: .post, path: "/api/v1/productions/p/webhooks", body: #"{"url":"https://hooks.example/p"}"#, allowed: [.role(.producer)], ok: [201]),
        Route(method: .delete, path: "/api/v1/productions/p/webhooks/999999", body: nil, allowed: [.role(.producer)], ok: [404]),
        Route(method: .get, path: "/api/v1/productions/p/alarms/1/deliveries", body: nil,
              allowed: [.role(.armorer), .role(.firstAD), .role(.producer), .role(.safety), .dualHatted], ok: [200]),
        // The tests' server has no VAPID key: the route answers everyone signed in that it sends no push.
        Route(method: .get, path: "/api/v1/productions/p/push-key", body: nil, allowed: anyone, ok: [404]),
        Route(method: .get, path: "/api/v1/productions/p/firearms", body: nil, allowed: anyone, ok: [200]),
        Route(method: .get, path: "/api/v1/productions/p/firearms/colt-1", body: nil, allowed: anyone, ok: [200]),
        Route(method: .get, path: "/api/v1/productions/p/lots", body: nil, allowed: anyone, ok: [200]),
        Route(method: .get, path: "/api/v1/productions/p/lots/D1", body: nil, allowed: anyone, ok: [200]),
        Route(method: .get, path: "/api/v1/productions/p/scenes", body: nil, allowed: anyone, ok: [200]),
        Route(method: .get, path: "/api/v1/productions/p/alarms", body: nil, allowed: anyone, ok: [200]),
        Route(method: .get, path: "/api/v1/productions/p/days", body: nil, allowed: anyone, ok: [200]),
        Route(method: .get, path: "/api/v1/productions/p/days/\(day)/timeline", body: nil, allowed: anyone, ok: [200]),
        Route(method: .get, path: "/api/v1/productions/p/entries", body: nil, allowed: anyone, ok: [200]),
        Route(method: .get, path: "/api/v1/productions/p/entries/1", body: nil, allowed: anyone, ok: [200]),
        Route(method: .get, path: "/api/v1/productions/p/entries/1/proof", body: nil, allowed: anyone, ok: [200]),
        Route(method: .get, path: "/api/v1/productions/p/checkpoints", body: nil, allowed: anyone, ok: [200]),
        Route(method: .post, path: "/api/v1/productions/p/checkpoints", body: nil, allowed: staff, ok: [201]),
        Route(method: .get, path: "/api/v1/productions/p/consistency?from=1&to=2", body: nil, allowed: anyone, ok: [200]),
        Route(method: .get, path: "/api/v1/productions/p/bundle?all=true", body: nil, allowed: staff, ok: [200]),
        // Allowed streams are followed in tests/e2e (the stream stays open); here, who is turned away.
        Route(method: .get, path: "/api/v1/productions/p/events", body: nil,
              allowed: [.role(.armorer), .role(.firstAD), .role(.producer), .role(.safety), .dualHatted], ok: []),
        // The tiled log (C2SP tlog-tiles): read by anyone signed in, as the entries and proofs are.
        Route(method: .get, path: "/logs/p/checkpoint", body: nil, allowed: anyone, ok: [200]),
        Route(method: .get, path: "/logs/p/tile/0/000.p/1", body: nil, allowed: anyone, ok: [200]),
        Route(method: .get, path: "/logs/p/tile/entries/000.p/1", body: nil, allowed: anyone, ok: [200]),
        Route(method: .get, path: "/api/v1/session", body: nil, allowed: anyone, ok: [200], everySession: true),
        // Metrics answer the scrape token only: a session is no credential there.
        Route(method: .get, path: "/metrics", body: nil, allowed: [], ok: [], refused: 401),
    ]

    /// Routes open to anyone, or checked elsewhere, by design: each with the test that covers it.
    static let publicOrElsewhere: [String: String] = [
        "GET /health": "public", "GET /openapi.json": "public",
        "POST /api/v1/productions/:production/sign-in": "public; AuthorisationTests.signInRefusesWrongSecretsAndThrottles",
        "POST /api/v1/productions/:production/concerns": "public; test_security.py::test_concerns_are_capped_and_rate_limited",
        "POST /api/v1/sign-out": "any session ends itself; SessionRestartTests",
        "POST /api/v1/productions/:production/password": "any session, with its current password; test_security.py",
        "GET /p/:production/sign-in": "public", "POST /p/:production/sign-in": "public", "POST /p/:production/sign-out": "any session",
        "GET /p/:production/concern": "public", "POST /p/:production/concern": "public", "GET /p/:production/concern/poster": "public",
        "GET /static/armory.css": "public", "GET /static/armory.js": "public", "GET /static/sw.js": "public", "GET /": "public", "GET /go": "public",
    ]

    @Test func everyRouteAnswersEachRoleAsDocumented() async throws {
        let h = try Harness()
        try await h.production("p", people: Self.people, openedAt: Timestamp(rfc3339: AuthorisationTests.at(0))!)
        try await h.production("q", people: [Person(id: "zed", name: "Zed", roles: [.producer])], openedAt: Timestamp(rfc3339: AuthorisationTests.at(0))!)
        try await h.app.test(.router) { client in
            var tokens: [Who: String] = [:]
            for (who, id) in Self.signedIn { tokens[who] = try await client.signIn("p", id) }
            tokens[.otherProduction] = try await client.signIn("q", "zed")
            // A day with a firearm, a lot and a signed checkpoint to read.
            for (k, (by, step)) in AuthorisationTests.base.enumerated() {
                let body = "{\"at\":\"\(AuthorisationTests.at(k + 1))\"," + step.dropFirst()
                #expect(try await client.call(.post, "/api/v1/productions/p/steps", token: tokens[by == "ana" ? .role(.armorer) : .role(.firstAD)],
                                              body: body).status == 201)
            }
            #expect(try await client.call(.post, "/api/v1/productions/p/checkpoints", token: tokens[.role(.armorer)]).status == 201)

            for route in Self.routes {
                for who in Self.everyone {
                    // A producer ending cy's sessions would sign cy out of the rest of the matrix.
                    if route.path.hasSuffix("/cy/sign-out"), who == .role(.producer) { continue }
                    let expected: Set<Int>
                    switch who {
                    case .nobody: expected = route.page ? [303] : [401]
                    case .otherProduction: expected = route.everySession ? route.ok : [route.refused]
                    default: expected = (route.allowed == nil || route.allowed!.contains(who)) ? route.ok : [route.refused]
                    }
                    // An allowed stream stays open: it is followed in tests/e2e, not here.
                    if expected.isEmpty { continue }
                    let token = tokens[who]
                    let answer = try await client.execute(uri: route.path, method: route.method, headers: headers(token, form: route.page && route.body != nil),
                                                          body: route.body.map { ByteBuffer(string: $0) }) { Int($0.status.code) }
                    #expect(expected.contains(answer), "\(route) as \(who): \(answer), want \(expected.sorted())")
                }
            }
            // Metrics: the token only, whoever is signed in.
            #expect(try await client.call(.get, "/metrics", token: "scrape-token").status == 200)
        }
    }

    func headers(_ token: String?, form: Bool) -> HTTPFields {
        var h: HTTPFields = [.contentType: form ? "application/x-www-form-urlencoded" : "application/json"]
        if let token { h[.authorization] = "Bearer \(token)" }
        return h
    }

    /// The matrix names every route of the router: a new route must be added to it (or to
    /// the routes open by design), with who may use it.
    @Test func theMatrixCoversEveryRoute() throws {
        let h = try Harness()
        let router = buildRouter(api: h.api)
        var listed = Set(Self.publicOrElsewhere.keys)
        for r in Self.routes {
            var path = String(r.path.split(separator: "?")[0])
            path = path.replacingOccurrences(of: "/api/v1/productions/p", with: "/api/v1/productions/:production")
                .replacingOccurrences(of: "/p/p", with: "/p/:production").replacingOccurrences(of: "/logs/p/", with: "/logs/:production/")
            if path.hasPrefix("/logs/:production/tile/") { path = "/logs/:production/tile/**" }
            for (concrete, parameter) in [("/ben/pin", "/:person/pin"), ("/cy/sign-out", "/:person/sign-out"), ("/firearm/colt-1", "/firearm/:id"),
                                          ("/lot/D1", "/lot/:id"), ("/firearms/colt-1", "/firearms/:id"), ("/lots/D1", "/lots/:id"),
                                          ("/entries/1", "/entries/:index"), ("/people/cy/contacts/999999", "/people/:person/contacts/:id"),
                                          ("/people/cy/contacts", "/people/:person/contacts"), ("/webhooks/999999", "/webhooks/:id"),
                                          ("/alarms/1/deliveries", "/alarms/:index/deliveries"), ("/entry/1", "/entry/:index"), ("/result/1", "/result/:index"), ("/act/inspect_firearm", "/act/:action"),
                                          ("/act/reconcile", "/act/:action"), ("/report/\(Self.day)", "/report/:day"),
                                          ("/timeline/\(Self.day)", "/timeline/:day"), ("/days/\(Self.day)/timeline", "/days/:day/timeline")] {
                path = path.replacingOccurrences(of: concrete, with: parameter)
            }
            listed.insert("\(r.method) \(path)")
        }
        // The router writes parameters as {name}; the matrix as :name.
        let routes = Set(router.routes.map { r in
            "\(r.method) " + r.path.description.split(separator: "/", omittingEmptySubsequences: false).map { part in
                part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : String(part)
            }.joined(separator: "/")
        })
        #expect(routes.subtracting(listed).isEmpty, "routes not in the matrix: \(routes.subtracting(listed).sorted())")
    }
}
