// Command bare is the baseline of the load benchmark (bench/load): a bare
// net/http server that answers every request with the same canned bytes, the
// way the simplest mock servers do. It reads and discards the request body.
//
//	bare -addr 127.0.0.1:0 -body FILE -content-type 'application/json; charset=utf-8'
//
// It prints "listening on http://HOST:PORT" once it accepts connections.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	bodyFile := flag.String("body", "", "file holding the response body")
	contentType := flag.String("content-type", "application/json; charset=utf-8", "response content type")
	flag.Parse()
	body := []byte(`{"ok":true}`)
	if *bodyFile != "" {
		b, err := os.ReadFile(*bodyFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bare:", err)
			os.Exit(1)
		}
		body = b
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
	length := strconv.Itoa(len(body))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", *contentType)
		w.Header().Set("Content-Length", length)
		_, _ = w.Write(body)
	})
	fmt.Printf("listening on http://%s\n", ln.Addr())
	if err := http.Serve(ln, h); err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}
