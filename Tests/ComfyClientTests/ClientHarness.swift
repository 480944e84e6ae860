import Foundation
import Testing

@testable import ComfyClient

/// Client set-up shared by the tests: a configuration with fast liveness and backoff.
enum ClientHarness {
  static func configuration(
    port: Int,
    autoReconnect: Bool = true,
    maxAttempts: Int? = nil,
    silenceTimeout: Duration? = .seconds(3)
  ) -> ComfyClientConfiguration {
    ComfyClientConfiguration(
      baseURL: URL(string: "http://127.0.0.1:\(port)")!,
      autoReconnect: autoReconnect,
      reconnectPolicy: ReconnectPolicy(
        maxAttempts: maxAttempts, baseDelay: .milliseconds(50), maxDelay: .milliseconds(400),
        jitter: 0.2),
      liveness: .init(
        pingInterval: .milliseconds(500), silenceTimeout: silenceTimeout,
        // Generous: three spawned servers answering their first upgrade on a loaded 2-core
        // machine have taken more than 2 s.
        connectTimeout: .seconds(5),
        closeTimeout: .milliseconds(500),
        // RestartableMock broadcasts status every 250 ms: silence means a dead session even idle.
        silenceCountsWhenIdle: true),
      healthCheck: .init(attempts: 3, delay: .milliseconds(100)),
      requestTimeout: .seconds(3)
    )
  }
}
