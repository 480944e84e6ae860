/// The connection is closed after a number of bytes.
public struct LimitDataFault: Fault {
  public var bytes: Int

  public init(bytes: Int) {
    self.bytes = bytes
  }

  public static let definition = FaultDefinition<LimitDataFault>(
    type: "limit_data", summary: "closes the connection after a number of bytes",
    origin: .toxiproxy,
    defaults: LimitDataFault(bytes: 0), example: LimitDataFault(bytes: 65_536),
    fields: [
      FaultField(
        "bytes", \.bytes, .byteSize(), .requiredInProfiles(example: "bytes: 64KB"),
        doc: "bytes passed before the close")
    ],
    behaviour: .stage { fault, context in LimitDataStage(context: context, bytes: fault.bytes) })
}
