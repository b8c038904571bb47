// Module PNNProtocol: see docs/architecture.md.
