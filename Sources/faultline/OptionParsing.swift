import ArgumentParser
import FaultProxy
import FaultlineUnits
import Foundation
import MockComfy

/// Parses a duration option (`250ms`, `2s`, `0`), naming the option in the error.
func parseDuration(_ text: String, option: String) throws -> Duration {
  do {
    return try DurationText.read(text)
  } catch {
    throw ValidationError("\(option): invalid duration \"\(text)\": \(error.message)")
  }
}

/// Parses an address option, naming the option in the error.
func parseAddress(_ text: String, option: String) throws -> SocketAddress {
  do {
    return try SocketAddress(parsing: text)
  } catch {
    throw ValidationError("\(option): \(error)")
  }
}

/// Parses a size option: a whole number of bytes with an optional unit (`B`, `KB`, `MB`, `GB`,
/// `KiB`, `MiB`, `GiB`), naming the option and the value in the error.
func parseByteSize(_ text: String, option: String) throws -> Int {
  let units: [(suffix: String, multiplier: Int)] = [
    ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1_000), ("MB", 1_000_000),
    ("GB", 1_000_000_000), ("B", 1),
  ]
  let trimmed = text.trimmingCharacters(in: .whitespaces)
  let unit = units.first { trimmed.hasSuffix($0.suffix) } ?? ("", 1)
  let number = trimmed.dropLast(unit.suffix.count).trimmingCharacters(in: .whitespaces)
  guard !number.isEmpty, number.allSatisfy(\.isASCII), let value = Int(number), value >= 0 else {
    throw ValidationError(
      "\(option) \"\(text)\": expected a whole number of bytes with an optional unit (B, KB, MB, GB, KiB, MiB, GiB), e.g. 64MiB"
    )
  }
  let (bytes, overflow) = value.multipliedReportingOverflow(by: unit.multiplier)
  guard !overflow else { throw ValidationError("\(option) \"\(text)\": too large") }
  return bytes
}
