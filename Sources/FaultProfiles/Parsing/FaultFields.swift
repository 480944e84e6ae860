/// The fields each fault type accepts in a profile, beside the common ones.
enum FaultFields {
  static let common = ["type", "name", "stream", "toxicity"]

  static let byType: [String: [String]] = [
    "latency": ["latency", "jitter", "distribution", "correlation"],
    "bandwidth": ["rate", "proxy_rate"],
    "loss": [
      "rate", "correlation", "model", "p", "r", "loss_in_bad", "loss_in_good", "mode", "rto",
      "segment_size", "congestion",
    ],
    "half_open": ["after", "duration", "reads", "side"],
    "half_close": [],
    "reset": ["after", "after_bytes", "probability", "side"],
    "slow_close": ["delay"],
    "slicer": ["average_size", "size_variation", "delay"],
    "limit_data": ["bytes"],
    "timeout": ["timeout"],
    "refuse": ["mode"],
    "connect_delay": ["delay", "never"],
    "noop": [],
  ]

  /// Every field a fault of `type` may have, common ones first.
  static func allowed(for type: String) -> [String] {
    common + (byType[type] ?? [])
  }
}
