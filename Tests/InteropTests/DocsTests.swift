import Foundation
import TestSupport
import Testing

/// The documents point into the code: docs/layers.md names a function for every socket step, and
/// SECURITY.md a test for every bad input. Each must still exist where it says.
@Suite struct DocsTests {
  @Test func everyTestSecurityMDNamesExists() throws {
    let doc = try String(contentsOf: Fixture.packageRoot.appendingPathComponent("SECURITY.md"), encoding: .utf8)
    let table = doc.components(separatedBy: "## Bad inputs")[1].components(separatedBy: "## Figures")[0]
    let rows = table.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| Input") }
    let tests = rows.compactMap { $0.split(separator: "|").last }.flatMap { cell in
      cell.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }
    #expect(tests.count >= 40)
    var sources = ""
    let folder = Fixture.packageRoot.appendingPathComponent("Tests")
    for case let file as String in FileManager.default.enumerator(atPath: folder.path)! where file.hasSuffix(".swift") {
      sources += try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
    }
    for test in tests {
      let defined = sources.contains("func \(test)(")
      #expect(defined, "SECURITY.md names \(test), which no test defines")
    }
  }

  @Test func everyFunctionInTheStepsTableExists() throws {
    let doc = try String(
      contentsOf: Fixture.packageRoot.appendingPathComponent("docs/layers.md"), encoding: .utf8)
    let table = doc.components(separatedBy: "<!-- steps-table")[1].split(separator: "\n").filter {
      $0.hasPrefix("| ") && $0.contains("`Sources/")
    }
    #expect(table.count >= 20)
    for row in table {
      let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
      let function = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
      let file = cells[2].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
      let source = try String(contentsOf: Fixture.packageRoot.appendingPathComponent(file), encoding: .utf8)
      // "Type.name(label:label:)" → the type is declared in the file, and so is name with those labels.
      let type = String(function.prefix { $0 != "." })
      let member = String(function.drop { $0 != "." }.dropFirst())
      let name = String(member.prefix { $0 != "(" })
      let labels = member.drop { $0 != "(" }.dropFirst().dropLast().split(separator: ":").map(String.init)
      #expect(
        source.contains("class \(type)") || source.contains("struct \(type)") || source.contains("extension \(type)"),
        "\(type) in \(file)")
      let declaration = name == "init" ? "init(" : "func \(name)("
      let found = source.components(separatedBy: declaration).dropFirst().contains { after in
        let parameters = after.prefix { $0 != ")" }
        let names = parameters.split(separator: ",").map {
          $0.trimmingCharacters(in: .whitespacesAndNewlines).prefix { $0 != " " && $0 != ":" }
        }
        return names.map(String.init) == labels
      }
      #expect(found, "\(function) in \(file)")
    }
  }
}
