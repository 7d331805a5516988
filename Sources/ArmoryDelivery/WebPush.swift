import ArmoryCore
import ArmoryLedger
import ArmoryStore
import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore

// Web Push: how an alarm (a live round found, a missing firearm, a concern) reaches the
// phones of the producers and the safety rep even when no Armory page is open. Their
// browser subscribed once and gave us a push service address and two keys; we encrypt
// the alarm for that browser alone (RFC 8291), sign a short token that says who sends it
// (RFC 8292, VAPID), and POST it to the push service (RFC 8030), which wakes the phone.
// The push service sees only ciphertext. docs/DELIVERY.md describes the wire format.

/// Why a subscription, an alarm's payload, the sender's contact or the VAPID key file
/// cannot be used. The message names the field (or the file) and what was wrong, so the
/// person who set up the phone or the server can fix it.
public struct WebPushError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    /// The field at fault (`endpoint`, `keys.p256dh`, `keys.auth`, `expirationTime`,
    /// `payload`, `contact`), or nil for the key file and the whole document.
    public let field: String?
    public init(_ message: String, field: String? = nil) {
        self.message = message
        self.field = field
    }
    public var description: String { message }
}

// MARK: - Subscription

/// Where one phone's browser receives alarms: the push service address and the keys the
/// browser made for us, as `PushSubscription.toJSON()` gives them to the page, which
/// sends them to the server when a producer or safety rep turns alarms on.
public struct PushSubscription: Sendable, Equatable {
    /// The most bytes of an endpoint URL (push services use about 200 to 700).
    public static let maximumEndpointLength = 2048
    /// The most bytes of the subscription document as the page sends it.
    public static let maximumDocumentLength = 4096
    /// An uncompressed P-256 point: 0x04, then x and y, 32 bytes each.
    public static let p256dhLength = 65
    /// The authentication secret's length (RFC 8291 section 3.2).
    public static let authLength = 16
    /// Hosts an `http:` endpoint may name: a push service on this machine, in tests.
    public static let plainHTTPHosts: Set<String> = ["127.0.0.1", "localhost"]

    /// The push service address, exactly as the browser gave it.
    public let endpoint: String
    /// The browser's P-256 public key for this subscription (65 bytes).
    public let p256dh: [UInt8]
    /// The browser's authentication secret (16 bytes).
    public let auth: [UInt8]
    /// When the push service will drop the subscription, in milliseconds since 1970, if it said.
    public let expirationTime: Double?
    /// The endpoint's origin (`https://host[:port]`), the audience of the VAPID token.
    public let origin: String

    /// Checks each field; a bad one throws an error naming it.
    public init(endpoint: String, p256dh: String, auth: String, expirationTime: Double? = nil) throws(WebPushError) {
        self.origin = try Self.checkEndpoint(endpoint)
        self.endpoint = endpoint
        self.p256dh = try Self.checkP256DH(p256dh)
        self.auth = try Self.checkAuth(auth)
        self.expirationTime = expirationTime
    }

    /// Reads `{"endpoint": ..., "expirationTime": null, "keys": {"p256dh": ..., "auth": ...}}`.
    /// Members a browser may add later are ignored: a phone must not lose its alarms
    /// because its browser grew a field.
    public init(json bytes: [UInt8]) throws(WebPushError) {
        guard bytes.count <= Self.maximumDocumentLength else {
            throw WebPushError("a push subscription is at most \(Self.maximumDocumentLength) bytes, not \(bytes.count)")
        }
        let document: JSON
        do { document = try JSON.parse(bytes) } catch {
            throw WebPushError("the push subscription is \(error.description)")
        }
        guard case .object = document else {
            throw WebPushError("a push subscription must be an object, not \(document.kindName)")
        }
        let endpoint = try Self.string(document["endpoint"], field: "endpoint")
        guard let keys = document["keys"] else { throw WebPushError("missing field 'keys'", field: "keys") }
        guard case .object = keys else {
            throw WebPushError("field 'keys' must be an object, not \(keys.kindName)", field: "keys")
        }
        let p256dh = try Self.string(keys["p256dh"], field: "keys.p256dh")
        let auth = try Self.string(keys["auth"], field: "keys.auth")
        var expiration: Double?
        switch document["expirationTime"] {
        case nil, .null?: expiration = nil
        case let .number(value, _)?: expiration = value
        case let other?:
            throw WebPushError("field 'expirationTime' must be null or a number, not \(other.kindName)", field: "expirationTime")
        }
        try self.init(endpoint: endpoint, p256dh: p256dh, auth: auth, expirationTime: expiration)
    }

    private static func string(_ value: JSON?, field: String) throws(WebPushError) -> String {
        guard let value else { throw WebPushError("missing field '\(field)'", field: field) }
        guard case let .string(text) = value else {
            throw WebPushError("field '\(field)' must be a string, not \(value.kindName)", field: field)
        }
        return text
    }

    /// The endpoint's origin, after checking it is an https URL of at most
    /// `maximumEndpointLength` bytes with no user name, password or fragment.
    static func checkEndpoint(_ text: String) throws(WebPushError) -> String {
        func bad(_ why: String) -> WebPushError { WebPushError("field 'endpoint' \(why)", field: "endpoint") }
        guard !text.isEmpty else { throw bad("must not be empty") }
        guard text.utf8.count <= maximumEndpointLength else {
            throw bad("is at most \(maximumEndpointLength) bytes, not \(text.utf8.count)")
        }
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw bad("must be a URL of printable ASCII without spaces")
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            throw bad("must be an absolute https URL")
        }
        guard let rawHost = url.host, !rawHost.isEmpty else { throw bad("must name a host") }
        let host = rawHost.lowercased()
        switch scheme {
        case "https": break
        case "http" where plainHTTPHosts.contains(host): break
        case "http": throw bad("must be an https URL (http only for 127.0.0.1 or localhost)")
        default: throw bad("must be an https URL, not \(scheme):")
        }
        guard url.user == nil, url.password == nil else { throw bad("must not carry a user name or password") }
        guard url.fragment == nil else { throw bad("must not have a fragment (#...)") }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let defaultPort = scheme == "https" ? 443 : 80
        if let port = url.port, port != defaultPort { return "\(scheme)://\(shownHost):\(port)" }
        return "\(scheme)://\(shownHost)"
    }

    static func checkP256DH(_ text: String) throws(WebPushError) -> [UInt8] {
        let field = "keys.p256dh"
        guard let bytes = Base64URL.decode(text) else {
            throw WebPushError("field '\(field)' must be base64url (A-Z a-z 0-9 - _)", field: field)
        }
        guard bytes.count == p256dhLength, bytes.first == 0x04 else {
            throw WebPushError(
                "field '\(field)' must be an uncompressed P-256 public key of \(p256dhLength) bytes starting 0x04, not \(bytes.count) bytes",
                field: field)
        }
        guard (try? P256.KeyAgreement.PublicKey(x963Representation: bytes)) != nil else {
            throw WebPushError("field '\(field)' is not a point on the P-256 curve", field: field)
        }
        return bytes
    }

    static func checkAuth(_ text: String) throws(WebPushError) -> [UInt8] {
        let field = "keys.auth"
        guard let bytes = Base64URL.decode(text) else {
            throw WebPushError("field '\(field)' must be base64url (A-Z a-z 0-9 - _)", field: field)
        }
        guard bytes.count == authLength else {
            throw WebPushError("field '\(field)' must be \(authLength) bytes, not \(bytes.count)", field: field)
        }
        return bytes
    }
}

// MARK: - Message encryption (RFC 8291 with the aes128gcm coding of RFC 8188)

/// Encrypts one alarm for one browser. Only that browser can read it: the push service
/// and anyone on the way see a salt, a one-time public key and ciphertext.
public enum WebPushEncryption {
    /// The record size written in the header: the whole message fits one record.
    public static let recordSize = 4096
    /// Salt (16) + record size (4) + key id length (1) + the sender's one-time key (65).
    public static let headerLength = 86
    /// The AES-GCM tag on the record.
    public static let tagLength = 16
    /// The most bytes of an alarm: header, payload, the 0x02 delimiter and the tag fill
    /// at most 4096 bytes, the least every push service must accept (RFC 8291 section 4).
    public static let maximumPayloadLength = 4096 - headerLength - 1 - tagLength
    /// The salt's length.
    public static let saltLength = 16

    /// The aes128gcm body for `payload`, with a fresh one-time key and salt.
    public static func encrypt(_ payload: [UInt8], for subscription: PushSubscription) throws(WebPushError) -> [UInt8] {
        try encrypt(payload, p256dh: subscription.p256dh, auth: subscription.auth,
                    ephemeralKey: P256.KeyAgreement.PrivateKey(), salt: randomSalt())
    }

    static func randomSalt() -> [UInt8] {
        SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }
    }

    /// The keys RFC 8291 section 3.4 derives, kept apart so that tests can compare each
    /// with the values of its appendix A.
    struct DerivedKeys {
        var ecdhSecret: [UInt8]
        var prkKey: [UInt8]
        var ikm: [UInt8]
        var prk: [UInt8]
        var cek: [UInt8]
        var nonce: [UInt8]
    }

    static func hmac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    static func deriveKeys(
        uaPublic: [UInt8], auth: [UInt8], ephemeralKey: P256.KeyAgreement.PrivateKey, salt: [UInt8]
    ) throws(WebPushError) -> DerivedKeys {
        let browserKey: P256.KeyAgreement.PublicKey
        do { browserKey = try P256.KeyAgreement.PublicKey(x963Representation: uaPublic) } catch {
            throw WebPushError("field 'keys.p256dh' is not a point on the P-256 curve", field: "keys.p256dh")
        }
        let shared: SharedSecret
        do { shared = try ephemeralKey.sharedSecretFromKeyAgreement(with: browserKey) } catch {
            throw WebPushError("field 'keys.p256dh' gives no shared secret", field: "keys.p256dh")
        }
        let ecdhSecret = shared.withUnsafeBytes { Array($0) }
        let asPublic = Array(ephemeralKey.publicKey.x963Representation)
        // HKDF-Extract(auth, ecdh) then HKDF-Expand with "WebPush: info" || 0 || ua || as.
        let prkKey = hmac(key: auth, ecdhSecret)
        let keyInfo = Array("WebPush: info".utf8) + [0] + uaPublic + asPublic
        let ikm = hmac(key: prkKey, keyInfo + [1])
        // RFC 8188 section 2.2: the content key and nonce from the salt and IKM.
        let prk = hmac(key: salt, ikm)
        let cek = Array(hmac(key: prk, Array("Content-Encoding: aes128gcm".utf8) + [0, 1]).prefix(16))
        let nonce = Array(hmac(key: prk, Array("Content-Encoding: nonce".utf8) + [0, 1]).prefix(12))
        return DerivedKeys(ecdhSecret: ecdhSecret, prkKey: prkKey, ikm: ikm, prk: prk, cek: cek, nonce: nonce)
    }

    /// The body: header (salt, record size 4096, key id length 65, the one-time public
    /// key), then one record: AES-128-GCM of payload || 0x02 with its tag.
    static func encrypt(
        _ payload: [UInt8], p256dh: [UInt8], auth: [UInt8],
        ephemeralKey: P256.KeyAgreement.PrivateKey, salt: [UInt8]
    ) throws(WebPushError) -> [UInt8] {
        guard payload.count <= maximumPayloadLength else {
            throw WebPushError(
                "an alarm's payload is at most \(maximumPayloadLength) bytes, not \(payload.count)", field: "payload")
        }
        guard salt.count == saltLength else {
            throw WebPushError("the salt must be \(saltLength) bytes, not \(salt.count)")
        }
        guard auth.count == PushSubscription.authLength else {
            throw WebPushError("field 'keys.auth' must be \(PushSubscription.authLength) bytes, not \(auth.count)", field: "keys.auth")
        }
        let keys = try deriveKeys(uaPublic: p256dh, auth: auth, ephemeralKey: ephemeralKey, salt: salt)
        let sealed: AES.GCM.SealedBox
        do {
            // One record, sequence number 0: the nonce is used as derived.
            sealed = try AES.GCM.seal(
                payload + [0x02], using: SymmetricKey(data: keys.cek), nonce: AES.GCM.Nonce(data: keys.nonce))
        } catch {
            throw WebPushError("the alarm could not be encrypted: \(error)")
        }
        let asPublic = Array(ephemeralKey.publicKey.x963Representation)
        var body: [UInt8] = []
        body.reserveCapacity(headerLength + payload.count + 1 + tagLength)
        body += salt
        body += withUnsafeBytes(of: UInt32(recordSize).bigEndian) { Array($0) }
        body.append(UInt8(asPublic.count))
        body += asPublic
        body += sealed.ciphertext
        body += sealed.tag
        return body
    }
}

// MARK: - VAPID (RFC 8292)

/// Whom a push service can reach about our pushes: `mailto:` an address, or an `https:`
/// page. It goes in every token (`sub`), so a push service that sees trouble can write to
/// the production's technical contact instead of silently blocking alarms.
public struct VAPIDContact: Sendable, Equatable, CustomStringConvertible {
    /// The most characters of a contact.
    public static let maximumLength = 256
    public let value: String
    public var description: String { value }

    public init(_ value: String) throws(WebPushError) {
        func bad(_ why: String) -> WebPushError { WebPushError("contact \(why)", field: "contact") }
        guard value.utf8.count <= Self.maximumLength else {
            throw bad("is at most \(Self.maximumLength) bytes, not \(value.utf8.count)")
        }
        guard value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw bad("must be printable ASCII without spaces")
        }
        if value.hasPrefix("mailto:") {
            let address = value.dropFirst("mailto:".count)
            guard let at = address.firstIndex(of: "@"), at != address.startIndex, address.index(after: at) != address.endIndex
            else { throw bad("must be mailto:name@host or an https: URL, not \(value)") }
        } else if value.hasPrefix("https://") {
            guard let url = URL(string: value), let host = url.host, !host.isEmpty else {
                throw bad("must be mailto:name@host or an https: URL, not \(value)")
            }
        } else {
            throw bad("must be mailto:name@host or an https: URL, not \(value)")
        }
        self.value = value
    }
}

/// The server's VAPID identity: one P-256 signing key, made once and kept in a file only
/// its owner can read, like an SSH key. Its public key is the `applicationServerKey` the
/// alarm page gives `pushManager.subscribe`; the browser then accepts pushes signed by it
/// only, so the key must outlive restarts or every phone has to subscribe again.
public struct VAPIDKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The most bytes of a key file (a PEM key is about 240).
    public static let maximumFileLength = 4096
    /// How long a token is good for: RFC 8292 allows at most 24 hours.
    public static let tokenLifetime: TimeInterval = 12 * 60 * 60

    /// The private scalar (32 bytes), kept as bytes so the key can cross tasks.
    let rawPrivateKey: [UInt8]
    /// The uncompressed public key (65 bytes).
    public let publicKey: [UInt8]

    public init(privateKey: P256.Signing.PrivateKey) {
        self.rawPrivateKey = Array(privateKey.rawRepresentation)
        self.publicKey = Array(privateKey.publicKey.x963Representation)
    }

    /// The public key as base64url: the page's `applicationServerKey` and the `k=` of
    /// every request.
    public var publicKeyBase64URL: String { Base64URL.encode(publicKey) }

    /// Reads the key at `path`, or makes one there (mode 0600) when there is no file.
    /// A file the group or others can read or write is refused, as ssh refuses one.
    public static func loadOrCreate(at path: String) throws(WebPushError) -> VAPIDKey {
        var st = stat()
        if lstat(path, &st) != 0 {
            let why = errno
            guard why == ENOENT else { throw WebPushError("cannot read the VAPID key file \(path): \(String(cString: strerror(why)))") }
            if let made = try create(at: path) { return made }
            // Someone else made it between the two calls: read theirs.
        }
        return try load(at: path)
    }

    /// Writes a new key to `path` (a `SecretFile`: created new, mode 0600, never through a
    /// link); nil when a file appeared there meanwhile.
    static func create(at path: String) throws(WebPushError) -> VAPIDKey? {
        let key = P256.Signing.PrivateKey()
        do {
            try SecretFile.create(path).write(Array((key.pemRepresentation + "\n").utf8))
        } catch .exists {
            return nil
        } catch {
            throw WebPushError("the VAPID key file: \(error)")
        }
        return VAPIDKey(privateKey: key)
    }

    static func load(at path: String) throws(WebPushError) -> VAPIDKey {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let why = errno
            let link = why == ELOOP ? " (it is a symbolic link; give the file itself)" : ""
            throw WebPushError("cannot read the VAPID key file \(path): \(String(cString: strerror(why)))\(link)")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            throw WebPushError("the VAPID key file \(path) is not a regular file")
        }
        let mode = Int(st.st_mode & 0o777)
        guard mode & 0o077 == 0 else {
            throw WebPushError(
                "the VAPID key file \(path) is open to group or others (mode \(String(mode, radix: 8))); chmod 600 it")
        }
        guard st.st_size <= maximumFileLength else {
            throw WebPushError("the VAPID key file \(path) is at most \(maximumFileLength) bytes, not \(st.st_size)")
        }
        var bytes = [UInt8](repeating: 0, count: maximumFileLength + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { read(fd, $0 + count, buffer.count - count) } ?? -1
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw WebPushError("cannot read the VAPID key file \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            count += n
        }
        guard count <= maximumFileLength else {
            throw WebPushError("the VAPID key file \(path) is at most \(maximumFileLength) bytes")
        }
        let text = String(decoding: bytes.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let key = try? P256.Signing.PrivateKey(pemRepresentation: text) else {
            throw WebPushError("the VAPID key file \(path) does not hold a P-256 private key in PEM")
        }
        return VAPIDKey(privateKey: key)
    }

    /// A VAPID token (a JWT signed with ES256) for a push service at `audience` (an
    /// origin), good until `now` + `tokenLifetime`.
    public func token(audience: String, contact: VAPIDContact, now: Date) -> String {
        let header: JSON = .object([("typ", .string("JWT")), ("alg", .string("ES256"))])
        let expiry = Int(now.timeIntervalSince1970.rounded(.down)) + Int(Self.tokenLifetime)
        let claims: JSON = .object([
            ("aud", .string(audience)), ("exp", .int(expiry)), ("sub", .string(contact.value)),
        ])
        let signingInput = Base64URL.encode(header.compactBytes) + "." + Base64URL.encode(claims.compactBytes)
        // ES256 (RFC 7518 section 3.4): SHA-256 then ECDSA; the signature is r || s, 64 bytes.
        // The bytes came from a valid key and signing with one does not fail; were it to,
        // the empty signature is refused by the push service, which the caller sees as
        // `.refused` and logs.
        var signature: [UInt8] = []
        if let key = try? P256.Signing.PrivateKey(rawRepresentation: rawPrivateKey),
            let signed = try? key.signature(for: Array(signingInput.utf8))
        {
            signature = Array(signed.rawRepresentation)
        }
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// Only the public key: a key printed or logged by mistake shows nothing secret.
    public var description: String { "VAPIDKey(\(publicKeyBase64URL))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["publicKey": publicKeyBase64URL]) }

    /// The `Authorization` header value: `vapid t=<token>, k=<public key>` (RFC 8292 section 3).
    public func authorization(audience: String, contact: VAPIDContact, now: Date) -> String {
        "vapid t=\(token(audience: audience, contact: contact, now: now)), k=\(publicKeyBase64URL)"
    }
}

// MARK: - Sending

/// What became of one alarm sent to one phone, and what the caller does next.
public enum PushOutcome: Sendable, Equatable {
    /// The push service took it (200, 201 or 202); it will wake the phone.
    case delivered(status: Int)
    /// The subscription no longer exists (404 or 410): drop it; that person must turn
    /// alarms on again on that phone.
    case gone(status: Int)
    /// Try again later (408, 429, 5xx, or no answer in time): `status` is nil when no
    /// answer came; `retryAfter` is the push service's Retry-After in seconds, if given.
    case retryLater(status: Int?, retryAfter: Int?, reason: String)
    /// The push service refused this request (another status): retrying the same request
    /// will not help; `excerpt` is the start of its answer, for the server's log.
    case refused(status: Int, excerpt: String)
}

/// Sends alarms to the push services of subscribed phones.
public struct WebPushSender: Sendable {
    /// How long one push may take, connection to answer.
    public static let requestTimeout: TimeAmount = .seconds(15)
    /// How long to connect to a push service.
    public static let connectTimeout: TimeAmount = .seconds(5)
    /// How long a push service keeps an alarm for a phone that is off or out of reach
    /// (RFC 8030 TTL): one day, so a phone switched on the next morning still shows it.
    public static let timeToLive = 86_400
    /// The most bytes of a push service's answer kept for `.refused`.
    public static let maximumExcerptLength = 200
    /// The longest Retry-After honoured, in seconds; a longer one is cut to this.
    public static let maximumRetryAfter = 86_400

    let client: HTTPClient
    let key: VAPIDKey
    let contact: VAPIDContact
    let logger: Logger

    /// `client` should not follow redirects (see `makeHTTPClient`): an alarm goes only
    /// to the push service the browser named.
    public init(client: HTTPClient, key: VAPIDKey, contact: VAPIDContact, logger: Logger) {
        self.client = client
        self.key = key
        self.contact = contact
        self.logger = logger
    }

    /// An HTTP client for pushes: no redirects followed, `connectTimeout` to connect.
    /// The caller shuts it down (`try await client.shutdown()`).
    public static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: connectTimeout)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Encrypts `payload` for the subscription's browser and POSTs it to its push
    /// service. Throws only for a payload over `WebPushEncryption.maximumPayloadLength`;
    /// every answer (or its absence) is an outcome. `now` dates the VAPID token.
    public func send(_ payload: [UInt8], to subscription: PushSubscription, now: Date) async throws(WebPushError) -> PushOutcome {
        let body = try WebPushEncryption.encrypt(payload, for: subscription)
        var request = HTTPClientRequest(url: subscription.endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Encoding", value: "aes128gcm")
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.headers.add(name: "TTL", value: String(Self.timeToLive))
        request.headers.add(name: "Urgency", value: "high")
        request.headers.add(
            name: "Authorization", value: key.authorization(audience: subscription.origin, contact: contact, now: now))
        request.body = .bytes(body)

        // The endpoint is a capability (whoever has it can push to that phone): the log
        // names only its origin.
        var logger = self.logger
        logger[metadataKey: "push_service"] = "\(subscription.origin)"
        let deadline = NIODeadline.now() + Self.requestTimeout
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: deadline, logger: logger)
        } catch {
            logger.warning("alarm push got no answer; will retry", metadata: ["error": "\(error)"])
            return .retryLater(status: nil, retryAfter: nil, reason: Self.describe(error))
        }
        let status = Int(response.status.code)
        let excerpt = await Self.excerpt(of: response)
        let outcome = Self.outcome(
            status: status, retryAfter: response.headers.first(name: "Retry-After"), excerpt: excerpt, now: now)
        switch outcome {
        case .delivered: logger.debug("alarm pushed", metadata: ["status": "\(status)"])
        case .gone: logger.info("push subscription gone; drop it", metadata: ["status": "\(status)"])
        case .retryLater: logger.warning("push service busy; will retry", metadata: ["status": "\(status)"])
        case .refused: logger.error("push service refused the alarm", metadata: ["status": "\(status)", "answer": "\(excerpt)"])
        }
        return outcome
    }

    /// What a push service's answer means (RFC 8030 section 5 and 8.4, RFC 8292 section 4).
    static func outcome(status: Int, retryAfter: String?, excerpt: String, now: Date) -> PushOutcome {
        switch status {
        case 200, 201, 202: return .delivered(status: status)
        case 404, 410: return .gone(status: status)
        case 408, 429, 500...599:
            return .retryLater(status: status, retryAfter: retryAfter.flatMap { parseRetryAfter($0, now: now) },
                               reason: "the push service answered \(status)")
        default: return .refused(status: status, excerpt: excerpt)
        }
    }

    /// Retry-After as seconds from `now`: delta-seconds or an HTTP date (RFC 9110
    /// section 10.2.3); nil when it is neither.
    static func parseRetryAfter(_ value: String, now: Date) -> Int? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.utf8.count <= 10, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let seconds = Int(text) {
            return min(seconds, maximumRetryAfter)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard text.utf8.count <= 40, let date = formatter.date(from: text) else { return nil }
        return min(max(0, Int(date.timeIntervalSince(now).rounded(.up))), maximumRetryAfter)
    }

    /// The first `maximumExcerptLength` bytes of the answer as one line of text.
    static func excerpt(of response: HTTPClientResponse) async -> String {
        var kept: [UInt8] = []
        do {
            for try await chunk in response.body {
                kept += chunk.readableBytesView.prefix(maximumExcerptLength - kept.count)
                if kept.count >= maximumExcerptLength { break }
            }
        } catch {
            // What came before the break is enough for a log line.
        }
        let text = String(decoding: kept, as: UTF8.self)
        return String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError, error == .deadlineExceeded {
            return "no answer within \(requestTimeout.nanoseconds / 1_000_000_000) s"
        }
        return "no answer: \(error)"
    }
}

// MARK: - base64url

/// Base64 with the URL alphabet (RFC 4648 section 5), written without padding as
/// browsers and RFC 8292 write it; padding is accepted when reading.
enum Base64URL {
    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    static func decode(_ text: String) -> [UInt8]? {
        var body = Substring(text)
        var padding = 0
        while body.hasSuffix("=") {
            body.removeLast()
            padding += 1
        }
        guard padding == 0 || (padding <= 2 && text.utf8.count % 4 == 0) else { return nil }
        guard body.utf8.count % 4 != 1 else { return nil }
        let alphabet: (UInt8) -> Bool = {
            ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39)
                || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
        }
        guard body.utf8.allSatisfy(alphabet) else { return nil }
        var standard = body.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: standard) else { return nil }
        return Array(data)
    }
}

// MARK: - Alarms to phones

/// Sends an alarm delivery to a phone: its stored subscription, the alarm as a small JSON
/// notification (title, body, the entry's address, the delivery key) that the page's
/// service worker shows and keeps on screen until it is tapped.
public struct PushAlarmSender: AlarmSender {
    let sender: WebPushSender
    let clock: @Sendable () -> Date

    public init(sender: WebPushSender, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.sender = sender
        self.clock = clock
    }

    /// The notification a phone shows: at most `WebPushEncryption.maximumPayloadLength` bytes.
    public static func payload(_ d: Delivery, _ alarm: AlarmMessage) -> [UInt8] {
        var body = alarm.message
        func json() -> [UInt8] {
            JSON.object([("title", .string(alarm.title)), ("body", .string(body)), ("url", .string(alarm.url)),
                         ("key", .string(d.key)), ("critical", .bool(alarm.critical))]).compactBytes
        }
        var bytes = json()
        // A long concern is cut so the notification fits one record; the entry holds it whole.
        while bytes.count > WebPushEncryption.maximumPayloadLength, !body.isEmpty {
            body = String(body.prefix(max(0, body.count - max(16, (bytes.count - WebPushEncryption.maximumPayloadLength) / 2)))) + "…"
            if body == "…" { body = "" }
            bytes = json()
        }
        return bytes
    }

    public func send(_ d: Delivery, _ alarm: AlarmMessage) async -> SendOutcome {
        let subscription: PushSubscription
        do { subscription = try PushSubscription(json: Array(d.address.utf8)) } catch { return .gone("the stored subscription is unreadable: \(error)") }
        do {
            switch try await sender.send(Self.payload(d, alarm), to: subscription, now: clock()) {
            case .delivered: return .delivered
            case let .gone(status): return .gone("the push service no longer knows this phone (HTTP \(status))")
            case let .retryLater(status, after, reason): return .retry(status.map { "HTTP \($0): \(reason)" } ?? reason, after: after)
            case let .refused(status, excerpt): return .failed("HTTP \(status): \(excerpt)")
            }
        } catch {
            return .failed("\(error)")
        }
    }
}
