import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Crypto
import Foundation
import Synchronization
import _CryptoExtras

/// Password hashing with scrypt (memory-hard): `scrypt$N$r$p$salt$hash`, salt and hash in
/// base64. Only the hash is stored; a password is never logged or kept.
public struct PasswordHasher: Sendable {
    /// log2 of scrypt's N. 15 (32 MiB at r = 8) for production; tests use less to stay quick.
    public let costLog2: Int

    public init(costLog2: Int = 15) { self.costLog2 = costLog2 }

    public func hash(_ password: String) throws -> String {
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255) }
        let key = try derive(password, salt: salt, n: 1 << costLog2, r: 8, p: 1)
        return "scrypt$\(1 << costLog2)$8$1$\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())"
    }

    /// Whether `password` matches `stored`, compared in constant time.
    public func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
              let salt = Data(base64Encoded: parts[4]), let expected = Data(base64Encoded: parts[5]),
              n > 1, n <= 1 << 20, r > 0, r <= 32, p > 0, p <= 16,
              let key = try? derive(password, salt: [UInt8](salt), n: n, r: r, p: p)
        else { return false }
        return constantTimeEqual(key, [UInt8](expected))
    }

    func derive(_ password: String, salt: [UInt8], n: Int, r: Int, p: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: n, blockSize: r, parallelism: p)
        return key.withUnsafeBytes { Array($0) }
    }
}

extension PasswordHasher {
    /// `verify` on a thread of its own: scrypt takes tens of milliseconds and 32 MiB by
    /// design, and must never hold a thread of the cooperative pool that answers requests.
    public func verifyOffPool(_ password: String, against stored: String) async -> Bool {
        await offPool { self.verify(password, against: stored) }
    }

    /// `hash` on a thread of its own, as `verifyOffPool`.
    public func hashOffPool(_ password: String) async throws -> String {
        try await offPool { () throws -> String in try self.hash(password) }
    }
}

func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in a.indices { diff |= a[i] ^ b[i] }
    return diff == 0
}

/// A signed-in person of one production.
public struct Session: Sendable, Equatable {
    public let production: String
    public let person: String
    /// The person's roles in force now (ROLE-3): refreshed from the crew list on every request.
    public internal(set) var roles: Set<Role>
    public let expires: Date
    /// How its person signed in; every entry the session makes records it (a PIN session is marked as one).
    public var via: LogEntry.Via = .password
    /// The session's public name, recorded in every entry it sends (the device it came
    /// from): derived from the token's digest one way, so it opens nothing.
    public var name: String = ""
}

/// Sessions, one-time PINs and sign-in throttling. Tokens are 256 random bits; only their
/// SHA-256 is kept, here and in the store, so neither a memory dump nor the database hands
/// out sessions. Sessions are kept in the store too (by the API, which signs people in and
/// out), so a restarted server signs no one out and a screen following live alarms
/// reconnects on its own; a restarted server's sessions are `restore`d, and each takes its
/// roles from the production's log when it is next used. PINs and throttling live here
/// only. Every request looks its session up here, so it is a lock held for a dictionary
/// lookup, not an actor to hop to.
public final class SessionBook: Sendable {
    struct Book {
        var sessions: [String: Session] = [:]
        /// Sessions kept from before a restart, not yet used since.
        var restored: [String: StoredSession] = [:]
        var pins: [String: (hash: [UInt8], expires: Date)] = [:]
        /// Sign-in attempts not (yet) successful, per person and credential and per address.
        var failures: [String: [Date]] = [:]
        /// Live streams open, per session digest, oldest first, each with what ends it.
        var streams: [String: [(id: UInt64, stop: @Sendable () -> Void)]] = [:]
        var nextStream: UInt64 = 0
    }

    /// Failed sign-ins allowed per person and credential in `attemptWindow`; a fresh PIN starts its count again.
    public static let attemptsPerPerson = 5
    /// Failed sign-ins allowed from one address in `attemptWindow`, whoever they name.
    public static let attemptsPerAddress = 20
    public static let attemptWindow: TimeInterval = 15 * 60
    /// Live streams one session may hold open at once (a dashboard, a tablet, a spare).
    public static let streamsPerSession = 4
    let book = Mutex(Book())
    public let lifetime: TimeInterval

    public init(lifetime: TimeInterval = 14 * 3600) { self.lifetime = lifetime }

    /// PINs and failed sign-ins are kept per person of a production.
    static func key(_ production: String, _ person: String) -> String { production + "\u{0}" + person }

    static func digest(_ token: String) -> String { hex(SHA256.hash(data: Array(token.utf8))) }

    /// A session's public name: 16 hex digits of the SHA-256 of its digest.
    static func name(digest: String) -> String { String(hex(SHA256.hash(data: Array(("armory-session\n" + digest).utf8))).prefix(16)) }

    /// Lower-case hex, without Foundation's formatter (it cost a tenth of a command's time).
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Opens a session and returns its token, and the session as the store keeps it.
    public func open(production: String, person: Person, now: Date, via: LogEntry.Via = .password) -> (token: String, session: Session, stored: StoredSession) {
        var generator = SystemRandomNumberGenerator()
        let token = Self.hex((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let key = Self.digest(token)
        let s = Session(production: production, person: person.id, roles: person.roles, expires: now.addingTimeInterval(lifetime), via: via,
                        name: Self.name(digest: key))
        book.withLock { $0.sessions[key] = s }
        return (token, s, StoredSession(digest: key, production: production, person: person.id,
                                        expires: Int64(s.expires.timeIntervalSince1970), via: via.rawValue))
    }

    /// Ends, here, every session whose digest is given (the store forgot them first) and
    /// every other session of the person, but the one `keeping` (its digest).
    public func close(digests: [String], production: String, person: String, keeping: String? = nil) {
        book.withLock { b in
            for d in digests where d != keeping {
                b.sessions[d] = nil
                b.restored[d] = nil
            }
            for (d, s) in b.sessions where s.production == production && s.person == person && d != keeping { b.sessions[d] = nil }
            for (d, s) in b.restored where s.production == production && s.person == person && d != keeping { b.restored[d] = nil }
        }
    }

    /// Opens a live stream for a session. At `streamsPerSession` already, the session's
    /// oldest stream is ended (`stop`) to make room: a screen that moved on to another page
    /// is not noticed gone until a write to it fails, and a tablet going from page to page
    /// must never be turned away from its alarms for that. `closeStream` gives the place back.
    public func openStream(_ token: String, stop: @escaping @Sendable () -> Void) -> UInt64 {
        let key = Self.digest(token)
        let (id, evicted): (UInt64, (@Sendable () -> Void)?) = book.withLock { b in
            b.nextStream += 1
            var open = b.streams[key] ?? []
            let oldest = open.count >= Self.streamsPerSession ? open.removeFirst().stop : nil
            open.append((b.nextStream, stop))
            b.streams[key] = open
            return (b.nextStream, oldest)
        }
        evicted?()
        return id
    }

    public func closeStream(_ token: String, id: UInt64) {
        let key = Self.digest(token)
        book.withLock { b in
            b.streams[key]?.removeAll { $0.id == id }
            if b.streams[key]?.isEmpty == true { b.streams[key] = nil }
        }
    }

    /// Live streams a session holds open now.
    public func openStreams(_ token: String) -> Int { book.withLock { $0.streams[Self.digest(token)]?.count ?? 0 } }

    /// Takes back the sessions a store kept from before a restart (those still valid).
    public func restore(_ kept: [StoredSession], now: Date) {
        book.withLock { b in
            for s in kept where Double(s.expires) > now.timeIntervalSince1970 && b.sessions[s.digest] == nil { b.restored[s.digest] = s }
        }
    }

    /// A session kept from before a restart that `token` opens, to be used again (`adopt`)
    /// once its person's roles are read.
    func restored(_ token: String, now: Date) -> StoredSession? {
        let key = Self.digest(token)
        return book.withLock { b in
            guard let s = b.restored[key] else { return nil }
            guard Double(s.expires) > now.timeIntervalSince1970 else {
                b.restored[key] = nil
                return nil
            }
            return s
        }
    }

    /// A restored session, in use again with its person's roles: the same one for requests
    /// that came together (a page, its live stream and its refresh), and none if it was
    /// signed out meanwhile.
    func adopt(_ kept: StoredSession, person: Person) -> Session? {
        book.withLock { b in
            if let s = b.sessions[kept.digest] { return s }
            guard b.restored.removeValue(forKey: kept.digest) != nil else { return nil }
            let s = Session(production: kept.production, person: person.id, roles: person.rolesInForce,
                            expires: Date(timeIntervalSince1970: TimeInterval(kept.expires)),
                            via: LogEntry.Via(rawValue: kept.via) ?? .password, name: Self.name(digest: kept.digest))
            b.sessions[kept.digest] = s
            return s
        }
    }

    public func session(for token: String, now: Date) -> Session? {
        let key = Self.digest(token)
        return book.withLock { b in
            guard let s = b.sessions[key] else { return nil }
            guard s.expires > now else {
                b.sessions[key] = nil
                return nil
            }
            return s
        }
    }

    /// Ends a session (the store forgets it first: `ArmoryAPI.endSession`).
    public func close(_ token: String) {
        let key = Self.digest(token)
        book.withLock { b in
            b.sessions[key] = nil
            b.restored[key] = nil
        }
    }

    /// Issues a six-digit PIN for one sign-in within 15 minutes; a new PIN replaces the old,
    /// and the person's failed PIN attempts start again from none.
    public func issuePIN(production: String, person: String, now: Date) -> String {
        let pin = String(format: "%06d", Int.random(in: 0..<1_000_000))
        let issued = ([UInt8](SHA256.hash(data: Array(pin.utf8))), now.addingTimeInterval(15 * 60))
        book.withLock {
            $0.pins[Self.key(production, person)] = issued
            $0.failures[Self.attemptKey(production, person, .pin)] = nil
        }
        return pin
    }

    /// Uses up a PIN if it is the one issued and still valid.
    public func redeemPIN(production: String, person: String, pin: String, now: Date) -> Bool {
        let key = Self.key(production, person)
        let given = [UInt8](SHA256.hash(data: Array(pin.utf8)))
        return book.withLock { b in
            guard let issued = b.pins[key], issued.expires > now else { return false }
            guard constantTimeEqual(issued.hash, given) else { return false }
            b.pins[key] = nil
            return true
        }
    }

    static func attemptKey(_ production: String, _ person: String, _ via: LogEntry.Via) -> String {
        key(production, person) + "\u{0}" + via.rawValue
    }

    static func addressKey(_ address: String) -> String { "address\u{0}" + address }

    /// What a sign-in attempt must wait for, if anything.
    public enum Refusal: Equatable, Sendable {
        case person, address
    }

    /// Reserves one sign-in attempt before anything is verified: it counts as a failure
    /// until `attemptSucceeded` takes it back, so attempts arriving together are each
    /// counted and no more than the allowance are ever evaluated. Password and PIN
    /// attempts are counted apart: guessing passwords never blocks a fresh PIN.
    public func reserveAttempt(production: String, person: String, via: LogEntry.Via, address: String, now: Date) -> (Date?, Refusal?) {
        let personKey = Self.attemptKey(production, person, via), addressKey = Self.addressKey(address)
        return book.withLock { b in
            func recent(_ key: String) -> [Date] {
                let kept = (b.failures[key] ?? []).filter { now.timeIntervalSince($0) < Self.attemptWindow && $0 <= now.addingTimeInterval(1) }
                b.failures[key] = kept.isEmpty ? nil : kept
                return kept
            }
            if recent(addressKey).count >= Self.attemptsPerAddress { return (nil, .address) }
            if recent(personKey).count >= Self.attemptsPerPerson { return (nil, .person) }
            b.failures[personKey, default: []].append(now)
            b.failures[addressKey, default: []].append(now)
            return (now, nil)
        }
    }

    /// A reserved attempt succeeded: the person's failures are forgotten and the address's
    /// count gives this attempt back.
    public func attemptSucceeded(production: String, person: String, via: LogEntry.Via, address: String, reserved: Date) {
        book.withLock { b in
            b.failures[Self.attemptKey(production, person, via)] = nil
            let key = Self.addressKey(address)
            if var list = b.failures[key], let i = list.lastIndex(of: reserved) {
                list.remove(at: i)
                b.failures[key] = list.isEmpty ? nil : list
            }
        }
    }

    /// Forgets the bookkeeping of sessions, PINs and attempts that have run out, so a
    /// server up for months holds only what is current.
    public func sweep(now: Date) {
        book.withLock { b in
            b.sessions = b.sessions.filter { $0.value.expires > now }
            b.restored = b.restored.filter { Double($0.value.expires) > now.timeIntervalSince1970 }
            b.pins = b.pins.filter { $0.value.expires > now }
            b.failures = b.failures.compactMapValues { list in
                let kept = list.filter { now.timeIntervalSince($0) < Self.attemptWindow }
                return kept.isEmpty ? nil : kept
            }
        }
    }
}
