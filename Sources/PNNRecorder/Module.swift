// Module PNNRecorder: see docs/architecture.md.
