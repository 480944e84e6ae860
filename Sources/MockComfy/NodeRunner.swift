/// Computes a node's output values from its inputs by its behaviour: sizes follow the graph (EmptyImage
/// sets them, ImageScale changes them); types without a behaviour get values synthesised from their
/// declared types.
enum NodeRunner {
  /// The size an image gets when nothing upstream gives one (EmptyImage's default).
  static let defaultRaster = NodeValue.Raster(width: 512, height: 512, batch: 1)

  static func outputs(
    of node: ValidatedPrompt.Node, inputs: [String: NodeValue], loadedImage: NodeValue.Raster?
  ) throws(NodeRunFailure) -> [NodeValue] {
    let literals = node.inputs
    func int(_ name: String) -> Int? {
      if case .literal(let value) = inputs[name] { return value.intValue }
      return literals[name]?.intValue ?? (literals[name]?.stringValue).flatMap { Int($0) }
    }
    let firstRaster =
      node.nodeClass.declaredInputs.lazy.compactMap { inputs[$0.0]?.raster }.first
    switch node.nodeClass.behaviour {
    case .emptyImage, .emptyLatent:
      let raster = NodeValue.Raster(
        width: int("width") ?? 512, height: int("height") ?? 512, batch: int("batch_size") ?? 1)
      return [.image(raster)]
    case .scale:
      var raster = firstRaster ?? defaultRaster
      let (width, height) = (int("width") ?? 0, int("height") ?? 0)
      // 0 keeps the aspect ratio from the other side, as ComfyUI's ImageScale does.
      switch (width, height) {
      case (0, 0): break
      case (0, _):
        raster.width = max(
          1, Int((Double(raster.width) * Double(height) / Double(raster.height)).rounded()))
        raster.height = height
      case (_, 0):
        raster.height = max(
          1, Int((Double(raster.height) * Double(width) / Double(raster.width)).rounded()))
        raster.width = width
      default: (raster.width, raster.height) = (width, height)
      }
      return [.image(raster)]
    case .scaleBy:
      var raster = firstRaster ?? defaultRaster
      let factor = node.inputs["scale_by"]?.doubleValue ?? 1
      raster.width = max(1, Int((Double(raster.width) * factor).rounded()))
      raster.height = max(1, Int((Double(raster.height) * factor).rounded()))
      return [.image(raster)]
    case .crop:
      var raster = firstRaster ?? defaultRaster
      let x = min(int("x") ?? 0, raster.width - 1)
      let y = min(int("y") ?? 0, raster.height - 1)
      raster.width = max(1, min(int("width") ?? raster.width, raster.width - x))
      raster.height = max(1, min(int("height") ?? raster.height, raster.height - y))
      return [.image(raster)]
    case .loadImage:
      let raster = loadedImage ?? defaultRaster
      return [
        .image(raster),
        .image(NodeValue.Raster(width: raster.width, height: raster.height, batch: 1, channels: 1)),
      ]
    case .imageToMask:
      let raster = firstRaster ?? defaultRaster
      let channel =
        ["red", "green", "blue", "alpha"].firstIndex(of: literals["channel"]?.stringValue ?? "")
        ?? 0
      guard channel < raster.channels else {
        throw NodeRunFailure(
          exceptionType: "IndexError",
          message:
            "index \(channel) is out of bounds for dimension 3 with size \(raster.channels)\n",
          frame:
            "  File \"ComfyUI/comfy_extras/nodes_mask.py\", line 137, in image_to_mask\n    mask = image[:, :, :, channels.index(channel)]\n           ~~~~~^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        )
      }
      var mask = raster
      mask.channels = 1
      return [.image(mask)]
    case .maskToImage:
      var raster = firstRaster ?? defaultRaster
      raster.channels = 3
      return [.image(raster)]
    case .primitive:
      return [inputs["value"] ?? .literal(literals["value"] ?? .null)]
    case .keepSize, .sampler, .saveImages, .previewImages, .sendImages, .generic:
      return node.nodeClass.outputs.map {
        synthesise($0, from: firstRaster, node: node, inputs: inputs)
      }
    }
  }

  /// A value of `type` for a node with no behaviour of its own: images keep the size of the first
  /// image-like input (or the node's width/height inputs), primitives take the node's first literal of
  /// that type.
  static func synthesise(
    _ type: String, from raster: NodeValue.Raster?, node: ValidatedPrompt.Node,
    inputs: [String: NodeValue]
  ) -> NodeValue {
    switch type {
    case "IMAGE", "LATENT", "MASK":
      var result = raster ?? defaultRaster
      if let width = node.inputs["width"]?.intValue, width > 0 { result.width = width }
      if let height = node.inputs["height"]?.intValue, height > 0 { result.height = height }
      if let batch = node.inputs["batch_size"]?.intValue, batch > 0 { result.batch = batch }
      result.channels = type == "MASK" ? 1 : 3
      return .image(result)
    case "INT", "FLOAT", "STRING", "BOOLEAN":
      for (name, spec) in node.nodeClass.declaredInputs where spec.typeName == type {
        if let value = inputs[name] { return value }
        if let literal = node.inputs[name] { return .literal(literal) }
      }
      switch type {
      case "INT": return .literal(0)
      case "FLOAT": return .literal(0.0)
      case "STRING": return .literal("")
      default: return .literal(false)
      }
    default:
      return .opaque(type)
    }
  }
}
