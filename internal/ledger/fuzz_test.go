package ledger

import (
	"bytes"
	"testing"
)

// FuzzLedger feeds arbitrary bytes to the ledger's readers, which restore and
// `ledger verify` run on files that may come from anywhere (an artifact, a
// hand edit): they must never panic, and a ledger Check accepts must be one
// Read's scan accepts too.
func FuzzLedger(f *testing.F) {
	f.Add([]byte(`{"timestamp":"2025-10-05T12:34:56.789Z","run_id":"r","module":"m","page_id":"p","action":"create","status":"ok","changed":[],"before":null,"after":{"D":"x"},"error":"","request_id":"","prev":""}` + "\n"))
	f.Add([]byte(`{"module":"torn` + "\n" + `{"action":"run","status":"ok","prev":"x"}`))
	f.Add([]byte("\x00\x00\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checked := Check(bytes.NewReader(data))
		read := scan(bytes.NewReader(data), func(int, []byte, *Record) error { return nil })
		if checked == nil && read != nil {
			t.Fatalf("Check() accepted what scan refuses: %v", read)
		}
	})
}
