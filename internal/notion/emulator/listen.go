package emulator

import (
	"context"
	"encoding/json"
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

// Seed readies the server as `notion-sync emulator` starts it: the state file
// at statePath when one exists (its first database is returned, loaded true),
// else a new database from schema (DefaultSchema when nil) with dataSources
// data sources in all. A schema CreateDatabase refuses is a *SchemaError.
func (s *Server) Seed(statePath string, schema json.RawMessage, dataSources int) (dbID string, loaded bool, err error) {
	if statePath != "" {
		loaded, err := s.LoadStateFile(statePath)
		if err != nil {
			return "", false, err
		}
		if dbs := s.Databases(); loaded && len(dbs) > 0 {
			return dbs[0], true, nil
		}
	}
	if schema == nil {
		schema = DefaultSchema()
	}
	dbID, err = s.CreateDatabase(schema)
	if err != nil {
		return "", false, &SchemaError{Err: err}
	}
	for i := len(s.DataSources(dbID)); i < dataSources; i++ {
		if _, err := s.AddDataSource(dbID, fmt.Sprintf("Source %d", i+1), nil); err != nil {
			return "", false, fmt.Errorf("add data source: %w", err)
		}
	}
	return dbID, false, nil
}

// SchemaError is a seed schema the emulator cannot take.
type SchemaError struct{ Err error }

func (e *SchemaError) Error() string { return e.Err.Error() }
func (e *SchemaError) Unwrap() error { return e.Err }
