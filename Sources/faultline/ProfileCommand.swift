import ArgumentParser
import FaultProfiles

/// Works with profile files: YAML descriptions of the faults a proxy applies.
struct ProfileCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "profile",
    abstract: "Work with fault profile files.",
    subcommands: [Lint.self, Faults.self]
  )

  /// Checks profile files and reports every problem with its file, line and field.
  struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check profile files and print every problem with its file, line and field.",
      discussion: """
        A directory stands for the .yaml files directly inside it. Prints \
        "OK path (name, N faults, M phases)" for each valid file and one line per problem otherwise. \
        Exits with status 1 when any file has a problem.
        """
    )

    /// The profile files (or directories of them) to check.
    @Argument(
      help: "Profile files (YAML), or directories of them, to check.",
      completion: .file(extensions: ["yaml", "yml"]))
    var files: [String]

    func validate() throws {
      guard !files.isEmpty else {
        throw ValidationError("Give at least one profile file to check.")
      }
    }

    func run() throws {
      let report = ProfileLint.run(paths: files)
      for line in report.lines { print(line) }
      if report.hasErrors { throw ExitCode(1) }
    }
  }

  /// Lists every fault type with its fields, units and defaults, from the fault definitions.
  struct Faults: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List every fault type with its fields, units and defaults.",
      discussion:
        "With --markdown, prints docs/faults.md, the reference derived from the same definitions."
    )

    /// Print the Markdown reference (docs/faults.md) instead of the plain listing.
    @Flag(help: "Print the Markdown reference (docs/faults.md) instead of the plain listing.")
    var markdown = false

    func run() {
      print(
        markdown ? FaultCatalogDocs.markdown() : FaultCatalogDocs.listing(),
        terminator: markdown ? "" : "\n")
    }
  }
}
