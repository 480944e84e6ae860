import ChildProcess
import FaultlineLocking
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The user's own client program, run as a shell command line with the proxy's URL: `{url}` in the
/// line is replaced by it and `COMFY_URL` holds it. It runs in a process group of its own, so that
/// stopping it also stops whatever the shell started.
public final class ClientProcess: Sendable {
  /// The command line as the user wrote it.
  public let command: String
  let child: ManagedChild

  /// Starts `command` through `/bin/sh -c` with `url`.
  public init(command: String, url: String) throws {
    self.command = command
    var environment = ProcessInfo.processInfo.environment
    environment["COMFY_URL"] = url
    // Output of a client written in Python must reach us line by line, not when its buffer fills.
    environment["PYTHONUNBUFFERED"] = "1"
    child = try ManagedChild(
      executable: URL(fileURLWithPath: "/bin/sh"),
      arguments: ["-c", command.replacingOccurrences(of: "{url}", with: url)],
      environment: environment, newProcessGroup: true)
    let group = child.pid
    Self.liveGroups.withLock { _ = $0.insert(group) }
  }

  /// The process groups of clients not stopped yet.
  private static let liveGroups = Locked<Set<pid_t>>([])

  /// Ends every client still running (SIGTERM to its group, SIGKILL a second later), for a
  /// process about to exit on a signal: a client in its own group gets no Ctrl-C of its own.
  public static func stopEveryClient() {
    let groups = liveGroups.withLock { groups in
      defer { groups.removeAll() }
      return groups
    }
    for group in groups { kill(-group, SIGTERM) }
    let deadline = ContinuousClock.now.advanced(by: .seconds(1))
    while groups.contains(where: { kill(-$0, 0) == 0 }), ContinuousClock.now < deadline {
      usleep(10_000)
    }
    for group in groups { kill(-group, SIGKILL) }
  }

  /// Everything the client printed on standard output so far.
  public var standardOutput: String { child.standardOutput }
  /// Everything the client printed on standard error so far.
  public var standardError: String { child.standardError }
  /// How the client's process ended, once it has.
  public var exitStatus: ExitStatus? { child.exitStatus }

  /// The last line of standard error, for a one-line message.
  public var lastErrorLine: String {
    standardError.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
  }

  /// SIGTERM to the whole group, SIGKILL after `grace`; returns how the client itself ended (nil
  /// when it had ended before).
  @discardableResult
  public func stop(grace: Duration = .seconds(2)) async -> ExitStatus {
    child.signalGroup(SIGTERM)
    child.signalGroup(SIGCONT)
    let status = await child.terminate(grace: grace)
    // Whatever the shell started may outlive it.
    if child.signalGroup(0) {
      child.signalGroup(SIGTERM)
      let deadline = ContinuousClock.now.advanced(by: grace)
      while child.signalGroup(0), ContinuousClock.now < deadline {
        try? await Task.sleep(for: .milliseconds(20))
      }
      child.signalGroup(SIGKILL)
    }
    let group = child.pid
    Self.liveGroups.withLock { _ = $0.remove(group) }
    return status
  }
}
