import Foundation

/// The node classes a mock serves and runs: the built-in core nodes (the real server's own entries,
/// see `CoreObjectInfo`), or every class of a user's `/object_info` dump.
public struct NodeCatalog: Sendable {
  /// The checkpoint the built-in CheckpointLoaderSimple offers (the default workflow's).
  static let checkpoint = "v1-5-pruned-emaonly.safetensors"

  /// Classes in the order of the dump, which `/object_info` keeps.
  let classes: [NodeClass]
  private let byName: [String: Int]

  init(classes: [NodeClass]) {
    self.classes = classes
    var byName: [String: Int] = [:]
    for (index, nodeClass) in classes.enumerated() { byName[nodeClass.name] = index }
    self.byName = byName
  }

  /// No classes at all (a placeholder until a dump is loaded).
  public static let empty = NodeCatalog(classes: [])

  /// The core model-free nodes and the default text-to-image workflow's, as ComfyUI 0.3.64 declares them.
  public static let builtIn: NodeCatalog = {
    do {
      return try NodeCatalog(
        objectInfo: Array(CoreObjectInfo.json.utf8), source: "built-in catalogue")
    } catch {
      preconditionFailure("the built-in catalogue does not parse: \(error)")
    }
  }()

  /// Loads a dump of `GET /object_info`; refuses it whole, naming the file, class and field, when any
  /// part is not what a real server writes.
  public static func load(file path: String) throws(ObjectInfoError) -> NodeCatalog {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ObjectInfoError(file: path, className: nil, field: nil, problem: "cannot be read")
    }
    return try NodeCatalog(objectInfo: Array(data), source: path)
  }

  /// Parses the bytes of a dump; `source` names it in errors.
  public init(objectInfo bytes: [UInt8], source: String) throws(ObjectInfoError) {
    let document: JSONValue
    do {
      document = try JSONValue.parse(bytes)
    } catch {
      throw ObjectInfoError(
        file: source, className: nil, field: nil, problem: "is not JSON (\(error.description))")
    }
    guard case .object(let entries) = document else {
      throw ObjectInfoError(
        file: source, className: nil, field: nil,
        problem: "is not a JSON object of node classes")
    }
    var classes: [NodeClass] = []
    classes.reserveCapacity(entries.members.count)
    for (name, entry) in entries.members {
      classes.append(try NodeSchema.parse(name: name, entry: entry, source: source))
    }
    self.init(classes: classes)
  }

  /// How many classes the catalogue has.
  public var count: Int { classes.count }

  subscript(name: String) -> NodeClass? {
    byName[name].map { classes[$0] }
  }

  /// The whole `/object_info` answer; LoadImage lists `inputImages`, the files of the input directory.
  func objectInfo(inputImages: [String]) -> JSONValue {
    var object = JSONObject()
    for nodeClass in classes {
      object[nodeClass.name] = Self.objectInfo(of: nodeClass, inputImages: inputImages)
    }
    return .object(object)
  }

  static func objectInfo(of nodeClass: NodeClass, inputImages: [String]) -> JSONValue {
    guard nodeClass.behaviour == .loadImage else { return nodeClass.info }
    return nodeClass.objectInfo(replacingChoicesOf: "image", with: inputImages.map { .string($0) })
  }
}

/// Why a dump of `/object_info` was refused: the file, the class and field at fault, and the problem.
public struct ObjectInfoError: Error, CustomStringConvertible, Sendable {
  public let file: String
  public let className: String?
  public let field: String?
  public let problem: String

  public var description: String {
    var text = "\(file)"
    if let className { text += ": class \(className)" }
    if let field { text += ", field \(field)" }
    return text + ": " + problem
  }
}
