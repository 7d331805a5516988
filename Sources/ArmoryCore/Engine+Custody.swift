/// Receipt, return, handover, storage and the custody observations (FA-3, FA-4, FA-5, FA-6).
extension StepContext {
    mutating func receiveFirearm(_ id: String, serial: String, make: String, model: String, from: String?) -> String {
        let f = firearm(fn)
        requireArmorer("receive firearms")
        if f.presence.isInProduction {
            findings.add(.fa5, "\(id) is still in the production (\(f.custodian.map { "held by \($0)" } ?? "reported missing")); it cannot be received again")
        }
        requireNotFrozen(f)
        let by = actorID
        update(firearm: fn) { f in
            f.serial = serial
            f.make = make
            f.model = model
            f.source = from
            f.presence = .held(by: by)
            f.unknown = true
            f.storedLocked = false
            f.showClear = nil
            f.declared = nil
        }
        return say("\(id) received into \(by)'s custody; unknown until inspected")
    }

    mutating func returnFirearm(_ id: String, to: String?) -> String {
        let f = firearm(fn)
        requireArmorer("return firearms")
        requireArmorerCustody(f)
        requireNotFrozen(f)
        update(firearm: fn) { f in
            f.presence = .returned
            f.storedLocked = false
            f.showClear = nil
        }
        return say("\(id) returned\(to.map { " to \($0)" } ?? " to the rental house")")
    }

    mutating func handOver(_ id: String, to recipientID: String, scene: String?) -> String {
        let f = firearm(fn)
        guard let giver = actor, let recipient = numbers.to.flatMap({ before.people[number: $0] }) else { return "" }
        let toTalent = recipient.acts(as: .talent)
        let toArmorer = countsAsArmorer(recipient)
        let byTalent = giver.acts(as: .talent)
        let isHandBack = byTalent && toArmorer

        requireCustodian(f)
        if f.custodian != giver.id {
            findings.add(.fa3, "\(giver.id) is not \(id)'s custodian\(f.custodian.map { " (\($0) is)" } ?? ""); only the custodian hands it over")
        }
        if f.custodian == recipientID {
            findings.add(.fa3, "\(recipientID) already holds \(id)")
        }
        if !toTalent && !toArmorer {
            findings.add(.fa3, "\(recipientID) is neither talent nor the armorer; a firearm passes only from the armorer to talent and back")
        }
        if toTalent && !countsAsArmorer(giver) && !disqualified(giver, "hand firearms to talent") {
            findings.add(.fa3, "\(giver.id) is not the armorer; only the armorer hands a firearm to talent")
        }
        // Precise "Custody": "A never-accepted firearm is not unknown (FA-4 starts when a firearm
        // is received or handed back): commands on it cite FA-5 and what they break for other
        // reasons, not FA-4." Revision 1 cited FA-4 for it too.
        if byTalent && !toArmorer && (!settled || f.presence != .neverAccepted) {
            findings.add(.fa4, "talent hands \(id) back only to the armorer, not to \(recipientID)")
        }
        if f.frozen && !isHandBack {
            findings.add(.fa7, "\(id) is frozen as evidence; it moves only back from talent to the armorer until unfrozen")
        }
        if toTalent {
            requireNotWithdrawn(f)
            if let scene { requireMeeting(scene, for: "handing \(id) to talent") }
            if let why = showClearProblem(f, recipient: recipientID) { findings.add(.fa2, why) }
            if before.lacksTraining(recipient, on: date) {
                let reason = say("\(recipientID) has no unexpired firearms training on \(step.at.localDate); a firearm goes only to trained talent")
                findings.add(.qual1, reason)
            }
        }

        update(firearm: fn) { f in
            f.presence = .held(by: recipientID)
            f.storedLocked = false
            f.showClear = nil
            if isHandBack { f.unknown = true }
        }
        if isHandBack { return say("\(id) handed back to \(recipientID); unknown until inspected") }
        return say("\(id) handed from \(giver.id) to \(recipientID)\(scene.map { " for scene \($0)" } ?? "")")
    }

    /// FA-2: why none of the firearm's show-clears since it was last loaded, unloaded or handed
    /// over covers this handover, or nil if one does. Precise "Show-clear": "the handover is
    /// covered if any one of them qualifies"; when none does, the latest one says why.
    /// Revision 1 looked at the latest one only.
    func showClearProblem(_ f: FirearmState, recipient: String) -> String? {
        guard let latest = f.showClears.last else {
            return say("\(f.id) was not shown clear to \(recipient) and the first AD since it was last loaded, unloaded or handed over")
        }
        if settled, f.showClears.contains(where: { showClearProblem(f, $0, recipient: recipient) == nil }) { return nil }
        return showClearProblem(f, latest, recipient: recipient)
    }

    /// FA-2: why the show-clear `shown` does not cover this handover, or nil if it does.
    func showClearProblem(_ f: FirearmState, _ shown: ShowClear, recipient: String) -> String? {
        if !shown.audience.contains(recipient) {
            return say("\(f.id) was shown clear without \(recipient) present")
        }
        if !shown.audience.contains(where: { before.people[$0]?.acts(as: .firstAD) ?? false }) {
            return say("\(f.id) was shown clear without the first AD present")
        }
        let window = before.policy.showClearWindowMinutes
        if step.at.seconds(since: shown.at) > window * 60 {
            return say("\(f.id) was shown clear at \(shown.at.localClock), more than \(Policy.format(window)) minutes before this handover")
        }
        return nil
    }

    mutating func store(_ id: String, locked: Bool) -> String {
        let f = firearm(fn)
        requireArmorer("store firearms")
        requireArmorerCustody(f)
        update(firearm: fn) { $0.storedLocked = locked }
        return locked ? "\(id) stored locked" : "\(id) put down unlocked; it must be stored locked before wrap"
    }

    mutating func reportMissing(_ id: String) -> String {
        let f = firearm(fn)
        if case .held = f.presence {
            update(firearm: fn) { f in
                f.presence = .missing
                f.storedLocked = false
                f.showClear = nil
            }
        }
        let was: String
        switch f.presence {
        case let .held(by): was = " (last held by \(by))"
        case .missing: was = " again"
        case .returned: was = " although it was returned to the rental house"
        case .neverAccepted: was = " although it was never accepted"
        case let .withInvestigators(caseNumber): was = " although it is with investigators (case \(caseNumber))"
        }
        findings.add(.fa5, "\(id) reported missing\(was); custody is broken")
        return ""
    }

    mutating func wrap() -> String {
        for n in before.lotsTouched {
            // A box handed to investigators is counted by them, not on set.
            guard let lot = before.lots[number: n], lot.withInvestigators == nil else { continue }
            let id = lot.id
            if !lot.reconciledSinceMove {
                findings.add(.ammo4, "lot \(id) was not reconciled after its last use today")
            } else if lot.lastReconcileMatched != true {
                findings.add(.ammo4, "lot \(id)'s last count did not match its box (\(lot.box) expected)")
            }
        }
        for (id, f) in before.firearms where f.presence.isInProduction {
            switch f.presence {
            case let .held(by) where !countsAsArmorer(before.people[by]):
                findings.add(.fa6, "\(id) is still with \(by) at wrap, not back with the armorer")
            case .missing:
                findings.add(.fa6, "\(id) is missing at wrap")
            default:
                if !f.storedLocked { findings.add(.fa6, "\(id) is not stored locked at wrap") }
            }
        }
        // ALARM-1: with `alarms_answered_by_wrap`, every earlier alarm, on any day, answered.
        if before.policy.alarmsAnsweredByWrap {
            let open = before.openAlarms
            if !open.isEmpty {
                findings.add(.alarm1, "\(open.count == 1 ? "alarm" : "alarms") \(open.map(String.init).joined(separator: ", ")) still unanswered at wrap; a producer or safety must acknowledge \(open.count == 1 ? "it" : "them")")
            }
        }
        changes.wrapped = true
        return say("day wrapped: every firearm stored locked with the armorer, every round accounted for")
    }
}
