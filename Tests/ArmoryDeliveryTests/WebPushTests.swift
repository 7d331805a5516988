import Crypto
import Foundation
import Testing

@testable import ArmoryDelivery

func b64u(_ text: String) throws -> [UInt8] {
    try #require(Base64URL.decode(text), "not base64url: \(text)")
}

/// RFC 8291 appendix A: the worked example every implementation must reproduce.
enum RFC8291 {
    static let plaintext = "When I grow up, I want to be a watermelon"
    static let asPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
    static let asPublic = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
    static let uaPublic = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
    static let uaPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
    static let salt = "DGv6ra1nlYgDCS1FRnbzlw"
    static let auth = "BTBZMqHH6r4Tts7J_aSIgg"
    static let ecdhSecret = "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs"
    static let prkKey = "Snr3JMxaHVDXHWJn5wdC52WjpCtd2EIEGBykDcZW32k"
    static let ikm = "S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg"
    static let prk = "09_eUZGrsvxChDCGRCdkLiDXrReGOEVeSCdCcPBSJSc"
    static let cek = "oIhVW04MRdy2XN9CiKLxTg"
    static let nonce = "4h_95klXJ5E_qnoN"
    /// Section 5: the whole body (header, then the one record).
    static let body =
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
}

@Suite("WebPush encryption (RFC 8291)")
struct WebPushEncryptionTests {
    @Test("the RFC 8291 test vector, byte for byte")
    func rfcVector() throws {
        let ephemeral = try P256.KeyAgreement.PrivateKey(rawRepresentation: b64u(RFC8291.asPrivate))
        #expect(Array(ephemeral.publicKey.x963Representation) == (try b64u(RFC8291.asPublic)))
        let body = try WebPushEncryption.encrypt(
            Array(RFC8291.plaintext.utf8), p256dh: b64u(RFC8291.uaPublic), auth: b64u(RFC8291.auth),
            ephemeralKey: ephemeral, salt: b64u(RFC8291.salt))
        #expect(body == (try b64u(RFC8291.body)))
        #expect(Base64URL.encode(body) == RFC8291.body)
    }

    @Test("the intermediate keys of RFC 8291 appendix A")
    func rfcIntermediates() throws {
        let ephemeral = try P256.KeyAgreement.PrivateKey(rawRepresentation: b64u(RFC8291.asPrivate))
        let keys = try WebPushEncryption.deriveKeys(
            uaPublic: b64u(RFC8291.uaPublic), auth: b64u(RFC8291.auth), ephemeralKey: ephemeral, salt: b64u(RFC8291.salt))
        #expect(Base64URL.encode(keys.ecdhSecret) == RFC8291.ecdhSecret)
        #expect(Base64URL.encode(keys.prkKey) == RFC8291.prkKey)
        #expect(Base64URL.encode(keys.ikm) == RFC8291.ikm)
        #expect(Base64URL.encode(keys.prk) == RFC8291.prk)
        #expect(Base64URL.encode(keys.cek) == RFC8291.cek)
        #expect(Base64URL.encode(keys.nonce) == RFC8291.nonce)
    }

    @Test("the header: fresh salt, rs 4096, idlen 65, the one-time key; the largest alarm fills 4096 bytes")
    func headerAndSize() throws {
        let subscription = try PushSubscription(endpoint: "https://push.example.net/s/1", p256dh: RFC8291.uaPublic, auth: RFC8291.auth)
        let largest = [UInt8](repeating: 0x41, count: WebPushEncryption.maximumPayloadLength)
        #expect(WebPushEncryption.maximumPayloadLength == 3993)
        let a = try WebPushEncryption.encrypt(largest, for: subscription)
        let b = try WebPushEncryption.encrypt(largest, for: subscription)
        #expect(a.count == 4096)
        #expect(Array(a[16..<20]) == [0, 0, 0x10, 0])
        #expect(a[20] == 65)
        #expect(a[21] == 0x04)
        // A new salt and a new one-time key for every message.
        #expect(a[0..<16] != b[0..<16])
        #expect(a[21..<86] != b[21..<86])

        do throws(WebPushError) {
            _ = try WebPushEncryption.encrypt(largest + [0x41], for: subscription)
            Issue.record("a payload over 3993 bytes was encrypted")
        } catch {
            #expect(error.field == "payload")
            #expect(error.message.contains("3993"))
        }
    }

    @Test("a body we made opens with the browser's key (AES-GCM by the RFC's steps, in the test)")
    func roundTrip() throws {
        let browser = P256.KeyAgreement.PrivateKey()
        let auth = [UInt8](repeating: 7, count: 16)
        let subscription = try PushSubscription(
            endpoint: "https://push.example.net/s/2",
            p256dh: Base64URL.encode(browser.publicKey.x963Representation), auth: Base64URL.encode(auth))
        let alarm = Array(#"{"alarm":"live round found","firearm":"F-12"}"#.utf8)
        let body = try WebPushEncryption.encrypt(alarm, for: subscription)
        let salt = Array(body[0..<16])
        let senderKey = try P256.KeyAgreement.PublicKey(x963Representation: body[21..<86])
        let shared = try browser.sharedSecretFromKeyAgreement(with: senderKey).withUnsafeBytes { Array($0) }
        let prkKey = Array(HMAC<SHA256>.authenticationCode(for: shared, using: SymmetricKey(data: auth)))
        let info = Array("WebPush: info".utf8) + [0] + Array(browser.publicKey.x963Representation) + Array(body[21..<86]) + [1]
        let ikm = Array(HMAC<SHA256>.authenticationCode(for: info, using: SymmetricKey(data: prkKey)))
        let prk = Array(HMAC<SHA256>.authenticationCode(for: ikm, using: SymmetricKey(data: salt)))
        let cek = Array(HMAC<SHA256>.authenticationCode(for: Array("Content-Encoding: aes128gcm".utf8) + [0, 1], using: SymmetricKey(data: prk)).prefix(16))
        let nonce = Array(HMAC<SHA256>.authenticationCode(for: Array("Content-Encoding: nonce".utf8) + [0, 1], using: SymmetricKey(data: prk)).prefix(12))
        let record = Array(body[86...])
        let box = try AES.GCM.SealedBox(
            nonce: AES.GCM.Nonce(data: nonce), ciphertext: record.dropLast(16), tag: record.suffix(16))
        let opened = Array(try AES.GCM.open(box, using: SymmetricKey(data: cek)))
        #expect(opened == alarm + [0x02])
    }
}

@Suite("WebPush subscriptions")
struct PushSubscriptionTests {
    static let p256dh = RFC8291.uaPublic
    static let auth = RFC8291.auth

    static func document(
        endpoint: String = "\"https://fcm.googleapis.com/fcm/send/abc:APA91b\"",
        p256dh: String = "\"\(p256dh)\"", auth: String = "\"\(auth)\"", expiration: String = "null"
    ) -> String {
        #"{"endpoint":\#(endpoint),"expirationTime":\#(expiration),"keys":{"p256dh":\#(p256dh),"auth":\#(auth)}}"#
    }

    /// The field the error names, or nil when the document was accepted.
    static func refusal(_ json: String) -> WebPushError? {
        do throws(WebPushError) {
            _ = try PushSubscription(json: Array(json.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test("the shape PushSubscription.toJSON() gives is read")
    func accepted() throws {
        let subscription = try PushSubscription(json: Array(Self.document().utf8))
        #expect(subscription.endpoint == "https://fcm.googleapis.com/fcm/send/abc:APA91b")
        #expect(subscription.origin == "https://fcm.googleapis.com")
        #expect(subscription.p256dh == (try b64u(Self.p256dh)))
        #expect(subscription.auth.count == 16)
        #expect(subscription.expirationTime == nil)
        // Without expirationTime, with a number, with a port, with http on this machine.
        #expect(throws: Never.self) {
            try PushSubscription(json: Array(#"{"endpoint":"https://a.example/x","keys":{"p256dh":"\#(Self.p256dh)","auth":"\#(Self.auth)"}}"#.utf8))
        }
        let dated = try PushSubscription(json: Array(Self.document(expiration: "1767225600000").utf8))
        #expect(dated.expirationTime == 1_767_225_600_000)
        let ported = try PushSubscription(endpoint: "https://Push.Example.net:8443/a", p256dh: Self.p256dh, auth: Self.auth)
        #expect(ported.origin == "https://push.example.net:8443")
        let local = try PushSubscription(endpoint: "http://127.0.0.1:9000/push/x", p256dh: Self.p256dh, auth: Self.auth)
        #expect(local.origin == "http://127.0.0.1:9000")
        let defaultPort = try PushSubscription(endpoint: "https://push.example.net:443/a", p256dh: Self.p256dh, auth: Self.auth)
        #expect(defaultPort.origin == "https://push.example.net")
    }

    @Test(
        "a bad endpoint is refused, naming 'endpoint'",
        arguments: [
            "\"http://push.example.net/s/1\"",  // plain http off this machine
            "\"ftp://push.example.net/s/1\"",
            "\"https:///nohost\"",
            "\"/relative/path\"",
            "\"https://user:pw@push.example.net/s\"",
            "\"https://push.example.net/s#frag\"",
            "\"https://push.example.net/s p\"",
            "\"\"",
            "\"https://push.example.net/\(String(repeating: "a", count: 2048))\"",
            "42",
            "null",
        ])
    func badEndpoint(endpoint: String) throws {
        let error = try #require(Self.refusal(Self.document(endpoint: endpoint)))
        #expect(error.field == "endpoint", "\(error)")
        #expect(error.message.contains("'endpoint'"))
    }

    @Test(
        "a bad p256dh is refused, naming 'keys.p256dh'",
        arguments: [
            "\"not base64url!\"",
            "\"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcx\"",  // 33 bytes
            // 65 bytes, 0x04, but not on the curve.
            "\"BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"",
            // 65 bytes not starting 0x04.
            "\"A\(String(RFC8291.uaPublic.dropFirst()))\"",
            "\"\(RFC8291.uaPublic)==\"",  // too much padding
            "7",
        ])
    func badP256DH(p256dh: String) throws {
        let error = try #require(Self.refusal(Self.document(p256dh: p256dh)))
        #expect(error.field == "keys.p256dh", "\(error)")
        #expect(error.message.contains("keys.p256dh"))
    }

    @Test(
        "a bad auth is refused, naming 'keys.auth'",
        arguments: ["\"BTBZMqHH6r4Tts7J_aSI\"", "\"BTBZMqHH6r4Tts7J_aSIggAA\"", "\"BTBZMqHH6r4Tts7J+aSIgg\"", "\"\"", "[]"])
    func badAuth(auth: String) throws {
        let error = try #require(Self.refusal(Self.document(auth: auth)))
        #expect(error.field == "keys.auth", "\(error)")
        #expect(error.message.contains("keys.auth"))
    }

    @Test("missing members, a wrong expirationTime and non-JSON are refused with the field named")
    func badShapes() throws {
        #expect(Self.refusal(#"{"keys":{"p256dh":"\#(Self.p256dh)","auth":"\#(Self.auth)"}}"#)?.field == "endpoint")
        #expect(Self.refusal(#"{"endpoint":"https://a.example/x"}"#)?.field == "keys")
        #expect(Self.refusal(#"{"endpoint":"https://a.example/x","keys":"k"}"#)?.field == "keys")
        #expect(Self.refusal(#"{"endpoint":"https://a.example/x","keys":{"auth":"\#(Self.auth)"}}"#)?.field == "keys.p256dh")
        #expect(Self.refusal(#"{"endpoint":"https://a.example/x","keys":{"p256dh":"\#(Self.p256dh)"}}"#)?.field == "keys.auth")
        #expect(Self.refusal(Self.document(expiration: "\"tomorrow\""))?.field == "expirationTime")
        let notJSON = try #require(Self.refusal("{\"endpoint\":"))
        #expect(notJSON.message.contains("not JSON"))
        #expect(Self.refusal("[]")?.message.contains("must be an object") == true)
        let huge = Self.document(endpoint: "\"https://a.example/\(String(repeating: "x", count: 5000))\"")
        #expect(Self.refusal(huge)?.message.contains("at most 4096 bytes") == true)
    }
}

@Suite("WebPush VAPID (RFC 8292)")
struct VAPIDTests {
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("armory-vapid-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require((attributes[.posixPermissions] as? NSNumber)?.intValue)
    }

    @Test("the key file is made with mode 0600 and the same key is read back")
    func createdPrivate() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/vapid.pem"
        let made = try VAPIDKey.loadOrCreate(at: path)
        #expect(try Self.mode(path) == 0o600)
        let again = try VAPIDKey.loadOrCreate(at: path)
        #expect(again.publicKeyBase64URL == made.publicKeyBase64URL)
        #expect(made.publicKey.count == 65 && made.publicKey.first == 0x04)
        #expect(made.publicKeyBase64URL.count == 87)
        // Printed or dumped by mistake, it shows the public key only.
        let secret = Base64URL.encode(made.rawPrivateKey)
        var dumped = ""
        dump(made, to: &dumped)
        for shown in [String(describing: made), String(reflecting: made), "\(made)", dumped] {
            #expect(!shown.contains(secret) && !shown.contains("\(made.rawPrivateKey)"))
            #expect(shown.contains(made.publicKeyBase64URL))
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    @Test("a key openssl wrote (SEC 1, `openssl ecparam -name prime256v1 -genkey`) is read")
    func opensslKey() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/vapid.pem"
        // A throwaway key made for this test only.
        let pem = """
            -----BEGIN EC PRIVATE KEY-----
            MHcCAQEEIBWMpy0RQArWewILmfqCeEHuoqzrlAFi8HiSleFlKlXyoAoGCCqGSM49
            AwEHoUQDQgAE+DjE4+gy7Ze2etK22sWg94pYBX+0M9FKnDTLOx/PLNy/6NQ0tGs2
            f0ps822ADpRx9E4qdCpP8HDBe0nG+e0zuA==
            -----END EC PRIVATE KEY-----

            """
        #expect(FileManager.default.createFile(atPath: path, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600]))
        let key = try VAPIDKey.loadOrCreate(at: path)
        #expect(key.publicKeyBase64URL == "BPg4xOPoMu2XtnrSttrFoPeKWAV_tDPRSpw0yzsfzyzcv-jUNLRrNn9KbPNtgA6UcfROKnQqT_BwwXtJxvntM7g")
    }

    @Test("a key file the group or others can read (or write) is refused", arguments: [0o640, 0o604, 0o620, 0o644])
    func refusedWhenOpen(mode: Int) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/vapid.pem"
        _ = try VAPIDKey.loadOrCreate(at: path)
        #expect(chmod(path, mode_t(mode)) == 0)
        do throws(WebPushError) {
            _ = try VAPIDKey.loadOrCreate(at: path)
            Issue.record("a key file with mode \(String(mode, radix: 8)) was read")
        } catch {
            #expect(error.message.contains("chmod 600"), "\(error)")
            #expect(error.message.contains(String(mode, radix: 8)))
        }
    }

    @Test("a symbolic link, a directory and a file that is not a key are refused")
    func refusedWhenNotAKeyFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let real = directory + "/real.pem"
        _ = try VAPIDKey.loadOrCreate(at: real)
        try FileManager.default.createSymbolicLink(atPath: directory + "/link.pem", withDestinationPath: real)
        #expect(throws: WebPushError.self) { try VAPIDKey.loadOrCreate(at: directory + "/link.pem") }
        #expect(throws: WebPushError.self) { try VAPIDKey.loadOrCreate(at: directory) }
        let junk = directory + "/junk.pem"
        #expect(FileManager.default.createFile(atPath: junk, contents: Data("not a key\n".utf8), attributes: [.posixPermissions: 0o600]))
        do throws(WebPushError) {
            _ = try VAPIDKey.loadOrCreate(at: junk)
            Issue.record("a file that is not a key was read")
        } catch {
            #expect(error.message.contains("P-256 private key"))
        }
        #expect(throws: WebPushError.self) { try VAPIDKey.loadOrCreate(at: directory + "/no/such/dir/vapid.pem") }
    }

    @Test("the token: ES256 over header.claims, aud the origin, exp 12 h after the clock given, sub the contact")
    func token() throws {
        let key = VAPIDKey(privateKey: P256.Signing.PrivateKey())
        let contact = try VAPIDContact("mailto:safety@production.example")
        let now = Date(timeIntervalSince1970: 1_760_000_000.75)
        let header = key.authorization(audience: "https://push.example.net", contact: contact, now: now)
        let match = try #require(header.wholeMatch(of: /vapid t=([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)/))
        #expect(String(match.4) == key.publicKeyBase64URL)
        let jwtHeader = try JSONSerialization.jsonObject(with: Data(b64u(String(match.1)))) as? [String: String]
        #expect(jwtHeader == ["typ": "JWT", "alg": "ES256"])
        let claims = try #require(try JSONSerialization.jsonObject(with: Data(b64u(String(match.2)))) as? [String: Any])
        #expect(claims["aud"] as? String == "https://push.example.net")
        #expect((claims["exp"] as? NSNumber)?.intValue == 1_760_000_000 + 12 * 3600)
        #expect(claims["sub"] as? String == "mailto:safety@production.example")
        let publicKey = try P256.Signing.PublicKey(x963Representation: b64u(String(match.4)))
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: b64u(String(match.3)))
        #expect(publicKey.isValidSignature(signature, for: Array("\(match.1).\(match.2)".utf8)))
        #expect(!publicKey.isValidSignature(signature, for: Array("\(match.1).x\(match.2)".utf8)))
    }

    @Test("a contact must be mailto: or https:", arguments: ["safety@production.example", "http://production.example", "mailto:", "mailto:@x", "mailto:a b@x", ""])
    func badContact(contact: String) {
        do throws(WebPushError) {
            _ = try VAPIDContact(contact)
            Issue.record("contact \(contact) was accepted")
        } catch {
            #expect(error.field == "contact")
        }
        #expect(throws: Never.self) { try VAPIDContact("https://production.example/safety") }
    }
}

@Suite("WebPush answers")
struct PushOutcomeTests {
    static let now = Date(timeIntervalSince1970: 1_760_000_000)

    @Test("each push-service answer maps to what the caller does next")
    func statuses() {
        func outcome(_ status: Int, _ retryAfter: String? = nil) -> PushOutcome {
            WebPushSender.outcome(status: status, retryAfter: retryAfter, excerpt: "why", now: Self.now)
        }
        #expect(outcome(201) == .delivered(status: 201))
        #expect(outcome(202) == .delivered(status: 202))
        #expect(outcome(200) == .delivered(status: 200))
        #expect(outcome(404) == .gone(status: 404))
        #expect(outcome(410) == .gone(status: 410))
        #expect(outcome(429, "120") == .retryLater(status: 429, retryAfter: 120, reason: "the push service answered 429"))
        #expect(outcome(503) == .retryLater(status: 503, retryAfter: nil, reason: "the push service answered 503"))
        #expect(outcome(500, "soon") == .retryLater(status: 500, retryAfter: nil, reason: "the push service answered 500"))
        #expect(outcome(400) == .refused(status: 400, excerpt: "why"))
        #expect(outcome(401) == .refused(status: 401, excerpt: "why"))
        #expect(outcome(403) == .refused(status: 403, excerpt: "why"))
        #expect(outcome(413) == .refused(status: 413, excerpt: "why"))
        #expect(outcome(301) == .refused(status: 301, excerpt: "why"))
    }

    @Test("Retry-After as seconds or as an HTTP date, bounded")
    func retryAfter() {
        #expect(WebPushSender.parseRetryAfter("30", now: Self.now) == 30)
        #expect(WebPushSender.parseRetryAfter("99999999", now: Self.now) == WebPushSender.maximumRetryAfter)
        // 2025-10-09T08:53:20Z is `now`; 90 s later:
        #expect(WebPushSender.parseRetryAfter("Thu, 09 Oct 2025 08:54:50 GMT", now: Self.now) == 90)
        #expect(WebPushSender.parseRetryAfter("Wed, 01 Jan 2020 00:00:00 GMT", now: Self.now) == 0)
        #expect(WebPushSender.parseRetryAfter("-5", now: Self.now) == nil)
        #expect(WebPushSender.parseRetryAfter("later", now: Self.now) == nil)
    }
}
