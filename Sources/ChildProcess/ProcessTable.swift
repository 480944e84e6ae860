import Foundation

/// What `/proc` says of a process: its state letter and its threads', its open descriptors and
/// resident memory. One reader, for the library (a pause that waits for the stop) and the tests
/// (alive, stopped, zombie, leaks) alike.
public enum ProcessTable {
  /// The state letter of `/proc/PID/stat` (R, S, T for stopped, Z for a zombie, ...), nil when
  /// there is no such process.
  public static func state(of pid: Int32) -> Character? {
    stateLetter(atPath: "/proc/\(pid)/stat")
  }

  /// The state letter of each thread of `pid`; empty when there is no such process.
  public static func threadStates(of pid: Int32) -> [Character] {
    let tasks = "/proc/\(pid)/task"
    let threads = (try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? []
    return threads.compactMap { stateLetter(atPath: "\(tasks)/\($0)/stat") }
  }

  /// True while `pid` exists and is not a zombie (a dead child nobody has reaped yet).
  public static func isAlive(_ pid: Int32) -> Bool {
    guard let state = state(of: pid) else { return false }
    return state != "Z" && state != "X"
  }

  /// How many file descriptors `pid` has open, nil when there is no such process.
  public static func openDescriptors(of pid: Int32) -> Int? {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
  }

  /// The resident memory of `pid` in bytes (`VmRSS`), nil when there is no such process.
  public static func residentBytes(of pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
      let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
    else { return nil }
    return kilobytes * 1024
  }

  /// The field after the parenthesised command name, which may itself hold spaces and parentheses.
  private static func stateLetter(atPath path: String) -> Character? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
      let close = text.lastIndex(of: ")")
    else { return nil }
    return text[text.index(after: close)...].first { !$0.isWhitespace }
  }
}
