/// Which reading of PROTOCOL.md a decision follows. Evidence is re-decided by the rules it
/// was recorded under, so a bundle written before a reading was settled still verifies.
///
/// - 1: the rules before PROTOCOL.md's settled readings.
/// - 2: the settled readings: only the armorer's `reconcile` counts at `wrap` (AMMO-4); a
///   firearm never accepted is not `unknown` (talent handing it on cites no FA-4); any
///   qualifying show-clear before a handover covers it (FA-2).
///
/// A dual-hatted armorer acts in none of their roles under both: a `hand_over` to one who is
/// also talent needs no `scene`. That only made a step once invalid (never recorded) valid,
/// so no recorded decision depends on it.
public enum ProtocolRevision {
    public static let current = 2
    public static let all = 1...2
}
