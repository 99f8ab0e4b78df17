import Foundation

/// The barenet binary running as a child process, for tests that need a process of its own:
/// signals, descriptor counts, resource limits, memory.
///
/// Output goes to a file, not a pipe: a pipe nobody reads fills up and stalls the server.
public final class BarenetProcess {
  public let process = Process()
  private let outputPath: String

  /// Starts `barenet arguments…` (through `wrapper`, such as `prlimit --nofile=64:64`, if given)
  /// and waits until something accepts connections on 127.0.0.1:`port`.
  public init(_ arguments: [String], port: UInt16, wrapper: [String] = []) throws {
    outputPath = NSTemporaryDirectory() + "barenet-output-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    if let program = wrapper.first {
      process.executableURL = URL(fileURLWithPath: try Command.which(program))
      process.arguments = Array(wrapper.dropFirst()) + [Command.barenet] + arguments
    } else {
      process.executableURL = URL(fileURLWithPath: Command.barenet)
      process.arguments = arguments
    }
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    try output.close()
    for _ in 0..<200 {
      if let probe = try? RawClient(try .init(host: "127.0.0.1", port: port), timeout: 1) {
        probe.close()
        return
      }
      guard process.isRunning else { break }
      usleep(50_000)
    }
    stop()
    throw RawClient.Failure(description: "barenet did not start listening on \(port): \(log)")
  }

  deinit {
    stop()
    try? FileManager.default.removeItem(atPath: outputPath)
  }

  public var pid: Int32 { process.processIdentifier }

  /// What the process wrote to stdout and stderr so far.
  public var log: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

  /// Waits up to `seconds` for `text` to appear in the output (banners come just after the
  /// listeners accept); returns the output either way.
  @discardableResult
  public func waitForLog(containing text: String, seconds: Double = 5) -> String {
    let deadline = Date().addingTimeInterval(seconds)
    while !log.contains(text) && Date() < deadline { usleep(20_000) }
    return log
  }

  /// How many descriptors the process holds (entries of /proc/PID/fd).
  public var openDescriptors: Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
  }

  /// Resident memory in KiB (VmRSS).
  public var residentKiB: Int {
    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
  }

  /// CPU time used so far (user + system), in clock ticks (usually 1/100 s).
  public var cpuTicks: Int {
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    // Fields after the command name (which may hold spaces) start at ")"; utime and stime are
    // the 14th and 15th fields of the whole line.
    guard let close = stat.lastIndex(of: ")") else { return -1 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
  }

  /// Waits up to `seconds` for the descriptor count to fall to `count` or below; returns the last count.
  public func waitForDescriptors(atMost count: Int, seconds: Double = 10) -> Int {
    let deadline = Date().addingTimeInterval(seconds)
    var now = openDescriptors
    while now > count && Date() < deadline {
      usleep(50_000)
      now = openDescriptors
    }
    return now
  }

  /// Sends SIGTERM and waits for the exit (SIGKILL after `seconds`); returns the exit status.
  @discardableResult
  public func terminate(within seconds: Double = 15) -> Int32 {
    guard process.isRunning else { return process.terminationStatus }
    kill(pid, SIGTERM)
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning { kill(pid, SIGKILL) }
    process.waitUntilExit()
    return process.terminationStatus
  }

  /// Kills the process if it still runs.
  public func stop() {
    guard process.isRunning else { return }
    kill(pid, SIGKILL)
    process.waitUntilExit()
  }
}
