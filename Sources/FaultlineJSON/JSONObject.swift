/// A JSON object whose members keep their insertion order, as Python's dictionaries do, so that a
/// document goes out with its members in the order it came in or was built.
///
/// Two objects are equal when they have the same members, in any order (as Python's `dict`s are).
public struct JSONObject: Sendable, Hashable, ExpressibleByDictionaryLiteral {
  public private(set) var members: [(key: String, value: JSONValue)] = []

  public init() {}

  /// The members of `dictionary`, sorted by key: a dictionary has no order of its own to keep.
  public init(_ dictionary: [String: JSONValue]) {
    members = dictionary.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
  }

  public init(dictionaryLiteral elements: (String, JSONValue)...) {
    for (key, value) in elements { self[key] = value }
  }

  public var isEmpty: Bool { members.isEmpty }
  public var count: Int { members.count }
  public var keys: [String] { members.map(\.key) }
  /// The members by name, for lookups that do not care about order.
  public var dictionary: [String: JSONValue] {
    Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
  }

  /// The member `key`; setting nil removes it, setting a new key appends it.
  public subscript(key: String) -> JSONValue? {
    get { members.first { $0.key == key }?.value }
    set {
      if let index = members.firstIndex(where: { $0.key == key }) {
        if let newValue {
          members[index].value = newValue
        } else {
          members.remove(at: index)
        }
      } else if let newValue {
        members.append((key, newValue))
      }
    }
  }

  public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
    lhs.members.count == rhs.members.count
      && lhs.members.allSatisfy { member in rhs[member.key] == member.value }
  }

  public func hash(into hasher: inout Hasher) {
    // Order-independent, to agree with ==: each member hashed alone, the hashes combined by xor.
    var combined = 0
    for member in members {
      var memberHasher = Hasher()
      memberHasher.combine(member.key)
      memberHasher.combine(member.value)
      combined ^= memberHasher.finalize()
    }
    hasher.combine(members.count)
    hasher.combine(combined)
  }
}
