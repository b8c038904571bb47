// Module PNNDaemon: see docs/architecture.md.
