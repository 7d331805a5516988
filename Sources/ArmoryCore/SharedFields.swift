/// A value's fields, shared between copies until one of them is changed: a firearm, a lot
/// or a person is read on nearly every step and copied with the state, and a copy is then
/// one retain rather than one per field. A change copies the fields only while another copy
/// still shares them.
struct SharedFields<Fields: Hashable & Sendable>: Hashable, Sendable {
    /// Changed only while no other copy shares it (`value`'s `_modify`).
    final class Storage: @unchecked Sendable {
        /// Reached only through `value` below, which never overlaps two accesses: no
        /// run-time exclusivity check is needed on every read.
        @exclusivity(unchecked) var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var storage: Storage

    init(_ fields: Fields) { storage = Storage(fields) }

    var value: Fields {
        _read { yield storage.fields }
        _modify {
            if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
            yield &storage.fields
        }
    }

    static func == (a: SharedFields, b: SharedFields) -> Bool { a.storage === b.storage || a.storage.fields == b.storage.fields }
    func hash(into hasher: inout Hasher) { storage.fields.hash(into: &hasher) }
}
