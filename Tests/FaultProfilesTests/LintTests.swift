import FaultProfiles
import Foundation
import Testing

@Suite("profile lint")
struct LintTests {
  static let goodPath = RepositoryPaths.profiles.appendingPathComponent("server-blackout-5s.yaml")
    .path
  static let badPath = RepositoryPaths.badFixture("many-errors.yaml")

  @Test("a valid file prints OK with its name, fault and phase counts")
  func okLine() {
    let report = ProfileLint.run(paths: [Self.goodPath])
    #expect(report.lines == ["OK \(Self.goodPath) (server-blackout-5s, 2 faults, 1 phase)"])
    #expect(!report.hasErrors)
  }

  @Test("a bad file prints every error; one bad file fails the run")
  func errorLines() {
    let report = ProfileLint.run(paths: [Self.goodPath, Self.badPath])
    #expect(report.hasErrors)
    #expect(report.lines.count == 4)
    #expect(report.lines.dropFirst().allSatisfy { $0.hasPrefix("\(Self.badPath):") })
  }

  @Test("a directory stands for the profiles in it")
  func directory() throws {
    let report = ProfileLint.run(paths: [RepositoryPaths.profiles.path])
    let presets = try RepositoryPaths.yamlFiles(in: RepositoryPaths.profiles)
    #expect(!report.hasErrors)
    #expect(report.lines.count == presets.count)
    #expect(report.lines.allSatisfy { $0.hasPrefix("OK \(RepositoryPaths.profiles.path)/") })
  }

  @Test("faultline profile lint exits 0 on valid files and 1 on errors")
  func command() async throws {
    let executable = try FaultlineBinary.url()
    let ok = try await FaultlineBinary.run(executable, ["profile", "lint", Self.goodPath])
    #expect(ok.status == 0)
    #expect(ok.output == "OK \(Self.goodPath) (server-blackout-5s, 2 faults, 1 phase)\n")

    let bad = try await FaultlineBinary.run(
      executable, ["profile", "lint", Self.goodPath, Self.badPath])
    #expect(bad.status == 1)
    let lines = bad.output.split(separator: "\n")
    #expect(lines.count == 4)
    #expect(lines.contains { $0.hasPrefix("\(Self.badPath):5:5: faults[0].latency: ") })
  }
}
