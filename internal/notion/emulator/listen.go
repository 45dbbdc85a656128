package emulator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"time"
)

// Listener is the emulator served over HTTP on a local address, as the
// `emulator` and `demo` commands run it (tests use notiontest, over httptest).
type Listener struct {
	url    string
	hs     *http.Server
	served chan error
}

// Listen serves s on addr (port 0 picks a free port) until Close, and records
// the address as s's URL.
func (s *Server) Listen(addr string) (*Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	l := &Listener{url: "http://" + ln.Addr().String(), hs: &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}, served: make(chan error, 1)}
	s.SetURL(l.url)
	go func() { l.served <- l.hs.Serve(ln) }()
	return l, nil
}

// URL is the base URL clients use in place of https://api.notion.com.
func (l *Listener) URL() string { return l.url }

// Failed receives the error that stopped the server before Close.
func (l *Listener) Failed() <-chan error { return l.served }

// Close stops the server. Requests held by a delay fault would keep it waiting:
// they are cut after a grace period (their contexts end, so the handlers
// return).
func (l *Listener) Close(ctx context.Context) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	if err := l.hs.Shutdown(sctx); err != nil {
		_ = l.hs.Close()
	}
}

// LoadStateFile loads the state SaveStateFile wrote at path, and reports
// false, with no error, when there is no file yet.
func (s *Server) LoadStateFile(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("open state: %w", err)
	}
	defer f.Close()
	if err := s.LoadState(f); err != nil {
		return false, fmt.Errorf("load state %s: %w", path, err)
	}
	return true, nil
}
