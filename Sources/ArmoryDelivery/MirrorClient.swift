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
