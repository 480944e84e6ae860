import FaultProxy

/// Checks profile files and writes one line per file (or per error), as `faultline profile lint` prints them.
public enum ProfileLint {
  /// The lines to print, and whether any file had an error.
  public struct Report: Sendable {
    public let lines: [String]
    public let hasErrors: Bool
  }

  public static func run(paths: [String]) -> Report {
    var lines: [String] = []
    var hasErrors = false
    for path in paths {
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
