import Foundation
import Testing

@testable import ComfyClient

/// Client set-up shared by the tests: a configuration with fast liveness and backoff.
enum ClientHarness {
  /// - Parameter pingInterval: also the pong deadline. The default leaves a loaded machine's
  ///   in-process server (sharing 2 cores with the whole suite and busy processes) seconds to
  ///   answer: at 500 ms one late pong closes a healthy socket, and a test about prompts or
  ///   events sees a drop it did not cause. Tests that time how fast pings notice a frozen
  ///   server pass a short one.
  static func configuration(
    port: Int,
    autoReconnect: Bool = true,
    maxAttempts: Int? = nil,
    pingInterval: Duration? = .seconds(2),
    silenceTimeout: Duration? = .seconds(3)
  ) -> ComfyClientConfiguration {
    ComfyClientConfiguration(
      baseURL: URL(string: "http://127.0.0.1:\(port)")!,
      autoReconnect: autoReconnect,
      reconnectPolicy: ReconnectPolicy(
        maxAttempts: maxAttempts, baseDelay: .milliseconds(50), maxDelay: .milliseconds(400),
        jitter: 0.2),
      liveness: .init(
        pingInterval: pingInterval, silenceTimeout: silenceTimeout,
        // Generous: three spawned servers answering their first upgrade on a loaded 2-core
        // machine have taken more than 2 s.
        connectTimeout: .seconds(5),
        closeTimeout: .milliseconds(500),
        // RestartableMock broadcasts status every 250 ms: silence means a dead session even idle.
        silenceCountsWhenIdle: true),
      healthCheck: .init(attempts: 3, delay: .milliseconds(100)),
      // The in-process mock has taken more than 3 s to answer /system_stats beside two busy
      // processes; a test about something else must not fail on that.
      requestTimeout: .seconds(10)
    )
  }

  /// A client with the clientId the reconnect-race tests share, pings off: only its silence
  /// deadline (or nothing) can end its socket, so a pong the starved in-process server answers
  /// late cannot end a race's old socket early or stand in for the silence under test.
  static func racer(port: Int, autoReconnect: Bool = true, silenceTimeout: Duration?)
    -> ComfyClientConfiguration
  {
    var configuration = configuration(
      port: port, autoReconnect: autoReconnect, pingInterval: nil, silenceTimeout: silenceTimeout)
    configuration.clientId = "racer"
    return configuration
  }
}
