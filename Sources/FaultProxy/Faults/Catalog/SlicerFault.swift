/// Chunks cut into pieces of `averageSize` ± `sizeVariation` bytes, `delay` apart.
public struct SlicerFault: Fault {
  public var averageSize: Int
  public var sizeVariation: Int
  public var delay: Duration

  public init(averageSize: Int, sizeVariation: Int = 0, delay: Duration = .zero) {
    self.averageSize = averageSize
    self.sizeVariation = sizeVariation
    self.delay = delay
  }

  public func validated(given: Set<String>) throws(FaultFieldError) -> SlicerFault {
    guard sizeVariation < averageSize else {
      throw FaultFieldError(
        field: "size_variation",
        "expected a size_variation smaller than average_size (\(averageSize) bytes) so every slice "
          + "has at least 1 byte, got \(sizeVariation) bytes")
    }
    return self
  }

  public static let definition = FaultDefinition<SlicerFault>(
    type: "slicer", summary: "cuts chunks into small pieces sent a delay apart", origin: .toxiproxy,
    defaults: SlicerFault(averageSize: 1),
    example: SlicerFault(averageSize: 64, sizeVariation: 16, delay: .microseconds(500)),
    fields: [
      FaultField(
        "average_size", \.averageSize, .byteSize(in: 1...Int(Int32.max)),
        .required(example: "average_size: 64"), doc: "mean size of a piece, at least 1 byte"),
      FaultField(
        "size_variation", \.sizeVariation, .byteSize(in: 0...Int(Int32.max)),
        doc: "spread of the piece size, smaller than average_size"),
      FaultField(
        "delay", \.delay, .duration(apiUnit: "microseconds", apiNanoseconds: 1000),
        doc: "pause between pieces"),
    ],
    behaviour: .stage { fault, context in SlicerStage(context: context, slicer: fault) })
}
