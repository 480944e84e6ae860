import ArgumentParser
import FaultProfiles
import FaultProxy
import Foundation

/// Options of `faultline proxy` that decide which faults run and what is recorded.
struct ProxyFaultOptions: ParsableArguments {
  @Option(help: "Profile file (YAML) to apply when the proxy starts; see docs/profiles.md.")
  var profile: String?

  @Option(
    help:
      "Seed for every random decision (default: the profile's seed, else random; printed at start)."
  )
  var seed: UInt64?

  @Option(help: "Write every fault decision to this file as JSON lines.")
  var eventLog: String?

  /// Loads the profile named by `--profile`, with its file and line in any error.
  func loadProfile() throws -> Profile? {
    guard let profile else { return nil }
    do {
      return try ProfileLoader.load(contentsOf: profile)
    } catch {
      throw ValidationError("--profile: \(error)")
    }
  }

  /// The seed to start with: `--seed`, else the profile's.
  func effectiveSeed(profile: Profile?) -> UInt64? {
    seed ?? profile?.seed
  }

  /// Starts writing every decision to the `--event-log` file, if one was given.
  func openEventLog(_ engine: ProxyEngine) throws {
    guard let eventLog else { return }
    do {
      try engine.eventLog.attachFile(URL(fileURLWithPath: eventLog))
    } catch {
      throw ValidationError("--event-log \(eventLog): \(error.localizedDescription)")
    }
  }

  /// Applies the profile to a freshly added proxy.
  func apply(to engine: ProxyEngine, proxy: String, profile: Profile?) async throws {
    if var profile {
      // An explicit --seed wins over the profile's.
      if let seed { profile.seed = seed }
      try await engine.applyProfile(profile, toProxy: proxy)
    }
  }
}
