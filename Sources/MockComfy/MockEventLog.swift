import FaultlineLocking
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// What the mock does, as JSON lines appended to a file (`faultline mock --events FILE`), so that an
/// observer in another process sees the server's side of a client under test: its WebSocket sessions
/// by `clientId`, every message sent and to whom, every HTTP request.
///
/// One log per process (the mock runs as its own process); it records nothing until a file is
/// attached. Lines are appended with `O_APPEND`, so the servers that follow each other on a port
/// (a restart) can share one file; each line carries the writer's pid.
///
/// Each line: `{"event": ..., "time_ns": CLOCK_MONOTONIC in ns, "pid": P, ...}` with
/// - `ws_open` / `ws_close`: `client_id`, `socket` (a number per socket of this process);
/// - `message`: `type` (`status`, `executing`, ..., `preview`), `to` (the client ids it was delivered
///   to), and `prompt_id` and `node` when the message names them;
/// - `http`: `method`, `path`, `status`.
public final class MockEventLog: Sendable {
  /// The log of this process.
  public static let shared = MockEventLog()

  private let descriptor = Locked<Int32?>(nil)

  /// Appends every later event to `path` (created if missing, never truncated).
  public func attach(path: String) throws {
    let opened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard opened >= 0 else {
      throw CocoaError(
        .fileWriteUnknown,
        userInfo: [
          NSLocalizedDescriptionKey: "cannot open \(path): \(String(cString: strerror(errno)))"
        ])
    }
    let previous = descriptor.withLock { value in
      defer { value = opened }
      return value
    }
    if let previous { close(previous) }
  }

  /// Whether a file is attached (callers skip building events otherwise).
  var isRecording: Bool { descriptor.withLock { $0 != nil } }

  func record(_ event: String, _ fields: JSONObject) {
    guard isRecording else { return }
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    var object: JSONObject = [
      "event": .string(event), "time_ns": .int(time.tv_sec * 1_000_000_000 + time.tv_nsec),
      "pid": .int(Int(getpid())),
    ]
    for (key, value) in fields.members { object[key] = value }
    let line = Array((JSONValue.object(object).pythonJSONText + "\n").utf8)
    descriptor.withLock { descriptor in
      guard let descriptor else { return }
      // One write per line: with O_APPEND, lines of several writers never interleave.
      _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
  }

  /// A sent message: its type and what it names, and who got it.
  func recordMessage(_ message: JSONValue, to clients: [String]) {
    guard isRecording else { return }
    var fields: JSONObject = [
      "type": message["type"] ?? .null, "to": .array(clients.map { .string($0) }),
    ]
    if let promptID = message["data"]?["prompt_id"] { fields["prompt_id"] = promptID }
    if let node = message["data"]?["node"] { fields["node"] = node }
    record("message", fields)
  }
}
