import Transport

extension TCPServer {
  /// Wires a server's logs to its loop: `log` is flushed after every batch of events, and with a
  /// `trace` sink every connection is traced (`--trace`) into a log of its own. Accept failures
  /// (out of descriptors, say) are told on standard error, at most once a second, even with
  /// `--quiet`: an operator must learn that clients are waiting.
  public func attach(log: LineLog, trace: LogSink?, on reactor: Reactor) {
    reactor.afterBatch.append { log.flush() }
    let warnings = LineLog(sink: .standardError)
    var lastWarning: Int64?
    onError = { [unowned reactor] error in
      if let last = lastWarning, reactor.now - last < 1000 { return }
      lastWarning = reactor.now
      warnings.append("barenet: \(error); new connections wait until descriptors free up")
      warnings.flush()
    }
    if let trace {
      let traceLog = LineLog(sink: trace)
      tracer = { traceLog.append($0) }
      reactor.afterBatch.append { traceLog.flush() }
    }
  }

  /// How this server stops within a `ReactorGroup`, flushing `log` at the end.
  public func stopping(flushing log: LineLog) -> ReactorGroup.Stopping {
    stopping { log.flush() }
  }
}
