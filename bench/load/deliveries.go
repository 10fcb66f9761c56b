package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The delivery benchmark: how many deliveries per second chatemu makes to
// a local handler that answers at once. Each trigger is a control-plane
// action (a person writing) that causes one delivery; workers send the
// actions, and the run ends when the handler has received them all. The
// handler's own cost is shown beside it: the same bodies posted to it
// directly by this process, with as many workers.
const deliveryWorkers = 8

// maxLag is how far actions may run ahead of their deliveries (well within
// the engine's queue bound).
const maxLag = 1000

// deliveryTrigger is one kind of action that causes one delivery.
type deliveryTrigger struct {
	name string
	// setup points the vendor's deliveries at handler ("": none are made).
	setup func(base, handler string) error
	// request builds the action n.
	request func(base string, n int) *http.Request
	// body is a delivery of the kind, for the direct baseline (read after
	// setup: a trigger may take it from a real delivery).
	body        func() []byte
	contentType string
}

func deliveryTriggers() []deliveryTrigger {
	jsonReq := func(method, url, body string) *http.Request {
		r, _ := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	do := func(r *http.Request, want int) error {
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			return fmt.Errorf("%s %s: %d %s", r.Method, r.URL, resp.StatusCode, b)
		}
		return nil
	}
	b24Target := "2"
	var b24Body []byte // the priming message's event, as sent
	return []deliveryTrigger{{
		name: "bitrix24 ONIMBOTMESSAGEADD (PHP form, event token)",
		setup: func(base, handler string) error {
			if err := do(jsonReq("POST", base+"/_emulator/reset", ""), 200); err != nil {
				return err
			}
			if handler == "" {
				b24Target = "2" // a person writing to a person: no bot, no event
				return nil
			}
			form := url.Values{"CLIENT_ID": {"bench"}, "CODE": {"bench"}, "EVENT_HANDLER": {handler}, "PROPERTIES[NAME]": {"Bench"}}
			r, _ := http.NewRequest("POST", base+"/rest/1/abc/imbot.register", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				return err
			}
			var answer struct{ Result int64 }
			err = json.NewDecoder(resp.Body).Decode(&answer)
			resp.Body.Close()
			if err != nil || answer.Result == 0 {
				return fmt.Errorf("imbot.register: %v %+v", err, answer)
			}
			b24Target = strconv.FormatInt(answer.Result, 10)
			// The dialog's first message also raises ONIMBOTJOINCHAT: send it
			// before the measured run, and let its deliveries finish.
			if err := do(jsonReq("POST", base+"/_emulator/bitrix24/portals/default/dialogs/"+b24Target+"/messages", `{"from":1,"text":"hi"}`), 201); err != nil {
				return err
			}
			for range 500 {
				r, err := http.Get(base + "/_emulator/deliveries?event=ONIMBOTMESSAGEADD")
				if err != nil {
					return err
				}
				b, _ := io.ReadAll(r.Body)
				r.Body.Close()
				var list struct {
					Deliveries []struct{ Body string }
					Pending    int
				}
				if json.Unmarshal(b, &list) == nil && list.Pending == 0 && len(list.Deliveries) > 0 {
					b24Body = []byte(list.Deliveries[0].Body)
					return nil
				}
				time.Sleep(10 * time.Millisecond)
			}
			return fmt.Errorf("the priming message's events were not delivered")
		},
		request: func(base string, n int) *http.Request {
			return jsonReq("POST", base+"/_emulator/bitrix24/portals/default/dialogs/"+b24Target+"/messages",
				fmt.Sprintf(`{"from":1,"text":"message %d"}`, n))
		},
		body:        func() []byte { return b24Body },
		contentType: "application/x-www-form-urlencoded",
	}, {
		name: "imbox visitorMessage webhook (JSON)",
		setup: func(base, handler string) error {
			if err := do(jsonReq("POST", base+"/_emulator/reset", ""), 200); err != nil {
				return err
			}
			if err := do(jsonReq("PUT", base+"/_emulator/imbox/1/webhook", `{"webhookUrl":"`+handler+`"}`), 200); err != nil {
				return err
			}
			return do(jsonReq("POST", base+"/_emulator/imbox/1/conversations", `{"conversationID":"V900001"}`), 201)
		},
		request: func(base string, n int) *http.Request {
			return jsonReq("POST", base+"/_emulator/imbox/1/conversations/V900001/messages",
				fmt.Sprintf(`{"sender":"visitor","message":"message %d"}`, n))
		},
		body: func() []byte {
			return []byte(`{"event":{"visitor":{"id":"ca8dae56-ce24-5330-b0ef-40bc5875fa5a"},"channel":"V900001","type":"visitorMessage","text":"message 1","timestamp":"2024-05-02T09:00:10.000Z"},"eventTime":"2024-05-02T12:00:00.000Z"}`)
		},
		contentType: "application/json",
	}}
}

// countingHandler answers every delivery with 200 and counts them.
type countingHandler struct {
	got  atomic.Int64
	want int64
	done chan struct{}
	once sync.Once
}

func (h *countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	if h.got.Add(1) == h.want {
		h.once.Do(func() { close(h.done) })
	}
}

func (h *countingHandler) reset(want int) {
	h.got.Store(0)
	h.want = int64(want)
	h.done = make(chan struct{})
	h.once = sync.Once{}
}

// runDeliveries measures n deliveries of every trigger.
func runDeliveries(cfg config, chatemuBin string) error {
	emu, err := startServer("chatemu", chatemuBin, []string{"-addr", "127.0.0.1:0"}, nil)
	if err != nil {
		return err
	}
	defer emu.stop()
	base := "http://" + emu.addr
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	h := &countingHandler{}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	defer srv.Close()
	handlerURL := "http://" + ln.Addr().String() + "/hook"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: deliveryWorkers * 2}, Timeout: time.Minute}
	n := cfg.deliveries
	out := cfg.out
	fmt.Fprintf(out, "deliveries: %d per trigger, %d workers, to a local handler that answers at once\n", n, deliveryWorkers)
	fmt.Fprintf(out, "machine: %s\n\n", machine())
	fmt.Fprintf(out, "| trigger | handler alone, %d workers | handler alone, 1 worker (as one lane sends) | actions alone (no handler set) | actions with their deliveries | chatemu CPU per action alone | chatemu CPU per delivery (the difference) |\n|---|---|---|---|---|---|---|\n", deliveryWorkers)
	for _, tr := range deliveryTriggers() {
		if err := tr.setup(base, ""); err != nil {
			return fmt.Errorf("%s: %w", tr.name, err)
		}
		cpu := processCPU(emu.pid())
		start := time.Now()
		if err := spread(n, func(i int) (*http.Request, error) { return tr.request(base, i), nil }, client); err != nil {
			return err
		}
		alone := float64(n) / time.Since(start).Seconds()
		actionCPU := (processCPU(emu.pid()) - cpu) / time.Duration(n)
		if err := tr.setup(base, handlerURL); err != nil {
			return fmt.Errorf("%s: %w", tr.name, err)
		}
		body := tr.body()
		fmt.Fprintf(out, "<!-- %s: %d-byte deliveries -->\n", tr.name, len(body))
		post := func(int) (*http.Request, error) {
			r, _ := http.NewRequest("POST", handlerURL, bytes.NewReader(body))
			r.Header.Set("Content-Type", tr.contentType)
			return r, nil
		}
		var direct [2]float64
		for i, workers := range []int{deliveryWorkers, 1} {
			h.reset(n)
			start = time.Now()
			if err := spreadOver(workers, n, post, client); err != nil {
				return err
			}
			<-h.done
			direct[i] = float64(n) / time.Since(start).Seconds()
		}

		h.reset(n)
		cpu = processCPU(emu.pid())
		start = time.Now()
		// Actions are held back while deliveries lag far behind, so that
		// the run measures the sustained rate, not the queue's bound.
		if err := spread(n, func(i int) (*http.Request, error) {
			for int64(i)-h.got.Load() > maxLag {
				time.Sleep(time.Millisecond)
			}
			return tr.request(base, i), nil
		}, client); err != nil {
			return err
		}
		select {
		case <-h.done:
		case <-time.After(2 * time.Minute):
			return fmt.Errorf("%s: the handler received %d of %d deliveries", tr.name, h.got.Load(), n)
		}
		through := float64(n) / time.Since(start).Seconds()
		perDelivery := (processCPU(emu.pid()) - cpu) / time.Duration(n)
		fmt.Fprintf(out, "| %s | %.0f/s | %.0f/s | %.0f/s | %.0f/s | %s | %s |\n", tr.name, direct[0], direct[1], alone, through, actionCPU, perDelivery-actionCPU)
	}
	return nil
}

// spread sends n requests from deliveryWorkers workers, each expecting a
// 2xx answer.
func spread(n int, build func(int) (*http.Request, error), client *http.Client) error {
	return spreadOver(deliveryWorkers, n, build, client)
}

// spreadOver sends n requests from workers workers.
func spreadOver(workers, n int, build func(int) (*http.Request, error), client *http.Client) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > n {
					return
				}
				req, err := build(i)
				if err == nil {
					var resp *http.Response
					if resp, err = client.Do(req); err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode/100 != 2 {
							err = fmt.Errorf("%s %s: %d", req.Method, req.URL, resp.StatusCode)
						}
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}
