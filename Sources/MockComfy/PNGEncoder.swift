/// Writes real PNG files (8-bit RGB, no interlace) with zlib "stored" blocks: no compression, but every
/// byte is valid PNG that any decoder (and ComfyUI's clients) reads, and it needs no zlib dependency.
enum PNGEncoder {
  /// Encodes `width`×`height` pixels; `pixel(x, y)` returns the (red, green, blue) of each pixel.
  static func encode(width: Int, height: Int, pixel: (Int, Int) -> (UInt8, UInt8, UInt8)) -> [UInt8]
  {
    var raw: [UInt8] = []
    raw.reserveCapacity(height * (1 + width * 3))
    for y in 0..<height {
      raw.append(0)  // filter type None for this scanline
      for x in 0..<width {
        let (red, green, blue) = pixel(x, y)
        raw += [red, green, blue]
      }
    }
    var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    var header: [UInt8] = []
    header += bigEndian(UInt32(width))
    header += bigEndian(UInt32(height))
    header += [8, 2, 0, 0, 0]  // bit depth 8, colour type RGB, deflate, adaptive filtering, no interlace
    appendChunk("IHDR", header, to: &png)
    appendChunk("IDAT", zlibStored(raw), to: &png)
    appendChunk("IEND", [], to: &png)
    return png
  }

  /// A deterministic gradient whose colours depend on `seed`, so different prompts give different images.
  static func gradient(width: Int, height: Int, seed: Int) -> [UInt8] {
    let tint = UInt8(truncatingIfNeeded: seed &* 37)
    return encode(width: width, height: height) { x, y in
      (
        UInt8(truncatingIfNeeded: x * 255 / max(width - 1, 1)),
        UInt8(truncatingIfNeeded: y * 255 / max(height - 1, 1)), tint
      )
    }
  }

  private static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
    let typeBytes = Array(type.utf8)
    png += bigEndian(UInt32(data.count))
    png += typeBytes
    png += data
    png += bigEndian(CRC32.checksum(typeBytes + data))
  }

  /// A zlib stream of stored (uncompressed) deflate blocks of at most 65,535 bytes each.
  static func zlibStored(_ data: [UInt8]) -> [UInt8] {
    var output: [UInt8] = [0x78, 0x01]
    var offset = 0
    repeat {
      let length = min(65_535, data.count - offset)
      let isFinal = offset + length == data.count
      output.append(isFinal ? 1 : 0)
      output += [
        UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff),
        UInt8((~length >> 8) & 0xff),
      ]
      output += data[offset..<offset + length]
      offset += length
    } while offset < data.count
    output += bigEndian(adler32(data))
    return output
  }

  static func adler32(_ data: [UInt8]) -> UInt32 {
    var a: UInt32 = 1
    var b: UInt32 = 0
    for byte in data {
      a = (a + UInt32(byte)) % 65_521
      b = (b + a) % 65_521
    }
    return (b << 16) | a
  }

  static func bigEndian(_ value: UInt32) -> [UInt8] {
    [
      UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff),
      UInt8(value & 0xff),
    ]
  }
}

/// CRC-32 (ISO-HDLC, the one PNG chunks use).
enum CRC32 {
  private static let table: [UInt32] = (0..<256).map { index in
    var value = UInt32(index)
    for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
    return value
  }

  static func checksum(_ data: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
    return crc ^ 0xFFFF_FFFF
  }
}
