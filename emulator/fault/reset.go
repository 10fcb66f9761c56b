package fault

import (
	"net"
	"net/http"
)

// resetAction resets the TCP connection (RST, not FIN): the client sees
// "connection reset by peer" instead of an answer.
func resetAction(x *request) bool {
	conn, _, err := http.NewResponseController(x.w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2, a recorder): abort, which drops the stream.
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
	return true
}
