import FaultlineJSON
import FaultlineUnits

/// A field's value as a profile or request wrote it.
public enum FieldInput: Sendable, Equatable {
  /// A profile's scalar text, e.g. `250ms`.
  case text(String)
  /// An API attribute in Toxiproxy's units; `null` counts as left out.
  case json(JSONValue)
}

extension FaultDefinition {
  /// Builds a fault from the fields a profile or request wrote, reporting every problem (each naming
  /// its field) instead of stopping at the first. Fields not in the definition are the caller's to
  /// refuse: it knows the common fields and where the input came from.
  public func decode(_ inputs: [String: FieldInput], form: FaultForm) -> Result<
    F, FaultFieldErrors
  > {
    var fault = defaults
    var errors: [FaultFieldError] = []
    var given: Set<String> = []
    for field in fields {
      guard let input = inputs[field.name], input != .json(.null) else { continue }
      given.insert(field.name)
      do {
        switch input {
        case .text(let text): try field.readText(&fault, text)
        case .json(let json): try field.readJSON(&fault, json)
        }
      } catch {
        errors.append(FaultFieldError(field: field.name, error.message))
      }
    }
    guard errors.isEmpty else { return .failure(FaultFieldErrors(errors: errors)) }
    for field in fields {
      let applies = field.applies(fault)
      if given.contains(field.name), !applies {
        errors.append(
          FaultFieldError(
            field: field.name,
            "\"\(field.name)\" applies only with \(field.info.condition ?? "other settings"); set "
              + "\(field.info.condition ?? "them") or remove \"\(field.name)\""))
      } else if !given.contains(field.name), applies,
        let example = field.requiredExample(in: form, origin: origin)
      {
        errors.append(
          FaultFieldError(
            field: field.name,
            "missing required field \"\(field.name)\" (for example \(example))"))
      }
    }
    guard errors.isEmpty else { return .failure(FaultFieldErrors(errors: errors)) }
    do {
      return .success(try fault.validated(given: given))
    } catch {
      return .failure(FaultFieldErrors(errors: [error]))
    }
  }

  /// The fields of `fault` as a profile writes them, in definition order; unset optional fields and
  /// fields that do not apply are left out.
  public func profileFields(of fault: F) -> [(name: String, text: String)] {
    fields.compactMap { field in
      guard field.applies(fault), let text = field.writeText(fault) else { return nil }
      return (field.name, text)
    }
  }

  /// The attributes of `fault` as the control API shows them: every field that applies, `null` for
  /// unset optional ones.
  public func attributes(of fault: F) -> [String: JSONValue] {
    var attributes: [String: JSONValue] = [:]
    for field in fields where field.applies(fault) {
      attributes[field.name] = field.writeJSON(fault)
    }
    return attributes
  }
}

extension Fault {
  /// This fault's fields as a profile writes them (see `FaultDefinition.profileFields(of:)`).
  public var profileFields: [(name: String, text: String)] {
    Self.definition.profileFields(of: self)
  }

  /// This fault's attributes as the control API shows them.
  public var attributes: [String: JSONValue] { Self.definition.attributes(of: self) }
}
