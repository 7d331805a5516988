import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends a set's log to the studio over HTTP (C2SP tlog-mirror): `POST
/// <studio>/mirror/add-checkpoint` and `POST <studio>/mirror/add-entries`, each with the
/// set's token as a bearer token.
public struct MirrorClient: Sendable {
    /// How long the studio has to answer one request.
    public static let timeout: TimeAmount = .seconds(60)
    /// The most of an answer read.
    public static let longestAnswer = 64 * 1024

    /// How long a connection to the studio or a witness may take to open: on a link that is
    /// down, a request fails within this, and the set tries again soon after.
    public static let connectTimeout: TimeAmount = .seconds(5)

    /// A client for the studio and the witnesses: connections that fail at once, no redirects
    /// (a request goes only where the operator pointed it).
    public static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: connectTimeout)
        // A refused connection fails the request at once: the set's workers try again themselves.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    let client: HTTPClient
    let studio: String
    let token: String

    public init(studio: String, token: String, client: HTTPClient = .shared) {
        self.studio = studio.hasSuffix("/") ? String(studio.dropLast()) : studio
        self.token = token
        self.client = client
    }

    /// Posts `body` to the studio's mirror `endpoint`; returns status, content type and body.
    public func post(_ endpoint: String, _ body: [UInt8]) async throws -> (status: Int, type: String, body: [UInt8]) {
        var request = HTTPClientRequest(url: studio + "/mirror/" + endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: endpoint == "add-entries" ? "application/octet-stream" : "text/plain; charset=utf-8")
        request.headers.add(name: "Authorization", value: "Bearer " + token)
        request.headers.add(name: "User-Agent", value: "Armory")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: Self.timeout)
        let answer = try await response.body.collect(upTo: Self.longestAnswer)
        return (Int(response.status.code), response.headers.first(name: "Content-Type") ?? "", Array(buffer: answer))
    }
}
