// Package notiontest starts the Notion emulator (package emulator) for tests: one
// function, so that the emulator itself stays free of testing code and the release
// binary, which serves it in `notion-sync emulator` and `demo`, links no test helper.
package notiontest

import (
	"net/http/httptest"
	"testing"

	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
)

// NewServer starts emulator.New(opts) behind an httptest.Server that t.Cleanup
// closes; the server's URL method returns its base URL.
func NewServer(t testing.TB, opts emulator.Options) *emulator.Server {
	t.Helper()
	s := emulator.New(opts)
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		// Drop connections still held by a Delay fault, or Close would wait for it.
		ts.CloseClientConnections()
		ts.Close()
	})
	s.SetURL(ts.URL)
	return s
}
