import ComfyClient
import Foundation

/// The client settings a recovery report was measured with: the figures mean little without them.
public struct ClientSettingsSummary: Sendable, Codable, Equatable {
  public var pingIntervalSeconds: Double?
  public var silenceTimeoutSeconds: Double?
  public var backoffBaseSeconds: Double
  public var backoffMaxSeconds: Double
  public var connectTimeoutSeconds: Double

  public init(_ configuration: ComfyClientConfiguration) {
    pingIntervalSeconds = configuration.liveness.pingInterval?.inSeconds
    silenceTimeoutSeconds = configuration.liveness.silenceTimeout?.inSeconds
    backoffBaseSeconds = configuration.reconnectPolicy.baseDelay.inSeconds
    backoffMaxSeconds = configuration.reconnectPolicy.maxDelay.inSeconds
    connectTimeoutSeconds = configuration.liveness.connectTimeout.inSeconds
  }
}

/// How one scenario went over all its runs.
public struct ScenarioSummary: Sendable, Codable, Equatable {
  public var scenario: String
  public var category: FailureCategory
  public var summary: String
  public var runs: Int
  public var recoveredRuns: Int
  /// Runs in which the client reported a disconnect.
  public var noticedRuns: Int
  /// Median seconds until noticed, over the runs that noticed.
  public var medianNoticedAfter: Double?
  /// Median seconds from the failure until the first reconnect, over runs that reconnected.
  public var medianReconnectedAfter: Double?
  /// Median seconds from the cause's end until working, over recovered runs.
  public var medianRestoredAfter: Double?
  public var maxRestoredAfter: Double?
  /// Median seconds from the failure until working, over recovered runs.
  public var medianOutage: Double?
  public var maxOutage: Double?
  public var statusBroadcastsMissed: Int
  public var promptsLost: Int
  public var promptsAfterRecoveryOK: Int
  /// The disconnect reasons seen, most frequent first.
  public var disconnectReasons: [String]
}

/// The result of a recovery comparison: every measurement, a summary per scenario, and process
/// crashes next to network failures. Printed as a table, saved as JSON.
public struct RecoveryReport: Sendable, Codable, Equatable {
  public var generatedAt: String
  public var repeats: Int
  /// Base seed of the proxy's decisions; run N used `seed + N`.
  public var seed: UInt64
  public var client: ClientSettingsSummary
  public var scenarios: [ScenarioSummary]
  public var measurements: [RecoveryMeasurement]

  public init(
    scenarios: [RecoveryScenario], measurements: [RecoveryMeasurement], repeats: Int,
    seed: UInt64, client: ClientSettingsSummary
  ) {
    generatedAt = ISO8601DateFormatter().string(from: Date())
    self.repeats = repeats
    self.seed = seed
    self.client = client
    self.measurements = measurements
    self.scenarios = scenarios.map { scenario in
      Self.summarize(scenario, measurements.filter { $0.scenario == scenario.name })
    }
  }

  /// True when every run of every scenario recovered and a prompt worked afterwards.
  public var allRecovered: Bool {
    measurements.allSatisfy { $0.recovered && $0.promptAfterRecovery && $0.error == nil }
  }

  /// Pretty-printed JSON with sorted keys.
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(self)
  }

  private static func summarize(_ scenario: RecoveryScenario, _ runs: [RecoveryMeasurement])
    -> ScenarioSummary
  {
    let recovered = runs.filter(\.recovered)
    var reasonCounts: [String: Int] = [:]
    for reason in runs.compactMap(\.disconnectReason) {
      reasonCounts[Self.reasonKind(reason), default: 0] += 1
    }
    return ScenarioSummary(
      scenario: scenario.name, category: scenario.category, summary: scenario.summary,
      runs: runs.count, recoveredRuns: recovered.count,
      noticedRuns: runs.filter { $0.noticedAfter != nil }.count,
      medianNoticedAfter: median(runs.compactMap(\.noticedAfter)),
      medianReconnectedAfter: median(runs.compactMap(\.reconnectedAfter)),
      medianRestoredAfter: median(recovered.compactMap(\.restoredAfter)),
      maxRestoredAfter: recovered.compactMap(\.restoredAfter).max(),
      medianOutage: median(recovered.compactMap(\.outage)),
      maxOutage: recovered.compactMap(\.outage).max(),
      statusBroadcastsMissed: runs.map(\.statusBroadcastsMissed).reduce(0, +),
      promptsLost: runs.map(\.promptsLost).reduce(0, +),
      promptsAfterRecoveryOK: runs.filter(\.promptAfterRecovery).count,
      disconnectReasons: reasonCounts.sorted {
        $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key)
      }
      .map(\.key))
  }

  /// The kind of a disconnect reason without its details ("connection lost", "silence", ...).
  static func reasonKind(_ reason: String) -> String {
    if reason.hasPrefix("closed by the server") { return "close frame" }
    if reason.hasPrefix("connection lost") { return "connection lost" }
    if reason.hasPrefix("no frame") { return "silence" }
    return reason
  }

  static func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }
}
