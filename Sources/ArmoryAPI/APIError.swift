import ArmoryCore
import ArmoryHub
import Hummingbird

/// An error answered as JSON: `{"error": message, "field": ..., "rules": [...]}`. Bad input
/// is always a 4xx naming what was wrong; nothing recorded is touched by it.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let message: String
    public let field: String?
    public let extra: [(key: String, value: JSON)]
    /// Seconds to wait before trying again (429 and 503), sent as `Retry-After`.
    public let retryAfter: Int?

    public init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil, extra: [(key: String, value: JSON)] = [],
                retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.field = field
        self.extra = extra
        self.retryAfter = retryAfter
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var members: [(key: String, value: JSON)] = [("error", .string(message))]
        if let field { members.append(("field", .string(field))) }
        members += extra
        var response = jsonResponse(.object(members), status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"armory\"" }
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    package static func badRequest(_ message: String, field: String? = nil) -> APIError { APIError(.badRequest, message, field: field) }
    static func unprocessable(_ message: String, field: String? = nil) -> APIError { APIError(.unprocessableContent, message, field: field) }
    package static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }
    package static func forbidden(_ message: String) -> APIError { APIError(.forbidden, message) }
    /// What a person is told when a step, transfer, PIN or checkpoint could not be recorded:
    /// one answer for every route that records.
    static func notRecorded(_ error: any Error, what: String = "nothing was recorded") -> APIError {
        switch error {
        case let e as APIError: return e
        case HubError.invalid(let e): return .unprocessable(e.message, field: e.field)
        case let HubError.notAllowed(message, field): return APIError(.forbidden, message, field: field)
        case HubError.keyReused(let message): return .unprocessable(message, field: "Idempotency-Key")
        // Retrying does not help these two: no Retry-After.
        case let HubError.readOnly(production, fault):
            return APIError(.serviceUnavailable, "\(HubError.readOnlyMessage(production, fault)); \(what)")
        case HubError.noSigningKey: return APIError(.serviceUnavailable, "this server has no signing key; \(what)")
        case HubError.mirrored: return APIError(.conflict, "\(error); \(what)")
        case HubError.store(let inner): return APIError(.serviceUnavailable, "the store does not answer (\(inner)); \(what)", retryAfter: 5)
        default: return APIError(.serviceUnavailable, "the store does not answer (\(error)); \(what)", retryAfter: 5)
        }
    }

    static let unauthenticated = APIError(.unauthorized, "sign in first: a session cookie or an Authorization: Bearer token")
}

/// A JSON response from ArmoryCore's JSON value (compact, stable key order).
func jsonResponse(_ value: JSON, status: HTTPResponse.Status = .ok) -> Response {
    jsonResponse(bytes: value.compactBytes, status: status)
}
