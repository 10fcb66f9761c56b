package state

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// A data file is buntdb's append-only log: one RESP command per change
// ("*3\r\n$3\r\nset\r\n$<n>\r\n<key>\r\n$<n>\r\n<value>\r\n", "del",
// "flushdb"), each transaction written with one write and synced before it
// is acknowledged. buntdb reads it leniently: a file that ends in the middle
// of a command is cut back to the last whole one without a word, NUL bytes
// between commands are skipped but miscounted (the next write then lands in
// the wrong place and the file is lost on the following start), and a cut
// that is not a command at all is dropped the same silent way. checkDataFile
// reads the file first, strictly, so that a damaged file stops start-up with
// the file, the byte offset and the reason instead.

// Recovery describes the incomplete write a data file ended with: a write
// that a crash (kill -9, power loss) cut off before it was acknowledged.
// Opening the file drops it.
type Recovery struct {
	// Offset is where the file is cut back to (the end of the last whole
	// write); Dropped is how many bytes after it are discarded.
	Offset, Dropped int64
	// Unacknowledged: the dropped write is one whose marker never made it
	// to the file, so it was never acknowledged. False for a file written
	// without markers, where a cut command cannot be told apart from an
	// acknowledged write damaged later.
	Unacknowledged bool
}

// DataFileError is a data file chatemu refuses to open: it is damaged
// somewhere other than in an incomplete last write, so opening it would
// lose data silently.
type DataFileError struct {
	Path   string
	Offset int64 // byte offset of the damage; -1 when it is not one place
	Reason string
}

func (e *DataFileError) Error() string {
	where := ""
	if e.Offset >= 0 {
		where = fmt.Sprintf(" at byte %d", e.Offset)
	}
	return fmt.Sprintf("data file %s is damaged%s: %s; chatemu does not start on it, so that nothing in it is lost "+
		"(restore a copy, repair it, or move it away to start with a new file)", e.Path, where, e.Reason)
}

// maxPartBytes bounds a length a command may announce; a larger one is
// damage, not a document (buntdb would try to allocate it).
const maxPartBytes = 1 << 30

// errTorn marks a command cut off by the end of the file.
var errTorn = errors.New("incomplete command at the end of the file")

// checkDataFile reads the data file at path as buntdb will and refuses one
// buntdb would misread. A missing file is fine (it will be created). A file
// whose last command is incomplete (only NUL bytes, or nothing, after what
// is whole) is fine too: rec says what opening it drops.
//
// Writes with markers (integrity.go) are checked against them: the file's
// writes are returned in w, and a final write without its marker is
// dropped whole, not only its last command.
func checkDataFile(path string) (rec *Recovery, w *writeChecker, err error) {
	w = newWriteChecker()
	rec, err = scanDataFile(path, w)
	return rec, w, err
}

func scanDataFile(path string, w *writeChecker) (rec *Recovery, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening data file %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("opening data file %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("data file %s is not a regular file", path)
	}
	sc := &aofScanner{r: bufio.NewReaderSize(f, 64<<10), size: st.Size()}
	nulAt := int64(-1) // start of the current run of NUL bytes between commands
	for {
		start := sc.off
		c, err := sc.r.ReadByte()
		if errors.Is(err, io.EOF) {
			if at, open := w.open(); open {
				return &Recovery{Offset: at, Dropped: st.Size() - at, Unacknowledged: true}, nil
			}
			return nil, nil // a NUL tail is harmless: buntdb writes over it
		}
		if err != nil {
			return nil, fmt.Errorf("reading data file %s: %w", path, err)
		}
		if c == 0 {
			sc.off++
			if nulAt < 0 {
				nulAt = start
			}
			continue
		}
		if err := sc.r.UnreadByte(); err != nil {
			return nil, fmt.Errorf("reading data file %s: %w", path, err)
		}
		parts, err := sc.command()
		if err == nil {
			err = w.add(start, parts)
		}
		switch {
		case errors.Is(err, errTorn):
			cut := start
			if nulAt >= 0 {
				cut = nulAt
			}
			// After the base marker, a cut command is part of a write whose
			// marker is missing: never acknowledged.
			if at, open := w.open(); open {
				cut = min(cut, at)
			}
			return &Recovery{Offset: cut, Dropped: st.Size() - cut, Unacknowledged: w.based}, nil
		case err != nil:
			var de *DataFileError
			if errors.As(err, &de) {
				de.Path = path
				return nil, de
			}
			return nil, fmt.Errorf("reading data file %s: %w", path, err)
		case nulAt >= 0:
			return nil, &DataFileError{Path: path, Offset: nulAt,
				Reason: fmt.Sprintf("%d NUL bytes between two commands", start-nulAt)}
		}
	}
}

// aofScanner reads RESP commands, keeping the offset for messages.
type aofScanner struct {
	r    *bufio.Reader
	off  int64 // offset of the next unread byte
	size int64
}

func (sc *aofScanner) bad(at int64, format string, args ...any) error {
	return &DataFileError{Offset: at, Reason: fmt.Sprintf(format, args...)}
}

// header reads a "<prefix><digits>\r\n" line and returns the number. A line
// the file ends in is torn if what there is could still become one.
func (sc *aofScanner) header(prefix byte, what string) (int64, error) {
	at := sc.off
	line, err := sc.r.ReadSlice('\n')
	sc.off += int64(len(line))
	if errors.Is(err, bufio.ErrBufferFull) {
		return 0, sc.bad(at, "a %s line longer than %d bytes", what, len(line))
	}
	complete := err == nil
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	body := line
	if complete {
		body = body[:len(body)-1]
	}
	if n := len(body); n > 0 && body[n-1] == '\r' {
		body = body[:n-1]
	}
	if !complete && len(body) == 0 {
		return 0, errTorn
	}
	if len(body) == 0 || body[0] != prefix {
		return 0, sc.bad(at, "expected a %s (%q), found %q", what, prefix, clip(line))
	}
	digits := body[1:]
	if len(digits) > 10 {
		return 0, sc.bad(at, "a %s of %d digits", what, len(digits))
	}
	for _, d := range digits {
		if d < '0' || d > '9' {
			return 0, sc.bad(at, "expected a %s (%q and a number), found %q", what, prefix, clip(line))
		}
	}
	if !complete {
		return 0, errTorn
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return 0, sc.bad(at, "a %s line that does not end in CRLF", what)
	}
	if len(digits) == 0 {
		return 0, sc.bad(at, "a %s without a number", what)
	}
	n, _ := strconv.ParseInt(string(digits), 10, 64)
	return n, nil
}

// part reads one "$<n>\r\n<n bytes>\r\n" element.
func (sc *aofScanner) part() (string, error) {
	hat := sc.off
	n, err := sc.header('$', "part length")
	if err != nil {
		return "", err
	}
	if n > maxPartBytes {
		return "", sc.bad(hat, "a part of %d bytes", n)
	}
	at := sc.off
	if n+2 > sc.size-sc.off {
		// Ends before the part does: torn, whatever the bytes say.
		_, _ = sc.r.Discard(int(sc.size - sc.off))
		sc.off = sc.size
		return "", errTorn
	}
	data := make([]byte, n+2)
	if _, err := io.ReadFull(sc.r, data); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return "", errTorn
		}
		return "", err
	}
	sc.off += n + 2
	if data[n] != '\r' || data[n+1] != '\n' {
		return "", sc.bad(at+n, "a part of %d bytes not followed by CRLF", n)
	}
	return string(data[:n]), nil
}

// command reads one command, checks it is one buntdb replays, and returns
// its parts.
func (sc *aofScanner) command() ([]string, error) {
	at := sc.off
	n, err := sc.header('*', "command")
	if err != nil {
		return nil, err
	}
	// buntdb writes commands of 1 to 5 parts; it skips an empty one without
	// counting its bytes, as it does NUL bytes.
	if n < 1 || n > 5 {
		return nil, sc.bad(at, "a command of %d parts", n)
	}
	parts := make([]string, 0, n)
	for i := int64(0); i < n; i++ {
		p, err := sc.part()
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	switch name := strings.ToLower(parts[0]); {
	case name == "set" && len(parts) == 3:
	case name == "set" && len(parts) == 5:
		if opt := strings.ToLower(parts[3]); opt != "ex" && opt != "ae" {
			return nil, sc.bad(at, "a set with option %q", clip([]byte(parts[3])))
		}
		if _, err := strconv.ParseInt(parts[4], 10, 64); err != nil {
			return nil, sc.bad(at, "a set with expiry %q", clip([]byte(parts[4])))
		}
	case name == "del" && len(parts) == 2:
	case name == "flushdb" && len(parts) == 1:
		parts = append(parts, "") // a key for the write's sum
	default:
		return nil, sc.bad(at, "a command %q of %d parts (only set, del and flushdb are written)", clip([]byte(parts[0])), len(parts))
	}
	return parts, nil
}

// clip shortens bytes quoted in a message.
func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}
