import ComfyClient
import FaultProxy
import ProxyControl

/// What broke: the server process, or the network between client and server.
public enum FailureCategory: String, Sendable, Codable, CaseIterable {
  case processCrash = "process"
  case network
}

/// What a scenario's failure can act on while it runs.
public struct FailureContext: Sendable {
  public let servers: ServerManager
  /// The port of the server the client (through the proxy) uses.
  public let serverPort: Int
  /// The proxy called "comfy" sits between the client and the server.
  public let proxies: ProxyManager
  public let clock: ScenarioClock
  /// The client's events since before the failure.
  public let events: EventTracker
}

/// One failure to inflict on a connected client: how to cause it and how long it lasts. `inject`
/// returns when the cause is gone (the server is back, the fault removed), so recovery can be
/// measured from that moment.
public struct RecoveryScenario: Sendable {
  /// Short name used on the command line (`--scenarios sigkill,blackout`).
  public let name: String
  public let category: FailureCategory
  /// One line saying what happens, for the report.
  public let summary: String
  /// True when the connection cannot survive it, so the client must notice and reconnect.
  public let breaksConnection: Bool
  public let inject: @Sendable (FailureContext) async throws -> Void
  /// Waits for the protocol moment at which the failure is injected (a node starting, say), before
  /// the clock of the measurement starts; nil: at once.
  public let moment: (@Sendable (FailureContext) async throws -> Void)?

  public init(
    name: String, category: FailureCategory, summary: String, breaksConnection: Bool,
    moment: (@Sendable (FailureContext) async throws -> Void)? = nil,
    inject: @escaping @Sendable (FailureContext) async throws -> Void
  ) {
    self.name = name
    self.category = category
    self.summary = summary
    self.breaksConnection = breaksConnection
    self.moment = moment
    self.inject = inject
  }
}

extension RecoveryScenario {
  /// Every built-in scenario: process crashes first, then network failures.
  public static let all: [RecoveryScenario] = [
    sigterm, sigkill, sigstop, reset, halfOpen, blackout, latencySpike, loss,
  ]

  /// Scenarios that strike at a protocol moment; chosen by name only, so the default matrix (and
  /// the reference client's results) stay as they are.
  public static let atMoments: [RecoveryScenario] = [sigkillAtNode]

  /// The scenarios called `names`; throws naming an unknown one and listing the known ones.
  public static func named(_ names: [String]) throws -> [RecoveryScenario] {
    try names.map { name in
      guard let scenario = (all + atMoments).first(where: { $0.name == name }) else {
        throw UnknownScenario(name: name)
      }
      return scenario
    }
  }

  /// A scenario name that is not built in.
  public struct UnknownScenario: Error, CustomStringConvertible {
    public let name: String
    public var description: String {
      "unknown scenario \"\(name)\"; known: \((RecoveryScenario.all + RecoveryScenario.atMoments).map(\.name).joined(separator: ", "))"
    }
  }

  public static let sigterm = restart(
    "sigterm", stopping: .terminate,
    summary: "server stopped with SIGTERM (close 1001), a new process 500 ms later")

  public static let sigkill = restart(
    "sigkill", stopping: .kill,
    summary: "server killed with SIGKILL (no goodbye), a new process 500 ms later")

  /// A crash: the server is stopped `stopping` one way, and a new process takes its port 500 ms later.
  private static func restart(
    _ name: String, stopping: ServerManager.StopMethod, summary: String
  ) -> RecoveryScenario {
    RecoveryScenario(name: name, category: .processCrash, summary: summary, breaksConnection: true)
    {
      context in
      context.clock.began(name)
      try await context.servers.restart(
        port: context.serverPort, after: .milliseconds(500), stopping: stopping)
      context.clock.ended(name)
    }
  }

  /// The node of the sample workflows (and of ComfyUI's default one) that runs right after the
  /// sampler: VAE decode.
  public static let nodeAfterSampler = "8"

  public static let sigkillAtNode = RecoveryScenario(
    name: "sigkill-at-node", category: .processCrash,
    summary:
      "server killed with SIGKILL the moment node \(nodeAfterSampler) (VAE decode) starts executing, a new process 500 ms later",
    breaksConnection: true,
    moment: { context in
      try await context.servers.waitFor(
        .nodeStarts(nodeAfterSampler), port: context.serverPort, timeout: .seconds(20))
    }
  ) { context in
    context.clock.began("sigkill-at-node")
    try await context.servers.restart(
      port: context.serverPort, after: .milliseconds(500), stopping: .kill)
    context.clock.ended("sigkill-at-node")
  }

  public static let sigstop = RecoveryScenario(
    name: "sigstop", category: .processCrash,
    summary: "server frozen with SIGSTOP for 2 s, then SIGCONT (sockets stay open)",
    breaksConnection: true
  ) { context in
    context.clock.began("sigstop")
    try await context.servers.pause(port: context.serverPort)
    try await Task.sleep(for: .seconds(2))
    try await context.servers.resume(port: context.serverPort)
    context.clock.ended("sigstop")
  }

  public static let reset = RecoveryScenario(
    name: "reset", category: .network,
    summary: "every connection reset (RST); the fault is removed once the client noticed",
    breaksConnection: true
  ) { context in
    try await context.proxies.addFault(FaultSpec(name: "reset", kind: ResetFault(after: .zero)))
    let start = ContinuousClock.now
    try? await pollUntil("the reset noticed", timeout: .seconds(2)) {
      context.events.firstTime(after: start, where: \.isDisconnected) != nil
    }
    try await context.proxies.removeFault(named: "reset")
  }

  public static let halfOpen = RecoveryScenario(
    name: "half-open", category: .network,
    summary: "connections silent for 2 s: no data, no FIN, no RST",
    breaksConnection: true
  ) { context in
    try await context.proxies.withFault(
      FaultSpec(name: "half-open", kind: HalfOpenFault()), for: .seconds(2))
  }

  /// A network that has gone dark: open connections fall silent (no data, no FIN, no RST) and new
  /// connections' SYNs go unanswered, so a client's connect hangs until the network is back.
  public static let blackoutFaults = [
    FaultSpec(name: "blackout-silence", kind: HalfOpenFault()),
    FaultSpec(name: "blackout-no-answer", kind: RefuseFault(mode: .blackhole)),
  ]

  public static let blackout = RecoveryScenario(
    name: "blackout", category: .network,
    summary: "3 s blackout: open connections silent, new connections' SYNs unanswered",
    breaksConnection: true
  ) { context in
    try await context.proxies.setFaults(blackoutFaults)
    try await Task.sleep(for: .seconds(3))
    try await context.proxies.setFaults([])
  }

  public static let latencySpike = RecoveryScenario(
    name: "latency-spike", category: .network,
    summary: "2 s of 1 s extra latency each way (±100 ms)",
    breaksConnection: false
  ) { context in
    try await context.proxies.withFault(
      FaultSpec(
        name: "latency-spike",
        kind: LatencyFault(delay: .seconds(1), jitter: .milliseconds(100))),
      for: .seconds(2))
  }

  public static let loss = RecoveryScenario(
    name: "loss", category: .network,
    summary: "2 s of 10 % segment loss, retransmitted after 200 ms (doubling)",
    breaksConnection: false
  ) { context in
    try await context.proxies.withFault(
      FaultSpec(name: "loss", kind: LossFault(rate: 0.1, mode: .retransmit)), for: .seconds(2))
  }
}
