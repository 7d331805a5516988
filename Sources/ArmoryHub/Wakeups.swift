import Synchronization

/// How a background worker is woken: a signal that coalesces (a burst of wakes is one look),
/// a tick that gives it when nothing else does, and the productions woken since the last look.
final class Wakeups: Sendable {
    let signal: AsyncStream<Void>.Continuation
    let signals: AsyncStream<Void>
    let woken = Mutex(Set<String>())

    init() { (signals, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1)) }

    /// Asks for a look now rather than at the next tick.
    func wake() { signal.yield() }

    /// Asks for a look now at `production`.
    func wake(for production: String) {
        woken.withLock { _ = $0.insert(production) }
        signal.yield()
    }

    /// The productions woken since this was last asked.
    func takeWoken() -> Set<String> { woken.withLock { w in defer { w = [] }; return w } }

    /// Runs `look` on each wake or tick until cancelled.
    func run(every tick: Duration, isolation: isolated (any Actor)? = #isolation, _ look: () async -> Void) async {
        let ticker = Task { [signal] in
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                signal.yield()
            }
        }
        defer { ticker.cancel() }
        for await _ in signals {
            if Task.isCancelled { break }
            await look()
        }
    }
}

/// When each thing a worker failed to reach may be tried again: the first wait `first`
/// seconds, each later one twice the last, up to `longest`; or a wait given (a refusal).
struct Backoff<Key: Hashable> {
    let first: Double
    let longest: Double
    private var waits: [Key: (until: Double, wait: Double)] = [:]

    init(first: Double, longest: Double) {
        self.first = first
        self.longest = longest
    }

    /// Whether `key` is still waiting at `now` (seconds since 1970).
    func waiting(_ key: Key, now: Double) -> Bool { waits[key].map { $0.until > now } ?? false }

    /// Records a failure at `now`; returns the wait before the next try.
    mutating func failed(_ key: Key, now: Double, wait given: Double? = nil) -> Double {
        let wait = given ?? waits[key].map { min($0.wait * 2, longest) } ?? first
        waits[key] = (now + wait, wait)
        return wait
    }

    /// Forgets the failures of `key`: the next one waits `first` again.
    mutating func succeeded(_ key: Key) { waits[key] = nil }
}
