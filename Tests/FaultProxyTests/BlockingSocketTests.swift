import FaultlineTestSupport
import Glibc
import Testing

/// The tests' blocking socket never gives its descriptor number back while a call on it is in
/// progress: a call that ran after a close from another thread would act on whichever socket
/// another test opened under that number (an echo server's `shutdownWrite` once half-closed a
/// stranger's connection, which read EOF after 0 bytes).
@Suite struct BlockingSocketTests {
  @Test func aCloseDuringACallTakesEffectWhenTheCallReturns() throws {
    let server = try TestServer { _ in }
    defer { server.stop() }
    let socket = try BlockingSocket.connect(port: server.port)
    let number = socket.fd
    socket.withDescriptor { inUse in
      #expect(inUse == number)
      // What another thread's close would do while this call runs.
      socket.close()
      #expect(socket.withDescriptor { $0 } == -1, "no new call starts on a closing socket")
      // The lowest free number is what a new socket gets: not the one still in use.
      let fresh = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
      defer { Glibc.close(fresh) }
      #expect(fresh != number)
      #expect(fcntl(inUse, F_GETFD) >= 0, "still open during the call")
    }
    #expect(socket.fd == -1, "closed once the call returned")
  }
}
