/// What running a node does in the mock. The core nodes have their own (EmptyImage makes an image of
/// its size, ImageScale changes it, SaveImage writes files of it); any other class, from a user's dump,
/// gets the generic behaviour: outputs synthesised from their declared types.
enum NodeBehaviour: Sendable, Equatable {
  case emptyImage
  case emptyLatent
  /// Same size out as in (ImageInvert, ImageBlur, VAEEncode, VAEDecode...).
  case keepSize
  case scale
  case scaleBy
  case crop
  case loadImage
  case imageToMask
  case maskToImage
  /// Passes its `value` input through (PrimitiveInt and kin).
  case primitive
  /// Reports progress steps with previews while it runs (KSampler).
  case sampler
  /// Writes PNG files to `output` under `filename_prefix` (SaveImage).
  case saveImages
  /// Writes PNG files to `temp` (PreviewImage).
  case previewImages
  /// Sends each image as a binary frame, saves nothing (SaveImageWebsocket).
  case sendImages
  case generic

  static func of(className: String) -> NodeBehaviour {
    switch className {
    case "EmptyImage": .emptyImage
    case "EmptyLatentImage": .emptyLatent
    case "ImageInvert", "ImageBlur", "VAEDecode", "VAEEncode", "ImageSharpen": .keepSize
    case "ImageScale": .scale
    case "ImageScaleBy": .scaleBy
    case "ImageCrop": .crop
    case "LoadImage": .loadImage
    case "ImageToMask": .imageToMask
    case "MaskToImage": .maskToImage
    case "PrimitiveInt", "PrimitiveFloat", "PrimitiveString", "PrimitiveStringMultiline",
      "PrimitiveBoolean":
      .primitive
    case "KSampler", "KSamplerAdvanced", "SamplerCustom", "SamplerCustomAdvanced": .sampler
    case "SaveImage": .saveImages
    case "PreviewImage": .previewImages
    case "SaveImageWebsocket": .sendImages
    default: .generic
    }
  }

  /// Whether an unchanged node may come from the cache. SaveImageWebsocket's `IS_CHANGED` returns the
  /// time, so it always runs again; LoadImage is cacheable while its file's content is unchanged.
  var isCacheable: Bool { self != .sendImages }
}

/// A node failing at run time the way the real node fails, reported as `execution_error`.
struct NodeRunFailure: Error, Sendable {
  let exceptionType: String
  let message: String
  /// The last traceback frame, naming the real node's source line.
  let frame: String
}
