import ArmoryCore
import ArmoryLedger
import ArmoryStore

/// One action a firearm's or lot's page offers: its form, pre-filled with this item's obvious
/// choices, and, when it cannot be done now, why in plain words.
struct ActionOffer {
    let name: String
    let title: String
    /// The form's address, with the item and the choices the engine was asked about.
    let href: String
    /// Why not now: the rule's title and what to do (nil when it can be done now).
    let reason: String?
    /// The engine's own sentence about this item (nil when it can be done now).
    let detail: String?
}

/// A heading and the actions under it; absent when it would be empty.
struct OfferGroup {
    let offers: [ActionOffer]
    init?(_ offers: [ActionOffer]) {
        guard !offers.isEmpty else { return nil }
        self.offers = offers
    }
}

/// Why a firearm is not in use, in plain words, with the entry that made it so.
struct StateNote {
    let word: String
    let text: String
    let entryHref: String?
    let entry: Int?
}

/// A firearm's or lot's page: what it is, why it is out of use, and what to do with it.
struct ItemPageView {
    let production: String
    let id: String
    let kindTitle: String
    let condition: String
    let summary: String
    let notes: [StateNote]
    /// What the person signed in can do now, as the engine would decide it.
    let now: OfferGroup?
    /// Observations of what happened (a shot, a discharge, a loss): always recorded.
    let reports: OfferGroup?
    /// What the engine would refuse now, each with its reason.
    let notNow: OfferGroup?
    let history: String
}

/// The actions a page offers on one item, each tried first as a dry run: the step the person
/// signed in would send with this item's obvious choices, decided by the engine against the
/// production as it stands, and never recorded.
struct ItemActions {
    let state: ProductionState
    let person: String
    let at: Timestamp
    /// The scene the production was last working on, if any.
    let currentScene: String?
    let production: String

    private(set) var now: [ActionOffer] = []
    private(set) var reports: [ActionOffer] = []
    private(set) var notNow: [ActionOffer] = []

    init(state: ProductionState, person: String, at: Timestamp, currentScene: String?, production: String) {
        self.state = state
        self.person = person
        // A dry run is never earlier than the latest step (a device clock behind the log).
        self.at = state.lastAt.map { $0 > at ? $0 : at } ?? at
        self.currentScene = currentScene
        self.production = production
    }

    /// The engine's decision on `action` by the person signed in, now; nil when the step could
    /// not even be understood (which the form would then say).
    func decide(_ action: Action, by: String? = nil) -> Decision? {
        try? Engine.decide(state, Step(at: at, by: by ?? person, action: action)).0
    }

    func href(_ name: String, _ fields: [(String, String)]) -> String {
        "/p/\(urlEncode(production))/tablet/act/\(name)?" + fields.map { "\($0.0)=\(urlEncode($0.1))" }.joined(separator: "&")
    }

    /// Files the action under now or not now by the engine's decision.
    mutating func offer(_ name: String, _ fields: [(String, String)], _ decision: Decision?, title: String? = nil) {
        guard let form = ActionForm.named(name) else { return }
        let link = href(name, fields)
        guard let decision, decision.outcome == .ok else {
            let reason = decision.map(Self.reason) ?? "It cannot be done with this item as it stands."
            notNow.append(ActionOffer(name: name, title: title ?? form.title, href: link, reason: reason, detail: decision?.message))
            return
        }
        now.append(ActionOffer(name: name, title: title ?? form.title, href: link, reason: nil, detail: nil))
    }

    mutating func report(_ name: String, _ fields: [(String, String)]) {
        guard let form = ActionForm.named(name) else { return }
        reports.append(ActionOffer(name: name, title: form.title, href: href(name, fields), reason: nil, detail: nil))
    }

    /// A refusal or alarm in plain words: each rule's title and what to do.
    static func reason(_ d: Decision) -> String {
        let words = d.rules.map { "\($0.title). \(RuleAdvice.advice($0))" }.joined(separator: " ")
        return (d.outcome == .alarm ? "It would raise an alarm. " : "") + words
    }

    // MARK: Obvious choices

    func people(acting role: Role) -> [Person] { state.crew.filter { $0.acts(as: role) } }

    /// The talent a firearm goes to: one it was last shown clear to, else the first on the crew.
    func talent(for f: FirearmState) -> String? {
        let shown = f.showClear?.audience ?? []
        return people(acting: .talent).first { shown.contains($0.id) }?.id ?? people(acting: .talent).first?.id
    }

    /// The scene to work in: the current one while its meeting holds, else the latest met.
    func scene(blanks: Bool = false) -> String? {
        let met = state.meetings.filter { !blanks || $0.value }.keys.sorted()
        if let s = currentScene, met.contains(s) { return s }
        return met.last ?? currentScene
    }

    /// Lots to load from, most fitting first: those of the current scene's kind, newest first.
    func lotsToLoad() -> [LotState] {
        let blanksNow = currentScene.flatMap { state.meetings[$0] } ?? false
        let lots = state.lotOrder.reversed().compactMap { state.lots[$0] }.filter { $0.box > 0 }
        let usable = lots.filter { Pages.unusable($0) == nil }
        let pool = usable.isEmpty ? lots : usable
        return pool.filter { ($0.kind == .blank) == blanksNow } + pool.filter { ($0.kind == .blank) != blanksNow }
    }

    /// A load of one round of `lot` into `f` for the scene that fits it.
    func loadStep(_ f: String, _ lot: LotState) -> (Action, [(String, String)]) {
        let scene = scene(blanks: lot.kind == .blank) ?? scene() ?? "(none yet)"
        return (.load(firearm: f, lot: lot.id, rounds: 1, scene: scene, rehearsal: false), [("scene", scene)])
    }

    /// Tries each candidate in turn: the first the engine accepts, else the first refusal.
    mutating func offerFirst(_ name: String, _ tries: [(Action, [(String, String)])]) {
        let decided = tries.map { (decide($0.0), $0.1) }
        let pick = decided.first { $0.0?.outcome == .ok } ?? decided.first
        if let pick { offer(name, pick.1, pick.0) }
    }

    // MARK: A firearm

    mutating func firearm(_ f: FirearmState) {
        let id = f.id, item = [("firearm", id)]
        guard f.presence.isInProduction else { return }
        let mine = f.custodian == person
        for name in ActionForm.firearmActions {
            switch name {
            case "inspect_firearm":
                // An observation the engine always records: it makes sense only in the hands of whoever inspects it.
                if let holder = f.custodian, !mine {
                    notNow.append(ActionOffer(name: name, title: ActionForm.named(name)!.title, href: href(name, item),
                                              reason: "\(Rule.fa5.title). It is with \(named(holder)): it comes back to you first.", detail: nil))
                } else {
                    offer(name, item, decide(.inspectFirearm(firearm: id, result: .clear)))
                }
            case "load":
                guard f.custodian != nil else { continue }
                let lots = lotsToLoad()
                if lots.isEmpty {
                    notNow.append(ActionOffer(name: name, title: "Load", href: href(name, item),
                                              reason: "No lot has rounds in its box: receive ammunition first.", detail: nil))
                    continue
                }
                offerFirst(name, lots.map { lot in
                    let (action, fields) = loadStep(id, lot)
                    return (action, item + [("lot", lot.id)] + fields)
                })
            case "unload":
                guard let last = f.contents.last(where: { $0.count > 0 }) else { continue }
                offer(name, item + [("lot", last.lot)], decide(.unload(firearm: id, lot: last.lot, rounds: last.count)))
            case "show_clear":
                guard f.custodian != nil else { continue }
                let audience = [talent(for: f), people(acting: .firstAD).first?.id].compactMap { $0 }
                offer(name, item, decide(.showClear(firearm: id, to: audience)))
            case "hand_over":
                guard let holder = f.custodian else { continue }
                let me = state.people[person]
                if !mine, me?.acts(as: .armorer) == true {
                    // The armorer takes it back from whoever holds it: recorded by the armorer, in the
                    // holder's name (RecordingForOthers), so the talent need not sign in.
                    offer(name, item + [("to", person), ("by", holder)], decide(.handOver(firearm: id, to: person, scene: nil), by: holder),
                          title: "Take back from \(named(holder))")
                } else if me?.acts(as: .armorer) == true || !mine {
                    // The armorer hands it to talent (someone else holding it hands it back themselves).
                    guard let to = talent(for: f) else { continue }
                    let scene = scene() ?? "(none yet)"
                    offer(name, item + [("to", to), ("scene", scene)], decide(.handOver(firearm: id, to: to, scene: scene)))
                } else if let armorer = people(acting: .armorer).first?.id {
                    offer(name, item + [("to", armorer)], decide(.handOver(firearm: id, to: armorer, scene: nil)))
                }
            case "declare":
                guard f.custodian != nil else { continue }
                let blanks = f.contents.contains { $0.count > 0 && state.lots[$0.lot]?.kind == .blank }
                offer(name, item, decide(.declare(firearm: id, state: blanks ? .hot : .cold)))
            case "store":
                guard f.custodian != nil, !f.storedLocked else { continue }
                offer(name, item, decide(.store(firearm: id, locked: true)))
            case "return_firearm":
                guard f.custodian != nil else { continue }
                offer(name, item, decide(.returnFirearm(firearm: id, to: f.source)))
            case "unfreeze":
                guard f.frozen else { continue }
                offer(name, item, decide(.unfreeze(firearm: id, reason: "reviewed")))
            case "fire":
                // The armorer records the shot of the talent holding it, in the talent's name.
                if let holder = f.custodian { report(name, item + (mine ? [] : [("by", holder)])) }
            case "report_discharge":
                report(name, item)
            case "report_missing":
                if f.custodian != nil { report(name, item) }
            default:
                continue
            }
        }
    }

    // MARK: A lot

    mutating func lot(_ l: LotState) {
        let item = [("lot", l.id)]
        guard l.withInvestigators == nil else { return }
        for name in ActionForm.lotActions {
            switch name {
            case "inspect_lot":
                guard l.box > 0 else { continue }
                offer(name, item, decide(.inspectLot(lot: l.id, inspected: l.box, liveFound: 0)))
            case "load":
                guard l.box > 0 else { continue }
                // Into a firearm the person holds, else any in the production, to hear why not.
                let held = state.firearmOrder.compactMap { state.firearms[$0] }.filter { $0.presence.isInProduction }
                let firearms = held.filter { $0.custodian == person } + held.filter { $0.custodian != person }
                guard !firearms.isEmpty else { continue }
                offerFirst(name, firearms.map { f in
                    let (action, fields) = loadStep(f.id, l)
                    return (action, item + [("firearm", f.id)] + fields)
                })
            case "reconcile":
                offer(name, item, decide(.reconcile(lot: l.id, counted: l.box)))
            default:
                continue
            }
        }
    }

    func named(_ id: String) -> String { state.people[id]?.name ?? id }

    // MARK: Why it is out of use

    /// Why firearm `f` is frozen, withdrawn or unknown, each with the entry that made it so:
    /// `history` is its own entries, oldest first; `lotHistory` a lot's, for a live round found.
    static func notes(_ f: FirearmState, state: ProductionState, production: String, history: [StoredEntry],
                      lotHistory: (String) -> [StoredEntry]) -> [StateNote] {
        func note(_ word: String, _ text: String, _ cause: StoredEntry?) -> StateNote {
            StateNote(word: word, text: text, entryHref: cause.map { "/p/\(urlEncode(production))/entry/\($0.index)" }, entry: cause?.index)
        }
        func latest(in entries: [StoredEntry], _ match: (LogEntry, JSON?) -> Bool) -> StoredEntry? {
            entries.last { match($0.entry, try? JSON.parse($0.entry.body)) }
        }
        var out: [StateNote] = []
        if f.frozen {
            out.append(note("Frozen", "It went off when no one expected it to, and it is held as evidence. Nothing may be done with it "
                + "but store it locked or have it handed back to the armorer, until a producer or safety rep unfreezes it.",
                latest(in: history) { e, _ in e.outcome == .alarm && e.rules.contains(.fa7) }))
        }
        if f.withdrawnForFault {
            out.append(note("Withdrawn", "A misfire or a fault was found. No one loads it, shows it clear, declares it or hands it to talent "
                + "until the armorer inspects it and finds it clear.",
                latest(in: history) { e, _ in e.outcome == .alarm && e.rules.contains(.fa8) }))
        }
        if f.withdrawnForLiveLot {
            let lots = state.lotOrder.filter { state.lots[$0]?.foundLive == true && state.lots[$0]?.loadedInto.contains(f.id) == true }
            let cause = lots.compactMap { lot in latest(in: lotHistory(lot)) { e, _ in e.outcome == .alarm && e.rules.contains(.ammo1) } }
                .max { $0.index < $1.index }
            out.append(note("Withdrawn", "It was loaded from \(lots.isEmpty ? "a lot" : "lot " + lots.joined(separator: ", ")), where a live round was found. "
                + "The armorer inspects it before anyone uses it again.", cause))
        }
        if f.unknown {
            let cause = latest(in: history) { e, body in
                e.outcome != .refused && ["receive_firearm", "hand_over"].contains(body?["do"]?.stringValue ?? "")
            }
            let how = (try? cause.map { try JSON.parse($0.entry.body)["do"]?.stringValue }) ?? nil
            out.append(note("Unknown", (how == "receive_firearm" ? "It has just been received" : "It has just been handed back")
                + ", and no one knows what is in it until the armorer inspects it. Until then it is not loaded, shown clear, declared or handed to talent.",
                cause))
        }
        return out
    }
}
