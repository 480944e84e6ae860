import Foundation

#if canImport(Glibc)
  import Glibc
#endif

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

  /// The command-line arguments of `pid` (`/proc/PID/cmdline`), nil when there is no such process.
  public static func arguments(of pid: Int32) -> [String]? {
    guard let bytes = readWhole("/proc/\(pid)/cmdline") else { return nil }
    return bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
  }

  /// The ids of the live processes that have `argument` among their command-line arguments.
  public static func processes(withArgument argument: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
      arguments(of: pid)?.contains(argument) == true && isAlive(pid)
    }
  }

  /// A `/proc` file read with plain `read` calls until end of file: such files report a size of 0,
  /// and `FileManager.contents(atPath:)` leaks the buffers it grows for them (LeakSanitizer, Swift
  /// 6.3's FoundationEssentials).
  private static func readWhole(_ path: String) -> [UInt8]? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { return nil }
      if count == 0 { return bytes }
      bytes += buffer[..<count]
    }
  }

  /// The field after the parenthesised command name, which may itself hold spaces and parentheses.
  private static func stateLetter(atPath path: String) -> Character? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
      let close = text.lastIndex(of: ")")
    else { return nil }
    return text[text.index(after: close)...].first { !$0.isWhitespace }
  }
}
