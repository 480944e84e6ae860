import ChildProcess
import Foundation

/// One running `faultline mock` process, as `ServerManager` started it.
public struct ServerInstance: Sendable {
  /// The port the server really listens on.
  public let port: Int
  /// The process itself, for signals and its captured output.
  public let process: ManagedChild

  /// The server's process id.
  public var pid: Int32 { process.pid }
  /// `http://127.0.0.1:PORT`, what a client connects to directly.
  public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }
}

/// Why `ServerManager` could not do what it was asked.
public enum ServerManagerError: Error, Equatable, CustomStringConvertible {
  case noServer(port: Int)
  case alreadyRunning(port: Int)
  case startFailed(port: Int, reason: String)
  case readyLineWithoutPort(line: String)

  public var description: String {
    switch self {
    case .noServer(let port): "no server is managed on port \(port)"
    case .alreadyRunning(let port): "a server is already running on port \(port)"
    case .startFailed(let port, let reason):
      "the mock server on port \(port == 0 ? "0 (any)" : "\(port)") did not start: \(reason)"
    case .readyLineWithoutPort(let line): "the mock server's ready line has no port: \(line)"
    }
  }
}
