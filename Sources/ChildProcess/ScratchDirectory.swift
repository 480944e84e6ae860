import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A temporary directory named after the process that made it, `PREFIX-PID.NS-UUID` (NS: the
/// process's PID namespace, so that a /tmp shared with other containers is judged only by
/// processes that can see the owner).
///
/// A process removes its own directories on a normal exit; one that is SIGKILLed cannot, and nor
/// can a test process killed by a time limit. So each new directory of a prefix first removes the
/// ones of that prefix whose process no longer runs: what a killed run left behind is gone at the
/// next run instead of piling up in /tmp.
public enum ScratchDirectory {
  /// Creates `parent/PREFIX-PID.NS-UUID` after removing the `PREFIX-*` directories of dead processes.
  public static func create(
    prefix: String, in parent: URL = FileManager.default.temporaryDirectory
  ) throws -> URL {
    removeAbandoned(prefix: prefix, in: parent)
    let directory = parent.appendingPathComponent(
      "\(prefix)-\(getpid()).\(namespace)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
  }

  /// Removes `parent/PREFIX-PID.NS-UUID` directories of this PID namespace whose process is gone
  /// (or a zombie). Other namespaces' and other shapes of name are not ours to judge and stay.
  public static func removeAbandoned(prefix: String, in parent: URL) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
    for name in names where name.hasPrefix(prefix + "-") {
      guard let owner = owner(of: name.dropFirst(prefix.count + 1)), owner != getpid(),
        !ProcessTable.isAlive(owner)
      else { continue }
      try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
    }
  }

  /// The process id of `PID.NS-UUID` when NS is this process's namespace, nil for any other.
  private static func owner(of suffix: Substring) -> Int32? {
    guard let dash = suffix.firstIndex(of: "-"),
      UUID(uuidString: String(suffix[suffix.index(after: dash)...])) != nil
    else { return nil }
    let parts = suffix[..<dash].split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 2, parts[1] == namespace, let pid = Int32(parts[0]), pid > 0 else {
      return nil
    }
    return pid
  }

  /// This process's PID namespace: the inode in `/proc/self/ns/pid` (`pid:[4026531836]`), or 0.
  static let namespace: Substring = {
    let link =
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")) ?? ""
    let digits = link.filter(\.isNumber)
    return Substring(digits.isEmpty ? "0" : digits)
  }()
}
