/// Amounts of data: `64KB`, `1MiB`, or a bare number of bytes such as `100`.
public enum ByteSizeText {
  public static let expectation = "a size such as 100, 64KB or 1MiB"

  static let table = UnitTable(
    units: [
      ("B", 1), ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("KiB", 1024), ("MiB", 1024 * 1024),
      ("GiB", 1024 * 1024 * 1024),
    ],
    aliases: ["kB": 1e3, "bytes": 1])

  /// Reads a whole number of bytes, zero or more.
  public static func read(_ text: String) throws(ValueError) -> Int {
    guard let parsed = NumberWithUnit(text) else { throw .expected(expectation, got: .text(text)) }
    let multiplier: Double
    if parsed.unit.isEmpty {
      multiplier = 1
    } else if let known = table.multiplier(for: parsed.unit) {
      multiplier = known
    } else {
      throw table.unknownUnitError(parsed.unit, in: text, kind: "size")
    }
    let bytes = parsed.value * multiplier
    guard bytes >= 0 else {
      throw ValueError("expected a size of zero or more, got the negative size \"\(text)\"")
    }
    guard bytes < Double(Int.max) else {
      throw ValueError(
        "expected a size below \(Int.max) bytes, got \"\(text)\", which is too large")
    }
    guard bytes == bytes.rounded() else {
      throw ValueError("expected a whole number of bytes, got \"\(text)\" (\(bytes) bytes)")
    }
    return Int(bytes)
  }

  /// Reads a size of at least one byte.
  public static func readPositive(_ text: String) throws(ValueError) -> Int {
    let bytes = try read(text)
    guard bytes > 0 else {
      throw ValueError("expected a size of at least 1 byte, got \(NodeFound.text(text))")
    }
    return bytes
  }

  /// Writes a size back so that `read` gives it again: `64KiB`, `1MiB`, or a number of bytes.
  public static func format(_ bytes: Int) -> String {
    for (name, size) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
    where bytes != 0 && bytes % size == 0 {
      return "\(bytes / size)\(name)"
    }
    return "\(bytes)"
  }
}
