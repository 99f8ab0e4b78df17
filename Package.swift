// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "barenet",
  products: [
    .executable(name: "barenet", targets: ["barenet"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    // System headers Glibc does not export to Swift: epoll, sendfile, eventfd, TCP options.
    .systemLibrary(name: "CTransport", path: "Sources/CTransport"),
    // zlib, for gzip content coding (zlib1g-dev).
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    // The transport layer: TCP and UDP over the BSD socket API. Knows no application protocol.
    .target(name: "Transport", dependencies: ["CTransport"]),
    // HTTP/1.1 file serving: a sans-I/O request parser and response planner, plus thin glue.
    .target(name: "HTTP", dependencies: ["Transport", "CZlib"]),
    .executableTarget(
      name: "barenet",
      dependencies: [
        "Transport", "HTTP",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(name: "TransportTests", dependencies: ["Transport"]),
    .testTarget(name: "HTTPTests", dependencies: ["HTTP", "Transport"]),
    .testTarget(name: "InteropTests", dependencies: ["HTTP", "Transport"]),
  ]
)
