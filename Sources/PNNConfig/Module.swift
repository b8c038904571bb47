// Module PNNConfig: see docs/architecture.md.
