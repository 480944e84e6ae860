/// Where a value sits in a profile, written the way errors show it: `timeline[1].faults[0].latency`.
struct FieldPath: CustomStringConvertible, Sendable {
  let description: String

  static let root = FieldPath(description: "")

  func child(_ key: String) -> FieldPath {
    FieldPath(description: description.isEmpty ? key : "\(description).\(key)")
  }

  func index(_ position: Int) -> FieldPath {
    FieldPath(description: "\(description)[\(position)]")
  }
}
