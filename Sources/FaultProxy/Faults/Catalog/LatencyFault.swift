/// Each chunk is held `delay` ± `jitter`; order is kept.
public struct LatencyFault: Fault {
  /// Shape of the random part of the delay, as netem offers.
  public enum Distribution: String, Sendable, Hashable, CaseIterable {
    case uniform, normal, pareto, paretonormal
  }

  public var delay: Duration
  public var jitter: Duration
  public var distribution: Distribution
  /// 0...1: how much each sample leans on the previous one (netem's correlation).
  public var correlation: Double

  public init(
    delay: Duration, jitter: Duration = .zero, distribution: Distribution = .uniform,
    correlation: Double = 0
  ) {
    self.delay = delay
    self.jitter = jitter
    self.distribution = distribution
    self.correlation = correlation
  }

  public static let definition = FaultDefinition<LatencyFault>(
    type: "latency", summary: "holds each chunk for a delay ± jitter; order is kept",
    origin: .toxiproxy, defaults: LatencyFault(delay: .zero),
    example: LatencyFault(
      delay: .milliseconds(120), jitter: .milliseconds(30), distribution: .normal,
      correlation: 0.25),
    fields: [
      FaultField(
        "latency", \.delay, .duration(), .requiredInProfiles(example: "latency: 100ms"),
        doc: "mean delay, per direction"),
      FaultField("jitter", \.jitter, .duration(), doc: "spread of the delay"),
      FaultField(
        "distribution", \.distribution, .choice,
        doc: "uniform (delay ± jitter), normal, pareto or paretonormal"),
      FaultField(
        "correlation", \.correlation, .probability,
        doc: "how much each draw leans on the previous one"),
    ],
    behaviour: .stage { fault, context in LatencyStage(context: context, latency: fault) })
}
