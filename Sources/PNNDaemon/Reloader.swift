import Logging
import PNNConfig
import PNNDevices
import PNNProtocol

/// SIGHUP: re-reads the configuration file and restarts only the devices whose configuration changed.
///
/// Untouched devices keep their workers — queues, leases and sequence numbers carry on. Changed and
/// removed devices drain like at shutdown; new and changed ones start fresh, except that a changed
/// device keeps its lease (`DeviceLease`) and its sequence numbers. A changed device's new
/// worker is installed at once but shows `reconfiguring` and only queues batches until its old worker
/// has drained, so the device never runs batches of both configurations at once. A file that does not
/// parse changes nothing. Server settings (socket, limits of the protocol) need a restart; a change is
/// reported in the log.
actor Reloader {
    private let daemon: Daemon
    private let dispatcher: Dispatcher
    private let recording: RecordingQueue
    private let events: EventHub
    private var current: DaemonConfiguration

    init(daemon: Daemon, dispatcher: Dispatcher, recording: RecordingQueue, events: EventHub,
         current: DaemonConfiguration) {
        self.daemon = daemon
        self.dispatcher = dispatcher
        self.recording = recording
        self.events = events
        self.current = current
    }

    func reload() async {
        let logger = daemon.log
        guard let path = daemon.configPath else {
            logger.notice("SIGHUP ignored: running the embedded --simulate configuration, no file to re-read")
            return
        }
        daemon.notify { try $0.reloading(status: "reloading \(path)") }
        var next: DaemonConfiguration
        do {
            next = try DaemonConfiguration.load(path: path)
            daemon.overrides.apply(to: &next)
        } catch {
            logger.error("reload failed; keeping the running configuration", metadata: ["pnn.error": "\(error)"])
            daemon.notify { try $0.ready(status: "reload failed: \(error)") }
            return
        }
        if next.server != current.server {
            logger.warning("[server] settings changed; they take effect after a restart")
        }
        let oldHashes = current.deviceHashes
        let newHashes = next.deviceHashes
        var keep: [DeviceWorker] = []
        var retire: [DeviceWorker] = []
        for worker in dispatcher.workers {
            if let hash = newHashes[worker.name], hash == oldHashes[worker.name] {
                keep.append(worker)
            } else {
                retire.append(worker)
            }
        }
        let keptNames = Set(keep.map(\.name))
        let fresh = daemon.makeWorkers(next.devices.filter { !keptNames.contains($0.name) }, configuration: next,
                                       recording: recording, events: events, connections: dispatcher.openConnections,
                                       replacing: retire)
        // Install first so new requests reach the new workers (and queue there), then drain the retired
        // ones, then let their successors run.
        _ = dispatcher.install(keep + fresh, configHash: next.sourceHash)
        await Daemon.drain(retire, timeout: .seconds(next.server.drainSeconds))
        for worker in fresh { await worker.activate() }
        let now = UnixTime.now()
        for worker in retire where newHashes[worker.name] == nil {
            events.publish(DeviceEvent(device: worker.name, kind: .down, message: "removed from the configuration", time: now))
        }
        for worker in fresh {
            let kind: DeviceEvent.Kind = oldHashes[worker.name] == nil ? .up : .reconfigured
            events.publish(DeviceEvent(device: worker.name, kind: kind, message: "configuration applied", time: now))
        }
        current = next
        logger.info("configuration reloaded", metadata: [
            "pnn.devices.kept": "\(keep.map(\.name))", "pnn.devices.restarted": "\(fresh.map(\.name))",
            "pnn.devices.removed": "\(retire.map(\.name).filter { newHashes[$0] == nil })",
        ])
        daemon.notify { try $0.ready(status: "serving \(keep.count + fresh.count) devices") }
    }
}

