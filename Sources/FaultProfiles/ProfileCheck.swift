import FaultProxy

/// The outcome of checking one profile: the profile when it is valid, and every problem found.
public struct ProfileCheck: Sendable {
  /// The parsed profile; nil when there is at least one error.
  public let profile: Profile?
  /// Every problem in the file, in order of position.
  public let errors: [ProfileError]

  /// True when the profile has no errors.
  public var isValid: Bool { errors.isEmpty }
}
