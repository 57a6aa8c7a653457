/// Where a ``WokListener`` listens.
public enum ListenAddress: Sendable, Equatable {
    /// A TCP host and port (port 0: any free port).
    case hostname(String, port: Int)
    /// A UNIX-domain socket file (an existing file there is replaced).
    case unixDomainSocket(path: String)
}
