import FaultlineUnits
import Foundation
import Yams

/// Readers for the plain values of a profile: text, choices, booleans and seeds.
enum ValueReaders {
  /// Non-empty text.
  static func text(_ node: Node) throws(ValueError) -> String {
    let text = try node.scalarText(expecting: "text")
    guard !text.isEmpty else { throw .expected("non-empty text", got: .text(text)) }
    return text
  }

  /// One of a fixed set of words, such as a distribution name.
  static func choice<Choice: RawRepresentable<String>>(
    _ type: Choice.Type, among choices: [Choice]
  ) -> (Node) throws(ValueError) -> Choice {
    { (node: Node) throws(ValueError) -> Choice in
      let names = choices.map(\.rawValue)
      let expectation = "one of " + names.joined(separator: ", ")
      let text = try node.scalarText(expecting: expectation)
      guard names.contains(text), let choice = Choice(rawValue: text) else {
        let hint = ClosestMatch.hint(for: text, among: names)
        throw ValueError("expected \(expectation), got \"\(text)\"\(hint)")
      }
      return choice
    }
  }

  /// A duration of zero or more (`250ms`, `2s`).
  static func duration(_ node: Node) throws(ValueError) -> Duration {
    try DurationText.read(node.scalarText(expecting: DurationText.expectation))
  }

  /// A duration greater than zero.
  static func positiveDuration(_ node: Node) throws(ValueError) -> Duration {
    try DurationText.readPositive(node.scalarText(expecting: DurationText.expectation))
  }

  /// A probability: `0.02` or `2%`.
  static func probability(_ node: Node) throws(ValueError) -> Double {
    try ProbabilityText.read(node.scalarText(expecting: ProbabilityText.expectation))
  }

  static func bool(_ node: Node) throws(ValueError) -> Bool {
    guard case .scalar = node, let value = node.bool else {
      throw .expected("true or false", got: NodeFound(node))
    }
    return value
  }

  /// A 64-bit seed, decimal or `0x` hexadecimal.
  static func seed(_ node: Node) throws(ValueError) -> UInt64 {
    let expectation = "a seed: a whole number from 0 to \(UInt64.max), decimal or 0x hexadecimal"
    let text = try node.scalarText(expecting: expectation).replacingOccurrences(of: "_", with: "")
    let lowered = text.lowercased()
    let value = lowered.hasPrefix("0x") ? UInt64(lowered.dropFirst(2), radix: 16) : UInt64(text)
    guard let value else { throw .expected(expectation, got: .text(text)) }
    return value
  }
}
