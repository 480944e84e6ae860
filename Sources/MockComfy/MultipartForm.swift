/// A `multipart/form-data` body split into its parts: enough for `/upload/image` (fields and one file).
struct MultipartForm {
  struct Part {
    let name: String
    let filename: String?
    let data: [UInt8]
  }

  let parts: [Part]

  /// Nil when the content type carries no boundary or the body does not follow it.
  init?(body: [UInt8], contentType: String) {
    guard contentType.lowercased().hasPrefix("multipart/form-data"),
      let boundaryField = contentType.split(separator: ";").map({ $0.trimmed(of: " ") })
        .first(where: { $0.lowercased().hasPrefix("boundary=") })
    else { return nil }
    var boundary = String(boundaryField.dropFirst("boundary=".count))
    if boundary.hasPrefix("\""), boundary.hasSuffix("\""), boundary.count >= 2 {
      boundary = String(boundary.dropFirst().dropLast())
    }
    let delimiter = Array("--\(boundary)".utf8)
    var parts: [Part] = []
    var sections = Self.split(body, by: delimiter)
    guard sections.count >= 2 else { return nil }
    sections.removeFirst()  // preamble
    for section in sections {
      if section.starts(with: Array("--".utf8)) { break }  // closing delimiter
      var content = section[...]
      if content.starts(with: [13, 10]) { content = content.dropFirst(2) }
      guard let headerEnd = Self.firstRange(of: [13, 10, 13, 10], in: Array(content)) else {
        continue
      }
      let headerText = String(decoding: content.prefix(headerEnd), as: UTF8.self)
      var data = Array(content.dropFirst(headerEnd + 4))
      if data.suffix(2) == [13, 10] { data.removeLast(2) }
      var name: String?
      var filename: String?
      for line in headerText.split(separator: "\r\n")
      where line.lowercased().hasPrefix("content-disposition:") {
        name = Self.parameter("name", in: String(line))
        filename = Self.parameter("filename", in: String(line))
      }
      if let name { parts.append(Part(name: name, filename: filename, data: data)) }
    }
    self.parts = parts
  }

  func field(_ name: String) -> String? {
    parts.first { $0.name == name && $0.filename == nil }.map {
      String(decoding: $0.data, as: UTF8.self)
    }
  }

  func file(_ name: String) -> Part? {
    parts.first { $0.name == name && $0.filename != nil }
  }

  private static func parameter(_ key: String, in line: String) -> String? {
    for piece in line.split(separator: ";").map({ $0.trimmed(of: " ") })
    where piece.hasPrefix("\(key)=") {
      var value = String(piece.dropFirst(key.count + 1))
      if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
        value = String(value.dropFirst().dropLast())
      }
      return value
    }
    return nil
  }

  private static func split(_ bytes: [UInt8], by delimiter: [UInt8]) -> [[UInt8]] {
    var sections: [[UInt8]] = []
    var start = 0
    var index = 0
    while index + delimiter.count <= bytes.count {
      if bytes[index] == delimiter[0], Array(bytes[index..<index + delimiter.count]) == delimiter {
        sections.append(Array(bytes[start..<index]))
        index += delimiter.count
        start = index
      } else {
        index += 1
      }
    }
    sections.append(Array(bytes[start...]))
    return sections
  }

  private static func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    for index in 0...(haystack.count - needle.count)
    where Array(haystack[index..<index + needle.count]) == needle {
      return index
    }
    return nil
  }
}

extension String {
  fileprivate func trimmed(of characters: String) -> String {
    var result = Substring(self)
    while let first = result.first, characters.contains(first) { result = result.dropFirst() }
    while let last = result.last, characters.contains(last) { result = result.dropLast() }
    return String(result)
  }
}

extension Substring {
  fileprivate func trimmed(of characters: String) -> String {
    String(self).trimmed(of: characters)
  }
}
