// Module PNNSystemd: see docs/architecture.md.
