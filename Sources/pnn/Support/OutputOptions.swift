import ArgumentParser

/// How a command reports its result: human-readable text (default) or JSON on stdout.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print the result as JSON on stdout.")
    var json = false
}
