// Module PNNClient: see docs/architecture.md.
