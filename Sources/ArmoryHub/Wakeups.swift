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
