import ChildProcess
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
  /// Held while a save picks its file numbers and writes, so two saves never take the same number.
  private let saving = Locked(())

  /// Creates a fresh directory for this server inside `parent` (the system temporary directory when nil).
  init(parent: URL?) throws {
    root = try ScratchDirectory.create(
      prefix: "faultline-mock", in: parent ?? FileManager.default.temporaryDirectory)
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

  /// Saves one PNG per image of a batch as SaveImage and PreviewImage name them: `prefix_00001_.png`,
  /// counting on from the highest number already in the folder for that prefix; a prefix with a
  /// folder (`project/img`) saves under that subfolder. Throws `NodeRunFailure` as the real node does
  /// when the prefix leaves the directory.
  func saveImages(
    count: Int, prefix: String, type: String, render: (Int) -> [UInt8]
  ) throws -> [JSONValue] {
    guard let base = directory(type: type) else { throw CocoaError(.fileNoSuchFile) }
    let normalized = Self.normalize(prefix)
    let slash = normalized.lastIndex(of: "/")
    let subfolder = slash.map { String(normalized[..<$0]) } ?? ""
    let name = slash.map { String(normalized[normalized.index(after: $0)...]) } ?? normalized
    guard let folder = Self.resolve(subfolder, under: base) else {
      throw NodeRunFailure(
        exceptionType: "Exception",
        message:
          "**** ERROR: Saving image outside the output folder is not allowed.\n full_output_folder: \(base.path)/\(subfolder)\n         output_dir: \(base.path)",
        frame:
          "  File \"ComfyUI/folder_paths.py\", line 454, in get_save_image_path\n    raise Exception(err)\n"
      )
    }
    return try saving.withLock { _ in
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      var next = Self.nextCounter(in: folder, name: name)
      var images: [JSONValue] = []
      for index in 0..<count {
        let filename = "\(name)_\(String(format: "%05d", next))_.png"
        try Data(render(index)).write(to: folder.appendingPathComponent(filename))
        images.append([
          "filename": .string(filename), "subfolder": .string(subfolder), "type": .string(type),
        ])
        next += 1
      }
      return images
    }
  }

  /// `os.path.normpath` of a relative prefix.
  private static func normalize(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
      if part == "..", let last = parts.last, last != ".." {
        parts.removeLast()
      } else {
        parts.append(part)
      }
    }
    return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
  }

  /// The number after the highest `name_NNNNN_` file in `folder` (`get_save_image_path`).
  private static func nextCounter(in folder: URL, name: String) -> Int {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    var highest = 0
    for file in files where file.hasPrefix(name + "_") {
      let rest = file.dropFirst(name.count + 1)
      guard let digits = rest.split(separator: "_", omittingEmptySubsequences: false).first,
        let number = Int(digits)
      else { continue }
      highest = max(highest, number)
    }
    return highest + 1
  }

  /// The input file a LoadImage names (`name.png`, `sub/name.png` or `name.png [output]`), if it exists.
  func inputFile(_ name: String) -> URL? {
    var filename = name
    var type = "input"
    for annotated in Self.directoryTypes where filename.hasSuffix(" [\(annotated)]") {
      filename = String(filename.dropLast(annotated.count + 3))
      type = annotated
    }
    guard let base = directory(type: type), let file = Self.resolve(filename, under: base) else {
      return nil
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory),
      !isDirectory.boolValue
    else { return nil }
    return file
  }

  /// A stamp of the input file's content (FNV-1a 64 over its bytes), which changes when it does.
  func inputFileStamp(_ name: String) -> String? {
    guard let file = inputFile(name), let data = FileManager.default.contents(atPath: file.path)
    else { return nil }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in data {
      hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    return "\(data.count)-\(String(hash, radix: 16))"
  }

  /// Width and height of an input PNG (its IHDR), nil for another format or a missing file.
  func inputImageSize(_ name: String) -> (width: Int, height: Int)? {
    guard let file = inputFile(name), let handle = try? FileHandle(forReadingFrom: file) else {
      return nil
    }
    defer { try? handle.close() }
    guard let header = try? handle.read(upToCount: 24), header.count == 24,
      Array(header.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    else { return nil }
    let bytes = Array(header)
    func word(_ offset: Int) -> Int {
      bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
    }
    return (word(16), word(20))
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
    // The real server checks the path as written only; a symbolic link inside the folder could
    // still lead out of it, so the mock also checks where the path really leads.
    guard Self.leadsInside(file, root) else { return .forbidden }
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
    guard Self.leadsInside(target, base) else { return nil }
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

  /// Whether `url`, with every symbolic link on its way followed, is still inside `directory` (also
  /// so followed). Of a path not created yet, the part that exists is followed (a link, even a
  /// dangling one, counts as existing: writing through it would follow it).
  static func leadsInside(_ url: URL, _ directory: URL) -> Bool {
    let base = realPath(directory)
    let real = realPath(url)
    return real == base || real.hasPrefix(base + "/")
  }

  private static func realPath(_ url: URL) -> String {
    var existing = url.standardizedFileURL.path
    var rest: [String] = []
    var status = stat()
    while existing != "/", lstat(existing, &status) != 0 {
      rest.insert((existing as NSString).lastPathComponent, at: 0)
      existing = (existing as NSString).deletingLastPathComponent
    }
    // A dangling link resolves to nothing: take where it points, which is outside or not.
    guard let resolved = realpath(existing, nil) else {
      let target =
        (try? FileManager.default.destinationOfSymbolicLink(atPath: existing)) ?? existing
      return ([target] + rest).joined(separator: "/")
    }
    defer { free(resolved) }
    return ([String(cString: resolved)] + rest).joined(separator: "/")
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
