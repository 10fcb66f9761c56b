package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// buildBinaries builds chatemu and the bare server into dir, unless paths
// to prebuilt ones are given.
func buildBinaries(dir, chatemuBin, bareBin string) (string, string, error) {
	build := func(out, pkg string) error {
		cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", pkg, err, stderr.String())
		}
		return nil
	}
	if chatemuBin == "" {
		chatemuBin = filepath.Join(dir, "chatemu")
		if err := build(chatemuBin, "github.com/chatemu/chatemu/cmd/chatemu"); err != nil {
			return "", "", err
		}
	}
	if bareBin == "" {
		bareBin = filepath.Join(dir, "bare")
		if err := build(bareBin, "github.com/chatemu/chatemu/bench/bare"); err != nil {
			return "", "", err
		}
	}
	return chatemuBin, bareBin, nil
}

// server is a running server process.
type server struct {
	name   string
	cmd    *exec.Cmd
	addr   string // host:port
	stderr *bytes.Buffer
}

var listening = regexp.MustCompile(`listening on https?://(\S+)`)

// startServer runs bin with args and waits for its "listening on URL"
// line; extraEnv is added to the environment.
func startServer(name, bin string, args, extraEnv []string) (*server, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), extraEnv...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s := &server{name: name, cmd: cmd, stderr: &bytes.Buffer{}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		if !sent {
			close(found)
		}
	}()
	select {
	case addr, ok := <-found:
		if !ok {
			_ = cmd.Wait()
			return nil, fmt.Errorf("%s exited before listening: %s", name, s.stderr.String())
		}
		s.addr = strings.Replace(addr, "localhost", "127.0.0.1", 1)
		return s, nil
	case <-time.After(20 * time.Second):
		s.stop()
		return nil, fmt.Errorf("%s did not start listening in 20s: %s", name, s.stderr.String())
	}
}

// stop ends the process (SIGTERM, then SIGKILL after 5 s).
func (s *server) stop() {
	if s == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// rss reads the resident set size (and its peak) of a process from
// /proc/<pid>/status, in bytes.
func rss(pid int) (cur, peak int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(fields[0], 10, 64)
		switch name {
		case "VmRSS":
			cur = n << 10
		case "VmHWM":
			peak = n << 10
		}
	}
	if cur == 0 {
		return 0, 0, errors.New("no VmRSS in /proc/<pid>/status (not Linux?)")
	}
	return cur, peak, nil
}

// freeAddr picks a free loopback port.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// coldStart runs bin listening on a free port and measures from exec to
// the first 200 answer to path.
func coldStart(bin string, args []string, path string) (time.Duration, error) {
	addr, err := freeAddr()
	if err != nil {
		return 0, err
	}
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nConnection: close\r\n\r\n")
	cmd := exec.Command(bin, append(args, "-addr", addr)...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	deadline := start.Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			time.Sleep(100 * time.Microsecond)
			continue
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		_, werr := c.Write(req)
		status, rerr := readResponse(bufio.NewReader(c))
		c.Close()
		if werr == nil && rerr == nil && status == 200 {
			return time.Since(start), nil
		}
		time.Sleep(100 * time.Microsecond)
	}
	return 0, fmt.Errorf("%s did not answer %s within 10s", bin, path)
}

// processCPU is the user and system CPU time process pid has used so far
// (pid 0: this process); 0 when it cannot be read (not Linux, or gone).
func processCPU(pid int) time.Duration {
	if pid == 0 {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			return 0
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in brackets and may hold
	// spaces: state is field 3, utime 14 and stime 15, in clock ticks.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	const clockTick = 100 // USER_HZ, 100 on every Linux platform Go supports
	return time.Duration(utime+stime) * (time.Second / clockTick)
}

// pid is the server's process id.
func (s *server) pid() int {
	if s == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}
