import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A temporary directory named after the process that made it, `PREFIX-PID-UUID`.
///
/// A process removes its own directories on a normal exit; one that is SIGKILLed cannot, and nor
/// can a test process killed by a time limit. So each new directory of a prefix first removes the
/// ones of that prefix whose process no longer runs: what a killed run left behind is gone at the
/// next run instead of piling up in /tmp.
public enum ScratchDirectory {
  /// Creates `parent/PREFIX-PID-UUID` after removing the `PREFIX-*` directories of dead processes.
  public static func create(
    prefix: String, in parent: URL = FileManager.default.temporaryDirectory
  ) throws -> URL {
    removeAbandoned(prefix: prefix, in: parent)
    let directory = parent.appendingPathComponent("\(prefix)-\(getpid())-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
  }

  /// Removes `parent/PREFIX-PID-UUID` directories whose process is gone (or a zombie). Names
  /// without a process id and a UUID after it are not ours to judge and stay.
  public static func removeAbandoned(prefix: String, in parent: URL) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
    for name in names where name.hasPrefix(prefix + "-") {
      guard let owner = owner(of: name.dropFirst(prefix.count + 1)), owner != getpid(),
        !ProcessTable.isAlive(owner)
      else { continue }
      try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
    }
  }

  /// The process id of `PID-UUID`, nil for any other shape.
  private static func owner(of suffix: Substring) -> Int32? {
    guard let dash = suffix.firstIndex(of: "-"),
      let pid = Int32(suffix[..<dash]), pid > 0,
      UUID(uuidString: String(suffix[suffix.index(after: dash)...])) != nil
    else { return nil }
    return pid
  }
}
