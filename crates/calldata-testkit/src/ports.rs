//! Loopback ports for tests: a port nothing listens on, to see a refused connection.

/// A closed loopback port: connecting to it is refused (bound once by the OS's choice,
/// then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
