import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends a log's checkpoints to a witness over HTTP (C2SP tlog-witness): `POST
/// <witness>/add-checkpoint`, whose answer the log reads (`WitnessReply`).
public struct WitnessClient: Sendable {
    /// How long a witness has to answer.
    public static let timeout: TimeAmount = .seconds(15)
    /// The most of an answer read.
    public static let longestAnswer = 64 * 1024

    let client: HTTPClient

    public init(client: HTTPClient = .shared) { self.client = client }

    /// Posts an `add-checkpoint` body to the witness at `url`; returns its status and body.
    public func addCheckpoint(_ body: [UInt8], url: String) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: url + "/add-checkpoint")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "Armory")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: Self.timeout)
        let answer = try await response.body.collect(upTo: Self.longestAnswer)
        return (Int(response.status.code), Array(buffer: answer))
    }
}
