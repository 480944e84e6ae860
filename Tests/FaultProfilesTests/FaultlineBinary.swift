import Foundation
import Testing

/// Finds and runs the `faultline` executable that `swift test` builds next to the test bundle.
enum FaultlineBinary {
  struct Outcome {
    let status: Int32
    let output: String
  }

  /// `FAULTLINE_BIN` if set, else `faultline` in the directory of the test bundle.
  static func url() throws -> URL {
    if let override = ProcessInfo.processInfo.environment["FAULTLINE_BIN"] {
      return URL(fileURLWithPath: override)
    }
    let candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("faultline")
    try #require(
      FileManager.default.isExecutableFile(atPath: candidate.path),
      "faultline not found at \(candidate.path); run swift build or set FAULTLINE_BIN")
    return candidate
  }

  /// Runs the executable to completion, collecting standard output (standard error is passed through).
  static func run(_ executable: URL, _ arguments: [String]) throws -> Outcome {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    // Reading to end before waiting keeps a full pipe from blocking the child.
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
  }
}
