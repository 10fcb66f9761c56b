package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// requestFunc appends the bytes of request number n (counted across all
// connections of one run) to buf.
type requestFunc func(buf []byte, host string, n uint64) []byte

// result is what one run of the generator measured.
type result struct {
	Requests uint64        // answered requests counted in the measured window
	Errors   uint64        // answers with a status other than 2xx
	Elapsed  time.Duration // the measured window
	Latency  *histogram
	Status   map[int]uint64
	// CPU time used in the measured window by the server (0 when its
	// process cannot be read) and by this generator.
	ServerCPU, ClientCPU time.Duration
}

// CPUPerRequest is the server's and the generator's CPU time per answered
// request in the window.
func (r *result) CPUPerRequest() (server, client time.Duration) {
	if r.Requests == 0 {
		return 0, 0
	}
	return r.ServerCPU / time.Duration(r.Requests), r.ClientCPU / time.Duration(r.Requests)
}

// RPS is the throughput of the run.
func (r *result) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// generate drives addr from conns keep-alive connections, each sending its
// next request as soon as the previous answer is read (a closed loop, like
// wrk or hey). Requests answered during warmup are not counted; the run
// stops after warmup+d, or after limit counted requests when limit > 0.
// Each connection is a raw HTTP/1.1 client with no per-request allocation
// beyond what the request builder does, so the generator's own cost stays
// small and the same for every server it drives.
func generate(ctx context.Context, addr string, pid int, conns int, warmup, d time.Duration, limit uint64, build requestFunc) (*result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		seq      atomic.Uint64 // request numbers, across connections
		counted  atomic.Uint64 // counted requests, for limit
		measured atomic.Bool
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	workers := make([]*worker, conns)
	for i := range workers {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			for _, w := range workers[:i] {
				w.conn.Close()
			}
			return nil, err
		}
		workers[i] = &worker{conn: c, r: bufio.NewReaderSize(c, 64<<10), lat: newHistogram(), status: map[int]uint64{}}
	}
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.conn.Close()
			err := w.loop(ctx, addr, build, &seq, &counted, &measured, limit, cancel)
			if err != nil && ctx.Err() == nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				cancel()
			}
		}()
	}
	// The window starts after warm-up and ends when d is over, the limit is
	// reached or a connection failed.
	select {
	case <-time.After(warmup):
	case <-ctx.Done():
	}
	start := time.Now()
	srv0, cli0 := processCPU(pid), processCPU(0)
	measured.Store(true)
	if limit > 0 {
		<-ctx.Done()
	} else {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
	measured.Store(false)
	elapsed := time.Since(start)
	srv1, cli1 := processCPU(pid), processCPU(0)
	cancel()
	for _, w := range workers {
		w.conn.SetDeadline(time.Now()) // unblock reads in flight
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	res := &result{Elapsed: elapsed, Latency: newHistogram(), Status: map[int]uint64{}, ClientCPU: cli1 - cli0}
	if pid > 0 && srv0 > 0 {
		res.ServerCPU = srv1 - srv0
	}
	for _, w := range workers {
		res.Requests += w.n
		res.Errors += w.errors
		res.Latency.merge(w.lat)
		for s, n := range w.status {
			res.Status[s] += n
		}
	}
	return res, nil
}

type worker struct {
	conn   net.Conn
	r      *bufio.Reader
	buf    []byte
	lat    *histogram
	n      uint64
	errors uint64
	status map[int]uint64
}

func (w *worker) loop(ctx context.Context, host string, build requestFunc, seq, counted *atomic.Uint64, measured *atomic.Bool, limit uint64, stop func()) error {
	for ctx.Err() == nil {
		w.buf = build(w.buf[:0], host, seq.Add(1)-1)
		t0 := time.Now()
		if _, err := w.conn.Write(w.buf); err != nil {
			return err
		}
		status, err := readResponse(w.r)
		if err != nil {
			return err
		}
		if !measured.Load() {
			continue
		}
		w.lat.record(time.Since(t0))
		w.n++
		w.status[status]++
		if status < 200 || status > 299 {
			w.errors++
		}
		if limit > 0 && counted.Add(1) >= limit {
			stop()
		}
	}
	return nil
}

var errBadResponse = errors.New("malformed HTTP response")

// readResponse reads one HTTP/1.1 response with a Content-Length body (both
// servers always send one) and returns its status.
func readResponse(r *bufio.Reader) (int, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, fmt.Errorf("%w: status line %q", errBadResponse, line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("%w: status line %q", errBadResponse, line)
	}
	length := -1
	for {
		line, err = r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(line) <= 2 {
			break
		}
		if len(line) > 16 && bytes.EqualFold(line[:15], []byte("content-length:")) {
			length, err = strconv.Atoi(string(bytes.TrimSpace(line[15:])))
			if err != nil {
				return 0, fmt.Errorf("%w: %q", errBadResponse, line)
			}
		}
	}
	if length < 0 {
		if status == 204 || status == 304 {
			return status, nil
		}
		return 0, fmt.Errorf("%w: no Content-Length (status %d)", errBadResponse, status)
	}
	if _, err := r.Discard(length); err != nil {
		return 0, err
	}
	return status, nil
}

// fetch sends one request on a fresh connection and returns the status,
// the content type and the body (for the bare server's canned answer and
// for set-up calls).
func fetch(addr string, req []byte) (int, string, []byte, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, "", nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := c.Write(req); err != nil {
		return 0, "", nil, err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return 0, "", nil, err
	}
	if len(line) < 12 {
		return 0, "", nil, fmt.Errorf("%w: status line %q", errBadResponse, line)
	}
	status, err := strconv.Atoi(line[9:12])
	if err != nil {
		return 0, "", nil, fmt.Errorf("%w: status line %q", errBadResponse, line)
	}
	length, ctype := -1, ""
	for {
		line, err = r.ReadString('\n')
		if err != nil {
			return 0, "", nil, err
		}
		if len(line) <= 2 {
			break
		}
		name, value, _ := bytes.Cut([]byte(line), []byte(":"))
		switch string(bytes.ToLower(name)) {
		case "content-length":
			length, _ = strconv.Atoi(string(bytes.TrimSpace(value)))
		case "content-type":
			ctype = string(bytes.TrimSpace(value))
		}
	}
	var body []byte
	if length >= 0 {
		body = make([]byte, length)
		_, err = io.ReadFull(r, body)
	} else {
		body, err = io.ReadAll(r)
	}
	return status, ctype, body, err
}

// histogram records latencies in microseconds with about 1.5% resolution
// (64 linear steps per power of two above 128 µs).
type histogram struct {
	counts []uint64
	total  uint64
	max    time.Duration
}

const histSub = 64

func newHistogram() *histogram { return &histogram{counts: make([]uint64, 2*histSub+57*histSub)} }

func histIndex(us uint64) int {
	if us < 2*histSub {
		return int(us)
	}
	k := bits.Len64(us) - 7 // us>>k is in [64,128)
	return 2*histSub + (k-1)*histSub + int(us>>uint(k)) - histSub
}

// histValue is the upper bound of bucket i, in microseconds.
func histValue(i int) uint64 {
	if i < 2*histSub {
		return uint64(i)
	}
	i -= 2 * histSub
	k := i/histSub + 1
	return uint64(histSub+i%histSub+1)<<uint(k) - 1
}

func (h *histogram) record(d time.Duration) {
	us := uint64(d / time.Microsecond)
	i := histIndex(us)
	if i >= len(h.counts) {
		i = len(h.counts) - 1
	}
	h.counts[i]++
	h.total++
	if d > h.max {
		h.max = d
	}
}

func (h *histogram) merge(o *histogram) {
	for i, n := range o.counts {
		h.counts[i] += n
	}
	h.total += o.total
	if o.max > h.max {
		h.max = o.max
	}
}

// quantile is the latency below which a fraction q of the requests fell.
func (h *histogram) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	want := uint64(q * float64(h.total))
	if want >= h.total {
		want = h.total - 1
	}
	var seen uint64
	for i, n := range h.counts {
		seen += n
		if seen > want {
			return time.Duration(histValue(i)) * time.Microsecond
		}
	}
	return h.max
}
