/// Binary WebSocket messages of the ComfyUI protocol: a big-endian u32 event type, then the payload.
public enum BinaryFrame {
  public static let previewImage: UInt32 = 1
  public static let text: UInt32 = 3
  public static let previewImageWithMetadata: UInt32 = 4

  /// Image formats inside a type-1 frame.
  public static let jpegFormat: UInt32 = 1
  public static let pngFormat: UInt32 = 2

  /// Type 1: the image format, then the image bytes.
  static func preview(png: [UInt8]) -> [UInt8] {
    PNGEncoder.bigEndian(previewImage) + PNGEncoder.bigEndian(pngFormat) + png
  }

  /// Type 4: the length of a JSON metadata object, the object, then the image bytes.
  static func previewWithMetadata(png: [UInt8], nodeID: String, promptID: String) -> [UInt8] {
    let metadata: JSONValue = [
      "node_id": .string(nodeID), "prompt_id": .string(promptID),
      "display_node_id": .string(nodeID),
      "parent_node_id": .null, "real_node_id": .string(nodeID), "image_type": "image/png",
    ]
    let json = Array(metadata.pythonJSONText.utf8)
    return PNGEncoder.bigEndian(previewImageWithMetadata) + PNGEncoder.bigEndian(UInt32(json.count))
      + json + png
  }
}
