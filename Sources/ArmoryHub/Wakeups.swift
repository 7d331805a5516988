/// How a background worker is woken: a signal that coalesces (a burst of wakes is one look),
/// and a tick that gives it when nothing else does.
struct Wakeups: Sendable {
    let signal: AsyncStream<Void>.Continuation
    let signals: AsyncStream<Void>

    init() { (signals, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1)) }

    /// Asks for a look now rather than at the next tick.
    func wake() { signal.yield() }

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
