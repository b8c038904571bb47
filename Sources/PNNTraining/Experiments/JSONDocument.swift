import Foundation

/// The files training writes for people and for later runs (checkpoints, twins): pretty-printed JSON
/// with sorted keys, so two runs' files diff cleanly, written atomically, so a crash never leaves half
/// a file where the previous one was. Reading tells a missing or unreadable file apart from one that is
/// not the kind of document asked for.
enum JSONDocument {
    /// `what` names the document in errors, e.g. "checkpoint".
    static func write(_ value: some Encodable, to path: String, what: String) throws(TrainingError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TrainingError(.file, "cannot write \(what) \(path): \(error.localizedDescription)")
        }
    }

    static func read<T: Decodable>(_ type: T.Type, from path: String, what: String) throws(TrainingError) -> T {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TrainingError(.file, "cannot read \(what) \(path): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw TrainingError(.file, "\(path) is not a pnn \(what): \(error)")
        }
    }
}
