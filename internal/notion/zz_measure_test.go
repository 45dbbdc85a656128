package notion

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/lukhas/notion-sync-action/internal/notion/notiontest"
)

func TestZZMeasure(t *testing.T) {
	for _, tc := range []struct {
		name           string
		emu            notiontest.Options
		rate           float64
		burst, workers int
	}{
		{"client 20/s vs emulator bucket 20/s burst 5", notiontest.Options{RateLimit: 20, Burst: 5}, 20, 5, 8},
		{"client 40/s vs emulator bucket 20/s burst 5", notiontest.Options{RateLimit: 20, Burst: 5}, 40, 5, 8},
		{"client 40/s vs emulator window 30 per 1s", notiontest.Options{WindowBudget: 30, Window: time.Second}, 40, 5, 8},
	} {
		srv := notiontest.NewServer(t, tc.emu)
		db, _ := srv.CreateDatabase(notiontest.DefaultSchema())
		c := New(Secret(srv.Token()), Options{BaseURL: srv.URL(), Rate: tc.rate, Burst: tc.burst})
		start := time.Now()
		var wg sync.WaitGroup
		jobs := make(chan int)
		var mu sync.Mutex
		fails := 0
		for range tc.workers {
			wg.Go(func() {
				for range jobs {
					_, err := c.CreatePage(t.Context(), db, map[string]json.RawMessage{"Module": json.RawMessage(`{"title":[{"text":{"content":"m"}}]}`)})
					if err != nil {
						mu.Lock()
						fails++
						mu.Unlock()
						t.Log(err)
					}
				}
			})
		}
		for i := range 60 {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		st := c.Stats()
		t.Logf("%s: 60 creates in %s, calls=%d 429=%d retries=%d waited=%s fails=%d stored=%d",
			tc.name, time.Since(start).Round(time.Millisecond), st.Calls, st.RateLimited, st.Retries, st.Waited.Round(time.Millisecond), fails, len(srv.Pages(db)))
	}
}
