import Foundation

/// A scenario as the report records it, so that a report read later says what was done.
public struct ScenarioDefinition: Sendable, Codable, Equatable {
  public var name: String
  public var category: FailureCategory
  public var summary: String
  /// True when the connection cannot survive the failure, so the client must notice and reconnect.
  public var breaksConnection: Bool

  public init(_ scenario: RecoveryScenario) {
    name = scenario.name
    category = scenario.category
    summary = scenario.summary
    breaksConnection = scenario.breaksConnection
  }
}

/// The spread of one figure over a scenario's runs: how many had it, median, min, max.
public struct Spread: Sendable, Codable, Equatable {
  public var count: Int
  public var median: Double?
  public var min: Double?
  public var max: Double?

  public init(_ values: [Double]) {
    count = values.count
    median = RecoveryReport.median(values)
    min = values.min()
    max = values.max()
  }
}

/// How a client fared in one scenario over all its runs.
public struct ClientScenarioSummary: Sendable, Codable, Equatable {
  public var scenario: ScenarioDefinition
  public var runs: Int
  /// Runs per verdict (its raw value).
  public var verdicts: [String: Int]
  public var noticedAfter: Spread
  public var reconnectedAfter: Spread
  public var restoredAfter: Spread
  /// Runs whose running prompt failed, was interrupted or was lost.
  public var promptsLost: Int
  public var historyReads: Int
  public var queueReads: Int
}

/// The result of `faultline compare --client`: every run's raw numbers and time line, the
/// scenarios' definitions, the command, the seed and the versions; as JSON, a table and HTML.
public struct ClientReport: Sendable, Codable, Equatable {
  public var generatedAt: String
  /// Faultline's version, and the machine the runs were measured on.
  public var versions: [String: String]
  /// The client's command line, as given.
  public var command: String
  public var runs: Int
  /// Base seed of the proxy's decisions; run N used `seed + N`.
  public var seed: UInt64
  public var scenarios: [ClientScenarioSummary]
  public var measurements: [ClientMeasurement]

  public init(
    command: String, scenarios: [RecoveryScenario], measurements: [ClientMeasurement], runs: Int,
    seed: UInt64
  ) {
    generatedAt = ISO8601DateFormatter().string(from: Date())
    let system = ProcessInfo.processInfo
    versions = [
      "faultline": FaultlineVersion.text, "os": system.operatingSystemVersionString,
      "cores": "\(system.activeProcessorCount)",
    ]
    self.command = command
    self.runs = runs
    self.seed = seed
    self.measurements = measurements
    self.scenarios = scenarios.map { scenario in
      let mine = measurements.filter { $0.scenario == scenario.name }
      var verdicts: [String: Int] = [:]
      for run in mine { verdicts[run.verdict.rawValue, default: 0] += 1 }
      return ClientScenarioSummary(
        scenario: ScenarioDefinition(scenario), runs: mine.count, verdicts: verdicts,
        noticedAfter: Spread(mine.compactMap(\.noticedAfter)),
        reconnectedAfter: Spread(mine.compactMap(\.reconnectedAfter)),
        restoredAfter: Spread(mine.compactMap(\.restoredAfter)),
        promptsLost: mine.filter {
          !["completed", "none", "unfinished"].contains($0.inFlightPrompt)
        }
        .count,
        historyReads: mine.map(\.historyReadsAfter).reduce(0, +),
        queueReads: mine.map(\.queueReadsAfter).reduce(0, +))
    }
  }

  /// True when every run of a scenario that breaks the connection recovered.
  public var allRecovered: Bool {
    scenarios.allSatisfy { summary in
      !summary.scenario.breaksConnection
        || summary.verdicts[ClientMeasurement.Verdict.recovered.rawValue] == summary.runs
    } && measurements.allSatisfy { $0.error == nil }
  }

  /// Pretty-printed JSON with sorted keys.
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(self)
  }
}

/// The version written into reports.
public enum FaultlineVersion {
  public static let text = "0.1.0"
}
