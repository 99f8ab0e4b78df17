import Foundation

/// Runs external programs (curl, wget, the barenet binary) for interop tests.
public enum Command {
  public struct Result: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data
    public var out: String { String(decoding: stdout, as: UTF8.self) }
    public var err: String { String(decoding: stderr, as: UTF8.self) }
  }

  public struct NotFound: Error, CustomStringConvertible {
    public let program: String
    public init(program: String) { self.program = program }
    public var description: String { "\(program) is not installed; scripts/test installs it" }
  }

  /// Finds `program` on PATH, or throws: a missing peer client fails the test, never skips it.
  public static func which(_ program: String) throws -> String {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
      let path = "\(dir)/\(program)"
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw NotFound(program: program)
  }

  /// Runs `executable` with `arguments`, feeding `input`, and waits (killing it after `timeout`);
  /// in `directory` and with `environment` when given.
  public static func run(
    _ executable: String, _ arguments: [String], input: Data? = nil, timeout: TimeInterval = 60,
    directory: String? = nil, environment: [String: String]? = nil
  ) throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : try which(executable))
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    let inPipe = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = inPipe
    try process.run()
    if let input { inPipe.fileHandleForWriting.write(input) }
    try inPipe.fileHandleForWriting.close()
    let collector = OutputCollector(out: out, err: err)
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(5000) }
    if process.isRunning {
      // SIGKILL, not SIGTERM: children inherit the test runner's blocked SIGTERM.
      kill(process.processIdentifier, SIGKILL)
    }
    process.waitUntilExit()
    let (o, e) = collector.finish()
    return Result(status: process.terminationStatus, stdout: o, stderr: e)
  }

  /// The built `barenet` executable.
  public static var barenet: String { built("barenet") }

  /// An executable built alongside the tests: it sits in the same folder as the test bundle,
  /// whichever build folder that is (`.build/debug`, or a sanitizer run's own scratch path).
  public static func built(_ product: String) -> String {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    return bundle.deletingLastPathComponent().appendingPathComponent(product).path
  }
}

/// Reads a process's stdout and stderr on background threads so a full pipe never blocks it.
final class OutputCollector: @unchecked Sendable {
  private var outData = Data()
  private var errData = Data()
  private let group = DispatchGroup()
  private let lock = NSLock()

  init(out: Pipe, err: Pipe) {
    for (pipe, isOut) in [(out, true), (err, false)] {
      group.enter()
      DispatchQueue.global().async {
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        self.lock.lock()
        if isOut { self.outData = data } else { self.errData = data }
        self.lock.unlock()
        self.group.leave()
      }
    }
  }

  func finish() -> (Data, Data) {
    group.wait()
    lock.lock()
    defer { lock.unlock() }
    return (outData, errData)
  }
}
