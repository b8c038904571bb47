import PNNCore
import PNNPhysics

/// Exit statuses of `pnn` (values from BSD sysexits.h): the one table every failure goes through.
///
/// | status | name         | when                                                                   |
/// |-------:|--------------|------------------------------------------------------------------------|
/// |      0 | —            | success                                                                |
/// |     64 | EX_USAGE     | bad command line: unknown verb/model, bad option value, sizes a model cannot take |
/// |     65 | EX_DATAERR   | input file content: not .npy, unsupported dtype, wrong rank/shape, empty, NaN/Inf |
/// |     66 | EX_NOINPUT   | an input file is missing or cannot be opened                           |
/// |     70 | EX_SOFTWARE  | internal error (a bug in pnn)                                          |
/// |     73 | EX_CANTCREAT | an output file cannot be created                                       |
enum ExitStatus: Int32, CaseIterable, Sendable {
    case usage = 64
    case dataError = 65
    case noInput = 66
    case software = 70
    case cannotCreate = 73
}

/// A command failure: a one-line message and the exit status it maps to.
struct CLIError: Error, Sendable, CustomStringConvertible {
    let status: ExitStatus
    let message: String

    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    var description: String { message }

    static func usage(_ message: String) -> CLIError { CLIError(.usage, message) }
    static func dataError(_ message: String) -> CLIError { CLIError(.dataError, message) }
    static func noInput(_ message: String) -> CLIError { CLIError(.noInput, message) }
    static func cannotCreate(_ message: String) -> CLIError { CLIError(.cannotCreate, message) }
    static func software(_ message: String) -> CLIError { CLIError(.software, message) }

    /// Maps anything a command throws to a status; errors not classified here are internal (70).
    init(_ error: any Error) {
        switch error {
        case let error as CLIError:
            self = error
        case let error as ModelError:
            switch error.code {
            case .shapeMismatch, .nonFinite: self.init(.dataError, error.message)
            case .invalidConfiguration: self.init(.usage, error.message)
            default: self.init(.software, error.message)
            }
        case let error as NPYError:
            self.init(.dataError, error.message)
        case let error as ShapeError:
            self.init(.dataError, error.message)
        default:
            self.init(.software, "internal error: \(error)")
        }
    }
}
