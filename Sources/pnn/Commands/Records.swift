import ArgumentParser

/// `pnn records`: the batches pnnd recorded.
struct Records: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with the batches pnnd recorded.",
        subcommands: [RecordsExport.self]
    )
}
