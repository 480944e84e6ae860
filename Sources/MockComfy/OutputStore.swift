import FaultlineLocking
import Foundation

/// The mock's `input`, `output` and `temp` directories (in a private temporary directory removed at
/// stop), the images prompts save there, uploads, and the path checks `/view` and `/upload/image` apply.
final class OutputStore: Sendable {
  /// What `/view` answers for a request.
  enum ViewResult: Equatable {
    case file(URL)
    case badRequest
    case forbidden
    case notFound
  }

  static let directoryTypes = ["input", "output", "temp"]

  let root: URL
  private let counter = Locked(0)

  /// Creates a fresh directory for this server inside `parent` (the system temporary directory when nil).
  init(parent: URL?) throws {
    root = (parent ?? FileManager.default.temporaryDirectory).appendingPathComponent(
      "faultline-mock-\(UUID().uuidString)")
    for type in Self.directoryTypes {
      try FileManager.default.createDirectory(
        at: root.appendingPathComponent(type), withIntermediateDirectories: true)
    }
  }

  func removeAll() {
    try? FileManager.default.removeItem(at: root)
  }

  func directory(type: String) -> URL? {
    Self.directoryTypes.contains(type) ? root.appendingPathComponent(type) : nil
  }

  /// Image files in `input`, which LoadImage offers (as the real `/object_info` lists them).
  func inputImages() -> [String] {
    let names =
      (try? FileManager.default.contentsOfDirectory(
        atPath: root.appendingPathComponent("input").path)) ?? []
    return names.filter { !$0.hasPrefix(".") }.sorted()
  }

  /// Saves a PNG as the real SaveImage/PreviewImage name it: `prefix_00001_.png`, counting up.
  func saveImage(_ png: [UInt8], prefix: String, type: String) throws -> JSONValue {
    let number = counter.withLock { value -> Int in
      value += 1
      return value
    }
    let filename = "\(prefix)_\(String(format: "%05d", number))_.png"
    guard let directory = directory(type: type) else { throw CocoaError(.fileNoSuchFile) }
    try Data(png).write(to: directory.appendingPathComponent(filename))
    return ["filename": .string(filename), "subfolder": "", "type": .string(type)]
  }

  /// Resolves `/view?filename=&type=&subfolder=` with the real server's checks, in its order.
  func resolveView(filename rawName: String?, type: String?, subfolder: String?) -> ViewResult {
    guard var filename = rawName else { return .notFound }
    var directoryType = type ?? "output"
    // "name.png [output]" names its directory itself (folder_paths.annotated_filepath).
    for annotated in Self.directoryTypes where filename.hasSuffix(" [\(annotated)]") {
      filename = String(filename.dropLast(annotated.count + 3))
      directoryType = annotated
    }
    if filename.isEmpty || filename.hasPrefix("/") || filename.contains("..") { return .badRequest }
    guard var directory = self.directory(type: directoryType) else { return .badRequest }
    if let subfolder {
      guard let inside = Self.resolve(subfolder, under: directory) else { return .forbidden }
      directory = inside
    }
    let file = directory.appendingPathComponent((filename as NSString).lastPathComponent)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory),
      !isDirectory.boolValue
    else {
      return .notFound
    }
    return .file(file)
  }

  /// Stores an upload as the real `image_upload` does: a name clash gets " (1)", " (2)"... unless the
  /// content is identical or `overwrite` is set. Nil when the path escapes its directory.
  func saveUpload(data: [UInt8], filename: String, type: String, subfolder: String, overwrite: Bool)
    throws -> JSONValue?
  {
    guard let base = directory(type: type), let folder = Self.resolve(subfolder, under: base) else {
      return nil
    }
    guard let target = Self.resolve(filename, under: folder),
      target.deletingLastPathComponent().path.hasPrefix(base.path)
    else {
      return nil
    }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var name = target.lastPathComponent
    var path = folder.appendingPathComponent(name)
    if !overwrite {
      let stem = (name as NSString).deletingPathExtension
      let suffix =
        (name as NSString).pathExtension.isEmpty ? "" : "." + (name as NSString).pathExtension
      var attempt = 1
      while FileManager.default.fileExists(atPath: path.path) {
        if let existing = FileManager.default.contents(atPath: path.path), Array(existing) == data {
          break
        }
        name = "\(stem) (\(attempt))\(suffix)"
        path = folder.appendingPathComponent(name)
        attempt += 1
      }
    }
    try Data(data).write(to: path)
    return ["name": .string(name), "subfolder": .string(subfolder), "type": .string(type)]
  }

  /// `os.path.join` then the `commonpath` check: nil when `relative` leaves `directory`.
  static func resolve(_ relative: String, under directory: URL) -> URL? {
    let joined = relative.hasPrefix("/") ? relative : directory.path + "/" + relative
    var components: [String] = []
    for component in joined.split(separator: "/", omittingEmptySubsequences: true) {
      switch component {
      case ".": continue
      case "..": if !components.isEmpty { components.removeLast() }
      default: components.append(String(component))
      }
    }
    let normalized = "/" + components.joined(separator: "/")
    guard normalized == directory.path || normalized.hasPrefix(directory.path + "/") else {
      return nil
    }
    return URL(fileURLWithPath: normalized)
  }
}
