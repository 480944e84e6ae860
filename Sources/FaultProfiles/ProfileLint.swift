import FaultProxy
import Foundation

/// Checks profile files and writes one line per file (or per error), as `faultline profile lint` prints them.
public enum ProfileLint {
  /// The lines to print, and whether any file had an error.
  public struct Report: Sendable {
    public let lines: [String]
    public let hasErrors: Bool
  }

  /// Checks each file; a directory stands for the `.yaml` and `.yml` files directly inside it.
  public static func run(paths: [String]) -> Report {
    var lines: [String] = []
    var hasErrors = false
    for path in paths.flatMap(expand) {
      let check = ProfileLoader.check(contentsOf: path)
      if let profile = check.profile {
        lines.append("OK \(path) (\(summary(of: profile)))")
      } else {
        hasErrors = true
        lines += check.errors.map(\.description)
      }
    }
    return Report(lines: lines, hasErrors: hasErrors)
  }

  private static func expand(_ path: String) -> [String] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      isDirectory.boolValue,
      let names = try? FileManager.default.contentsOfDirectory(atPath: path)
    else { return [path] }
    // Keep the path as the user wrote it, so output lines match what they typed.
    let base = path.hasSuffix("/") ? path : path + "/"
    return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { base + $0 }
  }

  /// `name, N faults, M phases`, counting the faults of every phase too.
  public static func summary(of profile: Profile) -> String {
    let faults = profile.faults.count + profile.timeline.reduce(0) { $0 + $1.faults.count }
    let phases = profile.timeline.count
    return "\(profile.name), \(counted(faults, "fault")), \(counted(phases, "phase"))"
  }

  private static func counted(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
  }
}
