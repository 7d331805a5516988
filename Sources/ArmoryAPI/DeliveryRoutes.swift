import ArmoryCore
import ArmoryDelivery
import ArmoryHub
import ArmoryStore
import Foundation
import Hummingbird

/// Where alarms reach people not looking at a screen: each person's e-mail and phones (a
/// person edits their own, a producer anyone's), the production's webhooks (producers),
/// and what became of each alarm's deliveries (whoever receives alarms).
extension ArmoryAPI {
    /// Longest e-mail address taken.
    public static let longestAddress = 254
    /// Contacts one person may hold in a production (an address or two, a few phones).
    public static let contactsPerPerson = 10
    /// Webhooks one production may hold.
    public static let webhooksPerProduction = 10

    func registerDelivery(_ p: RouterGroup<SignedInContext>) {
        p.get("people/:person/contacts") { _, ctx in try await self.contacts(ctx) }
        p.post("people/:person/contacts") { req, ctx in try await self.addContact(req, ctx) }
        p.delete("people/:person/contacts/:id") { _, ctx in try await self.removeContact(ctx) }
        p.get("webhooks") { _, ctx in try await self.webhooks(ctx) }
        p.post("webhooks") { req, ctx in try await self.addWebhook(req, ctx) }
        p.delete("webhooks/:id") { _, ctx in try await self.removeWebhook(ctx) }
        p.get("alarms/:index/deliveries") { _, ctx in try await self.deliveries(ctx) }
        p.get("push-key") { _, ctx in try await self.pushKey(ctx) }
    }

    /// The server's VAPID public key: the `applicationServerKey` a page subscribes a phone with.
    func pushKey(_ ctx: SignedInContext) async throws -> Response {
        _ = try require(ctx)
        guard let push = options.push else { throw APIError.notFound("this server sends no push messages (no VAPID key)") }
        return jsonResponse(.object([("key", .string(push.key.publicKeyBase64URL))]))
    }

    func requireOutbox() throws -> any DeliveryStore {
        guard let outbox else { throw APIError(.serviceUnavailable, "this server's store keeps no delivery outbox") }
        return outbox
    }

    /// The person in the path, if the session may edit their contacts: themselves, or a producer.
    func contactPerson(_ ctx: SignedInContext) async throws -> (Session, String) {
        let s = try require(ctx)
        let person = try ctx.param("person")
        try await mayKeepContacts(s, of: person)
        return (s, person)
    }

    /// A person keeps their own contacts; a producer keeps anyone's (403, or 404 for no such person).
    package func mayKeepContacts(_ s: Session, of person: String) async throws {
        guard person == s.person || s.roles.contains(.producer) else {
            throw APIError.forbidden("a person keeps their own contacts; a producer keeps anyone's")
        }
        guard try await hub.read(s.production, { $0.state.people[person] }) != nil else {
            throw APIError.notFound("no person '\(person)' in this production")
        }
    }

    /// Adds an e-mail address or a phone (`subscription`, its browser's JSON) for `person`:
    /// the one way the API and the crew page do it. A 400 names the field at fault.
    package func addContact(_ s: Session, person: String, channel: DeliveryChannel, address given: String?, subscription: JSON?) async throws -> Contact {
        try await mayKeepContacts(s, of: person)
        let outbox = try requireOutbox()
        let address: String
        switch channel {
        case .email:
            guard let text = given else { throw APIError.badRequest("field 'address' is required", field: "address") }
            guard SMTPSender.isAddress(text) else {
                throw APIError.badRequest("field 'address' is not an e-mail address (name@host.domain, at most \(Self.longestAddress) bytes)", field: "address")
            }
            address = text
        case .push, .webhook:
            // A phone's subscription, as its browser's PushSubscription.toJSON() gives it; kept as the browser wrote it.
            guard let given = subscription, case .object = given else {
                throw APIError.badRequest("field 'subscription' is the phone's push subscription object", field: "subscription")
            }
            let text = given.compactText
            do { _ = try PushSubscription(json: Array(text.utf8)) } catch {
                throw APIError.badRequest("field 'subscription\(error.field.map { "." + $0 } ?? "")': \(error.message)",
                                          field: "subscription" + (error.field.map { "." + $0 } ?? ""))
            }
            address = text
        }
        let held = try await answering(s.production) { try await outbox.contacts(s.production, person: person) }
        guard held.count < Self.contactsPerPerson || held.contains(where: { $0.channel == channel && $0.address == address }) else {
            throw APIError.badRequest("\(person) has \(Self.contactsPerPerson) contacts already; remove one first", field: channel == .email ? "address" : "subscription")
        }
        let kind: DeliveryChannel = channel == .email ? .email : .push
        return try await answering(s.production) {
            try await outbox.addContact(Contact(production: s.production, person: person, channel: kind, address: address))
        }
    }

    /// Removes one of `person`'s contacts (404 if they hold no such one).
    package func removeContact(_ s: Session, person: String, id: Int64?) async throws {
        try await mayKeepContacts(s, of: person)
        let outbox = try requireOutbox()
        guard let id, try await outbox.contacts(s.production, person: person).contains(where: { $0.id == id }) else {
            throw APIError.notFound("\(person) has no such contact")
        }
        try await answering(s.production) { try await outbox.removeContact(s.production, id: id) }
    }

    /// Adds a webhook of the production's own (producers), with a new secret.
    package func addWebhook(_ s: Session, url: String) async throws -> Webhook {
        guard s.roles.contains(.producer) else { throw APIError.forbidden("only producer may add a webhook") }
        let outbox = try requireOutbox()
        if let problem = WebhookAddress.problem(url) { throw APIError.badRequest("field 'url': \(problem)", field: "url") }
        let own = try await answering(s.production) { try await outbox.webhooks(s.production) }.filter { $0.production == s.production }
        guard own.count < Self.webhooksPerProduction || own.contains(where: { $0.url == url }) else {
            throw APIError.badRequest("this production has \(Self.webhooksPerProduction) webhooks already; remove one first", field: "url")
        }
        var g = SystemRandomNumberGenerator()
        let secret = SessionBook.hex((0..<32).map { _ in UInt8.random(in: 0...255, using: &g) })
        return try await answering(s.production) { try await outbox.addWebhook(Webhook(production: s.production, url: url, secret: secret)) }
    }

    /// Removes one of the production's own webhooks (producers; 404 for another's or the server's).
    package func removeWebhook(_ s: Session, id: Int64?) async throws {
        guard s.roles.contains(.producer) else { throw APIError.forbidden("only producer may remove a webhook") }
        let outbox = try requireOutbox()
        guard let id, try await outbox.webhooks(s.production).contains(where: { $0.id == id && $0.production == s.production }) else {
            throw APIError.notFound("this production has no such webhook of its own")
        }
        try await answering(s.production) { try await outbox.removeWebhook(s.production, id: id) }
    }

    func contactJSON(_ c: Contact) -> JSON {
        var members: [(key: String, value: JSON)] = [("id", .int(Int(c.id))), ("person", .string(c.person)), ("channel", .string(c.channel.rawValue))]
        // A phone's subscription holds its push service's address and keys: shown as the service's host only.
        if c.channel == .push {
            members.append(("address", .string(URL(string: (try? JSON.parse(c.address))?["endpoint"]?.stringValue ?? "")?.host ?? "a phone")))
        } else {
            members.append(("address", .string(c.address)))
        }
        return .object(members)
    }

    func contacts(_ ctx: SignedInContext) async throws -> Response {
        let (s, person) = try await contactPerson(ctx)
        let outbox = try requireOutbox()
        return jsonResponse(.array(try await answering(s.production) { try await outbox.contacts(s.production, person: person) }.map(contactJSON)))
    }

    /// `{"channel": "email", "address": "..."}` or `{"channel": "push", "subscription": {...}}`.
    func addContact(_ req: Request, _ ctx: SignedInContext) async throws -> Response {
        let (s, person) = try await contactPerson(ctx)
        let members = try fields(try await body(req))
        for m in members where !["channel", "address", "subscription"].contains(m.key) {
            throw APIError.badRequest("unknown field '\(m.key)' (allowed: channel, address, subscription)", field: m.key)
        }
        guard case let .string(channelName)? = members.first(where: { $0.key == "channel" })?.value,
              let channel = DeliveryChannel(rawValue: channelName), channel != .webhook else {
            throw APIError.badRequest("field 'channel' is email or push", field: "channel")
        }
        var address: String?
        if let given = members.first(where: { $0.key == "address" })?.value {
            guard case let .string(text) = given else { throw APIError.badRequest("field 'address' is text", field: "address") }
            address = text
        }
        let added = try await addContact(s, person: person, channel: channel, address: address,
                                         subscription: members.first(where: { $0.key == "subscription" })?.value)
        return jsonResponse(contactJSON(added), status: .created)
    }

    func removeContact(_ ctx: SignedInContext) async throws -> Response {
        let (s, person) = try await contactPerson(ctx)
        try await removeContact(s, person: person, id: Int64(try ctx.param("id")))
        return Response(status: .noContent)
    }

    func webhookJSON(_ h: Webhook, secret: Bool = false) -> JSON {
        var m: [(key: String, value: JSON)] = [("id", .int(Int(h.id))), ("url", .string(h.url)),
                                               ("scope", .string(h.production == Webhook.everyProduction ? "server" : "production"))]
        if secret { m.append(("secret", .string(h.secret))) }
        return .object(m)
    }

    func webhooks(_ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx, roles: [.producer], action: "see the production's webhooks")
        let outbox = try requireOutbox()
        return jsonResponse(.array(try await answering(s.production) { try await outbox.webhooks(s.production) }.map { webhookJSON($0) }))
    }

    /// `{"url": "https://..."}`: the webhook, with the secret its bodies are signed with, shown this once.
    func addWebhook(_ req: Request, _ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx, roles: [.producer], action: "add a webhook")
        let members = try fields(try await body(req))
        for m in members where m.key != "url" { throw APIError.badRequest("unknown field '\(m.key)' (allowed: url)", field: m.key) }
        guard case let .string(url)? = members.first?.value else { throw APIError.badRequest("field 'url' is required", field: "url") }
        return jsonResponse(webhookJSON(try await addWebhook(s, url: url), secret: true), status: .created)
    }

    func removeWebhook(_ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx, roles: [.producer], action: "remove a webhook")
        try await removeWebhook(s, id: Int64(try ctx.param("id")))
        return Response(status: .noContent)
    }

    func deliveryJSON(_ d: Delivery) -> JSON {
        .object([
            ("key", .string(d.key)), ("round", .int(d.round)), ("recipient", .string(d.recipient)), ("channel", .string(d.channel.rawValue)),
            ("state", .string(d.state.rawValue)), ("attempts", .int(d.attempts)),
            ("delivered_at", d.deliveredAt.map { .int(Int($0)) } ?? .null), ("last_error", .orNull(d.lastError)),
            ("failing_since", d.failingSince.map { .int(Int($0)) } ?? .null),
        ])
    }

    /// What became of one alarm's deliveries (addresses left out).
    func deliveries(_ ctx: SignedInContext) async throws -> Response {
        let s = try require(ctx, roles: [.armorer, .firstAD, .producer, .safety], action: "see alarm deliveries")
        let outbox = try requireOutbox()
        let raw = try ctx.param("index")
        guard let index = Int(raw), index >= 0 else { throw APIError.badRequest("an alarm is named by its entry index, not '\(raw)'", field: "index") }
        return jsonResponse(.array(try await answering(s.production) { try await outbox.deliveries(s.production, index: index) }.map(deliveryJSON)))
    }
}
