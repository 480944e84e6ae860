import FaultProxy
import Foundation
import Yams

/// Reads profile files (YAML) into `FaultProxy.Profile`, with errors that name the file, line and field.
///
/// `check` collects every problem of a file (for `faultline profile lint`); `load` and `parse` throw the
/// first one, which is what a caller applying a profile needs.
public enum ProfileLoader {
  /// Reads and validates the profile file at `path`.
  public static func load(contentsOf path: String) throws(ProfileError) -> Profile {
    try firstErrorOrProfile(check(contentsOf: path))
  }

  /// Validates a YAML body, such as one received by the control API; `file` names it in errors.
  public static func parse(yaml: String, file: String) throws(ProfileError) -> Profile {
    try firstErrorOrProfile(check(yaml: yaml, file: file))
  }

  /// Reads the file at `path` and reports every problem in it.
  public static func check(contentsOf path: String) -> ProfileCheck {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
      let problem = ProfileError(
        file: path, line: 0, column: 0, field: "",
        message: "cannot read the file as UTF-8 text: \(reason)")
      return ProfileCheck(profile: nil, errors: [problem])
    }
    return check(yaml: text, file: path)
  }

  /// Validates a YAML body and reports every problem in it.
  public static func check(yaml: String, file: String) -> ProfileCheck {
    let diagnostics = Diagnostics(file: file)
    let root: Node?
    do {
      root = try Yams.compose(yaml: yaml)
    } catch {
      diagnostics.report(yamlError: error)
      return ProfileCheck(profile: nil, errors: diagnostics.sortedErrors)
    }
    let profile = ProfileParser(diagnostics: diagnostics).parse(root)
    let errors = diagnostics.sortedErrors
    return ProfileCheck(profile: errors.isEmpty ? profile : nil, errors: errors)
  }

  private static func firstErrorOrProfile(_ check: ProfileCheck) throws(ProfileError) -> Profile {
    if let first = check.errors.first { throw first }
    guard let profile = check.profile else {
      // check() only omits the profile when it reports an error, so this is a broken invariant.
      preconditionFailure("profile check returned neither a profile nor an error")
    }
    return profile
  }
}
