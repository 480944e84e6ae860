import Foundation
import Testing

/// Paths of the repository and of the programs the tests run.
enum RepositoryPaths {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// `FAULTLINE_PYTHON`, else the repository's `.venv`; fails the test with the setup command if neither exists.
  static func python() throws -> URL {
    if let override = ProcessInfo.processInfo.environment["FAULTLINE_PYTHON"] {
      return URL(fileURLWithPath: override)
    }
    let venv = root.appendingPathComponent(".venv/bin/python3")
    try #require(
      FileManager.default.isExecutableFile(atPath: venv.path),
      """
      no Python for the interop tests at \(venv.path): run \
      `python3 -m venv .venv && .venv/bin/pip install -r Tests/interop/requirements.txt` \
      in the repository, or set FAULTLINE_PYTHON
      """)
    return venv
  }

  /// `FAULTLINE_BIN`, else `faultline` next to the test bundle.
  static func faultline() throws -> URL {
    if let override = ProcessInfo.processInfo.environment["FAULTLINE_BIN"] {
      return URL(fileURLWithPath: override)
    }
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
    let candidate = directory.appendingPathComponent("faultline")
    try #require(
      FileManager.default.isExecutableFile(atPath: candidate.path),
      "faultline not found at \(candidate.path); run swift build or set FAULTLINE_BIN")
    return candidate
  }
}
