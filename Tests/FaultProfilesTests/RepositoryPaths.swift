import Foundation

/// Paths inside this repository, found from the location of this source file.
enum RepositoryPaths {
  /// The package root (three levels above `Tests/FaultProfilesTests/RepositoryPaths.swift`).
  static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()

  static let profiles = root.appendingPathComponent("profiles")

  static func badFixture(_ name: String) -> String {
    root.appendingPathComponent("Tests/FaultProfilesTests/Fixtures/bad/\(name)").path
  }

  /// Every `*.yaml` file directly in `directory`, sorted.
  static func yamlFiles(in directory: URL) throws -> [URL] {
    try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
      .filter { $0.pathExtension == "yaml" }
      .sorted { $0.lastPathComponent < $1.lastPathComponent }
  }
}
