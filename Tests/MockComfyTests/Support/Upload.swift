/// `POST /upload/image` of `bytes` as `filename`, the way ComfyUI's frontend sends it.
func uploadImage(port: Int, filename: String, bytes: [UInt8], overwrite: Bool = false)
  async throws -> HTTPReply
{
  let boundary = "faultline-upload"
  var body = Array(
    "--\(boundary)\r\nContent-Disposition: form-data; name=\"overwrite\"\r\n\r\n\(overwrite)\r\n"
      .utf8)
  body += Array(
    "--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"\(filename)\"\r\nContent-Type: image/png\r\n\r\n"
      .utf8)
  body += bytes + Array("\r\n--\(boundary)--\r\n".utf8)
  return try await HTTP.request(
    .POST, "http://127.0.0.1:\(port)/upload/image", body: body,
    headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")])
}

/// Width and height from a PNG's IHDR.
func pngSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
  guard bytes.count >= 24, bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) else { return nil }
  func word(_ offset: Int) -> Int { bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
  return (word(16), word(20))
}
