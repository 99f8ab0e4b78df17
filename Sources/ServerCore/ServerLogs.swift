import Transport

extension TCPServer {
  /// Wires a server's logs to its loop: `log` is flushed after every batch of events, and with a
  /// `trace` sink every connection is traced (`--trace`) into a log of its own.
  public func attach(log: LineLog, trace: LogSink?, on reactor: Reactor) {
    reactor.afterBatch.append { log.flush() }
    if let trace {
      let traceLog = LineLog(sink: trace)
      tracer = { traceLog.append($0) }
      reactor.afterBatch.append { traceLog.flush() }
    }
  }

  /// How this server stops within a `ReactorGroup`, flushing `log` at the end.
  public func shutdown(flushing log: LineLog) -> ReactorGroup.Shutdown {
    shutdown { log.flush() }
  }
}
