/// Data rates with a unit: `400kbit/s`, `1.5Mbit/s`, `50KB/s`, `2MiB/s`, `800B/s`; read as bytes per second.
///
/// K, M and G are powers of 1000 as in Toxiproxy (its `rate` is in KB/s of 1000 bytes); KiB and MiB are
/// powers of 1024. Byte units (`B`) and bit units (`bit`) are spelt out because `kb/s` is ambiguous.
public enum ByteRateText {
  public static let expectation = "a rate with a unit such as 400kbit/s, 1.5Mbit/s or 50KB/s"

  static let table = UnitTable(
    units: [
      ("bit/s", 1.0 / 8), ("kbit/s", 1e3 / 8), ("Mbit/s", 1e6 / 8), ("Gbit/s", 1e9 / 8),
      ("B/s", 1), ("KB/s", 1e3), ("MB/s", 1e6), ("GB/s", 1e9),
      ("KiB/s", 1024), ("MiB/s", 1024 * 1024), ("GiB/s", 1024 * 1024 * 1024),
    ],
    // Bit prefixes cannot be mistaken for anything else, so their case does not matter.
    aliases: [
      "Kbit/s": 1e3 / 8, "mbit/s": 1e6 / 8, "gbit/s": 1e9 / 8, "kB/s": 1e3,
    ])

  /// Units that tools disagree on (tc's `kbps` is kilobytes, most others mean kilobits), refused on purpose.
  static let ambiguousUnits: Set<String> = [
    "kb/s", "mb/s", "gb/s", "kbps", "mbps", "gbps", "bps", "b/s",
  ]

  /// Reads a rate of zero or more, in bytes per second.
  public static func read(_ text: String) throws(ValueError) -> Double {
    guard let parsed = NumberWithUnit(text) else { throw .expected(expectation, got: .text(text)) }
    guard !parsed.unit.isEmpty else {
      throw ValueError(
        "expected \(expectation), got the bare number \"\(text)\"; add a unit, e.g. \(parsed.numberText)kbit/s"
      )
    }
    guard let multiplier = table.multiplier(for: parsed.unit) else {
      if ambiguousUnits.contains(parsed.unit.lowercased()) {
        throw ValueError(
          "ambiguous rate unit \"\(parsed.unit)\" in \"\(text)\": it means bits in some tools and bytes in "
            + "others; write kbit/s, Mbit/s or Gbit/s for bits, KB/s, MB/s or GB/s for bytes")
      }
      throw table.unknownUnitError(parsed.unit, in: text, kind: "rate")
    }
    guard parsed.value >= 0 else {
      throw ValueError("expected a rate of zero or more, got the negative rate \"\(text)\"")
    }
    return parsed.value * multiplier
  }

  /// Writes a rate back so that `read` gives exactly the same value: `1.5Mbit/s`, `400kbit/s`, `800B/s`.
  public static func format(_ bytesPerSecond: Double) -> String {
    for (name, multiplier) in [("Gbit/s", 1e9 / 8), ("Mbit/s", 1e6 / 8), ("kbit/s", 1e3 / 8)] {
      let amount = bytesPerSecond / multiplier
      let thousandths = (amount * 1000).rounded()
      guard amount >= 1, thousandths == amount * 1000 else { continue }
      let text = "\(thousandths / 1000)"
      let written = text.hasSuffix(".0") ? String(text.dropLast(2)) : text
      if let back = try? read(written + name), back == bytesPerSecond { return written + name }
    }
    let text = "\(bytesPerSecond)"
    return (text.hasSuffix(".0") ? String(text.dropLast(2)) : text) + "B/s"
  }
}
