import Testing

@testable import ComfyClient

@Suite struct ReconnectPolicyTests {
  @Test func exponentialDelaysDoubleUntilTheCap() {
    let policy = ReconnectPolicy(
      baseDelay: .milliseconds(100), maxDelay: .seconds(1), strategy: .exponential, jitter: 0)
    let delays = (1...6).map { policy.delay(forAttempt: $0, randomUnit: 0.5) }
    #expect(
      delays == [
        .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1),
        .seconds(1),
      ])
  }

  @Test func linearDelaysGrowByTheBaseUntilTheCap() {
    let policy = ReconnectPolicy(
      baseDelay: .milliseconds(300), maxDelay: .seconds(1), strategy: .linear, jitter: 0)
    let delays = (1...5).map { policy.delay(forAttempt: $0, randomUnit: 0.9) }
    #expect(
      delays == [
        .milliseconds(300), .milliseconds(600), .milliseconds(900), .seconds(1), .seconds(1),
      ])
  }

  @Test func hugeAttemptNumbersStayAtTheCap() {
    let policy = ReconnectPolicy(baseDelay: .seconds(1), maxDelay: .seconds(30), jitter: 0)
    #expect(policy.delay(forAttempt: 10_000, randomUnit: 0.5) == .seconds(30))
    #expect(policy.delay(forAttempt: Int.max, randomUnit: 0.5) == .seconds(30))
  }

  @Test(arguments: [0.0, 0.1, 0.25, 0.5, 0.75, 0.999])
  func jitterStaysWithinItsFraction(unit: Double) {
    let policy = ReconnectPolicy(baseDelay: .seconds(1), maxDelay: .seconds(60), jitter: 0.2)
    for attempt in 1...4 {
      let nominal = policy.nominalDelay(forAttempt: attempt)
      let delay = policy.delay(forAttempt: attempt, randomUnit: unit)
      #expect(delay >= nominal * 0.8 - .nanoseconds(1))
      #expect(delay <= nominal * 1.2 + .nanoseconds(1))
    }
  }

  @Test func jitterEndsMatchTheRandomUnit() {
    let policy = ReconnectPolicy(baseDelay: .seconds(2), maxDelay: .seconds(60), jitter: 0.25)
    #expect(policy.delay(forAttempt: 1, randomUnit: 0) == .milliseconds(1500))
    #expect(policy.delay(forAttempt: 1, randomUnit: 0.5) == .seconds(2))
    #expect(policy.delay(forAttempt: 1, randomUnit: 1) == .milliseconds(2500))
  }

  @Test func jitterNeverExceedsTheCap() {
    let policy = ReconnectPolicy(baseDelay: .seconds(1), maxDelay: .seconds(4), jitter: 0.5)
    #expect(policy.delay(forAttempt: 3, randomUnit: 1) == .seconds(4))
    #expect(policy.delay(forAttempt: 3, randomUnit: 0) == .seconds(2))
  }

  @Test func validationNamesTheBadField() {
    #expect(
      throws: ComfyClientError.invalidConfiguration(
        field: "reconnectPolicy.jitter", value: "1.5", expected: "a fraction in 0...1")
    ) {
      try ReconnectPolicy(jitter: 1.5).validate()
    }
    #expect(
      throws: ComfyClientError.invalidConfiguration(
        field: "reconnectPolicy.maxAttempts", value: "0", expected: "nil or ≥ 1")
    ) {
      try ReconnectPolicy(maxAttempts: 0).validate()
    }
    #expect(throws: (any Error).self) {
      try ReconnectPolicy(baseDelay: .seconds(5), maxDelay: .seconds(1)).validate()
    }
    #expect(throws: Never.self) { try ReconnectPolicy().validate() }
  }
}
