import ArgumentParser

/// `pnn physics`: the physical models on their own, no daemon involved.
struct Physics: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with the simulated physical models directly.",
        subcommands: [
            PhysicsModels.self,
            PhysicsSimulate.self,
            PhysicsSampleInput.self,
            PhysicsGradcheck.self,
            PhysicsConv.self,
        ]
    )
}
