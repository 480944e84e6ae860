import ComfyClient
import Foundation

/// Runs recovery scenarios against a real set-up (a spawned mock server, an in-process proxy, a
/// `ComfyClient` connecting through the proxy) and measures how the client comes back.
///
/// Each run starts from scratch: a new server process, proxy and client. The client is connected,
/// a prompt is running, then the failure is injected; the runner notes when the client noticed,
/// when it worked again, what became of the running prompt, and whether a new prompt works.
public struct RecoveryRunner: Sendable {
  /// Runs per scenario.
  public var repeats: Int
  /// The mock servers' settings; the status interval also paces the message-loss estimate.
  public var mockOptions: MockServerOptions
  /// The client's settings for a given base URL (the proxy's).
  public var clientConfiguration: @Sendable (URL) -> ComfyClientConfiguration
  /// Base seed of the proxy's random decisions; run N uses `seed + N`, so runs differ but each
  /// can be replayed.
  public var seed: UInt64
  /// How long the client may take to work again once the cause is gone.
  public var recoveryDeadline: Duration
  /// Told about each finished run, e.g. to print progress.
  public var onMeasurement: (@Sendable (RecoveryMeasurement) -> Void)?

  public init(
    repeats: Int = 3,
    mockOptions: MockServerOptions = MockServerOptions(
      nodeTime: .milliseconds(50), statusInterval: .milliseconds(250),
      slowNodes: ["KSampler": .milliseconds(700)]),
    clientConfiguration: @escaping @Sendable (URL) -> ComfyClientConfiguration = {
      .fastRecovery(baseURL: $0)
    },
    seed: UInt64 = 1,
    recoveryDeadline: Duration = .seconds(15),
    onMeasurement: (@Sendable (RecoveryMeasurement) -> Void)? = nil
  ) {
    self.repeats = repeats
    self.mockOptions = mockOptions
    self.clientConfiguration = clientConfiguration
    self.seed = seed
    self.recoveryDeadline = recoveryDeadline
    self.onMeasurement = onMeasurement
  }

  /// Runs every scenario `repeats` times, one run at a time (runs must not disturb each other's
  /// timings), and reports the lot.
  public func run(_ scenarios: [RecoveryScenario]) async -> RecoveryReport {
    var measurements: [RecoveryMeasurement] = []
    for scenario in scenarios {
      for run in 1...max(repeats, 1) {
        let measurement = await measure(scenario, run: run)
        onMeasurement?(measurement)
        measurements.append(measurement)
      }
    }
    // The settings summarised do not depend on the URL; any valid one will do.
    let settings = clientConfiguration(URL(string: "http://127.0.0.1:1")!)
    return RecoveryReport(
      scenarios: scenarios, measurements: measurements, repeats: max(repeats, 1), seed: seed,
      client: ClientSettingsSummary(settings))
  }

  /// One run of one scenario. Problems of the set-up itself end up in `error`, never thrown.
  public func measure(_ scenario: RecoveryScenario, run: Int) async -> RecoveryMeasurement {
    do {
      return try await ServerManager.with(options: mockOptions) { servers in
        let server = try await servers.start()
        let clock = ScenarioClock()
        return try await ProxyManager.with(seed: seed &+ UInt64(run), clock: clock) { proxies in
          try await proxies.addProxy(upstreamPort: server.port)
          return try await ComfyClient.withClient(clientConfiguration(try proxies.baseURL())) {
            client in
            try await observe(
              scenario, run: run, client: client,
              servers: servers, serverPort: server.port, proxies: proxies, clock: clock)
          }
        }
      }
    } catch {
      return RecoveryMeasurement(
        scenario: scenario.name, category: scenario.category, run: run, noticedAfter: nil,
        disconnectReason: nil, reconnectedAfter: nil, restoredAfter: nil, outage: nil,
        recovered: false,
        reconnectAttempts: 0, statusBroadcastsMissed: 0, inFlightPrompt: "unknown",
        promptsLost: 0, promptAfterRecovery: false, error: "\(error)")
    }
  }

  private func observe(
    _ scenario: RecoveryScenario, run: Int, client: ComfyClient,
    servers: ServerManager, serverPort: Int, proxies: ProxyManager, clock: ScenarioClock
  ) async throws -> RecoveryMeasurement {
    let events = trackEvents(client)
    try await client.connect()
    try await events.wait(for: "two status broadcasts") { $0.filter(\.isStatus).count >= 2 }
    let job = try await SampleWorkflows.queueUntilTheSamplerRuns(on: client)

    let context = FailureContext(
      servers: servers, serverPort: serverPort, proxies: proxies, clock: clock, events: events)
    try await scenario.moment?(context)
    let failedAt = ContinuousClock.now
    try await scenario.inject(context)
    let causeEndedAt = ContinuousClock.now
    if scenario.breaksConnection {
      // A failure that breaks the connection is only over for the client once it noticed.
      try? await pollUntil("the failure noticed", timeout: .seconds(3)) {
        events.firstTime(after: failedAt, where: \.isDisconnected) != nil
      }
    }
    let workingAt = await waitUntilWorking(client, events: events, since: failedAt)

    let noticedAt = events.firstTime(after: failedAt, where: \.isDisconnected)
    let reason = events.timedItems.first { $0.at >= failedAt && $0.element.isDisconnected }?
      .element.disconnectReason
    let inFlight = await outcome(of: job)
    if let workingAt {
      // The loss estimate needs the window after recovery complete, and free of a new prompt's
      // queue updates.
      try? await Task.sleep(until: workingAt.advanced(by: Self.settleTime))
    }
    let missed = missedBroadcasts(events, from: failedAt, until: workingAt)
    var promptAfterRecovery = false
    if workingAt != nil {
      let probe = try? await client.queue(try SampleWorkflows.textToImage())
      if let probe {
        promptAfterRecovery =
          (try? await withDeadline(.seconds(10), "the prompt after recovery") {
            try await probe.result()
          }) != nil
      }
    }
    return RecoveryMeasurement(
      scenario: scenario.name, category: scenario.category, run: run,
      noticedAfter: noticedAt.map { ($0 - failedAt).inSeconds },
      disconnectReason: reason.map { "\($0)" },
      reconnectedAfter: events.firstTime(after: failedAt, where: \.isReconnected).map {
        ($0 - failedAt).inSeconds
      },
      restoredAfter: workingAt.map { max($0 - causeEndedAt, .zero).inSeconds },
      outage: workingAt.map { ($0 - failedAt).inSeconds },
      recovered: workingAt != nil,
      reconnectAttempts: events.timedItems.filter { $0.at >= failedAt && $0.element.isReconnecting }
        .count,
      statusBroadcastsMissed: missed,
      inFlightPrompt: inFlight, promptsLost: inFlight == "completed" ? 0 : 1,
      promptAfterRecovery: promptAfterRecovery, error: nil)
  }

  /// The first moment the client is connected (reconnected, if it dropped since `since`) and the
  /// server answers it; nil if that does not happen within the deadline.
  private func waitUntilWorking(
    _ client: ComfyClient, events: EventTracker, since: ContinuousClock.Instant
  ) async -> ContinuousClock.Instant? {
    var workingAt: ContinuousClock.Instant?
    try? await pollUntil(
      "the client working again", timeout: recoveryDeadline, interval: .milliseconds(25)
    ) {
      let items = events.timedItems.filter { $0.at >= since }
      if let drop = items.lastIndex(where: { $0.element.isDisconnected }) {
        guard items[drop...].contains(where: { $0.element.isReconnected }) else { return false }
      }
      guard client.connectionState == .connected, await client.validateConnection() else {
        return false
      }
      workingAt = .now
      return true
    }
    return workingAt
  }

  private func outcome(of job: ComfyJob) async -> String {
    do {
      _ = try await withDeadline(.seconds(5), "the running prompt's outcome") {
        try await job.result()
      }
      return "completed"
    } catch ComfyClientError.promptLost {
      return "lost"
    } catch is HarnessTimeout {
      return "unfinished"
    } catch {
      return "failed: \(error)"
    }
  }

  /// How long after recovery lost messages are still counted as merely late.
  static let settleTime = Duration.milliseconds(600)

  /// Broadcasts expected between the last `status` before the failure and 0.6 s after the client
  /// worked again, minus the statuses received in that window (less one greeting per new
  /// connection). Messages only delayed arrive within the window and are not counted.
  private func missedBroadcasts(
    _ events: EventTracker, from failedAt: ContinuousClock.Instant,
    until workingAt: ContinuousClock.Instant?
  ) -> Int {
    let interval = mockOptions.statusInterval
    guard let workingAt, interval > .zero else { return 0 }
    let statuses = events.timedItems.filter(\.element.isStatus).map(\.at)
    guard let start = statuses.last(where: { $0 < failedAt }) else { return 0 }
    let end = workingAt.advanced(by: Self.settleTime)
    let received = statuses.filter { $0 > start && $0 <= end }.count
    let greetings = events.timedItems.filter {
      $0.at > start && $0.at <= end && $0.element.isReconnected
    }.count
    let expected = Int(((end - start) / interval).rounded(.down))
    return max(0, expected - max(0, received - greetings))
  }
}
