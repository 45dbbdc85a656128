package emulator

import (
	"net/http"
	"path/filepath"
	"testing"
)

func TestListen(t *testing.T) {
	t.Parallel()
	s := New(Options{})
	l, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.URL() != l.URL() || l.URL() == "" {
		t.Errorf("URL() = %q, Listener.URL() = %q: want the same address", s.URL(), l.URL())
	}
	resp, err := http.Get(l.URL() + "/v1/users/me")
	if err != nil {
		t.Fatalf("GET while listening: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET without a token: %d, want 401", resp.StatusCode)
	}
	l.Close(t.Context())
	if resp, err := http.Get(l.URL() + "/v1/users/me"); err == nil {
		resp.Body.Close()
		t.Error("GET after Close succeeded")
	}
}

func TestLoadStateFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	if loaded, err := New(Options{}).LoadStateFile(path); loaded || err != nil {
		t.Fatalf("LoadStateFile(missing) = %v, %v; want false, nil", loaded, err)
	}
	s := New(Options{})
	id, err := s.CreateDatabase(DefaultSchema())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveStateFile(path); err != nil {
		t.Fatal(err)
	}
	again := New(Options{})
	if loaded, err := again.LoadStateFile(path); !loaded || err != nil {
		t.Fatalf("LoadStateFile(saved) = %v, %v; want true, nil", loaded, err)
	}
	if dbs := again.Databases(); len(dbs) != 1 || dbs[0] != id {
		t.Errorf("Databases() = %v, want [%s]", dbs, id)
	}
}
