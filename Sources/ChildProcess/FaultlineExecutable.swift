import Foundation

/// Finds the built `faultline` executable so tests and the harness can spawn it as a real process.
///
/// Search order: the `FAULTLINE_BIN` environment variable; the directory of the running executable
/// (`/proc/self/exe`, which is the build directory when `swift test` runs the test bundle); the directory of
/// `CommandLine.arguments[0]`; finally `.build/debug/faultline` under the current directory.
public enum FaultlineExecutable {
  /// Why the executable could not be found.
  public struct NotFound: Error, CustomStringConvertible {
    /// Every path that was tried, in order.
    public let triedPaths: [String]
    public var description: String {
      "faultline executable not found; tried: \(triedPaths.joined(separator: ", ")). "
        + "Build it with `swift build --product faultline` or set FAULTLINE_BIN."
    }
  }

  /// The URL of the `faultline` executable, or a `NotFound` error listing what was tried.
  public static var url: URL {
    get throws {
      let environment = ProcessInfo.processInfo.environment
      if let override = environment["FAULTLINE_BIN"], !override.isEmpty {
        guard isExecutableFile(override) else {
          throw NotFound(triedPaths: ["FAULTLINE_BIN=\(override) (not an executable file)"])
        }
        return URL(fileURLWithPath: override)
      }
      var candidates: [String] = []
      if let selfPath = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
      {
        candidates.append(
          URL(fileURLWithPath: selfPath).deletingLastPathComponent().appendingPathComponent(
            "faultline"
          ).path)
      }
      if let argument0 = CommandLine.arguments.first {
        candidates.append(
          URL(fileURLWithPath: argument0).deletingLastPathComponent().appendingPathComponent(
            "faultline"
          ).path)
      }
      candidates.append(
        URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(
          ".build/debug/faultline"
        ).path
      )
      for candidate in candidates where isExecutableFile(candidate) {
        return URL(fileURLWithPath: candidate)
      }
      throw NotFound(triedPaths: candidates)
    }
  }

  /// `FileManager.isExecutableFile` also accepts directories (searchable), which a build tree has plenty of.
  private static func isExecutableFile(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      && !isDirectory.boolValue
      && FileManager.default.isExecutableFile(atPath: path)
  }
}
