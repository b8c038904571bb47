import PNNClient
import PNNCore
import PNNPhysics
import PNNProtocol
import PNNTraining

/// Exit statuses of `pnn` (values from BSD sysexits.h): the one table every failure goes through.
///
/// | status | name           | when                                                                 |
/// |-------:|----------------|----------------------------------------------------------------------|
/// |      0 | —              | success                                                              |
/// |      1 | —              | other pnnd/device errors: notFound, internal, cancelled; no records to export |
/// |     64 | EX_USAGE       | bad command line: unknown verb/model, bad option value, sizes a model cannot take |
/// |     65 | EX_DATAERR     | input file content: not .npy, unsupported dtype, wrong rank/shape, empty, NaN/Inf; pnnd's invalidArgument / outOfRange; a request over pnnd's frame limit |
/// |     66 | EX_NOINPUT     | an input file or the record store is missing or cannot be opened     |
/// |     69 | EX_UNAVAILABLE | cannot connect to pnnd, connection lost, or pnnd's unavailable       |
/// |     70 | EX_SOFTWARE    | internal error (a bug in pnn)                                        |
/// |     73 | EX_CANTCREAT   | an output file cannot be created                                     |
/// |     74 | EX_IOERR       | reading the record store failed (`records export`)                   |
/// |     75 | EX_TEMPFAIL    | try again: pnnd's resourceExhausted / deadlineExceeded / failedPrecondition; record store locked by pnnd |
/// |     76 | EX_PROTOCOL    | pnnd sent a reply pnn cannot decode or did not expect                |
/// |     77 | EX_NOPERM      | pnnd's permissionDenied; no permission on the record store           |
enum ExitStatus: Int32, CaseIterable, Sendable {
    case failure = 1
    case usage = 64
    case dataError = 65
    case noInput = 66
    case unavailable = 69
    case software = 70
    case cannotCreate = 73
    case ioError = 74
    case tempFail = 75
    case protocolError = 76
    case noPermission = 77

    /// The status of a failed daemon call.
    static func of(_ code: ClientError.Code) -> ExitStatus {
        if let server = code.serverCode {
            switch server {
            case .invalidArgument, .outOfRange: return .dataError
            case .permissionDenied: return .noPermission
            case .resourceExhausted, .deadlineExceeded, .failedPrecondition: return .tempFail
            case .unavailable: return .unavailable
            case .notFound, .cancelled, .internal: return .failure
            }
        }
        switch code {
        case .connection: return .unavailable
        case .protocolViolation: return .protocolError
        case .invalidRequest: return .dataError
        default: return .failure  // .cancelled
        }
    }
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
        case let error as TrainingError:
            if let code = error.daemonCode {
                self.init(.of(code), error.message)
                return
            }
            switch error.kind {
            case .invalidArgument: self.init(.usage, error.message)
            case .shapeMismatch, .model: self.init(.dataError, error.message)
            case .file: self.init(.noInput, error.message)
            case .unavailable: self.init(.unavailable, error.message)
            case .device, .diverged: self.init(.failure, error.message)
            }
        case let error as ClientError:
            self.init(.of(error.code), error.code.serverCode == nil ? error.message : "pnnd: \(error.description)")
        default:
            self.init(.software, "internal error: \(error)")
        }
    }
}
