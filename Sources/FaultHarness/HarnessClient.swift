import ComfyClient
import Foundation

extension ComfyClientConfiguration {
  /// A client that notices failures and comes back fast, for tests and recovery measurements:
  /// pings every 250 ms (a dead peer is noticed within half a second), 1.5 s of silence ends a
  /// session (keep the mock's status interval well below that), backoff from 100 ms to 1 s.
  public static func fastRecovery(
    baseURL: URL,
    autoReconnect: Bool = true,
    maxAttempts: Int? = nil,
    pingInterval: Duration? = .milliseconds(250),
    silenceTimeout: Duration? = .milliseconds(1500),
    baseDelay: Duration = .milliseconds(100),
    maxDelay: Duration = .seconds(1),
    connectTimeout: Duration = .seconds(3)
  ) -> ComfyClientConfiguration {
    var configuration = ComfyClientConfiguration(
      baseURL: baseURL,
      autoReconnect: autoReconnect,
      reconnectPolicy: ReconnectPolicy(
        maxAttempts: maxAttempts, baseDelay: baseDelay, maxDelay: maxDelay, jitter: 0.2),
      // Detection is fast (pings, silence); opening a socket may take a while on a loaded machine,
      // and a held connection is released the moment its fault ends, so a longer connect timeout
      // costs recovery nothing.
      liveness: .init(
        pingInterval: pingInterval, silenceTimeout: silenceTimeout,
        connectTimeout: connectTimeout, closeTimeout: .milliseconds(500),
        // The harness's mocks broadcast status periodically (MockServerOptions.statusInterval),
        // so silence means a dead session even while the client is idle.
        silenceCountsWhenIdle: true),
      healthCheck: .init(attempts: 5, delay: .milliseconds(100)),
      requestTimeout: .seconds(3)
    )
    // Every drop is expected here; the client's info lines about them would bury real problems.
    configuration.logger.logLevel = .warning
    return configuration
  }
}
