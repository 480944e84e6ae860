/// Every kind of fault the data plane runs, found by the build (the FaultCatalogPlugin lists each
/// `struct …: Fault` of this module), with their definitions seen through one type.
public enum FaultCatalog {
  /// Every fault type, sorted by wire name.
  public static let all: [FaultType] = types.map { FaultType($0) }.sorted { $0.name < $1.name }

  /// Every wire name, sorted.
  public static var names: [String] { all.map(\.name) }

  /// The fault type with wire name `name`.
  public static func type(named name: String) -> FaultType? {
    all.first { $0.name == name }
  }
}

/// One kind of fault's definition with its fault type erased, for code that handles every kind alike
/// (parsers, the API codec, listings).
public struct FaultType: Sendable {
  public let name: String
  public let summary: String
  public let origin: FaultOrigin
  public let fields: [FieldInfo]
  /// The fault with every field at its default.
  public let defaults: any Fault
  /// The definition's example: fields away from their defaults.
  public let example: any Fault
  private let decodeFields:
    @Sendable ([String: FieldInput], FaultForm) -> Result<any Fault, FaultFieldErrors>

  init<F: Fault>(_ type: F.Type) {
    let definition = F.definition
    name = definition.type
    summary = definition.summary
    origin = definition.origin
    defaults = definition.defaults
    example = definition.example
    fields = definition.fields.map { field in
      var info = field.info
      info.defaultText = field.writeText(definition.defaults)
      return info
    }
    decodeFields = { (inputs: [String: FieldInput], form: FaultForm) in
      definition.decode(inputs, form: form).map { $0 as any Fault }
    }
  }

  /// Builds a fault of this type from the fields a profile or request wrote; see
  /// `FaultDefinition.decode(_:form:)`.
  public func decode(_ inputs: [String: FieldInput], form: FaultForm) -> Result<
    any Fault, FaultFieldErrors
  > {
    decodeFields(inputs, form)
  }

  /// The names of this type's fields.
  public var fieldNames: [String] { fields.map(\.name) }
}
