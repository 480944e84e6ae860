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

/// Parses a size option in the profiles' grammar (`64MiB`, `256MB`, `4096`), naming the option and
/// the value in the error.
func parseByteSize(_ text: String, option: String) throws -> Int {
  do {
    return try ByteSizeText.read(text.trimmingCharacters(in: .whitespaces))
  } catch {
    throw ValidationError("\(option) \"\(text)\": \(error.message)")
  }
}
