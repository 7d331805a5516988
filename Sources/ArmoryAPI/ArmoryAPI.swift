import ArmoryCore
import ArmoryDelivery
import ArmoryHub
import ArmoryLedger
import ArmoryStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Synchronization

/// Per request: who signed in, if anyone.
public struct ArmoryContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var session: Session?
    public var token: String?
    /// Whether the session came from the cookie (a browser), not an Authorization header.
    public var cookieAuthenticated = false
    /// The client's address, for throttling sign-ins and anonymous concerns ("local" when unknown).
    public let address: String
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        address = source.channel.remoteAddress?.ipAddress ?? "local"
    }
    public var maxUploadSize: Int { 1 << 20 }
}

/// Per request on a production's routes: the person signed in to that production. The
/// routes of `productions/:production` sit in a group with this context, made before any
/// of their handlers runs, so none can forget the check: no session is a 401, a session
/// of another production a 403. Roles are each route's own (`ArmoryAPI.require`).
package struct SignedInContext: ChildRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let session: Session
    package let token: String?
    package let cookieAuthenticated: Bool
    package let address: String

    package init(context: ArmoryContext) throws {
        guard let session = context.session else { throw APIError.unauthenticated }
        let production = try context.param("production")
        guard session.production == production else {
            throw APIError.forbidden("you are signed in to production '\(session.production)', not '\(production)'")
        }
        coreContext = context.coreContext
        self.session = session
        token = context.token
        cookieAuthenticated = context.cookieAuthenticated
        address = context.address
    }

    package var maxUploadSize: Int { 1 << 20 }
}

/// How the server runs.
public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var passwords = PasswordHasher()
    /// A bearer token for Prometheus to scrape `/metrics` with (besides producer and safety sessions).
    public var metricsToken: String?
    /// Mark session cookies `Secure` (behind TLS; browsers also accept them on localhost).
    public var secureCookies = true
    /// Seconds a connection may idle (or take to send its headers) before it is closed.
    public var idleTimeout = ServerOptions.defaultIdleTimeout
    /// Connections open at once; more are closed as they arrive.
    public var maximumConnections = ServerOptions.defaultMaximumConnections
    /// Recent entries of each production kept in memory (`ProductionHub.window`).
    public var memoryWindow = ProductionHub.defaultWindow
    /// Productions held in memory at once (`ProductionHub.heldCap`).
    public var heldProductions = ProductionHub.defaultHeldProductions
    /// Stored entries between two signed state snapshots of a production (0: none are stored).
    public var snapshotInterval = ProductionHub.defaultSnapshotInterval
    /// The address other devices reach this server at (`https://armory.example`), for every
    /// QR code and link meant for another device: the concern poster, the report's bundle.
    /// Nil: the address the page was opened at.
    public var publicURL: String?
    /// The server's own webhooks, which every alarm of every production is sent to, each
    /// with the secret its bodies are signed with.
    public var webhooks: [(url: String, secret: String)] = []
    /// The SMTP relay alarms are e-mailed through (nil: no e-mail).
    public var smtp: SMTPRelay?
    /// The server's VAPID key and contact, for Web Push to phones (nil: no push).
    public var push: (key: VAPIDKey, contact: VAPIDContact)?
    /// The witnesses each production's checkpoints are submitted to (C2SP tlog-witness).
    public var witnesses: [WitnessPeer] = []
    /// Cosignatures a checkpoint needs to count as witnessed (1 to the number of witnesses).
    public var witnessQuorum = 1
    /// On a set: the studio each production's log is mirrored to, and the set's token there.
    public var mirrorTo: (url: String, token: String)?
    /// On the studio: the productions mirrored here from their sets, each with the set's
    /// log key and the digest of the set's token.
    public var mirrors: [String: MirrorReceiver.Registration] = [:]
    public init() {}

    /// Seconds a connection may sit without a whole request (headers still arriving, or
    /// nothing between two requests) before it is closed: a slow client holds nothing for ever.
    public static let defaultIdleTimeout = 30
    /// Connections held open at once; past it a new one is closed at once, so the server
    /// keeps the descriptors it needs for its store and for `/health`.
    public static let defaultMaximumConnections = 1_000
}

/// The Armory HTTP API: every action of SCENARIOS.md through the same engine as
/// `armory replay`, the read models, proofs and bundles, sign-in, live events and metrics.
public struct ArmoryAPI: Sendable {
    public let hub: ProductionHub
    public let sessions: SessionBook
    public let options: ServerOptions
    public let metrics: ArmoryMetrics
    let clock: @Sendable () -> Date
    let zones = ZoneBook()
    /// Anonymous concerns per client address, and per production.
    let concernsPerAddress = RateLimiter(limit: ArmoryAPI.concernsPerAddress, per: 600)
    let concernsPerProduction = RateLimiter(limit: ArmoryAPI.concernsPerProduction, per: 600)
    /// Anonymous concerns one address may send in ten minutes.
    public static let concernsPerAddress = 10
    /// Anonymous concerns one production takes in ten minutes, from everyone.
    public static let concernsPerProduction = 120

    /// The API's services, wired once for `armory serve` and the tests alike: a hub over
    /// `store` (signing checkpoints with `signer`, when the server has the log's key) whose
    /// every decision is counted in the metrics, and the sessions `kept` in the store from
    /// before a restart, so whoever was signed in still is.
    public init(store: any LogStore, signer: NoteSigner?, kept: [StoredSession], options: ServerOptions = ServerOptions(),
                logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }) {
        let metrics = ArmoryMetrics()
        let wake = Mutex<DeliveryWorker?>(nil)
        let witnessed = Mutex<WitnessWorker?>(nil)
        let mirroring = Mutex<MirrorWorker?>(nil)
        hub = ProductionHub(store: store, signer: signer, logger: logger, window: options.memoryWindow, heldProductions: options.heldProductions,
                            mirrored: options.mirrors.mapValues(\.key), snapshotInterval: options.snapshotInterval,
                            onRecord: { id, decision, size in
                                metrics.recorded(production: id, decision: decision, logSize: size)
                                // Each entry reaches the studio at the mirror's next look.
                                mirroring.withLock { $0 }?.wake(for: id)
                                // An alarm's deliveries were stored with it: the worker sends them now, not at its next tick.
                                if decision.outcome == .alarm { wake.withLock { $0 }?.wake(for: id) }
                            },
                            // A new checkpoint goes to the witnesses now, not at the worker's next tick.
                            onCheckpoint: { id in witnessed.withLock { $0 }?.wake(for: id) })
        sessions = SessionBook()
        sessions.restore(kept, now: clock())
        self.options = options
        self.metrics = metrics
        self.clock = clock
        let address = ServerAddress(options.publicURL ?? "http://\(options.host):\(options.port)")
        serverAddress = address
        if let outbox = store as? any DeliveryStore {
            var senders: [DeliveryChannel: any AlarmSender] = [
                .webhook: WebhookSender(externalURL: options.publicURL ?? "", secrets: { d in
                    try? await outbox.webhooks(d.production).first { $0.id == d.target }?.secret
                }),
            ]
            if let relay = options.smtp { senders[.email] = SMTPSender(relay: relay) }
            if let push = options.push {
                senders[.push] = PushAlarmSender(sender: WebPushSender(client: Self.pushClient, key: push.key, contact: push.contact, logger: logger),
                                                 clock: clock)
            }
            let worker = DeliveryWorker(hub: hub, store: outbox, senders: senders, publicURL: { address.value.withLock { $0 } }, logger: logger,
                                        clock: clock, onAttempt: { channel, outcome in metrics.delivered(channel: channel.rawValue, outcome: outcome) })
            wake.withLock { $0 = worker }
            delivery = worker
            self.outbox = outbox
        } else {
            delivery = nil
            self.outbox = nil
        }
        // A fork's alarm deliveries are sent at once.
        mirrorReceiver = options.mirrors.isEmpty ? nil : MirrorReceiver(hub: hub, registrations: options.mirrors, logger: logger, clock: clock,
                                                                         onAlarm: { id in wake.withLock { $0 }?.wake(for: id) })
        // The witnesses' split views and the studio's concerns are recorded the way every
        // concern is; the API is handed over once it is whole.
        let recorder = Mutex<ArmoryAPI?>(nil)
        if let to = options.mirrorTo, signer != nil {
            let worker = MirrorWorker(hub: hub, transport: MirrorClient(studio: to.url, token: to.token, client: Self.linkClient),
                                      logger: logger, clock: clock) { production, concern in
                guard let api = recorder.withLock({ $0 }) else { throw HubError.noSigningKey }
                do { return try await api.recordStudioConcern(production, concern) } catch let e as APIError where (400..<500).contains(e.status.code) {
                    // Not one the set's limits take (a studio that checks as the set does sends none): never recorded.
                    return nil
                }
            }
            mirroring.withLock { $0 = worker }
            mirrorWorker = worker
        } else {
            mirrorWorker = nil
        }
        if options.witnesses.isEmpty || signer == nil {
            witnesses = nil
        } else {
            let worker = WitnessWorker(hub: hub, peers: options.witnesses, quorum: options.witnessQuorum, transport: WitnessClient(client: Self.linkClient),
                                       logger: logger, clock: clock) { production, text in
                guard let api = recorder.withLock({ $0 }) else { throw HubError.noSigningKey }
                _ = try await api.recordServerConcern(production, text: text)
            }
            witnessed.withLock { $0 = worker }
            witnesses = worker
        }
        recorder.withLock { $0 = self }
    }

    /// On the studio: takes in the logs mirrored from sets (nil: none registered here).
    public let mirrorReceiver: MirrorReceiver?
    /// On a set: sends each production's log to the studio (nil: no studio given, or no signing key).
    public let mirrorWorker: MirrorWorker?

    /// Submits checkpoints to the witnesses and stores their cosignatures (nil: no
    /// witnesses given, or no signing key, so no checkpoints).
    public let witnesses: WitnessWorker?

    /// One client for every push, for the life of the process (it follows no redirects).
    static let pushClient = WebPushSender.makeHTTPClient()
    /// One client to the studio and the witnesses: a link that is down fails within seconds.
    static let linkClient = MirrorClient.makeHTTPClient()

    /// Sends alarms to those not watching a screen (nil: a store without an outbox).
    public let delivery: DeliveryWorker?
    /// The contacts, webhooks and deliveries.
    public let outbox: (any DeliveryStore)?
    /// The address links in deliveries point at: `publicURL`, or where the server listens.
    let serverAddress: ServerAddress

    /// Says where the server listens, once it does (a port chosen by the system), for the
    /// links in deliveries when no public address was given.
    public func listening(host: String, port: Int) {
        if options.publicURL == nil { serverAddress.value.withLock { $0 = "http://\(host):\(port)" } }
    }

    static let cookieName = "armory_session"

    /// The API's router, with authentication and metrics in front of every route; the
    /// server adds the pages to it (`buildRouter` in ArmoryServer).
    public func router() -> Router<ArmoryContext> {
        // Read when the server starts, not on the first request.
        let openAPI = OpenAPIDocument.text
        let router = Router(context: ArmoryContext.self)
        router.add(middleware: metrics.middleware())
        router.add(middleware: StoreFailures())
        router.add(middleware: Authenticate(sessions: sessions, hub: hub, clock: clock))
        router.add(middleware: SameOrigin())
        router.get("/health") { _, _ in try await self.health() }
        router.get("/metrics") { req, ctx in try await self.metricsPage(req, ctx) }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: openAPI)))
        }
        let api = router.group("api/v1")
        api.post("productions/:production/sign-in") { req, ctx in try await self.signIn(req, ctx) }
        api.post("sign-out") { req, ctx in try await self.signOut(req, ctx) }
        api.get("session") { _, ctx in try self.whoAmI(ctx) }
        api.post("productions/:production/concerns") { req, ctx in try await self.anonymousConcern(req, ctx) }
        api.get("productions") { _, ctx in try await self.productions(ctx) }
        let p = api.group("productions/:production", context: SignedInContext.self)
        p.get("") { _, ctx in try await self.production(ctx) }
        p.get("people") { _, ctx in try await self.people(ctx) }
        p.post("people/:person/pin") { _, ctx in try await self.issuePIN(ctx) }
        p.post("people/:person/sign-out") { _, ctx in try await self.signOutPerson(ctx) }
        p.post("password") { req, ctx in try await self.changePassword(req, ctx) }
        p.post("steps") { req, ctx in try await self.step(req, ctx) }
        p.post("transfers") { req, ctx in try await self.transfer(req, ctx) }
        p.get("firearms") { _, ctx in try await self.items(ctx, lots: false) }
        p.get("firearms/:id") { req, ctx in try await self.item(req, ctx, lots: false) }
        p.get("lots") { _, ctx in try await self.items(ctx, lots: true) }
        p.get("lots/:id") { req, ctx in try await self.item(req, ctx, lots: true) }
        p.get("scenes") { _, ctx in try await self.scenes(ctx) }
        p.get("alarms") { req, ctx in try await self.alarms(req, ctx) }
        p.get("days") { _, ctx in try await self.days(ctx) }
        p.get("days/:day/timeline") { _, ctx in try await self.timeline(ctx) }
        p.get("entries") { req, ctx in try await self.entries(req, ctx) }
        p.get("entries/:index") { _, ctx in try await self.entry(ctx) }
        p.get("entries/:index/proof") { _, ctx in try await self.proof(ctx) }
        p.get("checkpoints") { _, ctx in try await self.checkpoints(ctx) }
        p.post("checkpoints") { _, ctx in try await self.signNow(ctx) }
        p.get("consistency") { req, ctx in try await self.consistency(req, ctx) }
        p.get("bundle") { req, ctx in try await self.bundle(req, ctx) }
        p.get("events") { req, ctx in try await self.events(req, ctx) }
        registerDelivery(p)
        registerTiles(router)
        registerMirror(router)
        return router
    }

    // MARK: Sign-in

    /// The session signed in to the production in the path (checked by the group's
    /// context), if it holds one of `roles` when they are given.
    func require(_ ctx: SignedInContext, roles: Set<Role>? = nil, action: String = "do this") throws -> Session {
        let session = ctx.session
        if let roles, session.roles.isDisjoint(with: roles) {
            let names = roles.map(\.rawValue).sorted().joined(separator: ", ")
            throw APIError.forbidden("only \(names) may \(action)")
        }
        return session
    }

    /// The request body, up to 1 MiB (the API's JSON and the pages' forms alike).
    package static func collect(_ req: Request) async throws -> ByteBuffer {
        var req = req
        do { return try await req.collectBody(upTo: 1 << 20) } catch { throw APIError(.contentTooLarge, "the request body is over 1 MiB") }
    }

    func body(_ req: Request) async throws -> JSON {
        // Only JSON: a form or text/plain post (what another site can make a browser send) is not a step.
        let type = req.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/json" else {
            throw APIError(.unsupportedMediaType, "the body must be sent as Content-Type: application/json", field: "Content-Type")
        }
        let buffer = try await Self.collect(req)
        guard buffer.readableBytes > 0 else { throw APIError.badRequest("the request needs a JSON body") }
        do { return try JSON.parse(Array(buffer.readableBytesView)) } catch { throw APIError.badRequest("the body is \(error)") }
    }

    func fields(_ json: JSON) throws -> [(key: String, value: JSON)] {
        guard case let .object(members) = json else { throw APIError.unprocessable("the body must be a JSON object, not \(json.kindName)") }
        var seen = Set<String>()
        for m in members where !seen.insert(m.key).inserted { throw APIError.unprocessable("field '\(m.key)' is given twice", field: m.key) }
        return members
    }

    func string(_ members: [(key: String, value: JSON)], _ key: String, optional: Bool = false) throws -> String? {
        guard let v = members.first(where: { $0.key == key })?.value, v != .null else {
            if optional { return nil }
            throw APIError.unprocessable("missing field '\(key)'", field: key)
        }
        guard case let .string(s) = v, !s.isEmpty else { throw APIError.unprocessable("field '\(key)' must be a non-empty string", field: key) }
        return s
    }

    func signIn(_ req: Request, _ ctx: ArmoryContext) async throws -> Response {
        let production = try ctx.param("production")
        let members = try fields(try await body(req))
        for m in members where !["person", "password", "pin"].contains(m.key) {
            throw APIError.unprocessable("unknown field '\(m.key)' (allowed: person, password, pin)", field: m.key)
        }
        let personID = try string(members, "person")!
        let password = try string(members, "password", optional: true)
        let pin = try string(members, "pin", optional: true)
        guard (password == nil) != (pin == nil) else { throw APIError.unprocessable("give either 'password' or 'pin'", field: "password") }
        let (token, session) = try await authenticate(production: production, person: personID, password: password, pin: pin, address: ctx.address)
        var response = jsonResponse(sessionJSON(session, token: token))
        response.setCookie(sessionCookie(token, maxAge: Int(sessions.lifetime)))
        return response
    }

    /// Checks a password or a one-time PIN and opens a session; the same for the API and the pages.
    /// Attempts are counted before they are checked (`SessionBook.reserveAttempt`), per
    /// person and credential and per address: guessing someone's password locks out
    /// neither their fresh PIN nor anyone signing in from elsewhere.
    package func authenticate(production: String, person personID: String, password: String?, pin: String?, address: String) async throws -> (String, Session) {
        let now = clock()
        let denied = APIError(.unauthorized, "that person, password or PIN is not right for this production")
        guard personID.utf8.count <= Limits.maximumIDLength, (password?.utf8.count ?? 0) <= 1024, (pin?.utf8.count ?? 0) <= 64 else { throw denied }
        // A person off the crew (ROLE-3) holds no roles and cannot sign in.
        guard let person = try? await hub.read(production, { $0.state.people[personID] }), person.onCrew else { throw denied }
        let via: LogEntry.Via = pin != nil && password == nil ? .pin : .password
        let (reserved, refusal) = sessions.reserveAttempt(production: production, person: personID, via: via, address: address, now: now)
        guard let reserved else {
            let wait = Int(SessionBook.attemptWindow)
            if refusal == .address {
                throw APIError(.tooManyRequests, "too many failed sign-ins from this device; wait 15 minutes", retryAfter: wait)
            }
            throw APIError(.tooManyRequests, via == .pin
                ? "too many wrong PINs for \(personID); ask the armorer or a producer for a new PIN"
                : "too many failed sign-ins for \(personID); wait 15 minutes or ask the armorer for a PIN", retryAfter: wait)
        }
        var ok = false
        if let password, let secret = try await hub.store.secret(production, person: personID) {
            ok = await options.passwords.verifyOffPool(password, against: secret)
        } else if let pin {
            ok = sessions.redeemPIN(production: production, person: personID, pin: pin, now: now)
        }
        guard ok else { throw denied }
        sessions.attemptSucceeded(production: production, person: personID, via: via, address: address, reserved: reserved)
        let (token, session, stored) = sessions.open(production: production, person: person, now: now, via: via)
        do { try await hub.store.saveSession(stored) } catch {
            sessions.close(token)
            throw APIError(.serviceUnavailable, "the sign-in could not be kept: the store does not answer")
        }
        return (token, session)
    }

    /// Signs a session out, in the store (so a restart does not bring it back) and then here:
    /// if the store does not answer, the session stands and the sign-out can be tried again.
    package func endSession(_ token: String) async throws {
        do { try await hub.store.deleteSession(digest: SessionBook.digest(token)) } catch {
            throw APIError(.serviceUnavailable, "the sign-out could not be stored: the store does not answer; try again")
        }
        sessions.close(token)
    }

    package func sessionCookie(_ token: String, maxAge: Int) -> Cookie {
        Cookie(name: Self.cookieName, value: token, maxAge: maxAge, path: "/", secure: options.secureCookies, httpOnly: true, sameSite: .strict)
    }

    func sessionJSON(_ s: Session, token: String? = nil) -> JSON {
        var m: [(key: String, value: JSON)] = [("production", .string(s.production)), ("person", .string(s.person)),
                                               ("roles", .strings(s.roles.map(\.rawValue).sorted()))]
        if let token { m.append(("token", .string(token))) }
        return .object(m)
    }

    func signOut(_ req: Request, _ ctx: ArmoryContext) async throws -> Response {
        guard let token = ctx.token else { throw APIError.unauthenticated }
        try await endSession(token)
        var response = Response(status: .noContent)
        response.setCookie(sessionCookie("", maxAge: 0))
        return response
    }

    func whoAmI(_ ctx: ArmoryContext) throws -> Response {
        guard let s = ctx.session else { throw APIError.unauthenticated }
        return jsonResponse(sessionJSON(s))
    }

    /// Issues a one-time PIN: a dedicated armorer for talent and crew only, a producer for
    /// anyone but producers (no one makes themselves, or another, a producer's session).
    /// The issuance is recorded first, naming who issued it and for whom (never the PIN).
    func issuePIN(_ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx, roles: [.armorer, .producer], action: "issue sign-in PINs")
        let person = try ctx.param("person")
        let pin = try await issuePIN(for: person, session: s)
        return jsonResponse(.object([("person", .string(person)), ("pin", .string(pin)), ("valid_minutes", .int(Self.pinMinutes))]), status: .created)
    }

    /// Minutes a one-time PIN stays valid.
    package static let pinMinutes = 15

    /// Issues a one-time PIN for `person`, for the API and the crew page alike: who may issue
    /// it for whom as `mayIssuePIN` says, the issuance recorded first.
    package func issuePIN(for person: String, session s: Session) async throws -> String {
        let people = try await loaded(s.production) { $0.state.people }
        guard let target = people[person] else { throw APIError.notFound("no person '\(person)' in this production") }
        try Self.mayIssuePIN(issuer: people[s.person], for: target)
        let (now, receipt) = try await receipt(s.production, s)
        do {
            _ = try await hub.recordPIN(s.production, for: person, by: s.person, at: now, receipt: receipt)
        } catch {
            throw APIError.notRecorded(error, what: "the PIN was not recorded, so none was issued")
        }
        return sessions.issuePIN(production: s.production, person: person, now: clock())
    }

    /// Who may issue a PIN for whom (ROLE-1 keeps a dual-hatted armorer from it).
    package static func mayIssuePIN(issuer: Person?, for target: Person) throws {
        guard let issuer else { throw APIError.forbidden("only armorer, producer may issue sign-in PINs") }
        guard target.onCrew else {
            throw APIError.forbidden("\(target.id) is not on the crew; a producer adds them (join) before they sign in")
        }
        if issuer.acts(as: .producer) {
            guard !target.roles.contains(.producer) else {
                throw APIError.forbidden("a producer may not issue a PIN for a producer; producers sign in with their own password")
            }
            return
        }
        guard issuer.mayActAsArmorer else {
            throw APIError.forbidden("an armorer with another job on set may not issue PINs (ROLE-1)")
        }
        guard target.rolesInForce.isSubset(of: [.talent, .crew]) else {
            throw APIError.forbidden("an armorer issues PINs for talent and crew only; ask a producer for \(target.id)'s")
        }
    }

    /// A producer ends every session of a person at once (a stolen tablet, a lost phone).
    func signOutPerson(_ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx, roles: [.producer], action: "sign a person out everywhere")
        let person = try ctx.param("person")
        guard try await loaded(s.production, { $0.state.people[person] }) != nil else {
            throw APIError.notFound("no person '\(person)' in this production")
        }
        let ended = try await endSessions(s.production, person: person)
        return jsonResponse(.object([("person", .string(person)), ("sessions_ended", .int(ended))]))
    }

    /// Ends every session of a person, in the store first and then here.
    func endSessions(_ production: String, person: String, keeping token: String? = nil) async throws -> Int {
        let digests: [String]
        do { digests = try await hub.store.deleteSessions(production, person: person) } catch {
            throw APIError(.serviceUnavailable, "the sessions could not be ended: the store does not answer; try again", retryAfter: 5)
        }
        let kept = token.map(SessionBook.digest)
        sessions.close(digests: digests.filter { $0 != kept }, production: production, person: person, keeping: kept)
        if let token, let s = sessions.session(for: token, now: clock()) {
            // The session that changed the password goes on, and is kept again.
            try? await hub.store.saveSession(StoredSession(digest: SessionBook.digest(token), production: s.production, person: s.person,
                                                           expires: Int64(s.expires.timeIntervalSince1970), via: s.via.rawValue))
        }
        return digests.filter { $0 != kept }.count
    }

    /// A person sets a new password with their current one; every other session of theirs ends.
    func changePassword(_ req: Request, _ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx)
        let members = try fields(try await body(req))
        for m in members where !["current", "new"].contains(m.key) {
            throw APIError.unprocessable("unknown field '\(m.key)' (allowed: current, new)", field: m.key)
        }
        let current = try string(members, "current")!, new = try string(members, "new")!
        guard (12...1024).contains(new.utf8.count) else {
            throw APIError.badRequest("field 'new' must be 12 to 1024 bytes long", field: "new")
        }
        guard current.utf8.count <= 1024, let secret = try await hub.store.secret(s.production, person: s.person),
              await options.passwords.verifyOffPool(current, against: secret)
        else { throw APIError(.forbidden, "the current password is not right", field: "current") }
        do { try await hub.store.setSecret(s.production, person: s.person, secret: try await options.passwords.hashOffPool(new)) } catch {
            throw APIError(.serviceUnavailable, "the new password could not be stored; the old one stands", retryAfter: 5)
        }
        let ended = try await endSessions(s.production, person: s.person, keeping: ctx.token)
        return jsonResponse(.object([("person", .string(s.person)), ("sessions_ended", .int(ended))]))
    }

    // MARK: Commands and observations

    /// The production's log as stored (entries, proofs, checkpoints, evidence).
    package func loaded(_ production: String) async throws -> ProductionLog {
        try await answering(production) { try await hub.log(production) }
    }

    /// What `body` reads from the production's header or people, at once (no copy of the log is kept).
    package func loaded<T: Sendable>(_ production: String, _ body: @Sendable (ProductionLog) throws -> T) async throws -> T {
        try await answering(production) { try await hub.read(production, body) }
    }

    /// A 404 unless the production exists (loaded and verified once; productions are never removed).
    func exists(_ production: String) async throws {
        _ = try await zone(production)
    }

    func answering<T>(_ production: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as StoreError {
            if case .unknownProduction = e { throw APIError.notFound("no production '\(production)'") }
            throw APIError(.serviceUnavailable, "\(e)", retryAfter: 5)
        }
    }

    /// The time to record a step at when the tablet gives none: now, in the production's zone.
    package func now(timezone: String) -> String {
        now(in: zones.zone(named: timezone))
    }

    func now(in zone: TimeZone) -> String { stamp(in: zone).text }

    /// The server's clock now, written in `zone`: every time the server gives an entry.
    package func stamp(in zone: TimeZone) -> Timestamp {
        let date = clock()
        return Timestamp(seconds: Int64(date.timeIntervalSince1970), offsetMinutes: zones.offsetMinutes(of: zone, at: date))
    }

    /// The production's time zone, from its header: read from the hub the first time, when
    /// the production is loaded and verified, and kept (a header never changes).
    func zone(_ production: String) async throws -> TimeZone {
        if let zone = zones.zone(of: production) { return zone }
        let zone = zones.zone(named: try await loaded(production) { $0.header.timezone })
        zones.set(zone, of: production)
        return zone
    }

    func step(_ req: Request, _ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx)
        let members = try fields(try await body(req))
        let keys = req.headers[values: HTTPField.Name(IdempotencyKey.header)!]
        guard Set(keys).count <= 1 else { throw APIError.badRequest("the \(IdempotencyKey.header) header is given twice", field: IdempotencyKey.header) }
        var repeated = false
        var response = try await decided(s.production) {
            let r = try await recordStep(s.production, members: members, session: s, key: keys.first)
            repeated = r.repeated
            return (r.index, r.decision)
        }
        // A retry is answered as the first attempt was; this header says nothing new was recorded.
        if repeated { response.headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return response
    }

    /// Anonymous safety concerns (SCENE-2): no session, and nothing about the sender (no
    /// cookie, no person) is recorded; the time is the server's. The address is held in
    /// memory only, for ten minutes, to keep one device from flooding every safety screen.
    func anonymousConcern(_ req: Request, _ ctx: ArmoryContext) async throws -> Response {
        let production = try ctx.param("production")
        let members = try fields(try await body(req))
        for m in members where !["text", "scene"].contains(m.key) {
            throw APIError.badRequest("unknown field '\(m.key)' (allowed: text, scene; the time is the server's)", field: m.key)
        }
        let raised: AnonymousConcern
        do { raised = try await raiseAnonymousConcern(production, members: members, address: ctx.address) } catch { throw APIError.notRecorded(error) }
        switch raised {
        case let .recorded(index, decision):
            return try await decided(production) { (index, decision) }
        case let .queued(concern):
            return jsonResponse(.object([("queued", .int(Int(concern.id))), ("raised", .string(concern.raised)),
                                         ("message", .string(Self.queuedMessage))]), status: .accepted)
        }
    }

    /// What a person who raised a concern at the studio for a production recorded on its set is told.
    package static let queuedMessage = "Your concern is kept at the studio and will be recorded on the set as soon as the set is next connected; "
        + "if it cannot wait, tell the safety rep on set in person."

    /// Runs `record` for an anonymous concern within the rate limits, or answers 429 with
    /// `Retry-After`. A concern that was not recorded does not count.
    package func limitedConcern<T>(_ production: String, address: String, _ record: () async throws -> T) async throws -> T {
        try await exists(production)
        let now = clock()
        if let wait = concernsPerAddress.take(production + "\u{0}" + address, now: now) {
            throw APIError(.tooManyRequests, "too many concerns from this device; wait \(wait) seconds, or tell the safety rep in person", retryAfter: wait)
        }
        if let wait = concernsPerProduction.take(production, now: now) {
            concernsPerAddress.giveBack(production + "\u{0}" + address)
            throw APIError(.tooManyRequests, "too many concerns for this production just now; wait \(wait) seconds, or tell the safety rep in person",
                           retryAfter: wait)
        }
        do { return try await record() } catch {
            concernsPerAddress.giveBack(production + "\u{0}" + address)
            concernsPerProduction.giveBack(production)
            throw error
        }
    }

    func transfer(_ req: Request, _ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx)
        var members = try fields(try await body(req))
        if let by = members.first(where: { $0.key == "by" })?.value, by != .string(s.person) {
            throw APIError(.forbidden, "transfers are recorded as the person signed in (\(s.person))", field: "by")
        }
        members.removeAll { $0.key == "by" || $0.key == "at" }
        do { try Limits.check(transfer: .object(members)) } catch { throw APIError.badRequest(error.message, field: error.field) }
        let (at, receipt) = try await receipt(s.production, s)
        let t: EvidenceTransfer
        do {
            t = try EvidenceTransfer(json: .object(members), at: at, by: s.person)
        } catch { throw APIError.unprocessable(error.message, field: error.field) }
        return try await decided(s.production) { try await hub.transfer(s.production, t, receipt: receipt) }
    }

    /// Records through the hub and answers: 201 for a recorded step (ok or alarm), 409 for a
    /// refused command with its rules, 422 for input the production cannot take.
    func decided(_ production: String, _ record: () async throws -> (index: Int, decision: Decision)) async throws -> Response {
        do {
            let (index, d) = try await record()
            let json: JSON = .object([("index", .int(index)), ("outcome", .string(d.outcome.rawValue)),
                                      ("rules", .strings(d.rules.map(\.rawValue))), ("message", .string(d.message))])
            if d.outcome == .refused {
                throw APIError(.conflict, d.message, extra: [("index", .int(index)), ("outcome", .string("refused")),
                                                             ("rules", .strings(d.rules.map(\.rawValue)))])
            }
            return jsonResponse(json, status: .created)
        } catch {
            throw APIError.notRecorded(error)
        }
    }

    // MARK: Reads

    func health() async throws -> Response {
        do {
            _ = try await hub.store.productionIDs()
            return jsonResponse(.object([("status", .string("ok"))]))
        } catch {
            return jsonResponse(.object([("status", .string("unavailable")), ("error", .string("the store does not answer"))]), status: .serviceUnavailable)
        }
    }

    func productions(_ ctx: ArmoryContext) async throws -> Response {
        guard let s = ctx.session else { throw APIError.unauthenticated }
        let log = try await loaded(s.production)
        return jsonResponse(.array([productionJSON(s.production, log)]))
    }

    func productionJSON(_ id: String, _ log: ProductionLog) -> JSON {
        .object([("id", .string(id)), ("title", .string(log.header.title)), ("timezone", .string(log.header.timezone)),
                 ("entries", .int(log.size)), ("checkpoints", .int(log.checkpoints.count))]
                + (log.fault.map { f in
                    [("read_only", .object([("entry", .int(Int(f.index))), ("reason", .string(f.message)),
                                            ("message", .string(HubError.readOnlyMessage(id, f)))]))]
                } ?? [])
                + (mirrorJSON(id).map { [("mirror", $0)] } ?? []))
    }

    /// How the production is mirrored, for the API (nil: not at all on this server).
    func mirrorJSON(_ id: String) -> JSON? {
        guard let message = mirrorBanner(id) else { return nil }
        var m: [(key: String, value: JSON)]
        if let receiver = mirrorReceiver, hub.mirrored[id] != nil {
            let (standing, forks) = receiver.status(id)
            m = [("side", .string("studio")), ("size", .int(standing?.size ?? 0))]
            if let at = standing?.received { m.append(("at", .string(Timestamp(seconds: Int64(at.timeIntervalSince1970)).text))) }
            m.append(("forks", .int(forks.count)))
            m.append(("concerns_waiting", .int(receiver.concernStatus(id).waiting)))
        } else {
            let held = mirrorWorker?.holds(id)
            m = [("side", .string("set")), ("size", .int(held?.size ?? 0))]
            if let at = held?.at { m.append(("at", .string(Timestamp(seconds: Int64(at.timeIntervalSince1970)).text))) }
            m.append(("forks", .int(0)))
        }
        m.append(("message", .string(message)))
        return .object(m)
    }

    func production(_ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx)
        return jsonResponse(productionJSON(s.production, try await loaded(s.production)))
    }

    func people(_ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx)
        let log = try await loaded(s.production)
        // Everyone known, as the crew list stands now (ROLE-3): off the crew, a person holds no roles.
        return jsonResponse(.array(log.state.personOrder.compactMap { log.state.people[$0] }.map { p in
            .object([("id", .string(p.id)), ("name", .string(p.name)), ("roles", .strings(p.rolesInForce.map(\.rawValue).sorted())),
                     ("on_crew", .bool(p.onCrew)),
                     ("credentials", .array(p.credentials.map { c in
                         .object([("kind", .string(c.kind.rawValue)), ("number", .string(c.number)), ("expires", .string(c.expires.text))])
                     }))])
        }))
    }

    func parsed(_ item: ItemState) -> JSON { (try? JSON.parse(item.json)) ?? .null }

    func items(_ ctx: SignedInContext, lots: Bool) async throws -> Response {
        let s = try require(ctx)
        try await exists(s.production)
        let all = lots ? try await hub.store.lots(s.production) : try await hub.store.firearms(s.production)
        return jsonResponse(.array(all.map(parsed)))
    }

    /// One firearm or lot: its state, and the latest entries naming it (`limit`, default 50;
    /// `before` an entry index to page back).
    func item(_ req: Request, _ ctx: SignedInContext, lots: Bool) async throws -> Response {
        let s = try require(ctx)
        try await exists(s.production)
        let id = try ctx.param("id")
        let before = try intQuery(req, "before", default: Int(Int32.max), range: 0...Int(Int32.max))
        let limit = try intQuery(req, "limit", default: 50, range: 1...1000)
        guard let (found, history) = try await hub.store.itemAsStored(s.production, lots ? .lot(id) : .firearm(id), historyBefore: before, limit: limit) else {
            throw APIError.notFound("no \(lots ? "lot" : "firearm") '\(id)' in this production")
        }
        // Written from the stored text (`EntryWriter`): the same bytes as the state parsed and
        // each entry decoded and written as `entryJSON`, without doing either.
        return jsonResponse(bytes: try EntryWriter.item(found, history))
    }

    func scenes(_ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx)
        let log = try await loaded(s.production)
        return jsonResponse(.array(log.state.meetings.keys.sorted().map { scene in
            .object([("scene", .string(scene)), ("safety_meeting", .bool(true)), ("blanks_announced", .bool(log.state.meetings[scene]!))])
        }))
    }

    /// An entry as the API shows it. Its body is copied as stored: every stored body is
    /// canonical JSON, checked when the log was recorded or loaded, so parsing and writing
    /// it again would give the same text. `EntryWriter` writes the same text straight from
    /// an entry's stored bytes (the item and entries routes).
    package func entryJSON(_ e: StoredEntry) -> JSON {
        var members: [(key: String, value: JSON)] = [
            ("index", .int(e.index)), ("kind", .string(e.entry.kind.rawValue)), ("at", .string(e.entry.at)), ("by", .orNull(e.entry.by)),
            ("outcome", .string(e.entry.outcome.rawValue)), ("rules", .strings(e.entry.rules.map(\.rawValue))),
            ("message", .string(e.entry.message)), ("body", .text(e.entry.body)),
        ]
        if let receipt = e.entry.receipt {
            members.append(("received", .string(receipt.received)))
            members.append(("via", .string(receipt.via.rawValue)))
            if let recorder = receipt.recorder { members.append(("recorded_by", .string(recorder))) }
            if let session = receipt.session { members.append(("session", .string(session))) }
        }
        return .object(members)
    }

    func intQuery(_ req: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw = req.uri.queryParameters[Substring(name)] else { return value }
        guard let n = Int(raw), range.contains(n) else {
            throw APIError.badRequest("query parameter '\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound)", field: name)
        }
        return n
    }

    func alarms(_ req: Request, _ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx)
        try await exists(s.production)
        let after = try intQuery(req, "after", default: 0, range: 0...Int(Int32.max))
        let limit = try intQuery(req, "limit", default: 100, range: 1...1000)
        let openOnly: Bool
        switch req.uri.queryParameters["open"] {
        case nil, "false": openOnly = false
        case "true": openOnly = true
        case let other?: throw APIError.badRequest("query parameter 'open' must be true or false, not '\(other.prefix(64))'", field: "open")
        }
        // ALARM-1: each alarm says whether a producer or safety has answered it.
        let status = try await loaded(s.production) { $0.state.alarms }
        func withAnswer(_ e: StoredEntry) -> JSON {
            guard case var .object(m) = entryJSON(e) else { return entryJSON(e) }
            m.append(("answered", .bool(status[e.index]?.answered ?? false)))
            return .object(m)
        }
        if openOnly {
            let open = status.unanswered.filter { $0 > after }.prefix(limit)
            let entries = try await answering(s.production) { try await hub.entries(s.production, at: Array(open)) }
            return jsonResponse(.array(entries.map(withAnswer)))
        }
        return jsonResponse(.array(try await hub.store.alarms(s.production, after: after, limit: limit).map(withAnswer)))
    }

    func days(_ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx)
        try await exists(s.production)
        return jsonResponse(.strings(try await hub.store.days(s.production)))
    }

    func timeline(_ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx)
        try await exists(s.production)
        let day = try Self.day(try ctx.param("day"))
        return jsonResponse(.array(try await hub.store.timeline(s.production, day: day).map(entryJSON)))
    }

    /// A calendar date as the API and pages take it, `YYYY-MM-DD`, or a 400 naming it.
    package static func day(_ text: String) throws -> String {
        guard text.count == 10, Timestamp(rfc3339: text + "T00:00:00Z") != nil else {
            throw APIError.badRequest("a day is written YYYY-MM-DD, not '\(text)'", field: "day")
        }
        return text
    }

    func entries(_ req: Request, _ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx)
        try await exists(s.production)
        let from = try intQuery(req, "from", default: 0, range: 0...Int(Int32.max))
        let limit = try intQuery(req, "limit", default: 100, range: 1...1000)
        return jsonResponse(bytes: try EntryWriter.list(try await hub.store.entriesAsStored(s.production, from: from, limit: limit)))
    }

    func index(_ ctx: SignedInContext, in log: ProductionLog) throws -> Int {
        let raw = try ctx.param("index")
        guard let i = Int(raw), i >= 0 else { throw APIError.badRequest("an entry index is a whole number, not '\(raw)'", field: "index") }
        guard i < log.size else { throw APIError.notFound("no entry \(i): the log has \(log.size)") }
        return i
    }

    func entry(_ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx)
        let log = try await loaded(s.production)
        let i = try index(ctx, in: log)
        guard let entry = try await answering(s.production, { try await hub.entry(s.production, i) }) else { throw APIError.notFound("no entry \(i)") }
        return jsonResponse(entryJSON(StoredEntry(index: i, entry: entry)))
    }

    /// A tlog-proof (C2SP) of the entry against the latest signed checkpoint that covers it.
    func proof(_ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx)
        let log = try await loaded(s.production)
        let i = try index(ctx, in: log)
        guard let note = log.checkpoints.last, let cp = try? Checkpoint(text: note.text), cp.size > i else {
            throw APIError.notFound("no signed checkpoint covers entry \(i) yet; one is signed at every wrap, or on request")
        }
        let path = try await answering(s.production) { try await hub.proof(s.production, .inclusion(index: i, size: cp.size)) }
        let proof = TlogProof(index: i, proof: path, checkpoint: note)
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: proof.formatted)))
    }

    func checkpoints(_ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx)
        let log = try await loaded(s.production)
        return jsonResponse(.array(log.checkpoints.map(checkpointJSON)))
    }

    /// A checkpoint as the API shows it: its size, the signed note, and its witnesses.
    func checkpointJSON(_ note: SignedNote) -> JSON {
        let cp = try? Checkpoint(text: note.text)
        let cosigned = cosignatures(on: note)
        return .object([("size", .int(cp?.size ?? 0)), ("note", .string(note.formatted)),
                        ("witnessed_by", .array(cosigned.map { .object([("witness", .string($0.witness)), ("at", .string($0.at))]) })),
                        ("witnessed", .bool(options.witnesses.count > 0 && cosigned.count >= options.witnessQuorum))])
    }

    /// The server's witnesses whose cosignatures on `note` verify, with the time each
    /// cosigned (RFC 3339, UTC). A cosignature by a key not given to this server is not shown.
    public func cosignatures(on note: SignedNote) -> [(witness: String, at: String)] {
        options.witnesses.compactMap { peer in
            guard WitnessWorker.holds(note, cosignatureBy: peer.key),
                  let only = try? SignedNote(text: note.text, signatures: note.signatures.filter { $0.isBy(peer.key) }),
                  let t = (try? only.verify(with: [peer.key]))?.first?.timestamp
            else { return nil }
            return (peer.key.name, Timestamp(seconds: Int64(t)).text)
        }
    }

    func signNow(_ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx, roles: [.armorer, .producer, .safety], action: "sign a checkpoint")
        do {
            return jsonResponse(checkpointJSON(try await hub.signCheckpoint(s.production)), status: .created)
        } catch {
            throw APIError.notRecorded(error, what: "no checkpoint was signed")
        }
    }

    func consistency(_ req: Request, _ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx)
        let log = try await loaded(s.production)
        let first = try intQuery(req, "from", default: 1, range: 1...Int(Int32.max))
        let second = try intQuery(req, "to", default: log.size, range: 1...Int(Int32.max))
        guard first <= second, second <= log.size else {
            throw APIError.badRequest("need 1 <= from <= to <= \(log.size)", field: "from")
        }
        let proof = try await answering(s.production) { try await hub.proof(s.production, .consistency(from: first, to: second)) }
        return jsonResponse(.object([("from", .int(first)), ("to", .int(second)),
                                     ("proof", .strings(proof.map { Data($0).base64EncodedString() }))]))
    }

    /// An evidence bundle (docs/FORMAT.md) of a day, a firearm or the whole log.
    func bundle(_ req: Request, _ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx, roles: [.armorer, .producer, .safety], action: "export evidence bundles")
        // A bundle holds every entry up to its checkpoint: the whole log, read from the store if need be.
        let log = try await answering(s.production) { try await hub.wholeLog(s.production) }
        let q = req.uri.queryParameters
        let scope: EvidenceScope
        switch (q["day"], q["firearm"], q["all"]) {
        case let (day?, nil, nil):
            scope = .day(try Self.day(String(day)))
        case let (nil, f?, nil):
            guard log.state.firearm(String(f)) != nil else { throw APIError.badRequest("no firearm '\(f)' in this production", field: "firearm") }
            scope = .firearm(String(f))
        case (nil, nil, "true"?): scope = .all
        default: throw APIError.badRequest("give exactly one of day=YYYY-MM-DD, firearm=ID or all=true", field: "day")
        }
        // A production mirrored from its set is signed with the set's key.
        guard let key = hub.logKey(s.production) else { throw APIError(.serviceUnavailable, "this server has no signing key") }
        do {
            let archive = try EvidenceBundle.make(log: log, scope: scope, witnessKeys: hub.mirrored[s.production] == nil ? options.witnesses.map(\.key) : [],
                                                  logKey: key)
            let bytes = archive.encoded()
            return Response(status: .ok, headers: [.contentType: "application/x-tar",
                                                   .contentDisposition: "attachment; filename=\"\(s.production)-bundle.tar\""],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        } catch {
            throw APIError.unprocessable("no bundle: \(error)", field: "day")
        }
    }

    /// Live entries as Server-Sent Events, alarms as `event: alarm`. A screen that was away
    /// (a dropped connection, a restarted server) says which entry it saw last, as the
    /// browser's `Last-Event-ID` or `after`, and is first sent what was recorded since: every
    /// entry up to 1,000 and every alarm in any case, so no alarm is lost to a gap in the stream.
    func events(_ req: Request, _ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx, roles: [.armorer, .firstAD, .producer, .safety], action: "follow live alarms")
        try await exists(s.production)
        let after = try lastSeen(req)
        guard let token = ctx.token else { throw APIError.unauthenticated }
        let sessions = self.sessions
        // Subscribed before the store is read: an entry stored meanwhile is in both, and
        // sent once; one stored later is in the stream. Relayed through a stream of its own,
        // which the session's next streams may end (SessionBook.openStream).
        let hubStream = await hub.subscribe(s.production)
        let (stream, relay) = AsyncStream<LiveMessage>.makeStream(bufferingPolicy: .bufferingNewest(1000))
        let pump = Task {
            for await m in hubStream { relay.yield(m) }
            relay.finish()
        }
        relay.onTermination = { _ in pump.cancel() }
        let streamID = sessions.openStream(token) { relay.finish() }
        var missed: [StoredEntry] = []
        if let after {
            do {
                missed = try await answering(s.production) { try await hub.store.entries(s.production, from: after + 1, limit: 1000) }
                let beyond = missed.last?.index ?? after
                missed += try await answering(s.production) { try await hub.store.alarms(s.production, after: beyond) }
            } catch {
                // No stream after all: its place is given back.
                sessions.closeStream(token, id: streamID)
                relay.finish()
                throw error
            }
        }
        let api = self
        let replay = missed
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                        body: .init { writer in
                            defer { sessions.closeStream(token, id: streamID) }
                            try await writer.write(ByteBuffer(string: ": armory live events\n\n"))
                            var last = after ?? -1
                            for e in replay where e.index > last {
                                try await writer.write(api.event(e))
                                last = e.index
                            }
                            // The stream ends when the server shuts down gracefully, or when a
                            // write (an entry or a heartbeat) finds the client gone.
                            for await message in stream.cancelOnGracefulShutdown() {
                                guard let event = message.event else {
                                    try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                                    continue
                                }
                                guard event.index > last else { continue }
                                try await writer.write(api.event(StoredEntry(index: event.index, entry: event.entry)))
                                last = event.index
                            }
                            try await writer.finish(nil)
                        })
    }

    /// One entry as a Server-Sent Event: `id` its index, `event` alarm or entry.
    func event(_ e: StoredEntry) -> ByteBuffer {
        ByteBuffer(string: "id: \(e.index)\nevent: \(e.entry.outcome == .alarm ? "alarm" : "entry")\ndata: \(entryJSON(e).compactText)\n\n")
    }

    /// The last entry a reconnecting screen saw: the `Last-Event-ID` header its browser
    /// sends (the `id` of the last event it got), or the `after` query parameter.
    func lastSeen(_ req: Request) throws -> Int? {
        if let header = req.headers[.init("Last-Event-ID")!], !header.isEmpty {
            guard header.utf8.count <= 10, let n = Int(header), (0...Int(Int32.max)).contains(n) else {
                throw APIError.badRequest("the Last-Event-ID header must be an entry index from 0 to \(Int32.max), not '\(header.prefix(20))'",
                                          field: "Last-Event-ID")
            }
            return n
        }
        guard req.uri.queryParameters["after"] != nil else { return nil }
        return try intQuery(req, "after", default: 0, range: 0...Int(Int32.max))
    }

    func metricsPage(_ req: Request, _ ctx: ArmoryContext) async throws -> Response {
        // Metrics name every production and its size: only the server's operator (its
        // Prometheus, with the metrics token) reads them, never a person of one production.
        let bearer = req.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        guard let expected = options.metricsToken else {
            throw APIError.forbidden("metrics are served only with the metrics token (ARMORY_METRICS_TOKEN), and none is set")
        }
        guard let bearer, constantTimeEqual(Array(bearer.utf8), Array(expected.utf8)) else {
            throw APIError(.unauthorized, "metrics need the metrics token: Authorization: Bearer <ARMORY_METRICS_TOKEN>")
        }
        // The outbox as it stands when scraped: its depth and its oldest undelivered alarm's age.
        if let outbox, let stats = try? await outbox.outboxStats() {
            let now = Int64(clock().timeIntervalSince1970)
            metrics.outbox(pending: stats.pending, oldestAgeSeconds: stats.oldestPendingSince.map { Int(max(0, now - $0)) } ?? 0)
        }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
    }
}

/// Where the server can be reached, set once it listens.
final class ServerAddress: Sendable {
    let value: Mutex<String>
    init(_ text: String) { value = Mutex(text) }
}

/// Reads the session from the bearer token or the session cookie, for every route.
struct Authenticate: RouterMiddleware {
    typealias Context = ArmoryContext
    let sessions: SessionBook
    let hub: ProductionHub
    let clock: @Sendable () -> Date

    func handle(_ request: Request, context: ArmoryContext, next: (Request, ArmoryContext) async throws -> Response) async throws -> Response {
        var context = context
        let header = request.headers[.authorization]
        let token = header.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil } ?? request.cookies[ArmoryAPI.cookieName]?.value
        if let token, !token.isEmpty {
            if let s = sessions.session(for: token, now: clock()) {
                context.session = s
                context.token = token
                context.cookieAuthenticated = header == nil
            } else if let kept = sessions.restored(token, now: clock()),
                      let person = try? await hub.read(kept.production, { $0.state.people[kept.person] }),
                      let s = sessions.adopt(kept, person: person) {
                // Kept from before a restart: in use again with the roles the log gives its person.
                context.session = s
                context.token = token
                context.cookieAuthenticated = header == nil
            }
        }
        // Roles as of now (ROLE-3): a session carries the roles its person holds on the crew
        // list at this request; a person who has left the crew is signed out.
        if let s = context.session {
            // A production that cannot be read answers for itself in the handler.
            if let known = try? await hub.read(s.production, { log -> Person?? in .some(log.state.people[s.person]) }) {
                if let person = known, person.onCrew {
                    context.session?.roles = person.rolesInForce
                } else {
                    context.session = nil
                    context.token = nil
                }
            }
        }
        return try await next(request, context)
    }
}

/// A store that fails under a request (a full disk, a database restarting) is a 503 with
/// `Retry-After`, never a 500: nothing was recorded, and trying again later is right.
struct StoreFailures: RouterMiddleware {
    typealias Context = ArmoryContext

    func handle(_ request: Request, context: ArmoryContext, next: (Request, ArmoryContext) async throws -> Response) async throws -> Response {
        do { return try await next(request, context) } catch let e as any HTTPResponseError {
            throw e
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            context.logger.warning("store failure answered 503: \(String(describing: error).prefix(300))")
            throw APIError(.serviceUnavailable, "the store does not answer just now; nothing was recorded; try again", retryAfter: 5)
        }
    }
}

/// Refuses a state-changing request that a browser sent from another site with the
/// session cookie (CSRF): its `Origin` (or, without one, its `Sec-Fetch-Site`) must be
/// this server's. Bearer tokens are not sent by browsers on their own, so a request
/// carrying one is not checked.
struct SameOrigin: RouterMiddleware {
    typealias Context = ArmoryContext

    func handle(_ request: Request, context: ArmoryContext, next: (Request, ArmoryContext) async throws -> Response) async throws -> Response {
        if context.cookieAuthenticated, ![.get, .head, .options].contains(request.method), !Self.sameOrigin(request) {
            throw APIError.forbidden("this request came from another site with your session cookie; it was refused (send it from Armory's own pages)")
        }
        return try await next(request, context)
    }

    static func sameOrigin(_ request: Request) -> Bool {
        let fetchSite = request.headers[.init("Sec-Fetch-Site")!]
        if let origin = request.headers[.origin] {
            // A browser sends "null" for a form post from a page whose referrer policy hides
            // its origin; its Sec-Fetch-Site still says where the post came from.
            if origin == "null" { return fetchSite == "same-origin" }
            guard let host = request.head.authority else { return false }
            let bare = origin.hasPrefix("https://") ? origin.dropFirst(8) : origin.hasPrefix("http://") ? origin.dropFirst(7) : Substring("")
            return !bare.isEmpty && bare.lowercased() == host.lowercased()
        }
        if let site = fetchSite { return site == "same-origin" || site == "none" }
        // Neither header: not a browser's cross-site request (browsers send Origin on every cross-site POST).
        return true
    }
}

extension RequestContext {
    /// A path parameter, percent-decoded: ids chosen on set may hold spaces or slashes.
    package func param(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        // Most ids have nothing to decode; Foundation's decoder costs more than the lookup.
        guard raw.utf8.contains(UInt8(ascii: "%")) else { return raw }
        return raw.removingPercentEncoding ?? raw
    }
}

/// Time zones, looked up once each, and each production's zone: "now" is asked for on
/// every step, and a production's header (its zone) never changes once recorded.
final class ZoneBook: Sendable {
    let zones = Mutex<(named: [String: TimeZone], productions: [String: TimeZone])>(([:], [:]))

    /// The zone of an IANA name (UTC for a name this machine does not know).
    func zone(named name: String) -> TimeZone {
        if let zone = zones.withLock({ $0.named[name] }) { return zone }
        let zone = TimeZone(identifier: name) ?? .gmt
        zones.withLock { $0.named[name] = zone }
        return zone
    }

    func zone(of production: String) -> TimeZone? { zones.withLock { $0.productions[production] } }

    func set(_ zone: TimeZone, of production: String) { zones.withLock { $0.productions[production] = zone } }

    /// A zone's offset from UTC at `date`, in minutes, asked of the zone once per quarter
    /// hour: every zone changes its offset on a quarter hour, and each step asks for "now".
    let offsets = Mutex<[String: (quarter: Int64, minutes: Int16)]>([:])

    func offsetMinutes(of zone: TimeZone, at date: Date) -> Int16 {
        let quarter = Int64((date.timeIntervalSince1970 / 900).rounded(.down))
        if let known = offsets.withLock({ $0[zone.identifier] }), known.quarter == quarter { return known.minutes }
        let minutes = Int16(zone.secondsFromGMT(for: date) / 60)
        offsets.withLock { $0[zone.identifier] = (quarter, minutes) }
        return minutes
    }
}
