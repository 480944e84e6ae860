import ChildProcess
import FaultlineJSON
import Foundation

/// Writes to standard output and standard error without ever crashing: once the parent that reads
/// our pipes is gone, a write fails with EPIPE, and Foundation's non-throwing `write(_:)` would trap.
enum Console {
  static func out(_ text: String) {
    try? FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
  }

  static func err(_ text: String) {
    try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
  }

  /// Prints the ready line (`"ready": true` and `fields`) that a parent waits for.
  static func announceReady(_ fields: JSONObject) {
    out(ReadyLine(announcing: fields).line + "\n")
  }
}
