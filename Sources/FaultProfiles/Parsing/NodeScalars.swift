import FaultlineUnits
import Foundation
import Yams

extension NodeFound {
  /// Names a YAML node the way a user sees it in their file.
  init(_ node: Node) {
    switch node {
    case .scalar(let scalar):
      self = node.isNull ? NodeFound(description: "nothing") : .text(scalar.string)
    case .mapping: self = NodeFound(description: "a mapping")
    case .sequence: self = NodeFound(description: "a list")
    case .alias: self = NodeFound(description: "an alias")
    }
  }
}

extension Node {
  /// A plain `~`, `null` or empty value: YAML's way of writing nothing.
  var isNull: Bool {
    guard case .scalar(let scalar) = self, scalar.style == .plain else { return false }
    return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
  }

  /// The text of a non-null scalar, or an error naming `expectation` and what was found instead.
  func scalarText(expecting expectation: String) throws(ValueError) -> String {
    guard case .scalar(let scalar) = self, !isNull else {
      throw .expected(expectation, got: NodeFound(self))
    }
    return scalar.string.trimmingCharacters(in: .whitespaces)
  }
}
