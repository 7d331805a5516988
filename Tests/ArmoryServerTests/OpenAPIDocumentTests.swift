import ArmoryCore
import ArmoryServer
import Hummingbird
import Testing

@testable import ArmoryAPI

/// The OpenAPI document (`Sources/ArmoryAPI/Resources/openapi.json`, served at
/// `/openapi.json`) describes exactly the API a client can call: every route of the API's
/// router is documented, every documented operation is a route, and the pages are not part
/// of it. Integrators generate clients from this document, so a route missing from it is a
/// route no client knows of, and an operation missing from the router is a 404 for them.
struct OpenAPIDocumentTests {
    /// (method, path) of every operation in the document, as `GET /api/v1/...`.
    static func documented() throws -> (operations: Set<String>, paths: [(key: String, value: JSON)]) {
        guard case let .object(paths)? = try JSON.parse(OpenAPIDocument.text)["paths"] else {
            Issue.record("the document has no 'paths' object")
            return ([], [])
        }
        var operations = Set<String>()
        for (path, item) in paths {
            guard case let .object(methods) = item else {
                Issue.record("\(path) is not an object of operations")
                continue
            }
            for (method, _) in methods { operations.insert("\(method.uppercased()) \(path)") }
        }
        return (operations, paths)
    }

    /// A route as the document writes it: `GET /api/v1/productions/{production}/firearms/{id}`.
    static func operation(_ route: Router<ArmoryContext>.RouteDescription) -> String {
        "\(route.method.rawValue) \(route.path.description)"
    }

    /// The tiled log's routes serve C2SP tlog-tiles, not JSON: docs/FORMAT.md writes them up.
    static func isTiledLog(_ route: Router<ArmoryContext>.RouteDescription) -> Bool { route.path.description.hasPrefix("/logs/") }

    @Test func theDocumentListsExactlyTheRoutesOfTheAPI() throws {
        let h = try Harness()
        let routes = Set(h.api.router().routes.filter { !Self.isTiledLog($0) }.map(Self.operation))
        #expect(Set(h.api.router().routes.filter(Self.isTiledLog).map(Self.operation))
                    == ["GET /logs/{production}/checkpoint", "GET /logs/{production}/tile/**"])
        let documented = try Self.documented().operations
        #expect(try JSON.parse(OpenAPIDocument.text)["openapi"] == .string("3.1.0"))
        #expect(routes.count >= 29, "the API's router has only \(routes.count) routes")
        #expect(routes.subtracting(documented).isEmpty, "routes the document leaves out: \(routes.subtracting(documented).sorted())")
        #expect(documented.subtracting(routes).isEmpty, "documented operations no route answers: \(documented.subtracting(routes).sorted())")
    }

    /// The server's router adds only pages to the API's: the home page, the production
    /// picker, a production's pages and their stylesheet and script.
    @Test func everyOtherRouteOfTheServerIsAPage() throws {
        let h = try Harness()
        let api = Set(h.api.router().routes.map(Self.operation))
        for route in buildRouter(api: h.api).routes where !api.contains(Self.operation(route)) {
            let path = route.path.description
            #expect(path == "/" || path == "/go" || path.hasPrefix("/p/") || path.hasPrefix("/static/"),
                    "\(Self.operation(route)) is neither in the OpenAPI document nor a page")
        }
    }

    /// Only health, the document itself, signing in and anonymous concerns are open (their
    /// `security` is empty); every other operation needs a session. No operation answers a
    /// 5xx but 503: a store that does not answer says when to try again.
    @Test func onlyTheOpenOperationsNeedNoSessionAndNoneAnswersA5xxBut503() throws {
        for (path, item) in try Self.documented().paths {
            guard case let .object(methods) = item else { continue }
            for (method, operation) in methods {
                let open = path == "/health" || path == "/openapi.json" || path.hasSuffix("/sign-in") || path.hasSuffix("/concerns")
                #expect((operation["security"] == .array([])) == open, "\(method) \(path): security \(String(describing: operation["security"]))")
                guard case let .object(responses)? = operation["responses"] else {
                    Issue.record("\(method) \(path) lists no responses")
                    continue
                }
                for (code, _) in responses where code.hasPrefix("5") {
                    #expect(code == "503", "\(method) \(path) documents a \(code)")
                }
            }
        }
    }
}
