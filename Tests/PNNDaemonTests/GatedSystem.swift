import PNNCore
import PNNDevices

/// A device whose measurements wait until the test opens its gate, so a test can hold a batch "on the
/// device" for exactly as long as it needs instead of guessing with a latency and sleeps — those orderings
/// broke on a loaded CI machine.
struct GatedSystem: PhysicalSystem {
    let inner: any PhysicalSystem
    let gate: Gate

    var name: String { inner.name }
    var description: DeviceDescription { inner.description }

    func run(input: Tensor<Float>, parameters: Tensor<Float>) async throws(DeviceError) -> Tensor<Float> {
        await gate.pass()
        return try await inner.run(input: input, parameters: parameters)
    }

    func health() async -> DeviceHealth { await inner.health() }
    func close() async { await inner.close() }
}

/// Closed until `open()`; then every waiter, present and future, passes.
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func pass() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}
