/// What flows along a link while the mock runs a prompt: no pixels, only what decides the outputs a
/// client can see (an image's size and batch, a primitive's value).
enum NodeValue: Sendable, Equatable {
  /// An `IMAGE` (or `MASK`, or a `LATENT` measured in pixels): its size and batch length.
  case image(Raster)
  /// A primitive (`INT`, `FLOAT`, `STRING`, `BOOLEAN`) with its value.
  case literal(JSONValue)
  /// Anything else (`MODEL`, `CONDITIONING`...), known only by its type.
  case opaque(String)

  /// Size and batch of an image-like value.
  struct Raster: Sendable, Equatable {
    var width: Int
    var height: Int
    var batch: Int
    /// Colour channels; EmptyImage, LoadImage and every decoder give 3 (ImageToMask's `alpha` fails on it).
    var channels = 3
  }

  var raster: Raster? {
    if case .image(let raster) = self { return raster }
    return nil
  }
}
